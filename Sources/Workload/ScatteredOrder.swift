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
