/// The copies an optimistic scan makes of each entry before it validates and visits it, and the
/// last visited key it resumes after when a conflict restarts the walk. One per thread (keep it
/// in a `ScratchSlot`); `page` is an optional page-sized buffer for engines that copy pages.
public final class ScanResume {
  public var key = ValueBuffer()
  public var value = ValueBuffer()
  var last = ValueBuffer()
  var hasLast = false
  var successor = ValueBuffer()
  /// A buffer of `pageBytes` (0: none), for readers that copy a page before reading it.
  public let page: UnsafeMutableRawPointer?

  public init(pageBytes: Int = 0) {
    page = pageBytes > 0 ? .allocate(byteCount: pageBytes, alignment: 16) : nil
  }

  deinit {
    for b in [key, value, last, successor] { b.deallocate() }
    page?.deallocate()
  }

  /// Starts a new scan.
  public func begin() { hasLast = false }

  /// Where the walk (re)starts: `key`, or once an entry was visited, the least key after it
  /// (the last visited key followed by a 0x00 byte).
  public func bound(_ key: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    guard hasLast else { return key }
    successor.store(last.bytes, appending: 0)
    return successor.bytes
  }

  /// Records that the entry in `key` was visited.
  public func visited() {
    swap(&key, &last)
    hasLast = true
  }
}
