import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A slotted page in raw memory. Layout (little-endian, offsets in bytes):
///
///      0  kind       UInt8   1 leaf, 2 interior
///      2  count      UInt16  cells
///      4  freeStart  UInt32  end of the slot array
///      8  freeEnd    UInt32  lowest cell offset (cells grow down from the page end)
///     12  live       UInt32  bytes of live cells plus their slots
///     16  right      UInt32  right link (B-link): the next page on this level, 0 = none
///     20  prev       UInt32  left neighbour (leaves), 0 = none
///     24  child      UInt32  interior: the rightmost child (keys ≥ the last separator)
///     28  checksum   UInt32  CRC of the page but this field and the version (`checksum` knob)
///     32  version    UInt64  reserved for optimistic lock coupling (issue #9)
///     40  highOff    UInt16  the fence (high key) cell's offset; 0 = none (rightmost on its level)
///     42  highLen    UInt16
///     44  id         UInt32  this page's id
///     48  slots      UInt16 × count, cell offsets in key order
///
/// Leaf cell: `[klen u16][vlen u16][key][value]`. Interior cell: `[klen u16][child u32][key]`,
/// where child holds the keys below this cell's key. Removing a cell drops its slot only; the
/// bytes are reclaimed when the page is compacted.
struct Page: CellSearch {
  let p: UnsafeMutableRawPointer

  static let leaf: UInt8 = 1
  static let interior: UInt8 = 2
  static let header = 48

  @inline(__always) init(_ p: UnsafeMutableRawPointer) { self.p = p }

  @inline(__always) private func u16(_ o: Int) -> Int {
    Int(p.loadUnaligned(fromByteOffset: o, as: UInt16.self))
  }
  @inline(__always) private func u32(_ o: Int) -> Int {
    Int(p.loadUnaligned(fromByteOffset: o, as: UInt32.self))
  }
  @inline(__always) private func set16(_ o: Int, _ v: Int) {
    p.storeBytes(of: UInt16(truncatingIfNeeded: v), toByteOffset: o, as: UInt16.self)
  }
  @inline(__always) private func set32(_ o: Int, _ v: Int) {
    p.storeBytes(of: UInt32(truncatingIfNeeded: v), toByteOffset: o, as: UInt32.self)
  }

  var kind: UInt8 {
    get { p.load(as: UInt8.self) }
    nonmutating set { p.storeBytes(of: newValue, as: UInt8.self) }
  }
  @inline(__always) var isLeaf: Bool { kind == Page.leaf }
  var count: Int {
    @inline(__always) get { u16(2) }
    nonmutating set { set16(2, newValue) }
  }
  var freeStart: Int {
    get { u32(4) }
    nonmutating set { set32(4, newValue) }
  }
  var freeEnd: Int {
    get { u32(8) }
    nonmutating set { set32(8, newValue) }
  }
  var live: Int {
    get { u32(12) }
    nonmutating set { set32(12, newValue) }
  }
  var right: UInt32 {
    get { UInt32(u32(16)) }
    nonmutating set { set32(16, Int(newValue)) }
  }
  var prev: UInt32 {
    get { UInt32(u32(20)) }
    nonmutating set { set32(20, Int(newValue)) }
  }
  var child: UInt32 {
    @inline(__always) get { UInt32(u32(24)) }
    nonmutating set { set32(24, Int(newValue)) }
  }
  var checksum: UInt32 {
    get { UInt32(u32(28)) }
    nonmutating set { set32(28, Int(newValue)) }
  }
  var id: UInt32 {
    get { UInt32(u32(44)) }
    nonmutating set { set32(44, Int(newValue)) }
  }

  /// The version word of the optimistic latch.
  @inline(__always) var version: UnsafeMutablePointer<UInt64> {
    (p + 32).assumingMemoryBound(to: UInt64.self)
  }

  /// The checksum of the page's bytes except the checksum and the version word (which changes
  /// when a latch is released, after the page was sealed): CRC32C, or with `ieee` reddb's CRC-32.
  func computeChecksum(size: Int, ieee: Bool = false) -> UInt32 {
    ieee
      ? csys_crc32(csys_crc32(0, p, 28), p + 40, size - 40)
      : csys_crc32c(csys_crc32c(0, p, 28), p + 40, size - 40)
  }

