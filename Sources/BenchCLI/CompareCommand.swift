import ArgumentParser
import Foundation
import Report
import Workload

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract:
      "Compare two runs cell by cell; exit 0 (no significant change), 2 (a regression), 3 (could not compare) or 4 (improvements only).",
    discussion: """
      Cells match on workload, engine, variant, wrapper, threads, target, placement, phase and op; \
      repeats are samples. Metrics: ops_per_sec (higher is better), p50_ns, p99_ns, p999_ns and \
      bytes_per_key (lower is better). With 3 or more repeats on both sides a change counts only \
      when the whole 95 % bootstrap interval of the median ratio lies beyond the threshold. \
      A value that is not a finite, non-negative number, a cut or edited summary.csv, an \
      interrupted or failed run, and cells or figures only one side has are not compared: they \
      exit 3 (the cells are listed with the table).

      Exit status:
      \(ExitStatus.compareTable)
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

  @Flag(
    name: .customLong("allow-partial"),
    help:
      "Compare an interrupted or failed run, and cells or figures only one side has (still listed, with a warning); the exit status then covers what was compared."
  )
  var allowPartial = false

  @Option(
    name: .long,
    help:
      "Also write the comparison as a self-contained HTML page (both runs' headers, per cell baseline vs candidate with the interval and verdict)."
  )
  var html: String?

  func run() throws {
    guard ["text", "markdown", "csv"].contains(format) else {
      throw SpecError(
        file: "--format", line: nil, field: format, message: "use text, markdown or csv")
    }
    var defaultThreshold = 0.05
    var perMetric: [String: Double] = [:]
    let known = Compare.metrics.map(\.column)
    for t in threshold {
      let parts = t.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(
        String.init)
      guard let pct = Double(parts.last ?? ""), pct.isFinite, pct >= 0,
        parts.count == 1 || known.contains(parts[0])
      else {
        throw SpecError(
          file: "--threshold", line: nil, field: t,
          message:
            "write a percentage such as 5, or METRIC=PERCENT with METRIC one of \(known.joined(separator: ", "))"
        )
      }
      if parts.count == 1 { defaultThreshold = pct / 100 } else { perMetric[parts[0]] = pct / 100 }
    }
    let base = try ResultsFolder(baseline)
    let cand = try ResultsFolder(candidate)
    for (path, folder) in [(baseline, base), (candidate, cand)] {
      guard let why = folder.incomplete else { continue }
      guard allowPartial else {
        throw SpecError(
          file: path, line: nil, field: "status",
          message: "\(why); rerun it, or pass --allow-partial to compare what it has")
      }
      Bench.warn("\(path): \(why); comparing what it has (--allow-partial)")
    }
    let result = try Compare.run(
      baseline: base.summary, candidate: cand.summary, defaultThreshold: defaultThreshold,
      thresholds: perMetric, ops: Set(op), reference: normalizeBy)
    if result.findings.isEmpty && result.gaps.isEmpty {
      throw SpecError(
        file: candidate, line: nil, field: op.isEmpty ? "summary.csv" : "--op",
        message: "neither run has rows to compare; check --op against the summary's op column")
    }
    let colour =
      format == "text" && isatty(STDOUT_FILENO) == 1
      && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    print(Compare.render(result, format: format, colour: colour), terminator: "")
    if let html {
      var scope = op.isEmpty ? "Every op row" : "Op rows " + op.joined(separator: ", ")
      scope += ", threshold " + String(format: "%g", defaultThreshold * 100) + " %"
      let metrics = perMetric.sorted { $0.key < $1.key }.map { (name, value) -> String in
        name + " " + String(format: "%g", value * 100) + " %"
      }
      if !metrics.isEmpty { scope += " (" + metrics.joined(separator: ", ") + ")" }
      if let engine = normalizeBy { scope += ", every figure divided by " + engine + "'s" }
      let page = PlotData.html(
        runs: [base, cand], charts: [],
        reference: (try? PlotData.reference(nil, runs: [base, cand])) ?? nil,
        versus: [
          PlotData.Versus(
            baseline: baseline, candidate: candidate, result: result, scope: scope)
        ])
      try AtomicFile.write(Data(page.utf8), to: html)
    }
    if result.findings.isEmpty {
      throw SpecError(
        file: candidate, line: nil, field: "summary.csv",
        message: "no cell matches the baseline's; compare runs of the same workload and engines")
    }
    if !result.gaps.isEmpty {
      let what = "\(result.gaps.count) cells or figures only on one side (listed above)"
      guard allowPartial else {
        throw SpecError(
          file: candidate, line: nil, field: "summary.csv",
          message:
            "\(what); compare runs of the same workload, engines and threads, or pass --allow-partial"
        )
      }
      Bench.warn("\(candidate): \(what), not compared (--allow-partial)")
    }
    switch result.verdict {
    case .regression: throw BenchExit(.regression)
    case .improvement: throw BenchExit(.improvements)
    case .unchanged: break
    }
  }
}
