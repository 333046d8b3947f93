import Foundation
import Workload

/// Compares two runs' `summary.csv` cell by cell and decides, per metric, whether the candidate
/// regressed or improved beyond a threshold, with a bootstrap confidence interval on the ratio of
/// medians when both sides have repeats (so noise does not flap nightly CI).
public enum Compare {
  /// A compared figure and which way is better.
  public struct Metric: Sendable {
    public var column: String
    public var higherIsBetter: Bool
  }
  public static let metrics = [
    Metric(column: "ops_per_sec", higherIsBetter: true),
    Metric(column: "p50_ns", higherIsBetter: false),
    Metric(column: "p99_ns", higherIsBetter: false),
    Metric(column: "p999_ns", higherIsBetter: false),
    Metric(column: "bytes_per_key", higherIsBetter: false),
  ]
  /// Columns that identify a cell across runs (the repeat index is a sample, not an identity).
  static let identity = [
    "workload", "engine", "variant", "wrapper", "threads", "target", "placement", "phase", "op",
  ]

  public enum Verdict: String, Sendable { case regression, improvement, unchanged }

  public struct Finding: Sendable {
    public var cell: String
    public var metric: String
    public var baseline: Double
    public var candidate: Double
    /// Candidate median ÷ baseline median, and its 95 % bootstrap interval (nil below 3 samples
    /// a side).
    public var ratio: Double
    public var interval: ClosedRange<Double>?
    public var verdict: Verdict
  }

  /// A cell, or one figure of a cell, that only one side has: listed, never silently dropped.
  public struct Gap: Sendable, Equatable {
    public var cell: String
    /// nil when the whole cell is missing on the other side.
    public var metric: String?
    public var onlyIn: Side
  }
  public enum Side: String, Sendable { case baseline, candidate }

  /// What a comparison found: the compared figures, and what could not be compared.
  public struct Comparison: Sendable {
    public var findings: [Finding]
    public var gaps: [Gap]
    /// Regression when anything regressed, improvement when only improvements, else unchanged.
    public var verdict: Verdict {
      findings.contains { $0.verdict == .regression }
        ? .regression : findings.contains { $0.verdict == .improvement } ? .improvement : .unchanged
    }
  }

  /// Per-cell samples (one per repeat) of each metric: [cell: [metric: samples]]. An empty
  /// optional figure (bytes_per_key without keys) is no sample. With `reference`, each sample is
  /// divided by the same repeat's value for the reference engine (default variant) in the same
  /// cell, which cancels shifts that move the whole machine; the reference's own cells are left
  /// out, and a cell without its reference row is an error. The reference row has the cell's
  /// wrapper when the reference ran with it, else the reference's own unpartitioned one (an
  /// `olc` engine is measured against sortedmap's `none`/`rwlock`).
  static func samples(_ file: SummaryFile, ops: Set<String>, reference: String? = nil) throws
    -> [String: [String: [Double]]]
  {
    func identity(_ row: SummaryFile.Row, reference: String? = nil) -> String {
      var parts: [String] = []
      for name in Compare.identity {
        var v = row[name]
        if let e = reference {
          if name == "engine" { v = e }
          if name == "variant" { v = "default" }
          if name == "wrapper" { v = "*" }
        }
        if !v.isEmpty { parts.append(v) }
      }
      return parts.joined(separator: " ")
    }
    typealias Reference = (line: Int, values: [String: Double])
    // [reference identity + repeat: [wrapper: reference row]]
    var byRepeat: [String: [String: Reference]] = [:]
    if let ref = reference {
      guard file.rows.contains(where: { $0["engine"] == ref }) else {
        throw SpecError(
          file: file.path, line: nil, field: "--normalize-by",
          message:
            "no rows for engine \(ref); normalize by an engine both runs measured in every cell")
      }
      for row in file.rows where row["engine"] == ref && row["variant"] == "default" {
        var values: [String: Double] = [:]
        for m in metrics { values[m.column] = file.number(row, m.column) }
        byRepeat[identity(row, reference: ref) + "#" + row["repeat"], default: [:]][
          row["wrapper"]] = (row.line, values)
      }
    }
    var out: [String: [String: [Double]]] = [:]
    for row in file.rows {
      if !ops.isEmpty && !ops.contains(row["op"]) { continue }
      if let ref = reference, row["engine"] == ref { continue }
      let cell = identity(row)
      var ref: Reference? = nil
      if let engine = reference {
        let rows = byRepeat[identity(row, reference: engine) + "#" + row["repeat"]] ?? [:]
        let plain = rows.filter { !$0.key.hasPrefix("partitioned") }
        guard let r = rows[row["wrapper"]] ?? (plain.count == 1 ? plain.first?.value : nil) else {
          throw SpecError(
            file: file.path, line: row.line, field: "--normalize-by",
            message:
              "no \(engine) (default variant) row for this cell and repeat \(row["repeat"]); normalize by an engine every cell ran with"
          )
        }
        ref = r
      }
      if out[cell] == nil { out[cell] = [:] }
      for m in metrics {
        guard var v = file.number(row, m.column) else { continue }
        if let r = ref {
          guard let d = r.values[m.column] else { continue }
          guard d > 0 else {
            throw SpecError(
              file: file.path, line: r.line, field: m.column,
              message:
                "the reference engine's value is 0, so nothing can be divided by it; pick another --normalize-by engine"
            )
          }
          v /= d
        }
        out[cell, default: [:]][m.column, default: []].append(v)
      }
    }
    return out
  }

