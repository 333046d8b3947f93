import Foundation

/// The data behind each chart, read from one or more results folders: gnuplot data blocks (one
/// per series, each opening with a header line that names it) for the templates in `plots/`.
public enum PlotData {
  public struct Chart {
    /// Template name in `plots/` (without `.gp`), and the chart's title.
    public var template: String
    public var heading: String
    public var blocks: [(title: String, rows: [[String]])]
    /// What the chart cannot show well (too few intervals), said under it in the report.
    public var notes: [String] = []

    public init(
      template: String, heading: String, blocks: [(title: String, rows: [[String]])],
      notes: [String] = []
    ) {
      (self.template, self.heading, self.blocks, self.notes) = (template, heading, blocks, notes)
    }

    /// The blocks in gnuplot's format. Titles are data (`title columnheader`), never code.
    public var text: String {
      blocks.map { b in
        // Two names per block: the load chart draws p50 and p99 lines; others use the first.
        let header =
          template == "load"
          ? "\(quoted(b.title + " p50")) \(quoted(b.title + " p99"))\n"
          : "\(quoted(b.title)) \(quoted(b.title))\n"
        return header + b.rows.map { $0.joined(separator: " ") }.joined(separator: "\n")
      }.joined(separator: "\n\n\n") + "\n"
    }
  }

  /// A string as one double-quoted field of a gnuplot data file, shown as written: gnuplot
  /// reads backslash escapes there and has no escape for `"`, so backslashes are doubled, `"`
  /// becomes `'`, and line breaks and other control characters (which would end the record)
  /// become spaces.
  public static func quoted(_ s: String) -> String {
    var out = "\""
    for c in s {
      if c == "\\" {
        out += "\\\\"
      } else if c == "\"" {
        out += "'"
      } else if c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        || c.isNewline
      {
        out += " "
      } else {
        out.append(c)
      }
    }
    return out + "\""
  }

