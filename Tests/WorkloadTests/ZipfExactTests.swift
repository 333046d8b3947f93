import Foundation
import Testing

@testable import Workload

/// The rejection-inversion sampler (θ ≥ 1, where Gray's method is undefined) against the exact
/// Zipf pmf P(i) ∝ 1/(i+1)^θ, by Pearson's χ² with fixed seeds.
@Suite struct ZipfExactTests {
  /// The exact pmf over n ranks.
  static func pmf(n: Int, theta: Double) -> [Double] {
    let w = (1...n).map { 1 / pow(Double($0), theta) }
    let z = w.reversed().reduce(0, +)
    return w.map { $0 / z }
  }

  /// Pearson's χ² of `counts` against `p`: ranks expecting at least 5 draws are bins of their
  /// own, the rest one pooled bin. Returns the statistic and its degrees of freedom.
  static func chiSquare(_ counts: [Int], _ p: [Double]) -> (stat: Double, df: Int) {
    let total = Double(counts.reduce(0, +))
    var (stat, bins) = (0.0, 0)
    var (pooledObserved, pooledExpected) = (0.0, 0.0)
    for (c, q) in zip(counts, p) {
      let e = q * total
      if e >= 5 {
        stat += (Double(c) - e) * (Double(c) - e) / e
        bins += 1
      } else {
        pooledObserved += Double(c)
        pooledExpected += e
      }
    }
    if pooledExpected > 0 {
      stat += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected
      bins += 1
    }
    return (stat, bins - 1)
  }

  /// The χ² value exceeded with probability 0.001 (Wilson–Hilferty).
  static func critical(df: Int) -> Double {
    let d = Double(df)
    let k = 2 / (9 * d)
    return d * pow(1 - k + 3.0902 * k.squareRoot(), 3)
  }

  @Test(arguments: [0.5, 0.99, 1.0, 1.2, 2.0])
  func rejectionInversionIsTheExactPMF(theta: Double) {
    let (n, draws) = (1000, 100_000)
    let z = ZipfRejectionInversion(n: UInt64(n), theta: theta)
    var rng = Xoshiro256(seed: 42)
    var counts = [Int](repeating: 0, count: n)
    for _ in 0..<draws {
      let r = z.rank(&rng)
      counts[Int(r)] += 1
    }
    let (stat, df) = Self.chiSquare(counts, Self.pmf(n: n, theta: theta))
    print(
      "rejection-inversion θ=\(theta): χ² = \(stat), \(df) dof, 0.1 % critical \(Self.critical(df: df))"
    )
    #expect(stat < Self.critical(df: df), "θ=\(theta): χ² \(stat) with \(df) dof")
    // The test can tell: the same draws against a neighbouring θ fail it.
    let (wrong, wrongDF) = Self.chiSquare(counts, Self.pmf(n: n, theta: theta + 0.05))
    #expect(wrong > Self.critical(df: wrongDF), "θ=\(theta) + 0.05: χ² \(wrong) should fail")
  }

  @Test func oneRankAndHugeRankCounts() {
    var rng = Xoshiro256(seed: 1)
    let one = ZipfRejectionInversion(n: 1, theta: 1.5)
    #expect((0..<100).allSatisfy { _ in one.rank(&rng) == 0 })
    // 10^10 + 1 ranks (YCSB's scrambled space) cost the same; rank 0's share is 1/ζ(∞, 2) = 6/π².
    let big = ZipfRejectionInversion(n: KeyChooser.scrambledItemCount, theta: 2)
    var zeros = 0
    for _ in 0..<50_000 {
      let r = big.rank(&rng)
      #expect(r < KeyChooser.scrambledItemCount)
      if r == 0 { zeros += 1 }
    }
    #expect(abs(Double(zeros) / 50_000 - 6 / (Double.pi * Double.pi)) < 0.01)
  }

  /// θ ≥ 1 through the key chooser: zipfian ranks, latest distances and scrambled keys.
  @Test func chooserUsesTheExactSamplerFromThetaOne() {
    let n = 500
    var rng = Xoshiro256(seed: 9)
    var zipfian = KeyChooser(.zipfian(constant: 1.2), records: UInt64(n), space: UInt64(n))
    var counts = [Int](repeating: 0, count: n)
    for _ in 0..<50_000 { counts[Int(zipfian.next(&rng, count: UInt64(n)))] += 1 }
    let (stat, df) = Self.chiSquare(counts, Self.pmf(n: n, theta: 1.2))
    #expect(stat < Self.critical(df: df), "zipfian θ=1.2 via KeyChooser: χ² \(stat), \(df) dof")

    // latest: last − rank over last = n − 1 ranks, so key 0 is never drawn.
    var latest = KeyChooser(.latest(constant: 2), records: UInt64(n), space: UInt64(n))
    var distances = [Int](repeating: 0, count: n - 1)
    for _ in 0..<50_000 {
      let k = latest.next(&rng, count: UInt64(n))
      #expect(k >= 1 && k < UInt64(n))
      distances[n - 1 - Int(k)] += 1
    }
    let (ls, ldf) = Self.chiSquare(distances, Self.pmf(n: n - 1, theta: 2))
    #expect(ls < Self.critical(df: ldf), "latest θ=2: χ² \(ls), \(ldf) dof")

    // scrambled: the hottest key is rank 0's hash, as for θ < 1.
    var scrambled = KeyChooser(.scrambledZipfian(constant: 1.5), records: 1000, space: 1000)
    var f: [UInt64: Int] = [:]
    for _ in 0..<20_000 { f[scrambled.next(&rng, count: 1000), default: 0] += 1 }
    #expect(f.max { $0.value < $1.value }!.key == ycsbFNVHash64(0) % 1001)
  }

  @Test func yamlTakesAnyPositiveTheta() throws {
    for c in ["1", "1.5", "2", "100"] {
      let s = try WorkloadLoader.parse(
        "request_distribution: {type: zipfian, constant: \(c)}\n", file: "w.yaml")
      #expect(s.requestDistribution == .zipfian(constant: Double(c)!))
    }
    for c in ["0", "-1", "101"] {
      #expect(throws: SpecError.self) {
        try WorkloadLoader.parse(
          "request_distribution: {type: latest, constant: \(c)}\n", file: "w.yaml")
      }
    }
  }
}
