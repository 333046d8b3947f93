import EngineKit

/// simple-fltree's node (`node_t<BlockSize, N, NodeType>`, staged-tree.md §6): node-level prefix
/// factoring only. The node's layout N says which leading fields all its keys share: N0 nothing,
/// N1 shard/pool, N2 shard/pool/crush, N3 everything but snap/gen. Fixed-size prefixes grow from
/// the front, cells from the back:
///
///     [tag][level][u16 count][u16 cells start] [tail child] [shared fields] [prefix 0] … → free ← cells
///
/// | N | prefix | cell |
/// |---|---|---|
/// | 0 | shard, pool, crush, u16 offset (15) | snap, gen, u8 ns length, u8 oid length, ns, oid, item |
/// | 1 | crush, u16 offset (6) | as N0 |
/// | 2 | u16 offset (2) | as N0 |
/// | 3 | snap, gen, then u16 offset (leaf, 18) or the child (internal, 24, no cell) | the item |
///
/// An item is a value ([u8 version][u32 length][payload]) or a child address (8). The original
/// rebuilds the shared fields from a reference key taken from the parent; this in-memory port
/// stores them once per node instead (≤ 15 + 510 bytes a node), and its header carries the level
/// and the cell-area start (3 bytes more than the original's tag and count).
struct SimpleNode: NodeLayout {
  let base: UnsafeMutableRawPointer
  let size: Int

  static let headerSize = 6
  static let valueHeaderSize = 5
  static let marker: UInt8 = 0x20
  static let leafBit: UInt8 = 0x40
  static let tailBit: UInt8 = 0x80
  /// Names are stored with u8 lengths.
  static let maxName = 255

  init(base: UnsafeMutableRawPointer, size: Int) { (self.base, self.size) = (base, size) }
  static func isLeaf(_ base: UnsafeRawPointer) -> Bool { base.load(as: UInt8.self) & leafBit != 0 }

  private var raw: Node { Node(base: base, size: size) }  // byte accessors

  // MARK: Header and areas

  var isLeaf: Bool { base.load(as: UInt8.self) & Self.leafBit != 0 }
  var isTail: Bool { base.load(as: UInt8.self) & Self.tailBit != 0 }
  var level: Int { raw.u8(1) }
  var layout: Int { Int(base.load(as: UInt8.self) & 3) }
  var slotCount: Int { raw.u16(2) }
  /// The cell area runs from here to the node end (its length is what the header keeps).
  private var cellsStart: Int { size - raw.u16(4) }
  private func setCellsStart(_ c: Int) { raw.set16(4, size - c) }
  var hasTailChild: Bool { !isLeaf && isTail }
  var tailChild: UInt64 { raw.u64(Self.headerSize) }
  func setTailChild(_ c: UInt64) { raw.set64(Self.headerSize, c) }

  func setHeader(leaf: Bool, tail: Bool, level: Int) {
    setTag(leaf: leaf, tail: tail, layout: layout)
    raw.set8(1, level)
  }
  private func setTag(leaf: Bool, tail: Bool, layout: Int) {
    raw.set8(
      0, Int(Self.marker | (leaf ? Self.leafBit : 0) | (tail ? Self.tailBit : 0) | UInt8(layout)))
  }

  /// Where the shared fields start, and where the prefixes start.
  private var shared: Int { Self.headerSize + (hasTailChild ? 8 : 0) }
  private var prefixes: Int {
    shared + Self.sharedSize(layout, raw.u8(shared + 13), raw.u8(shared + 14))
  }
  private var prefixSize: Int { Self.prefixSize(layout, leaf: isLeaf) }
  var freeSize: Int { cellsStart - prefixes - slotCount * prefixSize }
  var filledSize: Int { size - freeSize }
  var kvSize: Int { filledSize - shared }
  var kvCapacity: Int { size - Self.headerSize }
  var isSingle: Bool { slotCount + (hasTailChild ? 1 : 0) == 1 }

