import Foundation
import Workload

/// What `run.json` says about a run, read leniently for the report's header: a field that is
/// missing (an older run) is shown as unknown, never an error (`ResultsFolder` has already checked
/// the status strictly).
public struct RunInfo {
  public var record: [String: Any]
  public var environment: [String: Any]
  public var spec: [String: Any]
  public var cells: [[String: Any]]

  public init(directory: String) {
    let data = FileManager.default.contents(atPath: directory + "/run.json") ?? Data()
    record = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:]
    environment = record["environment"] as? [String: Any] ?? [:]
    spec = record["spec"] as? [String: Any] ?? [:]
    cells = record["cells"] as? [[String: Any]] ?? []
  }

  func text(_ object: [String: Any], _ key: String) -> String? {
    switch object[key] {
    case let s as String: return s
    case let n as NSNumber: return n.stringValue
    default: return nil
    }
  }

  /// The spec as `bench validate` summarises it, when run.json's spec decodes.
  var specLine: String? {
    guard let data = try? JSONSerialization.data(withJSONObject: spec),
      let s = try? JSONDecoder().decode(WorkloadSpec.self, from: data)
    else { return nil }
    let mix = OpKind.allCases.compactMap { k in
      s.mix[k].map { "\(k.name) \(String(format: "%.0f", $0 * 100)) %" }
    }.joined(separator: ", ")
    func grouped(_ n: Int) -> String {
      var digits = Array(String(n))
      var i = digits.count - 3
      while i > 0 {
        digits.insert(",", at: i)
        i -= 3
      }
      return String(digits)
    }
    var parts = ["\(grouped(s.records)) records"]
    if let o = s.operations { parts.append("\(grouped(o)) operations") }
    if let d = s.duration { parts.append("≤ \(d) s") }
    parts += [
      "mix \(mix)", s.requestDistribution.label, "\(s.keyShape.label) keys",
      "threads \(s.threads.map(String.init).joined(separator: ", "))",
      "\(s.repeats) repeat\(s.repeats == 1 ? "" : "s")", "interval \(s.interval) s",
      "seed \(s.seed)",
    ]
    return parts.joined(separator: " · ")
  }

  /// The engine's own figures for a summary row's cell (repeat 0 of the same engine, variant,
  /// wrapper, threads and target).
  func cell(for row: SummaryFile.Row) -> [String: Any]? {
    cells.first { c in
      text(c, "engine") == row["engine"] && text(c, "variant") == row["variant"]
        && text(c, "wrapper") == row["wrapper"] && text(c, "threads") == row["threads"]
        && text(c, "repeatIndex") == "0"
        && (row["target"].isEmpty
          ? c["target"] == nil
          : (c["target"] as? NSNumber).map { String(format: "%.0f", $0.doubleValue) }
            == row["target"])
    }
  }
}

extension PlotData {
  /// A chart as drawn: its data, and the SVG text gnuplot made (inlined into the report).
  public struct Drawn {
    public var chart: Chart
    public var svg: String
    public init(chart: Chart, svg: String) { (self.chart, self.svg) = (chart, svg) }
  }

  /// A comparison of a candidate run against the baseline (the first folder).
  public struct Versus {
    public var baseline: String
    public var candidate: String
    public var result: Compare.Comparison
    /// What was compared and how (op rows, threshold), said above the table.
    public var scope: String
    public init(baseline: String, candidate: String, result: Compare.Comparison, scope: String) {
      (self.baseline, self.candidate, self.result, self.scope) =
        (baseline, candidate, result, scope)
    }
  }

