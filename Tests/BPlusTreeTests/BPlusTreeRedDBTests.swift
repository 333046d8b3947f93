import CSys
import EngineConformance
import EngineKit
import Testing

@testable import BPlusTree

/// Bulk loading at every fill level, and the reddb-faithful behaviours (in-place shrinking
/// upserts, one-entry borrowing, the `profile: reddb` preset).
@Suite struct BPlusTreeBulkLoadTails {
  /// Entries per leaf of a bulk load at `fill` (read from the first leaf of a large load).
  func perLeaf(fill: Int, value: Int) throws -> Int {
    let t = try make(["fill": String(fill)])
    _ = t.bulkLoad((0..<2000).map { (key($0), [UInt8](repeating: 1, count: value)) })
    var p = t.tree.page(t.tree.directory.pointee.root)
    while !p.isLeaf { p = t.tree.page(p.child(at: 0)) }
    return p.count
  }

  func load(_ count: Int, fill: Int, value: Int) throws -> BPlusTreeEngine {
    let t = try make(["fill": String(fill)])
    let loaded = t.bulkLoad(
      (0..<count).map { (key($0), [UInt8](repeating: UInt8(truncatingIfNeeded: $0), count: value)) }
    )
    #expect(loaded == count)
    return t
  }

  /// The issue's example: 236 entries of 8-byte keys and 1-byte values at fill 100 used to leave
  /// a 1-entry tail leaf, below the floor.
  @Test func issueExampleKeepsTheFloor() throws {
    #expect(try perLeaf(fill: 100, value: 1) == 235)
    let t = try load(236, fill: 100, value: 1)
    try t.checkInvariants()
    #expect(t.keys() == (0..<236).map(key))
  }

  /// n·perLeaf + {−1, 0, 1, 2} entries at every fill the engine accepts: the last leaf ends below
  /// the floor in many of them and must be merged or evened out.
  @Test func countsAroundFullLeavesAtEveryFill() throws {
    for fill in 50...100 {
      let per = try perLeaf(fill: fill, value: 1)
      for n in 1...3 {
        for count in [n * per - 1, n * per, n * per + 1, n * per + 2] {
          let t = try load(count, fill: fill, value: 1)
          try t.checkInvariants()
          #expect(t.stats.keys == count)
          #expect(t.value(key(count - 1)) == [UInt8(truncatingIfNeeded: count - 1)])
        }
      }
    }
  }

  /// Large entries at low fill (1,004-byte cells, under the 1,012-byte floor): a page that
  /// reaches the fill budget below the floor takes one more before it closes.
  @Test func largeEntriesAtLowFill() throws {
    for fill in [50, 60, 75, 100] {
      for count in [2, 3, 5, 17] {
        let t = try load(count, fill: fill, value: 990)
        try t.checkInvariants()
        #expect(t.stats.keys == count)
      }
    }
  }

  /// A tail at an interior level: one, two or forty children left over for a last interior
  /// page. One or two merge into the page before (height 2); forty at fill 100 overflow one page
  /// together with it and are evened out (height 3).
  @Test func interiorTailsKeepTheFloor() throws {
    for fill in [50, 100] {
      let per = try perLeaf(fill: fill, value: 1)
      // Children per interior page at this fill: 8-byte keys take 16 bytes a cell.
      let fanout = (4096 - 48 - 512) * fill / 100 / 16 + 1
      for extra in [1, 2, 40] {
        let count = (fanout + extra) * per
        let t = try load(count, fill: fill, value: 1)
        try t.checkInvariants()
        #expect(t.stats.height == (fill == 100 && extra == 40 ? 3 : 2))
        #expect(t.keys().count == count)
      }
    }
  }
}

@Suite struct BPlusTreeUpsert {
  /// Where leaf cell `k` lives, and its leaf's live bytes.
  func cell(_ t: BPlusTreeEngine, _ k: [UInt8]) -> (offset: Int, live: Int) {
    k.withUnsafeBytes {
      let (leaf, _) = t.tree.descend($0, record: false)
      return (leaf.slot(leaf.lowerBound($0).index), leaf.live)
    }
  }

