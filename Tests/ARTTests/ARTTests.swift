import EngineConformance
import EngineKit
import Testing

@testable import ART

/// Every delete × prefix mode, unsynchronised and with optimistic lock coupling.
let variants: [[String: String]] = [
  [:], ["delete": "tombstone"], ["prefix": "separate"],
  ["delete": "tombstone", "prefix": "separate"],
].flatMap { [$0, $0.merging(["concurrency": "olc"]) { a, _ in a }] }

func make(_ options: [String: String] = [:]) throws -> ARTEngine {
  try ARTEngine(options: EngineOptions(options))
}

@Suite struct ARTConformance {
  @Test(arguments: variants) func randomOperationsMatchTheModel(options: [String: String]) throws {
    try ConformanceSuite.check({ try make(options) }, rounds: 2)
  }

  @Test(arguments: variants) func denseBinaryKeys(options: [String: String]) throws {
    var c = ConformanceSuite.Configuration()
    c.keySpace = 3000
    c.maxKeyLength = 6
    c.seed = 7
    try ConformanceSuite.check({ try make(options) }, rounds: 1, configuration: c)
  }

  @Test(arguments: variants) func concurrentReaders(options: [String: String]) throws {
    try ConformanceSuite.concurrentReads { try make(options) }
  }
}

@Suite struct ARTStructure {
  /// One inner node with n children under a shared 3-byte prefix.
  func fanOut(_ t: ARTEngine, _ n: Int) {
    for b in 0..<n { t.put([9, 9, 9, UInt8(b)]) }
  }

  @Test func growsAtFiveSeventeenAndFortyNine() throws {
    let t = try make()
    let boundaries = [
      (4, "node4"), (5, "node16"), (16, "node16"), (17, "node48"), (48, "node48"), (49, "node256"),
      (256, "node256"),
    ]
    var done = 0
    for (n, kind) in boundaries {
      for b in done..<n { t.put([9, 9, 9, UInt8(b)]) }
      done = n
      #expect(t.detail("\(kind)_count") == 1, "\(n) children should be one \(kind)")
      #expect(t.stats.keys == n)
      try t.checkInvariants()
    }
  }

  @Test func shrinksWithHysteresisAndCollapses() throws {
    let t = try make()
    fanOut(t, 256)
    let steps = [
      (38, "node256"), (37, "node48"), (13, "node48"), (12, "node16"), (4, "node16"), (3, "node4"),
    ]
    var live = 256
    for (n, kind) in steps {
      while live > n {
        live -= 1
        #expect(t.delete([9, 9, 9, UInt8(live)]))
      }
      #expect(t.detail("\(kind)_count") == 1, "\(n) children should be one \(kind)")
      try t.checkInvariants()
    }
    t.delete([9, 9, 9, 2])
    t.delete([9, 9, 9, 1])
    #expect(t.detail("node4_count") == 0 && t.detail("leaf_count") == 1)
    #expect(t.stats.height == 1)
    t.delete([9, 9, 9, 0])
    #expect(t.stats.logicalBytes == 0 && t.stats.keys == 0)
  }

