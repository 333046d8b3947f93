import EngineConformance
import EngineKit
import Testing

@testable import StagedTree

/// Golden-byte tests: small N0 nodes compared byte for byte with images worked out by hand from
/// crimson's layout headers (staged-fltree/stages/node_stage_layout.h: `node_header_t`,
/// `_node_fields_013_t`, `_slot_t`; stages/item_iterator_stage.h; stages/sub_items_stage.h:
/// `internal_sub_item_t`, `leaf_sub_items_t`; stages/key_layout.h: `string_key_view_t`,
/// `shard_pool_crush_t`, `snap_gen_t`; value.h: `value_header_t`), little-endian as on x86.
/// Only the bytes in use are compared: the header and slots from the front, the items from the
/// node end; the free gap between them holds whatever malloc left there.
@Suite struct StagedGoldenBytes {
  /// Parses "52 01 00 | d1" style hex: whitespace and '|' are separators only.
  static func hex(_ s: String) -> [UInt8] {
    let digits = s.filter { $0.isHexDigit }
    precondition(digits.count % 2 == 0, "odd hex image")
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
      let j = digits.index(i, offsetBy: 2)
      out.append(UInt8(digits[i..<j], radix: 16)!)
      i = j
    }
    return out
  }

  /// The used bytes of `n`: [0, end of slots) and [lowest item byte, node end).
  static func image(_ n: Node) -> (front: [UInt8], back: [UInt8]) {
    let front = Array(UnsafeRawBufferPointer(start: n.base, count: n.slotOffset(n.slotCount)))
    let back = Array(
      UnsafeRawBufferPointer(start: n.base + n.itemsLeft, count: n.size - n.itemsLeft))
    return (front, back)
  }

  static func root(_ t: StagedTreeEngine) -> Node {
    guard case .staged(let core) = t.layout else { fatalError("not the staged layout") }
    return core.tree.root
  }

  /// A leaf root of 4096 (0x1000) bytes holding 2 placements, 2 names under the first, and 3
  /// versions of one of those names, inserted out of order so every insert stage runs (new slot
  /// before an existing one, new item before an existing one, new version first and last).
  ///
  /// Keys (shard, pool, crush; ns, oid; snap, gen → payload):
  ///   A: (-1, 1, 0x0A0B0C0D; "", "c";  7,  8 → C1)
  ///   B: (-1, 1, 0x0A0B0C0D; "n", "ab"; 1, 2 → A1), (3, 4 → A2 A3), (5, 6 → empty)
  ///   C: ( 0, 0x102, 5;      "n", "d";  9, 10 → D1)
  ///
  /// Front (`_node_fields_013_t<slot_0_t>`):
  ///   0      A5        node_header_t bits: field_type N0 0x25 (bits 0-5) | node_type LEAF 0
  ///                    (bit 6) | is_level_tail 1 (bit 7: the root is its level's tail)
  ///   1      00        level_t: leaf
  ///   2      02        num_keys: 2 slots
  ///   3..17  slot 0 = shard_pool_crush_t (shard i8, pool i64, crush u32, packed: 13 B) +
  ///          right_offset u16: FF | 01 00 00 00 00 00 00 00 | 0D 0C 0B 0A | 96 0F (3990,
  ///          where slot 0's items start)
  ///   18..32 slot 1: 00 | 02 01 00 00 00 00 00 00 | 05 00 00 00 | 77 0F (3959)
  ///
  /// Back, slot 0's region [3990, 4096) holds two items packed right to left
  /// (item_iterator_t: from an item's right end, u16 back offset, ns then oid as
  /// string_key_view_t = chars + u16 length read from the right, then the sub-items):
  ///   item 0 ("", "c"), [4066, 4096):
  ///     4094 1C 00  back offset 28 = 4094 − 4066
  ///     4092 00 00  ns length 0 (no chars)
  ///     4090 01 00  oid length 1;  4089 63 "c"
  ///     leaf_sub_items_t ending at 4089: 4088 01 num_keys; 4086 14 00 offset[0] = 20
  ///     (cumulative size of sub-items 0…0); sub-item 0 [4066, 4086) = value_header_t
  ///     (magic ONODE 0x52, u16 payload size 1) 52 01 00, payload C1, snap_gen_t 7, 8
  ///   item 1 ("n", "ab"), [3990, 4066):
  ///     4064 4A 00  back offset 74;  4062 01 00 ns length 1;  4061 6E "n"
  ///     4059 02 00  oid length 2;  4057 61 62 "ab"
  ///     4056 03 num_keys;  4054 14 00 offset[0] = 20;  4052 29 00 offset[1] = 41;
  ///     4050 3C 00 offset[2] = 60 (sub-item sizes 20, 21, 19)
  ///     sub-item 0 (1, 2) [4030, 4050): 52 01 00 A1, snap 1, gen 2
  ///     sub-item 1 (3, 4) [4009, 4030): 52 02 00 A2 A3, snap 3, gen 4
  ///     sub-item 2 (5, 6) [3990, 4009): 52 00 00, snap 5, gen 6
  /// Slot 1's region [3959, 3990), item ("n", "d"):
  ///     3988 1D 00 back offset 29;  3986 01 00 ns length;  3985 6E "n";  3983 01 00 oid
  ///     length;  3982 64 "d";  3981 01 num_keys;  3979 14 00 offset[0] = 20;
  ///     sub-item 0 [3959, 3979): 52 01 00 D1, snap 9, gen 10
  /// Filled: 3 + 2 × 15 + 30 + 76 + 31 = 170 B (node size − free size).
  static let leafFront = hex(
    """
    A5 00 02
    FF 01 00 00 00 00 00 00 00 0D 0C 0B 0A 96 0F
    00 02 01 00 00 00 00 00 00 05 00 00 00 77 0F
    """)
  static let leafBack = hex(
    """
    52 01 00 D1 | 09 00 00 00 00 00 00 00 | 0A 00 00 00 00 00 00 00
    14 00 | 01 | 64 | 01 00 | 6E | 01 00 | 1D 00
    52 00 00 | 05 00 00 00 00 00 00 00 | 06 00 00 00 00 00 00 00
    52 02 00 A2 A3 | 03 00 00 00 00 00 00 00 | 04 00 00 00 00 00 00 00
    52 01 00 A1 | 01 00 00 00 00 00 00 00 | 02 00 00 00 00 00 00 00
    3C 00 | 29 00 | 14 00 | 03 | 61 62 | 02 00 | 6E | 01 00 | 4A 00
    52 01 00 C1 | 07 00 00 00 00 00 00 00 | 08 00 00 00 00 00 00 00
    14 00 | 01 | 63 | 01 00 | 00 00 | 1C 00
    """)

  static func leafKey(
    _ s: Int8, _ p: Int64, _ c: UInt32, _ ns: String, _ oid: String, _ v: UInt64, _ g: UInt64
  ) -> [UInt8] {
    OnodeKey(
      shard: s, pool: p, crush: c, nspace: Array(ns.utf8), oid: Array(oid.utf8), snap: v, gen: g
    ).encoded
  }

  static let leafEntries: [([UInt8], [UInt8])] = [
    (leafKey(0, 0x102, 5, "n", "d", 9, 10), [0xD1]),  // slot 1 first
    (leafKey(-1, 1, 0x0A0B_0C0D, "n", "ab", 3, 4), [0xA2, 0xA3]),  // new slot before it
    (leafKey(-1, 1, 0x0A0B_0C0D, "n", "ab", 5, 6), []),  // new last version
    (leafKey(-1, 1, 0x0A0B_0C0D, "", "c", 7, 8), [0xC1]),  // new item before "n"/"ab"
    (leafKey(-1, 1, 0x0A0B_0C0D, "n", "ab", 1, 2), [0xA1]),  // new first version
  ]

  @Test func leafNodeMatchesCrimsonsLayoutByteForByte() throws {
    let t = try make(small, onode: true)
    for (k, v) in Self.leafEntries { #expect(t.put(k, v)) }
    try t.checkInvariants()
    let n = Self.root(t)
    let (front, back) = Self.image(n)
    #expect(front == Self.leafFront)
    #expect(back == Self.leafBack)
    #expect(n.filledSize == 170 && t.detail("filled_bytes") == 170)
    #expect(n.isLeaf && n.isTail && n.level == 0)

    // The appender (split and merge rebuild nodes with it) lays the same entries out the same.
    var entries: [Entry] = []
    n.gather(into: &entries)
    let copy = Node(base: .allocate(byteCount: 4096, alignment: 16), size: 4096)
    defer { copy.base.deallocate() }
    copy.build(entries[...], leaf: true, tail: true, level: 0)
    #expect(Self.image(copy).front == Self.leafFront)
    #expect(Self.image(copy).back == Self.leafBack)

    // Erasing the item "c" in place gives back its 30 bytes.
    #expect(t.delete(Self.leafEntries[3].0))
    #expect(Self.root(t).filledSize == 170 - 30)
  }

  /// An internal level-tail node at level 1, 4096 bytes, with two slots and a tail child:
  ///   slot 0 (0, 3, 0x11223344), item ("", "x"): (1, 1 → child 0x1111), (2, 0 → child 0x2222)
  ///   slot 1 (0, 4, 0), item ("ns", "y"): (NOSNAP 2⁶⁴−2, NO_GEN 2⁶⁴−1 → child 0x3333)
  ///   tail child 0x4444555566667777
  ///
  /// Front:
  ///   0 E5  field_type N0 0x25 | node_type INTERNAL 1 << 6 | is_level_tail 1 << 7
  ///   1 01  level 1;  2 02 num_keys
  ///   3..17  slot 0: 00 | 03 00 00 00 00 00 00 00 | 44 33 22 11 | C9 0F (4041)
  ///   18..32 slot 1: 00 | 04 00 00 00 00 00 00 00 | 00 00 00 00 | A8 0F (4008)
  /// Back:
  ///   [4000, 4008) the tail child laddr, just left of the last region
  ///     (fields_free_range_before: an internal level tail keeps sizeof(laddr_t) there):
  ///     77 77 66 66 55 55 44 44
  ///   slot 1's item [4008, 4041): internal_sub_items_t entries of 24 B, entry 0 rightmost,
  ///     each internal_sub_item_t { snap_gen_t key; laddr_packed_t value; } = snap, gen, child:
  ///     4008 FE FF FF FF FF FF FF FF | FF ×8 | 33 33 00 00 00 00 00 00
  ///     4032 79 "y";  4033 01 00 oid length;  4035 6E 73 "ns";  4037 02 00 ns length;
  ///     4039 1F 00 back offset 31 = 4039 − 4008 (internal items have no count byte)
  ///   slot 0's item [4041, 4096):
  ///     entry 1 (2, 0) at 4041: 02 00.. | 00 ×8 | 22 22 00 00 00 00 00 00
  ///     entry 0 (1, 1) at 4065: 01 00.. | 01 00.. | 11 11 00 00 00 00 00 00
  ///     4089 78 "x";  4090 01 00 oid length;  4092 00 00 ns length;  4094 35 00 back offset 53
  /// Filled: 33 + 96 = 129 B.
  static let internalFront = hex(
    """
    E5 01 02
    00 03 00 00 00 00 00 00 00 44 33 22 11 C9 0F
    00 04 00 00 00 00 00 00 00 00 00 00 00 A8 0F
    """)
  static let internalBack = hex(
    """
    77 77 66 66 55 55 44 44
    FE FF FF FF FF FF FF FF | FF FF FF FF FF FF FF FF | 33 33 00 00 00 00 00 00
    79 | 01 00 | 6E 73 | 02 00 | 1F 00
    02 00 00 00 00 00 00 00 | 00 00 00 00 00 00 00 00 | 22 22 00 00 00 00 00 00
    01 00 00 00 00 00 00 00 | 01 00 00 00 00 00 00 00 | 11 11 00 00 00 00 00 00
    78 | 01 00 | 00 00 | 35 00
    """)

  @Test func internalLevelTailNodeMatchesCrimsonsLayoutByteForByte() {
    let names = ["", "x", "ns", "y"].map { s -> UnsafeRawBufferPointer in
      let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(s.utf8.count, 1), alignment: 1)
      for (i, c) in s.utf8.enumerated() { b[i] = c }
      return UnsafeRawBufferPointer(rebasing: b[0..<s.utf8.count])
    }
    defer { for n in names { UnsafeMutableRawPointer(mutating: n.baseAddress!).deallocate() } }
    func entry(
      _ pool: Int64, _ crush: UInt32, _ ns: Int, _ oid: Int, _ s: UInt64, _ g: UInt64, _ c: UInt64
    ) -> Entry {
      Entry(
        key: Key(
          shard: 0, pool: pool, crush: crush, ns: names[ns], oid: names[oid], snap: s, gen: g),
        payload: UnsafeRawBufferPointer(start: nil, count: 0), child: c)
    }
    let all = [
      entry(3, 0x1122_3344, 0, 1, 1, 1, 0x1111), entry(3, 0x1122_3344, 0, 1, 2, 0, 0x2222),
      entry(4, 0, 2, 3, .max - 1, .max, 0x3333),
    ]
    let tail: UInt64 = 0x4444_5555_6666_7777
    // In place, starting empty: the last slot first, then a slot before it, then a version
    // before the existing one.
    let n = Node(base: .allocate(byteCount: 4096, alignment: 16), size: 4096)
    defer { n.base.deallocate() }
    n.build([], leaf: false, tail: true, level: 1, tailChild: tail)
    for e in [all[2], all[1], all[0]] { #expect(n.insert(e, at: n.plainLowerBound(e.key))) }
    #expect(Self.image(n).front == Self.internalFront)
    #expect(Self.image(n).back == Self.internalBack)
    #expect(n.filledSize == 129 && n.checkLayout() == nil)
    #expect(!n.isLeaf && n.isTail && n.level == 1 && n.tailChild == tail)
    #expect(n.child(at: n.first) == 0x1111 && n.child(at: n.next(n.first)) == 0x2222)
    // The appender gives the same bytes.
    let m = Node(base: .allocate(byteCount: 4096, alignment: 16), size: 4096)
    defer { m.base.deallocate() }
    m.build(all[...], leaf: false, tail: true, level: 1, tailChild: tail)
    #expect(Self.image(m).front == Self.internalFront)
    #expect(Self.image(m).back == Self.internalBack)
  }

  /// The node-type bit read back from raw headers: 0x25 (bit 6 clear) is a leaf, 0x65 internal.
  @Test func headerBitSixMarksAnInternalNode() {
    for (byte, leaf) in [(UInt8(0x25), true), (0xA5, true), (0x65, false), (0xE5, false)] {
      withUnsafeBytes(of: byte) { #expect(Node.isLeaf($0.baseAddress!) == leaf) }
    }
  }
}