  /// reddb overwrites in place when the new value is not longer; so does the engine (in every
  /// variant), unless the shrink would leave the leaf under the floor.
  @Test(arguments: [[:], ["concurrency": "olc"], ["profile": "reddb"]])
  func shorterValuesAreOverwrittenInPlace(options: [String: String]) throws {
    let t = try make(options)
    for i in 0..<300 { t.put(key(i), Array(repeating: 7, count: 100)) }
    let before = cell(t, key(150))
    #expect(t.replace(key(150), [1, 2, 3]))
    let after = cell(t, key(150))
    #expect(after.offset == before.offset, "the cell did not move")
    #expect(after.live == before.live - 97)
    #expect(t.value(key(150)) == [1, 2, 3])
    #expect(t.replace(key(150), []))
    #expect(t.value(key(150)) == [] && cell(t, key(150)).offset == before.offset)
    // Growing moves the cell.
    #expect(t.replace(key(150), Array(repeating: 9, count: 50)))
    #expect(t.value(key(150)) == Array(repeating: 9, count: 50))
    try t.checkInvariants()
    // Shrinking a whole leaf's values: in place until the floor, then cells move and rebalance.
    for i in 0..<300 { #expect(t.replace(key(i), [UInt8(i & 255)])) }
    try t.checkInvariants()
    for i in 0..<300 { #expect(t.value(key(i)) == [UInt8(i & 255)]) }
  }
}

@Suite struct BPlusTreeRebalanceRedDB {
  /// Two leaves of 54-byte cells (75 entries split 37/38), then the largest keys deleted until
  /// the right leaf falls under the floor (1,012 bytes = 18.7 cells): reddb borrows exactly one
  /// entry from the left leaf; `even` merges the two (55 cells fit one page).
  @Test func oneEntryIsBorrowedWhereEvenMerges() throws {
    for policy in ["reddb", "even"] {
      let t = try make(["rebalance": policy])
      for i in 0..<75 { t.put(key(i), Array(repeating: 1, count: 40)) }
      #expect(t.detail("leaf_pages") == 2)
      var n = 75
      while t.detail("borrows") == 0 && t.detail("merges") == 0 {
        n -= 1
        #expect(t.delete(key(n)))
        try t.checkInvariants()
      }
      if policy == "reddb" {
        #expect(t.detail("borrows") == 1 && t.detail("merges") == 0 && t.detail("leaf_pages") == 2)
        let leaf = t.tree.page(t.tree.s.pointee.fastLeaf)  // the rightmost leaf
        #expect(leaf.live >= t.tree.minFill && leaf.live < t.tree.minFill + 54)
      } else {
        #expect(t.detail("merges") == 1 && t.detail("leaf_pages") == 1)
      }
      #expect(t.keys() == (0..<n).map(key))
    }
  }

  /// Long keys so interior pages underflow too: interior pages rotate through the parent's
  /// separator; every step keeps the invariants.
  @Test(arguments: [[:], ["concurrency": "olc"], ["profile": "reddb"]])
  func interiorPagesBorrowThroughTheParent(options: [String: String]) throws {
    let t = try make(options.merging(["rebalance": "reddb"]) { a, _ in a })
    let long = { (i: Int) in key(i) + Array(repeating: UInt8(i % 251), count: 300) }
    for i in 0..<3000 { t.put(long(i * 37 % 3000)) }
    #expect(t.stats.height! >= 3)
    for i in 0..<3000 where i % 3 != 0 {
      #expect(t.delete(long(i)))
      if i % 97 == 0 { try t.checkInvariants() }
    }
    try t.checkInvariants()
    #expect(t.detail("borrows") > 0 && t.detail("merges") > 0)
    #expect(t.keys().count == 1000)
  }
}

@Suite struct BPlusTreeRedDBProfile {
  @Test func crc32IsRedDBs() {
    let check = Array("123456789".utf8)
    #expect(check.withUnsafeBytes { csys_crc32(0, $0.baseAddress, 9) } == 0xCBF4_3926)
    // reddb's own doc example, and the same bytes in two pieces.
    let hello = Array("hello world".utf8)
    #expect(hello.withUnsafeBytes { csys_crc32(0, $0.baseAddress, 11) } == 0x0D4A_1185)
    let split = hello.withUnsafeBytes { b in
      csys_crc32(csys_crc32(0, b.baseAddress, 5), b.baseAddress! + 5, 6)
    }
    #expect(split == 0x0D4A_1185)
  }

  @Test func profileResolvesAndExplicitKnobsWin() throws {
    let reddb = Dictionary(uniqueKeysWithValues: try make(["profile": "reddb"]).stats.knobs)
    #expect(reddb["split"] == "count" && reddb["checksum"] == "crc32")
    #expect(reddb["copy_on_read"] == "on" && reddb["write_back"] == "on")
    #expect(reddb["rebalance"] == "reddb" && reddb["page_size"] == "4096")
    let mixed = Dictionary(
      uniqueKeysWithValues: try make(["profile": "reddb", "split": "bytes", "checksum": "on"]).stats
        .knobs)
    #expect(mixed["split"] == "bytes" && mixed["checksum"] == "crc32c")
    let plain = Dictionary(uniqueKeysWithValues: try make().stats.knobs)
    #expect(plain["split"] == "bytes" && plain["checksum"] == "off" && plain["write_back"] == "off")
    #expect(plain["rebalance"] == "even" && plain["profile"] == "default")
    try BPlusTreeEngine.descriptor.validate(EngineOptions(["profile": "reddb"]))
    #expect(throws: EngineOptionError.self) {
      try BPlusTreeEngine.descriptor.validate(EngineOptions(["rebalance": "lazy"]))
    }
  }

  /// Every page write goes through the buffer and is stamped with reddb's CRC-32; a flipped
  /// byte is caught.
  @Test(arguments: [[:], ["concurrency": "olc"]])
  func pagesAreWrittenBackAndChecksummed(options: [String: String]) throws {
    let t = try make(options.merging(["profile": "reddb"]) { a, _ in a })
    for i in 0..<2000 { t.put(key(i)) }
    for i in 0..<1000 { t.delete(key(i * 2)) }
    for i in 1..<200 { t.replace(key(i * 2 + 1), []) }
    try t.checkInvariants()
    let written = t.detail("write_back_bytes")
    #expect(written > 0 && written == 2 * t.detail("checksum_bytes"))
    #expect(t.detail("copied_bytes") > 0)
    let root = t.tree.page(t.tree.directory.pointee.root)
    root.p.storeBytes(
      of: root.p.load(fromByteOffset: 100, as: UInt8.self) ^ 1, toByteOffset: 100, as: UInt8.self)
    #expect(throws: InvariantViolation.self) { try t.checkInvariants() }
  }
}
