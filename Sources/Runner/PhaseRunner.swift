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

/// The thread body of a phase: runs `stream` into `recorder` until `stop`; returns true when
/// interrupted. Built by `CellRunner` around the specialised `ClientLoop`.
public typealias ClientBody =
  @Sendable (
    _ stream: inout OperationStream, _ recorder: inout Recorder, _ value: inout ValueBuffer,
    _ stop: StopRule, _ recording: Bool, _ progress: SharedCounters, _ slot: Int
  ) -> Bool

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

  /// Per-thread state of a phase (stream, recorder, value buffer), built before the engine
  /// exists so the allocator figures of the phase count the engine alone.
  public final class ThreadStates: @unchecked Sendable {
    let items: PerThread<(OperationStream, Recorder, ValueBuffer)>
    public init(_ streams: [OperationStream], openLoop: Bool = false) {
      items = PerThread(streams.map { ($0, Recorder(openLoop: openLoop), ValueBuffer()) })
    }
    public var count: Int { items.slots.count }
  }

  /// Measures a phase. Slot i of `states` feeds thread i; `operations[i]` is its op budget.
  public static func measure(
    phase: Phase, label: String, states: ThreadStates, operations: [UInt64], duration: Double?,
    warmup: Warmup, interval: Double, context: RunContext, target: Double? = nil,
    sampleEvery: Int = 1, placement: PlacementPlan? = nil, body: @escaping ClientBody
  ) -> PhaseResult {
    let observed = Observed(Array(repeating: nil, count: states.count))
    let n = states.count
    if case .none = warmup {
    } else {
      let warmOps: [UInt64] = {
        if case .operations(let w) = warmup {
          return (0..<n).map { UInt64(w / n + ($0 < w % n ? 1 : 0)) }
        }
        return Array(repeating: .max, count: n)
      }()
      let warmSeconds: Double? = {
        if case .seconds(let s) = warmup { return s }
        return nil
      }()
      _ = drive(
        threads: n, label: "\(label) warm-up", phase: "warm-up", expected: warmOps,
        duration: warmSeconds, interval: interval, context: context, states: states,
        recording: false, target: target, placement: placement, observed: observed, body: body)
    }
    let before = Allocator.snapshot()
    let (seconds, samples, interrupted) = drive(
      threads: n, label: label, phase: phase.rawValue, expected: operations, duration: duration,
      interval: interval, context: context, states: states, recording: true, target: target,
      sampleEvery: sampleEvery, placement: placement, observed: observed, body: body)
    let after = Allocator.snapshot()
    var merged = Recorder()
    for s in states.items.slots {
      merged.merge(s.1)
      s.2.deallocate()
    }
    let intervals = merged.intervals.map { iv in
      let mem =
        samples[iv.index] ?? samples.filter { $0.key <= iv.index }.max { $0.key < $1.key }?.value
        ?? (after.allocated, after.resident)
      return IntervalSample(
        index: iv.index, seconds: min(Double(iv.index + 1) * interval, seconds), ops: iv.ops,
        histogram: iv.histogram,
        allocated: mem.0, resident: mem.1)
    }
    return PhaseResult(
      phase: phase, threads: n, seconds: seconds, ops: merged.results, intervals: intervals,
      memoryBefore: before, memoryAfter: after, keys: 0, scannedEntries: merged.scanned,
      interrupted: interrupted, intended: merged.intendedResults, pacing: merged.pacingResult,
      placements: observed.slots.compactMap { $0 })
  }

  static func drive(
    threads n: Int, label: String, phase: String, expected: [UInt64], duration: Double?,
    interval: Double,
    context: RunContext, states: ThreadStates, recording: Bool, target: Double?,
    sampleEvery: Int = 1, placement: PlacementPlan?, observed: Observed, body: @escaping ClientBody
  ) -> (seconds: Double, memory: [Int: (UInt64, UInt64)], interrupted: Bool) {
    let timer = context.timer
    let gate = Gate()
    let progress = SharedCounters(count: n)
    let endTicks = SharedCounters(count: n)
    let interrupted = SharedCounters(count: n)
    let intervalTicks = timer.ticks(nanoseconds: UInt64(interval * 1e9))
    let durationTicks = duration.map { timer.ticks(nanoseconds: UInt64($0 * 1e9)) }
    let group = ThreadGroup(count: n) { i in
      if let p = placement { observed.slots[i] = p.apply(thread: i) }
      gate.ready.add(1, ordering: .releasing)
      var start: UInt64 = 0
      while true {
        start = gate.startTick.load(ordering: .acquiring)
        if start != 0 { break }
        sched_yield()
      }
      var (stream, recorder, value) = states.items.slots[i]
      recorder.begin(startTick: start, intervalTicks: intervalTicks)
      let stop = StopRule(
        operations: expected[i], deadlineTick: durationTicks.map { start &+ $0 } ?? .max,
        pacer: target.map { Pacer(rate: $0, thread: i, threads: n, start: start, timer: timer) },
        sampleEvery: UInt64(sampleEvery))
      let stopped = body(&stream, &recorder, &value, stop, recording, progress, i)
      endTicks.store(i, timer.now())
      recorder.end()
      states.items.slots[i] = (stream, recorder, value)
      interrupted.store(i, stopped ? 1 : 0)
      Allocator.flushThreadCache()
      gate.finished.add(1, ordering: .releasing)
    }
    while gate.ready.load(ordering: .acquiring) < n { usleep(50) }
    let start = timer.now()
    gate.startTick.store(start, ordering: .releasing)
    var memory: [Int: (UInt64, UInt64)] = [:]
    var nextSample = 0
    let total = expected.reduce(0) { $0 &+ ($1 == .max ? 0 : $1) }
    while gate.finished.load(ordering: .acquiring) < n {
      usleep(20_000)
      let elapsed = Double(timer.nanoseconds(timer.now() &- start)) / 1e9
      if recording && elapsed >= Double(nextSample) * interval {
        let s = Allocator.snapshot()
        memory[nextSample] = (s.allocated, s.resident)
        nextSample = Int(elapsed / interval) + 1
      }
      let done = progress.sum
      let rate = elapsed > 0 ? Double(done) / elapsed : 0
      var remaining: Double? = duration.map { $0 - elapsed }
      if total > 0, rate > 0 {
        remaining = min(remaining ?? .infinity, Double(total - min(done, total)) / rate)
      }
      context.progress.update(
        cell: label, phase: phase, elapsed: elapsed, opsPerSecond: rate, remaining: remaining)
    }
    group.join()
    let end = (0..<n).map { endTicks.load($0) }.max() ?? start
    let seconds = Double(timer.nanoseconds(end &- start)) / 1e9
    return (seconds, memory, interrupted.sum > 0)
  }
}
