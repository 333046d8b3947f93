/// Ordered iteration: a cursor is the descent path plus a leaf position; moving past a leaf's
/// last entry climbs to the first ancestor with a next child and takes that subtree's first leaf
/// (the original's `get_next`).
struct Cursor {
  var leaf: Node
  var pos: Pos
  /// The internal nodes above `leaf` and the position taken in each.
  var stack: [(Node, Pos)]
}

extension Tree {
  /// A cursor at the first entry ≥ `key`, keeping its path in `stack`'s storage.
  func seek(_ key: Key, stack: consuming [(Node, Pos)]) -> Cursor {
    let (leaf, p, _) = descend(key)
    stack.removeAll(keepingCapacity: true)
    stack.append(contentsOf: path)
    return Cursor(leaf: leaf, pos: p, stack: stack)
  }

  /// The entry under `c` and its payload, advancing `c`; nil at the end.
  func next(_ c: inout Cursor) -> (Key, UnsafeRawBufferPointer)? {
    while c.pos.isEnd(c.leaf) {
      guard let leaf = nextLeaf(&c.stack) else { return nil }
      c.leaf = leaf
      c.pos = leaf.first
    }
    let (leaf, p) = (c.leaf, c.pos)
    let b = leaf.boxEnd(p.itemEnd)
    let value = leaf.payload(b, leaf.count(box: b, from: leaf.itemStart(p.itemEnd)), p.sub)
    c.pos = leaf.next(p)
    return (leaf.key(at: p), value)
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
