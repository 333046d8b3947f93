/// crimson's split, stage by stage (staged-fltree `stages/stage.h`: `seek_split`,
/// `seek_split_inserted`, `recursively_locate_split[_inserted]`; `node_layout.h` `split_insert`):
/// the split point is located on the node's own bytes, one stage at a time, with `extra` carrying
/// the prefix (slot, names, container header) an element split inside would duplicate; the fair
/// rule (strategy B) decides the bottom element, or the inserted element at its own stage. The
/// right part is then appended to a new node and the left node trimmed in place.
extension Node {
  /// One stage's container: the slots, the items of a slot, or the versions of an item.
  private enum Box {
    case slots
    case items(slot: Int)
    case subs(itemEnd: Int)
  }

  /// Elements in a container.
  private func keys(_ b: Box) -> Int {
    switch b {
    case .slots: return slotCount
    case .items(let s):
      var e = regionEnd(s)
      var k = 0
      while e > regionStart(s) {
        e = itemStart(e)
        k += 1
      }
      return k
    case .subs(let e): return count(box: boxEnd(e), from: itemStart(e))
    }
  }

  /// The right end of item `i` of slot `s`.
  private func itemEnd(_ s: Int, _ i: Int) -> Int {
    var e = regionEnd(s)
    for _ in 0..<i { e = itemStart(e) }
    return e
  }

  /// `header_size()` of a container: the node header (with num_keys) for the slots, nothing
  /// for the iterative items, the count byte of a leaf version container.
  private func headerSize(_ b: Box) -> Int {
    switch b {
    case .slots: return Node.headerSize
    case .items: return 0
    case .subs: return isLeaf ? 1 : 0
    }
  }

  /// Element `i`'s bytes (`size()`): a slot with its region, an item, a version with its offset.
  private func elementSize(_ b: Box, _ i: Int) -> Int {
    switch b {
    case .slots: return Node.slotSize + regionEnd(i) - regionStart(i)
    case .items(let s):
      let e = itemEnd(s, i)
      return e - itemStart(e)
    case .subs(let e):
      if !isLeaf { return Node.internalEntrySize }
      let bx = boxEnd(e)
      let c = u8(bx - 1)
      return 2 + leafSubEnd(bx, c, i) - leafSubEnd(bx, c, i + 1)
    }
  }

  /// `size_to_nxt()`: the part of element `i` above the next stage's container (the slot key
  /// with its offset; the names with their lengths and the item's back offset).
  private func sizeToNext(_ b: Box, _ i: Int) -> Int {
    switch b {
    case .slots: return Node.slotSize
    case .items(let s):
      let e = itemEnd(s, i)
      return e - boxEnd(e)
    case .subs: return 0
    }
  }

  /// `size_before(i)`: the container header plus elements 0..<i.
  private func sizeBefore(_ b: Box, _ i: Int) -> Int {
    var total = headerSize(b)
    for j in 0..<i { total += elementSize(b, j) }
    return total
  }

  private func child(_ b: Box, _ i: Int) -> Box {
    switch b {
    case .slots: return .items(slot: i)
    case .items(let s): return .subs(itemEnd: itemEnd(s, i))
    case .subs: fatalError("no stage below the versions")
    }
  }

  /// Entries held by elements 0..<i.
  private func entries(_ b: Box, _ i: Int) -> Int {
    switch b {
    case .slots: return (0..<i).reduce(0) { $0 + entries(.items(slot: $1), keys(.items(slot: $1))) }
    case .items(let s):
      return (0..<i).reduce(0) { $0 + keys(.subs(itemEnd: itemEnd(s, $1))) }
    case .subs: return i
    }
  }

  /// Where a split of this node, inserting an entry of `insertSize` bytes at stage `stage` and
  /// position `at` (as `insertPoint` gives them), leaves its left part: the number of this node's
  /// entries that stay left, whether the new entry goes left, and the left part's size (header
  /// included). Target: header + (filled kv + insert) / 2, as `split_insert` computes it.
  func locateSplit(stage: Stage, at: Pos, insertSize: Int) -> (
    left: Int, insertLeft: Bool, size: Int
  ) {
    let target = Node.headerSize + (kvSize + insertSize) / 2
    var loc = Locator(node: self, target: target, insertSize: insertSize)
    let index = [at.slot, at.item, at.sub]
    let depth = stage == .left ? 0 : stage == .string ? 1 : 2
    loc.inserted(.slots, level: 0, insertLevel: depth, insertIndex: index)
    return (loc.left, loc.insertLeft!, loc.current)
  }

  private struct Locator {
    let node: Node
    let target: Int
    let insertSize: Int
    var current = 0
    var extra = 0
    var left = 0
    var insertLeft: Bool? = nil

