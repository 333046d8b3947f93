import Foundation
import Report
import Testing

/// The report through the binary: `bench plot` from a folder that is not the checkout (built-in
/// templates), --reference and --templates errors, two runs compared, `compare --html`, and the
/// end-of-run table sorted so engines read side by side.
@Suite(
  .serialized, .enabled(if: gnuplotInstalled, "gnuplot is not installed; skipping the report tests")
)
final class ReportCLITests {
  let scratchFolder = Scratch("report")
  var scratch: String { scratchFolder.path }
  /// A small real run: two engines, two thread counts, two repeats.
  let base: String
  let table: String

  init() throws {
    let r = try scratchFolder.run(
      "name: tiny\ndescription: \"tiny <A>\"\nrecords: 300\noperations: 2000\nthreads: [1, 2]\nrepeats: 2\nmix: {read: 0.5, update: 0.5}\nkeys: int64\nengines: [art, sortedmap]\ninterval: 0.01\n"
    )
    base = r.base
    #expect(r.result.status == 0, "\(r.result.err)")
    table = r.result.out
  }

  /// An empty folder with nothing of the checkout in it, as a working directory.
  func elsewhere() throws -> String {
    let dir = scratch + "elsewhere"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test func plotWorksOutsideTheCheckoutAndInlinesEveryChart() throws {
    let out = scratch + "charts"
    let r = try BenchProcess.run(
      ["plot", base, "--out", out], scratch: scratch + "io", in: try elsewhere())
    #expect(r.status == 0 && r.err.isEmpty, "\(r.err)")
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let sources = html.components(separatedBy: "<img src=\"").dropFirst().map {
      String($0.prefix { $0 != "\"" })
    }
    #expect(sources.count == 4, "throughput, spectrum, scaling, memory")
    #expect(sources.allSatisfy { $0.hasPrefix("data:image/svg+xml;base64,") })
    for s in sources {
      let svg = String(
        decoding: try #require(Data(base64Encoded: String(s.dropFirst(26)))), as: UTF8.self)
      #expect(svg.contains("<svg") && svg.contains("</svg>"))
    }
    // Readable legends, not file slugs; ratios against the baseline engine.
    #expect(html.contains("×sortedmap") && html.contains("<h1>tiny</h1>"))
    let spectrum = try String(contentsOfFile: out + "/spectrum.dat", encoding: .utf8)
    #expect(spectrum.contains("\"art/olc, 1 thread · read\""))
    #expect(!spectrum.contains("-r0"))
    // Bars and throughput axes start at zero; the bars carry min–max error bars.
    let memory = try String(contentsOfFile: out + "/memory.dat", encoding: .utf8)
    #expect(
      memory.split(separator: "\n").dropFirst().allSatisfy { $0.split(separator: " ").count == 4 })
  }

  @Test func badReferenceAndTemplatesFolderAreOneLineErrors() throws {
    let here = try elsewhere()
    let r = try BenchProcess.run(
      ["plot", base, "--reference", "btree"], scratch: scratch + "io", in: here)
    #expect(r.status == 2 && r.errLines.count == 1)
    #expect(
      r.err.contains("--reference: btree: no run measured this engine; pick one of art, sortedmap"))
    let t = try BenchProcess.run(
      ["plot", base, "--templates", scratch + "nowhere"], scratch: scratch + "io", in: here)
    #expect(t.status == 2 && t.errLines.count == 1)
    #expect(t.err.contains("\(scratch)nowhere/common.gp: --templates: cannot read it"), "\(t.err)")
    #expect(!FileManager.default.fileExists(atPath: base + "/plots/report.html"))
    // The checkout's plots/ folder as --templates draws the same charts.
    let ok = try BenchProcess.run(
      ["plot", base, "--templates", FileManager.default.currentDirectoryPath + "/plots"],
      scratch: scratch + "io", in: here)
    #expect(ok.status == 0, "\(ok.err)")
  }

