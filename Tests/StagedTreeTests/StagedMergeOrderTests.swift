import Testing

@testable import StagedTree

/// Quincy's erase order (crimson `src/crimson/os/seastore/onode_manager/staged-fltree/node.cc`,
/// `InternalNode::erase_child`): when a dropped child was its parent's tail, the previous child
/// is made the tail and, being internal, loses its last key to the keyless tail slot; after the
/// parent's own merge-or-fix, that new tail child is checked for a merge in turn.
@Suite struct StagedMergeOrder {
  /// Root G (level 2) = [A' | A | tail B]; A' and A are non-tail level-1 nodes over one-key
  /// leaves, A holding just enough keys to be over a quarter full (so nothing asked it to merge)
  /// but at most a quarter once its last key becomes the tail child; B has a single tail leaf
  /// with one key. Erasing that key drops the leaf, then B; A becomes the tail and is re-checked:
  /// it merges with A' and the root, left with one child, shrinks to the merged node.
  @Test func droppingTheTailChildRechecksTheNewTailChild() throws {
    var config = StagedTreeConfig()
    config.leafNodeSize = 4096
    config.internalNodeSize = 4096
    let tree = Tree<Node>(config)
    let names = Names()
    let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
    defer { payload.deallocate() }
    payload.initializeMemory(as: UInt8.self, repeating: 5)
    /// Keys of one size: each in its own placement, a 213-byte name, one version.
    func key(_ i: Int) -> Key {
      let digits = Array(String(100_000 + i).utf8)
      let oid = names.make(Array("object-".utf8) + digits + [UInt8](repeating: 120, count: 200))
      return Key(
        shard: 0, pool: Int64(i), crush: UInt32(i), ns: names.make([]), oid: oid, snap: 1, gen: 1)
    }
    var nextKey = 0
    func key() -> Key {
      nextKey += 1
      return key(nextKey)
    }
    var leafKeys: [Key] = []
    func leaf(tail: Bool) -> (Node, Key) {
      let k = key()
      leafKeys.append(k)
      let n = tree.allocate(leaf: true)
      n.build(
        [Entry(key: k, payload: UnsafeRawBufferPointer(payload), child: 0)][...], leaf: true,
        tail: tail, level: 0)
      return (n, k)
    }
    /// A non-tail level-1 node over `count` one-key leaves; returns it and its maximum.
    func internalNode(_ count: Int) -> (Node, Key) {
      var es: [Entry] = []
      for _ in 0..<count {
        let (l, k) = leaf(tail: false)
        es.append(Entry(key: k, payload: UnsafeRawBufferPointer(start: nil, count: 0), child: tree.address(l)))
      }
      let n = tree.allocate(leaf: false)
      n.build(es[...], leaf: false, tail: false, level: 1)
      return (n, es.last!.key)
    }
    // Size A: the fewest keys over a quarter, checked to fall to a quarter as a tail node.
    let probe = tree.allocate(leaf: false)
    defer { tree.release(probe) }
    var count = 2
    while true {
      var es: [Entry] = []
      for i in 0..<count {
        es.append(
          Entry(key: key(50_000 + i), payload: UnsafeRawBufferPointer(start: nil, count: 0), child: 1))
      }
      probe.build(es[...], leaf: false, tail: false, level: 1)
      if probe.kvSize * 4 > probe.kvCapacity {
        probe.build(es.dropLast(), leaf: false, tail: true, level: 1, tailChild: 1)
        #expect(probe.kvSize * 4 <= probe.kvCapacity)
        break
      }
      count += 1
    }
    let (a0, a0Max) = internalNode(2)
    let (a, aMax) = internalNode(count)
    let (lb, _) = leaf(tail: true)
    let b = tree.allocate(leaf: false)
    b.build([], leaf: false, tail: true, level: 1, tailChild: tree.address(lb))
    let g = tree.allocate(leaf: false)
    let none = UnsafeRawBufferPointer(start: nil, count: 0)
    g.build(
      [
        Entry(key: a0Max, payload: none, child: tree.address(a0)),
        Entry(key: aMax, payload: none, child: tree.address(a)),
      ][...], leaf: false, tail: true, level: 2, tailChild: tree.address(b))
    tree.release(tree.root)
    tree.root = g
    tree.height = 3
    tree.count = leafKeys.count
    try tree.check()
    #expect(a.kvSize * 4 > a.kvCapacity)

    #expect(tree.remove(leafKeys.last!))
    // A, made the tail, merged with A' (the re-check), and the root shrank onto the result.
    #expect(tree.merges == 1)
    #expect(tree.rootShrinks == 1)
    #expect(tree.height == 2)
    #expect(tree.root.level == 1 && tree.root.isTail)
    try tree.check()
    for k in leafKeys.dropLast() { #expect(tree.get(k) != nil) }
    #expect(tree.get(leafKeys.last!) == nil)
  }

  /// The order itself: root P (level 1) = [L0 | L | L2 | fillers… | tail T] over leaves, P so
  /// full that L's key cannot grow. L holds k_a (a long name) then k_b (a short one) and is keyed
  /// in P by k_b; erasing k_b leaves L under a quarter with a stale key. Quincy decides the merge
  /// first: L2 has more free space than L0, so L merges into L2's slot, taking the stale key
  /// away, and P only shrinks. Fixing the index first (the engine's former order) rewrites L's
  /// key to k_a, which overflows P: P splits and the root grows before the merge is decided
  /// (checked against the former Erase.swift: splits 1, a new root).
  @Test func theMergeIsDecidedBeforeTheParentIndexIsFixed() throws {
    var config = StagedTreeConfig()
    config.leafNodeSize = 4096
    config.internalNodeSize = 4096
    let tree = Tree<Node>(config)
    let names = Names()
    let payload = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
    defer { payload.deallocate() }
    payload.initializeMemory(as: UInt8.self, repeating: 6)
    let none = UnsafeRawBufferPointer(start: nil, count: 0)
    func key(_ pool: Int, _ nameLength: Int) -> Key {
      let oid = names.make(Array("o\(pool)-".utf8) + [UInt8](repeating: 121, count: nameLength))
      return Key(
        shard: 0, pool: Int64(pool), crush: UInt32(pool), ns: names.make([]), oid: oid, snap: 1,
        gen: 1)
    }
    func leaf(_ keys: [Key], tail: Bool = false) -> Node {
      let n = tree.allocate(leaf: true)
      n.build(
        keys.map { Entry(key: $0, payload: UnsafeRawBufferPointer(payload), child: 0) }[...],
        leaf: true, tail: tail, level: 0)
      return n
    }
    func fits(_ es: [Entry]) -> Bool {
      (Node.size(of: es[...], leaf: false, tailChild: true) ?? .max) <= config.internalNodeSize
    }
    let k0 = key(1, 200)
    let ka = key(2, 240)
    let kb = key(3, 0)
    let k2 = key(4, 0)
    let kt = key(100_000, 0)
    let l0 = leaf([k0])
    let l = leaf([ka, kb])
    let l2 = leaf([k2])
    let t = leaf([kt], tail: true)
    var es = [
      Entry(key: k0, payload: none, child: tree.address(l0)),
      Entry(key: kb, payload: none, child: tree.address(l)),
      Entry(key: k2, payload: none, child: tree.address(l2)),
    ]
    var leafKeys = [k0, ka, kb, k2]
    // Fill P until L's entry keyed by k_a would no longer fit (while keyed by k_b it does).
    var pool = 10
    while true {
      let k = key(pool, 100)
      var withA = es + [Entry(key: k, payload: none, child: 1)]
      withA[1] = Entry(key: ka, payload: none, child: 1)
      if !fits(withA) { break }
      let filler = leaf([k])
      es.append(Entry(key: k, payload: none, child: tree.address(filler)))
      leafKeys.append(k)
      pool += 1
    }
    leafKeys.append(kt)
    var grown = es
    grown[1] = Entry(key: ka, payload: none, child: 1)
    let filler = key(pool, 100)
    grown.append(Entry(key: filler, payload: none, child: 1))
    es.append(Entry(key: filler, payload: none, child: tree.address(leaf([filler]))))
    leafKeys.insert(filler, at: leafKeys.count - 1)
    #expect(fits(es) && !fits(grown))
    let p = tree.allocate(leaf: false)
    p.build(es[...], leaf: false, tail: true, level: 1, tailChild: tree.address(t))
    tree.release(tree.root)
    tree.root = p
    tree.height = 2
    tree.count = leafKeys.count
    try tree.check()
    #expect(l2.freeSize > l0.freeSize)

    #expect(tree.remove(kb))
    // L merged into L2's slot (no index fix, so no split), and P only shrank.
    #expect(tree.splits == 0 && tree.rootGrowths == 0 && tree.height == 2)
    #expect(tree.merges == 1)
    #expect(tree.root == p && p.slotCount == es.count - 1)
    #expect(tree.node(p.child(at: p.next(p.first))) == l)
    try tree.check()
    for k in leafKeys where k.compare(kb) != 0 { #expect(tree.get(k) != nil) }
    #expect(tree.get(kb) == nil)
  }
}
