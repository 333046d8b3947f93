import EngineKit

#if canImport(Glibc)
  import Glibc
#endif

/// Node sizes and the largest names and value the tree accepts.
public struct StagedTreeConfig: Sendable, Equatable {
  public var leafNodeSize = 16_384
  public var internalNodeSize = 8_192
  public var maxNamespace = 256
  public var maxObjectName = 2_048
  public var maxValue = 1_200

  public init() {}

  /// The no-double-split rule of `validate_tree_config` (staged-tree.md §4): a node must hold
  /// header + 2 × the largest insert + (largest insert − smallest insert), so a split at the fair
  /// point always leaves room for the entry, whichever side it lands on. Nil when it holds.
  public func violation() -> String? {
    for (name, size, leaf) in [
      ("leaf_node_size", leafNodeSize, true), ("internal_node_size", internalNodeSize, false),
    ] {
      let sizes = StageSizes(leaf: leaf)
      let payload = leaf ? maxValue : 0
      let top =
        Node.slotSize + maxNamespace + 2 + maxObjectName + 2 + 2 + (leaf ? 1 : 0)
        + sizes.right(payload)
      let need = Node.headerSize + 2 * top + (top - sizes.right(payload))
      if need > size {
        return
          "\(name) \(size) cannot hold the largest entries (names \(maxNamespace) + \(maxObjectName) B, value \(maxValue) B need \(need) B); raise the node size or lower max_namespace, max_object_name or max_value"
      }
    }
    return nil
  }
}

/// The staged tree: N0 nodes in malloc'ed blocks, children addressed by pointer (8 bytes).
final class Tree {
  let config: StagedTreeConfig
  let leafSizes = StageSizes(leaf: true)
  let internalSizes = StageSizes(leaf: false)
  var root: Node
  var height = 1
  var count = 0
  /// (node, position) of each internal node on the last descent, root first.
  var path: [(Node, Pos)] = []
  var entries: [Entry] = []
  /// A copy of the node being rebuilt, which its gathered entries point into.
  let scratch: UnsafeMutableRawPointer
  var splits = 0
  var merges = 0
  var rootGrowths = 0
  var rootShrinks = 0
  /// Bumped on every change to a leaf's layout (cursors re-read when it moves).
  var layoutVersion: UInt64 = 0

  init(_ config: StagedTreeConfig) {
    self.config = config
    scratch = .allocate(byteCount: max(config.leafNodeSize, config.internalNodeSize), alignment: 16)
    root = Node(base: malloc(config.leafNodeSize)!, size: config.leafNodeSize)
    root.build([], leaf: true, tail: true, level: 0)
    path.reserveCapacity(64)
    entries.reserveCapacity(1024)
  }

  deinit {
    releaseAll(root)
    scratch.deallocate()
  }

  private func releaseAll(_ n: Node) {
    if !n.isLeaf {
      var p = n.first
      while !p.isEnd(n) {
        releaseAll(node(n.child(at: p)))
        p = n.next(p)
      }
      if n.hasTailChild { releaseAll(node(n.tailChild)) }
    }
    free(n.base)
  }

  func release(_ n: Node) { free(n.base) }

  @inline(__always) func node(_ address: UInt64) -> Node {
    let base = UnsafeMutableRawPointer(bitPattern: UInt(address))!
    let leaf = base.load(as: UInt8.self) & Node.leafBit != 0
    return Node(base: base, size: leaf ? config.leafNodeSize : config.internalNodeSize)
  }
  @inline(__always) func address(_ n: Node) -> UInt64 { UInt64(UInt(bitPattern: n.base)) }
  func allocate(leaf: Bool) -> Node {
    let size = leaf ? config.leafNodeSize : config.internalNodeSize
    return Node(base: malloc(size)!, size: size)
  }

  // MARK: Search

