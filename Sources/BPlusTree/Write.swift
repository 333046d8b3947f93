import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tree {
  /// Inserts, updates or upserts; true when something was written.
  func write(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode)
    -> Bool
  {
    if mode != .update, s.pointee.fastLeaf != 0, appendToRightmost(key, value) { return true }
    let (found, level) = descend(key, record: true)
    let leaf = writable(found.id)
    let (i, exists) = leaf.lowerBound(key)
    if exists {
      guard mode != .insert else { return false }
      if overwrite(leaf, i, value, level: level) { return true }
      // A value that grows (or a shrink that would break the floor) moves the cell: a smaller
      // one cannot split the leaf but may leave it below the byte floor, which then rebalances
      // as after a remove.
      let shrinks = value.count < leaf.value(i).count
      leaf.removeCell(at: i)
      insert(into: leaf, at: i, level: level, key, value)
      if shrinks && level > 0 && leaf.live < minFill { rebalance(level) }
      return true
    } else if mode == .update {
      return false
    }
    insert(into: leaf, at: i, level: level, key, value)
    tallies[Tally.keys] += 1
    return true
  }

  /// Replaces leaf cell `i`'s value in place when it is not longer, as reddb's upsert does (the
  /// bytes a shorter value frees are garbage until compaction), and seals the page. False (and
  /// nothing changed) when the value is longer, or when the shrink would leave a leaf below the
  /// root (`level` > 0) under the byte floor: the cell must then move and the leaf rebalance.
  @inline(__always) func overwrite(
    _ leaf: Page, _ i: Int, _ value: UnsafeRawBufferPointer, level: Int
  ) -> Bool {
    let old = leaf.value(i)
    guard value.count <= old.count else { return false }
    if value.count < old.count {
      guard level == 0 || leaf.live - (old.count - value.count) >= minFill else { return false }
      leaf.shrinkValue(at: i, to: value.count)
    }
    if value.count > 0 {
      UnsafeMutableRawPointer(mutating: old.baseAddress!).copyMemory(
        from: value.baseAddress!, byteCount: value.count)
    }
    seal(leaf)
    return true
  }

  /// The fast path for ascending inserts: a key above the rightmost leaf's true maximum belongs
  /// at that leaf's end (it cannot be a duplicate). Used only when no split is needed.
  @inline(__always) private func appendToRightmost(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer
  ) -> Bool {
    let leaf = page(s.pointee.fastLeaf)
    let max = UnsafeRawBufferPointer(start: fastMax, count: s.pointee.fastMaxLength)
    let size = Page.cellSize(leaf: true, key: key.count, value: value.count)
    guard leaf.right == 0, compareBytes(key, max) > 0, leaf.gap >= size else { return false }
    leaf.insertCell(at: leaf.count, key: key, value: value)
    seal(leaf)
    tallies[Tally.keys] += 1
    s.pointee.fastHits += 1
    rememberRightmost(leaf)
    return true
  }

  /// Caches the rightmost leaf and its true maximum key (or forgets it for any other leaf); never
  /// when optimistic, where concurrent writers would race on the cache.
  @inline(__always) func rememberRightmost(_ leaf: Page) {
    guard !optimistic else { return }
    guard leaf.right == 0, leaf.count > 0 else {
      if s.pointee.fastLeaf == leaf.id { s.pointee.fastLeaf = 0 }
      return
    }
    s.pointee.fastLeaf = leaf.id
    s.pointee.fastMaxLength = leaf.key(leaf.count - 1).copy(to: fastMax).count
  }

  /// Puts a cell into `leaf` at `i`: in the gap, after compaction, or by splitting.
  func insert(
    into leaf: Page, at i: Int, level: Int, _ key: UnsafeRawBufferPointer,
    _ value: UnsafeRawBufferPointer
  ) {
    let size = Page.cellSize(leaf: true, key: key.count, value: value.count)
    if leaf.gap < size && pageSize - Page.header - leaf.live - highLength(leaf) >= size {
      compact(leaf)
    }
    if leaf.gap >= size {
      leaf.insertCell(at: i, key: key, value: value)
      seal(leaf)
      rememberRightmost(leaf)
      return
    }
    var n = gather(leaf, 0)
    insertEntry(at: i, count: &n, key: key, value: value, child: 0, leaf: true)
    split(leaf, entries: n, level: level)
  }

  func highLength(_ page: Page) -> Int { page.highKey?.count ?? 0 }

  /// Rewrites a page without its garbage bytes.
  func compact(_ page: Page) {
    let n = gather(page, 0)
    let high = page.highKey?.copy(to: fence)
    rebuild(page, entries: 0..<n, high: high, rightChild: page.child)
  }

  // MARK: Split

  /// Splits the overflowing page `left` whose entries (with the new one) are gathered, and
  /// pushes the separator into the parent (level − 1).
  func split(_ left: Page, entries n: Int, level: Int) {
    let m = splitPoint(n, leaf: left.isLeaf, high: highLength(left))
    let high = left.highKey?.copy(to: fence)
    let right = newPage(left.kind)
    right.right = left.right
    left.right = right.id
    if left.isLeaf {
      right.prev = left.id
      if right.right != 0 {
        let next = writable(right.right)
        next.prev = right.id
        seal(next)
      }
    }
    let sep = distribute(n, at: m, into: left, right, high: high, rightChild: left.child)
    s.pointee.splits += 1
    insertSeparator(level - 1, sep, left: left.id, right: right.id)
  }

  /// Where to split `n` gathered entries: by bytes (each half as even as possible), or by count
  /// (reddb's median) unless a half would then overflow or fall below the byte floor (sizes
  /// skewed), in which case by bytes.
  func splitPoint(_ n: Int, leaf: Bool, high: Int, byCount: Bool? = nil) -> Int {
    let (lo, hi) = leaf ? (1, n - 1) : (1, n - 2)
    var total = 0
    for i in 0..<n { total += entrySize(i) }
    let room = pageSize - Page.header
    // `left` = bytes of entries before m. The left page's new fence is entry m's key; the right
    // page keeps the old fence (interior: entry m moves up and is on neither page).
    func fits(_ m: Int, _ left: Int) -> Bool {
      let right = total - left - (leaf ? 0 : entrySize(m))
      return left + entryKey(m).count <= room && right + high <= room
    }
    if byCount ?? splitByCount {
      let m = min(max(n / 2, lo), hi)
      var left = 0
      for i in 0..<m { left += entrySize(i) }
      let right = total - left - (leaf ? 0 : entrySize(m))
      if fits(m, left) && min(left, right) >= minFill { return m }
      s.pointee.countSplitFallbacks += 1
    }
    var (best, bestCost) = (lo, Int.max)
    var left = 0
    for i in 0..<lo { left += entrySize(i) }
    for m in lo...hi {
      let cost = abs(2 * left - total)
      // Past the middle the cost only grows: nothing further can beat a fitting best.
      if 2 * left > total && cost >= bestCost { break }
      if cost < bestCost && fits(m, left) { (best, bestCost) = (m, cost) }
      left += entrySize(m)
    }
    return best
  }

  /// Adds the separator between `left` and its new right sibling to the parent at `level`
  /// (a new root above level 0), splitting the parent when it is full.
  func insertSeparator(_ level: Int, _ sep: UnsafeRawBufferPointer, left: UInt32, right: UInt32) {
    guard level >= 0 else {
      let root = newPage(Page.interior)
      root.insertCell(at: 0, key: sep, value: nil, child: left)
      root.child = right
      seal(root)
      setRoot(root.id)
      return
    }
    let parent = writable(path[level].id)
    let i = path[level].index
    let size = Page.cellSize(leaf: false, key: sep.count, value: 0)
    if parent.gap < size && pageSize - Page.header - parent.live - highLength(parent) >= size {
      compact(parent)
    }
    if parent.gap >= size {
      parent.insertCell(at: i, key: sep, value: nil, child: left)
      parent.setChild(at: i + 1, right)
      seal(parent)
      return
    }
    var n = gather(parent, 0)
    insertEntry(at: i, count: &n, key: sep, value: nil, child: left, leaf: false)
    // The reference that led to `left` (entry i + 1, or the rightmost child) now leads right.
    if i + 1 < n { setEntryChild(i + 1, right) } else { parent.child = right }
    split(parent, entries: n, level: level)
  }
}
