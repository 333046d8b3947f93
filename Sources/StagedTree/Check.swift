import EngineKit

/// Whole-tree figures, as the original's `tree_stats_t` defines them.
struct TreeFigures {
  var nodesByLevel: [Int] = []
  var keys = 0
  /// Bytes in use inside nodes (node size − free space), summed.
  var filled = 0
  /// What the entries would take with every key stored in full (placement 13 + names with their
  /// lengths + version 16, plus the value with its header or the 8-byte child).
  var logical = 0
  /// Leaf value bytes (header + payload).
  var values = 0
  var internalEntries = 0
  var allocated = 0
}

extension Tree {
  func figures() -> TreeFigures {
    var f = TreeFigures()
    f.nodesByLevel = Array(repeating: 0, count: height)
    func visit(_ n: Node) {
      f.nodesByLevel[n.level] += 1
      f.filled += n.filledSize
      f.allocated += n.size
      entries.removeAll(keepingCapacity: true)
      n.gather(into: &entries)
      for e in entries {
        let key = 35 + e.key.ns.count + e.key.oid.count
        if n.isLeaf {
          f.keys += 1
          f.values += Node.valueHeaderSize + e.payload.count
          f.logical += key + Node.valueHeaderSize + e.payload.count
        } else {
          f.internalEntries += 1
          f.logical += key + Node.childSize
        }
      }
      if !n.isLeaf {
        var p = n.first
        while !p.isEnd(n) {
          visit(node(n.child(at: p)))
          p = n.next(p)
        }
        if n.hasTailChild { visit(node(n.tailChild)) }
      }
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
    func fail(_ n: Node, _ message: String) -> InvariantViolation {
      InvariantViolation("staged tree: node at level \(n.level): \(message)")
    }
    /// Checks the subtree at `n`; returns its largest key.
    func visit(_ n: Node, level: Int, tail: Bool, isRoot: Bool) throws -> OnodeKey? {
      guard n.u8(0) & 0x3f == Int(Node.fieldTypeN0) else { throw fail(n, "field type is not N0") }
      guard n.level == level, n.isLeaf == (level == 0) else { throw fail(n, "level or kind wrong") }
      guard n.isTail == tail else { throw fail(n, "tail flag \(n.isTail), expected \(tail)") }
      try checkLayout(n, fail)
      var list: [Entry] = []
      n.gather(into: &list)
      let run = SizeRun(sizes: n.isLeaf ? leafSizes : internalSizes)
      var size = Node.headerSize + (n.hasTailChild ? Node.childSize : 0)
      for i in list.indices { size += run.cost(list, i, first: i == 0) }
      guard size == n.filledSize else {
        throw fail(n, "filled \(n.filledSize) B but the staged sizes add up to \(size) B")
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

  /// Slots ascend; regions tile the item area; items tile their region with ascending names;
  /// versions ascend in containers that hold 1…255 of them; leaf offsets and value headers agree.
  private func checkLayout(_ n: Node, _ fail: (Node, String) -> InvariantViolation) throws {
    guard n.freeSize >= 0 else { throw fail(n, "slots overlap items") }
    for s in 0..<n.slotCount {
      if s > 0
        && n.comparePlacement(
          n.key(at: Pos(slot: s, item: 0, sub: 0, itemEnd: n.regionEnd(s))), s - 1) <= 0
      {
        throw fail(n, "slot \(s) not above slot \(s - 1)")
      }
      let start = n.regionStart(s)
      guard start < n.regionEnd(s) else { throw fail(n, "slot \(s) has an empty region") }
      var e = n.regionEnd(s)
      var prevEnd: Int? = nil
      while e > start {
        let itemStart = n.itemStart(e)
        let b = n.boxEnd(e)
        guard itemStart >= start, b > itemStart else { throw fail(n, "item overruns slot \(s)") }
        if let q = prevEnd,
          n.compareName(n.key(at: Pos(slot: s, item: 0, sub: 0, itemEnd: e)), q) <= 0
        {
          throw fail(n, "names in slot \(s) not ascending")
        }
        let c = n.count(box: b, from: itemStart)
        guard c >= 1 && c <= Node.maxPerContainer else { throw fail(n, "container holds \(c)") }
        if n.isLeaf {
          guard n.leafSubEnd(b, c, c) == itemStart else { throw fail(n, "leaf offsets disagree") }
          for i in 0..<c {
            let lo = n.leafSubEnd(b, c, i + 1)
            let hi = n.leafSubEnd(b, c, i)
            guard n.u8(lo) == Int(Node.onodeMagic), n.u16(lo + 1) == hi - lo - 19 else {
              throw fail(n, "bad value header")
            }
          }
        } else if (b - itemStart) % Node.internalEntrySize != 0 {
          throw fail(n, "internal container not a whole number of entries")
        }
        for i in 1..<max(c, 1) {
          let k = n.key(at: Pos(slot: s, item: 0, sub: i - 1, itemEnd: e))
          if n.compareVersion(k, n.versionEnd(b, c, i)) >= 0 {
            throw fail(n, "versions not ascending")
          }
        }
        prevEnd = e
        e = itemStart
      }
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
