/// The copies an optimistic scan makes of each entry before it validates and visits it, and the
/// last visited key it resumes after when a conflict restarts the walk. One per thread (keep it
/// in a `ScratchSlot`); `page` is an optional page-sized buffer for engines that copy pages.
///
/// The state lives in raw memory behind `cursor`, a trivial value: a scan loop works on it with
/// no reference counting and no exclusivity checks (a class's `var` costs a runtime access check
/// on every write, and a class reference captured by a closure a retain per call).
public final class ScanResume {
  /// The scan state (valid as long as this object).
  public let cursor: ScanCursor
  /// A buffer of `pageBytes` (0: none), for readers that copy a page before reading it.
  public let page: UnsafeMutableRawPointer?

  public init(pageBytes: Int = 0) {
    let p = UnsafeMutablePointer<ScanCursor.State>.allocate(capacity: 1)
    p.initialize(
      to: .init(
        key: ValueBuffer(), value: ValueBuffer(), last: ValueBuffer(), successor: ValueBuffer()))
    cursor = ScanCursor(p)
    page = pageBytes > 0 ? .allocate(byteCount: pageBytes, alignment: 16) : nil
  }

  deinit {
    let s = cursor.state
    for b in [s.pointee.key, s.pointee.value, s.pointee.last, s.pointee.successor] {
      b.deallocate()
    }
    s.deallocate()
    page?.deallocate()
  }

  /// The copy of the entry being visited.
  public var key: ValueBuffer { cursor.state.pointee.key }
  public var value: ValueBuffer { cursor.state.pointee.value }

  /// Starts a new scan.
  public func begin() { cursor.begin() }
  /// See `ScanCursor.bound(_:)`.
  public func bound(_ key: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer { cursor.bound(key) }
  /// Records that the entry in `key` was visited.
  public func visited() { cursor.visited() }
}

/// A `ScanResume`'s state through a raw pointer: the entry copies and the resume point.
public struct ScanCursor {
  public struct State {
    public var key: ValueBuffer
    public var value: ValueBuffer
    @usableFromInline var last: ValueBuffer
    @usableFromInline var successor: ValueBuffer
    @usableFromInline var hasLast = false
  }

  public let state: UnsafeMutablePointer<State>

  @inlinable init(_ state: UnsafeMutablePointer<State>) { self.state = state }

  /// Starts a new scan.
  @inlinable @inline(__always) public func begin() { state.pointee.hasLast = false }

  /// Where the walk (re)starts: `key`, or once an entry was visited, the least key after it
  /// (the last visited key followed by a 0x00 byte).
  @inlinable @inline(__always)
  public func bound(_ key: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    guard state.pointee.hasLast else { return key }
    state.pointee.successor.store(state.pointee.last.bytes, appending: 0)
    return state.pointee.successor.bytes
  }

  /// Copies an entry (before the reader validates what it copied).
  @inlinable @inline(__always)
  public func copy(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
    state.pointee.key.store(key)
    state.pointee.value.store(value)
  }

  /// The copied entry.
  @inlinable @inline(__always) public var key: UnsafeRawBufferPointer { state.pointee.key.bytes }
  @inlinable @inline(__always) public var value: UnsafeRawBufferPointer {
    state.pointee.value.bytes
  }

  /// Records that the copied entry was visited (it becomes the resume point).
  @inlinable @inline(__always) public func visited() {
    swap(&state.pointee.key, &state.pointee.last)
    state.pointee.hasLast = true
  }
}
