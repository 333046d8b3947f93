import EngineKit

/// A key split into the three stages (staged-tree.md §1): placement (shard, pool, crush), name
/// (nspace, oid) and version (snap, gen). Names are borrowed bytes.
struct Key {
  var shard: Int8
  var pool: Int64
  var crush: UInt32
  var ns: UnsafeRawBufferPointer
  var oid: UnsafeRawBufferPointer
  var snap: UInt64
  var gen: UInt64

  init(_ v: OnodeKeyView) {
    (shard, pool, crush, ns, oid, snap, gen) = (
      v.shard, v.pool, v.crush, v.nspace, v.oid, v.snap, v.gen
    )
  }

  /// A generic byte key as an onode key: the key as the object name, empty namespace, head
  /// version, shard -1. With `spread` its first 12 bytes (zero-padded) also make the placement:
  /// pool from bytes 0..<8 (big-endian, sign bit flipped so the signed order is the byte order)
  /// and crush from bytes 8..<12, so keys spread over the left stage's binary-searched slots as
  /// crimson's hashed onode placements do. The placement is a monotone function of the bytes and
  /// the name is the whole key, so (placement, name) order is still the bytes' order. Without
  /// `spread` every key has placement (-1, 0, 0) and one node's keys all share one slot, whose
  /// string stage is searched item by item.
  init(object bytes: UnsafeRawBufferPointer, spread: Bool = false) {
    (shard, pool, crush, ns, oid) = (-1, 0, 0, UnsafeRawBufferPointer(start: nil, count: 0), bytes)
    (snap, gen) = (OnodeKey.noSnap, OnodeKey.noGen)
    guard spread else { return }
    let hi: UInt64
    let lo: UInt32
    if bytes.count == 0 {
      (hi, lo) = (0, 0)  // (an empty buffer may have no base address)
    } else if bytes.count >= 12, let p = bytes.baseAddress {
      hi = UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
      lo = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
    } else {
      var w: (UInt64, UInt32) = (0, 0)
      withUnsafeMutableBytes(of: &w) {
        $0.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
      }
      (hi, lo) = (UInt64(bigEndian: w.0), UInt32(bigEndian: w.1))
    }
    pool = Int64(bitPattern: hi ^ (1 << 63))
    crush = lo
  }

  init(
    shard: Int8, pool: Int64, crush: UInt32, ns: UnsafeRawBufferPointer,
    oid: UnsafeRawBufferPointer, snap: UInt64, gen: UInt64
  ) {
    (self.shard, self.pool, self.crush, self.ns, self.oid) = (shard, pool, crush, ns, oid)
    (self.snap, self.gen) = (snap, gen)
  }

  var view: OnodeKeyView {
    OnodeKeyView(shard: shard, pool: pool, crush: crush, nspace: ns, oid: oid, snap: snap, gen: gen)
  }

  /// Three-way comparisons, one per stage.
  @inline(__always) func comparePlacement(_ o: Key) -> Int {
    shard != o.shard
      ? (shard < o.shard ? -1 : 1)
      : pool != o.pool
        ? (pool < o.pool ? -1 : 1)
        : crush != o.crush ? (crush < o.crush ? -1 : 1) : 0
  }
  @inline(__always) func compareName(_ o: Key) -> Int {
    let c = compareBytes(ns, o.ns)
    return c != 0 ? c : compareBytes(oid, o.oid)
  }
  @inline(__always) func compareVersion(_ o: Key) -> Int {
    snap != o.snap ? (snap < o.snap ? -1 : 1) : gen != o.gen ? (gen < o.gen ? -1 : 1) : 0
  }
  /// The stage this key opens after `previous` in a node: a new slot (no previous, or another
  /// placement), a new item (another name), or only a new version.
  @inline(__always) func stage(after previous: Key?) -> Stage {
    guard let p = previous, comparePlacement(p) == 0 else { return .left }
    return compareName(p) == 0 ? .right : .string
  }
  func compare(_ o: Key) -> Int {
    let p = comparePlacement(o)
    if p != 0 { return p }
    let n = compareName(o)
    return n != 0 ? n : compareVersion(o)
  }
}

