import Foundation
import Workload

/// A results folder as `compare` and `plot` read it back: its strictly read `summary.csv` and how
/// the run ended (`run.json` `"status"`, and the rows' own `status` column).
public struct ResultsFolder: Sendable {
  /// The folder, and its summary.
  public var directory: String
  public var summary: SummaryFile
  /// `run.json`'s status; nil when the folder has no `run.json` (a bare summary.csv).
  public var status: RunStatus?

  /// Reads a results folder, or a `summary.csv` path (its `run.json` is looked for beside it).
  public init(_ path: String) throws {
    var isFolder: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
    let file =
      exists && !isFolder.boolValue
      ? path : (path as NSString).appendingPathComponent("summary.csv")
    directory = (file as NSString).deletingLastPathComponent
    guard FileManager.default.fileExists(atPath: file) else {
      throw SpecError(
        file: path, line: nil, field: "summary.csv",
        message:
          "not a results folder (no summary.csv); give one such as results/20261122-101500-ycsb-a")
    }
    summary = try SummaryFile(path: file)
    status = try Self.status(of: (directory as NSString).appendingPathComponent("run.json"))
  }

  /// `"status"` of a run.json; nil when there is no such file.
  static func status(of file: String) throws -> RunStatus? {
    guard FileManager.default.fileExists(atPath: file) else { return nil }
    func bad(_ message: String) -> SpecError {
      SpecError(file: file, line: nil, field: "status", message: message)
    }
    guard let data = FileManager.default.contents(atPath: file),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { throw bad("run.json is not readable JSON; restore the file bench run wrote") }
    guard let text = object["status"] as? String, let status = RunStatus(rawValue: text) else {
      throw bad(
        "missing or unknown (want complete, interrupted, failed or running); restore the file")
    }
    return status
  }

  /// Why this run is not a complete measurement (one line), or nil when it is.
  public var incomplete: String? {
    let partial = summary.interruptedRows
    let rows =
      partial > 0 ? "; \(partial) of its \(summary.rows.count) summary rows are partial" : ""
    switch status {
    case .complete?, nil:
      if partial > 0 { return "the run was interrupted\(rows)" }
      return summary.rows.isEmpty ? "the run has no results (summary.csv has no rows)" : nil
    case .interrupted?: return "the run was interrupted (run.json status \"interrupted\")\(rows)"
    case .failed?: return "the run failed (run.json status \"failed\")\(rows)"
    case .running?:
      return
        "the run never finished (run.json status \"running\": still going, or killed)\(rows)"
    }
  }
}
