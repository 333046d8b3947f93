/// Ordered iteration: a cursor is the descent path plus a leaf position; moving past a leaf's
/// last entry climbs to the first ancestor with a next child and takes that subtree's first leaf
/// (the original's `get_next`).
struct Cursor {
  var leaf: Node
  var pos: Pos
  /// The internal nodes above `leaf` and the position taken in each.
  var stack: [(Node, Pos)]
  /// Where the entry last returned was (its leaf's base and position).
  var previous: (UnsafeMutableRawPointer, Pos)? = nil
}

extension Tree {
  /// A cursor at the first entry ≥ `key`, keeping its path in `stack`'s storage.
  func seek(_ key: Key, stack: consuming [(Node, Pos)]) -> Cursor {
    let (leaf, p, _) = descend(key)
    stack.removeAll(keepingCapacity: true)
    stack.append(contentsOf: path)
    return Cursor(leaf: leaf, pos: p, stack: stack)
  }

  /// The entry under `c`, advancing `c`; nil at the end. `changed` is the highest stage that
  /// differs from the previous entry's (`.left` after a leaf change), so a caller rebuilding keys
  /// reads and rewrites only that stage and those below.
  @inline(__always)
  func next(_ c: inout Cursor, changed: inout Stage) -> ScanEntry? {
    while c.pos.isEnd(c.leaf) {
      guard let leaf = nextLeaf(&c.stack) else { return nil }
      c.leaf = leaf
      c.pos = leaf.first
    }
    let (leaf, p) = (c.leaf, c.pos)
    let start = leaf.itemStart(p.itemEnd)
    let b = leaf.boxEnd(p.itemEnd)
    let count = leaf.u8(b - 1)
    let entry = ScanEntry(
      leaf: leaf, pos: p, versionEnd: leaf.leafSubEnd(b, count, p.sub),
      valueStart: leaf.leafSubEnd(b, count, p.sub + 1) + Node.valueHeaderSize)
    if let (base, q) = c.previous, base == leaf.base, q.slot == p.slot {
      changed = q.item == p.item ? .right : .string
    } else {
      changed = .left
    }
    c.previous = (leaf.base, p)
    // The next position, without re-reading the item.
    if p.sub + 1 < count {
      c.pos.sub += 1
    } else if start > leaf.regionStart(p.slot) {
      c.pos = Pos(slot: p.slot, item: p.item + 1, sub: 0, itemEnd: start)
    } else {
      c.pos =
        p.slot + 1 < leaf.slotCount
        ? Pos(slot: p.slot + 1, item: 0, sub: 0, itemEnd: leaf.regionEnd(p.slot + 1))
        : Pos.end(leaf)
    }
    return entry
  }

  private func nextLeaf(_ stack: inout [(Node, Pos)]) -> Node? {
    while let (parent, at) = stack.last {
      if !at.isEnd(parent) {
        let next = parent.next(at)
        if !next.isEnd(parent) || parent.hasTailChild {
          stack[stack.count - 1].1 = next
          var n = node(parent.child(at: next))
          while !n.isLeaf {
            let first = n.slotCount > 0 ? n.first : Pos.end(n)
            stack.append((n, first))
            n = node(n.child(at: first))
          }
          return n
        }
      }
      stack.removeLast()
    }
    return nil
  }
}

/// One leaf entry found by a scan: where it is, where its version ends and its payload starts.
struct ScanEntry {
  let leaf: Node
  let pos: Pos
  let versionEnd: Int
  let valueStart: Int

  var value: UnsafeRawBufferPointer { leaf.bytes(valueStart, versionEnd - 16) }
  var snap: UInt64 { leaf.u64(versionEnd - 16) }
  var gen: UInt64 { leaf.u64(versionEnd - 8) }
  var key: Key {
    Key(
      shard: leaf.shard(pos.slot), pool: leaf.pool(pos.slot), crush: leaf.crush(pos.slot),
      ns: leaf.nspace(pos.itemEnd), oid: leaf.oid(pos.itemEnd), snap: snap, gen: gen)
  }
}
