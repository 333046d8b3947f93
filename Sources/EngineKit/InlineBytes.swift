/// A compact byte string for the baseline engines' keys and values: 12 bytes, 4-byte aligned, so
/// a `Dictionary<InlineBytes, InlineBytes>` bucket is 24 bytes (a `ByteString` pair takes 64).
/// Up to 11 bytes are stored inline (bytes 0..<11, the length in byte 11, zero padding), so an
/// 8-byte key or value needs no allocation; longer strings hold a pointer (bytes 0..<8) and the
/// length with the top bit set (bytes 8..<12).
///
/// It is a plain value with manual ownership, like the C++ peers' entries: `init(copying:)`
/// allocates for long strings and the owner (the engine's container) calls `release()` when it
/// drops the entry; `init(borrowing:)` makes a probe that points at the caller's bytes and
/// allocates nothing, for lookups. Equality, hashing and order depend only on the bytes, never
/// on the representation (a length decides it: ≤ 11 inline, longer out of line).
///
/// Little-endian only (the tag lives in the top byte of the third word).
@frozen
public struct InlineBytes: Hashable, Comparable {
  /// Bytes 0..<4, 4..<8 and 8..<12 of the representation.
  @usableFromInline var w0: UInt32
  @usableFromInline var w1: UInt32
  @usableFromInline var w2: UInt32

  /// The most bytes stored inline.
  public static let inlineCapacity = 11
  @usableFromInline static let outOfLine: UInt32 = 0x8000_0000

  @inlinable @inline(__always)
  init(_ w0: UInt32, _ w1: UInt32, _ w2: UInt32) { (self.w0, self.w1, self.w2) = (w0, w1, w2) }

  /// Inline copy of at most 11 bytes.
  @inlinable @inline(__always)
  static func inline(_ bytes: UnsafeRawBufferPointer) -> InlineBytes {
    let n = bytes.count
    guard n > 0, let p = bytes.baseAddress else { return InlineBytes(0, 0, 0) }
    if n >= 8 {
      // One word for the first eight, then the tail's 0...3 bytes from an overlapping load.
      let head = p.loadUnaligned(as: UInt64.self)
      let last = p.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
      let tail = last >> UInt32(8 * (12 - n))
      return InlineBytes(
        UInt32(truncatingIfNeeded: head), UInt32(truncatingIfNeeded: head >> 32),
        tail | UInt32(n) << 24)
    }
    var s = InlineBytes(0, 0, UInt32(n) << 24)
    withUnsafeMutableBytes(of: &s) { $0.baseAddress!.copyMemory(from: p, byteCount: n) }
    return s
  }

  /// A probe over `bytes` that allocates nothing: inline when short, else pointing at `bytes`,
  /// which must outlive it. Never stored in a container, never released.
  @inlinable @inline(__always)
  public init(borrowing bytes: UnsafeRawBufferPointer) {
    let n = bytes.count
    if n <= Self.inlineCapacity {
      self = .inline(bytes)
    } else {
      precondition(n < Int(Self.outOfLine), "InlineBytes holds less than 2 GiB")
      let a = UInt64(UInt(bitPattern: bytes.baseAddress!))
      self.init(
        UInt32(truncatingIfNeeded: a), UInt32(truncatingIfNeeded: a >> 32),
        Self.outOfLine | UInt32(n))
    }
  }

  /// An owned copy of `bytes` (one allocation of exactly `bytes.count` when longer than 11);
  /// its owner calls `release()` once.
  @inlinable
  public init(copying bytes: UnsafeRawBufferPointer) {
    let n = bytes.count
    if n <= Self.inlineCapacity {
      self = .inline(bytes)
    } else {
      let copy = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 1)
      copy.copyMemory(from: bytes.baseAddress!, byteCount: n)
      self.init(borrowing: UnsafeRawBufferPointer(start: copy, count: n))
    }
  }

  /// Frees an owned copy's out-of-line bytes (nothing for inline ones).
  @inlinable
  public func release() {
    if isOutOfLine { pointer.deallocate() }
  }

  @inlinable var isOutOfLine: Bool { w2 & Self.outOfLine != 0 }

  @inlinable var pointer: UnsafeMutableRawPointer {
    UnsafeMutableRawPointer(bitPattern: UInt(UInt64(w0) | UInt64(w1) << 32))!
  }

  public var count: Int { isOutOfLine ? Int(w2 & ~Self.outOfLine) : Int(w2 >> 24) }

  /// Calls `body` with the bytes.
  @inlinable @inline(__always)
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    if isOutOfLine {
      return try body(UnsafeRawBufferPointer(start: pointer, count: Int(w2 & ~Self.outOfLine)))
    }
    var s = self
    let n = Int(w2 >> 24)
    return try withUnsafeBytes(of: &s) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(n))) }
  }

  public var bytes: [UInt8] { withBytes { Array($0) } }

  @inlinable
  public static func == (l: InlineBytes, r: InlineBytes) -> Bool {
    if l.w0 == r.w0 && l.w1 == r.w1 && l.w2 == r.w2 { return true }
    guard l.isOutOfLine && r.isOutOfLine && l.w2 == r.w2 else { return false }
    return memcmp(l.pointer, r.pointer, Int(l.w2 & ~Self.outOfLine)) == 0
  }

  @inlinable
  public func hash(into hasher: inout Hasher) {
    if isOutOfLine {
      withBytes { hasher.combine(bytes: $0) }
    } else {
      hasher.combine(UInt64(w0) | UInt64(w1) << 32)
      hasher.combine(w2)
    }
  }

  /// Byte order, then length. Inline strings compare as two big-endian words: the zero padding
  /// sorts below any byte and the length byte comes last, so a prefix sorts first.
  @inlinable
  public static func < (l: InlineBytes, r: InlineBytes) -> Bool {
    if !l.isOutOfLine && !r.isOutOfLine {
      let a = (UInt64(l.w0) | UInt64(l.w1) << 32).byteSwapped
      let b = (UInt64(r.w0) | UInt64(r.w1) << 32).byteSwapped
      if a != b { return a < b }
      return l.w2.byteSwapped < r.w2.byteSwapped
    }
    return l.withBytes { a in r.withBytes { b in compareBytes(a, b) < 0 } }
  }
}

#if _endian(big)
  #error("InlineBytes assumes a little-endian target")
#endif

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
