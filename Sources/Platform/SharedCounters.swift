import CSys

/// Per-thread counters, each on its own cache line, written by one worker and read by the
/// monitor thread with relaxed atomics (a plain store on x86-64: free on the op path).
public final class SharedCounters: @unchecked Sendable {
  @usableFromInline let base: UnsafeMutablePointer<UInt64>
  public let count: Int
  @usableFromInline static let stride = 8  // 64 bytes

  public init(count: Int) {
    self.count = count
    base = .allocate(capacity: max(count, 1) * Self.stride)
    base.initialize(repeating: 0, count: max(count, 1) * Self.stride)
  }
  deinit { base.deallocate() }

  @inlinable @inline(__always)
  public func store(_ i: Int, _ v: UInt64) { csys_store_relaxed(base + i * Self.stride, v) }

  @inlinable @inline(__always)
  public func load(_ i: Int) -> UInt64 { csys_load_relaxed(base + i * Self.stride) }

  public var sum: UInt64 { (0..<count).reduce(0) { $0 &+ load($1) } }
}
