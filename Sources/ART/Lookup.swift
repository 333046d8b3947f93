/// Lookup: the descent to a key's leaf slot and the step from an inner node to its next slot.
extension Tree {
  /// Where a descent for a key ended: the slot that holds its leaf (live or dead) and the
  /// slot's owner with the owner's version, or `leaf == 0` when the key is absent.
  struct Located {
    var owner: Node
    var version: UInt64
    var slot: UnsafeMutablePointer<Ref>
    var leaf: Ref
  }

  /// Descends to `key`'s leaf; nil means restart (a latch conflict). The caller validates
  /// `owner` after reading the leaf. Inline prefixes longer than the header keeps are skipped
  /// unchecked; the full-key comparison at the leaf settles them.
  @inline(__always)
  func locate<L: Latching>(_ key: UnsafeRawBufferPointer, _: L.Type) -> Located? {
    var owner = rootOwner
    guard var version = L.readLock(owner) else { return nil }
    var slot = root
    var depth = 0
    while true {
      let ref = slot.loaded
      let kind = ref & 7
      if kind == Kind.leaf || kind == Kind.deadLeaf {
        return Located(
          owner: owner, version: version, slot: slot, leaf: Leaf.keyEquals(ref, key) ? ref : 0)
      }
      if ref == 0 { return Located(owner: owner, version: version, slot: slot, leaf: 0) }
      let node = Node(ref)
      guard let v = L.readLock(node), L.validate(owner, version) else { return nil }
      guard let next = next(ref, key, &depth) else {
        return Located(owner: node, version: v, slot: slot, leaf: 0)
      }
      (owner, version, slot) = (node, v, next)
    }
  }

  /// The slot to follow from the inner node `ref` for `key`, with `depth` advanced past the
  /// node's prefix and branch byte, or nil when `key` is not below the node.
  @inline(__always)
  func next(_ ref: Ref, _ key: UnsafeRawBufferPointer, _ depth: inout Int)
    -> UnsafeMutablePointer<Ref>?
  {
    let kind = ref & 7
    let node = Node(ref)
    let n = key.count
    let k = key.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
    let plen = node.prefixLength
    if plen > 0 {
      if n - depth < plen { return nil }
      let checked = min(plen, kind == Kind.prefix ? Layout.prefixCapacity : Layout.inlinePrefix)
      let prefix = node.prefix
      for i in 0..<checked where k.unsafelyUnwrapped[depth + i] != prefix[i] { return nil }
      depth += plen
      if kind == Kind.prefix { return node.end }
    }
    if depth == n { return node.end }
    guard let child = node.child(kind, k.unsafelyUnwrapped[depth]) else { return nil }
    depth += 1
    return child
  }
}