  /// Descends to the node at `level` on `key`'s route, recording the internal nodes above it in
  /// `path`; returns the node and the staged lower bound in it. `history: false` searches each
  /// node plainly, for repairs while an index key is stale (the history assumes parent key =
  /// child maximum).
  @inline(__always)
  func descend(_ key: Key, to level: Int = 0, history: Bool = true) -> (Node, Pos, MatchStat) {
    path.removeAll(keepingCapacity: true)
    var h = History()
    var n = root
    while n.level > level {
      if !history { h = History() }
      let (p, _) = n.lowerBound(key, &h)
      assert(p == n.plainLowerBound(key), "history search differs from a plain search")
      path.append((n, p))
      n = node(n.child(at: p))
    }
    if !history { h = History() }
    let (p, m) = n.lowerBound(key, &h)
    assert(p == n.plainLowerBound(key), "history search differs from a plain search")
    return (n, p, m)
  }

  func get(_ key: Key) -> UnsafeRawBufferPointer? {
    let (leaf, p, m) = descend(key)
    guard m == .eq else { return nil }
    let b = leaf.boxEnd(p.itemEnd)
    return leaf.payload(b, leaf.count(box: b, from: leaf.itemStart(p.itemEnd)), p.sub)
  }

  // MARK: Insert

  /// Writes per `mode`; values of another size than the stored one are erased and reinserted
  /// (the original fixes value sizes at insert).
  func write(_ key: Key, _ value: UnsafeRawBufferPointer, _ mode: WriteMode) -> Bool {
    let (leaf, p, m) = descend(key)
    guard mode.applies(exists: m == .eq) else { return false }
    if m == .eq {
      let b = leaf.boxEnd(p.itemEnd)
      let old = leaf.payload(b, leaf.count(box: b, from: leaf.itemStart(p.itemEnd)), p.sub)
      if old.count == value.count {
        if value.count > 0 {
          UnsafeMutableRawPointer(mutating: old.baseAddress!).copyMemory(
            from: value.baseAddress!, byteCount: value.count)
        }
        return true
      }
      _ = remove(key)
      return write(key, value, .insert)
    }
    count += 1
    layoutVersion &+= 1
    insert(Entry(key: key, payload: value, child: 0), into: leaf, at: p, depth: path.count)
    return true
  }

  /// Where a new key goes next to the lower bound `p`, and the stage it opens: a new version in
  /// the item holding its name, a new item in the slot holding its placement, or a new slot.
  /// (Neighbour comparison, as the original's internal insert does; it yields the same stage as
  /// the leaf's history-based compensation.)
  func insertPoint(_ n: Node, _ p: Pos, _ key: Key) -> (Stage, Pos) {
    let prev = n.previous(p)
    if !p.isEnd(n) && n.comparePlacement(key, p.slot) == 0 {
      if n.compareName(key, p.itemEnd) == 0 { return (.right, p) }
      if let q = prev, q.slot == p.slot, n.compareName(key, q.itemEnd) == 0 {
        return (.right, Pos(slot: q.slot, item: q.item, sub: q.sub + 1, itemEnd: q.itemEnd))
      }
      return (.string, p)
    }
    if let q = prev, n.comparePlacement(key, q.slot) == 0 {
      if n.compareName(key, q.itemEnd) == 0 {
        return (.right, Pos(slot: q.slot, item: q.item, sub: q.sub + 1, itemEnd: q.itemEnd))
      }
      return (.string, Pos(slot: q.slot, item: q.item + 1, sub: 0, itemEnd: n.itemStart(q.itemEnd)))
    }
    return (.left, Pos(slot: p.slot, item: 0, sub: 0, itemEnd: n.regionEnd(p.slot)))
  }

  /// Inserts `e` into `n` (whose ancestors are `path[0..<depth]`) in place, or splits.
  func insert(_ e: Entry, into n: Node, at p: Pos, depth: Int) {
    let (stage, at) = insertPoint(n, p, e.key)
    let sizes = n.isLeaf ? leafSizes : internalSizes
    let size = sizes.size(stage, e.key, e.payload.count)
    let full: Bool
    switch stage {
    case .left: full = n.slotCount == Node.maxPerContainer
    case .string: full = false
    case .right:
      full = n.isLeaf && n.u8(n.boxEnd(at.itemEnd) - 1) == Node.maxPerContainer
    }
    if !full && size <= n.freeSize {
      n.insertInPlace(e, stage, at, size: size)
    } else {
      split(n, inserting: e, depth: depth)
    }
  }