  @Test func twoRunsAreComparedInTheReportAndByCompareHTML() throws {
    let other = scratch + "other"
    try FileManager.default.copyItem(atPath: base, toPath: other)
    let r = try BenchProcess.run(
      ["plot", base, other, "--out", scratch + "both"], scratch: scratch + "io")
    #expect(r.status == 0, "\(r.err)")
    let html = try String(contentsOfFile: scratch + "both/report.html", encoding: .utf8)
    #expect(html.contains("<h2>Comparison</h2>") && html.contains("other against base"))
    #expect(html.contains("UNCHANGED") && html.contains("color:#616161"))
    // A slower candidate: its regressions come first, in red.
    let slower = scratch + "slower"
    try FileManager.default.copyItem(atPath: base, toPath: slower)
    var rows = CSV.parse(try String(contentsOfFile: slower + "/summary.csv", encoding: .utf8))
    let ops = rows[0].firstIndex(of: "ops_per_sec")!
    // Only the run phase: unsorted, art's load rows (unchanged) would come first.
    for i in rows.indices.dropFirst() where rows[i][1] == "art" && rows[i][8] == "run" {
      rows[i][ops] = String(Double(rows[i][ops])! / 2)
    }
    try CSV.render(header: rows[0], rows: Array(rows.dropFirst())).write(
      toFile: slower + "/summary.csv", atomically: true, encoding: .utf8)
    let s = try BenchProcess.run(
      ["plot", base, slower, "--out", scratch + "slow"], scratch: scratch + "io")
    #expect(s.status == 0, "\(s.err)")
    let slow = try String(contentsOfFile: scratch + "slow/report.html", encoding: .utf8)
    #expect(
      slow.contains(
        "slower against base: <span class=\"verdict\" style=\"color:#c62828\">REGRESSION"))
    let firstRow = try #require(
      slow.components(separatedBy: "<tr style=\"color:").dropFirst().first)
    #expect(
      firstRow.hasPrefix("#c62828\"><td class=\"l\">tiny art ")
        && firstRow.contains("run all</td><td class=\"l\">ops_per_sec"))
    let page = scratch + "compare.html"
    let c = try BenchProcess.run(
      ["compare", base, other, "--html", page, "--op", "all"], scratch: scratch + "io")
    #expect(c.status == 0, "\(c.err)")
    let compared = try String(contentsOfFile: page, encoding: .utf8)
    #expect(compared.contains("Op rows all, threshold 5 %"))
    #expect(compared.contains(">unchanged</td>") && compared.contains("Mops/s</td>"))
    // Not a terminal: no colour codes in the text output.
    #expect(!c.out.contains("\u{1B}["))
  }

  /// The table: load block before run block, threads ascending, each engine's rows together, a
  /// ×sortedmap column (sortedmap itself 1.00), repeats folded into medians.
  @Test func theEndOfRunTableReadsEnginesSideBySide() throws {
    let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let header = try #require(lines.first)
    #expect(header.contains("×sortedmap"))
    let rows = lines.dropFirst().filter { $0.hasPrefix("art") || $0.hasPrefix("sortedmap") }
      .map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    // The load phase has one op (insert), the run phase two (read, update).
    #expect(rows.count == 12, "2 engines × 2 threads × (1 load op + 2 run ops), repeats folded")
    let blocks = rows.map { [$0[3], $0[2]] }
    #expect(
      blocks == [["load", "1"]] * 2 + [["load", "2"]] * 2 + [["run", "1"]] * 4 + [["run", "2"]] * 4)
    for block in Set(blocks) {
      let engines = rows.filter { [$0[3], $0[2]] == block }.map { $0[0] }
      // Each engine's rows together: the engine changes once in the block.
      #expect(zip(engines, engines.dropFirst()).filter { $0 != $1 }.count == 1, "\(engines)")
      for r in rows where [r[3], r[2]] == block && r[0].hasPrefix("sortedmap") {
        #expect(r[8] == "1.00")
      }
    }
    #expect(table.contains("figures: median of 2 repeats"))
  }
}

extension Array {
  static func * (a: [Element], n: Int) -> [Element] { (0..<n).flatMap { _ in a } }
}
