import Testing

@testable import Report

/// A summary.csv with one run-phase `all` row per repeat (for `engine`); every other figure is a
/// plausible constant.
func summary(ops: [Double], p99: [Double], engine: String = "art") -> String {
  let rows = zip(ops, p99).enumerated().map { r, v -> [String] in
    let values: [String: String] = [
      "workload": "w", "engine": engine, "variant": "default", "wrapper": "none", "threads": "1",
      "repeat": String(r), "target": "", "placement": "unpinned/local", "phase": "run",
      "op": "all", "ops_per_sec": String(v.0), "p99_ns": String(v.1), "bytes_per_key": "40.0",
      "status": "complete",
    ]
    return Columns.summary.map { values[$0] ?? "7" }
  }
  return CSV.render(header: Columns.summary, rows: rows)
}

extension Compare {
  /// `run` on summary.csv texts.
  static func run(
    baseline: String, candidate: String, thresholds: [String: Double] = [:],
    reference: String? = nil
  ) throws -> Comparison {
    try run(
      baseline: SummaryFile(text: baseline, path: "base.csv"),
      candidate: SummaryFile(text: candidate, path: "cand.csv"), thresholds: thresholds,
      reference: reference)
  }
}

@Suite struct CompareTests {
  @Test func normalizingByAReferenceEngineCancelsAMachineWideSlowdown() throws {
    // The candidate machine ran everything 40 % slower: art and the reference moved together.
    func run(_ art: [Double], _ reference: [Double]) -> String {
      let ref = summary(ops: reference, p99: [50, 50, 50], engine: "sortedmap")
      let rows = CSV.parse(summary(ops: art, p99: [80, 80, 80])).dropFirst()
      return ref + rows.map { $0.map(CSV.field).joined(separator: ",") }.joined(separator: "\n")
        + "\n"
    }
    let baseline = run([100, 101, 99], [50, 51, 49])
    let slower = run([60, 61, 59], [30, 30.5, 29.5])
    #expect(try Compare.run(baseline: baseline, candidate: slower).verdict == .regression)
    let relative = try Compare.run(baseline: baseline, candidate: slower, reference: "sortedmap")
      .findings
    #expect(relative.allSatisfy { !$0.cell.contains("sortedmap") })
    #expect(relative.first { $0.metric == "ops_per_sec" }!.verdict == .unchanged)
    // A real art regression still shows once normalised.
    let worse = run([60, 61, 59], [50, 51, 49])
    #expect(
      try Compare.run(baseline: baseline, candidate: worse, reference: "sortedmap").verdict
        == .regression)
  }

  @Test func aClearDropIsARegression() throws {
    let result = try Compare.run(
      baseline: summary(ops: [100, 102, 98, 101, 99], p99: [50, 51, 49, 50, 50]),
      candidate: summary(ops: [80, 82, 79, 81, 80], p99: [50, 50, 51, 49, 50]))
    let f = result.findings
    let ops = f.first { $0.metric == "ops_per_sec" }!
    #expect(ops.verdict == .regression && ops.interval != nil && ops.interval!.upperBound < 0.95)
    #expect(f.first { $0.metric == "p99_ns" }!.verdict == .unchanged)
    #expect(result.verdict == .regression && result.gaps.isEmpty)
    #expect(Compare.render(result, format: "markdown").contains("**regression**"))
  }

  @Test func noiseDoesNotFlapAndImprovementsAreImprovements() throws {
    // Medians differ by 10 %, but the samples overlap widely: not significant.
    let noisy = try Compare.run(
      baseline: summary(ops: [100, 60, 140, 100, 65], p99: [50, 50, 50, 50, 50]),
      candidate: summary(ops: [90, 135, 62, 90, 138], p99: [50, 50, 50, 50, 50]))
    #expect(noisy.findings.allSatisfy { $0.verdict == .unchanged } && noisy.verdict == .unchanged)
    let better = try Compare.run(
      baseline: summary(ops: [100, 100, 100], p99: [50, 52, 51]),
      candidate: summary(ops: [101, 99, 100], p99: [30, 31, 29]))
    #expect(better.findings.first { $0.metric == "p99_ns" }!.verdict == .improvement)
    #expect(better.verdict == .improvement)
  }

  @Test func singleRunsUseTheThresholdAlone() throws {
    let f = try Compare.run(
      baseline: summary(ops: [100], p99: [50]), candidate: summary(ops: [93], p99: [52]),
      thresholds: ["p99_ns": 0.10]
    ).findings
    #expect(f.first { $0.metric == "ops_per_sec" }!.verdict == .regression)
    #expect(f.first { $0.metric == "p99_ns" }!.verdict == .unchanged)
    #expect(f.allSatisfy { $0.interval == nil })
  }
}
