import EngineConformance
import EngineKit
import Testing

@testable import BPlusTree

/// reddb's `bulk_insert_sorted`: a bulk load into a tree that is not empty appends entries above
/// its largest key page by page along the right edge (`Tree.appendSorted`); anything else falls
/// back to inserts. Checked against a dictionary model: invariants, every key's value, full scans.
@Suite struct BPlusTreeAppendSorted {
  static let appendVariants: [[String: String]] = [
    [:], ["split": "count"], ["fill": "60"], ["page_size": "8192"],
    ["checksum": "on", "copy_on_read": "on"], ["checksum": "crc32", "write_back": "on"],
    ["rebalance": "reddb"], ["profile": "reddb"], ["concurrency": "olc"],
    ["concurrency": "olc", "page_size": "8192", "split": "count"],
  ]

  /// The engine and its model.
  struct Subject {
    let t: BPlusTreeEngine
    var model: [[UInt8]: [UInt8]] = [:]

    /// Invariants, the key count, every key's value and a full scan in order.
    func check(_ note: String) throws {
      try t.checkInvariants()
      #expect(t.stats.keys == model.count, "\(note): key count")
      let sorted = model.keys.sorted { $0.lexicographicallyPrecedes($1) }
      for k in sorted where t.value(k) != model[k] {
        Issue.record("\(note): key \(k) has \(String(describing: t.value(k)))")
        return
      }
      var scanned: [([UInt8], [UInt8])] = []
      _ = [UInt8]().withUnsafeBytes {
        t.scan(from: $0, limit: .max) { k, v in
          scanned.append((Array(k), Array(v)))
          return true
        }
      }
      #expect(scanned.map(\.0) == sorted, "\(note): scan order")
      #expect(scanned.allSatisfy { model[$0.0] == $0.1 }, "\(note): scanned values")
    }
  }

  static func value(_ n: Int, length: Int) -> [UInt8] {
    (0..<length).map { UInt8(truncatingIfNeeded: n &* 31 &+ $0) }
  }

  /// A tree built by inserts (keys 2i for i < `base`, shuffled, values 1…24 bytes), then every
  /// fifth key removed and every seventh updated, so pages hold garbage and the rightmost leaf
  /// is not a bulk-built one.
  static func built(_ options: [String: String], base: Int, seed: UInt64 = 7) throws -> Subject {
    var s = Subject(t: try make(options))
    var rng = ConformanceSuite.SplitMix(seed)
    var order = Array(0..<base)
    order.shuffle(using: &rng)
    for i in order {
      let v = value(i, length: 1 + i % 24)
      #expect(s.t.put(key(2 * i), v))
      s.model[key(2 * i)] = v
    }
    for i in stride(from: 0, to: base, by: 5) where base > 1 {
      #expect(s.t.delete(key(2 * i)))
      s.model[key(2 * i)] = nil
    }
    for i in stride(from: 3, to: base, by: 7) where s.model[key(2 * i)] != nil {
      let v = value(i + 1, length: i % 3)
      #expect(s.t.replace(key(2 * i), v))
      s.model[key(2 * i)] = v
    }
    return s
  }

  /// Leaf entries a bulk load packs per page with these options (8-byte keys, `value` bytes).
  static func perLeaf(_ options: [String: String], value: Int) throws -> Int {
    let t = try make(options)
    _ = t.bulkLoad((0..<5000).map { (key($0), [UInt8](repeating: 1, count: value)) })
    var p = t.tree.page(t.tree.directory.pointee.root)
    while !p.isLeaf { p = t.tree.page(p.child(at: 0)) }
    return p.count
  }

  /// `count` sorted entries from key `start` on (step 1), `value`-byte values.
  static func entries(from start: Int, count: Int, value: Int = 16) -> [([UInt8], [UInt8])] {
    (0..<count).map { (key(start + $0), Self.value(start + $0, length: value)) }
  }

  /// Appends through the engine's bulk load and expects the append path (no splits, no
  /// fast-path inserts: no per-entry descent) and every entry loaded.
  static func append(_ s: inout Subject, _ batch: [([UInt8], [UInt8])], _ note: String) {
    let (splits, hits) = (s.t.detail("splits"), s.t.detail("fast_path_hits"))
    #expect(s.t.bulkLoad(batch) == batch.count, "\(note): loaded")
    #expect(s.t.detail("splits") == splits, "\(note): appended without splits")
    #expect(s.t.detail("fast_path_hits") == hits, "\(note): appended without inserts")
    for (k, v) in batch { s.model[k] = v }
  }

  /// 0, 1, a leaf's worth ± 1 and several leaves beyond the largest key of a tree built by
  /// inserts (height 2), each followed by inserts around and past the appended keys.
  @Test(arguments: appendVariants) func appendsAfterTheLargestKey(options: [String: String])
    throws
  {
    let per = try Self.perLeaf(options, value: 16)
    for size in [0, 1, per - 1, per, per + 1, 2 * per + 3, 7 * per] {
      var s = try Self.built(options, base: 3000)
      let note = "\(options) size \(size)"
      #expect(s.t.stats.height == 2, "\(note): base height")
      Self.append(&s, Self.entries(from: 6000, count: size), note)
      try s.check(note)
      // The tree keeps working: inserts between, at the new end and past it, then removes.
      for i in stride(from: 6001, to: 6000 + size + 300, by: 3) where s.model[key(i)] == nil {
        #expect(s.t.put(key(i), [9]))
        s.model[key(i)] = [9]
      }
      for i in stride(from: 6000, to: 6000 + size, by: 4) {
        #expect(s.t.delete(key(i)))
        s.model[key(i)] = nil
      }
      try s.check("\(note), then writes")
    }
  }

