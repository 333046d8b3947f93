import ArgumentParser
import Foundation
import Platform
import Workload

/// Generator micro-benchmarks: what producing an operation costs, so it can be compared with the
/// cheapest engine op (run in release).
struct MicroCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "micro", abstract: "Time the workload generators (ns per draw, ops/s per thread).")

  @Option(name: .long, help: "Draws per measurement.") var draws = 10_000_000
  @Option(name: .long, help: "Key space for the distributions.") var records = 10_000_000
  @Option(name: .long, help: "Timed runs per benchmark; the median is reported.") var repeats = 5
  @Option(name: .long, help: "Run only the benchmarks whose label contains this text.")
  var only: String?

  func validate() throws {
    guard (1...10_000_000_000).contains(draws) else {
      throw ValidationError("--draws must be 1...10000000000, got \(draws)")
    }
    // ζ(n) for the zipfian draws is summed term by term: beyond 10^9 it alone takes minutes.
    guard (1...1_000_000_000).contains(records) else {
      throw ValidationError("--records must be 1...1000000000, got \(records)")
    }
    guard (1...1000).contains(repeats) else {
      throw ValidationError("--repeats must be 1...1000, got \(repeats)")
    }
  }

  func run() throws {
    let timer = CycleTimer.calibrated()
    let n = UInt64(records)
    func time(_ label: String, _ body: () -> UInt64) {
      if let only, !label.contains(only) { return }
      var sink: UInt64 = 0
      let runs = (0..<max(repeats, 1)).map { _ in
        let t0 = timer.now()
        sink = body()
        return Double(timer.nanoseconds(timer.now() &- t0)) / Double(draws)
      }.sorted()
      let ns = runs[runs.count / 2]
      let padded = label.padding(toLength: max(label.count, 40), withPad: " ", startingAt: 0)
      print(
        String(
          format: "%@ %7.2f ns/op  %7.1f M/s  (min %.2f, max %.2f; checksum %llu)",
          padded as NSString, ns, 1e3 / ns, runs[0], runs[runs.count - 1], sink & 0xff))
    }
    let dists: [RequestDistribution] = [
      .uniform, .sequential, .zipfian(constant: 0.99), .scrambledZipfian(constant: 0.99),
      .latest(constant: 0.99),
      .hotspot(dataFraction: 0.2, opFraction: 0.8),
      .exponential(percentile: 95, fraction: 0.8571428571), .selfSimilar(skew: 0.2),
    ]
    for d in dists {
      _ = KeyChooser(d, records: n, space: n)  // computes and caches ζ outside the timing
      time("key draw \(d.label)") {
        var c = KeyChooser(d, records: n, space: n)
        var rng = Xoshiro256(seed: 1)
        var s: UInt64 = 0
        for _ in 0..<draws { s &+= c.next(&rng, count: n) }
        return s
      }
    }
    for (shape, label) in [
      (KeyShape.int64, "int64"), (.ycsb(prefix: "user", zeroPadding: 1), "ycsb"),
    ] {
      var spec = WorkloadSpec(file: "micro", name: "micro")
      spec.records = records
      spec.keyShape = shape
      spec.mix = [.read: 0.5, .update: 0.5]
      spec.requestDistribution = .scrambledZipfian(constant: 0.99)
      time("op stream YCSB-A \(label) keys") {
        var stream = OperationStream(spec: spec, phase: .run, thread: 0, threads: 1)
        var s: UInt64 = 0
        for _ in 0..<draws { s &+= UInt64(stream.next()!.key.count) }
        return s
      }
    }
  }
}
