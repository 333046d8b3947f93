import EngineKit

extension Tree {
  /// Bottom-up load of `count` strictly ascending entries into an empty tree: leaves filled left
  /// to right to `fill` percent (room for a fence is always kept), then each interior level
  /// built over the one below. A page is closed only once it holds the byte floor (or the next
  /// cell would not fit), and the last two pages of every level are merged or evened out when
  /// the last one ends below the floor, so the result passes `check`. False, with the tree left
  /// empty, on unsorted or oversized input.
  func bulkLoad(
    count: Int, fill: Int,
    _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Bool {
    let root = page(directory.pointee.root)
    guard keyCount == 0, root.isLeaf else { return false }
    let budget = bulkBudget(fill)
    @inline(__always) func full(_ page: Page, adding size: Int) -> Bool {
      closes(page, adding: size, budget: budget)
    }
    // Each level: the pages built, with the first key under each.
    var level: [(id: UInt32, first: [UInt8])] = []
    var leaf = root
    var previous: UnsafeRawBufferPointer?
    for i in 0..<count {
      let (key, value) = entry(i)
      guard key.count <= maxKey, key.count + value.count <= maxEntry,
        previous.map({ compareBytes($0, key) < 0 }) ?? true
      else {
        discardBulk(level.map(\.id), keep: root.id)
        return false
      }
      let size = Page.cellSize(leaf: true, key: key.count, value: value.count)
      if leaf.count > 0 && full(leaf, adding: size) {
        leaf = appendPage(after: leaf, kind: Page.leaf, fence: key)
      }
      if leaf.count == 0 { level.append((leaf.id, Array(key))) }
      leaf.insertCell(at: leaf.count, key: key, value: value)
      previous = key
    }
    s.pointee.keys += count
    seal(leaf)
    evenOutTail(&level)
    rememberRightmost(page(level.last?.id ?? root.id))
    if level.count > 1 { level = [(buildUp(level, budget: budget), [])] }
    setRoot(level.first?.id ?? root.id)
    return true
  }

  /// reddb's `bulk_insert_sorted`: appends `count` strictly ascending entries, every one above
  /// the tree's largest key, to a tree that is not empty, a page at a time along the right edge
  /// and without a descent per entry. The rightmost leaf is repacked (its cells, then the
  /// entries) and filled as `bulkLoad` fills pages (to `fill` percent, room for a fence kept, a
  /// page closed only at the byte floor); the entries that do not fit go to new leaves linked to
  /// its right. The new leaves' first keys are then appended, as separators, to the rightmost
  /// page of the level above in the same way (that page repacked, new interior pages to its
  /// right, their first keys pushed up a level), level by level; when the root's level gains
  /// pages, fresh levels are built above it and the tree grows in height. The last two pages of
  /// every level touched are merged or evened out when the last one ends below the floor, so the
  /// result passes `check`.
  ///
  /// False, with the tree unchanged, when it is empty, when `count` is 0, or when the input is
  /// not strictly ascending, holds an entry that is too large, or does not start above the
  /// largest key: the caller then inserts the entries one by one. Not safe against concurrent
  /// operations (with `concurrency: olc` as without): like `bulkLoad`, it runs single-threaded.
  func appendSorted(
    count: Int, fill: Int,
    _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Bool {
    // The right edge, root first: each level's rightmost page.
    var edge: [UInt32] = []
    var id = directory.pointee.root
    while true {
      let p = page(id)
      guard p.right == 0 else { return false }
      edge.append(id)
      if p.isLeaf { break }
      id = p.child
    }
    var leaf = page(edge[edge.count - 1])
    guard count > 0, leaf.count > 0 else { return false }
    // Checked before anything changes: ascending, within the limits, above the largest key.
    var previous = leaf.key(leaf.count - 1)
    for i in 0..<count {
      let (key, value) = entry(i)
      guard key.count <= maxKey, key.count + value.count <= maxEntry,
        compareBytes(previous, key) < 0
      else { return false }
      previous = key
    }
    let budget = bulkBudget(fill)
    // Each level: its rightmost page (first key unused) and the pages added after it.
    var level: [(id: UInt32, first: [UInt8])] = [(leaf.id, [])]
    @inline(__always) func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
      let size = Page.cellSize(leaf: true, key: key.count, value: value.count)
      if leaf.count > 0 && closes(leaf, adding: size, budget: budget) {
        leaf = appendPage(after: leaf, kind: Page.leaf, fence: key)
        level.append((leaf.id, Array(key)))
      }
      leaf.insertCell(at: leaf.count, key: key, value: value)
    }
    // Repack the rightmost leaf: its cells (gathered: they may hold garbage, or fill the page
    // past the room a fence needs), then the entries.
    let kept = gather(leaf, 0)
    rebuild(leaf, entries: 0..<0, high: nil, rightChild: 0)
    for j in 0..<kept {
      let e = self.entry(j)
      let k = Int(e.loadUnaligned(as: UInt16.self))
      let v = Int(e.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
      add(
        UnsafeRawBufferPointer(start: e + 4, count: k),
        UnsafeRawBufferPointer(start: e + 4 + k, count: v))
    }
    for i in 0..<count {
      let (key, value) = entry(i)
      add(key, value)
    }
    seal(leaf)
    s.pointee.keys += count
    evenOutTail(&level)
    rememberRightmost(page(level[level.count - 1].id))
    // Push each level's new pages into the rightmost page above, repacked the same way.
    var depth = edge.count - 1
    while level.count > 1 && depth > 0 {
      depth -= 1
      var node = page(edge[depth])
      let rightmost = node.child
      let n = gather(node, 0)
      rebuild(node, entries: 0..<0, high: nil, rightChild: 0)
      node.child = n > 0 ? entryChild(0) : rightmost
      var upper: [(id: UInt32, first: [UInt8])] = [(node.id, [])]
      for j in 0..<n {
        appendChild(
          j + 1 < n ? entryChild(j + 1) : rightmost, first: entryKey(j), to: &node, &upper,
          budget: budget)
      }
      for (id, first) in level.dropFirst() {
        first.withUnsafeBytes { appendChild(id, first: $0, to: &node, &upper, budget: budget) }
      }
      seal(node)
      evenOutTail(&upper)
      level = upper
    }
    // The root's level gained pages: new levels above it.
    if level.count > 1 { setRoot(buildUp(level, budget: budget)) }
    return true
  }

  /// Bytes of cells a bulk-built page is filled to at `fill` percent of a page less room for a
  /// fence of up to `maxKey` bytes.
  private func bulkBudget(_ fill: Int) -> Int { (pageSize - Page.header - maxKey) * fill / 100 }

  /// Whether a bulk-built page is closed before taking a cell of `size` bytes: the cell would
  /// leave no room for a fence, or the page is past `budget` and already holds the byte floor.
  @inline(__always) private func closes(_ page: Page, adding size: Int, budget: Int) -> Bool {
    let room = pageSize - Page.header - maxKey
    return page.live + size > room || (page.live + size > budget && page.live >= minFill)
  }

  /// Builds fresh interior levels over `level` (pages with the first key under each, at least
  /// two) up to a single page, filled as `bulkLoad` fills them; returns that page (the new root;
  /// the caller publishes it).
  private func buildUp(_ start: [(id: UInt32, first: [UInt8])], budget: Int) -> UInt32 {
    var level = start
    while level.count > 1 {
      var node = newPage(Page.interior)
      var upper: [(id: UInt32, first: [UInt8])] = [(node.id, level[0].first)]
      node.child = level[0].id
      for (id, first) in level.dropFirst() {
        first.withUnsafeBytes { appendChild(id, first: $0, to: &node, &upper, budget: budget) }
      }
      seal(node)
      evenOutTail(&upper)
      level = upper
    }
    return level[0].id
  }

  /// Appends child `id`, whose keys start at `first`, after the rightmost child of the interior
  /// page `node`: `first` becomes a separator on `node`, or, when `node` closes, moves up as the
  /// separator between it and a new page started with `id` (which becomes `node` and is listed
  /// in `upper` with `first`).
  @inline(__always) private func appendChild(
    _ id: UInt32, first: UnsafeRawBufferPointer, to node: inout Page,
    _ upper: inout [(id: UInt32, first: [UInt8])], budget: Int
  ) {
    let size = Page.cellSize(leaf: false, key: first.count, value: 0)
    if node.count > 0 && closes(node, adding: size, budget: budget) {
      node = appendPage(after: node, kind: Page.interior, fence: first)
      node.child = id
      upper.append((node.id, Array(first)))
      return
    }
    node.insertCell(at: node.count, key: first, value: nil, child: node.child)
    node.child = id
  }

  /// When the last page of a bulk-built level holds less than the byte floor, merges it into its
  /// left neighbour if both fit one page, else splits their entries evenly by bytes (each half
  /// then holds at least the floor, as together they overflow a page). `level` is updated: the
  /// merged page dropped, or the last page's first key replaced.
  private func evenOutTail(_ level: inout [(id: UInt32, first: [UInt8])]) {
    guard level.count >= 2 else { return }
    let last = page(level[level.count - 1].id)
    guard last.live < minFill else { return }
    let left = page(level[level.count - 2].id)
    var n = gather(left, 0)
    if !left.isLeaf {
      level[level.count - 1].first.withUnsafeBytes {
        insertEntry(at: n, count: &n, key: $0, value: nil, child: left.child, leaf: false)
      }
    }
    n = gather(last, n)
    var total = 0
    for j in 0..<n { total += entrySize(j) }
    if total <= pageSize - Page.header {
      let next = last.right  // 0: the last page of its level
      rebuild(left, entries: 0..<n, high: nil, rightChild: last.child)
      left.right = next
      seal(left)
      freePage(last.id)
      level.removeLast()
      return
    }
    let m = splitPoint(n, leaf: left.isLeaf, high: 0, byCount: false)
    let sep = distribute(n, at: m, into: left, last, high: nil, rightChild: last.child)
    level[level.count - 1].first = Array(sep)
  }

  /// Closes `page` with the fence `fence` and starts its right neighbour.
  private func appendPage(after page: Page, kind: UInt8, fence: UnsafeRawBufferPointer) -> Page {
    page.setHighKey(fence)
    let next = newPage(kind)
    page.right = next.id
    if kind == Page.leaf { next.prev = page.id }
    seal(page)
    return next
  }

  private func discardBulk(_ ids: [UInt32], keep: UInt32) {
    for id in ids where id != keep { freePage(id) }
    let root = page(keep)
    root.format(Page.leaf, id: keep, size: pageSize)
    seal(root)
    s.pointee.fastLeaf = 0
  }
}
