/// How the search key compared, per stage, with the index chosen at that stage in the ancestors
/// (MatchHistory, staged-tree.md §3). Carried down from the root so a node skips comparisons its
/// parent already settled.
struct History {
  enum Match: UInt8 { case none, lt, eq, gt }
  var stage: (Match, Match, Match) = (.none, .none, .none)  // right, string, left

  subscript(_ s: Stage) -> Match {
    get { s == .left ? stage.2 : s == .string ? stage.1 : stage.0 }
    set {
      switch s {
      case .left: stage.2 = newValue
      case .string: stage.1 = newValue
      case .right: stage.0 = newValue
      }
    }
  }

  /// Records `m` at `s` and forgets the stages below it.
  mutating func set(_ s: Stage, _ m: Match) {
    self[s] = m
    if s == .left { stage.1 = .none }
    if s != .right { stage.0 = .none }
  }
}

/// The result stage of a search (mstat): where the found entry first differs from the key.
enum MatchStat: Int {
  case end = -2
  case eq = -1
  case lt0 = 0
  case lt1 = 1
  case lt2 = 2
}

extension Node {
  /// The first entry ≥ `key` and how it matches (staged lower_bound). `h` is read for the
  /// ancestors' matches and updated for this node's; an empty history searches plainly.
  ///
  /// Per stage: EQ in the history with a GT below it means the key equals the smallest element
  /// here (compare the first only); EQ otherwise means it equals the largest (take the last
  /// without comparing); LT means it is below the largest (search all but the last).
  func lowerBound(_ key: Key, _ h: inout History) -> (Pos, MatchStat) {
    let n = slotCount
    if n == 0 { return (Pos.end(self), .end) }
    let a = h  // the ancestors' matches; `h` collects this node's
    // Stage LEFT: binary search over the slots.
    var s: Int
    var m: History.Match
    switch a[.left] {
    case .eq where a[.string] == .gt:
      s = 0
      m = comparePlacement(key, 0) == 0 ? .eq : .lt
    case .eq:
      s = n - 1
      m = .eq
    case let hl:
      let found: Bool
      (s, found) = binarySearch(hl == .lt ? n - 1 : n) { comparePlacement(key, $0) }
      if !found && s == n {
        h.set(.left, .gt)
        return (Pos.end(self), .end)
      }
      m = found ? .eq : .lt
    }
    h.set(.left, m)
    let regionStart = self.regionStart(s)
    var e = regionEnd(s)
    if m == .lt { return (Pos(slot: s, item: 0, sub: 0, itemEnd: e), .lt2) }

    // Stage STRING: walk the items (the container is iterative).
    var j = 0
    switch a[.string] {
    case .eq where a[.right] == .gt:
      m = compareName(key, e) == 0 ? .eq : .lt
    case .eq:
      while itemStart(e) > regionStart {
        e = itemStart(e)
        j += 1
      }
      m = .eq
    case let hs:
      m = .gt
      while e > regionStart {
        let next = itemStart(e)
        if hs == .lt && next == regionStart {
          m = .lt  // below the last item: it is the answer without comparing
          break
        }
        let c = compareName(key, e)
        if c <= 0 {
          m = c == 0 ? .eq : .lt
          break
        }
        e = next
        j += 1
      }
      if m == .gt { return rollOver(from: .string, slot: s, &h) }
    }
    h.set(.string, m)
    if m == .lt { return (Pos(slot: s, item: j, sub: 0, itemEnd: e), .lt1) }

    // Stage RIGHT: binary search over the versions.
    let b = boxEnd(e)
    let c = count(box: b, from: itemStart(e))
    var k: Int
    switch a[.right] {
    case .eq:
      k = c - 1
      m = .eq
    case let hr:
      let found: Bool
      (k, found) = binarySearch(hr == .lt ? c - 1 : c) { compareVersion(key, versionEnd(b, c, $0)) }
      if !found && k == c {
        h[.right] = .gt
        return rollOver(from: .right, slot: s, item: j, end: e, &h)
      }
      m = found ? .eq : .lt
    }
    h[.right] = m
    return (Pos(slot: s, item: j, sub: k, itemEnd: e), m == .eq ? .eq : .lt0)
  }

  /// The first index in 0..<end whose element is not below the key (`compare(i)`: the key
  /// against element i), and whether it is equal; `end` when every element is below.
  @inline(__always)
  private func binarySearch(_ end: Int, _ compare: (Int) -> Int) -> (Int, found: Bool) {
    var lo = 0
    var hi = end
    while lo < hi {
      let mid = (lo + hi) >> 1
      let c = compare(mid)
      if c > 0 {
        lo = mid + 1
      } else if c == 0 {
        return (mid, true)
      } else {
        hi = mid
      }
    }
    return (lo, false)
  }

  /// The key ran past the last element of a container: move to the next element one stage up
  /// (EQ stays recorded there and GT below, so a child knows the key equals its smallest
  /// element), or to the end (GT at the top: the tail child knows nothing).
  private func rollOver(
    from stage: Stage, slot s: Int, item j: Int = 0, end e: Int = 0, _ h: inout History
  ) -> (Pos, MatchStat) {
    if stage == .right, itemStart(e) > regionStart(s) {
      h[.right] = .gt
      return (Pos(slot: s, item: j + 1, sub: 0, itemEnd: itemStart(e)), .lt1)
    }
    if s + 1 < slotCount {
      h[.string] = .gt
      h[.right] = .none
      return (Pos(slot: s + 1, item: 0, sub: 0, itemEnd: regionEnd(s + 1)), .lt2)
    }
    h.set(.left, .gt)
    return (Pos.end(self), .end)
  }

  /// The position after `p` (the end after the last entry).
  func next(_ p: Pos) -> Pos {
    let b = boxEnd(p.itemEnd)
    let start = itemStart(p.itemEnd)
    if p.sub + 1 < count(box: b, from: start) {
      return Pos(slot: p.slot, item: p.item, sub: p.sub + 1, itemEnd: p.itemEnd)
    }
    if start > regionStart(p.slot) {
      return Pos(slot: p.slot, item: p.item + 1, sub: 0, itemEnd: start)
    }
    if p.slot + 1 < slotCount {
      return Pos(slot: p.slot + 1, item: 0, sub: 0, itemEnd: regionEnd(p.slot + 1))
    }
    return Pos.end(self)
  }

  /// The position before `p` (which may be the end); nil before the first.
  func previous(_ p: Pos) -> Pos? {
    if !p.isEnd(self) && p.sub > 0 {
      return Pos(slot: p.slot, item: p.item, sub: p.sub - 1, itemEnd: p.itemEnd)
    }
    var s = p.slot
    var j = p.item
    var e = p.itemEnd
    if p.isEnd(self) || j == 0 {
      if s == 0 { return nil }
      s -= 1
      j = 0
      e = regionEnd(s)
      while itemStart(e) > regionStart(s) {
        e = itemStart(e)
        j += 1
      }
    } else {
      // Item j-1 ends where item j's right neighbour begins: walk from the region end.
      e = regionEnd(s)
      for _ in 0..<(j - 1) { e = itemStart(e) }
      j -= 1
    }
    let b = boxEnd(e)
    return Pos(slot: s, item: j, sub: count(box: b, from: itemStart(e)) - 1, itemEnd: e)
  }

  /// The first position of a non-empty node.
  var first: Pos { Pos(slot: 0, item: 0, sub: 0, itemEnd: size) }
}