  @Test(arguments: variants) func keysThatArePrefixesOfOthersAndHoldZeroBytes(
    options: [String: String]
  ) throws {
    let t = try make(options)
    let keys: [[UInt8]] = [
      [], [0], [0, 0], [0, 0, 0], [1], [1, 0], [1, 0, 1], [1, 0, 1, 0], [0x61], [0x61, 0, 0x62],
    ]
    for (i, k) in keys.enumerated() { #expect(t.put(k, [UInt8(i)])) }
    for (i, k) in keys.enumerated() { #expect(t.value(k) == [UInt8(i)]) }
    #expect(t.keys() == keys.sorted { $0.lexicographicallyPrecedes($1) })
    try t.checkInvariants()
    for k in keys.reversed() {
      #expect(t.delete(k))
      try t.checkInvariants()
    }
    #expect(t.stats.keys == 0)
  }

  @Test(arguments: variants) func prefixSplitsAtEveryPosition(options: [String: String]) throws {
    // A long shared prefix (longer than a header keeps and than one prefix node), split at
    // every position by keys that diverge there or end there.
    let base = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    let t = try make(options)
    t.put(base + [1])
    t.put(base + [2])
    var expected: [[UInt8]] = [base + [1], base + [2]]
    for cut in stride(from: 299, through: 0, by: -13) {
      var diverging = Array(base.prefix(cut))
      diverging.append(base[cut] &+ 1)
      t.put(diverging)
      t.put(Array(base.prefix(cut)))
      expected += [diverging, Array(base.prefix(cut))]
      try t.checkInvariants()
    }
    #expect(t.keys() == expected.sorted { $0.lexicographicallyPrecedes($1) })
    for k in expected { #expect(t.value(k) == [1]) }
    for k in expected.shuffled() {
      #expect(t.delete(k))
      try t.checkInvariants()
    }
    #expect(t.stats.logicalBytes == 0 || options["delete"] == "tombstone")
  }

  @Test(arguments: variants) func longKeys(options: [String: String]) throws {
    let t = try make(options)
    let long = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
    let keys = [long, long + [0], Array(long.prefix(4096)), Array(long.prefix(4095)) + [0x01]]
    for (i, k) in keys.enumerated() {
      let ok = t.put(k, Array(repeating: 3, count: 200))
      #expect(ok, "insert of long key \(i)")
    }
    for (i, k) in keys.enumerated() {
      let found = t.value(k) == Array(repeating: 3, count: 200)
      #expect(found, "lookup of long key \(i)")
    }
    try t.checkInvariants()
  }

  @Test func oversizedInputIsRefused() throws {
    let t = try make()
    #expect(!t.put(Array(repeating: 1, count: 65_536)))
    #expect(!t.put([1], Array(repeating: 1, count: (16 << 20) + 1)))
    #expect(t.stats.keys == 0)
  }

  @Test func tombstonesAreCountedAndResurrected() throws {
    let t = try make(["delete": "tombstone"])
    for b in 0..<20 { t.put([5, UInt8(b)]) }
    for b in 0..<10 { #expect(t.delete([5, UInt8(b)])) }
    #expect(!t.delete([5, 0]))
    #expect(t.detail("tombstones") == 10 && t.stats.keys == 10)
    #expect(t.detail("node48_count") == 1, "tombstones change no structure")
    #expect(t.value([5, 3]) == nil && t.keys().count == 10)
    #expect(t.put([5, 3], [7]))
    #expect(t.detail("tombstones") == 9 && t.value([5, 3]) == [7])
    try t.checkInvariants()
  }

  @Test func sameSizeUpdateKeepsTheLeaf() throws {
    let t = try make()
    t.put([1, 2, 3], [1, 1])
    let before = [UInt8]([1, 2, 3]).withUnsafeBytes { t.tree.locate($0, Unlatched.self)!.leaf }
    _ = [UInt8]([1, 2, 3]).withUnsafeBytes { k in
      [UInt8]([2, 2]).withUnsafeBytes { t.update(k, $0) }
    }
    let after = [UInt8]([1, 2, 3]).withUnsafeBytes { t.tree.locate($0, Unlatched.self)!.leaf }
    #expect(before == after && t.value([1, 2, 3]) == [2, 2])
  }

  @Test func compactLeavesForSmallKeys() throws {
    let t = try make()
    t.put([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6, 7, 8])
    #expect(t.detail("leaf_bytes") == 16, "an 8-byte key and value take 16 bytes, no header")
    t.put(Array(repeating: 1, count: 300), [1])
    #expect(t.detail("leaf_bytes") == 16 + 8 + 301)
  }
}

@Suite struct ARTListing {
  let paths = [
    "a", "a/", "a/b", "a/b/c", "a/b/d", "a/bb", "a/c/x/y", "a/c/z", "a0", "b/1", "b/2/3", "img/",
    "img/cat.png", "img/sub/a.png", "img/sub/b.png", "img/sub2/c", "img/z.png", "imgx",
  ].map { Array($0.utf8) }

  @Test(arguments: variants) func matchesTheModelListing(options: [String: String]) throws {
    var checker = ModelChecker(try make(options))
    for k in paths { try k.withUnsafeBytes { try checker.insert($0, $0) } }
    let prefixes = ["", "a", "a/", "a/b", "img/", "img/sub", "b/", "zz"]
    let afters: [String?] = [nil, "a/b", "a/b/c", "img/cat.png", "img/sub/a.png", "a", "z"]
    for p in prefixes {
      for s in afters {
        for d: UInt8? in [nil, UInt8(ascii: "/"), UInt8(ascii: "b")] {
          for limit in [1, 2, 3, 100] {
            try Array(p.utf8).withUnsafeBytes { pb in
              if let s {
                try Array(s.utf8).withUnsafeBytes {
                  try checker.list(prefix: pb, startAfter: $0, delimiter: d, limit: limit)
                }
              } else {
                try checker.list(prefix: pb, delimiter: d, limit: limit)
              }
            }
          }
        }
      }
    }
  }

}

@Suite struct ARTCompaction {
  /// Tombstone variants: both prefix modes, unsynchronised and optimistic.
  static let tombstoneVariants = variants.filter { $0["delete"] == "tombstone" }

  /// Keys with shared prefixes of varied lengths (past the 4-byte header and the 108-byte prefix
  /// node), keys that are prefixes of others, and zero bytes.
  static func key(_ n: UInt64) -> [UInt8] {
    let stems: [[UInt8]] = [
      [], [0], [7, 7, 7, 7, 7, 7], Array(repeating: 0x61, count: 150), [1, 0, 1],
    ]
    var k = stems[Int(n % 5)]
    var x = n / 5
    repeat {
      k.append(UInt8(x % 7))
      x /= 7
    } while x > 0
    return k
  }

  @Test(arguments: tombstoneVariants) func compactKeepsTheModelAndDropsTombstones(
    options: [String: String]
  ) throws {
    let t = try make(options)
    var model: [[UInt8]: [UInt8]] = [:]
    var removed: Set<[UInt8]> = []
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      rng &+= 0x9E37_79B9_7F4A_7C15
      var z = rng
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    for round in 0..<3 {
      for _ in 0..<4000 {
        let k = Self.key(next() % 3000)
        if next() % 100 < (round == 1 ? 80 : 45) {
          #expect(t.delete(k) == (model.removeValue(forKey: k) != nil))
          removed.insert(k)
        } else {
          let v = (0..<Int(next() % 12)).map { UInt8(truncatingIfNeeded: $0 &+ round) }
          _ = k.withUnsafeBytes { kb in v.withUnsafeBytes { t.write(kb, $0, .upsert) } }
          model[k] = v
          removed.remove(k)
        }
      }
      let tombstones = t.detail("tombstones")
      let deadBytes = t.detail("tombstone_bytes")
      #expect(tombstones > 0 && deadBytes > 0)
      let bytesBefore = t.stats.logicalBytes!
      t.compact()
      #expect(t.detail("tombstones") == 0 && t.detail("tombstone_bytes") == 0)
      #expect(t.detail("compacted_leaves") > 0)
      #expect(t.stats.keys == model.count)
      #expect(t.stats.logicalBytes! <= bytesBefore - deadBytes)
      try t.checkInvariants()
      for (k, v) in model { #expect(t.value(k) == v) }
      for k in removed { #expect(t.value(k) == nil) }
      #expect(t.keys() == model.keys.sorted { $0.lexicographicallyPrecedes($1) })
    }
    // Drained: compaction leaves an empty tree.
    for k in Array(model.keys) { #expect(t.delete(k)) }
    t.compact()
    #expect(t.stats.keys == 0 && t.stats.logicalBytes == 0 && t.tree.root.pointee == 0)
    try t.checkInvariants()
    #expect(t.put([3, 4]) && t.value([3, 4]) == [1])
  }

  @Test func compactShrinksNodesWithHysteresis() throws {
    let t = try make(["delete": "tombstone", "compact": "between_phases"])
    for b in 0..<256 { t.put([9, 9, 9, UInt8(b)]) }
    for b in 2..<256 { t.delete([9, 9, 9, UInt8(b)]) }
    #expect(t.detail("node256_count") == 1 && t.detail("tombstones") == 254)
    t.phaseEnded()
    #expect(t.detail("node256_count") == 0 && t.detail("node4_count") == 1)
    #expect(t.detail("compactions") == 1 && t.detail("compacted_leaves") == 254)
    try t.checkInvariants()
    t.delete([9, 9, 9, 1])
    t.phaseEnded()
    #expect(t.detail("node4_count") == 0 && t.stats.keys == 1 && t.value([9, 9, 9, 0]) == [1])
    try t.checkInvariants()
  }

  @Test func withoutTheKnobPhaseEndedLeavesTombstones() throws {
    let t = try make(["delete": "tombstone"])
    t.put([1])
    t.delete([1])
    t.phaseEnded()
    #expect(t.detail("tombstones") == 1 && t.detail("tombstone_bytes") == 2)
  }
}
