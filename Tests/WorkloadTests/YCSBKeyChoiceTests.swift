import Foundation
import Testing

@testable import Workload

/// Key choice checked against YCSB's generators, their formulas written out here from
/// CoreWorkload, ScrambledZipfianGenerator, ZipfianGenerator, SkewedLatestGenerator and
/// Utils.fnvhash64 (Java `long` arithmetic).
@Suite struct YCSBKeyChoiceTests {
  /// Utils.fnvhash64: FNV-1a over the 8 low-first octets of a Java long, then Math.abs.
  func javaFNV(_ value: Int64) -> Int64 {
    var hash = Int64(bitPattern: 0xCBF2_9CE4_8422_2325)
    var v = value
    for _ in 0..<8 {
      let octet = v & 0xff
      v = v >> 8
      hash = hash ^ octet
      hash = hash &* 1_099_511_628_211
    }
    return hash == .min ? hash : abs(hash)
  }

  func spec(_ text: String) throws -> WorkloadSpec { try WorkloadLoader.parse(text, file: "w") }

  @Test(arguments: [0.0, 0.05])
  func scrambledRankToKeyIsYCSBs(insertProportion: Double) throws {
    let (records, ops) = (100_000, 100_000)
    let s = try spec(
      "recordcount=\(records)\noperationcount=\(ops)\nrequestdistribution=zipfian\n"
        + "readproportion=\(1 - insertProportion)\nupdateproportion=0\ninsertproportion=\(insertProportion)\n"
    )
    // CoreWorkload: expectednewkeys = (int)(opcount × insertproportion × 2.0);
    // ScrambledZipfianGenerator(insertstart, insertstart + insertcount + expectednewkeys),
    // itemcount = max − min + 1; nextValue = min + fnvhash64(rank) % itemcount.
    let expectedNewKeys = Int64(Double(ops) * insertProportion * 2.0)
    let (minKey, maxKey) = (Int64(0), Int64(0) + Int64(records) + expectedNewKeys)
    let itemCount = maxKey - minKey + 1
    let ycsb = (0..<100).map { minKey + javaFNV(Int64($0)) % itemCount }
    let stream = OperationStream(spec: s, phase: .run, thread: 0, threads: 1)
    let ours = (0..<100).map { Int64(stream.chooser.scrambledKey(rank: UInt64($0))) }
    #expect(ours == ycsb)
    print(
      "scrambled zipfian, \(records) records, insertproportion \(insertProportion): ranks 0-9 → keys \(ycsb.prefix(10))"
    )

    // Keys beyond the newest record are redrawn (nextKeynum), so the hottest keys drawn are
    // YCSB's hottest ranks' keys that exist, in rank order.
    var chooser = stream.chooser
    var rng = Xoshiro256(seed: 7)
    var f: [UInt64: Int] = [:]
    for _ in 0..<300_000 {
      let k = chooser.next(&rng, count: UInt64(records))
      #expect(k < UInt64(records))
      f[k, default: 0] += 1
    }
    let hottest = f.sorted { $0.value > $1.value }.prefix(5).map { Int64($0.key) }
    #expect(hottest == Array(ycsb.filter { $0 < records }.prefix(5)))
  }

  @Test func scrambledRanksFollowYCSBsZipfianOverItsFixedSpace() {
    // ZipfianGenerator(0, ITEM_COUNT = 10^10, 0.99, ZETAN): items = 10^10 + 1.
    let items = 10_000_000_001.0
    let (theta, zetan) = (0.99, 26.46902820178302)
    let alpha = 1 / (1 - theta)
    let eta = (1 - pow(2.0 / items, 1 - theta)) / (1 - (1 + pow(0.5, theta)) / zetan)
    let chooser = KeyChooser(.scrambledZipfian(constant: 0.99), records: 1000, space: 1000)
    var rng = Xoshiro256(seed: 3)
    var mismatches = 0
    for _ in 0..<100_000 {
      let u = rng.nextDouble()
      let uz = u * zetan
      let rank: Int64 =
        uz < 1 ? 0 : uz < 1 + pow(0.5, theta) ? 1 : Int64(items * pow(eta * u - eta + 1, alpha))
      let ours = Int64(chooser.zipf!.rank(u))
      #expect(abs(ours - rank) <= 1)  // the table-driven pow may floor the other way at an edge
      if ours != rank { mismatches += 1 }
    }
    print("scrambled u → rank: \(mismatches) of 100000 differ by one from YCSB's formula")
    #expect(mismatches < 100)
  }

