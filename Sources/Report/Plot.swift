import Foundation

/// The data behind each chart, read from one or more results folders: gnuplot data blocks (one
/// per series, each opening with a header line that names it) for the templates in `plots/`.
public enum PlotData {
  public struct Chart {
    /// Template name in `plots/` (without `.gp`), and the chart's title.
    public var template: String
    public var heading: String
    public var blocks: [(title: String, rows: [[String]])]

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

  /// The charts the folders have data for, series named by cell (and by run when several).
  public static func charts(_ runs: [ResultsFolder]) -> [Chart] {
    func prefix(_ dir: String) -> String {
      runs.count > 1 ? (dir as NSString).lastPathComponent + " " : ""
    }
    func cell(_ r: [String: String], threads: Bool = true) -> String {
      var s = "\(r["engine"] ?? "") \(r["variant"] ?? "")"
      // Partitioned variants are their own series; `none` and `rwlock` are one line, as the
      // runner picks `rwlock` itself once threads > 1.
      if let w = r["wrapper"], w.hasPrefix("partitioned") { s += " \(w)" }
      if threads { s += " t=\(r["threads"] ?? "")" }
      if let t = r["target"], !t.isEmpty { s += " @\(t)/s" }
      if let p = r["placement"], !p.isEmpty, p != "unpinned/local" { s += " \(p)" }
      return s
    }
    var throughput = Chart(
      template: "throughput", heading: "Throughput over time (run phase)", blocks: [])
    var spectrum = Chart(
      template: "spectrum", heading: "Latency percentile spectrum (run phase)", blocks: [])
    var scaling = Chart(template: "scaling", heading: "Throughput against threads", blocks: [])
    var load = Chart(template: "load", heading: "Response time against offered load", blocks: [])
    var memory = Chart(template: "memory", heading: "Bytes per key after the load", blocks: [])
    var bars: [[String]] = []
    for run in runs {
      let dir = run.directory
      let p = prefix(dir)
      var series: [String: [[String]]] = [:]
      for r in rows(dir, "timeseries.csv") where r["phase"] == "run" && r["repeat"] == "0" {
        series[p + cell(r), default: []].append([r["seconds"] ?? "0", r["ops_per_sec"] ?? "0"])
      }
      throughput.blocks += series.keys.sorted().map { ($0, series[$0]!) }
      let latency = "\(dir)/latency"
      let files = ((try? FileManager.default.contentsOfDirectory(atPath: latency)) ?? []).sorted()
      for f in files
      where f.hasSuffix(".csv") && f.contains("-r0-run-") && !f.hasSuffix("-pacing.csv") {
        let points = CSV.parse(
          (try? String(contentsOfFile: "\(latency)/\(f)", encoding: .utf8)) ?? ""
        )
        .dropFirst().compactMap { row -> [String]? in
          guard row.count >= 4, let x = Double(row[3]), x.isFinite else { return nil }
          return [row[3], row[0]]
        }
        if !points.isEmpty { spectrum.blocks.append((p + String(f.dropLast(4)), points)) }
      }
      let summary = run.summary.rows.map(\.fields)
      var byThreads: [String: [Int: [Double]]] = [:]
      var byTarget: [String: [Double: (Double, Double)]] = [:]
      var bytes: [String: [Double]] = [:]
      for r in summary {
        if r["phase"] == "run" && r["op"] == "all", let t = Int(r["threads"] ?? ""),
          let v = Double(r["ops_per_sec"] ?? "")
        {
          byThreads[p + cell(r, threads: false), default: [:]][t, default: []].append(v)
        }
        if r["phase"] == "run", let op = r["op"], op.hasPrefix("intended-"),
          let target = Double(r["target"] ?? ""), let p50 = Double(r["p50_ns"] ?? ""),
          let p99 = Double(r["p99_ns"] ?? "")
        {
          var k = r
          k["target"] = ""
          byTarget[p + cell(k) + " " + op, default: [:]][target] = (p50, p99)
        }
        if r["phase"] == "load" && r["op"] == "all", let b = Double(r["bytes_per_key"] ?? "") {
          bytes[p + cell(r, threads: false), default: []].append(b)
        }
      }
      for (name, points) in byThreads.sorted(by: { $0.key < $1.key }) where points.count > 1 {
        scaling.blocks.append(
          (name, points.keys.sorted().map { [String($0), String(Compare.median(points[$0]!))] }))
      }
      for (name, points) in byTarget.sorted(by: { $0.key < $1.key }) where points.count > 1 {
        load.blocks.append(
          (
            name,
            points.keys.sorted().map { [String($0), String(points[$0]!.0), String(points[$0]!.1)] }
          ))
      }
      bars += bytes.keys.sorted().map { [quoted($0), String(Compare.median(bytes[$0]!))] }
    }
    if !bars.isEmpty { memory.blocks = [("bytes per key", bars)] }
    return [throughput, spectrum, scaling, load, memory].filter { !$0.blocks.isEmpty }
  }
}