  /// Resets to an empty page of `kind`, keeping the version word (a writer holds the latch).
  func format(_ kind: UInt8, id: UInt32, size: Int) {
    memset(p, 0, 32)
    memset(p + 40, 0, Page.header - 40)
    self.kind = kind
    self.id = id
    freeStart = Page.header
    freeEnd = size
  }

  /// The fence key: every key on this page is below it (absent on a level's rightmost page).
  var highKey: UnsafeRawBufferPointer? {
    let o = u16(40)
    return o == 0 ? nil : UnsafeRawBufferPointer(start: p + o, count: u16(42))
  }

  @inline(__always) func slot(_ i: Int) -> Int { u16(Page.header &+ 2 &* i) }

  /// The key of cell `i`.
  @inline(__always) func key(_ i: Int) -> UnsafeRawBufferPointer {
    let o = slot(i)
    let n = u16(o)
    return UnsafeRawBufferPointer(start: p + o + (isLeaf ? 4 : 6), count: n)
  }
  /// Where a cell's key starts after its offset: 4 on leaves, 6 on interior pages.
  @inline(__always) var keyStart: Int { isLeaf ? 4 : 6 }
  @inline(__always) func key(_ i: Int, keyStart: Int) -> UnsafeRawBufferPointer {
    let o = slot(i)
    return UnsafeRawBufferPointer(start: p + (o &+ keyStart), count: u16(o))
  }
  @inline(__always) func key8(_ i: Int, keyStart: Int) -> UInt64? {
    let o = slot(i)
    guard u16(o) == 8 else { return nil }
    return UInt64(bigEndian: p.loadUnaligned(fromByteOffset: o &+ keyStart, as: UInt64.self))
  }
  /// The value of leaf cell `i`.
  @inline(__always) func value(_ i: Int) -> UnsafeRawBufferPointer {
    let o = slot(i)
    return UnsafeRawBufferPointer(start: p + (o &+ 4 &+ u16(o)), count: u16(o &+ 2))
  }
  /// The child left of interior cell `i`; `count` names the rightmost child.
  @inline(__always) func child(at i: Int) -> UInt32 {
    i == count ? child : p.loadUnaligned(fromByteOffset: slot(i) + 2, as: UInt32.self)
  }
  func setChild(at i: Int, _ id: UInt32) {
    if i == count {
      child = id
    } else {
      p.storeBytes(of: id, toByteOffset: slot(i) + 2, as: UInt32.self)
    }
  }

  /// Bytes one cell takes, slot included.
  static func cellSize(leaf: Bool, key: Int, value: Int) -> Int {
    leaf ? 2 + 4 + key + value : 2 + 6 + key
  }
  /// Bytes of cell `i`, slot included.
  func cellSize(_ i: Int) -> Int {
    let o = slot(i)
    return isLeaf ? 6 &+ u16(o) &+ u16(o &+ 2) : 8 &+ u16(o)
  }
  /// The address of cell `i`'s bytes.
  func cell(_ i: Int) -> UnsafeRawPointer { UnsafeRawPointer(p + slot(i)) }

  /// Appends a cell's bytes at the low end of the cell area and its slot at `index`; the caller
  /// has checked that it fits contiguously.
  func insertCell(
    at index: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?, child: UInt32 = 0
  ) {
    // Offsets and sizes are bounded by the page (the caller checked the fit): unchecked
    // arithmetic, and the slot shift only when there are slots after `index`.
    let leaf = isLeaf
    let k = key.count
    let v = leaf ? value.unsafelyUnwrapped.count : 0
    let size = leaf ? 4 &+ k &+ v : 6 &+ k
    let o = freeEnd &- size
    set16(o, k)
    var body = o &+ 6
    if leaf {
      set16(o &+ 2, v)
      body = o &+ 4
    } else {
      p.storeBytes(of: child, toByteOffset: o &+ 2, as: UInt32.self)
    }
    if k > 0 { copyBytes(p + body, key.baseAddress!, k) }
    if v > 0 { copyBytes(p + (body &+ k), value.unsafelyUnwrapped.baseAddress!, v) }
    let slots = p + Page.header
    let n = count
    if index < n { memmove(slots + 2 &* (index &+ 1), slots + 2 &* index, 2 &* (n &- index)) }
    set16(Page.header &+ 2 &* index, o)
    count = n &+ 1
    freeEnd = o
    freeStart = freeStart &+ 2
    live = live &+ size &+ 2
  }

