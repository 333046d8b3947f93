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
    if bytes.count > capacity { grow(to: bytes.count) }
    if let src = bytes.baseAddress { base.copyMemory(from: src, byteCount: bytes.count) }
    count = bytes.count
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
