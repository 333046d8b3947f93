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
    if kind == Kind.prefix { return walk(node.end.pointee, node, v, d, bound, L.self, emit) }
    var go: Bool? = true
    if let b = bound, b.count > d {
      // The end leaf is a proper prefix of the bound, so below it.
      let byte = b[d]
      forEachChild(ref, from: Int(byte)) { k, child in
        go = walk(child, node, v, d + 1, k == byte ? b : nil, L.self, emit)
        return go == true
      }
    } else {
      prefetchChildren(ref, kind)
      go = walk(node.end.pointee, node, v, d, nil, L.self, emit)
      if go == true {
        forEachChild(ref) { _, child in
          go = walk(child, node, v, d + 1, nil, L.self, emit)
          return go == true
        }
      }
    }
    // A node changed while walked may have hidden a child from the loop.
    return go == true && !L.validate(node, v) ? nil : go
  }

  /// Starts loading every child of a Node4/16 at once (leaves are separate allocations, so an
  /// in-order walk would otherwise wait for one cache miss per leaf in turn).
  @inline(__always) func prefetchChildren(_ ref: Ref, _ kind: UInt64) {
    guard kind == Kind.node4 || kind == Kind.node16 else { return }
    let node = Node(ref)
    let children = node.children(kind)
    for i in 0..<node.boundedCount(kind) {
      csys_prefetch(UnsafeRawPointer(bitPattern: UInt(children[i] & Node.addressMask)))
    }
  }

  /// The unsynchronised scan: leaves are visited in place.
  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard limit > 0 else { return 0 }
    var n = 0
    _ = walk(root.pointee, rootOwner, 0, 0, key, Unlatched.self) { ref, _, _ in
      let leaf = Leaf(ref)
      n += 1
      return visit(leaf.key, leaf.value) && n < limit
    }
    return n
  }
}
