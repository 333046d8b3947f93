import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Tree {
  /// Visits the live leaves below `ref` (entered at `depth`) in key order, from the first key
  /// ≥ `bound` (every leaf when nil), until `emit` returns false; returns false when stopped.
  /// Subtrees wholly below the bound are skipped, not walked.
  func walk(
    _ ref: Ref, _ depth: Int, _ bound: UnsafeRawBufferPointer?, _ emit: (Ref) -> Bool
  ) -> Bool {
    let kind = ref & 7
    if kind == Kind.leaf {
      if let b = bound, compareBytes(Leaf(ref).key, b) < 0 { return true }
      return emit(ref)
    }
    if ref == 0 || kind == Kind.deadLeaf { return true }
    let node = Node(ref)
    var bound = bound
    var d = depth
    let plen = node.prefixLength
    if plen > 0 {
      if let b = bound {
        let available = b.count - depth
        let n = min(available, plen)
        let c = n == 0 ? 0 : memcmp(b.baseAddress! + depth, fullPrefix(ref, depth), n)
        if c > 0 { return true }
        if c < 0 || available <= plen { bound = nil }
      }
      d += plen
    }
    if kind == Kind.prefix { return walk(node.end.pointee, d, bound, emit) }
    var go = true
    guard let b = bound, b.count > d else {
      prefetchChildren(ref, kind)
      if !walk(node.end.pointee, d, nil, emit) { return false }
      forEachChild(ref) { _, child in
        go = walk(child, d + 1, nil, emit)
        return go
      }
      return go
    }
    // The end leaf is a proper prefix of the bound, so below it.
    let byte = b[d]
    forEachChild(ref, from: Int(byte)) { k, child in
      go = walk(child, d + 1, k == byte ? b : nil, emit)
      return go
    }
    return go
  }

  /// Starts loading every child of a Node4/16 at once (leaves are separate allocations, so an
  /// in-order walk would otherwise wait for one cache miss per leaf in turn).
  @inline(__always) func prefetchChildren(_ ref: Ref, _ kind: UInt64) {
    guard kind == Kind.node4 || kind == Kind.node16 else { return }
    let node = Node(ref)
    let children = node.children(kind)
    for i in 0..<node.count {
      csys_prefetch(UnsafeRawPointer(bitPattern: UInt(children[i] & Node.addressMask)))
    }
  }

  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard limit > 0 else { return 0 }
    var n = 0
    _ = walk(root.pointee, 0, key) { ref in
      let leaf = Leaf(ref)
      n += 1
      return visit(leaf.key, leaf.value) && n < limit
    }
    return n
  }
}
