/// Removal: tombstone or physical delete, with shrink, collapse and prefix-node normalisation.
extension Tree {
  /// Removes `key`; nil to restart. A tombstone changes one slot (its owner is locked); a
  /// physical delete may shrink or collapse nodes up the path, so when optimistic it locks the
  /// whole path (deletes are rare in YCSB mixes; readers on that path restart).
  @inline(__always)
  func remove<L: Latching>(_ key: UnsafeRawBufferPointer, _: L.Type) -> Bool? {
    if deleteMode == .tombstone {
      guard let at = locate(key, L.self) else { return nil }
      guard at.leaf & 7 == Kind.leaf else { return L.validate(at.owner, at.version) ? false : nil }
      guard L.upgrade(at.owner, at.version) else { return nil }
      publish(at.slot, at.leaf & ~7 | Kind.deadLeaf)
      counters[Self.liveKeys] -= 1
      counters[Self.tombstones] += 1
      counters[Self.tombstoneBytes] += Leaf.size(at.leaf)
      L.unlock(at.owner)
      return true
    }
    return optimistic ? removeLockingPath(key) : remove(root, key, 0)
  }

  /// Physical delete below `slot`; shrinks and collapses nodes on the way back up.
  func remove(
    _ slot: UnsafeMutablePointer<Ref>, _ key: UnsafeRawBufferPointer, _ depth: Int
  )
    -> Bool
  {
    let ref = slot.pointee
    let kind = ref & 7
    if ref == 0 { return false }
    if kind == Kind.leaf {
      guard Leaf.keyEquals(ref, key) else { return false }
      publish(slot, 0)
      freeLeaf(ref)
      return true
    }
    let node = Node(ref)
    let plen = node.prefixLength
    if key.count - depth < plen { return false }
    let checked = kind == Kind.prefix ? plen : min(plen, Layout.inlinePrefix)
    for i in 0..<checked where key[depth + i] != node.prefix[i] { return false }
    let d = depth + plen
    if kind == Kind.prefix {
      guard remove(node.end, key, d) else { return false }
      normalizePrefixNode(slot)
      return true
    }
    if d == key.count {
      guard remove(node.end, key, d) else { return false }
    } else {
      let b = key[d]
      guard let child = node.child(kind, b), remove(child, key, d + 1) else { return false }
      if child.pointee == 0 { removeChild(ref, b) }
    }
    shrink(slot, depth)
    return true
  }

  /// After a removal: shrink with hysteresis (256 → 48 at ≤ 37 children, 48 → 16 at ≤ 12,
  /// 16 → 4 at ≤ 3) and collapse a node left with one entry into that entry.
  func shrink(_ slot: UnsafeMutablePointer<Ref>, _ depth: Int) {
    let ref = slot.pointee
    let kind = ref & 7
    let node = Node(ref)
    let count = node.count
    switch kind {
    case Kind.node256 where count <= 37: publish(slot, resize(ref, to: Kind.node48))
    case Kind.node48 where count <= 12: publish(slot, resize(ref, to: Kind.node16))
    case Kind.node16 where count <= 3: publish(slot, resize(ref, to: Kind.node4))
    case Kind.node4 where count + (node.end.pointee == 0 ? 0 : 1) == 1:
      collapse(slot, depth)
    default: break
    }
  }

  /// Replaces a one-entry Node4 by its entry, moving the node's prefix and branch byte into it.
  private func collapse(_ slot: UnsafeMutablePointer<Ref>, _ depth: Int) {
    let ref = slot.pointee
    let node = Node(ref)
    var byte: UInt8 = 0
    var child = node.end.pointee
    if child == 0 {
      forEachChild(ref) { b, c in
        (byte, child) = (b, c)
        return false
      }
    }
    let childKind = child & 7
    if childKind == Kind.leaf || childKind == Kind.deadLeaf || node.end.pointee != 0 {
      publish(slot, child)
      freeNode(ref)
      return
    }
    // The child's prefix changes (or it is absorbed): readers of it must restart.
    if optimistic { Latch.lock(Node(child)) }
    let plen = node.prefixLength
    if prefixMode == .inline {
      let inner = Node(child)
      let total = plen + 1 + inner.prefixLength
      let bytes = anyLeaf(child)!.key.baseAddress! + depth
      setPrefix(inner, bytes, total)
      publish(slot, child)
    } else {
      let p = newNode(Kind.prefix)
      let pn = Node(p)
      pn.prefixLength = 1
      pn.prefix[0] = byte
      pn.end.pointee = child
      publish(slot, p)
      normalizePrefixNode(slot)
    }
    if optimistic { Latch.unlock(Node(child)) }
    freeNode(ref)
  }

  /// Keeps prefix nodes minimal: a prefix node over a leaf becomes the leaf, and a prefix node
  /// over another prefix node absorbs it when the bytes fit.
  func normalizePrefixNode(_ slot: UnsafeMutablePointer<Ref>) {
    let ref = slot.pointee
    let node = Node(ref)
    let child = node.end.pointee
    let childKind = child & 7
    if childKind == Kind.leaf || childKind == Kind.deadLeaf {
      publish(slot, child)
      freeNode(ref)
    } else if childKind == Kind.prefix {
      let inner = Node(child)
      let (a, b) = (node.prefixLength, inner.prefixLength)
      guard a + b <= Layout.prefixCapacity else { return }
      (node.prefix + a).update(from: inner.prefix, count: b)
      node.prefixLength = a + b
      publish(node.end, inner.end.pointee)
      freeNode(child)
    }
  }
}