  /// Appends into a one-leaf tree (the root leaf, also right after its first key), and twice in
  /// a row.
  @Test(arguments: appendVariants) func appendsIntoASmallTree(options: [String: String]) throws {
    let per = try Self.perLeaf(options, value: 16)
    for (base, size) in [(1, 1), (1, per), (1, per + 1), (40, per - 1), (40, 5 * per)] {
      var s = try Self.built(options, base: base)
      let note = "\(options) base \(base) size \(size)"
      Self.append(&s, Self.entries(from: 2 * base, count: size), note)
      try s.check(note)
      Self.append(&s, Self.entries(from: 2 * base + size, count: per + 2), note + " again")
      try s.check(note + " again")
    }
  }

  /// Enough entries to add interior pages on every level and grow the tree by a level, with
  /// values of mixed lengths.
  @Test(arguments: [
    [:], ["split": "count"], ["fill": "50"], ["concurrency": "olc"], ["profile": "reddb"],
  ])
  func appendsGrowTheHeight(options: [String: String]) throws {
    for base in [30, 3000] {
      var s = try Self.built(options, base: base)
      let before = s.t.stats.height ?? 0
      let per = try Self.perLeaf(options, value: 16)
      // The root's fan-out at most: an interior cell takes 16 bytes for an 8-byte key.
      let fanout = (4096 - 48) / 16
      let size = before == 1 ? 3 * per : 2 * per * fanout
      let batch = (0..<size).map { (key(2 * base + $0), Self.value($0, length: $0 % 29)) }
      Self.append(&s, batch, "\(options) base \(base)")
      #expect((s.t.stats.height ?? 0) == before + 1, "\(options) base \(base): height grows")
      try s.check("\(options) base \(base)")
    }
  }

  /// Longer keys: separators and fences of varying lengths on every level.
  @Test func appendsWithLongKeys() throws {
    func long(_ n: Int) -> [UInt8] {
      Array("user\(100_000 + n)".utf8) + [UInt8](repeating: 7, count: n % 200)
    }
    let all: [[String: String]] = [
      [:], ["split": "count", "page_size": "8192"], ["concurrency": "olc"],
    ]
    for options in all {
      var s = Subject(t: try make(options))
      for i in stride(from: 0, to: 2000, by: 1).reversed() {
        #expect(s.t.put(long(i), [UInt8(i & 255)]))
        s.model[long(i)] = [UInt8(i & 255)]
      }
      let batch = (2000..<30_000).map { (long($0), Self.value($0, length: $0 % 40)) }
      Self.append(&s, batch, "\(options) long keys")
      try s.check("\(options) long keys")
    }
  }

  /// Entries that do not all sort after the largest key (overlapping, with or without
  /// duplicates), unsorted ones and oversized ones take the insert loop; the result still agrees
  /// with the model.
  @Test(arguments: appendVariants) func overlappingEntriesFallBackToInserts(
    options: [String: String]
  ) throws {
    var s = try Self.built(options, base: 3000)
    let max = s.model.keys.max { $0.lexicographicallyPrecedes($1) }!
    // Odd keys from below the largest one on: no duplicates, but they overlap.
    let odd = (0..<900).map { (key(5001 + 2 * $0), Self.value($0, length: 16)) }
    #expect(!Self.appends(s.t, odd), "overlapping entries are not appended")
    #expect(s.t.bulkLoad(odd) == odd.count)
    for (k, v) in odd { s.model[k] = v }
    try s.check("\(options) overlapping")
    // Ascending from an existing key on: the duplicates are skipped (`insertEach`).
    let dups = Self.entries(from: 6500, count: 400)
    let fresh = dups.filter { s.model[$0.0] == nil }
    #expect(fresh.count < dups.count)
    #expect(s.t.bulkLoad(dups) == fresh.count)
    for (k, v) in fresh { s.model[k] = v }
    try s.check("\(options) duplicates")
    // Above the largest key but unsorted: inserted one by one.
    let top = 20_000
    let unsorted =
      [(key(top + 2), [2]), (key(top + 1), [1]), (key(top + 3), [3])] as [([UInt8], [UInt8])]
    #expect(!Self.appends(s.t, unsorted))
    #expect(s.t.bulkLoad(unsorted) == 3)
    for (k, v) in unsorted { s.model[k] = v }
    try s.check("\(options) unsorted")
    // One entry too large: the rest go in.
    let big = [(key(top + 10), [1]), (key(top + 11), [UInt8](repeating: 1, count: 5000))]
    #expect(!Self.appends(s.t, big))
    #expect(s.t.bulkLoad(big) == 1)
    s.model[key(top + 10)] = [1]
    try s.check("\(options) oversized")
    // The largest key itself again: a duplicate, not appended.
    #expect(!Self.appends(s.t, [(max, [5])]))
    // And a qualifying batch after all that is appended.
    Self.append(&s, Self.entries(from: top + 100, count: 1000), "\(options) after fallbacks")
    try s.check("\(options) after fallbacks")
  }

  /// Whether `Tree.appendSorted` takes `batch` (it changes nothing when it does not).
  static func appends(_ t: BPlusTreeEngine, _ batch: [([UInt8], [UInt8])]) -> Bool {
    let packed = PackedEntries(batch)
    let ok = packed.withEntries { t.tree.appendSorted(count: packed.count, fill: t.fill, $0) }
    if ok { Issue.record("appendSorted took a batch it should refuse") }
    return ok
  }
}
