import EngineKit

extension Tree {
  /// Nodes on the longest root-to-leaf path (a lone leaf is height 1; empty is 0).
  func height(_ ref: Ref) -> Int {
    let kind = ref & 7
    if ref == 0 { return 0 }
    if kind == Kind.leaf || kind == Kind.deadLeaf { return 1 }
    var h = height(Node(ref).end.pointee)
    if kind != Kind.prefix {
      forEachChild(ref) { _, c in
        h = max(h, height(c))
        return true
      }
    }
    return 1 + h
  }
}

/// Walks the whole tree and checks every structural rule: node kinds and child counts in range
/// (with the shrink hysteresis), sorted Node4/16 keys, consistent Node48 indexes and Node256
/// counts, prefix rules per mode, every leaf's key matching the bytes of its path, strictly
/// increasing keys in order, and the counters exact.
struct InvariantChecker {
  let tree: Tree
  var path: [UInt8] = []
  var previous: [UInt8]?
  var nodes = [Int](repeating: 0, count: 8)
  var bytes = [Int](repeating: 0, count: 8)
  var live = 0
  var dead = 0

  init(_ tree: Tree) { self.tree = tree }

  mutating func run() throws {
    try expect(tree.rootOwner.version.pointee & 3 == 0, "root slot left locked")
    try visit(tree.root.pointee)
    let c = tree.totals()
    for kind in 1...6 {
      try expect(
        nodes[kind] == c[Tree.nodeCount + kind],
        "\(Kind.names[kind]) count \(c[Tree.nodeCount + kind]) but \(nodes[kind]) in the tree")
      try expect(
        bytes[kind] == c[Tree.byteCount + kind],
        "\(Kind.names[kind]) bytes \(c[Tree.byteCount + kind]) but \(bytes[kind]) in the tree")
    }
    try expect(live == c[Tree.liveKeys], "live keys \(c[Tree.liveKeys]) but \(live) in the tree")
    try expect(
      dead == c[Tree.tombstones], "tombstones \(c[Tree.tombstones]) but \(dead) in the tree")
  }

  func expect(_ ok: Bool, _ message: @autoclosure () -> String) throws {
    if !ok {
      throw InvariantViolation("art: \(message()) (path 0x\(path.withUnsafeBytes(hexString)))")
    }
  }

  mutating func visit(_ ref: Ref) throws {
    let kind = ref & 7
    if ref == 0 { return }
    if kind == Kind.leaf || kind == Kind.deadLeaf { return try leaf(ref) }
    let node = Node(ref)
    nodes[Int(kind)] += 1
    bytes[Int(kind)] += Layout.size(kind)
    try expect(node.version.pointee & 3 == 0, "node left locked or obsolete")
    let depth = path.count
    let plen = node.prefixLength
    if kind == Kind.prefix {
      try expect(tree.prefixMode == .separate, "a prefix node in inline-prefix mode")
      try expect((1...Layout.prefixCapacity).contains(plen), "prefix node of \(plen) bytes")
      let child = node.end.pointee
      try expect(
        child != 0 && child & 7 != Kind.leaf && child & 7 != Kind.deadLeaf,
        "prefix node over a leaf or nothing")
      path.append(contentsOf: UnsafeBufferPointer(start: node.prefix, count: plen))
      try visit(child)
      path.removeLast(plen)
      return
    }
    if tree.prefixMode == .separate {
      try expect(plen == 0, "inner node with a header prefix in separate-prefix mode")
    } else if plen > 0 {
      guard let leaf = tree.anyLeaf(ref)?.key else { throw InvariantViolation("art: empty node") }
      try expect(leaf.count >= depth + plen, "prefix longer than the keys below it")
      path.append(contentsOf: leaf[depth..<depth + plen])
      for i in 0..<min(plen, Layout.inlinePrefix) {
        try expect(
          node.prefix[i] == path[depth + i], "header prefix byte \(i) differs from the keys below")
      }
    }
    let end = node.end.pointee
    if end != 0 {
      try expect(end & 7 == Kind.leaf || end & 7 == Kind.deadLeaf, "end slot holds a node")
      try expect(Leaf(end).key.count == path.count, "end leaf key is not the node's path")
    }
    let count = node.count
    var seen = 0
    var last = -1
    var children: [(UInt8, Ref)] = []
    tree.forEachChild(ref) { b, c in
      children.append((b, c))
      return true
    }
    switch kind {
    case Kind.node4, Kind.node16:
      for i in 0..<count {
        try expect(Int(node.keys[i]) > last, "\(Kind.names[Int(kind)]) keys not ascending")
        last = Int(node.keys[i])
        try expect(node.children(kind)[i] != 0, "empty child in \(Kind.names[Int(kind)])")
      }
      seen = count
    case Kind.node48:
      var used = Set<Int>()
      for b in 0..<256 where node.keys[b] != 0 {
        let slot = Int(node.keys[b]) - 1
        try expect(
          slot < 48 && used.insert(slot).inserted,
          "node48 index \(b) → slot \(slot) invalid or shared")
        try expect(node.children(kind)[slot] != 0, "node48 index points at an empty slot")
        seen += 1
      }
      let filled = (0..<48).filter { node.children(kind)[$0] != 0 }.count
      try expect(filled == seen, "node48 has \(filled) filled slots but \(seen) index entries")
    default:
      seen = children.count
    }
    try expect(seen == count, "\(Kind.names[Int(kind)]) count \(count) but \(seen) children")
    let minimum = [Kind.node4: 0, Kind.node16: 4, Kind.node48: 13, Kind.node256: 38][kind]!
    try expect(
      count <= Layout.capacity(kind) && count >= minimum,
      "\(Kind.names[Int(kind)]) with \(count) children")
    try expect(count + (end == 0 ? 0 : 1) >= 2, "inner node with fewer than two entries")
    try visit(end)
    for (b, child) in children {
      path.append(b)
      try visit(child)
      path.removeLast()
    }
    path.removeLast(path.count - depth)
  }

  mutating func leaf(_ ref: Ref) throws {
    let key = Array(Leaf(ref).key)
    nodes[Int(Kind.leaf)] += 1
    bytes[Int(Kind.leaf)] += Leaf.size(ref)
    try expect(key.starts(with: path), "leaf key 0x\(key.withUnsafeBytes(hexString)) off its path")
    if ref & 7 == Kind.deadLeaf {
      try expect(tree.deleteMode == .tombstone, "tombstone in physical-delete mode")
      dead += 1
    } else {
      live += 1
    }
    if let p = previous {
      try expect(
        p.lexicographicallyPrecedes(key), "keys out of order at 0x\(key.withUnsafeBytes(hexString))"
      )
    }
    previous = key
  }
}