  /// The engine ratios are taken against: the one asked for, else the first baseline engine
  /// (sortedmap, hashmap) the runs measured; nil when there is none. An engine asked for that no
  /// run measured is an error naming the engines there are.
  public static func reference(_ asked: String?, runs: [ResultsFolder]) throws -> String? {
    let engines = Set(runs.flatMap { $0.summary.rows.map { $0["engine"] } })
    if let asked {
      guard engines.contains(asked) else {
        throw SpecError(
          file: "--reference", line: nil, field: asked,
          message:
            "no run measured this engine; pick one of \(engines.sorted().joined(separator: ", "))")
      }
      return asked
    }
    return ["sortedmap", "hashmap"].first { engines.contains($0) }
  }

  static func esc(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  /// Mops/s with three significant figures.
  public static func mops(_ opsPerSec: Double) -> String {
    let m = opsPerSec / 1e6
    return String(format: m >= 100 ? "%.0f" : m >= 10 ? "%.1f" : m >= 1 ? "%.2f" : "%.3f", m)
  }

  /// Microseconds from nanoseconds, three significant figures.
  public static func micros(_ ns: Double) -> String {
    let u = ns / 1000
    return String(format: u >= 100 ? "%.0f" : u >= 10 ? "%.1f" : u >= 1 ? "%.2f" : "%.3f", u)
  }

  /// "×1.23" (candidate ÷ reference).
  static func times(_ r: Double) -> String { r.isFinite ? String(format: "×%.2f", r) : "—" }

  static let style = """
    body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222;padding:0 1em}
    h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
    .desc{font-size:1.15em;color:#444;margin-top:0}
    table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
    td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top;white-space:nowrap}
    td.l,td.stats,.machine td{white-space:normal}
    th{background:#f4f4f4}td.l,th.l{text-align:left}
    .status{display:inline-block;font-size:1.3em;font-weight:bold;padding:.25em .8em;border-radius:4px;color:#fff}
    .status-complete{background:#2e7d32}.status-interrupted{background:#e65100}
    .status-failed,.status-running{background:#c62828}
    .incomplete{background:#fdd;border:2px solid #c00;padding:.5em 1em;font-weight:bold}
    .machine td{text-align:left}.machine th{text-align:left;width:10em}
    .spread{color:#777;font-size:.85em}.ref{color:#777}.note{color:#a15c00}
    .stats{text-align:left;font-size:.85em;color:#444}
    .verdict{font-weight:bold}
    img{max-width:100%;height:auto;border:1px solid #eee}
    details{margin:.4em 0}pre{background:#f7f7f7;padding:.5em;overflow:auto;font-size:.85em}
    """

  /// A self-contained `report.html` (charts inlined as SVG data URIs): per run a header (workload,
  /// spec, status shown prominently, machine, commit, date), the summary table in Mops/s and µs
  /// with ratios against `reference` and the engines' own figures, the charts, and for two or more
  /// runs the comparison of each against the first. An interrupted, failed or unfinished run says
  /// so in a banner above everything else.
  public static func html(
    runs: [ResultsFolder], charts: [Drawn], reference: String?, versus: [Versus] = []
  ) -> String {
    func name(_ run: ResultsFolder) -> String { (run.directory as NSString).lastPathComponent }
    let infos = runs.map { RunInfo(directory: $0.directory) }
    let title =
      runs.count == 1
      ? infos[0].text(infos[0].record, "workload") ?? name(runs[0])
      : runs.map(name).joined(separator: " vs ")
    var out = """
      <!doctype html><html lang="en"><head><meta charset="utf-8">
      <title>TreeBench: \(esc(title))</title>
      <style>\(style)</style></head><body>\n
      """
    for run in runs {
      if let why = run.incomplete {
        out +=
          "<p class=\"incomplete\">INCOMPLETE: \(esc(name(run))): \(esc(why)). Its figures cover only what was measured.</p>\n"
      }
    }
    // One run: its header first. Several: the comparison first, then each run's header.
    if runs.count > 1 { out += "<h1>\(esc(title))</h1>\n" }
    if !versus.isEmpty { out += comparison(versus) }
    for (run, info) in zip(runs, infos) {
      out += header(run, info, single: runs.count == 1)
    }
    for (run, info) in zip(runs, infos) {
      out += summary(run, info, reference: reference, titled: runs.count > 1 ? name(run) : nil)
    }
    if !charts.isEmpty { out += "<h2>Charts</h2>\n" }
    for d in charts {
      let uri = "data:image/svg+xml;base64," + Data(d.svg.utf8).base64EncodedString()
      out += "<h3>\(esc(d.chart.heading))</h3>\n"
      for n in d.chart.notes { out += "<p class=\"note\">\(esc(n))</p>\n" }
      out += "<img src=\"\(uri)\" alt=\"\(esc(d.chart.heading))\">\n"
    }
    out +=
      "<p class=\"spread\">TreeBench report. Figures from summary.csv and run.json in each results folder; charts drawn with gnuplot from plots/ templates.</p>\n"
    return out + "</body></html>\n"
  }

  /// Workload, spec line, status, machine, commit and date of one run.
  static func header(_ run: ResultsFolder, _ info: RunInfo, single: Bool) -> String {
    let folder = (run.directory as NSString).lastPathComponent
    let status = run.status?.rawValue ?? (run.incomplete == nil ? "complete" : "interrupted")
    let workload = info.text(info.record, "workload") ?? folder
    let description = info.text(info.spec, "description") ?? ""
    var out = single ? "<h1>\(esc(workload))</h1>\n" : "<h2>\(esc(folder)): \(esc(workload))</h2>\n"
    if !description.isEmpty { out += "<p class=\"desc\">\(esc(description))</p>\n" }
    out +=
      "<p><span class=\"status status-\(esc(status))\">\(esc(status.uppercased()))</span> &nbsp;status: <b>\(esc(status))</b>"
    if let f = info.text(info.record, "failure") { out += " — \(esc(f))" }
    out += "</p>\n<table class=\"machine\">\n"
    func row(_ k: String, _ v: String?) {
      guard let v, !v.isEmpty else { return }
      out += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>\n"
    }
    let e = info.environment
    row("results", run.directory)
    row("spec", info.specLine ?? info.text(info.record, "file"))
    row("spec file", info.text(info.record, "file"))
    let started = info.text(info.record, "started")
    let ended = info.text(info.record, "ended")
    row("date", started.map { s in ended.map { "\(s) → \($0)" } ?? s })
    let cpus = info.text(e, "logicalCPUs").map { "\($0) logical CPUs" }
    let nodes = info.text(e, "numaNodes").map { "\($0) NUMA node\($0 == "1" ? "" : "s")" }
    row(
      "machine",
      [info.text(e, "cpuModel"), cpus, nodes, info.text(e, "hostname").map { "host \($0)" }]
        .compactMap { $0 }.joined(separator: " · "))
    row("kernel", info.text(e, "kernel"))
    row("transparent huge pages", info.text(e, "transparentHugePages"))
    let allocator = [
      info.text(e, "allocator"), info.text(e, "jemallocVersion"),
      info.text(e, "mallocConf").map { "MALLOC_CONF=\($0)" },
    ].compactMap { $0 }
    row("allocator", allocator.joined(separator: " "))
    let dirty = (e["gitDirty"] as? Bool) == true ? " (uncommitted changes)" : ""
    row("commit", info.text(e, "gitCommit").map { $0 + dirty })
    row(
      "build",
      [info.text(e, "buildConfiguration"), info.text(e, "swiftVersion").map { "Swift \($0)" }]
        .compactMap { $0 }.joined(separator: " · "))
    if let command = info.record["command"] as? [String] {
      row("command", command.joined(separator: " "))
    }
    out += "</table>\n"
    if let data = try? JSONSerialization.data(
      withJSONObject: info.spec, options: [.prettyPrinted, .sortedKeys]), !info.spec.isEmpty
    {
      out +=
        "<details><summary>full spec (run.json)</summary><pre>\(esc(String(decoding: data, as: UTF8.self)))</pre></details>\n"
    }
    return out
  }

  /// Figures of an engine's own structure worth a column: (run.json detail key, label, format).
  static let headlineStats: [(String, String, String)] = [
    ("leaf_fill_pct", "fill", "%.0f %%"), ("fill_pct", "fill", "%.0f %%"),
    ("key_compression_pct", "compression", "%.0f %%"),
    ("restarts_per_1k_ops", "restarts/1k ops", "%.2f"),
  ]

  /// The run's `all` rows, one line per cell (repeats folded into median and min–max), run
  /// phase first; within a phase and thread count, fastest first.
  static func summary(
    _ run: ResultsFolder, _ info: RunInfo, reference: String?, titled: String?
  ) -> String {
    let file = run.summary
    let rows = file.rows.filter { $0["op"] == "all" }
    func key(_ r: SummaryFile.Row) -> String {
      Compare.identity.map { r[$0] }.joined(separator: "\u{1F}")
    }
    func refKey(_ r: SummaryFile.Row) -> String {
      Compare.identity.map { c in
        c == "engine" ? reference ?? "" : c == "variant" ? "default" : c == "wrapper" ? "" : r[c]
      }.joined(separator: "\u{1F}")
    }
    var groups: [String: [SummaryFile.Row]] = [:]
    var order: [String] = []
    for r in rows {
      if groups[key(r)] == nil { order.append(key(r)) }
      groups[key(r), default: []].append(r)
    }
    func values(_ k: String, _ column: String) -> [Double] {
      (groups[k] ?? []).compactMap { file.number($0, column) }
    }
    // Reference medians per cell, the wrapper left out (olc engines against sortedmap's none).
    var refs: [String: [SummaryFile.Row]] = [:]
    if let reference {
      for r in rows where r["engine"] == reference && r["variant"] == "default" {
        refs[refKey(r), default: []].append(r)
      }
    }
    func refMedian(_ r: SummaryFile.Row, _ column: String) -> Double? {
      let v = (refs[refKey(r)] ?? []).compactMap { file.number($0, column) }
      return v.isEmpty ? nil : Compare.median(v)
    }
    let phaseRank = ["run": 0, "load": 1]
    order.sort { a, b in
      let (x, y) = (groups[a]![0], groups[b]![0])
      let px = phaseRank[x["phase"]] ?? 2
      let py = phaseRank[y["phase"]] ?? 2
      if px != py { return px < py }
      let (tx, ty) = (Int(x["threads"]) ?? 0, Int(y["threads"]) ?? 0)
      if tx != ty { return tx < ty }
      if x["target"] != y["target"] {
        return (Double(x["target"]) ?? -1) < (Double(y["target"]) ?? -1)
      }
      return Compare.median(values(a, "ops_per_sec")) > Compare.median(values(b, "ops_per_sec"))
    }
    var out = "<h2>Summary\(titled.map { ": " + esc($0) } ?? "")</h2>\n"
    out +=
      "<p>Every operation (<code>op = all</code>); median of \(Set(file.rows.map { $0["repeat"] }).count) repeat(s), min–max below it when there are several. "
    out +=
      reference.map {
        "Ratios (×) against <b>\(esc($0))</b> in the same phase and thread count: above 1 means more throughput, or a longer latency.</p>\n"
      } ?? "No baseline engine in this run, so no ratios (bench plot --reference ENGINE).</p>\n"
    let refTitle = reference.map { " ×\(esc($0))" } ?? ""
    out +=
      "<table class=\"summary\"><tr><th class=\"l\">phase</th><th class=\"l\">engine</th><th>threads</th><th>throughput<br>Mops/s</th>"
    if reference != nil { out += "<th>throughput<br>\(refTitle)</th>" }
    out += "<th>p50<br>µs</th><th>p99<br>µs</th><th>p99.9<br>µs</th>"
    if reference != nil { out += "<th>p99<br>\(refTitle)</th>" }
    out += "<th>bytes<br>per key</th><th class=\"l\">engine's own figures (repeat 0)</th></tr>\n"
    var previous = ""
    for k in order {
      let first = groups[k]![0]
      let block = first["phase"] + "/" + first["threads"]
      let gap = previous.isEmpty || block == previous ? "" : " style=\"border-top:3px solid #999\""
      previous = block
      let ops = values(k, "ops_per_sec")
      let isRef = first["engine"] == reference && first["variant"] == "default"
      func median(_ c: String) -> Double? {
        let v = values(k, c)
        return v.isEmpty ? nil : Compare.median(v)
      }
      var cells = [
        "<td class=\"l\">\(esc(first["phase"]))</td>",
        "<td class=\"l\">\(esc(label(first.fields, threads: false)))\(isRef ? " <span class=\"ref\">(reference)</span>" : "")</td>",
        "<td>\(esc(first["threads"]))\(first["target"].isEmpty ? "" : " @ \(esc(first["target"])) ops/s")</td>",
      ]
      var throughput = median("ops_per_sec").map(mops) ?? ""
      if ops.count > 1 {
        throughput +=
          "<br><span class=\"spread\">\(mops(ops.min()!))–\(mops(ops.max()!))</span>"
      }
      cells.append("<td>\(throughput)</td>")
      if reference != nil {
        let r = zip(median("ops_per_sec").map { [$0] } ?? [], [refMedian(first, "ops_per_sec")])
          .compactMap { v, d in d.map { v / $0 } }.first
        cells.append("<td class=\"ratio\">\(r.map(times) ?? "—")</td>")
      }
      for c in ["p50_ns", "p99_ns", "p999_ns"] {
        cells.append("<td>\(median(c).map(micros) ?? "")</td>")
      }
      if reference != nil {
        let r = zip(median("p99_ns").map { [$0] } ?? [], [refMedian(first, "p99_ns")])
          .compactMap { v, d in d.flatMap { $0 > 0 ? v / $0 : nil } }.first
        cells.append("<td class=\"ratio\">\(r.map(times) ?? "—")</td>")
      }
      cells.append("<td>\(median("bytes_per_key").map { String(format: "%.1f", $0) } ?? "")</td>")
      cells.append("<td class=\"stats\">\(stats(info.cell(for: first)))</td>")
      out += "<tr\(gap)>" + cells.joined() + "</tr>\n"
    }
    out += "</table>\n"
    // Every op row, for readers who want the per-operation split.
    let perOp = file.rows.filter { $0["op"] != "all" && $0["repeat"] == "0" }
    if !perOp.isEmpty {
      out +=
        "<details><summary>per operation (repeat 0)</summary><table><tr><th class=\"l\">phase</th><th class=\"l\">engine</th><th>threads</th><th class=\"l\">op</th><th>count</th><th>errors</th><th>Mops/s</th><th>mean µs</th><th>p50 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>max µs</th></tr>\n"
      for r in perOp {
        let n = { (c: String) in file.number(r, c) ?? 0 }
        out +=
          "<tr><td class=\"l\">\(esc(r["phase"]))</td><td class=\"l\">\(esc(label(r.fields, threads: false)))</td><td>\(esc(r["threads"]))</td><td class=\"l\">\(esc(r["op"]))</td><td>\(Int(n("count")))</td><td>\(Int(n("errors")))</td><td>\(mops(n("ops_per_sec")))</td><td>\(micros(n("mean_ns")))</td><td>\(micros(n("p50_ns")))</td><td>\(micros(n("p99_ns")))</td><td>\(micros(n("p999_ns")))</td><td>\(micros(n("max_ns")))</td></tr>\n"
      }
      out += "</table></details>\n"
    }
    return out
  }

