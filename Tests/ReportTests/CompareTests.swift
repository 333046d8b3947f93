import Testing

@testable import Report

@Suite struct CompareTests {
  /// A summary.csv with one run-phase `all` row per repeat.
  func summary(ops: [Double], p99: [Double]) -> String {
    let rows = zip(ops, p99).enumerated().map { r, v -> [String] in
      let values: [String: String] = [
        "workload": "w", "engine": "art", "variant": "default", "wrapper": "none", "threads": "1",
        "repeat": String(r), "target": "", "placement": "unpinned/local", "phase": "run",
        "op": "all", "ops_per_sec": String(v.0), "p99_ns": String(v.1),
      ]
      return Columns.summary.map { values[$0] ?? "" }
    }
    return CSV.render(header: Columns.summary, rows: rows)
  }

  @Test func aClearDropIsARegressionAndExitsTwo() {
    let f = Compare.run(
      baseline: summary(ops: [100, 102, 98, 101, 99], p99: [50, 51, 49, 50, 50]),
      candidate: summary(ops: [80, 82, 79, 81, 80], p99: [50, 50, 51, 49, 50]))
    let ops = f.first { $0.metric == "ops_per_sec" }!
    #expect(ops.verdict == .regression && ops.interval != nil && ops.interval!.upperBound < 0.95)
    #expect(f.first { $0.metric == "p99_ns" }!.verdict == .unchanged)
    #expect(Compare.exitCode(f) == 2)
    #expect(Compare.render(f, format: "markdown").contains("**regression**"))
  }

  @Test func noiseDoesNotFlapAndImprovementsExitFour() {
    // Medians differ by 10 %, but the samples overlap widely: not significant.
    let noisy = Compare.run(
      baseline: summary(ops: [100, 60, 140, 100, 65], p99: [50, 50, 50, 50, 50]),
      candidate: summary(ops: [90, 135, 62, 90, 138], p99: [50, 50, 50, 50, 50]))
    #expect(noisy.allSatisfy { $0.verdict == .unchanged } && Compare.exitCode(noisy) == 0)
    let better = Compare.run(
      baseline: summary(ops: [100, 100, 100], p99: [50, 52, 51]),
      candidate: summary(ops: [101, 99, 100], p99: [30, 31, 29]))
    #expect(better.first { $0.metric == "p99_ns" }!.verdict == .improvement)
    #expect(Compare.exitCode(better) == 4)
  }

  @Test func singleRunsUseTheThresholdAlone() {
    let f = Compare.run(
      baseline: summary(ops: [100], p99: [50]), candidate: summary(ops: [93], p99: [52]),
      thresholds: ["p99_ns": 0.10])
    #expect(f.first { $0.metric == "ops_per_sec" }!.verdict == .regression)
    #expect(f.first { $0.metric == "p99_ns" }!.verdict == .unchanged)
    #expect(f.allSatisfy { $0.interval == nil })
  }
}