  /// YCSB's pmf of `last − key` for SkewedLatestGenerator after the count grew from
  /// `records` to `count`: ZipfianGenerator(records − 1) grown to `last` items, ζ(last) summed,
  /// η from the constructor's item count; the head (ranks 0, 1) and Gray's formula elsewhere.
  func latestPMF(records: Int, count: Int, theta: Double, etaItems: Int? = nil) -> [Double] {
    let last = count - 1
    let items0 = Double(etaItems ?? (records - 1))
    var zetan = 0.0
    for i in stride(from: last, through: 1, by: -1) { zetan += 1 / pow(Double(i), theta) }
    let eta = (1 - pow(2 / items0, 1 - theta)) / (1 - (1 + pow(0.5, theta)) / zetan)
    let u1 = (1 + pow(0.5, theta)) / zetan
    // rank = (long)(last × (η u − η + 1)^α) ≥ r  ⇔  u ≥ 1 − (1 − (r/last)^(1−θ)) / η
    func from(_ r: Int) -> Double { 1 - (1 - pow(Double(r) / Double(last), 1 - theta)) / eta }
    var p = [Double](repeating: 0, count: last)
    p[0] = 1 / zetan
    p[1] = u1 - 1 / zetan
    for r in 0..<last {
      p[r] += max(0, min(from(r + 1), 1) - max(from(r), u1))
    }
    return p
  }

  @Test func latestMatchesYCSBsSkewAfterInserts() {
    let (records, count, theta) = (1000, 3000, 0.99)
    var chooser = KeyChooser(
      .latest(constant: theta), records: UInt64(records), space: UInt64(records))
    var rng = Xoshiro256(seed: 11)
    let draws = 400_000
    let buckets = [0, 1, 2, 3, 4, 5, 10, 20, 50, 100, 300, 1000, count - 1]
    var seen = [Int](repeating: 0, count: buckets.count - 1)
    for _ in 0..<draws {
      let k = chooser.next(&rng, count: UInt64(count))
      let d = count - 1 - Int(k)
      #expect(d >= 0 && d < count - 1)  // key 0 is never drawn
      seen[buckets.lastIndex { $0 <= d }!] += 1
    }
    // With η from 999 items and ζ from 2999, Gray's formula skips distances 2…4 entirely in
    // YCSB: such buckets must stay empty, and the rest (8 degrees of freedom) are χ²-tested.
    func chiSquare(_ p: [Double]) -> Double {
      (0..<seen.count).reduce(0.0) { sum, b in
        let e = p[buckets[b]..<buckets[b + 1]].reduce(0, +) * Double(draws)
        guard e > 0 else {
          #expect(seen[b] == 0, "distance bucket \(buckets[b]) has no mass in YCSB")
          return sum
        }
        return sum + pow(Double(seen[b]) - e, 2) / e
      }
    }
    let exact = chiSquare(latestPMF(records: records, count: count, theta: theta))
    let etaRecomputed = chiSquare(
      latestPMF(records: records, count: count, theta: theta, etaItems: count - 1))
    print("latest after inserts: χ² = \(exact) vs YCSB (8 dof); \(etaRecomputed) vs η recomputed")
    #expect(exact < 26.12)  // p > 0.001 with 8 degrees of freedom
    #expect(etaRecomputed > 100)  // the test tells YCSB's η from a recomputed one
  }

  @Test func latestBoundsAreYCSBs() {
    // No inserts: last − zipf(last) never reaches key 0; one record: key 0 only.
    var chooser = KeyChooser(.latest(constant: 0.99), records: 10, space: 10)
    var rng = Xoshiro256(seed: 5)
    var keys = Set<UInt64>()
    for _ in 0..<100_000 { keys.insert(chooser.next(&rng, count: 10)) }
    #expect(keys == Set(1...9))
    var one = KeyChooser(.latest(constant: 0.99), records: 1, space: 1)
    #expect((0..<100).allSatisfy { _ in one.next(&rng, count: 1) == 0 })
  }
}
