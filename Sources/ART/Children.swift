import CSys

/// Child operations on inner nodes: add (growing when full), remove, iterate, move slots, resize.
extension Tree {
  /// Adds `child` under byte `b` of the inner node at `slot`, growing the node when full.
  func addChild(_ slot: UnsafeMutablePointer<Ref>, _ b: UInt8, _ child: Ref) {
    var ref = slot.pointee
    var kind = ref & 7
    if Node(ref).count == Layout.capacity(kind) {
      ref = resize(ref, to: kind + 1)
      publish(slot, ref)
      kind += 1
    }
    let node = Node(ref)
    let children = node.children(kind)
    let count = node.count
    switch kind {
    case Kind.node4, Kind.node16:
      let keys = node.keys
      var i = 0
      while i < count && keys[i] < b { i += 1 }
      (keys + i + 1).update(from: keys + i, count: count - i)
      moveSlots(children + i + 1, from: children + i, count: count - i)
      keys[i] = b
      publish(children + i, child)
    case Kind.node48:
      var i = 0
      while children[i] != 0 { i += 1 }
      publish(children + i, child)
      node.keys[Int(b)] = UInt8(i + 1)
    default:
      publish(children + Int(b), child)
    }
    node.count = count + 1
  }

  func addChild(_ slot: inout Ref, _ b: UInt8, _ child: Ref) {
    withUnsafeMutablePointer(to: &slot) { addChild($0, b, child) }
  }

  /// Removes the child under byte `b`.
  func removeChild(_ ref: Ref, _ b: UInt8) {
    let kind = ref & 7
    let node = Node(ref)
    let children = node.children(kind)
    let count = node.count
    switch kind {
    case Kind.node4, Kind.node16:
      let keys = node.keys
      var i = 0
      while keys[i] != b { i += 1 }
      (keys + i).update(from: keys + i + 1, count: count - i - 1)
      moveSlots(children + i, from: children + i + 1, count: count - i - 1)
    case Kind.node48:
      csys_store_relaxed(children + Int(node.keys[Int(b)]) - 1, 0)
      node.keys[Int(b)] = 0
    default:
      csys_store_relaxed(children + Int(b), 0)
    }
    node.count = count - 1
  }

  /// Moves child slots within a node (a writer holding it locked): slot by slot with atomic
  /// stores, as optimistic readers may be loading them (they restart on the version change).
  @inline(__always)
  func moveSlots(_ to: UnsafeMutablePointer<Ref>, from: UnsafeMutablePointer<Ref>, count: Int) {
    if to < from {
      for j in 0..<count { csys_store_relaxed(to + j, (from + j).pointee) }
    } else {
      for j in stride(from: count - 1, through: 0, by: -1) {
        csys_store_relaxed(to + j, (from + j).pointee)
      }
    }
  }

  /// Calls `body(byte, child)` for each child in byte order until it returns false.
  @inline(__always)
  func forEachChild(_ ref: Ref, from start: Int = 0, _ body: (UInt8, Ref) -> Bool) {
    let kind = ref & 7
    let node = Node(ref)
    let children = node.children(kind)
    switch kind {
    case Kind.node4, Kind.node16:
      let keys = node.keys
      for i in 0..<node.boundedCount(kind) where Int(keys[i]) >= start {
        if !body(keys[i], (children + i).loaded) { return }
      }
    case Kind.node48:
      let index = node.keys
      for b in start..<256 where index[b] != 0 && index[b] <= 48 {
        if !body(UInt8(b), (children + Int(index[b]) - 1).loaded) { return }
      }
    default:
      for b in start..<256 {
        let child = (children + b).loaded
        if child != 0 && !body(UInt8(b), child) { return }
      }
    }
  }

  /// A copy of the inner node `ref` as kind `kind` (grow or shrink); the old node is freed.
  func resize(_ ref: Ref, to kind: UInt64) -> Ref {
    let fresh = newNode(kind)
    let (from, to) = (Node(ref), Node(fresh))
    // The header after the version word: the fresh node starts unlocked at version 0.
    (to.p + Layout.end).copyMemory(from: from.p + Layout.end, byteCount: 24 - Layout.end)
    to.count = 0
    var slot = fresh
    forEachChild(ref) { b, c in
      addChild(&slot, b, c)
      return true
    }
    freeNode(ref)
    return fresh
  }
}
