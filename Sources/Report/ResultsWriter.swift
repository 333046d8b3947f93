import EngineKit
import Foundation
import Histogram
import Platform
import Runner
import Workload

/// How a run ended, as recorded in `run.json`.
public enum RunStatus: String, Codable, Sendable {
  case running, complete, interrupted, failed
}

/// Writes `results/<yyyymmdd-hhmmss>-<workload>/` cell by cell. Every file is replaced
/// atomically (temp + rename), so a crash or Ctrl-C loses at most the cell in flight. A run owns
/// its folder: the folder is new (or empty) and locked while the run writes to it.
public final class ResultsWriter {
  public let directory: String
  let spec: WorkloadSpec
  var record: RunRecord
  var summary: [[String]] = []
  var series: [[String]] = []
  var memory: [[String]] = []
  /// The open lock file (flock, exclusive); released when the process ends.
  let lock: Int32
  /// `ycsb.txt`: YCSB's text output, a section per cell and phase (see `YCSBText`).
  var ycsb = ""

  /// The lock file each run folder holds while a run writes to it.
  public static let lockName = ".bench.lock"

  /// Creates the run folder under `root`, or uses `directory` exactly when given (it must not
  /// exist, or be empty).
  public init(
    root: String = "results", directory: String? = nil, spec: WorkloadSpec,
    environment: EnvironmentInfo,
    timer: TimerRecord, command: [String]
  ) throws {
    let started = Date()
    let stamp: String = {
      let f = DateFormatter()
      f.dateFormat = "yyyyMMdd-HHmmss"
      f.timeZone = TimeZone(identifier: "UTC")
      return f.string(from: started)
    }()
    let safeName = String(
      spec.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    let dir: String
    if let directory {
      dir = directory
      _ = try Self.claim(dir, fresh: false)
    } else {
      var n = 1
      var candidate = "\(root)/\(stamp)-\(safeName)"
      while try !Self.claim(candidate, fresh: true) {
        n += 1
        candidate = "\(root)/\(stamp)-\(safeName)-\(n)"
      }
      dir = candidate
    }
    lock = open("\(dir)/\(Self.lockName)", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard lock >= 0 else { throw FileWriteError(dir + "/" + Self.lockName, errno: errno) }
    guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
      close(lock)
      throw RunFolderError(
        path: dir, reason: "another bench run is writing to it; give another --out")
    }
    // Checked again under the lock: a run that started at the same moment may have written.
    if directory != nil, try Self.hasContent(dir) {
      close(lock)
      throw RunFolderError(
        path: dir, reason: "it is not empty; give a new folder (a run owns its --out)")
    }
    self.directory = dir
    self.spec = spec
    try FileManager.default.createDirectory(
      atPath: "\(dir)/latency", withIntermediateDirectories: true)
    record = RunRecord(
      status: .running, workload: spec.name, file: spec.file, command: command, seed: spec.seed,
      started: ISO8601DateFormatter().string(from: started), ended: nil, failure: nil, spec: spec,
      environment: environment, timer: timer, cells: [])
    try flush()
  }

  deinit { close(lock) }

  /// Makes `dir` (and its parents); with `fresh`, returns false when it already exists;
  /// otherwise an existing folder must be empty.
  static func claim(_ dir: String, fresh: Bool) throws -> Bool {
    let parent = (dir as NSString).deletingLastPathComponent
    if !parent.isEmpty {
      do {
        try FileManager.default.createDirectory(
          atPath: parent, withIntermediateDirectories: true)
      } catch {
        throw RunFolderError(path: parent, reason: "cannot create it (\(Self.reason(error)))")
      }
    }
    if mkdir(dir, 0o755) == 0 { return true }
    let code = errno
    guard code == EEXIST else { throw FileWriteError(dir, errno: code) }
    if fresh { return false }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
      throw RunFolderError(path: dir, reason: "it exists and is not a folder; give a new folder")
    }
    if try hasContent(dir) {
      throw RunFolderError(
        path: dir, reason: "it is not empty; give a new folder (a run owns its --out)")
    }
    return true
  }

  /// Whether `dir` holds anything but the lock file.
  static func hasContent(_ dir: String) throws -> Bool {
    let items = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
    return items.contains { $0 != lockName }
  }

  static func reason(_ error: Error) -> String {
    if let e = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
      e.domain == NSPOSIXErrorDomain
    {
      return String(cString: strerror(Int32(e.code)))
    }
    return (error as NSError).localizedDescription
  }

  /// Adds a finished (or interrupted) cell: its latency distributions, summary and series rows.
  public func add(_ cell: CellResult) throws {
    for p in [cell.load, cell.run].compactMap({ $0 }) {
      var named = p.ops.map { ($0.key.name, $0.value) }
      named += p.intended.map { ("intended-\($0.key.name)", $0.value) }
      if let r = p.pacing { named.append(("pacing", r)) }
      for (name, r) in named {
        let base = "\(directory)/latency/\(cell.plan.slug)-\(p.phase.rawValue)-\(name)"
        try AtomicFile.write(HistogramText.hgrm(r.histogram), to: base + ".hgrm")
        try AtomicFile.write(HistogramText.csv(r.histogram), to: base + ".csv")
      }
    }
    summary += Rows.summary(cell, workload: spec.name)
    series += Rows.timeseries(cell, workload: spec.name)
    memory += Rows.memory(cell, workload: spec.name)
    ycsb += YCSBText.render(cell, workload: spec.name)
    record.cells.append(CellRecord(cell))
    try flush()
  }

