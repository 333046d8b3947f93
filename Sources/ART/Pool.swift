import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Exact-size memory for the node kinds whose sizes fall just past an allocator size class
/// (Node16 168 B, Node48 664 B and Node256 2072 B take jemalloc's 192, 768 and 2560-byte classes,
/// 14–24 % more): nodes are carved from chunks (4 nodes, doubling to ~64 KiB) and freed nodes
/// are kept on a free list per kind, reused before the chunk is. Chunks go back to the allocator
/// only with the tree.
///
/// One word of state per field, in raw memory (no ARC): the lock, the chunk list, then per kind
/// the free list, the bump cursor, the bump end and the next chunk's node count. The lock is
/// taken only when `locking` (optimistic trees, where writers on different nodes allocate at
/// once). A freed node's link is its word at offset 8 (its end slot).
struct Pool {
  let words: UnsafeMutablePointer<UInt64>
  let locking: Bool

  static let lock = 0
  static let chunks = 1
  static let perClass = 4
  /// Bytes of a chunk's header (its link in the chunk list), before the first node.
  static let chunkHeader = 16
  static let chunkBytes = 64 << 10

  init(locking: Bool) {
    words = calloc(2 + 3 * Self.perClass, 8)!.bindMemory(to: UInt64.self, capacity: 14)
    self.locking = locking
  }

  /// The pool's class for a node kind (0 Node16, 1 Node48, 2 Node256), or nil for kinds taken
  /// from malloc.
  @inline(__always) static func pooled(_ kind: UInt64) -> Bool {
    kind == Kind.node16 || kind == Kind.node48 || kind == Kind.node256
  }
  @inline(__always) static func classIndex(_ kind: UInt64) -> Int { Int(kind - Kind.node16) }

  @inline(__always) func acquire() {
    guard locking else { return }
    while csys_cas(words + Self.lock, 0, 1) == 0 { csys_pause() }
  }
  @inline(__always) func release() {
    if locking { csys_store_release(words + Self.lock, 0) }
  }

  /// Memory for one node of `kind` (`size` bytes), uninitialised.
  func allocate(_ kind: UInt64, _ size: Int) -> UnsafeMutableRawPointer {
    acquire()
    defer { release() }
    let c = words + 2 + Self.classIndex(kind) * Self.perClass
    if let p = UnsafeMutableRawPointer(bitPattern: UInt(c[0])) {
      c[0] = p.load(fromByteOffset: 8, as: UInt64.self)
      return p
    }
    if c[1] == c[2] {
      let most = (Self.chunkBytes - Self.chunkHeader) / size
      let n = c[3] == 0 ? 4 : min(Int(c[3]), most)
      let chunk = malloc(Self.chunkHeader + n * size)!
      chunk.storeBytes(of: words[Self.chunks], as: UInt64.self)
      words[Self.chunks] = UInt64(UInt(bitPattern: chunk))
      c[1] = UInt64(UInt(bitPattern: chunk + Self.chunkHeader))
      c[2] = c[1] + UInt64(n * size)
      c[3] = UInt64(min(2 * n, most))
    }
    let p = UnsafeMutableRawPointer(bitPattern: UInt(c[1])).unsafelyUnwrapped
    c[1] += UInt64(size)
    return p
  }

  /// Returns a node of `kind` no reader can reach any more to its free list.
  func free(_ p: UnsafeMutableRawPointer, _ kind: UInt64) {
    acquire()
    defer { release() }
    let c = words + 2 + Self.classIndex(kind) * Self.perClass
    p.storeBytes(of: c[0], toByteOffset: 8, as: UInt64.self)
    c[0] = UInt64(UInt(bitPattern: p))
  }

  @inline(__always) static func systemFree(_ p: UnsafeMutableRawPointer) {
    #if canImport(Glibc)
      Glibc.free(p)
    #else
      Darwin.free(p)
    #endif
  }

  /// Frees every chunk (the tree is being dropped).
  func destroy() {
    var chunk = UnsafeMutableRawPointer(bitPattern: UInt(words[Self.chunks]))
    while let c = chunk {
      chunk = UnsafeMutableRawPointer(bitPattern: UInt(c.load(as: UInt64.self)))
      Pool.systemFree(c)
    }
    Pool.systemFree(UnsafeMutableRawPointer(words))
  }

  /// The epoch reclaimer for pooled nodes: `tagged` is the node's address with bit 0 set and
  /// the pool class in bits 1...2 (see `Tree.freeNode`); `context` is the pool's words.
  static let reclaim: Epochs.Reclaimer = { context, tagged in
    let a = UInt(bitPattern: tagged)
    let pool = Pool(words: context.assumingMemoryBound(to: UInt64.self), locking: true)
    pool.free(
      UnsafeMutableRawPointer(bitPattern: a & ~7).unsafelyUnwrapped,
      Kind.node16 + UInt64((a >> 1) & 3))
  }

  private init(words: UnsafeMutablePointer<UInt64>, locking: Bool) {
    self.words = words
    self.locking = locking
  }
}
