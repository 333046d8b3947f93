import Testing

@testable import Report

@Suite struct CompareTests {
  /// A summary.csv with one run-phase `all` row per repeat (for `engine`), plus `extra` rows.
  func summary(ops: [Double], p99: [Double], engine: String = "art", extra: String = "") -> String {
    let rows = zip(ops, p99).enumerated().map { r, v -> [String] in
      let values: [String: String] = [
        "workload": "w", "engine": engine, "variant": "default", "wrapper": "none", "threads": "1",
        "repeat": String(r), "target": "", "placement": "unpinned/local", "phase": "run",
        "op": "all", "ops_per_sec": String(v.0), "p99_ns": String(v.1),
      ]
      return Columns.summary.map { values[$0] ?? "" }
    }
    return CSV.render(header: Columns.summary, rows: rows) + extra
  }

  @Test func normalizingByAReferenceEngineCancelsAMachineWideSlowdown() {
    // The candidate machine ran everything 40 % slower: art and the reference moved together.
    func run(_ art: [Double], _ reference: [Double]) -> String {
      let ref = summary(ops: reference, p99: [50, 50, 50], engine: "sortedmap")
      let rows = CSV.parse(summary(ops: art, p99: [80, 80, 80])).dropFirst()
      return ref + rows.map { $0.map(CSV.field).joined(separator: ",") }.joined(separator: "\n")
        + "\n"
    }
    let baseline = run([100, 101, 99], [50, 51, 49])
    let slower = run([60, 61, 59], [30, 30.5, 29.5])
    #expect(Compare.exitCode(Compare.run(baseline: baseline, candidate: slower)) == 2)
    let relative = Compare.run(baseline: baseline, candidate: slower, reference: "sortedmap")
    #expect(relative.allSatisfy { !$0.cell.contains("sortedmap") })
    #expect(relative.first { $0.metric == "ops_per_sec" }!.verdict == .unchanged)
    // A real art regression still shows once normalised.
    let worse = run([60, 61, 59], [50, 51, 49])
    #expect(
      Compare.exitCode(Compare.run(baseline: baseline, candidate: worse, reference: "sortedmap"))
        == 2)
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
