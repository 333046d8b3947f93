import Foundation
import Workload

/// A `summary.csv` read strictly, for `compare` and `plot`: every row has the header's fields,
/// every figure is a finite, non-negative number, and no cell and repeat appears twice. Anything
/// else is a `SpecError` naming the file, line and column, never a silently skipped row.
public struct SummaryFile: Sendable {
  public struct Row: Sendable {
    /// The line the row starts on (1 is the header).
    public var line: Int
    public var fields: [String: String]
    public subscript(_ column: String) -> String { fields[column] ?? "" }
  }

  public var path: String
  public var columns: [String]
  public var rows: [Row]

  /// Columns `compare` and `plot` cannot do without.
  public static let required = Compare.identity + ["repeat"] + Compare.metrics.map(\.column)
  /// Figures that are always written.
  static let numbers = [
    "threads", "repeat", "count", "errors", "seconds", "ops_per_sec", "mean_ns", "p50_ns",
    "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns", "keys", "allocated_bytes",
    "resident_bytes",
  ]
  /// Figures that are empty where they do not apply (closed loop; no keys).
  static let optionalNumbers = ["target", "bytes_per_key", "logical_bytes_per_key"]
  static let statuses = ["complete", "interrupted"]

  /// Reads `path` (a `summary.csv`).
  public init(path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SpecError(
        file: path, line: nil, field: "(file)",
        message: "cannot read it; give a results folder such as results/20261122-101500-ycsb-a")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw SpecError(
        file: path, line: nil, field: "(file)",
        message: "is not UTF-8 text; restore the summary.csv that bench run wrote")
    }
    try self.init(text: text, path: path)
  }

  public init(text: String, path: String) throws {
    self.path = path
    func bad(_ line: Int?, _ field: String, _ message: String) -> SpecError {
      SpecError(file: path, line: line, field: field, message: message)
    }
    // Blank lines (a trailing one from an editor) carry nothing.
    let lines = CSV.lines(text).filter { $0.fields != [""] }
    guard let header = lines.first else {
      throw bad(nil, "(header)", "is empty; rerun the benchmark or restore the file")
    }
    let columns = header.fields
    if let twice = Dictionary(grouping: columns, by: { $0 }).first(where: { $0.value.count > 1 }) {
      throw bad(1, twice.key, "the column appears twice; restore the header bench run wrote")
    }
    let missing = Self.required.filter { !columns.contains($0) }
    guard missing.isEmpty else {
      throw bad(
        1, missing.joined(separator: ", "),
        "missing column\(missing.count > 1 ? "s" : ""); this is not a TreeBench summary.csv, or it was edited — rerun or restore it"
      )
    }
    var seen: [String: Int] = [:]
    var rows: [Row] = []
    for (line, fields) in lines.dropFirst() {
      guard fields.count == columns.count else {
        throw bad(
          line, "(row)",
          "has \(fields.count) fields where the header has \(columns.count); the file was cut or edited — rerun or restore it"
        )
      }
      let row = Row(line: line, fields: Dictionary(uniqueKeysWithValues: zip(columns, fields)))
      for column in Self.numbers + Self.optionalNumbers where columns.contains(column) {
        let text = row[column]
        if text.isEmpty && Self.optionalNumbers.contains(column) { continue }
        guard !text.isEmpty else {
          throw bad(line, column, "is empty; every row needs a number here — rerun or restore it")
        }
        guard let v = Double(text), v.isFinite, v >= 0 else {
          throw bad(
            line, column,
            "'\(text)' is not a finite, non-negative number; rerun the benchmark or restore the file"
          )
        }
        if (column == "threads" || column == "repeat") && v != v.rounded() {
          throw bad(line, column, "'\(text)' is not a whole number; restore the file")
        }
      }
      if columns.contains("status") && !Self.statuses.contains(row["status"]) {
        throw bad(
          line, "status", "'\(row["status"])' is neither complete nor interrupted; restore the file"
        )
      }
      let key = (Compare.identity + ["repeat"]).map { row[$0] }.joined(separator: "\u{1F}")
      if let first = seen[key] {
        throw bad(
          line, "(row)",
          "repeats the cell and repeat of line \(first); two runs were mixed — compare whole runs"
        )
      }
      seen[key] = line
      rows.append(row)
    }
    self.columns = columns
    self.rows = rows
  }

  /// A figure of `row`: nil when the column is absent or (for an optional figure) empty.
  /// The initializer has checked that it parses.
  public func number(_ row: Row, _ column: String) -> Double? { Double(row[column]) }

  /// How many rows are marked interrupted.
  public var interruptedRows: Int { rows.filter { $0["status"] == "interrupted" }.count }
}
