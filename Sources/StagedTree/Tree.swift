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

  /// The no-double-split rule of `validate_tree_config` (crimson value.cc; staged-tree.md §4): a
  /// node must hold sizeof(node_header_t) (2 B: crimson leaves the u8 num_keys out) + 2 × the
  /// largest top-stage insert + (largest top-stage insert − smallest bottom-stage insert), so a
  /// split at the fair point leaves room for the entry, whichever side it lands on. For the simple layout
  /// (`simple: true`): names fit its u8 lengths and a node holds its shared fields and two of
  /// the largest entries. Nil when it holds.
  public func violation(simple: Bool = false) -> String? {
    if simple && max(maxNamespace, maxObjectName) > SimpleNode.maxName {
      return
        "layout simple stores names with u8 lengths: max_namespace and max_object_name must be ≤ \(SimpleNode.maxName)"
    }
    for (name, size, leaf) in [
      ("leaf_node_size", leafNodeSize, true), ("internal_node_size", internalNodeSize, false),
    ] {
      let need: Int
      let names = maxNamespace + maxObjectName
      if simple {
        let item = leaf ? SimpleNode.valueHeaderSize + maxValue : 8
        let entry = SimpleNode.prefixSize(0, leaf: leaf) + 18 + names + item
        need =
          SimpleNode.headerSize + 8 + SimpleNode.sharedSize(3, maxNamespace, maxObjectName) + 2
          * entry
      } else {
        let sizes = StageSizes(leaf: leaf)
        let payload = leaf ? maxValue : 0
        let top = Node.slotSize + names + 4 + 2 + (leaf ? 1 : 0) + sizes.right(payload)
        need = Node.nodeHeaderSize + 2 * top + (top - sizes.right(payload))
      }
      if need > size {
        return
          "\(name) \(size) cannot hold the largest entries (names \(maxNamespace) + \(maxObjectName) B, value \(maxValue) B need \(need) B); raise the node size or lower max_namespace, max_object_name or max_value"
      }
    }
    return nil
  }
}

