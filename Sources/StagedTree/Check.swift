import EngineKit

/// Whole-tree figures, as the original's `tree_stats_t` (tree_types.h) defines them and
/// `staged::get_stats` (stages/stage.h) fills them.
struct TreeFigures {
  var nodesByLevel: [Int] = []
  var keys = 0
  /// Bytes in use inside nodes (node size − free space), summed: `size_filled`.
  var filled = 0
  var leafFilled = 0
  /// What the entries would take with every key stored in full, `size_logical`: per entry
  /// `key_view_t::size_logical()` = shard 1 + pool 8 + crush 4 + snap 8 + gen 8 + the ns and oid
  /// bytes (no lengths), plus the value (header + payload in a leaf, the 8-byte child address in
  /// an internal node).
  var logical = 0
  /// `size_value`: leaf values (header + payload) and internal child addresses (8 B each).
  var values = 0
  /// Leaf values alone (`size_value_leaf`).
  var leafValues = 0
  var internalEntries = 0
  /// `size_persistent`: node sizes summed.
  var allocated = 0
}

extension Tree {
  func figures() -> TreeFigures {
    var f = TreeFigures()
    f.nodesByLevel = Array(repeating: 0, count: height)
    func visit(_ n: N) {
      f.nodesByLevel[n.level] += 1
      f.filled += n.filledSize
      if n.isLeaf { f.leafFilled += n.filledSize }
      f.allocated += n.size
      entries.removeAll(keepingCapacity: true)
      n.gather(into: &entries)
      for e in entries {
        let key = 29 + e.key.ns.count + e.key.oid.count
        let value = n.isLeaf ? N.valueHeaderSize + e.payload.count : 8
        if n.isLeaf {
          f.keys += 1
          f.leafValues += value
        } else {
          f.internalEntries += 1
        }
        f.values += value
        f.logical += key + value
      }
      if n.hasTailChild {
        // The keyless tail child counts as one internal kv with an 8-byte value and no key, as
        // crimson's NodeLayoutT::get_stats adds it (node_layout.h), so that
        // num_kvs_internal + 1 == num_nodes.
        f.internalEntries += 1
        f.values += 8
        f.logical += 8
      }
      forEachChild(of: n, visit)
    }
    visit(root)
    return f
  }

  /// Checks every rule of staged-tree.md §8 that holds at rest: byte layout and exact size
  /// accounting in each node, order at every stage and across nodes, parent key = child maximum,
  /// one tail per level on the right edge, consistent levels, non-empty nodes, root fan-out.
  func check() throws {
    var seen = 0
    var previous: OnodeKey? = nil
    func fail(_ n: N, _ message: String) -> InvariantViolation {
      InvariantViolation(
        "\(N.self == Node.self ? "staged" : "simple") tree: node at level \(n.level): \(message)")
    }
    /// Checks the subtree at `n`; returns its largest key.
    func visit(_ n: N, level: Int, tail: Bool, isRoot: Bool) throws -> OnodeKey? {
      guard n.level == level, n.isLeaf == (level == 0) else { throw fail(n, "level or kind wrong") }
      guard n.isTail == tail else { throw fail(n, "tail flag \(n.isTail), expected \(tail)") }
      if let problem = n.checkLayout() { throw fail(n, problem) }
      var list: [Entry] = []
      n.gather(into: &list)
      let size = n.accountedSize(list[...])
      guard size == n.filledSize else {
        throw fail(n, "filled \(n.filledSize) B but its entries add up to \(size ?? -1) B")
      }
      let children = list.count + (n.hasTailChild ? 1 : 0)
      if !isRoot && (n.isLeaf ? list.isEmpty : children == 0) { throw fail(n, "empty non-root") }
      if isRoot && !n.isLeaf && children < 2 { throw fail(n, "internal root with one child") }
      if n.isLeaf {
        for e in list {
          let k = OnodeKey(e.key)
          if let p = previous, !(p < k) { throw fail(n, "keys out of order") }
          previous = k
          seen += 1
        }
        return previous
      }
      var last: OnodeKey? = nil
      for e in list {
        let k = OnodeKey(e.key)
        guard let max = try visit(node(e.child), level: level - 1, tail: false, isRoot: false),
          max == k
        else { throw fail(n, "an index key is not its child's largest key") }
        last = k
      }
      if n.hasTailChild {
        return try visit(node(n.tailChild), level: level - 1, tail: true, isRoot: false)
      }
      return last
    }
    _ = try visit(root, level: height - 1, tail: true, isRoot: true)
    guard seen == count else {
      throw InvariantViolation("staged tree: \(seen) keys reachable, \(count) counted")
    }
  }

}

extension OnodeKey {
  init(_ k: Key) {
    self.init(
      shard: k.shard, pool: k.pool, crush: k.crush, nspace: Array(k.ns), oid: Array(k.oid),
      snap: k.snap, gen: k.gen)
  }
}