  /// Splits `n` at the fair point (strategy B) while inserting `e`: the left part stays in `n`,
  /// the right part (which takes the level tail) goes to a new node, and the parent gets the
  /// left part's new maximum, which may split it in turn.
  func split(_ n: Node, inserting e: Entry, depth: Int) {
    splits += 1
    let copy = Node(base: scratch, size: n.size)
    scratch.copyMemory(from: n.base, byteCount: n.size)
    entries.removeAll(keepingCapacity: true)
    copy.gather(into: &entries)
    var lo = 0
    var hi = entries.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if entries[mid].key.compare(e.key) < 0 { lo = mid + 1 } else { hi = mid }
    }
    entries.insert(e, at: lo)
    let m = fairSplit(leaf: n.isLeaf, size: n.size, tailChild: copy.hasTailChild)
    let right = allocate(leaf: n.isLeaf)
    n.build(entries[..<m], leaf: n.isLeaf, tail: false, level: n.level)
    right.build(
      entries[m...], leaf: n.isLeaf, tail: copy.isTail, level: n.level,
      tailChild: copy.hasTailChild ? copy.tailChild : 0)
    // The parent's entry for `n` (keyed by the old maximum, or the tail) now leads to `right`.
    let parent: Node
    let at: Pos
    if depth == 0 {
      parent = allocate(leaf: false)
      parent.build([], leaf: false, tail: true, level: n.level + 1, tailChild: address(n))
      root = parent
      height += 1
      rootGrowths += 1
      at = Pos.end(parent)
    } else {
      (parent, at) = path[depth - 1]
    }
    if at.isEnd(parent) {
      parent.setTailChild(address(right))
    } else {
      parent.setChild(parent.boxEnd(at.itemEnd), at.sub, address(right))
    }
    let separator = Entry(
      key: n.key(at: n.last), payload: UnsafeRawBufferPointer(start: nil, count: 0),
      child: address(n))
    var h = History()
    let (p, _) = parent.lowerBound(separator.key, &h)
    insert(separator, into: parent, at: p, depth: depth == 0 ? 0 : depth - 1)
  }

  /// The number of gathered entries that go left: the largest prefix whose staged size is within
  /// half the total, plus the next entry when that lands closer to half (strategy B). Each side
  /// pays for its own copy of a shared slot or name, so the split is exact.
  func fairSplit(leaf: Bool, size: Int, tailChild: Bool) -> Int {
    let run = SizeRun(sizes: leaf ? leafSizes : internalSizes)
    let n = entries.count
    var total = 0
    for i in 0..<n { total += run.cost(entries, i, first: i == 0) }
    let target = total / 2
    var left = 0
    var m = 0
    while m < n {
      let c = run.cost(entries, m, first: m == 0)
      if left + c > target {
        if left + c / 2 < target { m += 1 }
        break
      }
      left += c
      m += 1
    }
    m = min(max(m, 1), n - 1)
    // The configuration check guarantees both halves fit; stay safe at the edges anyway.
    while m > 1 && Node.headerSize + span(run, 0, m) > size { m -= 1 }
    let reserve = Node.headerSize + (tailChild ? Node.childSize : 0)
    while m < n - 1 && reserve + span(run, m, n) > size { m += 1 }
    precondition(
      Node.headerSize + span(run, 0, m) <= size && reserve + span(run, m, n) <= size,
      "staged split cannot fit both halves")
    return m
  }

  /// The staged size of `entries[a..<b]` laid out in one node.
  func span(_ run: SizeRun, _ a: Int, _ b: Int) -> Int {
    var s = 0
    for i in a..<b { s += run.cost(entries, i, first: i == a) }
    return s
  }
}