  /// Marks the run finished with `status`.
  public func finish(_ status: RunStatus) throws {
    record.status = status
    record.ended = ISO8601DateFormatter().string(from: Date())
    try flush()
  }

  /// After a write failed: marks `run.json` failed where it can still be written, and says
  /// where the results stand. Never throws: the caller reports the original error.
  public func markFailed(_ reason: String) {
    record.status = .failed
    record.failure = reason
    record.ended = ISO8601DateFormatter().string(from: Date())
    try? AtomicFile.write(try Self.encode(record), to: "\(directory)/run.json")
  }

  static func encode(_ record: RunRecord) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(record)
  }

  /// Hands the process's signal handler `run.json` as it would read if a second Ctrl-C killed
  /// the run now (status interrupted), so even then the folder says what happened.
  func prepareKillImage() throws {
    var killed = record
    if killed.status == .running {
      killed.status = .interrupted
      killed.failure = "killed by a second interrupt; the cell in flight is lost"
    }
    let bytes = try Self.encode(killed)
    let path = "\(directory)/run.json"
    bytes.withUnsafeBytes {
      Interrupt.prepareKillImage(
        path: path, temporary: AtomicFile.temporaryPath(for: path) + "-kill", bytes: $0)
    }
  }

  func flush() throws {
    try AtomicFile.write(
      CSV.render(header: Columns.summary, rows: summary), to: "\(directory)/summary.csv")
    try AtomicFile.write(
      CSV.render(header: Columns.timeseries, rows: series), to: "\(directory)/timeseries.csv")
    try AtomicFile.write(
      CSV.render(header: Columns.memory, rows: memory), to: "\(directory)/memory.csv")
    try AtomicFile.write(ycsb, to: "\(directory)/ycsb.txt")
    try AtomicFile.write(try Self.encode(record), to: "\(directory)/run.json")
    try prepareKillImage()
  }
}

/// HdrHistogram percentile-distribution text (`.hgrm`, readable by HdrHistogram's plotter) and
/// its CSV form; values in nanoseconds.
public enum HistogramText {
  public static func hgrm(_ h: Histogram<UInt64>) -> String {
    var s = ""
    h.outputPercentileDistribution(
      to: &s, outputValueUnitScalingRatio: 1, percentileTicksPerHalfDistance: 5, format: .plainText)
    return s
  }

  public static func csv(_ h: Histogram<UInt64>) -> String {
    var s = ""
    h.outputPercentileDistribution(
      to: &s, outputValueUnitScalingRatio: 1, percentileTicksPerHalfDistance: 5, format: .csv)
    return s
  }
}

/// The timer that measured the run.
public struct TimerRecord: Codable, Sendable {
  public var source: String
  public var ticksPerNanosecond: Double
  public var overhead: TimerOverhead
  public init(_ timer: CycleTimer, overhead: TimerOverhead) {
    source = timer.source
    ticksPerNanosecond = timer.ticksPerNanosecond
    self.overhead = overhead
  }
}

/// `run.json`.
public struct RunRecord: Codable {
  public var status: RunStatus
  public var workload: String
  public var file: String
  public var command: [String]
  public var seed: UInt64
  public var started: String
  public var ended: String?
  /// Why the run failed or was killed, when it did.
  public var failure: String?
  public var spec: WorkloadSpec
  public var environment: EnvironmentInfo
  public var timer: TimerRecord
  public var cells: [CellRecord]
}

/// One cell in `run.json`: what ran and the engine's own structure figures.
public struct CellRecord: Codable {
  public var engine: String
  public var variant: String
  public var wrapper: String
  public var threads: Int
  public var repeatIndex: Int
  /// generated | pregenerated | trace (`CellPlan.opsSource`).
  public var opsSource: String
  /// Open loop: the offered rate and the rate achieved in the run phase, ops/s.
  public var target: Double?
  public var achieved: Double?
  /// The placement each run-phase client thread obtained (CPU, memory policy).
  public var placements: [ThreadPlacement]
  public var loadSeconds: Double?
  public var runSeconds: Double?
  public var interrupted: Bool
  public var keys: Int
  public var logicalBytes: Int?
  public var height: Int?
  public var details: [String: Double]
  /// The engine's knobs as it resolved them (defaults and presets applied), when it reports
  /// them; absent otherwise.
  public var knobs: [String: String]?

  init(_ c: CellResult) {
    engine = c.plan.engine.name
    variant = c.plan.variant
    wrapper = c.plan.wrapperLabel
    threads = c.plan.threads
    repeatIndex = c.plan.repeatIndex
    opsSource = c.plan.opsSource
    target = c.plan.target
    placements = (c.run ?? c.load)?.placements ?? []
    achieved = c.plan.target == nil ? nil : c.run?.throughput
    loadSeconds = c.load?.seconds
    runSeconds = c.run?.seconds
    interrupted = c.interrupted
    keys = c.engineStats.keys
    logicalBytes = c.engineStats.logicalBytes
    height = c.engineStats.height
    details = Dictionary(c.engineStats.details, uniquingKeysWith: { a, _ in a })
    let knobs = c.engineStats.knobs
    self.knobs = knobs.isEmpty ? nil : Dictionary(knobs, uniquingKeysWith: { a, _ in a })
  }
}

/// A results folder a run cannot own: one line naming it and the fix.
public struct RunFolderError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}
