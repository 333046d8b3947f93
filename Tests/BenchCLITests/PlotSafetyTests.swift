import Foundation
import Report
import Testing

/// True when gnuplot can be started; the plot tests need it.
let gnuplotInstalled: Bool = {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  p.arguments = ["gnuplot", "--version"]
  p.standardOutput = FileHandle.nullDevice
  p.standardError = FileHandle.nullDevice
  guard (try? p.run()) != nil else { return false }
  p.waitUntilExit()
  return p.terminationStatus == 0
}()

/// `bench plot` through the binary: hostile folder names plot and run nothing; an unfinished
/// run says so in its report; a corrupt summary.csv is an error, not a chart.
@Suite(
  .serialized, .enabled(if: gnuplotInstalled, "gnuplot is not installed; skipping the plot tests"))
final class PlotSafetyTests {
  let scratchFolder = Scratch("plot")
  var scratch: String { scratchFolder.path }
  /// One small real run (two thread counts, so every closed-loop chart has data).
  let base: String

  init() throws {
    let r = try scratchFolder.run(
      "records: 300\noperations: 1000\nthreads: [1, 2]\nmix: {read: 0.9, update: 0.1}\nkeys: int64\nengines: [sortedmap]\ninterval: 0.01\n"
    )
    base = r.base
    #expect(r.result.status == 0, "\(r.result.err)")
  }

  func copy(to path: String) throws -> String {
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: base, toPath: path)
    return path
  }

  func plot(_ arguments: [String]) throws -> BenchProcess {
    try BenchProcess.run(["plot"] + arguments, scratch: scratch + "io")
  }

  /// Payloads that ran code through the old `gnuplot -e "data='PATH'"` (quote breakouts, gnuplot
  /// backquote substitution), each touching an absolute path, and names that merely broke it.
  var hostile: [String] {
    [
      "x'; system(\"touch \(scratch)PWNED1\"); a='",
      "x\"; system(\"touch \(scratch)PWNED2\"); a=\"",
      "`touch \(scratch)PWNED3`",
      "$(touch \(scratch)PWNED4)",
      "semi;colon", "back\\slash\\", "new\nline", "ünïcødé ⚡ 測試",
    ].map { scratch + "runs/" + $0 }
  }

  @Test func hostileFolderNamesPlotAndRunNothing() throws {
    var dirs: [String] = []
    for path in hostile {
      let dir = try copy(to: path)
      dirs.append(dir)
      let r = try plot([dir])
      #expect(r.status == 0, "\(path): \(r.err)")
      for chart in ["throughput", "spectrum", "scaling", "memory"] {
        let svg = try String(contentsOfFile: "\(dir)/plots/\(chart).svg", encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("</svg>"), "\(path) \(chart)")
      }
      #expect(FileManager.default.fileExists(atPath: "\(dir)/plots/report.html"))
    }
    // Several folders, into a hostile --out: the folder names become series titles, as data.
    let out = hostile[0] + "/out'\"$(x)`y`"
    let r = try plot(dirs + ["--out", out])
    #expect(r.status == 0, "\(r.err)")
    let scaling = try String(contentsOfFile: out + "/scaling.svg", encoding: .utf8)
    for title in [
      "semi;colon: sortedmap", "ünïcødé ⚡ 測試: sortedmap", "back\\slash\\: sortedmap",
    ] {
      #expect(scaling.contains("<title>\(title)"), "\(title)")
    }
    // The line break in a name is a space in its title, not a broken data file.
    #expect(scaling.contains("<title>new line: sortedmap"))
    let pwned = try FileManager.default.contentsOfDirectory(atPath: scratch).filter {
      $0.hasPrefix("PWNED")
    }
    #expect(pwned.isEmpty, "gnuplot ran code from a path: \(pwned)")
  }

  @Test func anUnfinishedRunSaysSoInItsReport() throws {
    let complete = try plot([base])
    #expect(complete.status == 0 && complete.err.isEmpty)
    #expect(
      !(try String(contentsOfFile: base + "/plots/report.html", encoding: .utf8)).contains(
        "INCOMPLETE"))
    for status in ["interrupted", "failed", "running"] {
      let dir = try copy(to: scratch + "run-" + status)
      let json = dir + "/run.json"
      var record =
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json)))
        as! [String: Any]
      record["status"] = status
      try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: json))
      let r = try plot([dir])
      #expect(r.status == 0 && r.err.hasPrefix("bench: warning: ") && r.err.contains(status))
      let html = try String(contentsOfFile: dir + "/plots/report.html", encoding: .utf8)
      #expect(html.contains("<p class=\"incomplete\">INCOMPLETE: run-\(status): "), "\(status)")
      #expect(html.contains("run.json status &quot;\(status)&quot;"))
      #expect(html.contains("status: <b>\(status)</b>"))
    }
  }

  @Test(arguments: [("ops_per_sec", "fast"), ("p99_ns", "NaN"), ("threads", "-1")])
  func aCorruptSummaryIsAnErrorNotAChart(column: String, value: String) throws {
    let dir = try copy(to: scratch + "corrupt-\(column)")
    var rows = CSV.parse(try String(contentsOfFile: dir + "/summary.csv", encoding: .utf8))
    rows[3][rows[0].firstIndex(of: column)!] = value
    try CSV.render(header: rows[0], rows: Array(rows.dropFirst())).write(
      toFile: dir + "/summary.csv", atomically: true, encoding: .utf8)
    let r = try plot([dir])
    #expect(r.status == 2 && r.errLines.count == 1)
    #expect(
      r.err.hasPrefix("bench: error: \(dir)/summary.csv:4: \(column): '\(value)'"), "\(r.err)")
    #expect(!FileManager.default.fileExists(atPath: dir + "/plots"))
  }

  @Test func aSummaryWithoutItsColumnsIsAnError() throws {
    let dir = try copy(to: scratch + "columns")
    try "engine,ops\nart,5\n".write(toFile: dir + "/summary.csv", atomically: true, encoding: .utf8)
    let r = try plot([dir])
    #expect(
      r.status == 2 && r.errLines.count == 1 && r.err.contains("summary.csv:1: workload, variant"))
    #expect(!FileManager.default.fileExists(atPath: dir + "/plots"))
  }
}
