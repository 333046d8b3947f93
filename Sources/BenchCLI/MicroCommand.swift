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

  func run() throws {
    let timer = CycleTimer.calibrated()
    let n = UInt64(records)
    func time(_ label: String, _ body: () -> UInt64) {
      let t0 = timer.now()
      let sink = body()
      let ns = Double(timer.nanoseconds(timer.now() &- t0)) / Double(draws)
      print(
        String(
          format: "%-34@ %7.2f ns/op  %7.1f M/s  (checksum %llu)", label as NSString, ns, 1e3 / ns,
          sink & 0xff))
    }
    let dists: [RequestDistribution] = [
      .uniform, .sequential, .zipfian(constant: 0.99), .scrambledZipfian(constant: 0.99),
      .latest(constant: 0.99),
      .hotspot(dataFraction: 0.2, opFraction: 0.8),
      .exponential(percentile: 95, fraction: 0.8571428571), .selfSimilar(skew: 0.2),
    ]
    for d in dists {
      var c = KeyChooser(d, records: n, space: n)
      var rng = Xoshiro256(seed: 1)
      time("key draw \(d.label)") {
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
      var stream = OperationStream(spec: spec, phase: .run, thread: 0, threads: 1)
      time("op stream YCSB-A \(label) keys") {
        var s: UInt64 = 0
        for _ in 0..<draws { s &+= UInt64(stream.next()!.key.count) }
        return s
      }
    }
  }
}
