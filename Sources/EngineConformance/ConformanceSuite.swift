import Dispatch
import EngineKit
import Foundation
import Synchronization

/// The model-based test every engine runs with one line: random operation sequences over
/// awkward keys (empty, 0x00 bytes, prefixes of each other, long), checked op by op against the
/// reference model, with the engine's invariant checker run along the way; odd rounds start
/// from a bulk load.
public enum ConformanceSuite {
  public struct Configuration: Sendable {
    /// Operations per round.
    public var operations = 4_000
    /// Distinct keys drawn from (small, so keys collide and get deleted and reinserted).
    public var keySpace = 600
    /// Longest generated key and value, in bytes.
    public var maxKeyLength = 40
    public var maxValueLength = 32
    /// Run `checkInvariants` every this many operations.
    public var invariantEvery = 500
    public var seed: UInt64 = 1
    /// Keys to draw from instead of the generated awkward pool (for engines with a key model).
    public var keys: [[UInt8]]? = nil
    public init() {}

    /// The defaults (sized for debug builds) with the operations and key space multiplied by
    /// `TREEBENCH_SOAK` when it is set: `TREEBENCH_SOAK=N swift test -c release --filter
    /// concurrentWriters` is the long soak.
    public static var soak: Configuration {
      let n = Int(ProcessInfo.processInfo.environment["TREEBENCH_SOAK"] ?? "") ?? 1
      var c = Configuration()
      c.operations *= n
      c.keySpace *= n
      return c
    }
  }

  /// A mismatch, with the reproducing seed and op index.
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  /// Runs `rounds` rounds of random operations on fresh engines from `make`.
  public static func check<E: IndexEngine>(
    _ make: () throws -> E, rounds: Int = 3, configuration c: Configuration = Configuration()
  ) throws {
    for round in 0..<rounds {
      var rng = SplitMix(c.seed &+ UInt64(round) &* 0x9E37_79B9)
      let keys = c.keys ?? keyPool(c, &rng)
      var checker = ModelChecker(try make())
      if round % 2 == 1 {
        // Odd rounds start from a bulk load of every third key (ascending, random values).
        let sorted = Set(keys).sorted { $0.lexicographicallyPrecedes($1) }
        let entries = stride(from: 0, to: sorted.count, by: 3).map { i in
          (sorted[i], (0..<Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        do {
          try checker.bulkLoad(PackedEntries(entries))
          try checker.engine.checkInvariants()
        } catch {
          throw Failure(
            description: "\(E.descriptor.name): round \(round) (seed \(c.seed)) bulk load: \(error)"
          )
        }
      }
      // Phases: insert-heavy growth, mixed churn, delete-heavy shrink. Weights in `ModelOp` order.
      let phases: [[Int]] = [
        [50, 10, 5, 23, 7, 5], [20, 20, 20, 22, 12, 6], [5, 10, 60, 13, 7, 5],
      ]
      for (p, weights) in phases.enumerated() {
        for i in 0..<c.operations {
          let key = keys[Int(rng.next() % UInt64(keys.count))]
          let value = (0..<Int(rng.next() % UInt64(c.maxValueLength + 1))).map { _ in
            UInt8(truncatingIfNeeded: rng.next())
          }
          var r = Int(rng.next() % 100)
          var index = 0
          while r >= weights[index] {
            r -= weights[index]
            index += 1
          }
          let op = ModelOp.allCases[index]
          do {
            try key.withUnsafeBytes { k in
              try value.withUnsafeBytes { v in
                switch op {
                case .insert: try checker.insert(k, v)
                case .update: try checker.update(k, v)
                case .remove: try checker.remove(k)
                case .get: try checker.get(k)
                case .scan: try checker.scan(from: k, limit: 1 + Int(rng.next() % 20))
                case .list:
                  // A prefix of the key, any pool key to start after (or none), a delimiter
                  // among the pool's common bytes (or none).
                  let p = UnsafeRawBufferPointer(
                    rebasing: k[..<Int(rng.next() % UInt64(k.count + 1))])
                  let after = rng.next() % 3 == 0 ? nil : keys[Int(rng.next() % UInt64(keys.count))]
                  let d = rng.next() % 4 == 0 ? nil : UInt8(rng.next() % 4)
                  let limit = 1 + Int(rng.next() % 20)
                  if let after {
                    try after.withUnsafeBytes {
                      try checker.list(prefix: p, startAfter: $0, delimiter: d, limit: limit)
                    }
                  } else {
                    try checker.list(prefix: p, delimiter: d, limit: limit)
                  }
                }
              }
            }
            if (i + 1) % c.invariantEvery == 0 { try checker.engine.checkInvariants() }
          } catch {
            throw Failure(
              description:
                "\(E.descriptor.name): round \(round) (seed \(c.seed)) phase \(p) op \(i) [\(op)] key 0x\(key.withUnsafeBytes(hexString)): \(error)"
            )
          }
        }
        try checker.checkAll()
      }
    }
  }

  /// The operations a round draws, in the order of the phase weights.
  enum ModelOp: CaseIterable {
    case insert, update, remove, get, scan, list
  }

  /// Readers in parallel, as the `rwlock` wrapper's read lock lets them run: `threads` threads
  /// do gets, scans and listings on a loaded engine and compare each with the model, so an
  /// engine whose lookups or scans write shared state (a search path, a scratch buffer) fails.
  public static func concurrentReads<E: IndexEngine>(
    _ make: () throws -> E, threads: Int = 4, configuration c: Configuration = Configuration()
  ) throws {
    var rng = SplitMix(c.seed)
    let keys = c.keys ?? keyPool(c, &rng)
    nonisolated(unsafe) let engine = try make()
    var model = ReferenceModel()
    for (i, k) in keys.enumerated() where i % 2 == 0 {
      let v = Array(k.reversed().prefix(c.maxValueLength))
      _ = k.withUnsafeBytes { kb in v.withUnsafeBytes { engine.insert(kb, $0) } }
      _ = model.insert(ByteString(k), ByteString(v))
    }
    nonisolated(unsafe) let reference = model
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      var value = ValueBuffer()
      defer { value.deallocate() }
      for i in 0..<(c.operations / 2) {
        let k = keys[(t &* 7919 &+ i &* 31) % keys.count]
        var problem: String?
        k.withUnsafeBytes { kb in
          switch E.descriptor.supportsScan ? i % 4 : i % 2 {
          case 0, 1:
            let expected = reference.get(ByteString(k)).map { $0.withBytes(Array.init) }
            let found = engine.get(kb, into: &value) ? Array(value.bytes) : nil
            if found != expected { problem = "get" }
          case 2:
            var seen: [ByteString] = []
            _ = engine.scan(from: kb, limit: 20) { key, _ in
              seen.append(ByteString(key))
              return true
            }
            if seen != reference.scan(from: ByteString(k), limit: 20).map(\.0) { problem = "scan" }
          default:
            let prefix = Array(k.prefix(k.count / 2))
            var listed: [ListItem] = []
            _ = prefix.withUnsafeBytes {
              engine.list(prefix: $0, startAfter: nil, delimiter: 1, limit: 10) {
                listed.append(ListItem($0))
                return true
              }
            }
            let expected = reference.list(prefix: prefix, startAfter: nil, delimiter: 1, limit: 10)
            if listed != expected { problem = "list" }
          }
        }
        if let p = problem {
          failures.withLock {
            $0.append("thread \(t) op \(i) \(p) key 0x\(k.withUnsafeBytes(hexString))")
          }
          return
        }
      }
    }
    let f = failures.withLock { $0 }
    if !f.isEmpty {
      throw Failure(
        description:
          "\(E.descriptor.name): concurrent readers disagree with the model: \(f.prefix(3).joined(separator: "; "))"
      )
    }
  }

  /// Keys that stress byte-string handling: the empty key, keys with 0x00, chains of prefixes,
  /// shared long prefixes, and random lengths up to `maxKeyLength`.
  static func keyPool(_ c: Configuration, _ rng: inout SplitMix) -> [[UInt8]] {
    var keys: Set<[UInt8]> = [[], [0], [0, 0], [0, 1], [0xff], [0xff, 0xff], [1, 0, 1]]
    let base = (0..<c.maxKeyLength).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    for n in stride(from: 1, through: c.maxKeyLength, by: 3) { keys.insert(Array(base.prefix(n))) }
    while keys.count < c.keySpace {
      let n = Int(rng.next() % UInt64(c.maxKeyLength + 1))
      var k = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4 == 0 ? 0 : rng.next() % 8)
      }
      if rng.next() % 3 == 0 { k = Array(base.prefix(8)) + k }
      keys.insert(k)
    }
    return keys.sorted { $0.lexicographicallyPrecedes($1) }
  }

