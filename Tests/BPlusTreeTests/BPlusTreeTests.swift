import EngineConformance
import EngineKit
import Testing

@testable import BPlusTree

let variants: [[String: String]] = [
  [:], ["split": "count"], ["checksum": "on", "copy_on_read": "on"], ["page_size": "8192"],
  ["page_size": "65536", "split": "count"], ["concurrency": "olc"],
  ["concurrency": "olc", "checksum": "on", "copy_on_read": "on"],
  ["concurrency": "olc", "page_size": "8192", "split": "count"],
  ["rebalance": "reddb"], ["rebalance": "reddb", "page_size": "8192", "split": "count"],
  ["checksum": "crc32", "write_back": "on"], ["profile": "reddb"],
  ["profile": "reddb", "concurrency": "olc"],
]

func make(_ options: [String: String] = [:]) throws -> BPlusTreeEngine {
  try BPlusTreeEngine(options: EngineOptions(options))
}

/// 8-byte big-endian key for n.
func key(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(n).bigEndian, Array.init) }

@Suite struct BPlusTreeConformance {
  @Test(arguments: variants) func randomOperationsMatchTheModel(options: [String: String]) throws {
    try ConformanceSuite.check({ try make(options) }, rounds: 2)
  }

  @Test(arguments: variants) func manyPagesWithLargeValues(options: [String: String]) throws {
    var c = ConformanceSuite.Configuration()
    c.keySpace = 2500
    c.maxValueLength = 300
    c.seed = 11
    try ConformanceSuite.check({ try make(options) }, rounds: 1, configuration: c)
  }

  @Test(arguments: variants) func concurrentReaders(options: [String: String]) throws {
    try ConformanceSuite.concurrentReads { try make(options) }
  }
}

