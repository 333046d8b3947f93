import EngineConformance
import Testing

@testable import EngineKit

/// An engine with a deliberate bug, to prove the conformance suite and --verify catch bugs.
final class ForgetfulEngine: ProbeEngine {
  override class var descriptor: EngineDescriptor {
    EngineDescriptor(name: "forgetful", summary: "drops every 50th insert", supportsScan: true)
  }
  var inserts = 0
  var scratch = ValueBuffer()
  override func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    inserts += 1
    return inserts % 50 == 0 ? !inner.get(key, into: &scratch) : inner.insert(key, value)
  }
}

@Suite struct ConformanceTests {
  @Test func sortedMap() throws {
    try ConformanceSuite.check { try SortedMapEngine(options: .init()) }
  }
  @Test func hashMap() throws { try ConformanceSuite.check { try HashMapEngine(options: .init()) } }
  @Test func concurrentReadersOfTheBaselines() throws {
    try ConformanceSuite.concurrentReads { try SortedMapEngine(options: .init()) }
    try ConformanceSuite.concurrentReads { try HashMapEngine(options: .init()) }
  }
  @Test func rwLockedSortedMap() throws {
    try ConformanceSuite.check { try RWLocked<SortedMapEngine>(options: .init()) }
  }
  @Test func partitionedSortedMap() throws {
    try ConformanceSuite.check {
      try Partitioned<SortedMapEngine>(options: .init(["partitions": "3"]))
    }
  }

  /// Onode keys are routed by placement: each placement's keys sit in one partition, and scans
  /// that start in a placement and run past it still match the model.
  @Test func partitionedByPlacement() throws {
    var keys: [[UInt8]] = []
    for pool in 0..<2 {
      for crush in 0..<8 {
        for o in 0..<6 {
          for snap in 0..<3 {
            keys.append(
              OnodeKey(
                pool: Int64(pool), crush: UInt32(crush * 0x1234_5678), oid: Array("o\(o)".utf8),
                snap: UInt64(snap)
              ).encoded)
          }
        }
      }
    }
    let options = EngineOptions(["partitions": "3"], keyKind: .onode)
    var c = ConformanceSuite.Configuration()
    c.keys = keys
    try ConformanceSuite.check(
      { try Partitioned<SortedMapEngine>(options: options) }, configuration: c)
    let e = try Partitioned<SortedMapEngine>(options: options)
    for k in keys { e.put(k) }
    for placement in Set(keys.map { Array($0.prefix(OnodeKey.placementLength)) }) {
      let homes = Set(
        keys.filter { $0.starts(with: placement) }.map { k in
          e.parts.firstIndex { $0.inner.value(k) != nil }!
        })
      #expect(homes.count == 1)
    }
    #expect(Set(e.parts.map(\.stats.keys)).count > 1, "placements spread over partitions")
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
        let c = a.withUnsafeBytes { x in b.withUnsafeBytes { compareBytes(x, $0) } }
        #expect(c.signum() == (a == b ? 0 : a.lexicographicallyPrecedes(b) ? -1 : 1))
      }
      #expect(ByteString(a).bytes == a)
    }
  }
}

