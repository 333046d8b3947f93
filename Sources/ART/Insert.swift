import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Insert, update and upsert: leaf replacement and split, prefix creation and prefix splits.
extension Tree {
  /// Inserts, updates or upserts; true when something was written, nil to restart. Writers lock
  /// the slot's owner to change a slot, the node itself to add a child, and both to replace or
  /// re-prefix the node.
  @inline(__always)
  func write<L: Latching>(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode, _: L.Type
  ) -> Bool? {
    var owner = rootOwner
    guard var version = L.readLock(owner) else { return nil }
    var slot = root
    var depth = 0
    let n = key.count
    while true {
      let ref = slot.loaded
      let kind = ref & 7
      if ref == 0 || kind == Kind.leaf || kind == Kind.deadLeaf {
        let same = ref != 0 && Leaf.keyEquals(ref, key)
        guard mode.applies(exists: same && kind == Kind.leaf) else {
          return L.validate(owner, version) ? false : nil
        }
        guard L.upgrade(owner, version) else { return nil }
        if same {
          if kind == Kind.deadLeaf {
            counters[Self.tombstones] -= 1
            counters[Self.tombstoneBytes] -= Leaf.size(ref)
            counters[Self.liveKeys] += 1
          }
          replaceValue(slot, value)
        } else if ref == 0 {
          publish(slot, newLeaf(key, value))
        } else {
          splitLeaf(slot, key, value, depth)
        }
        L.unlock(owner)
        return true
      }
      let node = Node(ref)
      guard let v = L.readLock(node), L.validate(owner, version) else { return nil }
      let plen = node.prefixLength
      if plen > 0 {
        guard let prefix = fullPrefix(ref, depth, plen) else { return nil }
        let c = mismatch(key, depth, UnsafeRawPointer(prefix), plen)
        if c < plen {
          guard mode != .update else { return L.validate(node, v) ? false : nil }
          guard L.upgrade(owner, version) else { return nil }
          guard L.upgrade(node, v) else {
            L.unlock(owner)
            return nil
          }
          if kind == Kind.prefix {
            splitPrefixNode(slot, prefix, c, key, value, depth)
          } else {
            splitInlinePrefix(slot, prefix, c, key, value, depth)
          }
          L.unlock(node)
          L.unlock(owner)
          return true
        }
        depth += plen
        if kind == Kind.prefix {
          (owner, version, slot) = (node, v, node.end)
          continue
        }
      }
      if depth == n {
        (owner, version, slot) = (node, v, node.end)
        continue
      }
      let b = key[depth]
      if let child = node.child(kind, b) {
        (owner, version, slot) = (node, v, child)
        depth += 1
        continue
      }
      guard mode != .update else { return L.validate(node, v) ? false : nil }
      // A full node is replaced by a larger one: its owner's slot changes too.
      let grows = node.count >= Layout.capacity(kind)
      guard !grows || L.upgrade(owner, version) else { return nil }
      guard L.upgrade(node, v) else {
        if grows { L.unlock(owner) }
        return nil
      }
      addChild(slot, b, newLeaf(key, value))
      L.unlock(node)
      if grows { L.unlock(owner) }
      return true
    }
  }

  /// Writes a new value into the leaf at `slot` (in place when the length is unchanged) and marks
  /// it live.
  func replaceValue(_ slot: UnsafeMutablePointer<Ref>, _ value: UnsafeRawBufferPointer) {
    let old = slot.pointee & ~7 | Kind.leaf
    let leaf = Leaf(old)
    if leaf.value.count == value.count {
      if value.count > 0 {
        UnsafeMutableRawPointer(mutating: leaf.value.baseAddress!).copyMemory(
          from: value.baseAddress!, byteCount: value.count)
      }
      publish(slot, old)
      return
    }
    publish(slot, newLeaf(leaf.key, value))
    freeLeaf(old)
  }

  /// Replaces the leaf at `slot` with a Node4 holding it and the new key, below their common
  /// prefix.
  func splitLeaf(
    _ slot: UnsafeMutablePointer<Ref>, _ key: UnsafeRawBufferPointer,
    _ value: UnsafeRawBufferPointer, _ depth: Int
  ) {
    let old = slot.pointee
    let other = Leaf(old).key
    let c = mismatch(key, depth, other.baseAddress.map { $0 + depth }, other.count - depth)
    let node = newNode(Kind.node4)
    place(node, old, other, depth + c)
    place(node, newLeaf(key, value), key, depth + c)
    publish(slot, withPrefix(node, key.baseAddress.map { $0 + depth }, c))
  }

