import EngineKit
import Platform
import Workload

/// When a client thread stops: after an op budget, at a deadline tick, or when its stream ends.
public struct StopRule: Sendable {
  public var operations: UInt64
  public var deadlineTick: UInt64
  /// The open-loop schedule, or nil for a closed loop.
  public var pacer: Pacer?
  /// Time one op in this many (closed loop only; the rest run back to back, untimed).
  public var sampleEvery: UInt64
  public init(
    operations: UInt64 = .max, deadlineTick: UInt64 = .max, pacer: Pacer? = nil,
    sampleEvery: UInt64 = 1
  ) {
    self.operations = operations
    self.deadlineTick = deadlineTick
    self.pacer = pacer
    self.sampleEvery = pacer == nil ? max(sampleEvery, 1) : 1
  }
}

/// The measured loop of one client thread. Generic over the engine and `@inlinable`, so each
/// registered engine gets its own specialised copy: between the two timestamps there is only the
/// engine call.
public enum ClientLoop {
  /// Runs ops from `state.stream` as `task` says; returns true if it stopped because of an
  /// interrupt.
  @inlinable @inline(__always)
  public static func run<E: IndexEngine>(
    _ engine: E, state: inout ClientState, task: ClientTask, timer: CycleTimer
  ) -> Bool {
    run(
      engine, stream: &state.stream, recorder: &state.recorder, value: &state.value,
      stop: task.stop, recording: task.recording, timer: timer, progress: task.progress,
      slot: task.slot)
  }

  /// The loop itself, over the parts of the state.
  @inlinable
  static func run<E: IndexEngine>(
    _ engine: E, stream: inout OperationStream, recorder: inout Recorder, value: inout ValueBuffer,
    stop: StopRule, recording: Bool, timer: CycleTimer, progress: SharedCounters, slot: Int
  ) -> Bool {
    var done: UInt64 = 0
    var scanned: UInt64 = 0
    var pacer = stop.pacer
    var untimed = stop.sampleEvery &- 1
    while done < stop.operations {
      guard let op = stream.next() else { break }
      if untimed > 0 {
        // Latency sampling: no timestamps, so consecutive ops overlap as in a plain loop.
        untimed &-= 1
        let ok = execute(engine, op, &value, &scanned)
        if recording { recorder.count(op.kind, ok: ok) }
        done &+= 1
        continue
      }
      untimed = stop.sampleEvery &- 1
      if let p = pacer { Pacer.wait(until: p.intended, timer: timer) }
      let t0 = timer.now()
      let ok = execute(engine, op, &value, &scanned)
      let t1 = timer.now()
      if recording {
        recorder.record(op.kind, ok: ok, nanoseconds: timer.nanoseconds(t1 &- t0), at: t1)
        if let p = pacer {
          recorder.recordIntended(
            op.kind, response: timer.nanoseconds(t1 &- p.intended),
            lateness: timer.nanoseconds(t0 &- min(t0, p.intended)))
        }
      }
      pacer?.advance()
      done &+= 1
      if done & 255 == 0 || stop.sampleEvery > 1 {
        progress.store(slot, done)
        if Interrupt.requested { break }
      }
      if t1 >= stop.deadlineTick { break }
    }
    progress.store(slot, done)
    if recording { recorder.scanned &+= scanned }
    return Interrupt.requested
  }

  /// Issues one operation; returns false for a failed op (missing key, existing key, …).
  @inlinable @inline(__always)
  public static func execute<E: IndexEngine>(
    _ engine: E, _ op: Operation, _ value: inout ValueBuffer, _ scanned: inout UInt64
  ) -> Bool {
    switch op.kind {
    case .read: return engine.get(op.key, into: &value)
    case .update: return engine.update(op.key, op.value)
    case .insert: return engine.insert(op.key, op.value)
    case .delete: return engine.remove(op.key)
    case .scan:
      scanned &+= UInt64(engine.scan(from: op.key, limit: op.scanLength) { _, _ in true })
      return true
    case .rmw:
      guard engine.get(op.key, into: &value) else { return false }
      return engine.update(op.key, op.value)
    case .list:
      scanned &+= UInt64(
        engine.list(
          prefix: op.key, startAfter: nil, delimiter: op.delimiter, limit: op.scanLength
        ) { _ in true })
      return true
    }
  }
}