@Suite struct InlineBytesTests {
  @Test func orderEqualityAndHashMatchTheBytes() {
    var rng = SystemRandomNumberGenerator()
    let samples: [[UInt8]] =
      (0..<400).map { _ in
        (0..<Int.random(in: 0...30, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
      } + [[], [0], [0, 0], Array(repeating: 7, count: 11), Array(repeating: 7, count: 12)]
      + (0...13).map { n in (0..<n).map { UInt8(255 - $0) } }
    let owned = samples.map { a in a.withUnsafeBytes { InlineBytes(copying: $0) } }
    defer { for o in owned { o.release() } }
    for (i, a) in samples.enumerated() {
      #expect(owned[i].bytes == a)
      #expect(owned[i].count == a.count)
      for (j, b) in samples.prefix(80).enumerated() {
        b.withUnsafeBytes { bb in
          let probe = InlineBytes(borrowing: bb)
          #expect((owned[i] < probe) == a.lexicographicallyPrecedes(b), "\(a) vs \(b)")
          #expect((owned[i] == probe) == (a == b))
          #expect((owned[i] == owned[j]) == (a == b))
          if a == b { #expect(owned[i].hashValue == probe.hashValue) }
        }
      }
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
    #expect(d.wrapper(for: EngineOptions(), threads: 1) == ConcurrencyMode.none)
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

/// S3 ListObjects by its definition over sorted `keys`: filter by prefix, drop keys ≤ startAfter, roll up keys
/// holding the delimiter after the prefix, dedupe, cut at the limit.
func naiveList(
  _ keys: [[UInt8]], prefix: [UInt8], startAfter: [UInt8]?, delimiter: UInt8?, limit: Int
) -> [ListItem] {
  var out: [ListItem] = []
  for k in keys where k.starts(with: prefix) {
    if let s = startAfter, !s.lexicographicallyPrecedes(k) { continue }
    if let d = delimiter, let i = k[prefix.count...].firstIndex(of: d) {
      let p = ListItem.commonPrefix(Array(k[...i]))
      if out.last != p { out.append(p) }
    } else {
      out.append(.key(k, k))
    }
  }
  return Array(out.prefix(limit))
}

@Suite struct Listing {
  /// Random byte keys over a 3-letter alphabet, so prefixes, delimiters and groups abound.
  let keys: [[UInt8]] = {
    var rng = ConformanceSuite.SplitMix(5)
    var set = Set<[UInt8]>()
    while set.count < 1500 {
      set.insert((0..<Int(rng.next() % 9)).map { _ in UInt8(rng.next() % 3) })
    }
    return set.sorted { $0.lexicographicallyPrecedes($1) }
  }()

  @Test func modelMatchesTheDefinition() {
    var model = ReferenceModel()
    for k in keys { _ = model.insert(ByteString(k), ByteString(k)) }
    var rng = ConformanceSuite.SplitMix(9)
    for _ in 0..<400 {
      let prefix = Array(keys[Int(rng.next() % 1500)].prefix(Int(rng.next() % 4)))
      let after = rng.next() % 2 == 0 ? nil : keys[Int(rng.next() % 1500)]
      let d = rng.next() % 3 == 0 ? nil : UInt8(rng.next() % 3)
      let limit = 1 + Int(rng.next() % 40)
      #expect(
        model.list(prefix: prefix, startAfter: after, delimiter: d, limit: limit)
          == naiveList(keys, prefix: prefix, startAfter: after, delimiter: d, limit: limit),
        "prefix \(prefix) after \(after ?? []) delimiter \(d ?? 255) limit \(limit)")
    }
  }

  /// The default listing seeks past each rolled-up group: one scan call per group, and the
  /// entries it visits are the listed ones (plus the first of the next group or prefix).
  @Test func groupsAreSkippedBySeeking() throws {
    final class Counting: ProbeEngine {
      var visited = 0
      override func scan(
        from key: UnsafeRawBufferPointer, limit: Int,
        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
      ) -> Int {
        inner.scan(from: key, limit: limit) { k, v in
          visited += 1
          return visit(k, v)
        }
      }
    }
    let e = try Counting(options: .init())
    for d in 0..<50 { for f in 0..<200 { e.put(Array("dir\(d)/file\(f)".utf8)) } }
    e.put(Array("zebra".utf8))
    var listed: [ListItem] = []
    let n = [UInt8]().withUnsafeBytes { p in
      e.list(prefix: p, delimiter: UInt8(ascii: "/")) {
        listed.append(ListItem($0))
        return true
      }
    }
    #expect(n == 51 && listed.count == 51 && listed.last == .key(Array("zebra".utf8), [1]))
    #expect(e.visited == 51, "one key visited per group, not 10,000")
  }
}
