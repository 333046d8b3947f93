import Foundation

extension Compare.Verdict {
  /// The verdict's colour, one palette for the terminal and report.html: red for a regression
  /// (and for cells only one side has), green for an improvement, grey when unchanged.
  public var colour: (ansi: String, html: String) {
    switch self {
    case .regression: return ("\u{1B}[31m", "#c62828")
    case .improvement: return ("\u{1B}[32m", "#2e7d32")
    case .unchanged: return ("\u{1B}[90m", "#616161")
    }
  }
}

extension Compare {
  /// A comparison as text, markdown (for a CI summary) or CSV; unchanged rows only in CSV. Cells
  /// and figures only one side has are always listed, in every format. With `colour`, text lines
  /// carry their verdict's ANSI colour (`Verdict.colour`, as report.html colours them).
  public static func render(_ result: Comparison, format: String, colour: Bool = false) -> String {
    func paint(_ v: Verdict, _ line: String) -> String {
      colour ? v.colour.ansi + line + "\u{1B}[0m" : line
    }
    let findings = result.findings
    func pct(_ r: Double) -> String {
      r.isFinite ? String(format: "%+.1f%%", (r - 1) * 100) : "+inf"
    }
    func ci(_ f: Finding) -> String {
      f.interval.map { "[\(pct($0.lowerBound)), \(pct($0.upperBound))]" } ?? "n<3"
    }
    func what(_ g: Gap) -> String { g.metric.map { "\(g.cell) \($0)" } ?? g.cell }
    let changed = findings.filter { $0.verdict != .unchanged }
    let tally =
      "\(findings.count) comparisons, \(changed.count) significant"
      + (result.gaps.isEmpty
        ? ".\n" : "; \(result.gaps.count) only on one side, not compared: INCOMPLETE.\n")
    switch format {
    case "csv":
      return CSV.render(
        header: ["cell", "metric", "baseline", "candidate", "change", "ci95", "verdict"],
        rows: findings.map {
          [
            $0.cell, $0.metric, String($0.baseline), String($0.candidate), pct($0.ratio), ci($0),
            $0.verdict.rawValue,
          ]
        }
          + result.gaps.map {
            [$0.cell, $0.metric ?? "", "", "", "", "", "\($0.onlyIn.rawValue)-only"]
          })
    case "markdown":
      var out =
        "| cell | metric | baseline | candidate | change | 95 % CI | verdict |\n|---|---|---:|---:|---:|---|---|\n"
      for f in changed {
        out +=
          "| \(f.cell) | \(f.metric) | \(f.baseline) | \(f.candidate) | \(pct(f.ratio)) | \(ci(f)) | **\(f.verdict.rawValue)** |\n"
      }
      for g in result.gaps {
        out +=
          "| \(g.cell) | \(g.metric ?? "(every metric)") | | | | | **only in the \(g.onlyIn.rawValue)** |\n"
      }
      return out + "\n" + tally
    default:
      var out = ""
      for f in changed {
        out +=
          paint(
            f.verdict,
            "\(f.verdict.rawValue.uppercased()): \(f.cell) \(f.metric) \(f.baseline) -> \(f.candidate) (\(pct(f.ratio)), CI \(ci(f)))"
          ) + "\n"
      }
      for g in result.gaps {
        out +=
          paint(.regression, "ONLY IN THE \(g.onlyIn.rawValue.uppercased()): \(what(g))") + "\n"
      }
      return out + tally
    }
  }
}