  /// Puts `leaf` (whose key is `key`) into a fresh node at `depth`: its end slot or a child.
  func place(_ node: Ref, _ leaf: Ref, _ key: UnsafeRawBufferPointer, _ depth: Int) {
    if key.count == depth {
      Node(node).end.pointee = leaf
    } else {
      var slot = node
      addChild(&slot, key[depth], leaf)
    }
  }

  /// `node` behind a prefix of `length` bytes: in its header (inline) or a chain of prefix nodes.
  func withPrefix(_ node: Ref, _ bytes: UnsafeRawPointer?, _ length: Int) -> Ref {
    guard length > 0 else { return node }
    if prefixMode == .inline {
      setPrefix(Node(node), bytes!, length)
      return node
    }
    var child = node
    var end = length
    while end > 0 {
      let start = max(0, end - Layout.prefixCapacity)
      let p = newNode(Kind.prefix)
      let pn = Node(p)
      pn.end.pointee = child
      pn.prefixLength = end - start
      pn.prefix.update(from: bytes!.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
      child = p
      end = start
    }
    return child
  }

  func setPrefix(_ node: Node, _ bytes: UnsafeRawPointer, _ length: Int) {
    node.prefixLength = length
    let kept = min(length, Layout.inlinePrefix)
    node.prefix.update(from: bytes.assumingMemoryBound(to: UInt8.self), count: kept)
  }

  /// Splits an inner node's header prefix at `c`: a Node4 takes the first `c` bytes, the old
  /// node keeps the bytes after the divergent one.
  func splitInlinePrefix(
    _ slot: UnsafeMutablePointer<Ref>, _ prefix: UnsafePointer<UInt8>, _ c: Int,
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ depth: Int
  ) {
    let old = slot.pointee
    let oldNode = Node(old)
    let plen = oldNode.prefixLength
    let top = newNode(Kind.node4)
    setPrefix(Node(top), prefix, c)
    let divergent = prefix[c]
    // `prefix` may point into the old node's own header: shift with memmove semantics.
    let rest = plen - c - 1
    oldNode.prefixLength = rest
    memmove(oldNode.prefix, prefix + c + 1, min(rest, Layout.inlinePrefix))
    var topSlot = top
    addChild(&topSlot, divergent, old)
    place(top, newLeaf(key, value), key, depth + c)
    publish(slot, top)
  }

  /// Splits a prefix node at `c`: [head prefix] → Node4 { divergent byte → [tail prefix] → child,
  /// new key → leaf }.
  func splitPrefixNode(
    _ slot: UnsafeMutablePointer<Ref>, _ prefix: UnsafePointer<UInt8>, _ c: Int,
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ depth: Int
  ) {
    let old = slot.pointee
    let oldNode = Node(old)
    let plen = oldNode.prefixLength
    let branch = newNode(Kind.node4)
    let head = withPrefix(branch, UnsafeRawPointer(prefix), c)
    let divergent = prefix[c]
    let rest = plen - c - 1
    let tail: Ref
    if rest > 0 {
      memmove(oldNode.prefix, prefix + c + 1, rest)
      oldNode.prefixLength = rest
      tail = old
    } else {
      tail = oldNode.end.pointee
      freeNode(old)
    }
    var branchSlot = branch
    addChild(&branchSlot, divergent, tail)
    place(branch, newLeaf(key, value), key, depth + c)
    publish(slot, head)
  }

  /// The length of the common run of `key[depth...]` and `bytes[0..<length]`.
  @inline(__always)
  func mismatch(
    _ key: UnsafeRawBufferPointer, _ depth: Int, _ bytes: UnsafeRawPointer?, _ length: Int
  ) -> Int {
    let n = min(key.count - depth, length)
    guard n > 0 else { return 0 }
    let a = key.baseAddress!.assumingMemoryBound(to: UInt8.self) + depth
    let b = bytes!.assumingMemoryBound(to: UInt8.self)
    var i = 0
    while i < n && a[i] == b[i] { i += 1 }
    return i
  }
}
