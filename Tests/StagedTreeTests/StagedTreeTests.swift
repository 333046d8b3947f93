import EngineConformance
import EngineKit
import Testing

@testable import StagedTree

/// Small nodes (with limits lowered to match) so a few thousand keys build several levels.
let small: [String: String] = [
  "leaf_node_size": "4096", "internal_node_size": "4096", "max_namespace": "64",
  "max_object_name": "255", "max_value": "300",
]
let variants: [[String: String]] = [
  [:], small, small.merging(["internal_node_size": "8192"]) { $1 }, ["layout": "simple"],
  small.merging(["layout": "simple"]) { $1 },
  // Generic keys under one placement (the pre-`prefix` mapping): each node one slot.
  small.merging(["generic_placement": "fixed"]) { $1 },
]

func make(_ options: [String: String] = [:], onode: Bool = false) throws -> StagedTreeEngine {
  try StagedTreeEngine(options: EngineOptions(options, keyKind: onode ? .onode : .bytes))
}

/// Onode keys from small ranges, so placements, names and versions are shared and nodes hold
/// every stage: `placements` × `names` × `versions`, names of 0–`nameLength` bytes.
func onodeKeys(placements: Int, names: Int, versions: Int, nameLength: Int = 40) -> [[UInt8]] {
  var out: [[UInt8]] = []
  for p in 0..<placements {
    for n in 0..<names {
      let length = (p * 7 + n * 13) % (nameLength + 1)
      let ns = n % 3 == 0 ? [] : Array("ns\(n % 3)".utf8)
      let oid = Array(repeating: UInt8(97 + n % 26), count: length) + Array("\(n)".utf8)
      for v in 0..<versions {
        out.append(
          OnodeKey(
            shard: Int8(p % 3) - 1, pool: Int64(p / 3) - 1, crush: UInt32(p) &* 0x9E37_79B9,
            nspace: ns, oid: oid, snap: UInt64(v * 3), gen: v == versions - 1 ? .max : UInt64(v)
          ).encoded)
      }
    }
  }
  return out
}

@Suite struct StagedTreeConformance {
  @Test(arguments: variants) func randomOperationsMatchTheModel(options: [String: String]) throws {
    try ConformanceSuite.check({ try make(options) }, rounds: 2)
  }

  @Test(arguments: variants) func manyNodesWithLargeValues(options: [String: String]) throws {
    var c = ConformanceSuite.Configuration()
    c.keySpace = 2500
    c.maxValueLength = 300
    c.seed = 11
    try ConformanceSuite.check({ try make(options) }, rounds: 1, configuration: c)
  }

  @Test(arguments: variants) func onodeKeysMatchTheModel(options: [String: String]) throws {
    var c = ConformanceSuite.Configuration()
    c.keys = onodeKeys(placements: 25, names: 12, versions: 8)
    c.maxValueLength = 200
    c.seed = 5
    try ConformanceSuite.check({ try make(options, onode: true) }, rounds: 1, configuration: c)
  }

  @Test(arguments: variants) func concurrentReaders(options: [String: String]) throws {
    try ConformanceSuite.concurrentReads { try make(options) }
    var c = ConformanceSuite.Configuration()
    c.keys = onodeKeys(placements: 25, names: 12, versions: 8)
    try ConformanceSuite.concurrentReads({ try make(options, onode: true) }, configuration: c)
  }
}

func onode(_ p: Int, _ name: String, _ v: Int, ns: String = "") -> [UInt8] {
  OnodeKey(
    shard: 0, pool: Int64(p), crush: UInt32(p), nspace: Array(ns.utf8), oid: Array(name.utf8),
    snap: UInt64(v), gen: 0
  ).encoded
}

