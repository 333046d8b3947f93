import EngineKit

/// The page-structured B+ tree engine (a B-link tree over slotted pages after reddb 1.1.0's
/// design — its `impl BTree`, `page.rs`, `pager.rs`; Lehman & Yao's B-link tree for the
/// fences and right links; the README says what differs).
///
/// Variants: `page_size` (4, 8, 16 or 64 KiB), `split: bytes | count`, `checksum: off | crc32c |
/// crc32` (stamped on every page write; `on` = crc32c), `copy_on_read: off | on` (every page
/// read is copied first, as reddb's pager hands out copies), `write_back: off | on` (every page
/// write goes through a page buffer: copied out, checksummed there, copied back),
/// `rebalance: even | reddb`, `fill` (bulk load), `profile: default | reddb` (presets; knobs
/// given explicitly win), and `concurrency: olc` (optimistic lock coupling: lock-free readers,
/// one-leaf writers in parallel, structural changes one at a time; `auto` picks it). Keys up to
/// page_size/8 bytes and key + value up to (page_size − 48 − page_size/8)/2 − 6 bytes, so two
/// entries and a fence always fit a page; larger input is refused (insert/update return false).
public final class BPlusTreeEngine: WritingEngine {
  /// What `profile: reddb` sets: reddb 1.1.0's costs and policies (count split, its bytewise
  /// IEEE CRC-32 on every page write, a copy per page read, read-copy-modify-write through a
  /// page buffer, one-entry borrowing).
  static let reddbProfile: [String: String] = [
    "split": "count", "checksum": "crc32", "copy_on_read": "on", "write_back": "on",
    "rebalance": "reddb",
  ]

  public static let descriptor = EngineDescriptor(
    name: "bplustree",
    summary: "B-link tree over slotted pages: fence keys, right links, byte-based rebalancing",
    knobs: [
      Knob(
        "profile", .choice(["default", "reddb"]), default: "default",
        help:
          "reddb: split=count checksum=crc32 copy_on_read=on write_back=on rebalance=reddb (knobs given explicitly win)"
      ),
      Knob(
        "page_size", .choice(["4096", "8192", "16384", "65536"]), default: "4096",
        help: "bytes per page"),
      Knob(
        "split", .choice(["bytes", "count"]), default: "bytes",
        help:
          "bytes: even halves by size; count: reddb's median (falls back to bytes when a half would overflow)"
      ),
      Knob(
        "checksum", .choice(["off", "on", "crc32c", "crc32"]), default: "off",
        help:
          "stamped on every page write: crc32c (hardware; 'on' is the same) or crc32, reddb's bytewise IEEE CRC-32"
      ),
      Knob(
        "copy_on_read", .choice(["off", "on"]), default: "off",
        help: "copy each page before reading it (pager cost)"),
      Knob(
        "write_back", .choice(["off", "on"]), default: "off",
        help:
          "pass each written page through a page buffer: copy out, checksum, copy back (pager cost)"
      ),
      Knob(
        "rebalance", .choice(["even", "reddb"]), default: "even",
        help:
          "even: merge when both fit, else split evenly; reddb: borrow one entry at a time (left, then right), merge when that fails"
      ),
      Knob(
        "fill", .integer(50...100), default: "100",
        help:
          "bulk-load fill factor, percent of a page less room for a fence (100 = ~87 % at 4 KiB)"
      ),
    ],
    supportsScan: true, supportsOLC: true, maxKeyLength: defaultLimits.key,
    maxValueLength: defaultLimits.entry,
    maxEntryLength: defaultLimits.entry)

  /// The limits at the default 4 KiB page, which the planner checks workloads against.
  static let defaultLimits = Tree.limits(pageSize: 4096)

  /// Every engine knob's value as this engine runs it: given, else the profile's, else the
  /// default (`checksum: on` reads as crc32c). Recorded in `stats.knobs` (run.json).
  static func resolve(_ options: EngineOptions) -> [(String, String)] {
    let profile = options.choice("profile", default: "default")
    return descriptor.knobs.map { knob in
      var value =
        options.values[knob.name]
        ?? (profile == "reddb" ? reddbProfile[knob.name] : nil) ?? knob.defaultValue
      if knob.name == "checksum" && value == "on" { value = "crc32c" }
      return (knob.name, value)
    }
  }

  let tree: Tree
  let fill: Int
  /// The resolved knobs (see `resolve`).
  let knobs: [(String, String)]

  public init(options: EngineOptions) throws {
    knobs = Self.resolve(options)
    let k = Dictionary(uniqueKeysWithValues: knobs)
    func integer(_ name: String) throws -> Int {
      try EngineOptions([name: k[name]!]).integer(name, default: 0)
    }
    let checksum: Tree.Checksum =
      switch k["checksum"] {
      case "crc32c": .crc32c
      case "crc32": .crc32
      default: .off
      }
    tree = Tree(
      pageSize: try integer("page_size"), splitByCount: k["split"] == "count",
      checksum: checksum, copyOnRead: k["copy_on_read"] == "on",
      writeBack: k["write_back"] == "on", borrowOne: k["rebalance"] == "reddb",
      optimistic: options.concurrency == .olc)
    fill = try integer("fill")
  }

