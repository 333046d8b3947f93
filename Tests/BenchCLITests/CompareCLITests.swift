import Foundation
import Report
import Testing

@testable import BenchCLI

/// `bench compare` through the binary: 0 / 2 / 4 for no change / regression / improvements,
/// 3 with one line naming file, line and field for anything it cannot compare.
@Suite(.serialized) final class CompareCLITests {
  let scratchFolder = Scratch("cmp")
  var scratch: String { scratchFolder.path }

  /// A results folder `name` with three repeats of one run-phase cell per engine; `edit` changes
  /// a row's fields by column name.
  func folder(
    _ name: String, engines: [String] = ["art"], ops: Double = 100, p99: Double = 50,
    status: String = "complete", edit: (inout [String: String]) -> Void = { _ in }
  ) throws -> String {
    var rows: [[String]] = []
    for engine in engines {
      for r in 0..<3 {
        var v: [String: String] = [
          "workload": "w", "engine": engine, "variant": "default", "wrapper": "none",
          "threads": "1", "repeat": String(r), "target": "", "placement": "unpinned/local",
          "phase": "run", "op": "all", "ops_per_sec": String(ops + Double(r)),
          "p99_ns": String(p99 + Double(r)), "bytes_per_key": "40.0", "status": "complete",
        ]
        if r == 0 { edit(&v) }
        rows.append(Columns.summary.map { v[$0] ?? "7" })
      }
    }
    let dir = scratch + name
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try CSV.render(header: Columns.summary, rows: rows).write(
      toFile: dir + "/summary.csv", atomically: true, encoding: .utf8)
    try "{\"status\": \"\(status)\"}".write(
      toFile: dir + "/run.json", atomically: true, encoding: .utf8)
    return dir
  }

  func compare(_ arguments: String...) throws -> BenchProcess {
    try BenchProcess.run(["compare"] + arguments, scratch: scratch + "io")
  }

  @Test func verdictsKeepPackageBenchmarksCodes() throws {
    let base = try folder("base")
    #expect(try compare(base, try folder("same")).status == 0)
    let slower = try compare(base, try folder("slower", ops: 70))
    #expect(slower.status == 2 && slower.out.contains("REGRESSION: w art") && slower.err.isEmpty)
    let faster = try compare(base, try folder("faster", ops: 150, p99: 30))
    #expect(faster.status == 4 && faster.out.contains("IMPROVEMENT"))
  }

  /// Before: NaN exit 0 ("0 significant"), inf and negative exit 4 (improvement), a missing
  /// column dropped silently. Now each is exit 3 with one line naming file, line and column.
  @Test(arguments: [
    ("ops_per_sec", "NaN", 2), ("p99_ns", "inf", 2), ("p99_ns", "-3", 2), ("ops_per_sec", "", 2),
    ("p50_ns", "fast", 2), ("bytes_per_key", "-1", 2),
  ])
  func aCorruptCandidateIsABrokenComparison(column: String, value: String, line: Int) throws {
    let base = try folder("base")
    let bad = try folder("bad-\(column)") { $0[column] = value }
    let r = try compare(base, bad)
    #expect(r.status == 3 && r.err.hasPrefix("bench: error: ") && r.out.isEmpty)
    #expect(
      r.err.contains("\(bad)/summary.csv:\(line): \(column): ") && r.errLines.count == 1, "\(r.err)"
    )
    // A corrupt baseline is the same error.
    #expect(try compare(bad, base).status == 3)
  }

  @Test func aMissingColumnIsABrokenComparison() throws {
    let base = try folder("base")
    let cut = scratch + "cut"
    try FileManager.default.createDirectory(atPath: cut, withIntermediateDirectories: true)
    let text = try String(contentsOfFile: base + "/summary.csv", encoding: .utf8)
    let rows = CSV.parse(text)
    let i = Columns.summary.firstIndex(of: "ops_per_sec")!
    let without = rows.map { r in r.enumerated().filter { $0.offset != i }.map(\.element) }
    try CSV.render(header: without[0], rows: Array(without.dropFirst())).write(
      toFile: cut + "/summary.csv", atomically: true, encoding: .utf8)
    let r = try compare(base, cut)
    #expect(r.status == 3 && r.err.contains("\(cut)/summary.csv:1: ops_per_sec: missing column"))
  }

  @Test func cellsOnOneSideAreListedAndNeedAllowPartial() throws {
    let base = try folder("base", engines: ["art", "sortedmap"])
    let cand = try folder("cand")
    let r = try compare(base, cand)
    #expect(r.status == 3 && r.out.contains("ONLY IN THE BASELINE: w sortedmap"))
    #expect(r.errLines.count == 1 && r.err.contains("--allow-partial"))
    let allowed = try compare(base, cand, "--allow-partial", "--format", "markdown")
    #expect(allowed.status == 0 && allowed.out.contains("**only in the baseline**"))
    #expect(allowed.err.hasPrefix("bench: warning: ") && allowed.err.contains("not compared"))
  }

  @Test(arguments: ["interrupted", "failed", "running"])
  func anUnfinishedRunIsRefusedUnlessAllowed(status: String) throws {
    let base = try folder("base")
    let cand = try folder("cand-\(status)", status: status)
    let r = try compare(base, cand)
    #expect(r.status == 3 && r.errLines.count == 1)
    #expect(r.err.contains("\(cand): status: ") && r.err.contains(status))
    #expect(r.err.contains("--allow-partial") && r.out.isEmpty)
    let allowed = try compare(base, cand, "--allow-partial")
    #expect(allowed.status == 0 && allowed.err.contains("warning") && allowed.err.contains(status))
  }

  @Test func aCRLFSummaryCompares() throws {
    let base = try folder("base")
    let cand = try folder("crlf", ops: 70)
    let text = try String(contentsOfFile: cand + "/summary.csv", encoding: .utf8)
    try text.replacingOccurrences(of: "\n", with: "\r\n").write(
      toFile: cand + "/summary.csv", atomically: true, encoding: .utf8)
    let r = try compare(base, cand + "/summary.csv")
    #expect(r.status == 2 && r.out.contains("REGRESSION") && !r.out.contains("ONLY IN"))
  }

  @Test func inputAndUsageErrorsExitThree() throws {
    let base = try folder("base")
    #expect(try compare(base, scratch + "missing").status == 3)
    #expect(try compare(base, base, "--threshold", "fast").status == 3)
    #expect(try compare(base, base, "--threshold", "").status == 3)
    #expect(try compare(base, base, "--threshold", "inf").status == 3)
    #expect(try compare(base, base, "--no-such-flag").status == 3)
    #expect(try compare(base).status == 3)
    #expect(try compare(base, base, "--normalize-by", "hashmap").status == 3)
    // Other commands keep 2 for bad input.
    #expect(
      try BenchProcess.run(["plot", scratch + "missing"], scratch: scratch + "io").status == 2)
  }

  @Test func helpAndReadmeShowTheExitStatusTable() throws {
    let help = try compare("--help")
    #expect(help.status == 0)
    for s in [ExitStatus.ok, .regression, .compareFailed, .improvements] {
      #expect(help.out.contains("\(s.code)  "), "\(s)")
    }
    #expect(help.out.contains("compare could not compare"))
    let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
    for s in ExitStatus.allCases {
      #expect(readme.contains("\(s.code) \(s.meaning)"), "README lacks: \(s.code) \(s.meaning)")
    }
  }
}
