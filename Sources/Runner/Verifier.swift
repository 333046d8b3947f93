import EngineKit
import Platform
import Workload

/// The result of a verified replay.
public struct VerifyReport: Sendable {
  public var operations: Int
  public var finalKeys: Int

  @inlinable
  public init(operations: Int, finalKeys: Int) {
    self.operations = operations
    self.finalKeys = finalKeys
  }
}

/// The first operation whose result differs from the reference model.
public struct VerifyMismatch: Error, CustomStringConvertible {
  public var phase: Phase
  public var thread: Int
  public var index: Int
  public var kind: OpKind
  public var key: String
  public var expected: String
  public var actual: String

  @inlinable
  public init(
    phase: Phase, thread: Int, index: Int, kind: OpKind, key: String, expected: String,
    actual: String
  ) {
    (self.phase, self.thread, self.index, self.kind, self.key, self.expected, self.actual) = (
      phase, thread, index, kind, key, expected, actual
    )
  }

  public var description: String {
    "\(phase.rawValue) op #\(index) (thread \(thread)) \(kind.name) key 0x\(key): expected \(expected), got \(actual)"
  }
}

/// Ctrl-C during `--verify`: how far the check got.
public struct VerifyInterrupted: Error {
  public var operations: Int
  @inlinable public init(operations: Int) { self.operations = operations }
}

/// `bench run --verify`: replays a cell's streams single-threaded (threads interleaved op by op)
/// against an engine and the reference model together, stopping at the first mismatch.
public enum Verifier {
  @inlinable
  public static func run<E: IndexEngine>(
    _ make: () throws -> E, plan: CellPlan, checkInvariantsEvery: Int = 0
  ) throws -> VerifyReport {
    var checker = ModelChecker(try make())
    let (load, run) = CellRunner.streams(plan)
    var count = 0
    var phases = [
      (Phase.load, load, Int.max),
      (.run, run, plan.trace == nil ? plan.spec.operations ?? 0 : Int.max),
    ]
    if plan.spec.bulkLoad && plan.trace == nil {
      let entries = PackedEntries(loadPhaseOf: plan.spec)
      do { try checker.bulkLoad(entries) } catch let m as ModelMismatch {
        throw VerifyMismatch(
          phase: .load, thread: 0, index: 0, kind: .insert, key: "(bulk load)",
          expected: m.expected, actual: m.actual)
      }
      try checker.engine.checkInvariants()
      count = entries.count
      phases.removeFirst()
    }
    for (phase, streams, budget) in phases {
      var streams = streams
      var live = Array(streams.indices)
      var index = 0
      while !live.isEmpty && index < budget {
        for t in live where index < budget {
          guard let op = streams[t].next() else {
            live.removeAll { $0 == t }
            continue
          }
          do {
            try apply(op, &checker)
          } catch let m as ModelMismatch {
            throw VerifyMismatch(
              phase: phase, thread: t, index: index, kind: op.kind, key: hexPreview(op.key),
              expected: m.expected, actual: m.actual)
          }
          index += 1
          count += 1
          if count & 1023 == 0 && Interrupt.requested { throw VerifyInterrupted(operations: count) }
          if checkInvariantsEvery > 0 && count % checkInvariantsEvery == 0 {
            try checker.engine.checkInvariants()
          }
        }
      }
    }
    try checker.checkAll()
    return VerifyReport(operations: count, finalKeys: checker.model.count)
  }

  @inlinable
  static func apply<E: IndexEngine>(_ op: Operation, _ c: inout ModelChecker<E>) throws {
    switch op.kind {
    case .read: try c.get(op.key)
    case .update: try c.update(op.key, op.value)
    case .insert: try c.insert(op.key, op.value)
    case .delete: try c.remove(op.key)
    case .scan: try c.scan(from: op.key, limit: op.scanLength)
    case .rmw: try c.readModifyWrite(op.key, op.value)
    case .list: try c.list(prefix: op.key, delimiter: op.delimiter, limit: op.scanLength)
    }
  }
}