  /// A results folder's CSV rows as dictionaries (lenient: timeseries.csv only draws lines).
  static func rows(_ dir: String, _ file: String) -> [[String: String]] {
    guard let text = try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8) else {
      return []
    }
    return CSV.records(text)
  }

  /// A readable name for a cell (`art/olc, 2 threads`), from a summary row. `threads: false`
  /// names the line across thread counts: `none` and `rwlock` are one line there, as the runner
  /// picks `rwlock` itself once threads > 1.
  public static func label(_ r: [String: String], threads: Bool = true) -> String {
    var s = r["engine"] ?? ""
    if let v = r["variant"], !v.isEmpty, v != "default" { s += " [\(v)]" }
    if let w = r["wrapper"], !w.isEmpty, w != "none", threads || w != "rwlock" { s += "/\(w)" }
    if threads, let t = Int(r["threads"] ?? "") { s += ", \(t) thread\(t == 1 ? "" : "s")" }
    if threads, let t = r["target"], !t.isEmpty { s += " @ \(t) ops/s" }
    if let p = r["placement"], !p.isEmpty, p != "unpinned/local" { s += " \(p)" }
    return s
  }

  /// The file-name slug `bench run` gives a cell's latency files (`CellPlan.slug`), from its row.
  static func slug(_ r: [String: String]) -> String {
    let w = r["wrapper"] ?? "none"
    let t = r["target"].flatMap { Double($0) }.map { "-target\(Int($0))" } ?? ""
    let p = r["placement"] ?? ""
    let raw =
      "\(r["engine"] ?? "")-\(r["variant"] ?? "")-\(w == "none" ? "" : "\(w)-")t\(r["threads"] ?? "")-r\(r["repeat"] ?? "")\(t)\(p.isEmpty || p == "unpinned/local" ? "" : "-" + p)"
    return String(
      raw.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
  }

  /// Fewer intervals than this in a phase make the throughput-over-time chart say so.
  public static let minimumIntervals = 20

  /// The charts the folders have data for, series named by cell (and by run when several).
  /// Where repeats exist, the scaling and memory charts show their median with min–max bars.
  public static func charts(_ runs: [ResultsFolder]) -> [Chart] {
    func prefix(_ dir: String) -> String {
      runs.count > 1 ? (dir as NSString).lastPathComponent + ": " : ""
    }
    func spread(_ v: [Double]) -> [String] {
      [String(Compare.median(v)), String(v.min() ?? 0), String(v.max() ?? 0)]
    }
    var throughput = Chart(
      template: "throughput", heading: "Throughput over time (run phase, repeat 0)", blocks: [])
    var spectrum = Chart(
      template: "spectrum", heading: "Latency percentile spectrum (run phase, repeat 0)", blocks: []
    )
    var scaling = Chart(
      template: "scaling", heading: "Throughput against threads (median, min–max of repeats)",
      blocks: [])
    var load = Chart(template: "load", heading: "Response time against offered load", blocks: [])
    var memory = Chart(
      template: "memory", heading: "Bytes per key after the load (median, min–max of repeats)",
      blocks: [])
    var bars: [[String]] = []
    for run in runs {
      let dir = run.directory
      let p = prefix(dir)
      var series: [String: [[String]]] = [:]
      for r in rows(dir, "timeseries.csv") where r["phase"] == "run" && r["repeat"] == "0" {
        series[p + label(r), default: []].append([r["seconds"] ?? "0", r["ops_per_sec"] ?? "0"])
      }
      throughput.blocks += series.keys.sorted().map { ($0, series[$0]!) }
      let few = series.values.map(\.count).min() ?? minimumIntervals
      if few < minimumIntervals {
        let seconds =
          run.summary.rows.filter { $0["phase"] == "run" && $0["op"] == "all" }
          .compactMap { Double($0["seconds"]) }.min() ?? 0
        let lasted = String(format: "%.2f", seconds)
        let plural = few == 1 ? "" : "s"
        let suggestion = (seconds / Double(minimumIntervals) * 100).rounded(.down) / 100
        throughput.notes.append(
          suggestion >= 0.01
            ? "\(p)a run phase has only \(few) interval\(plural) (the shortest lasted \(lasted) s); set interval: \(suggestion) in the workload for ≥ \(minimumIntervals) points"
            : "\(p)a run phase has only \(few) interval\(plural) (the shortest lasted \(lasted) s): too short for \(minimumIntervals) points at the smallest interval (0.01 s); run more operations"
        )
      }
      let summary = run.summary.rows.map(\.fields)
      for r in summary
      where r["phase"] == "run" && r["repeat"] == "0" && r["op"] != "all"
        && r["op"] != "pacing"
      {
        let file = "\(dir)/latency/\(slug(r))-run-\(r["op"] ?? "").csv"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        let points = CSV.parse(text).dropFirst().compactMap { row -> [String]? in
          guard row.count >= 4, let x = Double(row[3]), x.isFinite else { return nil }
          return [row[3], row[0]]
        }
        if !points.isEmpty {
          spectrum.blocks.append((p + label(r) + " · " + (r["op"] ?? ""), points))
        }
      }
      var byThreads: [String: [Int: [Double]]] = [:]
      var byTarget: [String: [Double: (Double, Double)]] = [:]
      var bytes: [String: [Double]] = [:]
      for r in summary {
        if r["phase"] == "run" && r["op"] == "all" && (r["target"] ?? "").isEmpty,
          let t = Int(r["threads"] ?? ""), let v = Double(r["ops_per_sec"] ?? "")
        {
          byThreads[p + label(r, threads: false), default: [:]][t, default: []].append(v)
        }
        if r["phase"] == "run", let op = r["op"], op.hasPrefix("intended-"),
          let target = Double(r["target"] ?? ""), let p50 = Double(r["p50_ns"] ?? ""),
          let p99 = Double(r["p99_ns"] ?? "")
        {
          var k = r
          k["target"] = ""
          byTarget[p + label(k) + " " + op, default: [:]][target] = (p50, p99)
        }
        if r["phase"] == "load" && r["op"] == "all", let b = Double(r["bytes_per_key"] ?? "") {
          bytes[p + label(r, threads: false), default: []].append(b)
        }
      }
      for (name, points) in byThreads.sorted(by: { $0.key < $1.key }) where points.count > 1 {
        scaling.blocks.append(
          (name, points.keys.sorted().map { [String($0)] + spread(points[$0]!) }))
      }
      for (name, points) in byTarget.sorted(by: { $0.key < $1.key }) where points.count > 1 {
        load.blocks.append(
          (
            name,
            points.keys.sorted().map { [String($0), String(points[$0]!.0), String(points[$0]!.1)] }
          ))
      }
      bars += bytes.keys.sorted().map { [quoted($0)] + spread(bytes[$0]!) }
    }
    if !bars.isEmpty { memory.blocks = [("bytes per key", bars)] }
    return [throughput, spectrum, scaling, load, memory].filter { !$0.blocks.isEmpty }
  }
}
