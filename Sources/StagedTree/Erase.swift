/// Erase, index fixes, merge and root shrink (staged-tree.md §5). Structural steps re-descend
/// from the root with a key inside the node they work on, so each starts from a true path.
extension Tree {
  func remove(_ key: Key) -> Bool {
    let (leaf, p, m) = descend(key)
    guard m == .eq else { return false }
    count -= 1
    layoutVersion &+= 1
    if path.isEmpty {
      leaf.eraseInPlace(p)
      return true
    }
    if leaf.isSingle {
      drop(leaf)
      return true
    }
    let wasLast = leaf.next(p).isEnd(leaf)
    leaf.eraseInPlace(p)
    if wasLast && !leaf.isTail { fixIndexes(from: leaf) }
    mergeIfUnderfull(leaf)
    return true
  }

  /// Removes a non-root node whose last entry (or child) goes, with `path` leading to it. Its
  /// parent drops the entry (the previous child becomes the tail when it was the tail), and is
  /// dropped in turn when that was its only child.
  func drop(_ n: N) {
    let (parent, at) = path.removeLast()
    release(n)
    if parent.isSingle && path.count > 0 {
      drop(parent)
      return
    }
    if at.isEnd(parent) {
      let last = parent.last
      let child = parent.child(at: last)
      parent.eraseInPlace(last)
      parent.setTailChild(child)
      makeTail(node(child))
    } else {
      let wasLast = parent.next(at).isEnd(parent)
      parent.eraseInPlace(at)
      if wasLast && !parent.isTail { fixIndexes(from: parent) }
    }
    if parent == root {
      shrinkRoot()
    } else {
      mergeIfUnderfull(parent)
    }
  }

  /// Makes `n` its level's tail (its right neighbour went): an internal node's last keyed child
  /// becomes its keyless tail child, and so on down the right edge.
  func makeTail(_ n: N) {
    guard !n.isTail else { return }
    if n.isLeaf {
      n.setHeader(leaf: true, tail: true, level: 0)
      return
    }
    let last = n.last
    let child = n.child(at: last)
    n.eraseInPlace(last)
    n.setHeader(leaf: false, tail: true, level: n.level)
    n.setTailChild(child)
    makeTail(node(child))
  }

  /// After `n`'s maximum shrank, rewrites its key in the parent (erase, then reinsert, which may
  /// split), and repeats upward while the rewritten key was the parent's own maximum.
  func fixIndexes(from n: N) {
    let key = n.key(at: n.last)
    var level = n.level
    while true {
      let (x, _, _) = descend(key, to: level, history: false)
      guard let (parent, at) = path.last, !x.isTail else { return }
      let max = x.key(at: x.last)
      if parent.key(at: at).compare(max) == 0 { return }
      let wasLast = parent.next(at).isEnd(parent)
      let child = parent.child(at: at)
      parent.eraseInPlace(at)
      var h = History()
      let (p, _) = parent.lowerBound(max, &h)
      insert(
        Entry(key: max, payload: UnsafeRawBufferPointer(start: nil, count: 0), child: child),
        into: parent, at: p, depth: path.count - 1)
      if !wasLast || parent.isTail { return }
      level += 1
    }
  }

  /// Merges a node left at most a quarter full (or with one entry) into a neighbour under the
  /// same parent: the left one when it has more free space, else the right one; no rebalance.
  /// The parent then merges in turn, or the root shrinks.
  func mergeIfUnderfull(_ start: N) {
    var n = start
    while n != root {
      guard n.kvSize * 4 <= n.kvCapacity || n.isSingle else { return }
      _ = descend(routeKey(n), to: n.level)
      let (parent, at) = path.last!
      assert(parent.child(at: at) == address(n), "the descent did not lead back to the node")
      let leftPos = parent.previous(at)
      let rightPos: Pos? =
        at.isEnd(parent)
        ? nil : parent.next(at).isEnd(parent) && !parent.hasTailChild ? nil : parent.next(at)
      let left = leftPos.map { node(parent.child(at: $0)) }
      let right = rightPos.map { node(parent.child(at: $0)) }
      let (a, aPos, b, bPos): (N, Pos, N, Pos)
      if let l = left, right == nil || l.freeSize > right!.freeSize {
        (a, aPos, b, bPos) = (l, leftPos!, n, at)
      } else if let r = right {
        (a, aPos, b, bPos) = (n, at, r, rightPos!)
      } else {
        return
      }
      guard merge(a, into: b) else { return }
      parent.setChild(at: bPos, address(a))
      parent.eraseInPlace(aPos)
      release(b)
      merges += 1
      if parent == root {
        shrinkRoot()
        return
      }
      n = parent
    }
  }

  /// Rebuilds `a` with its own entries followed by right neighbour `b`'s (shared prefixes stored
  /// once: the original's merge compensation); false, changing nothing, when they do not fit.
  func merge(_ a: N, into b: N) -> Bool {
    let copy = N(base: scratch, size: a.size)
    scratch.copyMemory(from: a.base, byteCount: a.size)
    entries.removeAll(keepingCapacity: true)
    copy.gather(into: &entries)
    b.gather(into: &entries)
    guard let size = N.size(of: entries[...], leaf: a.isLeaf, tailChild: b.hasTailChild),
      size <= a.size
    else { return false }
    a.build(
      entries[...], leaf: a.isLeaf, tail: b.isTail, level: a.level,
      tailChild: b.hasTailChild ? b.tailChild : 0)
    return true
  }

  /// A key inside `n`'s subtree, which routes a descent to `n`.
  func routeKey(_ n: N) -> Key {
    n.slotCount > 0 ? n.key(at: n.first) : routeKey(node(n.tailChild))
  }

  /// While the root is internal with a single (tail) child, that child becomes the root.
  func shrinkRoot() {
    while !root.isLeaf && root.slotCount == 0 {
      let child = node(root.tailChild)
      release(root)
      root = child
      height -= 1
      rootShrinks += 1
    }
  }
}