@Suite struct BPlusTreeStructure {
  @Test func splitsGrowTheTreeAndDeletesShrinkItBack() throws {
    let t = try make()
    let n = 20_000
    for i in 0..<n { #expect(t.put(key(i &* 7919 % n), Array(repeating: 5, count: 16))) }
    try t.checkInvariants()
    #expect(t.stats.height! >= 3 && t.detail("splits") > 0)
    for i in 0..<n where i % 10 != 0 { #expect(t.delete(key(i))) }
    try t.checkInvariants()
    #expect(t.detail("merges") > 0 && t.detail("borrows") >= 0)
    for i in stride(from: 0, to: n, by: 10) { #expect(t.delete(key(i))) }
    try t.checkInvariants()
    #expect(t.stats.keys == 0 && t.stats.height == 1 && t.detail("leaf_pages") == 1)
  }

  @Test func pageFullAndUnderflowEdges() throws {
    // Equal-size entries: find the exact count that fills one page, then cross each edge.
    let t = try make()
    var n = 0
    while t.detail("leaf_pages") == 1 {
      t.put(key(n), Array(repeating: 1, count: 40))
      n += 1
    }
    let perPage = n - 1
    #expect(perPage == (4096 - 48) / (6 + 8 + 40))
    try t.checkInvariants()
    // Delete down to the floor and one past it: the second page must rebalance, not underflow.
    for i in 0..<n - 1 {
      t.delete(key(i))
      try t.checkInvariants()
    }
    #expect(t.stats.keys == 1 && t.detail("leaf_pages") == 1)
  }

  @Test func keysAndValuesAtTheLimits() throws {
    for size in [4096, 65536] {
      let t = try make(["page_size": String(size)])
      let (maxKey, maxEntry) = Tree.limits(pageSize: size)
      for i in 0..<12 {
        let k = [UInt8(i)] + Array(repeating: UInt8(i), count: maxKey - 1)
        #expect(t.put(k, Array(repeating: 9, count: maxEntry - maxKey)))
      }
      try t.checkInvariants()
      #expect(!t.put(Array(repeating: 1, count: maxKey + 1), []), "an oversized key is refused")
      #expect(!t.put([1], Array(repeating: 1, count: maxEntry)), "an oversized entry is refused")
      for i in 0..<12 {
        #expect(t.delete([UInt8(i)] + Array(repeating: UInt8(i), count: maxKey - 1)))
        try t.checkInvariants()
      }
      try t.checkInvariants()
    }
  }

  @Test func inPlaceUpdateAndGrowingUpdate() throws {
    let t = try make()
    for i in 0..<500 { t.put(key(i), [1, 1]) }
    _ = key(7).withUnsafeBytes { k in [UInt8]([2, 2]).withUnsafeBytes { t.update(k, $0) } }
    _ = key(8).withUnsafeBytes { k in
      Array(repeating: UInt8(3), count: 900).withUnsafeBytes { t.update(k, $0) }
    }
    #expect(t.value(key(7)) == [2, 2] && t.value(key(8)) == Array(repeating: 3, count: 900))
    #expect(t.stats.keys == 500)
    try t.checkInvariants()
  }

  /// Shrinking values by update drains pages like deletes do; they must rebalance the same way
  /// (the random suite found a leaf left at 999 of a 1,012-byte floor).
  @Test func shrinkingUpdatesKeepTheFloor() throws {
    let t = try make()
    for i in 0..<400 { t.put(key(i), Array(repeating: 1, count: 200)) }
    for i in 0..<400 {
      _ = key(i).withUnsafeBytes { k in [UInt8]([2]).withUnsafeBytes { t.update(k, $0) } }
      if i % 40 == 39 { try t.checkInvariants() }
    }
    #expect(t.stats.keys == 400 && t.detail("merges") > 0 && t.value(key(399)) == [2])
  }

  @Test func cursorsAndInclusiveRange() throws {
    let t = try make()
    for i in stride(from: 0, to: 3000, by: 3) { t.put(key(i)) }
    var c = t.first()
    #expect(c.next().map { Array($0.0) } == key(0))
    var s = key(10).withUnsafeBytes { t.seek($0) }
    #expect(s.next().map { Array($0.0) } == key(12))
    var seen: [[UInt8]] = []
    let n = key(300).withUnsafeBytes { a in
      key(600).withUnsafeBytes { b in
        t.range(a, b) { k, _ in
          seen.append(Array(k))
          return true
        }
      }
    }
    #expect(n == 101 && seen.first == key(300) && seen.last == key(600))
  }

  @Test func crcIsStampedOnEveryWrite() throws {
    let t = try make(["checksum": "on"])
    for i in 0..<2000 { t.put(key(i)) }
    for i in 0..<1000 { t.delete(key(i * 2)) }
    try t.checkInvariants()
    #expect(t.detail("checksum_bytes") > 0)
    let leaf = t.tree.page(t.tree.directory.pointee.root)
    leaf.p.storeBytes(
      of: leaf.p.load(fromByteOffset: 100, as: UInt8.self) ^ 1, toByteOffset: 100, as: UInt8.self)
    #expect(throws: InvariantViolation.self) { try t.checkInvariants() }
  }
}

/// Regression tests for the B+ tree's known hazards: (a) the rightmost-leaf insert fast path
/// after a split, (b) bulk load against leaf bounds, (c) count-based splits with skewed entry
/// sizes, (d) rebalancing against the right parent, (e) scans over emptied leaves.
@Suite struct BPlusTreeHazards {
  @Test func fastPathIsNotMisroutedAfterASplit() throws {
    // (a) Ascending inserts use the rightmost-leaf fast path; a split then sends the new key
    // left while the cache must hold the right leaf's true maximum, not the last key inserted.
    let t = try make()
    for i in stride(from: 0, to: 4000, by: 4) { t.put(key(i)) }
    #expect(t.detail("fast_path_hits") > 0)
    for i in stride(from: 1, to: 4000, by: 4) {
      t.put(key(i))
      t.put(key(4000 + i))
    }
    try t.checkInvariants()
    #expect(!t.put(key(3999 + 4000 - 2)), "a duplicate is still detected")
    for i in stride(from: 0, to: 4000, by: 4) { #expect(t.value(key(i)) != nil) }
    for i in stride(from: 1, to: 4000, by: 4) {
      #expect(t.value(key(i)) != nil && t.value(key(4000 + i)) != nil)
    }
  }

  @Test func bulkLoadThenInsertsBetweenLoadedKeys() throws {
    // (b) Bulk loading must not place keys beyond a leaf's upper bound.
    for fill in ["60", "100"] {
      let t = try make(["fill": fill])
      #expect(
        t.bulkLoad((0..<50_000).map { (key($0 * 2), [UInt8(truncatingIfNeeded: $0)]) }) == 50_000)
      try t.checkInvariants()
      for i in stride(from: 1, to: 100_000, by: 2) where i % 7 == 0 { #expect(t.put(key(i))) }
      for i in stride(from: 0, to: 100_000, by: 6) {
        #expect(!t.put(key(i)), "duplicate of a bulk-loaded key")
      }
      try t.checkInvariants()
      #expect(t.keys().count == 50_000 + (0..<100_000).filter { $0 % 2 == 1 && $0 % 7 == 0 }.count)
      #expect(t.bulkLoad([(key(1), [1])]) == 1, "a tree that is not empty takes inserts")
    }
    let unsorted = try make()
    #expect(unsorted.bulkLoad([(key(2), [1]), (key(1), [1])]) == 0)
    #expect(unsorted.stats.keys == 0)
    try unsorted.checkInvariants()
  }

  @Test func fillHistogramCountsEveryLeaf() throws {
    for fill in [60, 100] {
      let t = try make(["fill": String(fill)])
      _ = t.bulkLoad((0..<20_000).map { (key($0), [UInt8](repeating: 1, count: 8)) })
      let buckets = (0..<10).map { t.detail("leaves_fill_\($0 * 10)_\($0 * 10 + 10)") }
      let leaves = t.detail("leaf_pages")
      let mean = t.detail("leaf_fill_pct")
      #expect(buckets.reduce(0, +) == leaves)
      // The last two leaves may be evened out below the mean (a tail under the floor).
      #expect(buckets[mean / 10] >= leaves - 2, "all but the last two leaves near the mean \(mean)")
      #expect(mean <= fill && mean > fill * 8 / 10)
    }
  }

  @Test func countSplitWithSkewedSizesDoesNotOverflow() throws {
    // (c) Many tiny entries then a few huge ones: a median-by-count split would put the huge
    // ones together on one page; the engine falls back to a byte split instead.
    let t = try make(["split": "count"])
    for i in 0..<60 { t.put(key(i), [1]) }
    for i in 60..<64 { t.put(key(i), Array(repeating: 2, count: 1700)) }
    try t.checkInvariants()
    #expect(t.detail("count_split_fallbacks") > 0)
    for i in 0..<64 { #expect(t.value(key(i)) != nil) }
  }

  @Test func deletesRebalanceAgainstTheRightParent() throws {
    // (d) Deletes after many splits (deep tree, long keys so interior pages split too) must
    // always rebalance under the page's real parent.
    let t = try make()
    let long = { (i: Int) in key(i) + Array(repeating: UInt8(i % 251), count: 300) }
    for i in 0..<3000 { t.put(long(i * 37 % 3000)) }
    #expect(t.detail("interior_pages") > 1)
    for i in 0..<3000 where i % 3 != 0 {
      #expect(t.delete(long(i)))
      if i % 97 == 0 { try t.checkInvariants() }
    }
    try t.checkInvariants()
  }

  @Test func scansSkipEmptiedRegions() throws {
    // (e) After deleting a long contiguous run, a scan from before it continues past it.
    let t = try make()
    for i in 0..<5000 { t.put(key(i)) }
    for i in 100..<4900 { t.delete(key(i)) }
    let got = t.keys(from: key(50))
    #expect(got == (50..<100).map(key) + (4900..<5000).map(key))
  }
}
