/// Writes the bytes of key number `k` for a key shape.
public struct KeyEncoder: Sendable {
  @usableFromInline enum Form: Sendable { case int64, ycsb, onode, path }
  @usableFromInline let form: Form
  @usableFromInline let hashed: Bool
  /// The ycsb prefix, zero-filled to whole 8-byte words, and its length.
  @usableFromInline let prefixWords: [UInt64]
  @usableFromInline let prefixLength: Int
  @usableFromInline let padding: Int
  @usableFromInline let onode: OnodeKeyWriter?
  @usableFromInline let path: PathKeyWriter?
  /// Largest key this encoder writes, in bytes.
  public let maxLength: Int
  /// The buffer `encode` needs: `maxLength` and a few bytes it may scribble on past the key.
  public var bufferSize: Int { maxLength + decimalSlack }

  public init(_ shape: KeyShape, hashed: Bool) {
    self.hashed = hashed
    maxLength = shape.maximumLength
    onode = if case .onode(let s) = shape { OnodeKeyWriter(shape: s, hashed: hashed) } else { nil }
    path = if case .path(let s) = shape { PathKeyWriter(shape: s, hashed: hashed) } else { nil }
    var prefix: [UInt8] = []
    switch shape {
    case .int64: (form, padding) = (.int64, 0)
    case .ycsb(let p, let z): (form, prefix, padding) = (.ycsb, Array(p.utf8), z)
    case .onode: (form, padding) = (.onode, 0)
    case .path: (form, padding) = (.path, 0)
    }
    prefixLength = prefix.count
    prefixWords = stride(from: 0, to: prefix.count, by: 8).map { start in
      prefix[start..<min(start + 8, prefix.count)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
  }

  /// Writes key `k` at `out` (at least `bufferSize` bytes); returns its length.
  @inlinable @inline(__always)
  public func encode(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    switch form {
    case .int64: return int64Key(k, into: out)
    case .ycsb: return ycsbKey(k, into: out)
    case .onode: return onode.unsafelyUnwrapped.encode(k, into: out)
    case .path: return path.unsafelyUnwrapped.encode(k, into: out)
    }
  }

  /// Writes what every key of the shape starts with (the ycsb prefix) into each of `count` slots
  /// `stride` bytes apart, once, so that the batch `encode` need not write it again.
  func prepare(slots: UnsafeMutableRawPointer, count: Int, stride: Int) {
    for i in 0..<count { writePrefix(to: slots + i &* stride) }
  }

  /// Writes the keys of a batch of ops to slots `stride` bytes apart, dispatching on the key
  /// form once for the batch so that each form's loop is tight. The slots were `prepare`d.
  func encode(
    _ ops: UnsafeMutablePointer<PendingOp>, count: Int, into slots: UnsafeMutableRawPointer,
    stride: Int
  ) {
    @inline(__always) func each(_ write: (UInt64, UnsafeMutableRawPointer) -> Int) {
      for i in 0..<count { ops[i].keyLength = write(ops[i].number, slots + i &* stride) }
    }
    switch form {
    case .int64: each { int64Key($0, into: $1) }
    case .ycsb: each { ycsbKeyAfterPrefix($0, into: $1) }
    case .onode: each { onode.unsafelyUnwrapped.encode($0, into: $1) }
    case .path: each { path.unsafelyUnwrapped.encode($0, into: $1) }
    }
  }

  @inlinable @inline(__always)
  func int64Key(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    out.storeBytes(of: (hashed ? mix64(k) : k).bigEndian, as: UInt64.self)
    return 8
  }

  @inlinable @inline(__always)
  func ycsbKey(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    writePrefix(to: out)
    return ycsbKeyAfterPrefix(k, into: out)
  }

  /// The ycsb key's digits, after a prefix already in place.
  @inlinable @inline(__always)
  func ycsbKeyAfterPrefix(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    let digits = out + prefixLength
    return prefixLength + writeDecimal(hashed ? ycsbFNVHash64(k) : k, width: padding, to: digits)
  }

  /// Writes the prefix in whole words: the digits overwrite the zero fill after it.
  @inlinable @inline(__always)
  func writePrefix(to out: UnsafeMutableRawPointer) {
    prefixWords.withUnsafeBufferPointer { words in
      for (i, w) in words.enumerated() {
        out.storeBytes(of: w.littleEndian, toByteOffset: 8 &* i, as: UInt64.self)
      }
    }
  }
}

/// Writes `n` in decimal at `out`, zero-padded to at least `width` digits; returns the bytes
/// written. The one decimal writer behind the ycsb, onode and path key shapes: `n` is split into
/// three 8-digit chunks, each turned into 8 ASCII digits at once in a 64-bit word (no loop, no
/// table), and the words are stored whole. So it may write up to `decimalSlack` bytes past the
/// digits: buffers for keys hold `KeyEncoder.bufferSize` bytes.
@inlinable @inline(__always)
func writeDecimal(_ n: UInt64, width: Int, to out: UnsafeMutableRawPointer) -> Int {
  let (top, rest) = n.quotientAndRemainder(dividingBy: 10_000_000_000_000_000)
  let (middle, low) = rest.quotientAndRemainder(dividingBy: 100_000_000)
  let digits = (eightDigits(top), eightDigits(middle), eightDigits(low))  // top: ≤ 4 significant
  // Leading zero digits are zero bytes before the ASCII offset; the first digit is the low byte.
  let leadingZeros =
    top != 0
    ? digits.0.trailingZeroBitCount / 8
    : middle != 0
      ? 8 + digits.1.trailingZeroBitCount / 8 : 16 + min(digits.2.trailingZeroBitCount / 8, 7)
  let ascii: UInt64 = 0x3030_3030_3030_3030
  let count = max(24 - leadingZeros, min(width, 24))
  let pad = max(width - 24, 0)
  for j in 0..<pad { out.storeBytes(of: UInt8(ascii & 0xFF), toByteOffset: j, as: UInt8.self) }
  // Skip the first 24 − count digits: shift them out of their word, then store the words that
  // follow so that each overwrites the zero bytes the shift left at the end of the one before.
  let o = out + pad
  let skip = 24 - count
  let (bytes, shift) = (8 - skip & 7, UInt64(8 * (skip & 7)))
  switch skip >> 3 {
  case 0:
    o.storeBytes(of: (digits.0 | ascii) >> shift, as: UInt64.self)
    o.storeBytes(of: digits.1 | ascii, toByteOffset: bytes, as: UInt64.self)
    o.storeBytes(of: digits.2 | ascii, toByteOffset: bytes + 8, as: UInt64.self)
  case 1:
    o.storeBytes(of: (digits.1 | ascii) >> shift, as: UInt64.self)
    o.storeBytes(of: digits.2 | ascii, toByteOffset: bytes, as: UInt64.self)
  default:
    o.storeBytes(of: (digits.2 | ascii) >> shift, as: UInt64.self)
  }
  return pad + count
}

/// Bytes `writeDecimal` may write past the digits it returns.
let decimalSlack = 8

/// The 8 decimal digits of `x` < 10^8 as bytes 0–9, most significant in the low byte (first in
/// memory): split into 4 + 4 digits, then 2 + 2 in each half, then 1 + 1, in parallel lanes.
@inlinable @inline(__always)
func eightDigits(_ x: UInt64) -> UInt64 {
  let (high4, low4) = x.quotientAndRemainder(dividingBy: 10_000)
  let fours = high4 | low4 << 32
  let hundreds = (fours &* 10_486) >> 20 & 0x0000_007F_0000_007F  // ⌊lane / 100⌋ for lane < 10^4
  let twos = hundreds | (fours &- hundreds &* 100) << 16
  let tens = (twos &* 103) >> 10 & 0x000F_000F_000F_000F  // ⌊lane / 10⌋ for lane < 100
  return tens | (twos &- tens &* 10) << 8
}
