import EngineConformance
import Testing

@testable import EngineKit

/// An engine with a deliberate bug, to prove the conformance suite and --verify catch bugs.
final class ForgetfulEngine: IndexEngine {
  static let descriptor = EngineDescriptor(
    name: "forgetful", summary: "drops every 50th insert", supportsScan: true)
  let inner: SortedMapEngine
  var inserts = 0
  init(options: EngineOptions) throws { inner = try SortedMapEngine(options: options) }
  func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    inner.get(key, into: &value)
  }
  func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    inserts += 1
    return inserts % 50 == 0 ? !inner.get(key, into: &scratch) : inner.insert(key, value)
  }
  var scratch = ValueBuffer()
  func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    inner.update(key, value)
  }
  func remove(_ key: UnsafeRawBufferPointer) -> Bool { inner.remove(key) }
  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    inner.scan(from: key, limit: limit, visit)
  }
  var stats: EngineStats { inner.stats }
  func checkInvariants() throws { try inner.checkInvariants() }
}

@Suite struct ConformanceTests {
  @Test func sortedMap() throws {
    try ConformanceSuite.check { try SortedMapEngine(options: .init()) }
  }
  @Test func hashMap() throws { try ConformanceSuite.check { try HashMapEngine(options: .init()) } }
  @Test func rwLockedSortedMap() throws {
    try ConformanceSuite.check { try RWLocked<SortedMapEngine>(options: .init()) }
  }
  @Test func partitionedSortedMap() throws {
    try ConformanceSuite.check {
      try Partitioned<SortedMapEngine>(options: .init(["partitions": "3"]))
    }
  }

  @Test func suiteCatchesABuggyEngine() {
    #expect(throws: ConformanceSuite.Failure.self) {
      try ConformanceSuite.check({ try ForgetfulEngine(options: .init()) }, rounds: 1)
    }
  }
}

@Suite struct ByteStringTests {
  @Test func orderMatchesLexicographicBytes() {
    var rng = SystemRandomNumberGenerator()
    let samples: [[UInt8]] =
      (0..<400).map { _ in
        (0..<Int.random(in: 0...30, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
      } + [[], [0], [0, 0], Array(repeating: 7, count: 24), Array(repeating: 7, count: 25)]
    for a in samples {
      for b in samples.prefix(60) {
        #expect((ByteString(a) < ByteString(b)) == a.lexicographicallyPrecedes(b), "\(a) vs \(b)")
        #expect((ByteString(a) == ByteString(b)) == (a == b))
      }
      #expect(ByteString(a).bytes == a)
    }
  }
}

@Suite struct OptionTests {
  let d = EngineDescriptor(
    name: "x", summary: "",
    knobs: [
      Knob("node_size", .integer(4...64), default: "16", help: ""),
      Knob("split", .choice(["bytes", "count"]), default: "bytes", help: ""),
    ],
    supportsScan: true)

  @Test func validKnobsPass() throws {
    try d.validate(EngineOptions(["node_size": "8", "split": "count", "concurrency": "rwlock"]))
  }

  @Test func unknownKnob() {
    #expect(throws: EngineOptionError.self) { try d.validate(EngineOptions(["nodesize": "8"])) }
  }

  @Test func badValues() {
    #expect(throws: EngineOptionError.self) { try d.validate(EngineOptions(["node_size": "128"])) }
    #expect(throws: EngineOptionError.self) { try d.validate(EngineOptions(["split": "random"])) }
  }

  @Test func wrapperChoice() {
    #expect(d.wrapper(for: EngineOptions(), threads: 1) == ConcurrencyWrapper.none)
    #expect(d.wrapper(for: EngineOptions(), threads: 2) == .rwlock)
    #expect(
      d.wrapper(for: EngineOptions(["concurrency": "partitioned"]), threads: 2) == .partitioned)
    #expect(EngineOptions(["b": "2", "a": "1"]).label == "a=1,b=2")
  }
}

@Suite struct ReferenceModelTests {
  @Test func blocksKeepOrderThroughSplitsAndRemovals() {
    var model = ReferenceModel()
    var truth: [UInt32: UInt8] = [:]
    var x: UInt32 = 12345
    func key(_ k: UInt32) -> ByteString { ByteString(withUnsafeBytes(of: k.bigEndian, Array.init)) }
    for step in 0..<20_000 {
      x = x &* 1_664_525 &+ 1_013_904_223
      let k = x % 6000
      if step % 3 == 2 {
        #expect(model.remove(key(k)) == (truth.removeValue(forKey: k) != nil))
      } else {
        let inserted = model.insert(key(k), ByteString([UInt8(step & 0xff)]))
        #expect(inserted == (truth[k] == nil))
        if inserted { truth[k] = UInt8(step & 0xff) }
      }
    }
    let sorted = truth.keys.sorted()
    #expect(model.count == sorted.count)
    #expect(model.entries.map(\.0) == sorted.map(key))
    let from = sorted[sorted.count / 2]
    #expect(
      model.scan(from: key(from), limit: 1500).map(\.0)
        == sorted.filter { $0 >= from }.prefix(1500).map(key))
    #expect(model.scan(from: key(7000), limit: 10).isEmpty)
  }
}