extension Node {
  /// A plain lower bound (no history), the reference the history search is checked against.
  func plainLowerBound(_ key: Key) -> Pos {
    var h = History()
    return lowerBound(key, &h).0
  }

  /// Inserts `e` at `at`, opening `size` bytes at the stage chosen by `insertPoint`.
  func insertInPlace(_ e: Entry, _ stage: Stage, _ at: Pos, size: Int) {
    let s = at.slot
    switch stage {
    case .left:
      let end = regionEnd(s)
      let region = size - Node.slotSize
      open(end, region)
      let n = slotCount
      (base + slotOffset(s + 1)).copyMemory(
        from: base + slotOffset(s), byteCount: Node.slotSize * (n - s))
      setSlotCount(n + 1)
      shiftRegions(from: s + 1, by: -region)
      setPlacement(s, e.key)
      setRegionStart(s, end - region)
      writeItem(CollectionOfOne(e), end: end)
    case .string:
      open(at.itemEnd, size)
      shiftRegions(from: s, by: -size)
      writeItem(CollectionOfOne(e), end: at.itemEnd)
    case .right:
      let b = boxEnd(at.itemEnd)
      let k = at.sub
      if isLeaf {
        let c = u8(b - 1)
        let itemsEnd = b - 1 - 2 * c
        let p = leafSubEnd(b, c, k)
        let sub = size - 2
        open(p, size)
        (base + p - 2).copyMemory(from: base + p, byteCount: itemsEnd - p)
        writeVersion(e, at: p - 2 - sub)
        var i = c
        while i > k {
          set16(b - 3 - 2 * i, u16(b - 3 - 2 * (i - 1)) + sub)
          i -= 1
        }
        set16(b - 3 - 2 * k, (k == 0 ? 0 : u16(b - 3 - 2 * (k - 1))) + sub)
        set8(b - 1, c + 1)
      } else {
        let p = b - Node.internalEntrySize * k
        open(p, size)
        set64(p - 24, e.child)
        set64(p - 16, e.key.snap)
        set64(p - 8, e.key.gen)
      }
      set16(at.itemEnd - 2, u16(at.itemEnd - 2) + size)
      shiftRegions(from: s, by: -size)
    }
  }

  /// Erases the entry at `p`; an item or slot left empty goes with it.
  func eraseInPlace(_ p: Pos) {
    let s = p.slot
    let e = p.itemEnd
    let start = itemStart(e)
    let b = boxEnd(e)
    let c = count(box: b, from: start)
    if c > 1 {
      let gone: Int
      if isLeaf {
        let k = p.sub
        let x = leafSubEnd(b, c, k + 1)
        let y = leafSubEnd(b, c, k)
        let sub = y - x
        let itemsEnd = b - 1 - 2 * c
        for i in k..<(c - 1) { set16(b - 3 - 2 * i, u16(b - 3 - 2 * (i + 1)) - sub) }
        (base + y + 2).copyMemory(from: base + y, byteCount: itemsEnd - y)
        gone = sub + 2
        close(y + 2, gone)
        set8(b - 1, c - 1)
      } else {
        gone = Node.internalEntrySize
        close(b - gone * p.sub, gone)
      }
      set16(e - 2, u16(e - 2) - gone)
      shiftRegions(from: s, by: gone)
    } else if start > regionStart(s) || e < regionEnd(s) {
      close(e, e - start)
      shiftRegions(from: s, by: e - start)
    } else {
      let end = regionEnd(s)
      let gone = end - regionStart(s)
      close(end, gone)
      let n = slotCount
      (base + slotOffset(s)).copyMemory(
        from: base + slotOffset(s + 1), byteCount: Node.slotSize * (n - 1 - s))
      setSlotCount(n - 1)
      shiftRegions(from: s, by: gone)
    }
  }

  /// Whether the node holds exactly one entry (or one child).
  var isSingle: Bool {
    let n = slotCount
    if n == 0 { return hasTailChild }
    if n > 1 || hasTailChild { return false }
    let e = size
    return itemStart(e) == regionStart(0) && count(box: boxEnd(e), from: itemStart(e)) == 1
  }
}
