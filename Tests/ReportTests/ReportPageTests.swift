import Foundation
import Testing
import Workload

@testable import Report

/// report.html: the header (status, machine), the summary in Mops/s and µs with ratios against the
/// reference engine and the engines' own figures, fastest first; the built-in chart templates.
@Suite struct ReportPageTests {
  /// The package root (where plots/ is), from this file's path.
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  @Test func embeddedTemplatesEqualThePlotsFolder() throws {
    let folder = Self.root + "/plots"
    let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.hasSuffix(".gp")
    }
    #expect(Set(files) == Set(ChartTemplates.files.keys), "rerun scripts/embed-templates")
    for f in files {
      let text = try String(contentsOfFile: "\(folder)/\(f)", encoding: .utf8)
      #expect(ChartTemplates.files[f] == text, "plots/\(f) changed: rerun scripts/embed-templates")
    }
  }

  /// A results folder: run-phase `all` rows (engine, threads, ops/s per repeat, p99 ns) and a
  /// run.json with `status` and the art cell's own figures.
  func folder(
    _ rows: [(String, Int, [Double], Double)], status: String = "complete"
  ) throws -> ResultsFolder {
    let dir = NSTemporaryDirectory() + "tb-page-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var lines: [[String]] = []
    for (engine, threads, ops, p99) in rows {
      for (r, v) in ops.enumerated() {
        let values: [String: String] = [
          "workload": "w", "engine": engine, "variant": "default",
          "wrapper": engine == "art" ? "olc" : "none", "threads": String(threads),
          "repeat": String(r), "target": "", "placement": "unpinned/local", "phase": "run",
          "op": "all", "ops_per_sec": String(v), "p50_ns": "250", "p99_ns": String(p99),
          "p999_ns": "12345", "bytes_per_key": "40.0", "status": "complete",
        ]
        lines.append(Columns.summary.map { values[$0] ?? "7" })
      }
    }
    try CSV.render(header: Columns.summary, rows: lines).write(
      toFile: dir + "/summary.csv", atomically: true, encoding: .utf8)
    let record: [String: Any] = [
      "status": status, "workload": "ycsb-a", "started": "2026-12-02T10:00:00Z",
      "ended": "2026-12-02T10:01:00Z", "command": ["bench", "run", "x.yaml"],
      "spec": ["description": "YCSB A <update heavy>", "name": "ycsb-a"],
      "environment": [
        "cpuModel": "Test CPU 9000", "logicalCPUs": 2, "numaNodes": 1, "kernel": "6.1.0-test",
        "transparentHugePages": "always [madvise] never", "allocator": "jemalloc",
        "jemallocVersion": "5.3.0", "gitCommit": "abc123", "gitDirty": false,
      ],
      "cells": [
        [
          "engine": "art", "variant": "default", "wrapper": "olc", "threads": 1,
          "repeatIndex": 0, "height": 9,
          "details": ["restarts_per_1k_ops": 0.25, "key_compression_pct": 41.0],
        ]
      ],
    ]
    try JSONSerialization.data(withJSONObject: record).write(
      to: URL(fileURLWithPath: dir + "/run.json"))
    return try ResultsFolder(dir)
  }

  @Test func theSummaryReadsInUnitsWithRatiosFastestFirst() throws {
    let run = try folder([
      ("sortedmap", 1, [1_000_000, 1_100_000, 900_000], 2000),
      ("art", 1, [2_500_000, 2_000_000, 3_000_000], 1000),
      ("staged", 1, [1_500_000, 1_500_000, 1_500_000], 3000),
    ])
    let reference = try PlotData.reference(nil, runs: [run])
    #expect(reference == "sortedmap")
    let html = PlotData.html(runs: [run], charts: [], reference: reference)
    // Header: workload, escaped description, status badge, machine and commit.
    #expect(html.contains("<h1>ycsb-a</h1>") && html.contains("YCSB A &lt;update heavy&gt;"))
    #expect(
      html.contains("status-complete\">COMPLETE<") && html.contains("status: <b>complete</b>"))
    #expect(html.contains("Test CPU 9000 · 2 logical CPUs · 1 NUMA node"))
    #expect(html.contains("6.1.0-test") && html.contains("always [madvise] never"))
    #expect(html.contains("jemalloc 5.3.0") && html.contains("abc123"))
    // Mops/s medians with the min–max spread, ratios against sortedmap, µs latencies.
    #expect(html.contains("<td>2.50<br><span class=\"spread\">2.00–3.00</span></td>"))
    #expect(html.contains("<td class=\"ratio\">×2.50</td>"))
    #expect(html.contains("<td class=\"ratio\">×0.50</td>"))  // art's p99 against sortedmap's
    #expect(html.contains("<td>0.250</td>") && html.contains("<td>12.3</td>"))
    #expect(!html.contains("2500000"))
    // Fastest first: art, staged, sortedmap.
    let art = try #require(html.range(of: ">art/olc<"))
    let staged = try #require(html.range(of: ">staged<"))
    let sorted = try #require(html.range(of: ">sortedmap <span class=\"ref\">(reference)"))
    #expect(art.lowerBound < staged.lowerBound && staged.lowerBound < sorted.lowerBound)
    // The engine's own figures for its cell.
    #expect(html.contains("height 9 · compression 41 % · restarts/1k ops 0.25"))
    #expect(!html.contains("INCOMPLETE"))
  }

  @Test func aFailedRunIsShownProminently() throws {
    let run = try folder([("art", 1, [1e6], 1000)], status: "failed")
    let html = PlotData.html(runs: [run], charts: [], reference: nil)
    #expect(html.contains("<p class=\"incomplete\">INCOMPLETE: "))
    #expect(html.contains("status-failed\">FAILED<"))
    #expect(html.contains("No baseline engine in this run"))
  }

  @Test func anUnknownReferenceEngineIsAnErrorNamingTheEngines() throws {
    let run = try folder([("art", 1, [1e6], 1000), ("sortedmap", 1, [1e6], 1000)])
    do {
      _ = try PlotData.reference("btree", runs: [run])
      Issue.record("no error")
    } catch let e as SpecError {
      #expect(
        e.description
          == "--reference: btree: no run measured this engine; pick one of art, sortedmap")
    }
    #expect(try PlotData.reference("art", runs: [run]) == "art")
  }

  @Test func chartsAreInlinedAndTheirNotesShown() throws {
    let run = try folder([("art", 1, [1e6], 1000)])
    let chart = PlotData.Chart(
      template: "throughput", heading: "Throughput", blocks: [], notes: ["only 1 interval"])
    let html = PlotData.html(
      runs: [run], charts: [.init(chart: chart, svg: "<svg width=\"10\" height=\"10\"/>")],
      reference: nil)
    let uri =
      "data:image/svg+xml;base64,"
      + Data("<svg width=\"10\" height=\"10\"/>".utf8)
      .base64EncodedString()
    #expect(html.contains("<img src=\"\(uri)\""))
    #expect(html.contains("<p class=\"note\">only 1 interval</p>"))
    #expect(!html.contains(".svg\""))
  }

  /// A phase drawn with too few intervals says which interval would give 20 points.
  @Test func tooFewIntervalsGetANoteWithTheIntervalToUse() throws {
    let run = try folder([("art", 1, [1e6], 1000)])
    func series(_ n: Int, seconds: Double) throws -> [String] {
      let rows = (0..<n).map { i -> [String] in
        let values: [String: String] = [
          "workload": "w", "engine": "art", "variant": "default", "wrapper": "olc",
          "threads": "1", "repeat": "0", "target": "", "placement": "unpinned/local",
          "phase": "run",
          "interval": String(i), "seconds": String(Double(i + 1) * seconds / Double(n)),
          "ops_per_sec": "1000000",
        ]
        return Columns.timeseries.map { values[$0] ?? "0" }
      }
      try CSV.render(header: Columns.timeseries, rows: rows).write(
        toFile: run.directory + "/timeseries.csv", atomically: true, encoding: .utf8)
      // The summary row's seconds is what the note quotes.
      var lines = CSV.parse(
        try String(contentsOfFile: run.directory + "/summary.csv", encoding: .utf8))
      lines[1][Columns.summary.firstIndex(of: "seconds")!] = String(seconds)
      try CSV.render(header: lines[0], rows: Array(lines.dropFirst())).write(
        toFile: run.directory + "/summary.csv", atomically: true, encoding: .utf8)
      let chart = PlotData.charts([try ResultsFolder(run.directory)]).first {
        $0.template == "throughput"
      }
      #expect(chart?.blocks.first?.title == "art/olc, 1 thread")
      return chart?.notes ?? []
    }
    #expect(
      try series(3, seconds: 1.25) == [
        "a run phase has only 3 intervals (the shortest lasted 1.25 s); set interval: 0.06 in the workload for ≥ 20 points"
      ])
    #expect(try series(1, seconds: 0.1).first?.hasSuffix("run more operations") == true)
    #expect(try series(25, seconds: 1.25).isEmpty)
  }

  @Test func unitsAndLabels() {
    #expect(PlotData.mops(706_671.3) == "0.707" && PlotData.mops(3_129_687) == "3.13")
    #expect(PlotData.mops(12_345_678) == "12.3" && PlotData.micros(543) == "0.543")
    #expect(PlotData.micros(1_690) == "1.69" && PlotData.micros(35_000) == "35.0")
    let row = [
      "engine": "art", "variant": "default", "wrapper": "olc", "threads": "2",
      "placement": "unpinned/local", "target": "",
    ]
    #expect(PlotData.label(row) == "art/olc, 2 threads")
    var one = row
    (one["wrapper"], one["threads"]) = ("rwlock", "1")
    #expect(PlotData.label(one) == "art/rwlock, 1 thread")
    #expect(PlotData.label(one, threads: false) == "art")
  }
}
