import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tree {
  /// Visits the live leaves below `ref` (read from `owner`'s slot while `owner` was at
  /// `version`; entered at `depth`) in key order, from the first key ≥ `bound` (every leaf when
  /// nil), until `emit` returns false; returns false when stopped and nil to restart. Subtrees
  /// wholly below the bound are skipped, not walked. `emit` gets each leaf with the node that
  /// holds it and that node's version, to validate what it copies.
  func walk<L: Latching>(
    _ ref: Ref, _ owner: Node, _ version: UInt64, _ depth: Int, _ bound: UnsafeRawBufferPointer?,
    _: L.Type, _ emit: (Ref, Node, UInt64) -> Bool?
  ) -> Bool? {
    let kind = ref & 7
    if kind == Kind.leaf {
      if let b = bound, compareBytes(Leaf(ref).key, b) < 0 {
        return L.validate(owner, version) ? true : nil
      }
      return emit(ref, owner, version)
    }
    if ref == 0 || kind == Kind.deadLeaf { return L.validate(owner, version) ? true : nil }
    let node = Node(ref)
    guard let v = L.readLock(node), L.validate(owner, version) else { return nil }
    var bound = bound
    var d = depth
    let plen = node.prefixLength
    if plen > 0 {
      if let b = bound {
        guard let prefix = fullPrefix(ref, depth, plen) else { return nil }
        let available = b.count - depth
        let n = min(available, plen)
        let c = n == 0 ? 0 : memcmp(b.baseAddress! + depth, prefix, n)
        if c > 0 { return L.validate(node, v) ? true : nil }
        if c < 0 || available <= plen { bound = nil }
      }
      d += plen
    }
    if kind == Kind.prefix { return walk(node.end.loaded, node, v, d, bound, L.self, emit) }
    // The children are iterated inline, not through `forEachChild`: a closure here would capture
    // the tree and `emit`, and cost reference counting on every node visited.
    var start = 0
    var boundByte = -1
    if let b = bound, b.count > d {
      // The end leaf is a proper prefix of the bound, so below it.
      boundByte = Int(b[d])
      start = boundByte
    } else {
      prefetchChildren(ref, kind)
      let go = walk(node.end.loaded, node, v, d, nil, L.self, emit)
      if go != true { return go }
    }
    let children = node.children(kind)
    switch kind {
    case Kind.node4, Kind.node16:
      let keys = node.keys
      for i in 0..<node.boundedCount(kind) where Int(keys[i]) >= start {
        let below = Int(keys[i]) == boundByte ? bound : nil
        let go = walk((children + i).loaded, node, v, d + 1, below, L.self, emit)
        if go != true { return go }
      }
    case Kind.node48:
      let index = node.keys
      for b in start..<256 where index[b] != 0 && index[b] <= 48 {
        let go = walk(
          (children + Int(index[b]) - 1).loaded, node, v, d + 1, b == boundByte ? bound : nil,
          L.self, emit)
        if go != true { return go }
      }
    default:
      for b in start..<256 {
        let child = (children + b).loaded
        guard child != 0 else { continue }
        let go = walk(child, node, v, d + 1, b == boundByte ? bound : nil, L.self, emit)
        if go != true { return go }
      }
    }
    // A node changed while walked may have hidden a child from the loop.
    return L.validate(node, v) ? true : nil
  }

  /// Starts loading every child of a Node4/16 at once (leaves are separate allocations, so an
  /// in-order walk would otherwise wait for one cache miss per leaf in turn).
  @inline(__always) func prefetchChildren(_ ref: Ref, _ kind: UInt64) {
    guard kind == Kind.node4 || kind == Kind.node16 else { return }
    let node = Node(ref)
    let children = node.children(kind)
    for i in 0..<node.boundedCount(kind) {
      csys_prefetch(UnsafeRawPointer(bitPattern: UInt((children + i).loaded & Node.addressMask)))
    }
  }

  /// The unsynchronised scan: leaves are visited in place.
  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard limit > 0 else { return 0 }
    var n = 0
    _ = walk(root.loaded, rootOwner, 0, 0, key, Unlatched.self) { ref, _, _ in
      let leaf = Leaf(ref)
      n += 1
      return visit(leaf.key, leaf.value) && n < limit
    }
    return n
  }
}
