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
enum Plotter {
  static func draw(_ dirs: [String], out: String?) throws -> [String] {
    guard run(["gnuplot", "--version"]) else {
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
    for d in dirs where !FileManager.default.fileExists(atPath: "\(d)/summary.csv") {
      throw SpecError(
        file: d, line: nil, field: "summary.csv", message: "not a results folder (no summary.csv)")
    }
    let target = out ?? "\(dirs[0])/plots"
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    let charts = PlotData.charts(dirs)
    let png = run(["rsvg-convert", "--version"])
    var written: [String] = []
    for c in charts {
      let data = "\(target)/\(c.template).dat"
      let svg = "\(target)/\(c.template).svg"
      try AtomicFile.write(Data(c.text.utf8), to: data)
      let settings =
        "data='\(data)'; out='\(svg)'; series=\(c.blocks.count); heading='\(c.heading)'"
      guard run(["gnuplot", "-e", settings, "plots/\(c.template).gp"]) else {
        throw SpecError(
          file: "plots/\(c.template).gp", line: nil, field: "(gnuplot)",
          message: "gnuplot failed on \(data); check the template")
      }
      written.append(svg)
      if png && run(["rsvg-convert", "-b", "white", "-o", "\(target)/\(c.template).png", svg]) {
        written.append("\(target)/\(c.template).png")
      }
    }
    let html = "\(target)/report.html"
    try AtomicFile.write(
      Data(PlotData.html(dirs: dirs, charts: charts.map(\.template)).utf8), to: html)
    return written + [html]
  }

  /// Runs a program found on PATH; true when it exits 0.
  static func run(_ arguments: [String]) -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
  }
}
