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
    // Quincy's `LeafNode::erase`: the parent index is stale when the erased entry was the last
    // of a non-tail leaf; the merge is decided first and the index fixed after (or never, when
    // the leaf merges into its right neighbour's slot).
    tryMergeAdjacent(leaf, updateIndex: wasLast && !leaf.isTail)
    return true
  }

  /// Removes a non-root node whose last entry (or child) goes, with `path` leading to it. Its
  /// parent drops the entry (the previous child becomes the tail when it was the tail), and is
  /// dropped in turn when that was its only child. Quincy's `InternalNode::erase_child`
  /// (crimson `src/crimson/os/seastore/onode_manager/staged-fltree/node.cc`): the parent then
  /// merges or fixes its own index, and finally an internal new tail child, which lost its last
  /// key to become the tail, is checked for a merge in turn.
  func drop(_ n: N) {
    let (parent, at) = path.removeLast()
    release(n)
    if parent.isSingle && path.count > 0 {
      drop(parent)
      return
    }
    var newTail: N? = nil
    var updateIndex = false
    if at.isEnd(parent) {
      let last = parent.last
      let child = parent.child(at: last)
      parent.eraseInPlace(last)
      parent.setTailChild(child)
      let tail = node(child)
      makeTail(tail)
      // A leaf made the tail keeps its filled size: no merge to check.
      if !tail.isLeaf { newTail = tail }
    } else {
      let wasLast = parent.next(at).isEnd(parent)
      parent.eraseInPlace(at)
      updateIndex = wasLast && !parent.isTail
    }
    if parent == root {
      shrinkRoot()
    } else {
      tryMergeAdjacent(parent, updateIndex: updateIndex)
    }
    if let t = newTail, t != root {
      tryMergeAdjacent(t, updateIndex: false)
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

  /// Quincy's `Node::try_merge_adjacent` (crimson `staged-fltree/node.cc`), for a non-root `n`
  /// that just lost an entry, whose key in the parent is stale when `updateIndex`. The merge is
  /// decided first: a node left at most a quarter full (or with one entry) merges into a
  /// neighbour under the same parent, the left one when it has more free space, else the right
  /// one; no rebalance. When `n` merges into its right neighbour's slot the stale key goes with
  /// it; when the left neighbour merges into `n`'s slot that (stale) key is fixed after the
  /// merge; when no merge happens the key is fixed as it is. The parent then merges in turn, or
  /// the root shrinks.
  func tryMergeAdjacent(_ n: N, updateIndex: Bool) {
    assert(n != root, "the root does not merge")
    if n.kvSize * 4 <= n.kvCapacity || n.isSingle {
      _ = descend(routeKey(n), to: n.level)
      let (parent, at) = path.last!
      assert(parent.child(at: at) == address(n), "the descent did not lead back to the node")
      let leftPos = parent.previous(at)
      let rightPos: Pos? =
        at.isEnd(parent)
        ? nil : parent.next(at).isEnd(parent) && !parent.hasTailChild ? nil : parent.next(at)
      let left = leftPos.map { node(parent.child(at: $0)) }
      let right = rightPos.map { node(parent.child(at: $0)) }
      var pair: (a: N, aPos: Pos, b: N, bPos: Pos)? = nil
      if let l = left, right == nil || l.freeSize > right!.freeSize {
        pair = (l, leftPos!, n, at)
      } else if let r = right {
        pair = (n, at, r, rightPos!)
      }
      if let pr = pair, merge(pr.a, into: pr.b) {
        let (a, aPos, b, bPos) = pr
        parent.setChild(at: bPos, address(a))
        parent.eraseInPlace(aPos)
        release(b)
        merges += 1
        // `n` was the right node: the merged node sits in its slot, under its stale key.
        if b == n && updateIndex {
          fixParentIndex(a, checkDowngrade: true)
        } else if parent == root {
          shrinkRoot()
        } else {
          tryMergeAdjacent(parent, updateIndex: false)
        }
        return
      }
    }
    if updateIndex { fixParentIndex(n, checkDowngrade: false) }
  }

  /// Quincy's `InternalNode::fix_index`: rewrites the key of `child` (whose maximum shrank) in
  /// its parent (erase, then reinsert, which may split). Without a split the parent, which may
  /// have shrunk, merges in turn with its own stale key fixed after (the root shrinks instead
  /// when `checkDowngrade`); after a split the node now holding the child is fixed in its own
  /// parent when its key went stale, as `apply_child_split` does for the split's right node.
  func fixParentIndex(_ child: N, checkDowngrade: Bool) {
    let key = child.key(at: child.last)
    _ = descend(key, to: child.level, history: false)
    let (parent, at) = path.last!
    assert(parent.child(at: at) == address(child), "the descent did not lead back to the node")
    if parent.key(at: at).compare(key) == 0 { return }
    let updateIndex = parent.next(at).isEnd(parent) && !parent.isTail
    let splitsBefore = splits
    parent.eraseInPlace(at)
    var h = History()
    let (p, _) = parent.lowerBound(key, &h)
    insert(
      Entry(key: key, payload: UnsafeRawBufferPointer(start: nil, count: 0), child: address(child)),
      into: parent, at: p, depth: path.count - 1)
    if splits == splitsBefore {
      if parent == root {
        if checkDowngrade { shrinkRoot() }
      } else {
        tryMergeAdjacent(parent, updateIndex: updateIndex)
      }
      return
    }
    guard updateIndex else { return }
    let (x, _, _) = descend(key, to: child.level + 1, history: false)
    guard let (grand, xAt) = path.last, !x.isTail else { return }
    if grand.key(at: xAt).compare(x.key(at: x.last)) != 0 {
      fixParentIndex(x, checkDowngrade: false)
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
