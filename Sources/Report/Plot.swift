import Foundation

/// The data behind each chart, read from one or more results folders: gnuplot data blocks (one
/// per series, each opening with a header line that names it) for the templates in `plots/`.
public enum PlotData {
  public struct Chart {
    /// Template name in `plots/` (without `.gp`), and the chart's title.
    public var template: String
    public var heading: String
    public var blocks: [(title: String, rows: [[String]])]

    /// The blocks in gnuplot's format.
    public var text: String {
      blocks.map { b in
        let t = b.title.replacingOccurrences(of: "\"", with: "'")
        // Two names per block: the load chart draws p50 and p99 lines; others use the first.
        let header = template == "load" ? "\"\(t) p50\" \"\(t) p99\"\n" : "\"\(t)\" \"\(t)\"\n"
        return header + b.rows.map { $0.joined(separator: " ") }.joined(separator: "\n")
      }.joined(separator: "\n\n\n") + "\n"
    }
  }

  /// A results folder's CSV rows as dictionaries.
  static func rows(_ dir: String, _ file: String) -> [[String: String]] {
    guard let text = try? String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8) else {
      return []
    }
    return CSV.records(text)
  }

  /// The charts the folders have data for, series named by cell (and by run when several).
  public static func charts(_ dirs: [String]) -> [Chart] {
    func prefix(_ dir: String) -> String {
      dirs.count > 1 ? (dir as NSString).lastPathComponent + " " : ""
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
    for dir in dirs {
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
      let summary = rows(dir, "summary.csv")
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
      bars += bytes.keys.sorted().map { ["\"\($0)\"", String(Compare.median(bytes[$0]!))] }
    }
    if !bars.isEmpty { memory.blocks = [("bytes per key", bars)] }
    return [throughput, spectrum, scaling, load, memory].filter { !$0.blocks.isEmpty }
  }

  /// A self-contained `report.html`: run metadata, the run-phase summary and every chart.
  public static func html(dirs: [String], charts: [String]) -> String {
    func esc(_ s: String) -> String {
      s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
    var out = """
      <!doctype html><html><head><meta charset="utf-8"><title>TreeBench report</title>
      <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
      td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}img{max-width:100%}</style>
      </head><body><h1>TreeBench report</h1>\n
      """
    for dir in dirs {
      out += "<h2>\(esc((dir as NSString).lastPathComponent))</h2>\n<table><tr>"
      let cols = [
        "engine", "variant", "wrapper", "threads", "target", "phase", "op", "ops_per_sec", "p50_ns",
        "p99_ns",
        "p999_ns", "bytes_per_key",
      ]
      out += cols.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
      for r in rows(dir, "summary.csv")
      where r["op"] == "all" || (r["op"] ?? "").hasPrefix("intended-") {
        out += "<tr>" + cols.map { "<td>\(esc(r[$0] ?? ""))</td>" }.joined() + "</tr>\n"
      }
      out += "</table>\n"
    }
    for c in charts { out += "<h2>\(esc(c))</h2><img src=\"\(c).svg\" alt=\"\(esc(c))\">\n" }
    return out + "</body></html>\n"
  }
}
