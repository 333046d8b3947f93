import EngineKit

/// The staged N0 node as a `NodeLayout`: in-place insert at the stage the key opens, exact
/// staged sizes, and the byte-layout check.
extension Node {
  static func isLeaf(_ base: UnsafeRawPointer) -> Bool {
    base.load(as: UInt8.self) & internalBit == 0
  }

  var kvSize: Int { filledSize - Node.headerSize - (hasTailChild ? Node.childSize : 0) }
  var kvCapacity: Int { size - Node.headerSize }

  func setChild(at p: Pos, _ c: UInt64) {
    if p.isEnd(self) { setTailChild(c) } else { setChild(boxEnd(p.itemEnd), p.sub, c) }
  }

  func value(at p: Pos) -> UnsafeRawBufferPointer {
    let b = boxEnd(p.itemEnd)
    return payload(b, u8(b - 1), p.sub)
  }

  func names(at p: Pos) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
    (nspace(p.itemEnd), oid(p.itemEnd))
  }

  /// Where a new key goes next to the lower bound `p`, and the stage it opens: a new version in
  /// the item holding its name, a new item in the slot holding its placement, or a new slot.
  /// (Neighbour comparison, as the original's internal insert does; it yields the same stage as
  /// the leaf's history-based compensation.)
  func insertPoint(_ p: Pos, _ key: Key) -> (Stage, Pos) {
    let n = self
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

  func insert(_ e: Entry, at p: Pos) -> Bool {
    let (stage, at) = insertPoint(p, e.key)
    let size = StageSizes(leaf: isLeaf).size(stage, e.key, e.payload.count)
    switch stage {
    case .left: if slotCount == Node.maxPerContainer { return false }
    case .string: break
    case .right:
      if isLeaf && u8(boxEnd(at.itemEnd) - 1) == Node.maxPerContainer { return false }
    }
    guard size <= freeSize else { return false }
    insertInPlace(e, stage, at, size: size)
    return true
  }

  func accountedSize(_ entries: ArraySlice<Entry>) -> Int? {
    Self.size(of: entries, leaf: isLeaf, tailChild: hasTailChild)
  }

  static func cost(_ entries: [Entry], _ i: Int, first: Bool, leaf: Bool) -> Int {
    let e = entries[i]
    let stage = e.key.stage(after: first ? nil : entries[i - 1].key)
    return StageSizes(leaf: leaf).size(stage, e.key, e.payload.count)
  }

  static func size(of entries: ArraySlice<Entry>, leaf: Bool, tailChild: Bool) -> Int? {
    let sizes = StageSizes(leaf: leaf)
    var size = headerSize + (tailChild ? childSize : 0)
    var slots = 0
    var versions = 0
    var previous: Key? = nil
    for e in entries {
      let stage = e.key.stage(after: previous)
      size += sizes.size(stage, e.key, e.payload.count)
      if stage == .left { slots += 1 }
      versions = stage == .right ? versions + 1 : 1
      if leaf && versions > maxPerContainer { return nil }
      previous = e.key
    }
    return slots <= maxPerContainer ? size : nil
  }

  @inline(__always)
  func scanStep(_ p: Pos) -> (value: UnsafeRawBufferPointer, snap: UInt64, gen: UInt64, next: Pos) {
    let start = itemStart(p.itemEnd)
    let b = boxEnd(p.itemEnd)
    let count = u8(b - 1)
    let v = leafSubEnd(b, count, p.sub)
    let value = bytes(leafSubEnd(b, count, p.sub + 1) + Node.valueHeaderSize, v - 16)
    var next = p
    if p.sub + 1 < count {
      next.sub += 1
    } else if start > regionStart(p.slot) {
      next = Pos(slot: p.slot, item: p.item + 1, sub: 0, itemEnd: start)
    } else {
      next =
        p.slot + 1 < slotCount
        ? Pos(slot: p.slot + 1, item: 0, sub: 0, itemEnd: regionEnd(p.slot + 1)) : Pos.end(self)
    }
    return (value, u64(v - 16), u64(v - 8), next)
  }

  @inline(__always) func changedStage(from q: Pos, to p: Pos) -> Stage {
    q.slot != p.slot ? .left : q.item != p.item ? .string : .right
  }

  /// Slots ascend; regions tile the item area; items tile their region with ascending names;
  /// versions ascend in containers that hold 1…255 of them; leaf offsets and value headers agree.
  func checkLayout() -> String? {
    let n = self
    guard u8(0) & 0x3f == Int(Node.fieldTypeN0) else { return "field type is not N0" }
    guard n.freeSize >= 0 else { return ("slots overlap items") }
    for s in 0..<n.slotCount {
      if s > 0
        && n.comparePlacement(
          n.key(at: Pos(slot: s, item: 0, sub: 0, itemEnd: n.regionEnd(s))), s - 1) <= 0
      {
        return ("slot \(s) not above slot \(s - 1)")
      }
      let start = n.regionStart(s)
      guard start < n.regionEnd(s) else { return ("slot \(s) has an empty region") }
      var e = n.regionEnd(s)
      var prevEnd: Int? = nil
      while e > start {
        let itemStart = n.itemStart(e)
        let b = n.boxEnd(e)
        guard itemStart >= start, b > itemStart else { return ("item overruns slot \(s)") }
        if let q = prevEnd,
          n.compareName(n.key(at: Pos(slot: s, item: 0, sub: 0, itemEnd: e)), q) <= 0
        {
          return ("names in slot \(s) not ascending")
        }
        let c = n.count(box: b, from: itemStart)
        guard c >= 1 && c <= Node.maxPerContainer else { return ("container holds \(c)") }
        if n.isLeaf {
          guard n.leafSubEnd(b, c, c) == itemStart else { return ("leaf offsets disagree") }
          for i in 0..<c {
            let lo = n.leafSubEnd(b, c, i + 1)
            let hi = n.leafSubEnd(b, c, i)
            guard n.u8(lo) == Int(Node.onodeMagic), n.u16(lo + 1) == hi - lo - 19 else {
              return ("bad value header")
            }
          }
        } else if (b - itemStart) % Node.internalEntrySize != 0 {
          return ("internal container not a whole number of entries")
        }
        for i in 1..<max(c, 1) {
          let k = n.key(at: Pos(slot: s, item: 0, sub: i - 1, itemEnd: e))
          if n.compareVersion(k, n.versionEnd(b, c, i)) >= 0 {
            return ("versions not ascending")
          }
        }
        prevEnd = e
        e = itemStart
      }
    }
    return nil
  }
}