  @inline(__always) func fits(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer)
    -> Bool
  {
    key.count <= tree.maxKey && key.count + value.count <= tree.maxEntry
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    guard !tree.optimistic else { return tree.optimisticGet(key, into: &value) }
    return tree.reading {
      guard let v = tree.get(key) else { return false }
      value.store(v)
      return true
    }
  }

  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    guard fits(key, value) else { return false }
    return tree.optimistic ? tree.optimisticWrite(key, value, mode) : tree.write(key, value, mode)
  }

  public func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    tree.optimistic ? tree.optimisticRemove(key) : tree.remove(key)
  }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard !tree.optimistic else { return tree.optimisticScan(from: key, limit: limit, visit) }
    // `seek`'s cursor without a `Cursor`, whose tree reference costs a retain per scan.
    var (leaf, index) = tree.reading { () -> (UInt32, Int) in
      let (page, _) = tree.descend(key, record: false)
      return (page.id, page.lowerBound(key).index)
    }
    var n = 0
    // A leaf at a time: its page, count and right link are loaded once.
    while n < limit && leaf != 0 {
      let page = tree.page(leaf)
      let end = page.count
      let stop = limit - n < end - index ? index + (limit - n) : end
      while index < stop {
        n &+= 1
        if !visit(page.key(index, keyStart: 4), page.value(index)) { return n }
        index &+= 1
      }
      (leaf, index) = (page.right, 0)
    }
    return n
  }

  /// A cursor at the first key ≥ `key` (not for use while other threads write).
  public func seek(_ key: UnsafeRawBufferPointer) -> Cursor {
    tree.reading {
      let (leaf, _) = tree.descend(key, record: false)
      return Cursor(tree: tree, leaf: leaf.id, index: leaf.lowerBound(key).index)
    }
  }

  /// A cursor at the smallest key.
  public func first() -> Cursor { [UInt8]().withUnsafeBytes { seek($0) } }

  /// Visits every entry with `start` ≤ key ≤ `end` in order; returns how many.
  public func range(
    _ start: UnsafeRawBufferPointer, _ end: UnsafeRawBufferPointer,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    var cursor = seek(start)
    var n = 0
    while let (k, v) = cursor.next(), compareBytes(k, end) <= 0 {
      n += 1
      if !visit(k, v) { break }
    }
    return n
  }

  /// Loads ascending, distinct entries, filling pages to the `fill` knob. Into an empty tree:
  /// bottom-up (`Tree.bulkLoad`); the number loaded, or 0 (and nothing loaded) when the input is
  /// not strictly ascending or an entry is too large. Into a tree that is not empty, reddb's
  /// `bulk_insert_sorted`: when every entry sorts after the tree's largest key (and the input is
  /// ascending and within the limits), they are appended page by page along the right edge
  /// (`Tree.appendSorted`); otherwise (entries that overlap the existing keys, unsorted or
  /// oversized input) they fall back to inserts one by one (`insertEach`: duplicates and
  /// oversized entries are skipped), and the number inserted is returned.
  ///
  /// Single-threaded by contract, as the runner calls it (one client, one call, before any other
  /// operation): with `concurrency: olc` both builds change pages without their latches, like the
  /// empty-tree build always has; only the insert fallback takes the optimistic write path.
  public func bulkLoad(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int {
    guard tree.keyCount == 0, tree.page(tree.directory.pointee.root).isLeaf else {
      return tree.appendSorted(count: count, fill: fill, entry)
        ? count : insertEach(count: count, entry)
    }
    return tree.bulkLoad(count: count, fill: fill, entry) ? count : 0
  }

  public var stats: EngineStats {
    let s = tree.s.pointee
    let pages = s.leafPages + s.interiorPages
    let fill = tree.leafFill
    let buckets = fill.histogram.enumerated().map { i, n in
      ("leaves_fill_\(i * 10)_\(i * 10 + 10)", Double(n))
    }
    let c = (0..<Tree.Tally.count).map(tree.epochs.tally)
    var olc: [(String, Double)] = []
    if tree.optimistic {
      let (ops, restarts) = (c[Tree.Tally.operations], c[Tree.Tally.restarts])
      olc = [
        ("restarts", Double(restarts)),
        ("restarts_per_1k_ops", ops == 0 ? 0 : Double(restarts) * 1000 / Double(ops)),
        ("structural_changes", Double(c[Tree.Tally.structural])),
        ("retired_pending", Double(tree.epochs.pending)),
      ]
    }
    return EngineStats(
      keys: tree.keyCount, logicalBytes: pages * tree.pageSize, height: tree.height,
      details: [
        ("leaf_pages", Double(s.leafPages)), ("interior_pages", Double(s.interiorPages)),
        ("leaf_fill_pct", fill.mean),
      ] + buckets + [
        ("splits", Double(s.splits)),
        ("count_split_fallbacks", Double(s.countSplitFallbacks)), ("merges", Double(s.merges)),
        ("borrows", Double(s.borrows)), ("fast_path_hits", Double(s.fastHits)),
        ("right_link_hops", Double(c[Tree.Tally.hops])),
        ("checksum_bytes", Double(c[Tree.Tally.checksumBytes])),
        ("copied_bytes", Double(c[Tree.Tally.copiedBytes])),
        ("write_back_bytes", Double(c[Tree.Tally.writtenBytes])),
      ] + olc, knobs: knobs)
  }

  public func checkInvariants() throws { try tree.check() }
}

/// A position in the leaf chain; `next()` returns entries in key order, skipping empty leaves.
/// Valid until the tree is next modified.
public struct Cursor {
  let tree: Tree
  var leaf: UInt32
  var index: Int

  public mutating func next() -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)? {
    while leaf != 0 {
      let page = tree.page(leaf)
      if index < page.count {
        defer { index += 1 }
        return (page.key(index), page.value(index))
      }
      leaf = page.right
      index = 0
    }
    return nil
  }
}
