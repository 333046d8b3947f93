import ArgumentParser
import Foundation
import Report
import Workload

struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract:
      "Draw charts (SVG and PNG) and a self-contained report.html from results folders; with two or more, the report compares each against the first.",
    discussion: """
      The gnuplot templates are built into bench (from plots/ in the TreeBench checkout), so this \
      works from any folder; --templates DIR draws with edited copies instead.
      """)

  @Argument(
    help:
      "Results folders; several put their series on the same charts, and the first is the baseline of the comparison."
  )
  var results: [String]

  @Option(name: .long, help: "Where to write the charts (default <first folder>/plots).")
  var out: String?

  @Option(
    name: .long,
    help:
      "Engine the report's ratios are taken against (default: a baseline engine the runs measured, sortedmap or hashmap)."
  )
  var reference: String?

  @Option(
    name: .long,
    help: "Folder of gnuplot templates (*.gp) to use instead of the built-in ones, e.g. plots.")
  var templates: String?

  func run() throws {
    let written = try Plotter.draw(results, out: out, reference: reference, templates: templates)
    for f in written { print(f) }
  }
}

/// Renders the charts of `PlotData` through gnuplot (and rsvg-convert for PNG when present).
/// Nothing the user named reaches gnuplot as code: each chart is drawn in a private folder
/// (mkdtemp) from fixed file names, the template gets its settings as `gnuplot -c` arguments
/// (string data), and the outputs are then written atomically into the destination. The
/// templates are the ones built into the binary (`ChartTemplates`, generated from `plots/`),
/// or those in `templates` when given.
enum Plotter {
  static func draw(
    _ dirs: [String], out: String?, reference asked: String? = nil, templates: String? = nil
  ) throws -> [String] {
    guard Tool.run(["gnuplot", "--version"]) else {
      throw SpecError(
        file: "gnuplot", line: nil, field: "(program)",
        message:
          "gnuplot is not installed: run scripts/setup or sudo apt-get install gnuplot-nox librsvg2-bin (CSV results do not need it)"
      )
    }
    let runs = try dirs.map { d -> ResultsFolder in
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: d, isDirectory: &isFolder), isFolder.boolValue
      else {
        throw SpecError(
          file: d, line: nil, field: "(folder)",
          message: "not a results folder; give one such as results/20261122-101500-ycsb-a")
      }
      return try ResultsFolder(d)
    }
    let reference = try PlotData.reference(asked, runs: runs)
    // Read the templates before anything is written, so a missing one leaves no half report.
    func template(_ name: String) throws -> String {
      let file = "\(name).gp"
      guard let folder = templates else {
        guard let text = ChartTemplates.files[file] else {
          throw SpecError(
            file: file, line: nil, field: "(template)",
            message: "not built into this bench; rebuild it (scripts/embed-templates)")
        }
        return text
      }
      let path = (folder as NSString).appendingPathComponent(file)
      guard let data = FileManager.default.contents(atPath: path),
        let text = String(data: data, encoding: .utf8)
      else {
        throw SpecError(
          file: path, line: nil, field: "--templates",
          message:
            "cannot read it; give the folder holding the chart templates (plots/ in the TreeBench checkout)"
        )
      }
      return text
    }
    let charts = PlotData.charts(runs)
    var texts = ["common": try template("common")]
    for c in charts { texts[c.template] = try template(c.template) }
    for run in runs {
      if let why = run.incomplete { Bench.warn("\(run.directory): \(why); report.html says so") }
    }
    let target = out ?? "\(dirs[0])/plots"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    let png = Tool.run(["rsvg-convert", "--version"])
    let work = try PrivateFolder()
    defer { work.remove() }
    try FileManager.default.createDirectory(
      atPath: work.path + "/plots", withIntermediateDirectories: false)
    // The templates go beside the data, under the names they load each other by.
    for (name, text) in texts {
      try Data(text.utf8).write(to: URL(fileURLWithPath: "\(work.path)/plots/\(name).gp"))
    }
    var written: [String] = []
    var drawn: [PlotData.Drawn] = []
    for c in charts {
      let t = c.template
      try Data(c.text.utf8).write(to: URL(fileURLWithPath: work.path + "/\(t).dat"))
      let arguments = ["plots/\(t).gp", "\(t).dat", "\(t).svg", String(c.blocks.count), c.heading]
      if let error = Tool.failure(["gnuplot", "-c"] + arguments, in: work.path) {
        throw SpecError(
          file: templates.map { "\($0)/\(t).gp" } ?? "\(t).gp (built in)", line: nil,
          field: "(gnuplot)", message: "gnuplot failed (\(error)); check the template")
      }
      var files = ["\(t).dat", "\(t).svg"]
      if png
        && Tool.failure(
          ["rsvg-convert", "-b", "white", "-o", "\(t).png", "\(t).svg"], in: work.path) == nil
      {
        files.append("\(t).png")
      }
      for f in files {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/\(f)"))
        try AtomicFile.write(data, to: "\(target)/\(f)")
        if f == "\(t).svg" {
          drawn.append(.init(chart: c, svg: String(decoding: data, as: UTF8.self)))
        }
        if f != "\(t).dat" { written.append("\(target)/\(f)") }
      }
    }
    var versus: [PlotData.Versus] = []
    for candidate in runs.dropFirst() {
      versus.append(
        PlotData.Versus(
          baseline: (runs[0].directory as NSString).lastPathComponent,
          candidate: (candidate.directory as NSString).lastPathComponent,
          result: try Compare.run(
            baseline: runs[0].summary, candidate: candidate.summary, ops: ["all"]),
          scope: "Every operation (op = all), threshold 5 %"))
    }
    let html = "\(target)/report.html"
    try AtomicFile.write(
      Data(PlotData.html(runs: runs, charts: drawn, reference: reference, versus: versus).utf8),
      to: html)
    return written + [html]
  }
}

/// A folder only this process can use (mkdtemp, mode 0700), under the system's temp folder.
struct PrivateFolder {
  let path: String

  init() throws {
    var template = Array(
      (NSTemporaryDirectory() as NSString).appendingPathComponent("treebench-XXXXXX").utf8CString)
    guard let p = mkdtemp(&template) else {
      throw SpecError(
        file: NSTemporaryDirectory(), line: nil, field: "(folder)",
        message:
          "cannot create a private folder here (\(String(cString: strerror(errno)))); set TMPDIR to a writable folder"
      )
    }
    path = String(cString: p)
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs programs found on PATH, with arguments as argv (no shell).
enum Tool {
  /// True when the program exits 0.
  static func run(_ arguments: [String]) -> Bool { failure(arguments, in: nil) == nil }

  /// nil when the program exits 0 in `folder`; otherwise the last line it wrote to stderr
  /// (or its exit status); gnuplot names the file and line there.
  static func failure(_ arguments: [String], in folder: String?) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    if let folder { p.currentDirectoryURL = URL(fileURLWithPath: folder) }
    let errors = Pipe()
    p.standardOutput = FileHandle.nullDevice
    p.standardError = errors
    do { try p.run() } catch { return "\(arguments[0]) did not start" }
    let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus != 0 else { return nil }
    let line = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }
    return line.map { $0.trimmingCharacters(in: .whitespaces) } ?? "exit \(p.terminationStatus)"
  }
}