  /// Compares `candidate` against `baseline`. `thresholds` are relative changes (0.05 = 5 %)
  /// per metric column; `defaultThreshold` covers the rest. `ops` limits the comparison to
  /// those op rows (`all`, `read`, …); empty compares every row. `reference` compares every
  /// engine relative to that engine in the same run (see `samples`). Cells and figures only one
  /// side has come back as gaps.
  public static func run(
    baseline: SummaryFile, candidate: SummaryFile, defaultThreshold: Double = 0.05,
    thresholds: [String: Double] = [:], ops: Set<String> = [], reference: String? = nil
  ) throws -> Comparison {
    let base = try samples(baseline, ops: ops, reference: reference)
    let cand = try samples(candidate, ops: ops, reference: reference)
    var result = Comparison(findings: [], gaps: [])
    for cell in cand.keys.sorted() where base[cell] == nil {
      result.gaps.append(Gap(cell: cell, metric: nil, onlyIn: .candidate))
    }
    for cell in base.keys.sorted() {
      guard let c = cand[cell] else {
        result.gaps.append(Gap(cell: cell, metric: nil, onlyIn: .baseline))
        continue
      }
      for m in metrics {
        let (b, x) = (base[cell]?[m.column] ?? [], c[m.column] ?? [])
        if b.isEmpty != x.isEmpty {
          result.gaps.append(
            Gap(cell: cell, metric: m.column, onlyIn: b.isEmpty ? .candidate : .baseline))
        }
        guard !b.isEmpty, !x.isEmpty else { continue }
        result.findings.append(
          finding(cell, m, b, x, threshold: thresholds[m.column] ?? defaultThreshold))
      }
    }
    return result
  }

  /// One metric of one cell. A zero baseline median makes any non-zero candidate an infinite
  /// change (not a skipped one).
  static func finding(
    _ cell: String, _ m: Metric, _ b: [Double], _ x: [Double], threshold t: Double
  )
    -> Finding
  {
    let (mb, mx) = (median(b), median(x))
    let ratio = mb > 0 ? mx / mb : mx > 0 ? Double.infinity : 1
    let interval = mb > 0 && b.count >= 3 && x.count >= 3 ? bootstrap(b, x) : nil
    // Worse means lower throughput or higher latency/bytes; the whole interval must clear the
    // threshold (or, without repeats, the ratio itself).
    let (lo, hi) = (interval?.lowerBound ?? ratio, interval?.upperBound ?? ratio)
    let verdict: Verdict
    if m.higherIsBetter {
      verdict = hi < 1 - t ? .regression : lo > 1 + t ? .improvement : .unchanged
    } else {
      verdict = lo > 1 + t ? .regression : hi < 1 - t ? .improvement : .unchanged
    }
    return Finding(
      cell: cell, metric: m.column, baseline: mb, candidate: mx, ratio: ratio, interval: interval,
      verdict: verdict)
  }

  static func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }

  /// The 95 % percentile-bootstrap interval of median(x) ÷ median(b), 2,000 resamples, fixed seed.
  static func bootstrap(_ b: [Double], _ x: [Double]) -> ClosedRange<Double> {
    var state: UInt64 = 0x5EED
    func next(_ n: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(n))
    }
    var ratios: [Double] = []
    for _ in 0..<2000 {
      let mb = median((0..<b.count).map { _ in b[next(b.count)] })
      let mx = median((0..<x.count).map { _ in x[next(x.count)] })
      if mb > 0 { ratios.append(mx / mb) }
    }
    ratios.sort()
    guard !ratios.isEmpty else { return 1...1 }
    return ratios[Int(0.025 * Double(ratios.count))]...ratios[Int(0.975 * Double(ratios.count - 1))]
  }
}
