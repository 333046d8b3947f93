import CSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A tagged reference to a node or a leaf, stored in every child slot: 0 is empty; the low three
/// bits are the kind, bits 3...47 the malloc'ed address (user-space addresses fit in 48 bits on
/// x86-64 and AArch64). A compact leaf (key ≤ 255 bytes, value ≤ 127 bytes) sets bit 63 and
/// keeps its key length in bits 48...55 and its value length in bits 56...62, so its memory holds
/// only the key and value bytes.
typealias Ref = UInt64

/// Node kinds, the low three bits of a `Ref`.
enum Kind {
  static let leaf: UInt64 = 1
  static let node4: UInt64 = 2
  static let node16: UInt64 = 3
  static let node48: UInt64 = 4
  static let node256: UInt64 = 5
  /// A path-compression node (`prefix: separate`): up to `Layout.prefixCapacity` bytes, one child.
  static let prefix: UInt64 = 6
  /// A tombstoned leaf (`delete: tombstone`): still in the structure, invisible to readers.
  static let deadLeaf: UInt64 = 7

  static let names = ["empty", "leaf", "node4", "node16", "node48", "node256", "prefix", "dead"]
}

/// Byte offsets of the node layout. Every node starts with a 24-byte header:
///
///     0  version  UInt64  the optimistic latch: bit 0 obsolete, bit 1 locked, a counter above
///     8  end      Ref     the leaf whose key ends exactly here (prefix nodes: the child)
///    16  count    UInt16  children
///    18  plen     UInt16  prefix length
///    20  prefix   bytes   the first bytes of the prefix (4 in inner nodes, 108 in prefix nodes)
///
/// followed by the kind's body: Node4 keys[4] @24, children[4] @32 (64 B); Node16 keys[16] @24,
/// children[16] @40 (168 B); Node48 index[256] @24 (child slot + 1, 0 = none), children[48] @280
/// (664 B); Node256 children[256] @24 (2072 B). Prefix nodes are 128 B.
enum Layout {
  static let end = 8
  static let count = 16
  static let prefixLength = 18
  static let prefixBytes = 20
  /// Prefix bytes kept in an inner node's header; longer prefixes are read from a leaf below.
  static let inlinePrefix = 4
  /// Bytes of a 128-byte prefix node after the 20 header bytes (version word, child, count,
  /// length). holt's 128-byte prefix nodes hold 112: it has no per-node version word and 4-byte
  /// child slots. See README.md "`art` and holt 0.2.1".
  static let prefixCapacity = 108

  static let keys = 24
  static let index48 = 24
  static let children256 = 24

  @inline(__always) static func children(_ kind: UInt64) -> Int {
    kind == Kind.node4 ? 32 : kind == Kind.node16 ? 40 : kind == Kind.node48 ? 280 : 24
  }
  @inline(__always) static func capacity(_ kind: UInt64) -> Int {
    kind == Kind.node4 ? 4 : kind == Kind.node16 ? 16 : kind == Kind.node48 ? 48 : 256
  }
  static func size(_ kind: UInt64) -> Int {
    switch kind {
    case Kind.node4: return 64
    case Kind.node16: return 168
    case Kind.node48: return 664
    case Kind.node256: return 2072
    default: return 128
    }
  }
}

/// Raw access to a node through its address.
struct Node {
  let p: UnsafeMutableRawPointer

  /// The address bits of a `Ref`.
  static let addressMask: UInt64 = 0x0000_FFFF_FFFF_FFF8

  @inline(__always) init(_ ref: Ref) {
    p = UnsafeMutableRawPointer(bitPattern: UInt(ref & Node.addressMask)).unsafelyUnwrapped
  }

  /// The version word of the optimistic latch (see `Latch`).
  @inline(__always) var version: UnsafeMutablePointer<UInt64> {
    p.assumingMemoryBound(to: UInt64.self)
  }

  @inline(__always) var count: Int {
    get { Int(p.load(fromByteOffset: Layout.count, as: UInt16.self)) }
    nonmutating set {
      p.storeBytes(of: UInt16(newValue), toByteOffset: Layout.count, as: UInt16.self)
    }
  }
  @inline(__always) var prefixLength: Int {
    get { Int(p.load(fromByteOffset: Layout.prefixLength, as: UInt16.self)) }
    nonmutating set {
      p.storeBytes(of: UInt16(newValue), toByteOffset: Layout.prefixLength, as: UInt16.self)
    }
  }
  @inline(__always) var prefix: UnsafeMutablePointer<UInt8> {
    (p + Layout.prefixBytes).assumingMemoryBound(to: UInt8.self)
  }
  /// The end-of-key leaf slot (inner nodes) or the child slot (prefix nodes).
  @inline(__always) var end: UnsafeMutablePointer<Ref> {
    (p + Layout.end).assumingMemoryBound(to: Ref.self)
  }
  @inline(__always) var keys: UnsafeMutablePointer<UInt8> {
    (p + Layout.keys).assumingMemoryBound(to: UInt8.self)
  }
  @inline(__always) func children(_ kind: UInt64) -> UnsafeMutablePointer<Ref> {
    (p + Layout.children(kind)).assumingMemoryBound(to: Ref.self)
  }

