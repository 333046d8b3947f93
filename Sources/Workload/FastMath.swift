import Foundation

/// Table-driven `log2`, `exp2` and `pow` for the generators' hot paths, in about a third of glibc
/// `pow`'s instructions and with a shorter dependency chain.
///
/// Each function reduces its argument with a 128-entry table and finishes with a short polynomial
/// (in Estrin's form), in the manner of the ARM optimized-routines implementations glibc uses but
/// without their extra-precision steps: `log2` and `exp2` are accurate to about 1 ulp, and
/// `pow(x, p)` to a relative `5e-16 × max(1, |p log2 x|)`, far finer than any rank or size a
/// generator derives from it. The tables are built once from libm and shared by all threads.
public struct FastMath: @unchecked Sendable {
  /// `log2`: 129 rows of (c, 1/c, log2 c), padded to 4, for the centres c of its intervals; then,
  /// from `exp2Base`, 2^(j/128) for j in 0..<128.
  @usableFromInline let table: UnsafePointer<Double>

  /// The process-wide tables.
  public static let shared = FastMath()

  private init() {
    let t = UnsafeMutablePointer<Double>.allocate(capacity: Self.exp2Base + 128)
    for i in 0...128 {
      let c = Double(bitPattern: Self.logOffset + UInt64(i) << 45)
      (t + 4 * i).initialize(from: [c, 1 / c, Foundation.log2(c), 0], count: 4)
    }
    for j in 0..<128 { (t + Self.exp2Base + j).initialize(to: Foundation.exp2(Double(j) / 128)) }
    table = UnsafePointer(t)  // never freed: shared for the life of the process
  }

  @inlinable static var exp2Base: Int { 4 * 129 }
  /// `log2` writes x = 2^e · z with z in [0.6875, 1.375), so that no cancellation spoils x ≈ 1.
  @inlinable static var logOffset: UInt64 { 0x3FE6_0000_0000_0000 }

  /// Base-2 logarithm of a positive normal `x`; exactly 0 at 1.
  @inlinable @inline(__always)
  public func log2(_ x: Double) -> Double {
    let t = x.bitPattern &- Self.logOffset
    let e = Double(Int64(bitPattern: t) >> 52)
    let z = Double(bitPattern: x.bitPattern &- t & 0xFFF0_0000_0000_0000)
    // z's nearest centre c = offset + i·2^45 (bits): 1/256 apart below 1, 1/128 above, 1 itself.
    let row = table + 4 * Int((t >> 44 & 0xFF &+ 1) >> 1)
    let r = (z - row[0]) * row[1]  // z − c is exact; |r| < 1/256
    // log2(1 + r) to degree 6 (coefficients ±1/(i ln 2)), in Estrin's form for a short chain.
    let r2 = r * r
    let a = -0x1.7154_7652_b82f_ep-1 + r * 0x1.ec70_9dc3_a03f_dp-2
    let b = -0x1.7154_7652_b82f_ep-2 + r * 0x1.2776_c50e_f9bf_ep-2 + r2 * -0x1.ec70_9dc3_a03f_dp-3
    return (e + row[2]) + (r * 0x1.7154_7652_b82f_ep0 + (r2 * a + (r2 * r2) * b))
  }

  /// 2^y for y < 1024; 0 below −1022 (where the result would be subnormal).
  @inlinable @inline(__always)
  public func exp2(_ y: Double) -> Double {
    if y < -1022 { return 0 }
    let shifter = 0x1.8p45  // adding it rounds to a multiple of 1/128, kept in the low bits
    let kd = y + shifter
    let k = kd.bitPattern  // 128·(y rounded), two's complement in the low bits
    let r = y - (kd - shifter)  // exact; |r| ≤ 1/256
    let scale = Double(bitPattern: table[Self.exp2Base + Int(k & 127)].bitPattern &+ (k >> 7) << 52)
    // 2^r − 1 to degree 5: the coefficients are ln2^i / i!.
    let r2 = r * r
    let a = r * 0x1.62e4_2fef_a39e_fp-1 + r2 * 0x1.ebfb_dff8_2c58_ep-3
    let b = 0x1.c6b0_8d70_4a0b_fp-5 + r * 0x1.3b2a_b6fb_a4e7_7p-7 + r2 * 0x1.5d87_fe78_a673_0p-10
    return scale + scale * (a + r2 * r * b)
  }

  /// x^p for x in [0, ∞) and a p with p·log2 x < 1024; 0^p = 0.
  @inlinable @inline(__always)
  public func pow(_ x: Double, _ p: Double) -> Double {
    x > 0 ? exp2(p * log2(x)) : 0
  }
}