  /// Drops cell `index` (its slot; the bytes become garbage until compaction).
  func removeCell(at index: Int) {
    live -= cellSize(index)
    let slots = p + Page.header
    let n = count
    memmove(slots + 2 * index, slots + 2 * (index + 1), 2 * (n - index - 1))
    count = n - 1
    freeStart -= 2
  }

  /// Shortens leaf cell `index`'s value to its first `length` bytes in place: the cell keeps its
  /// offset and the bytes past the new end become garbage until the page is compacted.
  func shrinkValue(at index: Int, to length: Int) {
    let o = slot(index)
    live -= u16(o + 2) - length
    set16(o + 2, length)
  }

  /// Sets the fence key (once, on a freshly formatted page).
  func setHighKey(_ h: UnsafeRawBufferPointer) {
    let o = freeEnd - h.count
    if h.count > 0 { (p + o).copyMemory(from: h.baseAddress!, byteCount: h.count) }
    set16(40, o)
    set16(42, h.count)
    freeEnd = o
  }

  /// Appends a cell image of `size` bytes (same format as a cell) as the last cell.
  func appendImage(_ image: UnsafeRawPointer, _ size: Int) {
    let o = freeEnd &- size
    copyBytes(p + o, image, size)
    let n = count
    set16(Page.header &+ 2 &* n, o)
    count = n &+ 1
    freeStart = freeStart &+ 2
    freeEnd = o
    live = live &+ size &+ 2
  }

  /// Contiguous free bytes between the slots and the cells.
  @inline(__always) var gap: Int { freeEnd - freeStart }
}

/// Copies `n` bytes (not overlapping): up to 32 in overlapping words, without a call (keys,
/// values and cell images of index entries are this short), longer ones with memcpy.
@inline(__always) func copyBytes(
  _ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ n: Int
) {
  if n >= 8 && n <= 16 {
    let (a, b) = (
      src.loadUnaligned(as: UInt64.self), src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    )
    dst.storeBytes(of: a, as: UInt64.self)
    dst.storeBytes(of: b, toByteOffset: n - 8, as: UInt64.self)
  } else if n > 16 && n <= 32 {
    let (a, b) = (
      src.loadUnaligned(as: UInt64.self), src.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
    )
    let (c, d) = (
      src.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self),
      src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    )
    dst.storeBytes(of: a, as: UInt64.self)
    dst.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
    dst.storeBytes(of: c, toByteOffset: n - 16, as: UInt64.self)
    dst.storeBytes(of: d, toByteOffset: n - 8, as: UInt64.self)
  } else {
    memcpy(dst, src, n)
  }
}

/// Binary search over a page's keys, shared by `Page` and the optimistic reader's `TornPage`.
///
/// Fixed-width fast path: when the key sought is 8 bytes (TreeBench's int keys are 8-byte
/// big-endian integers), every cell key that is 8 bytes long too is compared as one loaded
/// big-endian word (a bswap and an integer compare: no length decoding, no memcmp path); a cell
/// key of another length falls back to `compareBytes`.
protocol CellSearch {
  var count: Int { get }
  /// Where a cell's key starts after its offset: 4 on leaves, 6 on interior pages.
  var keyStart: Int { get }
  /// The key of cell `i`, whose key starts `keyStart` bytes into its cell.
  func key(_ i: Int, keyStart: Int) -> UnsafeRawBufferPointer
  /// Cell `i`'s key as a big-endian word when it is 8 bytes long, else nil (then `key`); a
  /// `TornPage` may also answer nil for an 8-byte key in a cell that ends the page.
  func key8(_ i: Int, keyStart: Int) -> UInt64?
}