/// The tree over one node layout: nodes in malloc'ed blocks, children addressed by pointer
/// (8 bytes), parent key = child maximum, a keyless tail child on each level's right edge.
final class Tree<N: NodeLayout> {
  let config: StagedTreeConfig
  var root: N
  var height = 1
  var count = 0
  /// (node, position) of each internal node on the last descent, root first.
  var path: [(N, Pos)] = []
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
    root = N(base: malloc(config.leafNodeSize)!, size: config.leafNodeSize)
    root.build([], leaf: true, tail: true, level: 0, tailChild: 0)
    path.reserveCapacity(64)
    entries.reserveCapacity(1024)
  }

  deinit {
    releaseAll(root)
    scratch.deallocate()
  }

  private func releaseAll(_ n: N) {
    forEachChild(of: n, releaseAll)
    free(n.base)
  }

  /// Calls `body` on each child of `n` in key order, the tail child last (nothing for a leaf).
  func forEachChild(of n: N, _ body: (N) -> Void) {
    guard !n.isLeaf else { return }
    var p = n.first
    while !p.isEnd(n) {
      body(node(n.child(at: p)))
      p = n.next(p)
    }
    if n.hasTailChild { body(node(n.tailChild)) }
  }

  func release(_ n: N) { free(n.base) }

  @inline(__always) func node(_ address: UInt64) -> N {
    let base = UnsafeMutableRawPointer(bitPattern: UInt(address))!
    return N(base: base, size: N.isLeaf(base) ? config.leafNodeSize : config.internalNodeSize)
  }
  @inline(__always) func address(_ n: N) -> UInt64 { UInt64(UInt(bitPattern: n.base)) }
  func allocate(leaf: Bool) -> N {
    let size = leaf ? config.leafNodeSize : config.internalNodeSize
    return N(base: malloc(size)!, size: size)
  }

  // MARK: Search

  /// Descends to the node at `level` on `key`'s route, recording the internal nodes above it in
  /// `path`; returns the node and the staged lower bound in it. `history: false` searches each
  /// node plainly, for repairs while an index key is stale (the history assumes parent key =
  /// child maximum).
  @inline(__always)
  func descend(_ key: Key, to level: Int = 0, history: Bool = true) -> (N, Pos, MatchStat) {
    path.removeAll(keepingCapacity: true)
    return descend(key, to: level, history: history) { path.append(($0, $1)) }
  }

  /// The descent itself, handing each internal node and the position taken to `step`; readers
  /// use it directly so that concurrent lookups share no state.
  @inline(__always)
  func descend(_ key: Key, to level: Int = 0, history: Bool = true, _ step: (N, Pos) -> Void)
    -> (N, Pos, MatchStat)
  {
    var h = History()
    var n = root
    while n.level > level {
      if !history { h = History() }
      let (p, _) = n.lowerBound(key, &h)
      assert(p == n.plainLowerBound(key), "history search differs from a plain search")
      step(n, p)
      n = node(n.child(at: p))
    }
    if !history { h = History() }
    let (p, m) = n.lowerBound(key, &h)
    assert(p == n.plainLowerBound(key), "history search differs from a plain search")
    return (n, p, m)
  }

  func get(_ key: Key) -> UnsafeRawBufferPointer? {
    let (leaf, p, m) = descend(key) { _, _ in }
    return m == .eq ? leaf.value(at: p) : nil
  }

  // MARK: Insert

  /// Writes per `mode`; values of another size than the stored one are erased and reinserted
  /// (the original fixes value sizes at insert).
  func write(_ key: Key, _ value: UnsafeRawBufferPointer, _ mode: WriteMode) -> Bool {
    let (leaf, p, m) = descend(key)
    guard mode.applies(exists: m == .eq) else { return false }
    if m == .eq {
      let old = leaf.value(at: p)
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

  /// Inserts `e` into `n` (whose ancestors are `path[0..<depth]`) in place, or splits.
  func insert(_ e: Entry, into n: N, at p: Pos, depth: Int) {
    if !n.insert(e, at: p) { split(n, inserting: e, depth: depth) }
  }

  /// Splits `n` at the fair point (strategy B) while inserting `e`: the left part stays in `n`,
  /// the right part (which takes the level tail) goes to a new node, and the parent gets the
  /// left part's new maximum, which may split it in turn.
  func split(_ n: N, inserting e: Entry, depth: Int) {
    splits += 1
    if N.self == Node.self, let right = stagedSplit(n as! Node, inserting: e) {
      propagate(n, right as! N, depth: depth)
      return
    }
    let copy = N(base: scratch, size: n.size)
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
    // A layout that factors out less may still hold everything (simple-fltree lowering its
    // node layout): rebuild instead of splitting.
    if let size = N.size(of: entries[...], leaf: n.isLeaf, tailChild: copy.hasTailChild),
      size <= n.size
    {
      splits -= 1
      n.build(
        entries[...], leaf: n.isLeaf, tail: copy.isTail, level: n.level,
        tailChild: copy.hasTailChild ? copy.tailChild : 0)
      return
    }
    let m = fairSplit(leaf: n.isLeaf, size: n.size, tailChild: copy.hasTailChild)
    let right = allocate(leaf: n.isLeaf)
    n.build(entries[..<m], leaf: n.isLeaf, tail: false, level: n.level, tailChild: 0)
    right.build(
      entries[m...], leaf: n.isLeaf, tail: copy.isTail, level: n.level,
      tailChild: copy.hasTailChild ? copy.tailChild : 0)
    propagate(n, right, depth: depth)
  }

  /// crimson's `split_insert` for the staged layout (Split.swift): locate the split stage by
  /// stage on the node's bytes, append the right part (and the new entry if it goes right) to a
  /// new node, trim the left node in place, and insert the new entry there if it goes left. Nil
  /// (nothing changed) where the located point would leave a side empty or overfull, which the
  /// configuration check rules out; the gathering split then decides.
  func stagedSplit(_ n: Node, inserting e: Entry) -> Node? {
    let p = n.plainLowerBound(e.key)
    let (stage, at) = n.insertPoint(p, e.key)
    let insertSize = StageSizes(leaf: n.isLeaf).size(stage, e.key, e.payload.count)
    let (left, insertLeft, _) = n.locateSplit(stage: stage, at: at, insertSize: insertSize)
    entries.removeAll(keepingCapacity: true)
    n.gather(into: &entries)
    let total = entries.count
    guard left + (insertLeft ? 1 : 0) > 0, left < total || !insertLeft else { return nil }
    let rightEntries = entries[left...]
    var moved = Array(rightEntries)
    if !insertLeft {
      var lo = 0
      while lo < moved.count && moved[lo].key.compare(e.key) < 0 { lo += 1 }
      moved.insert(e, at: lo)
    }
    let tail = n.isTail
    let tailChild: UInt64 = n.hasTailChild ? n.tailChild : 0
    guard let rightSize = Node.size(of: moved[...], leaf: n.isLeaf, tailChild: n.hasTailChild),
      rightSize <= n.size
    else { return nil }
    if insertLeft {
      var leftPart = Array(entries[..<left])
      var lo = 0
      while lo < leftPart.count && leftPart[lo].key.compare(e.key) < 0 { lo += 1 }
      leftPart.insert(e, at: lo)
      guard let leftSize = Node.size(of: leftPart[...], leaf: n.isLeaf, tailChild: false),
        leftSize <= n.size
      else { return nil }
    }
    let right = Node(base: allocate(leaf: n.isLeaf).base, size: n.size)
    right.build(moved[...], leaf: n.isLeaf, tail: tail, level: n.level, tailChild: tailChild)
    n.trim(keeping: left)
    n.setHeader(leaf: n.isLeaf, tail: false, level: n.level)
    if insertLeft {
      let ok = n.insert(e, at: n.plainLowerBound(e.key))
      precondition(ok, "the new entry does not fit the left node after the split")
    }
    return right
  }

  /// Hands a split's right node to the parent (growing the root when `n` was the root).
  func propagate(_ n: N, _ right: N, depth: Int) {
    // The parent's entry for `n` (keyed by the old maximum, or the tail) now leads to `right`.
    let parent: N
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
    parent.setChild(at: at, address(right))
    let separator = Entry(
      key: n.key(at: n.last), payload: UnsafeRawBufferPointer(start: nil, count: 0),
      child: address(n))
    var h = History()
    let (p, _) = parent.lowerBound(separator.key, &h)
    insert(separator, into: parent, at: p, depth: depth == 0 ? 0 : depth - 1)
  }

  /// The number of gathered entries that go left: the largest prefix whose size is within half
  /// the total, plus the next entry when that lands closer to half (strategy B). Each side pays
  /// for its own copy of a shared slot or name, so with the staged layout the split is exact.
  func fairSplit(leaf: Bool, size: Int, tailChild: Bool) -> Int {
    let n = entries.count
    var total = 0
    for i in 0..<n { total += N.cost(entries, i, first: i == 0, leaf: leaf) }
    let target = total / 2
    var left = 0
    var m = 0
    while m < n {
      let c = N.cost(entries, m, first: m == 0, leaf: leaf)
      if left + c > target {
        if left + c / 2 < target { m += 1 }
        break
      }
      left += c
      m += 1
    }
    m = min(max(m, 1), n - 1)
    // The configuration check guarantees both halves fit; stay safe at the edges anyway.
    func fits(_ r: Range<Int>, _ tail: Bool) -> Bool {
      (N.size(of: entries[r], leaf: leaf, tailChild: tail) ?? .max) <= size
    }
    while m > 1 && !fits(0..<m, false) { m -= 1 }
    while m < n - 1 && !fits(m..<n, tailChild) { m += 1 }
    precondition(fits(0..<m, false) && fits(m..<n, tailChild), "split cannot fit both halves")
    return m
  }
}

extension Node {
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
        writeInternalEntry(e, at: p - Node.internalEntrySize)
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
