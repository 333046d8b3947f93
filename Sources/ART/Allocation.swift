import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Allocation and freeing of nodes and leaves, with their tallies, and release of a whole subtree.
extension Tree {
  func newNode(_ kind: UInt64) -> Ref {
    let size = Layout.size(kind)
    let p = Pool.pooled(kind) ? pool.allocate(kind, size) : malloc(size)!
    memset(p, 0, kind == Kind.node48 ? Layout.children(kind) : 24)
    if kind == Kind.node48 || kind == Kind.node256 {
      memset(p + Layout.children(kind), 0, Layout.capacity(kind) * 8)
    }
    counters[Self.nodeCount + Int(kind)] += 1
    counters[Self.byteCount + Int(kind)] += size
    return tag(p, kind)
  }

  /// Frees an unlinked node: at once, or when optimistic, marked obsolete and retired until no
  /// reader can hold it (the caller holds it locked, or never published it).
  func freeNode(_ ref: Ref, now: Bool = false) {
    let kind = ref & 7
    let c = counters
    c[Self.nodeCount + Int(kind)] -= 1
    c[Self.byteCount + Int(kind)] -= Layout.size(kind)
    let p = Node(ref).p
    if optimistic && !now {
      Latch.markObsolete(Node(ref))
      // A pooled node goes back to the pool (bit 0 routes it to `Pool.reclaim`, bits 1...2 say
      // its class).
      let retired =
        Pool.pooled(kind) ? p + (1 | Pool.classIndex(kind) << 1) : p
      epochs.retire(retired, in: epochs.mine)
    } else if Pool.pooled(kind) {
      pool.free(p, kind)
    } else {
      free(p)
    }
  }

  func newLeaf(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Ref {
    let (k, v) = (key.count, value.count)
    let compact = k <= 255 && v <= 127
    let size = (compact ? 0 : 8) + k + v
    let p = malloc(max(size, 1))!
    var body = p
    if !compact {
      p.storeBytes(of: UInt32(k), as: UInt32.self)
      p.storeBytes(of: UInt32(v), toByteOffset: 4, as: UInt32.self)
      body += 8
    }
    if k > 0 { body.copyMemory(from: key.baseAddress!, byteCount: k) }
    if v > 0 { (body + k).copyMemory(from: value.baseAddress!, byteCount: v) }
    let c = counters
    c[Self.nodeCount + Int(Kind.leaf)] += 1
    c[Self.byteCount + Int(Kind.leaf)] += size
    c[Self.liveKeys] += 1
    let ref = tag(p, Kind.leaf)
    return compact ? ref | 1 << 63 | UInt64(k) << 48 | UInt64(v) << 56 : ref
  }

  /// Frees an unlinked leaf: at once, or when optimistic, once no reader can hold it.
  func freeLeaf(_ ref: Ref, now: Bool = false) {
    let c = counters
    let size = Leaf.size(ref)
    c[Self.nodeCount + Int(Kind.leaf)] -= 1
    c[Self.byteCount + Int(Kind.leaf)] -= size
    if ref & 7 == Kind.leaf {
      c[Self.liveKeys] -= 1
    } else {
      c[Self.tombstones] -= 1
      c[Self.tombstoneBytes] -= size
    }
    if optimistic && !now {
      epochs.retire(Node(ref).p, in: epochs.mine)
    } else {
      free(Node(ref).p)
    }
  }

  /// Frees a whole subtree at once (the tree is being dropped: no reader is left).
  func release(_ ref: Ref) {
    let kind = ref & 7
    if ref == 0 { return }
    if kind == Kind.leaf || kind == Kind.deadLeaf { return freeLeaf(ref, now: true) }
    let n = Node(ref)
    release(n.end.pointee)
    if kind != Kind.prefix {
      forEachChild(ref) { _, c in
        release(c)
        return true
      }
    }
    freeNode(ref, now: true)
  }
}