/// Stages, numbered from the bottom as in the original.
enum Stage: Int {
  case right = 0
  case string = 1
  case left = 2
}

/// One N0 node: a block of `size` bytes laid out as in staged-tree.md §2, little-endian.
///
///     [field type:6|node type:1|tail:1][level][num_keys] [slot 0] … [slot n-1] → free ← [region n-1] … [region 0]
///
/// Byte 0 is crimson's `node_header_t` bit-fields (stages/node_stage_layout.h), first field in
/// the low bits: field type N0 = 0x25 in bits 0–5, `node_type_t` (LEAF = 0, INTERNAL = 1,
/// node_types.h) in bit 6, `is_level_tail` in bit 7; byte 1 is the level and byte 2 `num_keys`
/// (`_node_fields_013_t`).
///
/// A slot is shard (1), pool (8), crush (4) and the u16 offset where its region starts; region i
/// ends where region i-1 starts (region 0 at the node end). An internal tail node keeps its
/// keyless tail child (8 bytes) just left of the last region. A region holds items packed right
/// to left; an item is, from its right end: u16 length of the rest, u16 nspace length, nspace,
/// u16 oid length, oid, then the version container. A leaf container is, from its right end:
/// u8 count, u16 cumulative offsets, then sub-items ([3-byte value header][payload][snap][gen]);
/// an internal container is an array of 24-byte [snap][gen][child] entries (crimson's
/// `internal_sub_item_t { snap_gen_t key; laddr_packed_t value; }`, stages/sub_items_stage.h).
/// Entry 0 of every container is the rightmost.
struct Node: NodeLayout {
  let base: UnsafeMutableRawPointer
  let size: Int

  /// `node_header_t` (bit-fields + level) and the u8 `num_keys`.
  static let headerSize = 3
  /// `sizeof(node_header_t)` alone: what crimson's `validate_tree_config` counts (value.cc).
  static let nodeHeaderSize = 2
  static let slotSize = 15
  static let childSize = 8
  static let internalEntrySize = 24
  static let valueHeaderSize = 3
  static let fieldTypeN0: UInt8 = 0x25
  /// `node_type_t::INTERNAL` in the header's bit 6 (a leaf has it clear).
  static let internalBit: UInt8 = 0x40
  static let tailBit: UInt8 = 0x80
  /// The level is a u8 (`level_t`): a root cannot grow past it.
  static let maxLevel = 255
  static let onodeMagic: UInt8 = 0x52
  /// num_keys and the leaf container count are single bytes.
  static let maxPerContainer = 255

