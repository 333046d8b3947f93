import ArgumentParser
import Foundation
import Report
import Workload

struct PlotCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plot",
    abstract:
      "Draw charts (SVG and PNG) and report.html from results folders with the gnuplot templates in plots/."
  )

  @Argument(help: "Results folders; several put their series on the same charts.")
  var results: [String]

  @Option(name: .long, help: "Where to write the charts (default <first folder>/plots).")
  var out: String?

  func run() throws {
    let written = try Plotter.draw(results, out: out)
    for f in written { print(f) }
  }
}

/// Renders the charts of `PlotData` through gnuplot (and rsvg-convert for PNG when present).
/// Nothing the user named reaches gnuplot as code: each chart is drawn in a private folder
/// (mkdtemp) from fixed file names, the template gets its settings as `gnuplot -c` arguments
/// (string data), and the outputs are then written atomically into the destination.
enum Plotter {
  static func draw(_ dirs: [String], out: String?) throws -> [String] {
    guard Tool.run(["gnuplot", "--version"]) else {
      throw SpecError(
        file: "gnuplot", line: nil, field: "(program)",
        message:
          "gnuplot is not installed: run scripts/setup or sudo apt-get install gnuplot-nox librsvg2-bin (CSV results do not need it)"
      )
    }
    guard FileManager.default.fileExists(atPath: "plots/common.gp") else {
      throw SpecError(
        file: "plots/", line: nil, field: "(templates)",
        message: "the chart templates are not here; run bench plot from the TreeBench checkout")
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
    for run in runs {
      if let why = run.incomplete { Bench.warn("\(run.directory): \(why); report.html says so") }
    }
    let target = out ?? "\(dirs[0])/plots"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    let charts = PlotData.charts(runs)
    let png = Tool.run(["rsvg-convert", "--version"])
    let work = try PrivateFolder()
    defer { work.remove() }
    try FileManager.default.createDirectory(
      atPath: work.path + "/plots", withIntermediateDirectories: false)
    // The templates go beside the data, under the names they load each other by.
    func template(_ name: String) throws {
      let file = "plots/\(name).gp"
      guard (try? FileManager.default.copyItem(atPath: file, toPath: "\(work.path)/\(file)")) != nil
      else {
        throw SpecError(
          file: file, line: nil, field: "(template)",
          message: "cannot read it; restore it from the TreeBench checkout (git checkout plots/)")
      }
    }
    try template("common")
    var written: [String] = []
    for c in charts {
      let t = c.template
      try template(t)
      try Data(c.text.utf8).write(to: URL(fileURLWithPath: work.path + "/\(t).dat"))
      let arguments = ["plots/\(t).gp", "\(t).dat", "\(t).svg", String(c.blocks.count), c.heading]
      if let error = Tool.failure(["gnuplot", "-c"] + arguments, in: work.path) {
        throw SpecError(
          file: "plots/\(t).gp", line: nil, field: "(gnuplot)",
          message: "gnuplot failed (\(error)); check the template")
      }
      var files = ["\(t).dat", "\(t).svg"]
      if png
        && Tool.failure(
          ["rsvg-convert", "-b", "white", "-o", "\(t).png", "\(t).svg"], in: work.path) == nil
      {
        files.append("\(t).png")
      }
      for f in files {
        try AtomicFile.write(
          try Data(contentsOf: URL(fileURLWithPath: "\(work.path)/\(f)")), to: "\(target)/\(f)")
        if f != "\(t).dat" { written.append("\(target)/\(f)") }
      }
    }
    let html = "\(target)/report.html"
    try AtomicFile.write(
      Data(PlotData.html(runs: runs, charts: charts.map(\.template)).utf8), to: html)
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
