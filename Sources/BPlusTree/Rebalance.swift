extension Tree {
  /// Removes `key`; a page left below the 25 % byte floor borrows from or merges with a sibling
  /// under the same parent, and an interior root left with one child collapses.
  func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    let (found, level) = descend(key, record: true)
    let leaf = writable(found.id)
    let (i, exists) = leaf.lowerBound(key)
    guard exists else { return false }
    leaf.removeCell(at: i)
    seal(leaf)
    tallies[Tally.keys] -= 1
    if s.pointee.fastLeaf == leaf.id { rememberRightmost(leaf) }
    if level > 0 && leaf.live < minFill { rebalance(level) }
    return true
  }

  /// Rebalances the underfull page reached at `level` with its left sibling (or its right one
  /// when it is the first child): merge when both fit in one page, else redistribute by bytes.
  func rebalance(_ level: Int) {
    let parent = writable(path[level - 1].id)
    let i = path[level - 1].index
    let sepIndex = i > 0 ? i - 1 : i
    guard sepIndex < parent.count else { return }  // an only child: nothing to pair with
    let left = writable(parent.child(at: sepIndex))
    let right = writable(parent.child(at: sepIndex + 1))
    let leaf = left.isLeaf
    var n = gather(left, 0)
    if !leaf {
      insertEntry(
        at: n, count: &n, key: parent.key(sepIndex), value: nil, child: left.child, leaf: false)
    }
    n = gather(right, n)
    let high = right.highKey?.copy(to: fence)
    var total = 0
    for j in 0..<n { total += entrySize(j) }
    if total + (high?.count ?? 0) <= pageSize - Page.header {
      merge(left, right, entries: n, high: high, parent: parent, sepIndex: sepIndex, level: level)
      return
    }
    // Redistribute: rebuild both halves around a new separator, then replace the old one.
    let m = splitPoint(n, leaf: leaf, high: high?.count ?? 0)
    let sep = distribute(n, at: m, into: left, right, high: high, rightChild: right.child)
    s.pointee.borrows += 1
    parent.removeCell(at: sepIndex)
    path[level - 1].index = sepIndex
    insertSeparator(level - 1, sep, left: left.id, right: right.id)
  }

  /// Moves every gathered entry into `left`, unlinks and frees `right`, drops their separator
  /// from the parent, and rebalances upwards.
  private func merge(
    _ left: Page, _ right: Page, entries n: Int, high: UnsafeRawBufferPointer?, parent: Page,
    sepIndex: Int, level: Int
  ) {
    let (next, rightChild) = (right.right, right.child)
    rebuild(left, entries: 0..<n, high: high, rightChild: rightChild)
    left.right = next
    if left.isLeaf && next != 0 {
      let after = writable(next)
      after.prev = left.id
      seal(after)
    }
    seal(left)
    if s.pointee.fastLeaf == right.id { s.pointee.fastLeaf = 0 }
    if left.isLeaf { rememberRightmost(left) }
    freePage(right.id)
    s.pointee.merges += 1
    parent.removeCell(at: sepIndex)
    parent.setChild(at: sepIndex, left.id)
    seal(parent)
    if level - 1 == 0 {
      if parent.count == 0 {
        setRoot(left.id)
        freePage(parent.id)
      }
    } else if parent.live < minFill {
      rebalance(level - 1)
    }
  }
}
