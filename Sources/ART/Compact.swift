import EngineKit

/// Compaction (`compact()`): drops tombstoned leaves and shrinks the nodes left behind.
extension Tree {
  /// What one `compact()` reclaimed.
  struct Compaction {
    /// Tombstoned leaves dropped, and the bytes behind them.
    var leaves = 0
    var leafBytes = 0
    /// Inner and prefix node bytes before and after.
    var nodeBytesBefore = 0
    var nodeBytesAfter = 0
  }

  /// Bytes of inner and prefix nodes, summed over threads (no operation in flight).
  func nodeBytes() -> Int {
    [Kind.node4, Kind.node16, Kind.node48, Kind.node256, Kind.prefix].reduce(0) {
      $0 + epochs.tally(Self.byteCount + Int($1))
    }
  }

  /// holt's `compact` for `delete: tombstone`: drops every tombstoned leaf, then shrinks the
  /// nodes on the way back up as a physical delete does (256 → 48 → 16 → 4 with its hysteresis,
  /// a one-entry node collapses into its entry, an empty node goes away, prefix nodes merge).
  ///
  /// Exclusive, as holt's is ("not safe to run concurrently with anything"): the caller runs it
  /// with no operation in flight (the runner calls it between phases, once every client thread
  /// has finished). An optimistic tree also holds the root owner locked throughout, so an
  /// operation started meanwhile waits at the root instead of reading a half-compacted tree, and
  /// frees dead leaves and emptied nodes at once (no reader can hold them); nodes replaced by
  /// the shrink code go through the epochs, which are drained before it returns.
  @discardableResult
  func compact() -> Compaction {
    var done = Compaction()
    done.nodeBytesBefore = nodeBytes()
    if optimistic { Latch.lock(rootOwner) }
    compact(root, 0, &done)
    if optimistic {
      Latch.unlock(rootOwner)
      epochs.drainMine()
    }
    done.nodeBytesAfter = nodeBytes()
    return done
  }

  /// Compacts the subtree at `slot`, whose node (with its prefix) starts at `depth`.
  private func compact(
    _ slot: UnsafeMutablePointer<Ref>, _ depth: Int, _ done: inout Compaction
  ) {
    let ref = slot.pointee
    let kind = ref & 7
    if ref == 0 || kind == Kind.leaf { return }
    if kind == Kind.deadLeaf {
      done.leaves += 1
      done.leafBytes += Leaf.size(ref)
      publish(slot, 0)
      freeLeaf(ref, now: true)
      return
    }
    let node = Node(ref)
    let d = depth + node.prefixLength
    compact(node.end, d, &done)
    if kind == Kind.prefix {
      if node.end.pointee == 0 {
        publish(slot, 0)
        freeNode(ref, now: true)
      } else {
        normalizePrefixNode(slot)
      }
      return
    }
    // Children in byte order, found again by byte after each step: a removal shifts the
    // Node4/16 arrays.
    var start = 0
    while start < 256 {
      var byte = -1
      forEachChild(ref, from: start) { b, _ in
        byte = Int(b)
        return false
      }
      if byte < 0 { break }
      let child = node.child(kind, UInt8(byte))!
      compact(child, d + 1, &done)
      if child.pointee == 0 { removeChild(ref, UInt8(byte)) }
      start = byte + 1
    }
    // Shrink as far as the hysteresis allows, or drop an empty node.
    while true {
      let r = slot.pointee
      let k = r & 7
      guard k >= Kind.node4 && k <= Kind.node256 else { return }
      let n = Node(r)
      if n.count == 0 && n.end.pointee == 0 {
        publish(slot, 0)
        freeNode(r, now: true)
        return
      }
      shrink(slot, depth)
      if slot.pointee == r { return }
    }
  }
}
