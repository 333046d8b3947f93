import EngineKit

/// The page-structured B+ tree engine (reddb-style B-link tree over slotted pages; see
/// shared/design/art-and-bplustree.md part B).
///
/// Variants: `page_size` (4, 8, 16 or 64 KiB), `split: bytes | count`, `checksum: off | on`
/// (CRC32C stamped on every page write), `copy_on_read: off | on` (every page read is copied
/// first, as a pager would), and `concurrency: olc` (optimistic lock coupling: lock-free readers,
/// one-leaf writers in parallel, structural changes one at a time; `auto` picks it). Keys up to page_size/8 bytes and key + value up to
/// (page_size − 48 − page_size/8)/2 − 6 bytes, so two entries and a fence always fit a page;
/// larger input is refused (insert/update return false).
public final class BPlusTreeEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "bplustree",
    summary: "B-link tree over slotted pages: fence keys, right links, byte-based rebalancing",
    knobs: [
      Knob(
        "page_size", .choice(["4096", "8192", "16384", "65536"]), default: "4096",
        help: "bytes per page"),
      Knob(
        "split", .choice(["bytes", "count"]), default: "bytes",
        help:
          "bytes: even halves by size; count: reddb's median (falls back to bytes when a half would overflow)"
      ),
      Knob(
        "checksum", .choice(["off", "on"]), default: "off",
        help: "CRC32C stamped on every page write"),
      Knob(
        "copy_on_read", .choice(["off", "on"]), default: "off",
        help: "copy each page before reading it (pager cost)"),
      Knob(
        "fill", .integer(50...100), default: "100", help: "bulk-load fill factor, percent of a page"
      ),
    ],
    supportsScan: true, supportsOLC: true, maxKeyLength: defaultLimits.key,
    maxValueLength: defaultLimits.entry,
    maxEntryLength: defaultLimits.entry)

  /// The limits at the default 4 KiB page, which the planner checks workloads against.
  static let defaultLimits = Tree.limits(pageSize: 4096)

  let tree: Tree
  let fill: Int

  public init(options: EngineOptions) throws {
    tree = Tree(
      pageSize: try options.integer("page_size", default: 4096),
      splitByCount: options.choice("split", default: "bytes") == "count",
      checksum: options.choice("checksum", default: "off") == "on",
      copyOnRead: options.choice("copy_on_read", default: "off") == "on",
      optimistic: options.concurrency == .olc)
    fill = try options.integer("fill", default: 100)
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
    while n < limit && leaf != 0 {
      let page = tree.page(leaf)
      guard index < page.count else {
        (leaf, index) = (page.right, 0)
        continue
      }
      n += 1
      if !visit(page.key(index), page.value(index)) { break }
      index += 1
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

  /// Loads ascending, distinct entries bottom-up into an empty tree, filling pages to the
  /// `fill` knob; a tree that is not empty takes them as inserts. Returns the number loaded: 0
  /// (and nothing loaded) when the input is not strictly ascending or an entry is too large.
  public func bulkLoad(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int {
    guard tree.keyCount == 0, tree.page(tree.directory.pointee.root).isLeaf else {
      return insertEach(count: count, entry)
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
      ] + olc)
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
