import Foundation

extension PlotData {
  /// A self-contained `report.html`: per run, how it ended (an interrupted, failed or unfinished
  /// run says so in a banner above everything else), the run-phase summary, and every chart.
  public static func html(runs: [ResultsFolder], charts: [String]) -> String {
    func esc(_ s: String) -> String {
      s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
    func name(_ run: ResultsFolder) -> String { (run.directory as NSString).lastPathComponent }
    var out = """
      <!doctype html><html><head><meta charset="utf-8"><title>TreeBench report</title>
      <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}
      td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}img{max-width:100%}
      .incomplete{background:#fdd;border:2px solid #c00;padding:.5em 1em;font-weight:bold}</style>
      </head><body><h1>TreeBench report</h1>\n
      """
    for run in runs {
      if let why = run.incomplete {
        out +=
          "<p class=\"incomplete\">INCOMPLETE: \(esc(name(run))): \(esc(why)). Its figures cover only what was measured.</p>\n"
      }
    }
    for run in runs {
      let status = run.status?.rawValue ?? (run.incomplete == nil ? "complete" : "interrupted")
      out += "<h2>\(esc(name(run)))</h2>\n<p>status: <b>\(esc(status))</b></p>\n<table><tr>"
      let cols = [
        "engine", "variant", "wrapper", "threads", "target", "phase", "op", "ops_per_sec", "p50_ns",
        "p99_ns", "p999_ns", "bytes_per_key",
      ]
      out += cols.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
      for r in run.summary.rows where r["op"] == "all" || r["op"].hasPrefix("intended-") {
        out += "<tr>" + cols.map { "<td>\(esc(r[$0]))</td>" }.joined() + "</tr>\n"
      }
      out += "</table>\n"
    }
    for c in charts { out += "<h2>\(esc(c))</h2><img src=\"\(c).svg\" alt=\"\(esc(c))\">\n" }
    return out + "</body></html>\n"
  }
}
