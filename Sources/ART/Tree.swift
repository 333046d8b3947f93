import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The adaptive radix tree itself: nodes in malloc'ed memory reached through tagged references,
/// single-value leaves that keep the full key (lazy expansion), path compression either in node
/// headers (Leis et al.'s hybrid scheme) or in separate prefix nodes (holt's), and an end-of-key
/// slot in every inner node so that a key may be a prefix of another and may contain 0x00.
///
/// Unsynchronised unless built `optimistic`: then readers validate node versions and restart on
/// a conflict, writers lock the nodes they change, and unlinked memory is freed through epochs
/// (Optimistic.swift).
final class Tree {
  enum DeleteMode { case physical, tombstone }
  enum PrefixMode { case inline, separate }

  let deleteMode: DeleteMode
  let prefixMode: PrefixMode
  /// Optimistic lock coupling (`concurrency: olc`).
  let optimistic: Bool
  /// A node-like header whose version guards the root slot, and whose end slot is the root slot.
  let rootOwner: Node
  /// The root slot (stable raw memory, so it is addressed like any child slot).
  let root: UnsafeMutablePointer<Ref>
  /// Per-thread tallies (nodes and bytes per kind, live keys, tombstones, operations, restarts)
  /// and, when optimistic, the reclamation of unlinked memory.
  let epochs = Epochs(tallies: Tree.tallyCount)
  /// Exact-size memory for Node16, Node48 and Node256 (Pool.swift).
  let pool: Pool

  static let nodeCount = 0  // + kind
  static let byteCount = 8  // + kind
  static let liveKeys = 16
  static let tombstones = 17
  static let operations = 18
  static let restarts = 19
  /// Bytes behind tombstoned leaves (reclaimed by `compact()`).
  static let tombstoneBytes = 20
  static let tallyCount = 21

  #if DEBUG
    /// Runs where an optimistic reader is about to validate (tests of the version protocol).
    var testHook: ((HookPoint) -> Void)?
  #endif

  init(delete: DeleteMode, prefix: PrefixMode, optimistic: Bool) {
    deleteMode = delete
    prefixMode = prefix
    self.optimistic = optimistic
    rootOwner = Node(tag(calloc(1, 24)!, Kind.node4))
    root = rootOwner.end
    pool = Pool(locking: optimistic)
    if optimistic {
      epochs.setReclaimer(Pool.reclaim, context: UnsafeMutableRawPointer(pool.words))
    }
  }

  deinit {
    release(root.pointee)
    free(rootOwner.p)
    // Pooled nodes still retired in `epochs` lie in the pool's chunks: freed here.
    pool.destroy()
  }

  /// The calling thread's tallies, for writers to count into.
  @inline(__always) var counters: UnsafeMutablePointer<Int> { epochs.mine.tallies }

  /// Every tally summed over threads (read while no operation runs).
  func totals() -> [Int] { (0..<Self.tallyCount).map(epochs.tally) }

  // MARK: Allocation

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

  // MARK: Lookup

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

  // MARK: Insert and update

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

  /// The `plen` full prefix bytes of the node `ref` entered at `depth`: its header when they all
  /// fit, else the bytes of any leaf below (every leaf below shares them). Nil only for an
  /// optimistic reader's torn view (a length past the node, or no such leaf): restart.
  @inline(__always)
  func fullPrefix(_ ref: Ref, _ depth: Int, _ plen: Int) -> UnsafePointer<UInt8>? {
    let node = Node(ref)
    if ref & 7 == Kind.prefix {
      return plen <= Layout.prefixCapacity ? UnsafePointer(node.prefix) : nil
    }
    if plen <= Layout.inlinePrefix { return UnsafePointer(node.prefix) }
    guard let leaf = anyLeaf(ref), leaf.key.count >= depth + plen else { return nil }
    return (leaf.key.baseAddress! + depth).assumingMemoryBound(to: UInt8.self)
  }

  /// The leftmost leaf below `ref` (nil only in an optimistic reader's torn view).
  func anyLeaf(_ ref: Ref) -> Leaf? {
    var r = ref
    while r != 0 {
      let kind = r & 7
      if kind == Kind.leaf || kind == Kind.deadLeaf { return Leaf(r) }
      let node = Node(r)
      let end = node.end.loaded
      if kind == Kind.prefix || end != 0 {
        r = end
        continue
      }
      var first: Ref = 0
      forEachChild(r) { _, c in
        first = c
        return false
      }
      r = first
    }
    return nil
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

  // MARK: Children

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

  // MARK: Remove

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

// MARK: Compaction

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
