import EngineKit
import Histogram
import Platform
import Workload

/// One cell of the run matrix: an engine variant × thread count × repeat, fully resolved.
public struct CellPlan: Sendable {
  public var spec: WorkloadSpec
  public var engine: EngineChoice
  public var wrapper: ConcurrencyMode
  public var threads: Int
  public var repeatIndex: Int
  /// 1-based position and total, for progress.
  public var index: Int
  public var total: Int
  /// When set, operations come from this trace instead of the generator.
  public var trace: TraceTape?
  /// The run phase's open-loop rate (ops/s over all threads), or nil for a closed loop.
  public var target: Double? = nil
  /// Where client threads run (one entry of the spec's placement sweep).
  public var placement = Placement()

  public init(
    spec: WorkloadSpec, engine: EngineChoice, wrapper: ConcurrencyMode, threads: Int,
    repeatIndex: Int, index: Int, total: Int, trace: TraceTape? = nil, target: Double? = nil,
    placement: Placement = Placement()
  ) {
    self.target = target
    self.placement = placement
    self.spec = spec
    self.engine = engine
    self.wrapper = wrapper
    self.threads = threads
    self.repeatIndex = repeatIndex
    self.index = index
    self.total = total
    self.trace = trace
  }

  /// The engine's options as written, with the workload's key shape (traces replay as bytes).
  public var engineOptions: EngineOptions {
    EngineOptions(engine.options, keyKind: trace == nil ? spec.keyShape.kind : .bytes)
  }

  /// The options an engine that runs unwrapped is built with: its own knobs, plus
  /// `concurrency: olc` when it synchronises itself.
  public var nativeOptions: EngineOptions {
    var o = EngineDescriptor.engineOnly(engineOptions)
    if wrapper == .olc { o.values["concurrency"] = ConcurrencyMode.olc.rawValue }
    return o
  }

  /// The variant label: the engine's options as `k=v,…`, or `default`.
  public var variant: String {
    EngineOptions(EngineDescriptor.engineOnly(EngineOptions(engine.options)).values).label
  }

  /// The concurrency mode as results name it: `none`, `rwlock`, `olc`, or `partitioned(N)`.
  /// Where the cell's operations come from: generated as they run, pregenerated into memory
  /// before the timer starts, or replayed from a trace.
  public var opsSource: String {
    trace != nil ? "trace" : spec.pregenerate ? "pregenerated" : "generated"
  }

  public var wrapperLabel: String {
    guard wrapper == .partitioned else { return wrapper.rawValue }
    return
      "partitioned(\((try? EngineOptions(engine.options).integer("partitions", default: 8)) ?? 8))"
  }

  /// How messages name the cell: `engine variant[/wrapper] t=threads`.
  public var label: String {
    "\(engine.name) \(variant)\(wrapper == .none ? "" : "/\(wrapperLabel)") t=\(threads)"
  }

  /// A file-name-safe identifier, e.g. `sortedmap-default-t2-r0`.
  public var slug: String {
    let raw =
      "\(engine.name)-\(variant)-\(wrapper == .none ? "" : "\(wrapperLabel)-")t\(threads)-r\(repeatIndex)\(target.map { "-target\(Int($0))" } ?? "")\(placement == Placement() ? "" : "-" + placement.label)"
    return String(
      raw.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
  }
}

/// Latency and outcome counts of one operation type in one phase.
public struct OpResult: Sendable {
  public var count: UInt64
  public var errors: UInt64
  /// Service time in nanoseconds.
  public var histogram: Histogram<UInt64>

  public init(count: UInt64, errors: UInt64, histogram: Histogram<UInt64>) {
    self.count = count
    self.errors = errors
    self.histogram = histogram
  }
}

/// Throughput, latency and memory over one time-series interval.
public struct IntervalSample: Sendable {
  public var index: Int
  /// End of the interval, seconds since the phase started.
  public var seconds: Double
  public var ops: UInt64
  public var histogram: Histogram<UInt64>
  public var allocated: UInt64
  public var resident: UInt64
}

/// Everything measured in one phase of one cell.
public struct PhaseResult: Sendable {
  public var phase: Phase
  public var threads: Int
  public var seconds: Double
  public var ops: [OpKind: OpResult]
  public var intervals: [IntervalSample]
  public var memoryBefore: AllocatorSnapshot
  public var memoryAfter: AllocatorSnapshot
  /// Live keys in the engine when the phase ended (set by the cell runner from `stats`).
  public var keys: Int
  /// Entries returned by scans.
  public var scannedEntries: UInt64
  public var interrupted: Bool
  /// Open loop: response time from each op's intended start, per op type, and how late ops were
  /// issued (the pacing error).
  public var intended: [OpKind: OpResult] = [:]
  public var pacing: OpResult? = nil
  /// Where each client thread ran and its memory policy, as the thread itself observed them.
  public var placements: [ThreadPlacement] = []

  public var totalOps: UInt64 { ops.values.reduce(0) { $0 + $1.count } }
  public var throughput: Double { seconds > 0 ? Double(totalOps) / seconds : 0 }
}

/// The outcome of one cell.
public struct CellResult: Sendable {
  public var plan: CellPlan
  public var load: PhaseResult?
  public var run: PhaseResult?
  public var engineStats: EngineStats

  @inlinable
  public init(plan: CellPlan, load: PhaseResult?, run: PhaseResult?, engineStats: EngineStats) {
    self.plan = plan
    self.load = load
    self.run = run
    self.engineStats = engineStats
  }

  public var interrupted: Bool { (load?.interrupted ?? false) || (run?.interrupted ?? false) }
}

/// Histogram shapes shared by every recorder, so per-thread histograms merge with `add`.
public enum Histograms {
  /// 1 ns … 1 h, 3 significant digits (grows if something takes longer).
  public static func latency() -> Histogram<UInt64> {
    var h = Histogram<UInt64>(
      lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000,
      numberOfSignificantValueDigits: .three)
    h.autoResize = true
    return h
  }

  /// Per-interval histograms: 2 significant digits keeps copies small.
  public static func interval() -> Histogram<UInt64> {
    var h = Histogram<UInt64>(
      lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000,
      numberOfSignificantValueDigits: .two)
    h.autoResize = true
    return h
  }
}
