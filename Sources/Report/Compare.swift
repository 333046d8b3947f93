import Foundation

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

  /// Per-cell samples (one per repeat) of each metric, from a summary.csv text:
  /// [cell: [metric: samples]]. With `reference`, each sample is divided by the same repeat's
  /// value for the reference engine (default variant) in the same cell, which cancels shifts
  /// that move the whole machine; the reference's own cells are left out.
  static func samples(_ text: String, ops: Set<String>, reference: String? = nil)
    -> [String: [String: [Double]]]
  {
    let rows = CSV.records(text)
    func field(_ row: [String: String], _ name: String) -> String { row[name] ?? "" }
    func identity(_ row: [String: String], engine: String? = nil, variant: String? = nil)
      -> String
    {
      var parts: [String] = []
      for name in Compare.identity {
        var v = field(row, name)
        if name == "engine", let e = engine { v = e }
        if name == "variant", let x = variant { v = x }
        if !v.isEmpty { parts.append(v) }
      }
      return parts.joined(separator: " ")
    }
    // [identity + repeat: [metric: value]]
    var byRepeat: [String: [String: Double]] = [:]
    for row in rows where reference != nil {
      for m in metrics {
        if let v = Double(field(row, m.column)) {
          byRepeat[identity(row) + "#" + field(row, "repeat"), default: [:]][m.column] = v
        }
      }
    }
    var out: [String: [String: [Double]]] = [:]
    for row in rows {
      if !ops.isEmpty && !ops.contains(field(row, "op")) { continue }
      if let ref = reference, field(row, "engine") == ref { continue }
      let cell = identity(row)
      let refKey = reference.map {
        identity(row, engine: $0, variant: "default") + "#" + field(row, "repeat")
      }
      for m in metrics {
        guard var v = Double(field(row, m.column)) else { continue }
        if let k = refKey {
          guard let r = byRepeat[k]?[m.column], r > 0 else { continue }
          v /= r
        }
        out[cell, default: [:]][m.column, default: []].append(v)
      }
    }
    return out
  }

  /// Compares `candidate` against `baseline` (summary.csv texts). `thresholds` are relative
  /// changes (0.05 = 5 %) per metric column; `defaultThreshold` covers the rest. `ops` limits
  /// the comparison to those op rows (`all`, `read`, …); empty compares every row. `reference`
  /// compares every engine relative to that engine in the same run (see `samples`).
  public static func run(
    baseline: String, candidate: String, defaultThreshold: Double = 0.05,
    thresholds: [String: Double] = [:], ops: Set<String> = [], reference: String? = nil
  ) -> [Finding] {
    let base = samples(baseline, ops: ops, reference: reference)
    let cand = samples(candidate, ops: ops, reference: reference)
    var findings: [Finding] = []
    for cell in base.keys.sorted() {
      guard let c = cand[cell] else { continue }
      for m in metrics {
        guard let b = base[cell]?[m.column], let x = c[m.column], !b.isEmpty, !x.isEmpty else {
          continue
        }
        let (mb, mx) = (median(b), median(x))
        guard mb > 0 else { continue }
        let ratio = mx / mb
        let interval = b.count >= 3 && x.count >= 3 ? bootstrap(b, x) : nil
        let t = thresholds[m.column] ?? defaultThreshold
        // Worse means lower throughput or higher latency/bytes; the whole interval must clear
        // the threshold (or, without repeats, the ratio itself).
        let (lo, hi) = (interval?.lowerBound ?? ratio, interval?.upperBound ?? ratio)
        let verdict: Verdict
        if m.higherIsBetter {
          verdict = hi < 1 - t ? .regression : lo > 1 + t ? .improvement : .unchanged
        } else {
          verdict = lo > 1 + t ? .regression : hi < 1 - t ? .improvement : .unchanged
        }
        findings.append(
          Finding(
            cell: cell, metric: m.column, baseline: mb, candidate: mx, ratio: ratio,
            interval: interval, verdict: verdict))
      }
    }
    return findings
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

  /// The exit status for nightly CI: 2 when anything regressed, 4 when only improvements, else 0
  /// (package-benchmark's convention).
  public static func exitCode(_ findings: [Finding]) -> Int32 {
    findings.contains { $0.verdict == .regression }
      ? 2 : findings.contains { $0.verdict == .improvement } ? 4 : 0
  }

  /// The findings as text, markdown (for a CI summary) or CSV; unchanged rows only in CSV.
  public static func render(_ findings: [Finding], format: String) -> String {
    func pct(_ r: Double) -> String { String(format: "%+.1f%%", (r - 1) * 100) }
    func ci(_ f: Finding) -> String {
      f.interval.map { "[\(pct($0.lowerBound)), \(pct($0.upperBound))]" } ?? "n<3"
    }
    let changed = findings.filter { $0.verdict != .unchanged }
    switch format {
    case "csv":
      return CSV.render(
        header: ["cell", "metric", "baseline", "candidate", "change", "ci95", "verdict"],
        rows: findings.map {
          [
            $0.cell, $0.metric, String($0.baseline), String($0.candidate), pct($0.ratio), ci($0),
            $0.verdict.rawValue,
          ]
        })
    case "markdown":
      var out =
        "| cell | metric | baseline | candidate | change | 95 % CI | verdict |\n|---|---|---:|---:|---:|---|---|\n"
      for f in changed {
        out +=
          "| \(f.cell) | \(f.metric) | \(f.baseline) | \(f.candidate) | \(pct(f.ratio)) | \(ci(f)) | **\(f.verdict.rawValue)** |\n"
      }
      return out + "\n\(findings.count) comparisons, \(changed.count) significant.\n"
    default:
      var out = ""
      for f in changed {
        out +=
          "\(f.verdict.rawValue.uppercased()): \(f.cell) \(f.metric) \(f.baseline) -> \(f.candidate) (\(pct(f.ratio)), CI \(ci(f)))\n"
      }
      return out + "\(findings.count) comparisons, \(changed.count) significant.\n"
    }
  }
}
