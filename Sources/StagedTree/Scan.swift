/// Ordered iteration: a cursor is the descent path plus a leaf position; moving past a leaf's
/// last entry climbs to the first ancestor with a next child and takes that subtree's first leaf
/// (the original's `get_next`).
struct Cursor<N: NodeLayout> {
  var leaf: N
  var pos: Pos
  /// The internal nodes above `leaf` and the position taken in each.
  var stack: [(N, Pos)]
  /// Where the entry last returned was (its leaf's base and position).
  var previous: (UnsafeMutableRawPointer, Pos)? = nil
}

/// One leaf entry found by a scan.
struct ScanEntry<N: NodeLayout> {
  let leaf: N
  let pos: Pos
  let value: UnsafeRawBufferPointer
  let snap: UInt64
  let gen: UInt64

  var key: Key { leaf.key(at: pos) }
}

extension Tree {
  /// A cursor at the first entry ≥ `key`, keeping its path in `stack`'s storage.
  func seek(_ key: Key, stack: consuming [(N, Pos)]) -> Cursor<N> {
    stack.removeAll(keepingCapacity: true)
    let (leaf, p, _) = descend(key) { stack.append(($0, $1)) }
    return Cursor(leaf: leaf, pos: p, stack: stack)
  }

  /// The entry under `c`, advancing `c`; nil at the end. `changed` is the highest stage that
  /// differs from the previous entry's (`.left` after a leaf change), so a caller rebuilding keys
  /// reads and rewrites only that stage and those below.
  @inline(__always)
  func next(_ c: inout Cursor<N>, changed: inout Stage) -> ScanEntry<N>? {
    while c.pos.isEnd(c.leaf) {
      guard let leaf = nextLeaf(&c.stack) else { return nil }
      c.leaf = leaf
      c.pos = leaf.first
    }
    let (leaf, p) = (c.leaf, c.pos)
    let step = leaf.scanStep(p)
    if let (base, q) = c.previous, base == leaf.base {
      changed = leaf.changedStage(from: q, to: p)
    } else {
      changed = .left
    }
    c.previous = (leaf.base, p)
    c.pos = step.next
    return ScanEntry(leaf: leaf, pos: p, value: step.value, snap: step.snap, gen: step.gen)
  }

  private func nextLeaf(_ stack: inout [(N, Pos)]) -> N? {
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
