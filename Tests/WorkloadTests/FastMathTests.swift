import Foundation
import Testing

@testable import Workload

/// The table-driven `log2`, `exp2` and `pow` against libm, over the ranges the generators use.
@Suite struct FastMathTests {
  let math = FastMath.shared

  func relativeError(_ a: Double, _ b: Double) -> Double { b == 0 ? abs(a) : abs(a - b) / abs(b) }

  @Test func log2MatchesLibm() {
    var rng = Xoshiro256(seed: 7)
    var worst = 0.0
    for _ in 0..<200_000 {
      // Magnitudes from 2^-60 to 2^60, and values just around 1.
      let x = Foundation.exp2(rng.nextDouble() * 120 - 60)
      let near1 = 1 + (rng.nextDouble() - 0.5) * 1e-3
      for v in [x, near1] {
        let exact = Foundation.log2(v)
        worst = max(worst, abs(math.log2(v) - exact) / max(1, abs(exact)))
      }
    }
    #expect(math.log2(1) == 0 && math.log2(0.5) == -1 && math.log2(1024) == 10)
    #expect(worst < 4e-16, "worst error per unit of max(1, |log2 x|): \(worst)")
  }

  @Test func exp2MatchesLibm() {
    var rng = Xoshiro256(seed: 8)
    var worst = 0.0
    for _ in 0..<200_000 {
      let y = rng.nextDouble() * 2000 - 1000
      worst = max(worst, relativeError(math.exp2(y), Foundation.exp2(y)))
    }
    #expect(worst < 5e-16, "worst relative error \(worst)")
    #expect(math.exp2(0) == 1 && math.exp2(-3) == 0.125 && math.exp2(10) == 1024)
    #expect(math.exp2(-1023) == 0 && math.exp2(-.infinity) == 0)
  }

  @Test func powMatchesLibmForZipfianExponents() {
    var rng = Xoshiro256(seed: 9)
    var worst = 0.0
    for theta in [0.01, 0.5, 0.9, 0.99, 0.999] {
      let p = 1 / (1 - theta)
      for _ in 0..<50_000 {
        let x = 1 - rng.nextDouble() * 0.9
        let y = p * Foundation.log2(x)
        guard y > -1000 else { continue }
        worst = max(worst, relativeError(math.pow(x, p), Foundation.pow(x, p)) / max(1, -y))
      }
    }
    #expect(worst < 1e-15, "worst relative error per unit of |p log2 x|: \(worst)")
    #expect(math.pow(0, 3) == 0 && math.pow(1, 100) == 1)
  }

  @Test func zipfianRanksAgreeWithLibmPow() {
    // The fast pow may move a rank only where n·x^α sits within ~1e-14 of an integer.
    for theta in [0.5, 0.99] {
      let z = Zipfian(n: 10_000_000_000, theta: theta)
      var rng = Xoshiro256(seed: 10)
      var differing = 0
      for _ in 0..<100_000 {
        let u = rng.nextDouble()
        let libm =
          z.rank(u) < 2
          ? z.rank(u)
          : min(UInt64(z.nDouble * Foundation.pow(z.eta * u - z.eta + 1, z.alpha)), z.n - 1)
        if libm != z.rank(u) { differing += 1 }
      }
      #expect(differing <= 2, "θ=\(theta): \(differing) ranks differ from libm's")
    }
  }
}
