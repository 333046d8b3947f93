/// A reusable, growable byte buffer a reader copies values into; one per client thread, so a
/// lookup allocates nothing once the buffer has grown to the largest value.
public struct ValueBuffer {
  public var base: UnsafeMutableRawPointer
  public var capacity: Int
  public var count: Int = 0

  public init(capacity: Int = 256) {
    self.capacity = max(capacity, 16)
    self.base = .allocate(byteCount: self.capacity, alignment: 16)
  }

  /// Replaces the contents with `bytes`.
  @inlinable @inline(__always)
  public mutating func store(_ bytes: UnsafeRawBufferPointer) {
    let n = bytes.count
    if n > capacity { grow(to: n) }
    if let src = bytes.baseAddress {
      if n >= 8 && n <= 16 {
        // Keys and values this short are copied in two overlapping words, not a memmove call
        // (an optimistic scan copies two per entry).
        let (a, b) = (
          src.loadUnaligned(as: UInt64.self),
          src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        )
        base.storeBytes(of: a, as: UInt64.self)
        base.storeBytes(of: b, toByteOffset: n - 8, as: UInt64.self)
      } else {
        base.copyMemory(from: src, byteCount: n)
      }
    }
    count = n
  }

  /// Replaces the contents with `bytes` followed by `byte`.
  public mutating func store(_ bytes: UnsafeRawBufferPointer, appending byte: UInt8) {
    if bytes.count + 1 > capacity { grow(to: bytes.count + 1) }
    if let src = bytes.baseAddress { base.copyMemory(from: src, byteCount: bytes.count) }
    base.storeBytes(of: byte, toByteOffset: bytes.count, as: UInt8.self)
    count = bytes.count + 1
  }

  @usableFromInline mutating func grow(to n: Int) {
    base.deallocate()
    capacity = max(n, capacity * 2)
    base = .allocate(byteCount: capacity, alignment: 16)
  }

  /// The bytes last stored.
  public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// Frees the storage; the buffer must not be used afterwards.
  public func deallocate() { base.deallocate() }
}
