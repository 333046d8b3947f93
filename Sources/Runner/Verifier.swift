import EngineKit
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

    public var description: String {
        "\(phase.rawValue) op #\(index) (thread \(thread)) \(kind.name) key 0x\(key): expected \(expected), got \(actual)"
    }
}

/// `bench run --verify`: replays a cell's streams single-threaded (threads interleaved op by op)
/// against an engine and the reference model together, stopping at the first mismatch.
public enum Verifier {
    @inlinable
    public static func run<E: IndexEngine>(_ make: () throws -> E, plan: CellPlan, checkInvariantsEvery: Int = 0) throws -> VerifyReport {
        let engine = try make()
        var check = ModelCheck()
        let (load, run) = CellRunner.streams(plan)
        var count = 0
        for (phase, streams, budget) in [(Phase.load, load, Int.max), (.run, run, plan.trace == nil ? plan.spec.operations ?? 0 : Int.max)] {
            var streams = streams
            var live = Array(streams.indices)
            var issued = 0
            var index = 0
            while !live.isEmpty && issued < budget {
                for t in live where issued < budget {
                    guard let op = streams[t].next() else {
                        live.removeAll { $0 == t }
                        continue
                    }
                    try check.apply(op, to: engine, phase: phase, thread: t, index: index)
                    index += 1
                    issued += 1
                    count += 1
                    if checkInvariantsEvery > 0 && count % checkInvariantsEvery == 0 { try engine.checkInvariants() }
                }
            }
        }
        try engine.checkInvariants()
        try check.compareContents(of: engine, supportsScan: E.descriptor.supportsScan)
        return VerifyReport(operations: count, finalKeys: check.model.count)
    }
}

/// Applies operations to an engine and the reference model and compares the results.
public struct ModelCheck {
    public var model = ReferenceModel()
    var value = ValueBuffer()

    public init() {}

    /// Issues `op` on both; throws `VerifyMismatch` when they disagree.
    public mutating func apply<E: IndexEngine>(_ op: Operation, to engine: E, phase: Phase, thread: Int, index: Int) throws {
        let key = ByteString(op.key)
        func mismatch(_ expected: String, _ actual: String) -> VerifyMismatch {
            VerifyMismatch(phase: phase, thread: thread, index: index, kind: op.kind, key: hexString(op.key), expected: expected, actual: actual)
        }
        func describe(_ v: ByteString?) -> String { v.map { "value 0x\($0.withBytes(hexString))" } ?? "absent" }
        switch op.kind {
        case .read, .rmw:
            let expected = model.get(key)
            let found = engine.get(op.key, into: &value)
            let actual = found ? ByteString(value.bytes) : nil
            if expected != actual { throw mismatch(describe(expected), describe(actual)) }
            if op.kind == .rmw && found {
                let e = model.update(key, ByteString(op.value))
                let a = engine.update(op.key, op.value)
                if e != a { throw mismatch("update \(e)", "update \(a)") }
            }
        case .insert:
            let e = model.insert(key, ByteString(op.value))
            let a = engine.insert(op.key, op.value)
            if e != a { throw mismatch("insert \(e)", "insert \(a)") }
        case .update:
            let e = model.update(key, ByteString(op.value))
            let a = engine.update(op.key, op.value)
            if e != a { throw mismatch("update \(e)", "update \(a)") }
        case .delete:
            let e = model.remove(key)
            let a = engine.remove(op.key)
            if e != a { throw mismatch("delete \(e)", "delete \(a)") }
        case .scan:
            guard E.descriptor.supportsScan else { return }
            let expected = model.scan(from: key, limit: op.scanLength)
            var actual: [(ByteString, ByteString)] = []
            let n = engine.scan(from: op.key, limit: op.scanLength) { k, v in
                actual.append((ByteString(k), ByteString(v)))
                return true
            }
            if n != actual.count { throw mismatch("count \(actual.count)", "returned \(n)") }
            if !expected.elementsEqual(actual, by: { $0.0 == $1.0 && $0.1 == $1.1 }) {
                let i = Array(zip(expected, actual)).firstIndex { $0.0 != $1.0 || $0.1 != $1.1 } ?? min(expected.count, actual.count)
                throw mismatch("\(expected.count) entries (entry \(i): \(i < expected.count ? expected[i].0.withBytes(hexString) : "end"))",
                               "\(actual.count) entries (entry \(i): \(i < actual.count ? actual[i].0.withBytes(hexString) : "end"))")
            }
        }
    }

    /// Compares the engine's full contents (a scan from the empty key) and key count with the model.
    public func compareContents<E: IndexEngine>(of engine: E, supportsScan: Bool) throws {
        if engine.stats.keys != model.count {
            throw InvariantViolation("engine reports \(engine.stats.keys) keys, model has \(model.count)")
        }
        guard supportsScan else { return }
        var i = 0
        let expected = model.entries
        var bad: String?
        _ = engine.scan(from: UnsafeRawBufferPointer(start: nil, count: 0), limit: .max) { k, v in
            if i >= expected.count || expected[i].0 != ByteString(k) || expected[i].1 != ByteString(v) {
                bad = "full scan differs from the model at entry \(i) (key 0x\(hexString(k)))"
                return false
            }
            i += 1
            return true
        }
        if let bad { throw InvariantViolation(bad) }
        if i != expected.count { throw InvariantViolation("full scan returned \(i) entries, model has \(expected.count)") }
    }
}
