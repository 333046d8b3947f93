/// An owned byte string for the baseline engines and the reference model. Strings up to 24 bytes
/// are stored inline as three big-endian words (no allocation), so comparing words compares bytes.
public enum ByteString: Hashable, Comparable, Sendable {
  case small(UInt64, UInt64, UInt64, UInt8)
  case large([UInt8])

  @inlinable
  public init(_ bytes: UnsafeRawBufferPointer) {
    let n = bytes.count
    guard n <= 24 else {
      self = .large(Array(bytes))
      return
    }
    var w: (UInt64, UInt64, UInt64) = (0, 0, 0)
    withUnsafeMutableBytes(of: &w) { dst in
      if n > 0 { dst.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: n) }
    }
    self = .small(UInt64(bigEndian: w.0), UInt64(bigEndian: w.1), UInt64(bigEndian: w.2), UInt8(n))
  }

  public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
    self = Array(bytes).withUnsafeBytes { ByteString($0) }
  }

  public var count: Int {
    switch self {
    case .small(_, _, _, let n): return Int(n)
    case .large(let a): return a.count
    }
  }

  /// Calls `body` with the bytes.
  @inlinable
  public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    switch self {
    case .small(let a, let b, let c, let n):
      var w = (a.bigEndian, b.bigEndian, c.bigEndian)
      return try withUnsafeBytes(of: &w) {
        try body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(n))))
      }
    case .large(let a):
      return try a.withUnsafeBytes(body)
    }
  }

  public var bytes: [UInt8] { withBytes { Array($0) } }

  @inlinable
  public static func < (l: ByteString, r: ByteString) -> Bool {
    if case .small(let a0, let a1, let a2, let an) = l,
      case .small(let b0, let b1, let b2, let bn) = r
    {
      if a0 != b0 { return a0 < b0 }
      if a1 != b1 { return a1 < b1 }
      if a2 != b2 { return a2 < b2 }
      return an < bn
    }
    return l.withBytes { a in r.withBytes { b in compareBytes(a, b) < 0 } }
  }
}

/// Lexicographic byte comparison (memcmp, then length): negative, zero or positive. The first
/// eight bytes are compared inline as one big-endian word, which decides most comparisons of
/// index keys without a call.
@inlinable @inline(__always)
public func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
  let n = min(a.count, b.count)
  var done = 0
  if n >= 8 {
    let x = UInt64(bigEndian: a.baseAddress!.loadUnaligned(as: UInt64.self))
    let y = UInt64(bigEndian: b.baseAddress!.loadUnaligned(as: UInt64.self))
    if x != y { return x < y ? -1 : 1 }
    done = 8
  }
  if n > done {
    let c = memcmp(a.baseAddress! + done, b.baseAddress! + done, n - done)
    if c != 0 { return Int(c) }
  }
  return a.count - b.count
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Hex rendering of bytes, for messages and traces.
public func hexString(_ bytes: UnsafeRawBufferPointer) -> String {
  let digits = Array("0123456789abcdef".utf8)
  var out = [UInt8]()
  out.reserveCapacity(bytes.count * 2)
  for b in bytes {
    out.append(digits[Int(b >> 4)])
    out.append(digits[Int(b & 15)])
  }
  return String(decoding: out, as: UTF8.self)
}

/// Hex of at most the first `limit` bytes, with the length when cut ("0011…(70000 B)"), so a
/// message about a huge key or value stays one short line.
public func hexPreview(_ bytes: UnsafeRawBufferPointer, limit: Int = 32) -> String {
  guard bytes.count > limit else { return hexString(bytes) }
  return hexString(UnsafeRawBufferPointer(rebasing: bytes[..<limit])) + "…(\(bytes.count) B)"
}