@Suite struct StagedTreeStructure {
  @Test func eachStageCostsExactlyWhatTheLayoutSays() throws {
    let t = try make(onode: true)
    let payload = [UInt8](repeating: 7, count: 10)
    func filled() -> Int { t.detail("filled_bytes") }
    #expect(filled() == 3)
    // New slot: 15 + names (ns 2 + oid "obj" 3 + 2) + item length 2 + count 1 + version.
    t.put(onode(1, "obj", 1), payload)
    let version = 2 + 16 + 3 + 10
    #expect(filled() == 3 + 15 + 2 + 5 + 2 + 1 + version)
    let afterSlot = filled()
    // A new version of the same object: one sub-item.
    t.put(onode(1, "obj", 2), payload)
    #expect(filled() == afterSlot + version)
    // A new name under the same placement: item + count byte + sub-item.
    t.put(onode(1, "other", 1, ns: "n"), payload)
    #expect(filled() == afterSlot + version + (3 + 7 + 2 + 1 + version))
    // Erasing returns every byte.
    #expect(t.delete(onode(1, "other", 1, ns: "n")) && t.delete(onode(1, "obj", 2)))
    #expect(filled() == afterSlot)
    #expect(t.delete(onode(1, "obj", 1)) && filled() == 3)
    try t.checkInvariants()
  }