  @inline(__always) func u8(_ o: Int) -> Int { Int(base.load(fromByteOffset: o, as: UInt8.self)) }
  @inline(__always) func u16(_ o: Int) -> Int {
    Int(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
  }
  @inline(__always) func u32(_ o: Int) -> Int {
    Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
  }
  @inline(__always) func u64(_ o: Int) -> UInt64 {
    UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self))
  }
  @inline(__always) func set8(_ o: Int, _ v: Int) {
    base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: o, as: UInt8.self)
  }
  @inline(__always) func set16(_ o: Int, _ v: Int) {
    base.storeBytes(
      of: UInt16(truncatingIfNeeded: v).littleEndian, toByteOffset: o, as: UInt16.self)
  }
  @inline(__always) func set64(_ o: Int, _ v: UInt64) {
    base.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt64.self)
  }
  @inline(__always) func bytes(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: base + start, count: end - start)
  }

  // MARK: Header

  var isLeaf: Bool { base.load(as: UInt8.self) & Self.internalBit == 0 }
  var isTail: Bool { base.load(as: UInt8.self) & Self.tailBit != 0 }
  var level: Int { u8(1) }
  var slotCount: Int { u8(2) }
  func setHeader(leaf: Bool, tail: Bool, level: Int) {
    precondition(level <= Self.maxLevel, "level \(level) does not fit the u8 level byte")
    set8(0, Int(Self.fieldTypeN0 | (leaf ? 0 : Self.internalBit) | (tail ? Self.tailBit : 0)))
    set8(1, level)
  }
  func setSlotCount(_ n: Int) { set8(2, n) }
  /// Whether this internal node has a keyless tail child.
  var hasTailChild: Bool { !isLeaf && isTail }

  // MARK: Slots and regions

  @inline(__always) func slotOffset(_ i: Int) -> Int { Self.headerSize + Self.slotSize * i }
  @inline(__always) func regionStart(_ i: Int) -> Int { u16(slotOffset(i) + 13) }
  @inline(__always) func setRegionStart(_ i: Int, _ v: Int) { set16(slotOffset(i) + 13, v) }
  @inline(__always) func regionEnd(_ i: Int) -> Int { i == 0 ? size : regionStart(i - 1) }
  /// Where the last region (or the node end) begins: the tail child sits just left of it.
  var regionsStart: Int { slotCount == 0 ? size : regionStart(slotCount - 1) }
  /// The lowest byte in use on the item side.
  var itemsLeft: Int { regionsStart - (hasTailChild ? Self.childSize : 0) }
  var freeSize: Int { itemsLeft - slotOffset(slotCount) }
  var filledSize: Int { size - freeSize }
  var tailChild: UInt64 { u64(regionsStart - Self.childSize) }
  func setTailChild(_ c: UInt64) { set64(regionsStart - Self.childSize, c) }

  @inline(__always) func shard(_ i: Int) -> Int8 {
    Int8(bitPattern: UInt8(truncatingIfNeeded: u8(slotOffset(i))))
  }
  @inline(__always) func pool(_ i: Int) -> Int64 { Int64(bitPattern: u64(slotOffset(i) + 1)) }
  @inline(__always) func crush(_ i: Int) -> UInt32 {
    UInt32(littleEndian: base.loadUnaligned(fromByteOffset: slotOffset(i) + 9, as: UInt32.self))
  }
  func setPlacement(_ i: Int, _ k: Key) {
    let o = slotOffset(i)
    set8(o, Int(UInt8(bitPattern: k.shard)))
    set64(o + 1, UInt64(bitPattern: k.pool))
    base.storeBytes(of: k.crush.littleEndian, toByteOffset: o + 9, as: UInt32.self)
  }
  /// The key's placement against slot i's.
  @inline(__always) func comparePlacement(_ k: Key, _ i: Int) -> Int {
    let o = slotOffset(i)
    let s = Int8(bitPattern: UInt8(truncatingIfNeeded: u8(o)))
    if k.shard != s { return k.shard < s ? -1 : 1 }
    let p = Int64(bitPattern: u64(o + 1))
    if k.pool != p { return k.pool < p ? -1 : 1 }
    let c = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o + 9, as: UInt32.self))
    return k.crush == c ? 0 : k.crush < c ? -1 : 1
  }

  // MARK: Items (identified by their right end)

  @inline(__always) func itemStart(_ end: Int) -> Int { end - 2 - u16(end - 2) }
  @inline(__always) func nspace(_ end: Int) -> UnsafeRawBufferPointer {
    let n = u16(end - 4)
    return bytes(end - 4 - n, end - 4)
  }
  @inline(__always) func oid(_ end: Int) -> UnsafeRawBufferPointer {
    let o = end - 4 - u16(end - 4) - 2
    return bytes(o - u16(o), o)
  }
  /// The right end of the item's version container.
  @inline(__always) func boxEnd(_ end: Int) -> Int {
    let o = end - 4 - u16(end - 4) - 2
    return o - u16(o)
  }
  @inline(__always) func compareName(_ k: Key, _ end: Int) -> Int {
    let c = compareBytes(k.ns, nspace(end))
    return c != 0 ? c : compareBytes(k.oid, oid(end))
  }

  // MARK: Version containers (identified by their right end `b` and left end `a`)

  @inline(__always) func count(box b: Int, from a: Int) -> Int {
    isLeaf ? u8(b - 1) : (b - a) / Self.internalEntrySize
  }
  /// Right end of leaf sub-item i: the items begin below the count byte and the offsets.
  @inline(__always) func leafSubEnd(_ b: Int, _ c: Int, _ i: Int) -> Int {
    let itemsEnd = b - 1 - 2 * c
    return i == 0 ? itemsEnd : itemsEnd - u16(b - 1 - 2 * i)
  }
  /// The right end of entry i's 16-byte version, in either kind of container (an internal
  /// entry's child address lies right of its version).
  @inline(__always) func versionEnd(_ b: Int, _ c: Int, _ i: Int) -> Int {
    isLeaf ? leafSubEnd(b, c, i) : b - Self.internalEntrySize * i - Self.childSize
  }
  @inline(__always) func compareVersion(_ k: Key, _ vEnd: Int) -> Int {
    let s = u64(vEnd - 16)
    if k.snap != s { return k.snap < s ? -1 : 1 }
    let g = u64(vEnd - 8)
    return k.gen == g ? 0 : k.gen < g ? -1 : 1
  }
  /// Leaf sub-item i's payload (after the value header).
  func payload(_ b: Int, _ c: Int, _ i: Int) -> UnsafeRawBufferPointer {
    let end = leafSubEnd(b, c, i) - 16
    let start = leafSubEnd(b, c, i + 1)
    return bytes(start + Self.valueHeaderSize, end)
  }
  /// Internal entry i's child: the last 8 bytes of its [snap][gen][child].
  @inline(__always) func child(_ b: Int, _ i: Int) -> UInt64 {
    u64(b - Self.internalEntrySize * i - Self.childSize)
  }
  func setChild(_ b: Int, _ i: Int, _ c: UInt64) {
    set64(b - Self.internalEntrySize * i - Self.childSize, c)
  }

  /// The key of the entry at `p` (which is not the end).
  func key(at p: Pos) -> Key {
    let b = boxEnd(p.itemEnd)
    let c = count(box: b, from: itemStart(p.itemEnd))
    let v = versionEnd(b, c, p.sub)
    return Key(
      shard: shard(p.slot), pool: pool(p.slot), crush: crush(p.slot), ns: nspace(p.itemEnd),
      oid: oid(p.itemEnd), snap: u64(v - 16), gen: u64(v - 8))
  }

  /// The child at `p`: the tail child at the end.
  func child(at p: Pos) -> UInt64 {
    p.slot == slotCount ? tailChild : child(boxEnd(p.itemEnd), p.sub)
  }

  // MARK: Moving bytes

  /// Opens `delta` bytes just left of offset `p` by shifting everything in use left of it.
  func open(_ p: Int, _ delta: Int) {
    let l = itemsLeft
    (base + l - delta).copyMemory(from: base + l, byteCount: p - l)
  }
  /// Closes the `delta` bytes just left of offset `p`, shifting everything left of them right.
  func close(_ p: Int, _ delta: Int) {
    let l = itemsLeft
    (base + l + delta).copyMemory(from: base + l, byteCount: p - delta - l)
  }
  /// Moves region starts of slots `from...` by `delta` (negative after an open).
  func shiftRegions(from s: Int, by delta: Int) {
    for i in s..<slotCount { setRegionStart(i, regionStart(i) + delta) }
  }
}

/// A position: slot, item and version indexes, plus the item's right end (so entries are read
/// without walking the slot again). The end position has `slot == slotCount`.
struct Pos: Equatable {
  var slot: Int
  var item: Int
  var sub: Int
  var itemEnd: Int

  static func end(_ n: some NodeLayout) -> Pos {
    Pos(slot: n.slotCount, item: 0, sub: 0, itemEnd: 0)
  }
  func isEnd(_ n: some NodeLayout) -> Bool { slot == n.slotCount }
  /// A position in a layout that has only one index.
  init(_ slot: Int) { (self.slot, item, sub, itemEnd) = (slot, 0, 0, 0) }
  init(slot: Int, item: Int, sub: Int, itemEnd: Int) {
    (self.slot, self.item, self.sub, self.itemEnd) = (slot, item, sub, itemEnd)
  }
}