  static func sharedSize(_ layout: Int, _ nsLength: Int, _ oidLength: Int) -> Int {
    [0, 9, 13, 15 + nsLength + oidLength][layout]
  }
  static func prefixSize(_ layout: Int, leaf: Bool) -> Int {
    [15, 6, 2, leaf ? 18 : 24][layout]
  }
  static func cellSize(_ layout: Int, _ e: Entry, leaf: Bool) -> Int {
    let item = leaf ? valueHeaderSize + e.payload.count : 8
    if layout == 3 { return leaf ? item : 0 }
    return 18 + e.key.ns.count + e.key.oid.count + item
  }

  // MARK: Reading entries

  @inline(__always) private func prefix(_ i: Int) -> Int { prefixes + i * prefixSize }
  /// The cell offset of entry i (N0–N2 and N3 leaves).
  @inline(__always) private func cell(_ i: Int) -> Int { raw.u16(prefix(i) + prefixSize - 2) }

  func key(at p: Pos) -> Key {
    let i = p.slot
    let s = shared
    let (o, l) = (prefix(i), layout)
    let placement = l == 0 ? o : s
    let shard = Int8(bitPattern: UInt8(truncatingIfNeeded: raw.u8(placement)))
    let pool = Int64(bitPattern: raw.u64(placement + 1))
    let crushAt = l == 0 ? o + 9 : l == 1 ? o : s + 9
    let crush = UInt32(raw.u32(crushAt))
    if l == 3 {
      let (ns, oid) = names(at: p)
      return Key(
        shard: shard, pool: pool, crush: crush, ns: ns, oid: oid, snap: raw.u64(o),
        gen: raw.u64(o + 8))
    }
    let c = cell(i)
    let (ns, oid) = names(at: p)
    return Key(
      shard: shard, pool: pool, crush: crush, ns: ns, oid: oid, snap: raw.u64(c),
      gen: raw.u64(c + 8))
  }

