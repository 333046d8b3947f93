import ArgumentParser
import Foundation
import Report
import Workload

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract:
      "Compare two runs cell by cell; exit 0 (no significant change), 2 (a regression) or 4 (improvements only).",
    discussion: """
      Cells match on workload, engine, variant, wrapper, threads, target, placement, phase and op; \
      repeats are samples. Metrics: ops_per_sec (higher is better), p50_ns, p99_ns, p999_ns and \
      bytes_per_key (lower is better). With 3 or more repeats on both sides a change counts only \
      when the whole 95 % bootstrap interval of the median ratio lies beyond the threshold.
      """)

  @Argument(help: "Baseline results folder (or its summary.csv).")
  var baseline: String

  @Argument(help: "Candidate results folder (or its summary.csv).")
  var candidate: String

  @Option(
    name: .long,
    help:
      "Relative threshold in percent (default 5), or METRIC=PERCENT for one metric (repeatable), e.g. p99_ns=15."
  )
  var threshold: [String] = []

  @Option(name: .long, help: "text | markdown | csv")
  var format: String = "text"

  @Option(name: .long, help: "Compare only these op rows (repeatable), e.g. --op all.")
  var op: [String] = []

  @Option(
    name: .customLong("normalize-by"),
    help:
      "Divide every figure by this engine's (default variant) in the same cell and repeat, cancelling machine-wide speed shifts; e.g. sortedmap."
  )
  var normalizeBy: String?

  func run() throws {
    guard ["text", "markdown", "csv"].contains(format) else {
      throw SpecError(
        file: "--format", line: nil, field: format, message: "use text, markdown or csv")
    }
    var defaultThreshold = 0.05
    var perMetric: [String: Double] = [:]
    let known = Compare.metrics.map(\.column)
    for t in threshold {
      let parts = t.split(separator: "=", maxSplits: 1).map(String.init)
      guard let pct = Double(parts.last!), pct >= 0, parts.count == 1 || known.contains(parts[0])
      else {
        throw SpecError(
          file: "--threshold", line: nil, field: t,
          message:
            "write a percentage such as 5, or METRIC=PERCENT with METRIC one of \(known.joined(separator: ", "))"
        )
      }
      if parts.count == 1 { defaultThreshold = pct / 100 } else { perMetric[parts[0]] = pct / 100 }
    }
    let findings = Compare.run(
      baseline: try summary(baseline), candidate: try summary(candidate),
      defaultThreshold: defaultThreshold, thresholds: perMetric, ops: Set(op),
      reference: normalizeBy)
    if findings.isEmpty {
      throw SpecError(
        file: candidate, line: nil, field: "summary.csv",
        message: "no cell matches the baseline's; compare runs of the same workload and engines")
    }
    print(Compare.render(findings, format: format), terminator: "")
    let code = Compare.exitCode(findings)
    if code != 0 { throw BenchExit(code: code) }
  }

  /// The summary.csv text of a results folder or file.
  func summary(_ path: String) throws -> String {
    let file = path.hasSuffix(".csv") ? path : "\(path)/summary.csv"
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
      throw SpecError(
        file: file, line: nil, field: "(file)",
        message: "cannot read it; give a results folder such as results/20261122-101500-ycsb-a")
    }
    return text
  }
}