  /// SplitMix64: the suite's reproducible random stream, usable wherever a seeded
  /// `RandomNumberGenerator` is wanted (shuffles in engine tests).
  public struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    public init(_ seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }
}

/// Array-based conveniences for targeted engine tests.
extension IndexEngine {
  @discardableResult public func put(_ key: [UInt8], _ value: [UInt8] = [1]) -> Bool {
    key.withUnsafeBytes { k in value.withUnsafeBytes { insert(k, $0) } }
  }
  public func value(_ key: [UInt8]) -> [UInt8]? {
    var buffer = ValueBuffer()
    defer { buffer.deallocate() }
    return key.withUnsafeBytes { get($0, into: &buffer) } ? Array(buffer.bytes) : nil
  }
  /// Overwrites the value of an existing key (`update`); false when the key is absent.
  @discardableResult public func replace(_ key: [UInt8], _ value: [UInt8]) -> Bool {
    key.withUnsafeBytes { k in value.withUnsafeBytes { update(k, $0) } }
  }
  @discardableResult public func delete(_ key: [UInt8]) -> Bool {
    key.withUnsafeBytes { remove($0) }
  }
  /// Every key from `start` on, in scan order.
  public func keys(from start: [UInt8] = []) -> [[UInt8]] {
    var out: [[UInt8]] = []
    _ = start.withUnsafeBytes {
      scan(from: $0, limit: .max) { k, _ in
        out.append(Array(k))
        return true
      }
    }
    return out
  }
  /// An engine-specific figure from `stats.details`, or -1.
  public func detail(_ name: String) -> Int {
    Int(stats.details.first { $0.0 == name }?.1 ?? -1)
  }
}