  func names(at p: Pos) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
    let at = layout == 3 ? shared + 13 : cell(p.slot) + 16
    let (nsLength, oidLength) = (raw.u8(at), raw.u8(at + 1))
    return (
      raw.bytes(at + 2, at + 2 + nsLength),
      raw.bytes(at + 2 + nsLength, at + 2 + nsLength + oidLength)
    )
  }

  /// Where entry i's item (value or child) starts.
  private func item(_ i: Int) -> Int {
    if layout == 3 { return isLeaf ? cell(i) : prefix(i) + 16 }
    let c = cell(i)
    return c + 18 + raw.u8(c + 16) + raw.u8(c + 17)
  }

  func value(at p: Pos) -> UnsafeRawBufferPointer {
    let o = item(p.slot)
    let n = raw.u32(o + 1)
    return raw.bytes(o + 5, o + 5 + n)
  }
  func child(at p: Pos) -> UInt64 { p.isEnd(self) ? tailChild : raw.u64(item(p.slot)) }
  func setChild(at p: Pos, _ c: UInt64) {
    if p.isEnd(self) { setTailChild(c) } else { raw.set64(item(p.slot), c) }
  }

  // MARK: Search (a plain binary search; each step compares the whole tuple)

  var first: Pos { Pos(0) }
  func next(_ p: Pos) -> Pos { Pos(p.slot + 1) }
  func previous(_ p: Pos) -> Pos? { p.slot > 0 ? Pos(p.slot - 1) : nil }

  func lowerBound(_ key: Key, _ h: inout History) -> (Pos, MatchStat) {
    var lo = 0
    var hi = slotCount
    while lo < hi {
      let mid = (lo + hi) >> 1
      let c = key.compare(self.key(at: Pos(mid)))
      if c > 0 {
        lo = mid + 1
      } else if c < 0 {
        hi = mid
      } else {
        return (Pos(mid), .eq)
      }
    }
    return (Pos(lo), lo == slotCount ? .end : .lt0)
  }

  func scanStep(_ p: Pos) -> (value: UnsafeRawBufferPointer, snap: UInt64, gen: UInt64, next: Pos) {
    let k = key(at: p)
    return (value(at: p), k.snap, k.gen, Pos(p.slot + 1))
  }
  /// The layout has no stages within a node: every key is rebuilt whole.
  func changedStage(from q: Pos, to p: Pos) -> Stage { .left }

  // MARK: Writing

  /// The most this set of keys lets the node factor out.
  static func layout(of entries: ArraySlice<Entry>) -> Int {
    guard let k = entries.first?.key, entries.count > 1 else { return entries.isEmpty ? 0 : 3 }
    var l = 3
    for e in entries.dropFirst() {
      if e.key.shard != k.shard || e.key.pool != k.pool { return 0 }
      if e.key.crush != k.crush { l = 1 } else if l == 3 && e.key.compareName(k) != 0 { l = 2 }
    }
    return l
  }

  func accountedSize(_ entries: ArraySlice<Entry>) -> Int? {
    Self.size(of: entries, layout: layout, leaf: isLeaf, tailChild: hasTailChild)
  }

  static func size(of entries: ArraySlice<Entry>, leaf: Bool, tailChild: Bool) -> Int? {
    size(of: entries, layout: layout(of: entries), leaf: leaf, tailChild: tailChild)
  }

  static func size(of entries: ArraySlice<Entry>, layout l: Int, leaf: Bool, tailChild: Bool)
    -> Int?
  {
    let k = entries.first?.key
    var size =
      headerSize + (tailChild ? 8 : 0) + sharedSize(l, k?.ns.count ?? 0, k?.oid.count ?? 0)
    for e in entries { size += prefixSize(l, leaf: leaf) + cellSize(l, e, leaf: leaf) }
    return entries.count <= 0xFFFF ? size : nil
  }

  static func cost(_ entries: [Entry], _ i: Int, first: Bool, leaf: Bool) -> Int {
    prefixSize(0, leaf: leaf) + cellSize(0, entries[i], leaf: leaf)
  }

  func build(_ entries: ArraySlice<Entry>, leaf: Bool, tail: Bool, level: Int, tailChild: UInt64) {
    let l = Self.layout(of: entries)
    setTag(leaf: leaf, tail: tail, layout: l)
    raw.set8(1, level)
    raw.set16(2, 0)
    setCellsStart(size)
    if hasTailChild { setTailChild(tailChild) }
    if let k = entries.first?.key, l > 0 {
      let s = shared
      raw.set8(s, Int(UInt8(bitPattern: k.shard)))
      raw.set64(s + 1, UInt64(bitPattern: k.pool))
      if l >= 2 {
        raw.base.storeBytes(of: k.crush.littleEndian, toByteOffset: s + 9, as: UInt32.self)
      }
      if l == 3 { writeNames(k, at: s + 13) }
    }
    for (i, e) in entries.enumerated() { place(e, at: i) }
  }

  private func writeNames(_ k: Key, at o: Int) {
    raw.set8(o, k.ns.count)
    raw.set8(o + 1, k.oid.count)
    if k.ns.count > 0 { (base + o + 2).copyMemory(from: k.ns.baseAddress!, byteCount: k.ns.count) }
    if k.oid.count > 0 {
      (base + o + 2 + k.ns.count).copyMemory(from: k.oid.baseAddress!, byteCount: k.oid.count)
    }
  }

  /// Writes `e` as entry i (prefixes at and after i already moved) and its cell.
  private func place(_ e: Entry, at i: Int) {
    let l = layout
    let o = prefix(i)
    let cellSize = Self.cellSize(l, e, leaf: isLeaf)
    let c = cellsStart - cellSize
    setCellsStart(c)
    raw.set16(2, slotCount + 1)
    switch l {
    case 0:
      raw.set8(o, Int(UInt8(bitPattern: e.key.shard)))
      raw.set64(o + 1, UInt64(bitPattern: e.key.pool))
      raw.base.storeBytes(of: e.key.crush.littleEndian, toByteOffset: o + 9, as: UInt32.self)
    case 1: raw.base.storeBytes(of: e.key.crush.littleEndian, toByteOffset: o, as: UInt32.self)
    case 3:
      raw.set64(o, e.key.snap)
      raw.set64(o + 8, e.key.gen)
      if !isLeaf {
        raw.set64(o + 16, e.child)
        return
      }
    default: break
    }
    raw.set16(o + prefixSize - 2, c)
    var p = c
    if l != 3 {
      raw.set64(c, e.key.snap)
      raw.set64(c + 8, e.key.gen)
      writeNames(e.key, at: c + 16)
      p = c + 18 + e.key.ns.count + e.key.oid.count
    }
    if isLeaf {
      raw.set8(p, 1)
      base.storeBytes(
        of: UInt32(e.payload.count).littleEndian, toByteOffset: p + 1, as: UInt32.self)
      if e.payload.count > 0 {
        (base + p + 5).copyMemory(from: e.payload.baseAddress!, byteCount: e.payload.count)
      }
    } else {
      raw.set64(p, e.child)
    }
  }

  /// Whether `k` shares what this node's layout factors out.
  private func shares(_ k: Key) -> Bool {
    let l = layout
    if l == 0 || slotCount == 0 { return l == 0 }
    let s = shared
    guard k.shard == Int8(bitPattern: UInt8(truncatingIfNeeded: raw.u8(s))),
      k.pool == Int64(bitPattern: raw.u64(s + 1))
    else { return false }
    if l >= 2 && k.crush != UInt32(raw.u32(s + 9)) { return false }
    return l < 3 || k.compareName(key(at: Pos(0))) == 0
  }

  func insert(_ e: Entry, at p: Pos) -> Bool {
    let need = prefixSize + Self.cellSize(layout, e, leaf: isLeaf)
    guard shares(e.key), need <= freeSize, slotCount < 0xFFFF else { return false }
    let o = prefix(p.slot)
    (base + o + prefixSize).copyMemory(from: base + o, byteCount: (slotCount - p.slot) * prefixSize)
    place(e, at: p.slot)
    return true
  }

  /// Removes entry i's prefix and its cell, closing the gap in the cell area.
  func eraseInPlace(_ p: Pos) {
    let i = p.slot
    let n = slotCount
    if layout != 3 || isLeaf {
      let c = cell(i)
      let gone = Self.cellLength(self, i)
      let start = cellsStart
      (base + start + gone).copyMemory(from: base + start, byteCount: c - start)
      for j in 0..<n where j != i && cell(j) < c {
        raw.set16(prefix(j) + prefixSize - 2, cell(j) + gone)
      }
      setCellsStart(start + gone)
    }
    let o = prefix(i)
    (base + o).copyMemory(from: base + o + prefixSize, byteCount: (n - 1 - i) * prefixSize)
    raw.set16(2, n - 1)
  }

  private static func cellLength(_ n: SimpleNode, _ i: Int) -> Int {
    let o = n.item(i)
    let item = n.isLeaf ? valueHeaderSize + n.raw.u32(o + 1) : 8
    return o - n.cell(i) + item
  }

  func gather(into out: inout [Entry]) {
    for i in 0..<slotCount {
      let p = Pos(i)
      out.append(
        Entry(
          key: key(at: p),
          payload: isLeaf ? value(at: p) : UnsafeRawBufferPointer(start: nil, count: 0),
          child: isLeaf ? 0 : child(at: p)))
    }
  }

  func checkLayout() -> String? {
    guard raw.u8(0) & 0x30 == Int(Self.marker) else { return "not a simple-fltree node" }
    guard freeSize >= 0, cellsStart <= size else { return "prefixes overlap cells" }
    var cells = 0
    for i in 0..<slotCount where layout != 3 || isLeaf {
      guard cell(i) >= cellsStart && cell(i) < size else { return "cell \(i) out of the cell area" }
      cells += Self.cellLength(self, i)
    }
    guard cells == size - cellsStart else {
      return "cells \(cells) B but the area is \(size - cellsStart) B"
    }
    for i in 0..<slotCount where !shares(key(at: Pos(i))) {
      return "entry \(i) breaks the layout's sharing"
    }
    return nil
  }
}
