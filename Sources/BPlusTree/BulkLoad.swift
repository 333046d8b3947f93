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
    // Room for cells on a page that must still take a fence of up to `maxKey` bytes.
    let room = pageSize - Page.header - maxKey
    let budget = room * fill / 100
    @inline(__always) func full(_ page: Page, adding size: Int) -> Bool {
      page.live + size > room || (page.live + size > budget && page.live >= minFill)
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
    while level.count > 1 {
      var upper: [(id: UInt32, first: [UInt8])] = []
      var node = newPage(Page.interior)
      upper.append((node.id, level[0].first))
      node.child = level[0].id
      for (id, first) in level.dropFirst() {
        let size = Page.cellSize(leaf: false, key: first.count, value: 0)
        if node.count > 0 && full(node, adding: size) {
          // `first` moves up as the separator between the two interior pages.
          let next = first.withUnsafeBytes {
            appendPage(after: node, kind: Page.interior, fence: $0)
          }
          next.child = id
          upper.append((next.id, first))
          node = next
          continue
        }
        first.withUnsafeBytes {
          node.insertCell(at: node.count, key: $0, value: nil, child: node.child)
        }
        node.child = id
      }
      seal(node)
      evenOutTail(&upper)
      level = upper
    }
    setRoot(level.first?.id ?? root.id)
    return true
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
