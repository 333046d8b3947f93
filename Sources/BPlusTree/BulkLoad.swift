import EngineKit

extension Tree {
  /// Bottom-up load of `count` strictly ascending entries into an empty tree: leaves filled left
  /// to right to `fill` percent (room for a fence is always kept), then each interior level
  /// built over the one below. False, with the tree left empty, on unsorted or oversized input.
  func bulkLoad(
    count: Int, fill: Int,
    _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Bool {
    let root = page(directory.pointee.root)
    guard keyCount == 0, root.isLeaf else { return false }
    let budget = (pageSize - Page.header - maxKey) * fill / 100
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
      if leaf.live + size > budget && leaf.count > 0 {
        leaf = appendPage(after: leaf, kind: Page.leaf, fence: key)
      }
      if leaf.count == 0 { level.append((leaf.id, Array(key))) }
      leaf.insertCell(at: leaf.count, key: key, value: value)
      previous = key
    }
    s.pointee.keys += count
    seal(leaf)
    rememberRightmost(leaf)
    while level.count > 1 {
      var upper: [(id: UInt32, first: [UInt8])] = []
      var node = newPage(Page.interior)
      upper.append((node.id, level[0].first))
      node.child = level[0].id
      for (id, first) in level.dropFirst() {
        let size = Page.cellSize(leaf: false, key: first.count, value: 0)
        if node.live + size > budget && node.count > 0 {
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
      level = upper
    }
    setRoot(level.first?.id ?? root.id)
    return true
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