  /// The child count, clamped to the kind's capacity: an optimistic reader may see a count
  /// torn by a writer, and must not read past the node before it validates.
  @inline(__always) func boundedCount(_ kind: UInt64) -> Int {
    min(count, Layout.capacity(kind))
  }

  /// The slot of the child for byte `b`, or nil.
  @inline(__always) func child(_ kind: UInt64, _ b: UInt8) -> UnsafeMutablePointer<Ref>? {
    switch kind {
    case Kind.node4:
      let k = keys
      for i in 0..<boundedCount(kind) where k[i] == b { return children(kind) + i }
      return nil
    case Kind.node16:
      let i = csys_find_byte16(keys, b, Int32(boundedCount(kind)))
      return i < 0 ? nil : children(kind) + Int(i)
    case Kind.node48:
      let i = Int(keys[Int(b)])
      return i == 0 || i > 48 ? nil : children(kind) + (i - 1)
    default:
      let s = children(kind) + Int(b)
      return s.loaded == 0 ? nil : s
    }
  }
}

extension UnsafeMutablePointer where Pointee == Ref {
  /// The reference in a child slot as a reader loads it: atomic, as writers store into slots
  /// while optimistic readers load them, and acquire, as the reader follows it into a node or
  /// leaf that was initialised before being published (`publish`, a release store). A plain
  /// `mov` on x86-64 (and AArch64's `ldar`).
  @inline(__always) var loaded: Ref { csys_load_acquire(self) }
}

/// A leaf's key and value, read through its reference.
struct Leaf {
  let key: UnsafeRawBufferPointer
  let value: UnsafeRawBufferPointer

  @inline(__always) init(_ ref: Ref) {
    let p = UnsafeRawPointer(Node(ref).p)
    if ref >> 63 != 0 {
      let k = Int((ref >> 48) & 0xFF)
      key = UnsafeRawBufferPointer(start: p, count: k)
      value = UnsafeRawBufferPointer(start: p + k, count: Int((ref >> 56) & 0x7F))
    } else {
      let k = Int(p.load(as: UInt32.self))
      key = UnsafeRawBufferPointer(start: p + 8, count: k)
      value = UnsafeRawBufferPointer(
        start: p + 8 + k, count: Int(p.load(fromByteOffset: 4, as: UInt32.self)))
    }
  }

  /// Bytes of memory behind a leaf reference.
  static func size(_ ref: Ref) -> Int {
    let l = Leaf(ref)
    return (ref >> 63 != 0 ? 0 : 8) + l.key.count + l.value.count
  }

  @inline(__always) static func keyEquals(_ ref: Ref, _ key: UnsafeRawBufferPointer) -> Bool {
    let k = Leaf(ref).key
    return k.count == key.count && bytesEqual(k.baseAddress, key.baseAddress, k.count)
  }

  /// `n` bytes at `a` and `b` are equal: inline word compares for keys up to 64 bytes (8-byte
  /// int keys take two loads and no call; a libc `memcmp` call costs ~20 instructions), with
  /// overlapping loads for the tail, and `memcmp` beyond.
  @inline(__always)
  static func bytesEqual(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?, _ n: Int) -> Bool {
    guard n > 0 else { return true }
    let (a, b) = (a.unsafelyUnwrapped, b.unsafelyUnwrapped)
    if n >= 8 {
      if n > 64 { return memcmp(a, b, n) == 0 }
      var i = 0
      while i < n - 8 {
        if a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
          != b.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        {
          return false
        }
        i += 8
      }
      return a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
    }
    if n >= 4 {
      return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
        && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
          == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
    }
    for i in 0..<n
    where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) {
      return false
    }
    return true
  }
}

/// The address bits of a fresh allocation, checked against the 48-bit reference format.
@inline(__always) func tag(_ p: UnsafeMutableRawPointer, _ kind: UInt64) -> Ref {
  let a = UInt64(UInt(bitPattern: p))
  precondition(a >> 48 == 0 && a & 7 == 0, "ART: address outside the 48-bit reference format")
  return a | kind
}
