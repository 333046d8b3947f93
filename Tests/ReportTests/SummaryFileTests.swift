import Foundation
import Testing
import Workload

@testable import Report

/// The strict summary.csv reader: every bad figure, column or row is an error naming the file,
/// line and column; CRLF and a byte-order mark read like LF.
@Suite struct SummaryFileTests {
  /// A two-repeat summary with `column` of the first row set to `value`.
  func with(_ column: String, _ value: String) -> String {
    var rows = CSV.parse(summary(ops: [100, 101], p99: [50, 51]))
    rows[1][Columns.summary.firstIndex(of: column)!] = value
    return CSV.render(header: rows[0], rows: Array(rows.dropFirst()))
  }

  func error(_ text: String) -> SpecError? {
    do {
      _ = try SummaryFile(text: text, path: "cand.csv")
      return nil
    } catch {
      return error as? SpecError
    }
  }

  @Test(arguments: [
    ("ops_per_sec", "NaN"), ("ops_per_sec", "nan"), ("ops_per_sec", "inf"), ("p99_ns", "-5"),
    ("p50_ns", "12ms"), ("p99_ns", ""), ("bytes_per_key", "-1"), ("p999_ns", "1e400"),
    ("threads", "1.5"), ("status", "running"),
  ])
  func aBadFigureNamesFileLineAndColumn(column: String, value: String) throws {
    let e = try #require(error(with(column, value)))
    #expect(e.file == "cand.csv" && e.line == 2 && e.field == column, "\(e)")
    #expect(e.description.hasPrefix("cand.csv:2: \(column): "))
  }

  @Test func optionalFiguresMayBeEmpty() throws {
    let file = try SummaryFile(text: with("bytes_per_key", ""), path: "cand.csv")
    #expect(file.rows.count == 2 && file.number(file.rows[0], "bytes_per_key") == nil)
    #expect(file.number(file.rows[1], "bytes_per_key") == 40)
  }

  @Test func aMissingColumnIsNamed() throws {
    let rows = CSV.parse(summary(ops: [100], p99: [50]))
    let i = Columns.summary.firstIndex(of: "p99_ns")!
    let cut = rows.map { r in r.enumerated().filter { $0.offset != i }.map(\.element) }
    let e = try #require(error(CSV.render(header: cut[0], rows: Array(cut.dropFirst()))))
    #expect(e.line == 1 && e.field == "p99_ns" && e.message.contains("missing column"))
  }

  @Test func aCutRowIsAnError() throws {
    let text = summary(ops: [100, 101, 102], p99: [50, 51, 52])
    var lines = text.split(separator: "\n").map(String.init)
    lines[2] = String(lines[2][..<lines[2].lastIndex(of: ",")!])
    let e = try #require(error(lines.joined(separator: "\n") + "\n"))
    #expect(e.line == 3 && e.field == "(row)" && e.message.contains("fields"))
  }

  @Test func aRepeatedCellAndRepeatIsAnError() throws {
    let text = summary(ops: [100], p99: [50])
    let row = text.split(separator: "\n")[1]
    let e = try #require(error(text + row + "\n"))
    #expect(e.line == 3 && e.message.contains("line 2"))
  }

  @Test func anEmptyFileIsAnError() {
    #expect(error("")?.field == "(header)")
    #expect(error("\n\n")?.field == "(header)")
  }

  @Test func crlfAndAByteOrderMarkReadLikeLF() throws {
    let text = summary(ops: [100, 101], p99: [50, 51])
    let lf = try SummaryFile(text: text, path: "a.csv")
    for variant in [
      text.replacingOccurrences(of: "\n", with: "\r\n"), "\u{FEFF}" + text,
      "\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n",
    ] {
      let other = try SummaryFile(text: variant, path: "b.csv")
      #expect(other.columns == lf.columns)
      #expect(other.rows.map(\.fields) == lf.rows.map(\.fields))
      #expect(other.rows.map(\.line) == [2, 3])
    }
  }

  @Test func quotedLineBreaksKeepLineNumbers() {
    let rows = CSV.lines("a,b\r\n\"x\ny\",1\n2,3\n")
    #expect(rows.map(\.line) == [1, 2, 4] && rows[1].fields == ["x\ny", "1"])
  }
}

/// How a results folder says its run ended.
@Suite struct ResultsFolderTests {
  func folder(status: String?, rows: String) throws -> ResultsFolder {
    let dir = NSTemporaryDirectory() + "tb-folder-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try rows.write(toFile: dir + "/summary.csv", atomically: true, encoding: .utf8)
    if let s = status {
      try "{\"status\": \"\(s)\", \"cells\": []}".write(
        toFile: dir + "/run.json", atomically: true, encoding: .utf8)
    }
    return try ResultsFolder(dir)
  }

  @Test func runJsonStatusDecidesWhetherTheRunIsComplete() throws {
    let rows = summary(ops: [100], p99: [50])
    #expect(try folder(status: "complete", rows: rows).incomplete == nil)
    #expect(try folder(status: nil, rows: rows).incomplete == nil)
    #expect(
      try folder(status: "interrupted", rows: rows).incomplete?.contains("interrupted") == true)
    #expect(try folder(status: "failed", rows: rows).incomplete?.contains("failed") == true)
    #expect(
      try folder(status: "running", rows: rows).incomplete?.contains("never finished") == true)
    let partial = rows.replacingOccurrences(of: ",complete,", with: ",interrupted,")
    #expect(try folder(status: nil, rows: partial).incomplete?.contains("1 of its 1") == true)
    let empty = CSV.render(header: Columns.summary, rows: [])
    #expect(try folder(status: "complete", rows: empty).incomplete?.contains("no rows") == true)
  }

  @Test func aBrokenRunJsonIsAnError() {
    #expect(throws: SpecError.self) {
      try folder(status: "paused", rows: summary(ops: [1], p99: [1]))
    }
    #expect(throws: SpecError.self) {
      try folder(status: "x\"{", rows: summary(ops: [1], p99: [1]))
    }
  }
}
