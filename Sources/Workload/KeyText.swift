/// Writes `n` in decimal at `out`, zero-padded to at least `width` digits; returns the bytes
/// written. The one decimal writer behind the ycsb, onode and path key shapes.
@inlinable @inline(__always)
func writeDecimal(_ n: UInt64, width: Int, to out: UnsafeMutableRawPointer) -> Int {
  var digits = 1
  var x = n
  while x >= 10 {
    x /= 10
    digits += 1
  }
  let w = max(digits, width)
  x = n
  for d in stride(from: w - 1, through: 0, by: -1) {
    out.storeBytes(of: UInt8(truncatingIfNeeded: 48 + x % 10), toByteOffset: d, as: UInt8.self)
    x /= 10
  }
  return w
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