    /// `recursively_locate_split`: no insert in this container.
    mutating func plain(_ b: Box) {
      let n = node
      let k = n.keys(b)
      // seek_split: the largest index (the last one included) whose left size fits.
      var i = 0
      var size = current
      while i + 1 < k {
        let next = current + extra + n.sizeBefore(b, i + 1)
        if next > target { break }
        i += 1
        size = next
      }
      current = size
      left += n.entries(b, i)
      extra = i == 0 ? extra + n.headerSize(b) : 0
      descend(b, at: i)
    }

    /// Once element `i` of `b` holds the split: at the bottom stage the fair rule takes it
    /// whole if half of it still fits; above it the split goes on inside child `i`.
    mutating func descend(_ b: Box, at i: Int) {
      let n = node
      if case .subs = b {
        let next = n.elementSize(b, i) + extra
        if current + next / 2 < target {
          current += next
          left += 1
        }
      } else {
        extra += n.sizeToNext(b, i)
        plain(n.child(b, i))
      }
    }

    /// `recursively_locate_split_inserted`: the insert is in this container, at this stage
    /// (`level == insertLevel`, exclusive: the new element counts as one more) or below it.
    mutating func inserted(_ b: Box, level: Int, insertLevel: Int, insertIndex: [Int]) {
      let n = node
      let k = n.keys(b)
      let ii = insertIndex[level]
      if level == insertLevel {
        // seek_split_inserted<exclusive>: indexes 0...k over the k + 1 elements.
        func used(_ j: Int) -> Int {
          if j == 0 { return current }
          return current + extra
            + (j > ii ? insertSize + n.sizeBefore(b, j - 1) : n.sizeBefore(b, j))
        }
        var j = 0
        while j < k && used(j + 1) <= target { j += 1 }
        current = used(j)
        var split = j
        if j <= ii {
          insertLeft = false
        } else {
          insertLeft = true
          split = j - 1
        }
        left += n.entries(b, split)
        if split == 0 {
          extra = ii == 0 && insertLeft! ? 0 : extra + n.headerSize(b)
        } else {
          extra = 0
        }
        if insertLeft == false && split == ii {
          // The fair rule on the inserted element.
          let next = insertSize + extra
          if current + next / 2 < target {
            insertLeft = true
            current += next
          }
          return
        }
        descend(b, at: split)
        return
      }
      // seek_split_inserted<inclusive>: the insert grows element ii.
      var i = 0
      var size = current
      while i + 1 < k {
        let next = current + extra + n.sizeBefore(b, i + 1) + (i + 1 > ii ? insertSize : 0)
        if next > target { break }
        i += 1
        size = next
      }
      current = size
      if i < ii { insertLeft = false } else if i > ii { insertLeft = true }
      left += n.entries(b, i)
      extra = i == 0 ? extra + n.headerSize(b) : 0
      extra += n.sizeToNext(b, i)
      if insertLeft == nil {
        inserted(
          n.child(b, i), level: level + 1, insertLevel: insertLevel, insertIndex: insertIndex)
      } else {
        plain(n.child(b, i))
      }
    }
  }

  /// Trims the node in place to its first `count` entries (`recursively_trim`): later slots go,
  /// later items of the split slot go, later versions of the split item go (a leaf's offsets
  /// shrink and its kept versions move right over them).
  func trim(keeping count: Int) {
    var rest = count
    var s = 0
    while s < slotCount {
      let e0 = regionEnd(s)
      var e = e0
      while e > regionStart(s) {
        let b = boxEnd(e)
        let c = self.count(box: b, from: itemStart(e))
        if rest < c {
          if rest == 0 {
            // Cut before this item.
            if e == e0 {
              setSlotCount(s)
            } else {
              setRegionStart(s, e)
              setSlotCount(s + 1)
            }
            return
          }
          // Keep versions 0..<rest of this item.
          let start = itemStart(e)
          if isLeaf {
            let keptEnd = leafSubEnd(b, c, rest)
            let moved = 2 * (c - rest)
            let offsetsStart = b - 1 - 2 * c
            // Kept versions lie in [keptEnd, offsetsStart); shift them right over the dropped offsets.
            (base + keptEnd + moved).copyMemory(
              from: base + keptEnd, byteCount: offsetsStart - keptEnd)
            set8(b - 1, rest)
            set16(e - 2, e - 2 - (keptEnd + moved))
          } else {
            set16(e - 2, e - 2 - (b - Node.internalEntrySize * rest))
          }
          _ = start
          setRegionStart(s, itemStart(e))
          setSlotCount(s + 1)
          return
        }
        rest -= c
        e = itemStart(e)
      }
      s += 1
      if rest == 0 {
        setSlotCount(s)
        return
      }
    }
  }
}
