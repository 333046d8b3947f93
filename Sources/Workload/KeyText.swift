/// "00" "01" … "99": two decimal digits per lookup.
@usableFromInline let digitPairs: StaticString =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

/// Writes `n` in decimal at `out`, zero-padded to at least `width` digits; returns the bytes
/// written. The one decimal writer behind the ycsb, onode and path key shapes: two digits per
/// division, right to left into a small buffer, then one copy.
@inlinable @inline(__always)
func writeDecimal(_ n: UInt64, width: Int, to out: UnsafeMutableRawPointer) -> Int {
  var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
  return withUnsafeMutableBytes(of: &buffer) { b in
    let pairs = digitPairs.utf8Start
    var i = 24
    var x = n
    while x >= 100 {
      let r = Int(x % 100)
      x /= 100
      i -= 2
      b[i] = pairs[2 * r]
      b[i + 1] = pairs[2 * r + 1]
    }
    if x >= 10 {
      i -= 2
      b[i] = pairs[2 * Int(x)]
      b[i + 1] = pairs[2 * Int(x) + 1]
    } else {
      i -= 1
      b[i] = UInt8(truncatingIfNeeded: 48 + x)
    }
    let digits = 24 - i
    let pad = max(width - digits, 0)
    for j in 0..<pad { out.storeBytes(of: UInt8(48), toByteOffset: j, as: UInt8.self) }
    (out + pad).copyMemory(from: b.baseAddress! + i, byteCount: digits)
    return pad + digits
  }
}

/// A fixed scattering of 0..<size: k ↦ k × stride mod size, with the stride coprime with the size
/// so every number is hit once. Key shapes whose key numbers are in sorted order (the onode grid,
/// paths) use it for hashed insert order.
struct ScatteredOrder: Sendable {
  let size: UInt64
  let stride: UInt64

  init(size: Int, scattered: Bool) {
    self.size = UInt64(max(size, 1))
    var a = scattered ? max(0x9E37_79B9 % self.size, 1) : 1
    func gcd(_ x: UInt64, _ y: UInt64) -> UInt64 { y == 0 ? x : gcd(y, x % y) }
    while self.size > 1 && gcd(a, self.size) != 1 { a += 1 }
    stride = a
  }

  @inline(__always) func map(_ k: UInt64) -> UInt64 {
    stride == 1 ? k : k.multipliedFullWidth(by: stride).low % size
  }
}
