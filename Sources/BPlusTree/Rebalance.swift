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

  /// Rebalances the underfull page reached at `level`. With `rebalance: reddb` it first borrows
  /// one entry at a time from its left sibling, then its right one (see `borrow`). Otherwise, or
  /// when neither can lift it to the floor, it pairs with its left sibling (its right one when
  /// it is the first child): merge when both fit in one page, else redistribute by bytes.
  func rebalance(_ level: Int) {
    let i = path[level - 1].index
    if borrowOne {
      let parent = page(path[level - 1].id)
      if i > 0 && borrow(level, sepIndex: i - 1, intoRight: true) { return }
      if i < parent.count && borrow(level, sepIndex: i, intoRight: false) { return }
    }
    let parent = writable(path[level - 1].id)
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

  /// reddb's borrowing: moves entries one at a time from the sibling across separator
  /// `sepIndex` into the underfull page (the right one of the pair when `intoRight`) while it is
  /// below the floor and the donor stays at or above it; interior pages rotate through the
  /// parent's separator. reddb keeps a borrow that leaves the page still underfull, and rotates
  /// interior pages once; here a borrow happens only when it lifts the page to the floor (else
  /// false, nothing changed), so every page keeps the floor that `check` requires.
  private func borrow(_ level: Int, sepIndex: Int, intoRight: Bool) -> Bool {
    // Locked before they are read: one-leaf writers may be changing a sibling (olc).
    let parent = page(path[level - 1].id)
    let left = writable(parent.child(at: sepIndex))
    let right = writable(parent.child(at: sepIndex + 1))
    let leaf = left.isLeaf
    var (leftBytes, rightBytes) = (left.live, right.live)
    var n = gather(left, 0)
    var m = n  // left keeps entries 0..<m; on interior pages entry m moves up
    if !leaf {
      insertEntry(
        at: n, count: &n, key: parent.key(sepIndex), value: nil, child: left.child, leaf: false)
    }
    n = gather(right, n)
    if intoRight {
      while rightBytes < minFill && m > 0 {
        let leaving = entrySize(m - 1)
        guard leftBytes - leaving >= minFill else { break }
        leftBytes -= leaving
        rightBytes += leaf ? leaving : entrySize(m)  // interior: the old separator comes down
        m -= 1
      }
      guard rightBytes >= minFill, m < (leaf ? n : n - 1) else { return false }
    } else {
      while leftBytes < minFill && m < (leaf ? n - 1 : n - 2) {
        let leaving = entrySize(leaf ? m : m + 1)  // interior: entry m + 1 moves up
        guard rightBytes - leaving >= minFill else { break }
        rightBytes -= leaving
        leftBytes += entrySize(m)
        m += 1
      }
      guard leftBytes >= minFill else { return false }
    }
    let high = right.highKey
    let room = pageSize - Page.header
    guard leftBytes + entryKey(m).count <= room, rightBytes + (high?.count ?? 0) <= room else {
      return false
    }
    let sep = distribute(
      n, at: m, into: left, right, high: high?.copy(to: fence), rightChild: right.child)
    s.pointee.borrows += 1
    writable(parent.id).removeCell(at: sepIndex)
    path[level - 1].index = sepIndex
    insertSeparator(level - 1, sep, left: left.id, right: right.id)
    return true
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
