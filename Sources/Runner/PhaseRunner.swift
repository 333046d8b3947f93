import EngineKit
import Foundation
import Platform
import Synchronization
import Workload

/// What every cell of a run shares: the timer and the progress line.
public struct RunContext: Sendable {
  public var timer: CycleTimer
  public var progress: ProgressReporter
  public init(timer: CycleTimer, progress: ProgressReporter) {
    self.timer = timer
    self.progress = progress
  }
}

/// One client thread's state across the passes of a phase (warm-up, then measured): where its
/// operations come from, what it has recorded and the buffer reads copy into.
public struct ClientState {
  public var stream: OperationStream
  public var recorder: Recorder
  public var value: ValueBuffer

  public init(stream: OperationStream, recorder: Recorder, value: ValueBuffer = ValueBuffer()) {
    self.stream = stream
    self.recorder = recorder
    self.value = value
  }
}

/// What one client thread is asked to do in one pass: when to stop, whether its ops count, and
/// where it reports progress (`slot` of `progress`, its thread index).
public struct ClientTask: Sendable {
  public var stop: StopRule
  public var recording: Bool
  public var progress: SharedCounters
  public var slot: Int

  public init(stop: StopRule, recording: Bool, progress: SharedCounters, slot: Int) {
    self.stop = stop
    self.recording = recording
    self.progress = progress
    self.slot = slot
  }
}

/// The thread body of a phase: runs `state.stream` into `state.recorder` as `task` says; returns
/// true when interrupted. Built by `CellRunner` around the specialised `ClientLoop`.
public typealias ClientBody = @Sendable (_ state: inout ClientState, _ task: ClientTask) -> Bool

/// How one phase runs: its op budgets or duration, warm-up, sampling, pacing and placement.
public struct PhaseSettings: Sendable {
  public var phase: Phase
  /// The cell's label on the progress line.
  public var label: String
  /// Per thread, the op budget of the measured pass (`.max`: until the stream ends or the
  /// duration passes).
  public var operations: [UInt64]
  public var duration: Double?
  public var warmup: Warmup
  /// Seconds per interval sample.
  public var interval: Double
  /// The open-loop rate over all threads, or nil for a closed loop.
  public var target: Double?
  /// Time one op in this many.
  public var sampleEvery: Int
  public var placement: PlacementPlan?

  public init(
    phase: Phase, label: String, operations: [UInt64], duration: Double? = nil,
    warmup: Warmup = .none, interval: Double, target: Double? = nil, sampleEvery: Int = 1,
    placement: PlacementPlan? = nil
  ) {
    self.phase = phase
    self.label = label
    self.operations = operations
    self.duration = duration
    self.warmup = warmup
    self.interval = interval
    self.target = target
    self.sampleEvery = sampleEvery
    self.placement = placement
  }

  /// The warm-up pass, or nil without one: unrecorded, with its own budgets or duration.
  var warmupPass: PhaseRunner.Pass? {
    let n = operations.count
    switch warmup {
    case .none: return nil
    case .operations(let w):
      return PhaseRunner.Pass(
        name: "warm-up", label: "\(label) warm-up", operations: ThreadSplit.budgets(w, threads: n),
        duration: nil, recording: false, sampleEvery: 1)
    case .seconds(let s):
      return PhaseRunner.Pass(
        name: "warm-up", label: "\(label) warm-up", operations: Array(repeating: .max, count: n),
        duration: s, recording: false, sampleEvery: 1)
    }
  }

  /// The measured pass.
  var measuredPass: PhaseRunner.Pass {
    PhaseRunner.Pass(
      name: phase.rawValue, label: label, operations: operations, duration: duration,
      recording: true, sampleEvery: sampleEvery)
  }
}

/// Runs one phase on dedicated threads: start barrier, optional warm-up, the measured part, and a
/// monitor on the calling thread (progress line, allocator samples per interval).
public enum PhaseRunner {
  final class Gate: Sendable {
    let ready = Atomic<Int>(0)
    let startTick = Atomic<UInt64>(0)
    let finished = Atomic<Int>(0)
  }