extension CellSearch {
  /// First index whose key is ≥ `key` (`found` when equal).
  @inline(__always) func lowerBound(_ key: UnsafeRawBufferPointer) -> (index: Int, found: Bool) {
    let ks = keyStart
    var lo = 0
    var hi = count
    if key.count == 8 {
      let k = UInt64(bigEndian: key.baseAddress!.loadUnaligned(as: UInt64.self))
      while lo < hi {
        let mid = (lo &+ hi) &>> 1
        if let x = key8(mid, keyStart: ks) {
          if x < k { lo = mid &+ 1 } else if x > k { hi = mid } else { return (mid, true) }
        } else {
          // Another length, or (`TornPage`) an 8-byte key too near the page end for `key8`.
          let c = compareBytes(self.key(mid, keyStart: ks), key)
          if c < 0 { lo = mid &+ 1 } else if c > 0 { hi = mid } else { return (mid, true) }
        }
      }
      return (lo, false)
    }
    while lo < hi {
      let mid = (lo &+ hi) &>> 1
      let c = compareBytes(self.key(mid, keyStart: ks), key)
      if c < 0 { lo = mid &+ 1 } else if c > 0 { hi = mid } else { return (mid, true) }
    }
    return (lo, false)
  }

  /// The child to follow for `key` on an interior page: the first cell whose key is > `key`.
  @inline(__always) func route(_ key: UnsafeRawBufferPointer) -> Int {
    let ks = keyStart
    var lo = 0
    var hi = count
    if key.count == 8 {
      let k = UInt64(bigEndian: key.baseAddress!.loadUnaligned(as: UInt64.self))
      while lo < hi {
        let mid = (lo &+ hi) &>> 1
        let below: Bool
        if let x = key8(mid, keyStart: ks) {
          below = x <= k
        } else {
          below = compareBytes(self.key(mid, keyStart: ks), key) <= 0
        }
        if below { lo = mid &+ 1 } else { hi = mid }
      }
      return lo
    }
    while lo < hi {
      let mid = (lo &+ hi) &>> 1
      if compareBytes(self.key(mid, keyStart: ks), key) <= 0 { lo = mid &+ 1 } else { hi = mid }
    }
    return lo
  }
}

/// A page read while a writer may be changing it (optimistic readers): every count, offset and
/// length is clamped to the page, so a torn read stays inside the page's memory. What it returns
/// is trusted only once the page's version validates.
struct TornPage: CellSearch {
  let page: Page
  let size: Int
  /// Where a cell's key starts after its offset: 4 on leaves, 6 on interior pages.
  let keyAt: Int

  @inline(__always) init(_ page: Page, size: Int) {
    self.page = page
    self.size = size
    keyAt = page.kind == Page.interior ? 6 : 4
  }

  @inline(__always) private func u16(_ o: Int) -> Int {
    Int(page.p.loadUnaligned(fromByteOffset: o, as: UInt16.self))
  }
  @inline(__always) var isLeaf: Bool { keyAt == 4 }
  @inline(__always) var right: UInt32 { page.right }
  @inline(__always) var count: Int { min(page.count, (size - Page.header) / 2) }
  /// Cell `i`'s offset, leaving room for the largest cell header (6 bytes).
  @inline(__always) private func slot(_ i: Int) -> Int { min(page.slot(i), size - 6) }

  @inline(__always) var keyStart: Int { keyAt }
  @inline(__always) func key(_ i: Int) -> UnsafeRawBufferPointer { key(i, keyStart: keyAt) }
  @inline(__always) func key(_ i: Int, keyStart: Int) -> UnsafeRawBufferPointer {
    let o = slot(i)
    let body = o + keyStart
    return UnsafeRawBufferPointer(start: page.p + body, count: min(u16(o), size - body))
  }
  /// No clamping needed past the check that the word lies inside the page.
  @inline(__always) func key8(_ i: Int, keyStart: Int) -> UInt64? {
    let o = page.slot(i)
    guard o &+ keyStart <= size &- 8, u16(o) == 8 else { return nil }
    return UInt64(
      bigEndian: page.p.loadUnaligned(fromByteOffset: o &+ keyStart, as: UInt64.self))
  }
  @inline(__always) func value(_ i: Int) -> UnsafeRawBufferPointer {
    let o = slot(i)
    let at = min(o + 4 + u16(o), size)
    return UnsafeRawBufferPointer(start: page.p + at, count: min(u16(o + 2), size - at))
  }
  @inline(__always) func child(at i: Int) -> UInt32 {
    i >= count ? page.child : page.p.loadUnaligned(fromByteOffset: slot(i) + 2, as: UInt32.self)
  }
  var highKey: UnsafeRawBufferPointer? {
    let o = min(u16(40), size)
    return o == 0 ? nil : UnsafeRawBufferPointer(start: page.p + o, count: min(u16(42), size - o))
  }
}
