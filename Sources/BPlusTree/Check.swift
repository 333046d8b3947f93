import CSys
import EngineKit

extension Tree {
  /// Levels from the root to the leaves.
  var height: Int {
    var h = 1
    var p = page(directory.pointee.root)
    while !p.isLeaf {
      p = page(p.child(at: 0))
      h += 1
    }
    return h
  }

  /// Leaf fill, percent of the usable page bytes: the mean, and leaves per 10 % bucket
  /// (bucket 9 holds 90–100 %).
  var leafFill: (mean: Double, histogram: [Int]) {
    var used = 0
    var histogram = Array(repeating: 0, count: 10)
    let usable = pageSize - Page.header
    var cursor = page(directory.pointee.root)
    while !cursor.isLeaf { cursor = page(cursor.child(at: 0)) }
    var id = cursor.id
    while id != 0 {
      let p = page(id)
      used += p.live
      histogram[min(10 * p.live / usable, 9)] += 1
      id = p.right
    }
    let leaves = histogram.reduce(0, +)
    return (leaves == 0 ? 0 : 100 * Double(used) / Double(leaves * usable), histogram)
  }

  /// Checks every structural rule: equal leaf depth; slot and cell bookkeeping exact (no overlap,
  /// live bytes, free bounds); keys strictly ascending within pages and bounded by the parent's
  /// separators; each page's fence equal to its upper bound; right links and leaf prev links
  /// matching the in-order page sequence on every level; the byte floor on non-root pages;
  /// checksums; counters; the fast-path cache.
  func check() throws {
    var levels: [[UInt32]] = []
    var keys = 0
    var pages = (leaf: 0, interior: 0)
    func fail(_ m: String) -> InvariantViolation { InvariantViolation("bplustree: \(m)") }

    func visit(_ id: UInt32, depth: Int, lower: [UInt8]?, upper: [UInt8]?) throws {
      guard id > 0, id < s.pointee.nextId, directory.pointee.table[Int(id)] != nil else {
        throw fail("reference to page \(id), which does not exist")
      }
      let p = page(id)
      if levels.count <= depth { levels.append([]) }
      levels[depth].append(id)
      guard p.id == id else { throw fail("page \(id) says it is \(p.id)") }
      if p.isLeaf { pages.leaf += 1 } else { pages.interior += 1 }
      try checkLayout(p)
      if checksum != .off {
        guard p.checksum == p.computeChecksum(size: pageSize, ieee: checksum == .crc32) else {
          throw fail("page \(id) checksum mismatch")
        }
      }
      if id != directory.pointee.root && p.live < minFill {
        throw fail("page \(id) holds \(p.live) bytes, below the floor \(minFill)")
      }
      let high = p.highKey.map(Array.init)
      guard high == upper else { throw fail("page \(id) fence differs from its parent's bound") }
      var previous = lower
      for i in 0..<p.count {
        let k = Array(p.key(i))
        if let q = previous,
          i == 0 ? k.lexicographicallyPrecedes(q) : !q.lexicographicallyPrecedes(k)
        {
          throw fail("page \(id) key \(i) out of order or below its bound")
        }
        if let u = upper, !k.lexicographicallyPrecedes(u) {
          throw fail("page \(id) key \(i) at or above its fence")
        }
        previous = k
      }
      if p.isLeaf {
        keys += p.count
        return
      }
      for i in 0...p.count {
        let lo = i == 0 ? lower : Array(p.key(i - 1))
        let hi = i == p.count ? upper : Array(p.key(i))
        try visit(p.child(at: i), depth: depth + 1, lower: lo, upper: hi)
      }
    }
    try visit(directory.pointee.root, depth: 0, lower: nil, upper: nil)
    let leafDepths = levels.indices.filter { d in levels[d].contains { page($0).isLeaf } }
    guard leafDepths == [levels.count - 1] else { throw fail("leaves at depths \(leafDepths)") }
    for (d, ids) in levels.enumerated() {
      for (j, id) in ids.enumerated() {
        let p = page(id)
        let next = j + 1 < ids.count ? ids[j + 1] : 0
        guard p.right == next else {
          throw fail("level \(d) page \(id) right link \(p.right), expected \(next)")
        }
        if p.isLeaf, p.prev != (j > 0 ? ids[j - 1] : 0) {
          throw fail("leaf \(id) prev link \(p.prev)")
        }
      }
    }
    guard keys == keyCount else {
      throw fail("\(keys) keys in leaves, counter says \(keyCount)")
    }
    guard pages.leaf == s.pointee.leafPages, pages.interior == s.pointee.interiorPages else {
      throw fail("page counters \(s.pointee.leafPages)/\(s.pointee.interiorPages), found \(pages)")
    }
    if s.pointee.fastLeaf != 0 {
      let p = page(s.pointee.fastLeaf)
      let max = UnsafeRawBufferPointer(start: fastMax, count: s.pointee.fastMaxLength)
      guard p.isLeaf, p.right == 0, p.count > 0, compareBytes(p.key(p.count - 1), max) == 0 else {
        throw fail("fast-path cache does not hold the rightmost leaf and its true maximum")
      }
    }
  }

  /// Slot and cell bookkeeping of one page.
  private func checkLayout(_ p: Page) throws {
    func fail(_ m: String) -> InvariantViolation {
      InvariantViolation("bplustree: page \(p.id) \(m)")
    }
    guard p.freeStart == Page.header + 2 * p.count else {
      throw fail("freeStart \(p.freeStart) with \(p.count) slots")
    }
    var extents: [(Int, Int)] = (0..<p.count).map { ($0, p.slot($0)) }.map {
      ($1, $1 + p.cellSize($0) - 2)
    }
    if let h = p.highKey {
      extents.append(
        (h.baseAddress! - UnsafeRawPointer(p.p), h.baseAddress! - UnsafeRawPointer(p.p) + h.count))
    }
    extents.sort { $0.0 < $1.0 }
    var live = 0
    for (i, e) in extents.enumerated() {
      guard e.0 >= p.freeEnd, e.1 <= pageSize else {
        throw fail("cell [\(e.0), \(e.1)) outside the cell area")
      }
      if i > 0, extents[i - 1].1 > e.0 { throw fail("cells overlap at \(e.0)") }
    }
    for i in 0..<p.count { live += p.cellSize(i) }
    guard live == p.live else { throw fail("live bytes \(p.live), cells hold \(live)") }
    guard p.freeEnd >= p.freeStart else { throw fail("free area inverted") }
  }
}
