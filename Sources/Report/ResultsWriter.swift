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
/// atomically (temp + rename), so a crash or Ctrl-C loses at most the cell in flight.
public final class ResultsWriter {
  public let directory: String
  let spec: WorkloadSpec
  var record: RunRecord
  var summary: [[String]] = []
  var series: [[String]] = []
  var memory: [[String]] = []

  /// Creates the run folder under `root` (or uses `directory` exactly when given).
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
    var dir = directory ?? "\(root)/\(stamp)-\(safeName)"
    if directory == nil {
      var n = 1
      while FileManager.default.fileExists(atPath: dir) {
        n += 1
        dir = "\(root)/\(stamp)-\(safeName)-\(n)"
      }
    }
    self.directory = dir
    self.spec = spec
    try FileManager.default.createDirectory(
      atPath: "\(dir)/latency", withIntermediateDirectories: true)
    record = RunRecord(
      status: .running, workload: spec.name, file: spec.file, command: command, seed: spec.seed,
      started: ISO8601DateFormatter().string(from: started), ended: nil, spec: spec,
      environment: environment, timer: timer, cells: [])
    try flush()
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
    record.cells.append(CellRecord(cell))
    try flush()
  }

  /// Marks the run finished with `status`.
  public func finish(_ status: RunStatus) throws {
    record.status = status
    record.ended = ISO8601DateFormatter().string(from: Date())
    try flush()
  }

  func flush() throws {
    try AtomicFile.write(
      CSV.render(header: Columns.summary, rows: summary), to: "\(directory)/summary.csv")
    try AtomicFile.write(
      CSV.render(header: Columns.timeseries, rows: series), to: "\(directory)/timeseries.csv")
    try AtomicFile.write(
      CSV.render(header: Columns.memory, rows: memory), to: "\(directory)/memory.csv")
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try AtomicFile.write(try encoder.encode(record), to: "\(directory)/run.json")
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