  /// One slot per client thread in raw memory: thread i touches slot i only. (A Swift array
  /// would not do: writing one element is an access to the whole array, a race between threads.)
  final class PerThread<T>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<T>
    init(_ items: [T]) {
      slots = .allocate(capacity: items.count)
      _ = slots.initialize(from: items)
    }
    deinit {
      slots.baseAddress?.deinitialize(count: slots.count)
      slots.deallocate()
    }
  }

  /// What each thread observed of its placement (written by that thread before the start gate).
  typealias Observed = PerThread<ThreadPlacement?>

  /// Per-thread state of a phase, built before the engine exists so the allocator figures of
  /// the phase count the engine alone.
  public final class ThreadStates: @unchecked Sendable {
    let items: PerThread<ClientState>
    public init(_ streams: [OperationStream], openLoop: Bool = false) {
      items = PerThread(
        streams.map { ClientState(stream: $0, recorder: Recorder(openLoop: openLoop)) })
    }
    public var count: Int { items.slots.count }
  }

  /// One pass over a phase's threads (the warm-up or the measured part).
  struct Pass {
    /// The phase name on the progress line ("warm-up", "load", "run").
    var name: String
    var label: String
    var operations: [UInt64]
    var duration: Double?
    var recording: Bool
    var sampleEvery: Int
  }

  /// What a pass observed: its length, allocator samples by interval, and whether it was
  /// interrupted.
  struct PassResult {
    var seconds: Double
    var memory: [Int: (allocated: UInt64, resident: UInt64)]
    var interrupted: Bool
  }

  /// Measures a phase. Slot i of `states` feeds thread i; `settings.operations[i]` is its budget.
  public static func measure(
    _ settings: PhaseSettings, states: ThreadStates, context: RunContext, body: @escaping ClientBody
  ) -> PhaseResult {
    let observed = Observed(Array(repeating: nil, count: states.count))
    let n = states.count
    if let warm = settings.warmupPass {
      _ = drive(
        warm, settings: settings, states: states, context: context, observed: observed, body: body)
    }
    let before = Allocator.snapshot()
    let pass = drive(
      settings.measuredPass, settings: settings, states: states, context: context,
      observed: observed, body: body)
    let after = Allocator.snapshot()
    var merged = Recorder()
    for s in states.items.slots {
      merged.merge(s.recorder)
      s.value.deallocate()
    }
    let interval = settings.interval
    let intervals = merged.intervals.map { iv in
      let mem = memory(at: iv.index, pass.memory) ?? (after.allocated, after.resident)
      return IntervalSample(
        index: iv.index, seconds: min(Double(iv.index + 1) * interval, pass.seconds), ops: iv.ops,
        histogram: iv.histogram,
        allocated: mem.allocated, resident: mem.resident)
    }
    return PhaseResult(
      phase: settings.phase, threads: n, seconds: pass.seconds, ops: merged.results,
      intervals: intervals, memoryBefore: before, memoryAfter: after, keys: 0,
      scannedEntries: merged.scanned, interrupted: pass.interrupted,
      intended: merged.intendedResults, pacing: merged.pacingResult,
      placements: observed.slots.compactMap { $0 })
  }

  /// The allocator sample of interval `index`, or the latest one before it.
  static func memory(
    at index: Int, _ samples: [Int: (allocated: UInt64, resident: UInt64)]
  ) -> (allocated: UInt64, resident: UInt64)? {
    if let s = samples[index] { return s }
    return samples.filter { $0.key <= index }.max { $0.key < $1.key }?.value
  }

  static func drive(
    _ pass: Pass, settings: PhaseSettings, states: ThreadStates, context: RunContext,
    observed: Observed, body: @escaping ClientBody
  ) -> PassResult {
    let n = states.count
    let timer = context.timer
    let gate = Gate()
    let progress = SharedCounters(count: n)
    let endTicks = SharedCounters(count: n)
    let interrupted = SharedCounters(count: n)
    let interval = settings.interval
    let intervalTicks = timer.ticks(nanoseconds: UInt64(interval * 1e9))
    let durationTicks = pass.duration.map { timer.ticks(nanoseconds: UInt64($0 * 1e9)) }
    let (placement, target) = (settings.placement, settings.target)
    let group = ThreadGroup(count: n) { i in
      if let p = placement { observed.slots[i] = p.apply(thread: i) }
      gate.ready.add(1, ordering: .releasing)
      var start: UInt64 = 0
      while true {
        start = gate.startTick.load(ordering: .acquiring)
        if start != 0 { break }
        sched_yield()
      }
      var state = states.items.slots[i]
      state.recorder.begin(startTick: start, intervalTicks: intervalTicks)
      let stop = StopRule(
        operations: pass.operations[i],
        deadlineTick: durationTicks.map { start &+ $0 } ?? .max,
        pacer: target.map { Pacer(rate: $0, thread: i, threads: n, start: start, timer: timer) },
        sampleEvery: UInt64(pass.sampleEvery))
      let stopped = body(
        &state, ClientTask(stop: stop, recording: pass.recording, progress: progress, slot: i))
      endTicks.store(i, timer.now())
      state.recorder.end()
      states.items.slots[i] = state
      interrupted.store(i, stopped ? 1 : 0)
      Allocator.flushThreadCache()
      gate.finished.add(1, ordering: .releasing)
    }
    while gate.ready.load(ordering: .acquiring) < n { usleep(50) }
    let start = timer.now()
    gate.startTick.store(start, ordering: .releasing)
    var memory: [Int: (allocated: UInt64, resident: UInt64)] = [:]
    var nextSample = 0
    let total = pass.operations.reduce(0) { $0 &+ ($1 == .max ? 0 : $1) }
    while gate.finished.load(ordering: .acquiring) < n {
      usleep(20_000)
      let elapsed = Double(timer.nanoseconds(timer.now() &- start)) / 1e9
      if pass.recording && elapsed >= Double(nextSample) * interval {
        let s = Allocator.snapshot()
        memory[nextSample] = (s.allocated, s.resident)
        nextSample = Int(elapsed / interval) + 1
      }
      let done = progress.sum
      let rate = elapsed > 0 ? Double(done) / elapsed : 0
      var remaining: Double? = pass.duration.map { $0 - elapsed }
      if total > 0, rate > 0 {
        remaining = min(remaining ?? .infinity, Double(total - min(done, total)) / rate)
      }
      context.progress.update(
        cell: pass.label, phase: pass.name, elapsed: elapsed, opsPerSecond: rate,
        remaining: remaining)
    }
    group.join()
    let end = (0..<n).map { endTicks.load($0) }.max() ?? start
    let seconds = Double(timer.nanoseconds(end &- start)) / 1e9
    return PassResult(seconds: seconds, memory: memory, interrupted: interrupted.sum > 0)
  }
}
