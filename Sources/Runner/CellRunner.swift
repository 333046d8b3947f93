import EngineKit
import Platform
import Workload

/// Runs the load and run phases of one cell on a concrete engine type.
public enum CellRunner {
  /// Measures `plan` on an engine built by `make`. `@inlinable` so the client loop is
  /// specialised for `E` where the engine is registered.
  @inlinable
  public static func run<E: IndexEngine>(
    _ make: () throws -> E, plan: CellPlan, context: RunContext
  ) throws -> CellResult {
    let spec = plan.spec
    let label =
      "[\(plan.index)/\(plan.total)] \(plan.label)"
      + (plan.target.map { " target=\(Int($0))/s" } ?? "")
    var (loadStreams, runStreams) = streams(plan)
    // `load: bulk`: the sorted records exist before the engine (and stay until the cell ends),
    // so the allocator figures count the engine alone; one client hands them over in one call.
    let sorted = spec.bulkLoad && plan.trace == nil ? PackedEntries(loadPhaseOf: spec) : nil
    if sorted != nil { loadStreams = Array(loadStreams.prefix(1)) }
    let loadStates = PhaseRunner.ThreadStates(loadStreams)
    let runStates = PhaseRunner.ThreadStates(runStreams, openLoop: plan.target != nil)
    Allocator.flushThreadCache()
    let memoryBefore = Allocator.snapshot()
    let engine = try make()
    nonisolated(unsafe) let shared = engine
    let body: ClientBody = { state, task in
      ClientLoop.run(shared, state: &state, task: task, timer: context.timer)
    }
    func placement(_ threads: Int) -> PlacementPlan? {
      try? PlacementPlan(plan.placement, threads: threads, topology: .machine)
    }
    let bulkBody: ClientBody = { state, task in
      let timer = context.timer
      let t0 = timer.now()
      let loaded = shared.bulkLoad(sorted!)
      let t1 = timer.now()
      state.recorder.recordBatch(
        .insert, count: UInt64(sorted!.count), failed: UInt64(sorted!.count - loaded),
        nanoseconds: timer.nanoseconds(t1 &- t0), at: t1)
      task.progress.store(task.slot, UInt64(sorted!.count))
      return false
    }
    let loadSettings = PhaseSettings(
      phase: .load, label: label, operations: loadStreams.map { _ in .max },
      interval: spec.interval, sampleEvery: spec.latencySampling,
      placement: placement(loadStreams.count))
    var load = PhaseRunner.measure(
      loadSettings, states: loadStates, context: context, body: sorted == nil ? body : bulkBody)
    load.memoryBefore = memoryBefore
    // Between-phase maintenance (no client is running), then the stats: they may walk the
    // whole structure, so they are taken once per phase.
    engine.phaseEnded()
    let loaded = engine.stats
    load.keys = loaded.keys
    var result = CellResult(plan: plan, load: load, run: nil, engineStats: loaded)
    guard !load.interrupted, !runStreams.isEmpty else { return result }
    let n = runStreams.count
    let operations =
      plan.trace != nil || spec.operations == nil
      ? Array(repeating: .max, count: n) : ThreadSplit.budgets(spec.operations!, threads: n)
    let runSettings = PhaseSettings(
      phase: .run, label: label, operations: operations,
      duration: plan.trace == nil ? spec.duration : nil,
      warmup: plan.trace == nil ? spec.warmup : .none, interval: spec.interval,
      target: plan.target, sampleEvery: spec.latencySampling, placement: placement(n))
    result.run = PhaseRunner.measure(runSettings, states: runStates, context: context, body: body)
    engine.phaseEnded()
    result.engineStats = engine.stats
    result.run?.keys = result.engineStats.keys
    withExtendedLifetime(sorted) {}
    return result
  }

  /// Load and run streams of a cell: generated from the spec, replayed from its trace, or
  /// (`pregenerate`) generated into memory now and replayed from there.
  public static func streams(_ plan: CellPlan) -> (load: [OperationStream], run: [OperationStream])
  {
    let spec = plan.spec
    if let tape = plan.trace {
      return (
        tape.load.enumerated().map {
          OperationStream(replaying: $1, spec: spec, phase: .load, thread: $0)
        },
        tape.run.enumerated().map {
          OperationStream(replaying: $1, spec: spec, phase: .run, thread: $0)
        }
      )
    }
    var load = (0..<spec.loadThreads).map {
      OperationStream(spec: spec, phase: .load, thread: $0, threads: spec.loadThreads)
    }
    let hasRun = (spec.operations ?? 1) > 0 || spec.duration != nil
    var run =
      hasRun
      ? (0..<plan.threads).map {
        OperationStream(spec: spec, phase: .run, thread: $0, threads: plan.threads)
      } : []
    if spec.pregenerate {
      let keyLength = spec.keyShape.maximumLength
      var warm = 0
      if case .operations(let w) = spec.warmup { warm = w }
      if !spec.bulkLoad {
        load = load.indices.map { t in
          let n = ThreadSplit.part(of: spec.loadRange, thread: t, threads: load.count).count
          let section = TraceTape.Section(pregenerating: n, of: &load[t], keyLength: keyLength)
          return OperationStream(replaying: section, spec: spec, phase: .load, thread: t)
        }
      }
      run = run.indices.map { t in
        let n =
          ThreadSplit.share(of: warm, thread: t, threads: run.count)
          + ThreadSplit.share(of: spec.operations ?? 0, thread: t, threads: run.count)
        let section = TraceTape.Section(pregenerating: n, of: &run[t], keyLength: keyLength)
        return OperationStream(replaying: section, spec: spec, phase: .run, thread: t)
      }
    }
    return (load, run)
  }
}

/// A registered engine: its descriptor plus entry points specialised for its concrete type
/// (and for each concurrency wrapper around it).
public struct EngineEntry: Sendable {
  public let descriptor: EngineDescriptor
  let measure: @Sendable (CellPlan, RunContext) throws -> CellResult
  let verify: @Sendable (CellPlan, Bool) throws -> VerifyReport

  /// Registers `E`. Call it where `E` is concrete (e.g. `EngineEntry(MyEngine.self)`) so the
  /// compiler specialises the measured loop for it.
  @inlinable
  public init<E: IndexEngine>(_: E.Type) {
    self.init(
      descriptor: E.descriptor,
      measure: { plan, context in
        try plan.visit(E.self, CellMeasurement(plan: plan, context: context))
      },
      verify: { plan, checkEveryOp in
        try plan.visit(
          E.self, CellVerification(plan: plan, checkInvariantsEvery: checkEveryOp ? 1 : 0))
      })
  }

  @usableFromInline
  init(
    descriptor: EngineDescriptor,
    measure: @escaping @Sendable (CellPlan, RunContext) throws -> CellResult,
    verify: @escaping @Sendable (CellPlan, Bool) throws -> VerifyReport
  ) {
    self.descriptor = descriptor
    self.measure = measure
    self.verify = verify
  }

  /// Measures one cell.
  public func measure(_ plan: CellPlan, context: RunContext) throws -> CellResult {
    try measure(plan, context)
  }

  /// Checks every operation of a cell's streams against the reference model.
  public func verify(_ plan: CellPlan) throws -> VerifyReport { try verify(plan, false) }
}