  /// "height 9 · fill 69 % · restarts/1k ops 0.00", and every figure behind a disclosure.
  static func stats(_ cell: [String: Any]?) -> String {
    guard let cell else { return "" }
    var parts: [String] = []
    if let h = cell["height"] as? NSNumber { parts.append("height \(h.intValue)") }
    let details = cell["details"] as? [String: Any] ?? [:]
    var labels = Set<String>()
    for (k, label, format) in headlineStats {
      guard let v = (details[k] as? NSNumber)?.doubleValue, !labels.contains(label) else {
        continue
      }
      labels.insert(label)
      parts.append("\(label) \(String(format: format, v))")
    }
    var out = esc(parts.joined(separator: " · "))
    if !details.isEmpty {
      let all = details.keys.sorted().map { k -> String in
        let v = (details[k] as? NSNumber)?.doubleValue ?? 0
        return "\(k) \(v == v.rounded() ? String(format: "%.0f", v) : String(format: "%.2f", v))"
      }
      out += "<details><summary>all</summary>\(esc(all.joined(separator: ", ")))</details>"
    }
    return out
  }

  /// Per cell and metric: baseline, candidate, change with its bootstrap interval, verdict,
  /// coloured as `bench compare` colours its terminal lines.
  public static func comparison(_ versus: [Versus]) -> String {
    var out = "<h2>Comparison</h2>\n"
    for v in versus {
      let r = v.result
      out +=
        "<h3>\(esc(v.candidate)) against \(esc(v.baseline)): <span class=\"verdict\" style=\"color:\(r.verdict.colour.html)\">\(esc(r.verdict.rawValue.uppercased()))</span></h3>\n"
      out +=
        "<p>\(esc(v.scope)); medians of the repeats. A change counts when the whole 95 % bootstrap interval (3+ repeats a side; else the ratio itself) lies beyond the threshold, as in <code>bench compare</code>. \(r.findings.count) comparisons, \(r.findings.filter { $0.verdict != .unchanged }.count) significant.</p>\n"
      out +=
        "<table class=\"compare\"><tr><th class=\"l\">cell</th><th class=\"l\">metric</th><th>baseline</th><th>candidate</th><th>change</th><th>95 % interval</th><th class=\"l\">verdict</th></tr>\n"
      func pct(_ x: Double) -> String {
        x.isFinite ? String(format: "%+.1f %%", (x - 1) * 100) : "+inf"
      }
      func value(_ metric: String, _ x: Double) -> String {
        metric == "ops_per_sec"
          ? mops(x) + " Mops/s"
          : metric.hasSuffix("_ns") ? micros(x) + " µs" : String(format: "%.1f", x)
      }
      // Regressions first, then improvements, then the unchanged, each in cell order.
      let rank: [Compare.Verdict: Int] = [.regression: 0, .improvement: 1, .unchanged: 2]
      let findings = r.findings.enumerated().sorted {
        (rank[$0.element.verdict]!, $0.offset) < (rank[$1.element.verdict]!, $1.offset)
      }.map(\.element)
      for f in findings {
        let colour = f.verdict.colour.html
        let ci = f.interval.map { "\(pct($0.lowerBound)) … \(pct($0.upperBound))" } ?? "n < 3"
        out +=
          "<tr style=\"color:\(colour)\"><td class=\"l\">\(esc(f.cell))</td><td class=\"l\">\(esc(f.metric))</td><td>\(value(f.metric, f.baseline))</td><td>\(value(f.metric, f.candidate))</td><td>\(pct(f.ratio))</td><td>\(ci)</td><td class=\"l verdict\">\(f.verdict.rawValue)</td></tr>\n"
      }
      for g in r.gaps {
        out +=
          "<tr style=\"color:\(Compare.Verdict.regression.colour.html)\"><td class=\"l\">\(esc(g.cell))</td><td class=\"l\">\(esc(g.metric ?? "(every metric)"))</td><td colspan=\"4\"></td><td class=\"l verdict\">only in the \(g.onlyIn.rawValue)</td></tr>\n"
      }
      out += "</table>\n"
    }
    return out
  }
}