  @Test func splitsGrowTheTreeAndErasesShrinkItBack() throws {
    let t = try make(small, onode: true)
    let keys = onodeKeys(placements: 60, names: 20, versions: 6).shuffled(using: &seeded)
    for k in keys { #expect(t.put(k, [UInt8](repeating: 3, count: 24))) }
    try t.checkInvariants()
    #expect(t.stats.height! >= 3 && t.detail("splits") > 0)
    // tree_stats_t's check: every node but the root is one internal kv (tail children included).
    #expect(t.detail("num_kvs_internal") + 1 == t.detail("num_nodes"))
    #expect(t.detail("height") == t.stats.height! && t.detail("num_kvs_leaf") == keys.count)
    #expect(t.keys() == keys.sorted { $0.lexicographicallyPrecedes($1) })
    for (i, k) in keys.enumerated() where i % 10 != 0 { #expect(t.delete(k)) }
    try t.checkInvariants()
    #expect(t.detail("merges") > 0)
    for (i, k) in keys.enumerated() where i % 10 == 0 { #expect(t.delete(k)) }
    try t.checkInvariants()
    #expect(t.stats.keys == 0 && t.stats.height == 1 && t.detail("leaf_nodes") == 1)
    #expect(t.detail("root_shrinks") > 0)
  }

  @Test func splitsInsideOneObjectsVersionsDuplicateItsName() throws {
    let t = try make(small, onode: true)
    let name = String(repeating: "x", count: 200)
    for v in 0..<400 { #expect(t.put(onode(5, name, v), [UInt8](repeating: 1, count: 8))) }
    try t.checkInvariants()
    let leaves = t.detail("leaf_nodes")
    #expect(leaves > 1)
    // Each leaf stores the slot and the name once: compression well under the logical size.
    #expect(t.detail("key_compression_pct") < 25)
    for v in 0..<400 where v % 4 != 0 { #expect(t.delete(onode(5, name, v))) }
    try t.checkInvariants()
    #expect(t.detail("leaf_nodes") < leaves)
  }

  @Test func splitsInsideOnePlacementsNamesDuplicateThePlacement() throws {
    let t = try make(small, onode: true)
    for i in 0..<300 {
      #expect(t.put(onode(9, "object-\(1000 + i)", 1), [UInt8](repeating: 2, count: 8)))
    }
    try t.checkInvariants()
    // One placement, 300 names: every leaf holds one slot, so slots = leaves.
    let leaves = t.detail("leaf_nodes")
    #expect(leaves > 1)
    let perName = (0 + 2) + (11 + 2) + 2 + 1 + (2 + 16 + 3 + 8)  // names, item length, count, version
    #expect(t.detail("leaf_filled_bytes") == leaves * (3 + 15) + 300 * perName)
  }

  @Test func mergingStoresASharedNameOnce() throws {
    let t = try make(small, onode: true)
    let name = String(repeating: "m", count: 100)
    var n = 0
    while t.detail("leaf_nodes") < 2 {
      t.put(onode(3, name, n), [UInt8](repeating: 4, count: 16))
      n += 1
    }
    // Two leaves, each with its own copy of the slot and the name.
    let version = 2 + 16 + 3 + 16
    let head = 15 + 2 + 102 + 2 + 1  // slot, empty namespace, name, item length, count
    #expect(t.detail("leaf_filled_bytes") == 2 * (3 + head) + n * version)
    for v in 0..<(n * 3 / 4) { #expect(t.delete(onode(3, name, v))) }
    try t.checkInvariants()
    #expect(t.detail("leaf_nodes") == 1 && t.detail("merges") >= 1)
    #expect(t.detail("leaf_filled_bytes") == 3 + head + (n - n * 3 / 4) * version)
  }

  @Test func sequentialAndReverseInsertsStayBalanced() throws {
    for reverse in [false, true] {
      let t = try make(small)
      let order = reverse ? Array((0..<5000).reversed()) : Array(0..<5000)
      for i in order {
        #expect(t.put(withUnsafeBytes(of: UInt64(i).bigEndian, Array.init), [1, 2]))
      }
      try t.checkInvariants()
      #expect(t.stats.keys == 5000 && t.detail("fill_pct") > 45)
    }
  }

  @Test func updatesOfAnotherSizeReinsert() throws {
    let t = try make(onode: true)
    let k = onode(1, "a", 1)
    t.put(k, [1, 2, 3])
    #expect(
      k.withUnsafeBytes { key in ([9, 9, 9] as [UInt8]).withUnsafeBytes { t.update(key, $0) } })
    #expect(t.value(k) == [9, 9, 9])
    #expect(k.withUnsafeBytes { key in ([7] as [UInt8]).withUnsafeBytes { t.update(key, $0) } })
    #expect(t.value(k) == [7] && t.stats.keys == 1)
    try t.checkInvariants()
  }

  @Test func oversizedInputIsRefused() throws {
    let t = try make(small, onode: true)
    #expect(!t.put(onode(1, String(repeating: "o", count: 256), 1)))
    #expect(!t.put(onode(1, "a", 1, ns: String(repeating: "n", count: 65))))
    #expect(!t.put(onode(1, "a", 1), [UInt8](repeating: 0, count: 301)))
    #expect(!t.put([1, 2, 3]))  // not an onode key
    #expect(t.stats.keys == 0)
  }

  @Test func configurationsThatCouldDoubleSplitAreRejected() throws {
    #expect(throws: EngineOptionError.self) { try make(["leaf_node_size": "4096"]) }
    let message = (try? make(["leaf_node_size": "4096"])) == nil
    #expect(message)
    #expect(throws: EngineOptionError.self) { try make(["leaf_node_size": "6000"]) }
    _ = try make(["leaf_node_size": "4096", "max_object_name": "640", "max_value": "640"])
  }

  /// crimson's `validate_tree_config` (value.cc) counts sizeof(node_header_t) = 2, not the 3 of
  /// header + num_keys: leaf bound = 2 + 2 × (top insert + strings) + (top − bottom insert +
  /// strings). With names 200 + 800 B and an empty-string top insert of 15 + 2 + 2 + 2 + 1 +
  /// (2 + 16 + 3 + V): 2 + 2 × (43 + V + 1000) + (22 + 1000) = 3110 + 2V, so V = 493 fills a 4096
  /// leaf exactly (a 3-byte header would refuse it) and V = 494 is one byte over.
  @Test func doubleSplitBoundCountsCrimsonsTwoByteHeader() throws {
    let base = ["leaf_node_size": "4096", "max_namespace": "200", "max_object_name": "800"]
    _ = try make(base.merging(["max_value": "493"]) { $1 })
    #expect(throws: EngineOptionError.self) { try make(base.merging(["max_value": "494"]) { $1 }) }
    // (Internal nodes stay 8192: 2 + 2 × (15 + 4 + 2 + 24 + 1000) + (21 + 1000) = 3113 fits.)
    var c = StagedTreeConfig()
    (c.leafNodeSize, c.maxNamespace, c.maxObjectName, c.maxValue) = (4096, 200, 800, 493)
    #expect(c.violation() == nil)
    c.maxValue = 494
    #expect(c.violation() != nil)
  }
}

nonisolated(unsafe) var seeded = ConformanceSuite.SplitMix(42)

@Suite struct StagedCursorTests {
  @Test func cursorsSurviveSplitsAndMergesAndErasedOnesTurnInvalid() throws {
    let t = try make(small, onode: true)
    let keys = onodeKeys(placements: 30, names: 10, versions: 4).sorted {
      $0.lexicographicallyPrecedes($1)
    }
    for k in keys.prefix(50) { t.put(k, [1]) }
    var held = t.cursor(at: keys[20])
    var doomed = t.cursor(at: keys[21])
    #expect(held.key == keys[20] && held.state == .tracked)
    // Grow the tree around the cursors: many splits and root growth.
    for k in keys.dropFirst(50) { t.put(k, [2]) }
    #expect(t.stats.height! >= 2 && t.detail("splits") > 10)
    #expect(t.value(at: &held) == [1] && held.key == keys[20])
    #expect(t.delete(keys[21]))
    #expect(t.value(at: &doomed) == nil && doomed.state == .invalid)
    t.advance(&held)
    #expect(held.key == keys[22])
    // Shrink it again: merges and root shrink under the cursor.
    for (i, k) in keys.enumerated() where i > 30 { #expect(t.delete(k)) }
    #expect(t.value(at: &held) == [1] && held.key == keys[22])
    for _ in 0..<8 { t.advance(&held) }
    #expect(held.key == keys[30])
    t.advance(&held)
    #expect(held.state == .end)
    #expect(t.detail("merges") > 0)
    var end = t.cursor(at: [0xff])
    #expect(end.state == .end && t.value(at: &end) == nil)
  }

  /// Quincy invalidates a cursor whose entry is erased (`track_erase`), and it stays invalid:
  /// the same key inserted again is a new entry. A cursor on another entry, and a cursor taken
  /// after the re-insert, are valid.
  @Test func anErasedCursorStaysInvalidWhenItsKeyComesBack() throws {
    for options in [small, small.merging(["layout": "simple"]) { $1 }] {
      let t = try make(options, onode: true)
      let keys = onodeKeys(placements: 4, names: 3, versions: 3).sorted {
        $0.lexicographicallyPrecedes($1)
      }
      for k in keys { t.put(k, [1]) }
      var erased = t.cursor(at: keys[5])
      var neighbour = t.cursor(at: keys[6])
      #expect(t.delete(keys[5]))
      #expect(t.put(keys[5], [2]))
      #expect(t.value(at: &erased) == nil && erased.state == .invalid)
      t.advance(&erased)
      #expect(erased.state == .invalid)
      #expect(t.value(at: &neighbour) == [1] && neighbour.state == .tracked)
      var fresh = t.cursor(at: keys[5])
      #expect(t.value(at: &fresh) == [2] && fresh.key == keys[5])
      // An update of another size (erase and insert inside the engine, as value sizes are fixed
      // once inserted) is no erase for good: the cursor follows the key.
      #expect(
        keys[6].withUnsafeBytes { k in ([3, 3] as [UInt8]).withUnsafeBytes { t.update(k, $0) } })
      #expect(t.value(at: &neighbour) == [3, 3])
    }
  }

  @Test func cursorsWalkEveryEntryInOrder() throws {
    let t = try make(small)
    let keys = (0..<3000).map {
      withUnsafeBytes(of: UInt64($0 &* 2_654_435_761 % 100_000).bigEndian, Array.init)
    }
    for k in keys { t.put(k, [7]) }
    var c = t.cursor(at: [])
    var seen: [[UInt8]] = []
    while c.state == .tracked {
      seen.append(c.key)
      t.advance(&c)
    }
    #expect(seen == Array(Set(keys)).sorted { $0.lexicographicallyPrecedes($1) })
  }
}
