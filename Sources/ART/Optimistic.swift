import EngineKit

extension Tree {
  /// Runs one optimistic operation inside an epoch, retrying `body` until it returns a result
  /// (nil means a latch conflict: restart from the root). Counts operations and restarts.
  @inline(__always) func attempt<R>(_ body: () -> R?) -> R {
    epochs.attempt(operations: Self.operations, restarts: Self.restarts, body)
  }

  /// Copies the live value of `key` into `value`; false when absent, nil to restart.
  @inline(__always)
  func read<L: Latching>(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer, _: L.Type)
    -> Bool?
  {
    guard let at = locate(key, L.self) else { return nil }
    let live = at.leaf & 7 == Kind.leaf
    if live { value.store(Leaf(at.leaf).value) }
    hook(.read)
    return L.validate(at.owner, at.version) ? live : nil
  }

  /// A physical delete under optimistic lock coupling: an optimistic descent records the path,
  /// every node on it is locked top-down (any conflict releases them and restarts), and the
  /// unsynchronised delete runs under those locks.
  func removeLockingPath(_ key: UnsafeRawBufferPointer) -> Bool? {
    // Root owner + at most one node per key byte + the node whose end slot holds the leaf.
    let capacity = key.count + 2
    return withUnsafeTemporaryAllocation(of: (node: Node, version: UInt64).self, capacity: capacity)
    { path -> Bool? in
      var owner = rootOwner
      guard var version = Latch.readLock(owner) else { return nil }
      var count = 0
      var slot = root
      var depth = 0
      while true {
        guard count < capacity else { return nil }
        path[count] = (owner, version)
        count += 1
        let ref = slot.loaded
        let kind = ref & 7
        if ref == 0 || kind == Kind.leaf || kind == Kind.deadLeaf {
          guard kind == Kind.leaf && Leaf.keyEquals(ref, key) else {
            return Latch.validate(owner, version) ? false : nil
          }
          break
        }
        let node = Node(ref)
        guard let v = Latch.readLock(node), Latch.validate(owner, version) else { return nil }
        guard let next = next(ref, key, &depth) else {
          return Latch.validate(node, v) ? false : nil
        }
        (owner, version, slot) = (node, v, next)
      }
      for i in 0..<count {
        guard Latch.upgrade(path[i].node, path[i].version) else {
          for j in 0..<i { Latch.unlock(path[j].node) }
          return nil
        }
      }
      let removed = remove(root, key, 0)
      for i in 0..<count { Latch.unlock(path[i].node) }
      return removed
    }
  }

  /// The optimistic scan: each leaf is copied, validated against the node holding it, then
  /// visited; after a conflict the walk restarts from the root just past the last visited key.
  func optimisticScan(
    from key: UnsafeRawBufferPointer, limit: Int, scratch c: ScanCursor,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard limit > 0 else { return 0 }
    var n = 0
    c.begin()
    return attempt { () -> Int? in
      let bound = c.bound(key)
      guard let version = Latch.readLock(rootOwner) else { return nil }
      let done = walk(root.loaded, rootOwner, version, 0, bound, Latch.self) { ref, owner, v in
        let leaf = Leaf(ref)
        c.copy(leaf.key, leaf.value)
        #if DEBUG
          hook(.scan)
        #endif
        guard Latch.validate(owner, v) else { return nil }
        n += 1
        let go = visit(c.key, c.value)
        c.visited()
        return go && n < limit
      }
      return done == nil ? nil : n
    }
  }

  /// Where a test hook runs: just before an optimistic reader validates what it read.
  enum HookPoint { case read, scan }

  @inline(__always) func hook(_ point: HookPoint) {
    #if DEBUG
      testHook?(point)
    #endif
  }
}
