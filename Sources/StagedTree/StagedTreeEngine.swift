import EngineKit

/// The staged tree engine: Ceph crimson's staged FLTree (onode tree) in memory, N0 nodes in
/// crimson's byte layout (ceph/ceph src/crimson/os/seastore/onode_manager/staged-fltree/:
/// node_types.h, stages/*.h, node_layout.h; README.md "Engines" says what differs).
///
/// With the `onode` key shape, keys are read field by field (`OnodeKey`'s encoding); any other
/// key is an object name (empty namespace, head version) whose first 12 bytes also make its
/// placement (`generic_placement: prefix`, see `Key.init(object:spread:)`), so every workload
/// runs here and the left stage's binary search spreads generic keys as it spreads onodes'
/// hashed placements; `generic_placement: fixed` puts them all under one placement instead. Values are fixed-size once inserted (an update to another size is an
/// erase plus an insert, as in the original). `layout: simple` runs the same tree algorithms over
/// simple-fltree's nodes, so the two designs compare on one workload.
public final class StagedTreeEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "staged",
    summary: "Ceph crimson's staged FLTree: placement/name/version stages in slotted N0 nodes",
    knobs: [
      Knob(
        "leaf_node_size", .integer(4096...65536), default: "16384",
        help: "bytes per leaf node, a multiple of 4096"),
      Knob(
        "internal_node_size", .integer(4096...65536), default: "8192",
        help: "bytes per internal node, a multiple of 4096"),
      Knob("max_namespace", .integer(0...65533), default: "256", help: "longest namespace, bytes"),
      Knob(
        "max_object_name", .integer(0...65533), default: "2048", help: "longest object name, bytes"),
      Knob("max_value", .integer(0...65535), default: "1200", help: "longest value payload, bytes"),
      Knob(
        "generic_placement", .choice(["prefix", "fixed"]), default: "prefix",
        help:
          "non-onode keys: prefix: placement from the key's first 12 bytes (binary-searched slots); fixed: one placement, so a node's keys are one slot's items, searched one by one"
      ),
      Knob(
        "layout", .choice(["staged", "simple"]), default: "staged",
        help:
          "staged: crimson's N0 nodes; simple: the simple-fltree predecessor (node-level prefix only, names ≤ 255 B)"
      ),
    ],
    supportsScan: true, maxKeyLength: OnodeKey.encodingOverhead + 256 + 2048, maxValueLength: 1200)

  /// The core for the chosen layout. An enum of concrete cores, not an existential: each case
  /// calls code specialised for its node layout.
  enum Layout {
    case staged(Core<Node>)
    case simple(Core<SimpleNode>)
  }
  let layout: Layout

  public init(options: EngineOptions) throws {
    let simple = options.choice("layout", default: "staged") == "simple"
    var c = StagedTreeConfig()
    c.leafNodeSize = try options.integer("leaf_node_size", default: c.leafNodeSize)
    c.internalNodeSize = try options.integer("internal_node_size", default: c.internalNodeSize)
    let nameDefault = simple ? SimpleNode.maxName : nil
    c.maxNamespace = try options.integer("max_namespace", default: nameDefault ?? c.maxNamespace)
    c.maxObjectName = try options.integer(
      "max_object_name", default: nameDefault ?? c.maxObjectName)
    c.maxValue = try options.integer("max_value", default: c.maxValue)
    for (name, size) in [
      ("leaf_node_size", c.leafNodeSize), ("internal_node_size", c.internalNodeSize),
    ]
    where size % 4096 != 0 {
      throw EngineOptionError(knob: name, message: "\(size) is not a multiple of 4096")
    }
    if let problem = c.violation(simple: simple) {
      throw EngineOptionError(knob: simple ? "layout" : "leaf_node_size", message: problem)
    }
    let onode = options.keyKind == .onode
    let spread = options.choice("generic_placement", default: "prefix") == "prefix"
    layout =
      simple
      ? .simple(Core(c, onode: onode, spread: spread))
      : .staged(Core(c, onode: onode, spread: spread))
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    switch layout {
    case .staged(let c): return c.get(key, into: &value)
    case .simple(let c): return c.get(key, into: &value)
    }
  }
  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    switch layout {
    case .staged(let c): return c.write(key, value, mode)
    case .simple(let c): return c.write(key, value, mode)
    }
  }
  public func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    switch layout {
    case .staged(let c): return c.remove(key)
    case .simple(let c): return c.remove(key)
    }
  }
  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    switch layout {
    case .staged(let c): return c.scan(from: key, limit: limit, visit)
    case .simple(let c): return c.scan(from: key, limit: limit, visit)
    }
  }
  public var stats: EngineStats {
    switch layout {
    case .staged(let c): return c.stats
    case .simple(let c): return c.stats
    }
  }
  public func checkInvariants() throws {
    switch layout {
    case .staged(let c): try c.check()
    case .simple(let c): try c.check()
    }
  }
}

/// What one scan writes to: a scanned key's encoding, and the scan path's storage.
final class ScanScratch<N: NodeLayout> {
  let keyBuffer: UnsafeMutableRawPointer
  var stack: [(N, Pos)] = []

  init(_ c: StagedTreeConfig) {
    keyBuffer = .allocate(
      byteCount: OnodeKey.encodingOverhead + c.maxNamespace + c.maxObjectName, alignment: 8)
    stack.reserveCapacity(64)
  }

  deinit { keyBuffer.deallocate() }
}

/// The engine's operations over one node layout. Lookups and scans write no shared state, so
/// readers may run concurrently (under the `rwlock` wrapper's read lock).
final class Core<N: NodeLayout> {
  let tree: Tree<N>
  let onode: Bool
  /// Whether a non-onode key's first bytes make its placement (`Key.init(object:spread:)`).
  let spread: Bool
  /// The scan scratch, reused by one scan at a time.
  let scratch: ScratchSlot<ScanScratch<N>>
  /// The live cursors, so an erase invalidates those on its entry for good.
  var trackers = CursorTrackers()

  init(_ c: StagedTreeConfig, onode: Bool, spread: Bool) {
    tree = Tree(c)
    self.onode = onode
    self.spread = spread
    scratch = ScratchSlot { ScanScratch(c) }
  }

  /// The staged key for `bytes`, or nil when it is malformed or over the limits.
  @inline(__always) func key(_ bytes: UnsafeRawBufferPointer) -> Key? {
    let k: Key
    if onode {
      guard let v = OnodeKeyView(encoded: bytes) else { return nil }
      k = Key(v)
    } else {
      k = Key(object: bytes, spread: spread)
    }
    let c = tree.config
    return k.ns.count <= c.maxNamespace && k.oid.count <= c.maxObjectName ? k : nil
  }

  func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    guard let k = self.key(key), let v = tree.get(k) else { return false }
    value.store(v)
    return true
  }

  func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    guard value.count <= tree.config.maxValue, let k = self.key(key) else { return false }
    return tree.write(k, value, mode)
  }

  func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    guard let k = self.key(key) else { return false }
    guard tree.remove(k) else { return false }
    if !trackers.isEmpty {
      trackers.erase { t in t.key.withUnsafeBytes { stagedKey($0).compare(k) == 0 } }
    }
    return true
  }

  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    scratch.use { scan(from: key, limit: limit, using: $0, visit) }
  }

  private func scan(
    from key: UnsafeRawBufferPointer, limit: Int, using s: ScanScratch<N>,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    var start = self.key(key)
    var floor = false
    if start == nil && onode {
      // Not an onode key: start at the smallest key with the placement of its first bytes
      // (zero-padded), which no key at or above it can be below, and skip what sorts before it.
      let p = OnodeKey.placementLength
      var head = [UInt8](repeating: 0, count: p)
      for i in 0..<min(p, key.count) { head[i] = key[i] }
      let (shard, pool, crush) = head.withUnsafeBytes { OnodeKeyView.placement($0.baseAddress!) }
      let none = UnsafeRawBufferPointer(start: nil, count: 0)
      start = Key(shard: shard, pool: pool, crush: crush, ns: none, oid: none, snap: 0, gen: 0)
      floor = true
    }
    let keyBuffer = s.keyBuffer
    var stack: [(N, Pos)] = []
    swap(&stack, &s.stack)
    // A generic key longer than any stored name still has the right lower bound.
    var cursor = tree.seek(start ?? Key(object: key, spread: spread), stack: stack)
    var n = 0
    var changed = Stage.left
    var length = 0
    while n < limit, let e = tree.next(&cursor, changed: &changed) {
      let bytes: UnsafeRawBufferPointer
      if onode {
        // Rewrite only what changed: the version, or the names and version, or everything.
        if changed == .left {
          length = e.key.view.encode(into: keyBuffer)
        } else {
          if changed == .string {
            let (ns, oid) = e.leaf.names(at: e.pos)
            length =
              OnodeKeyView.put(
                oid, keyBuffer, at: OnodeKeyView.put(ns, keyBuffer, at: OnodeKey.placementLength))
              + 16
          }
          _ = OnodeKeyView.putVersion(snap: e.snap, gen: e.gen, keyBuffer, at: length - 16)
        }
        bytes = UnsafeRawBufferPointer(start: keyBuffer, count: length)
        if floor {
          if compareBytes(bytes, key) < 0 { continue }
          floor = false
        }
      } else {
        bytes = e.leaf.names(at: e.pos).1
      }
      n += 1
      if !visit(bytes, e.value) { break }
    }
    s.stack = cursor.stack
    return n
  }

  var stats: EngineStats {
    let f = tree.figures()
    let capacity = f.allocated
    let leaves = f.nodesByLevel.first ?? 0
    let internals = f.nodesByLevel.dropFirst().reduce(0, +)
    let fullness = capacity == 0 ? 0 : Double(f.filled) / Double(capacity)
    let compression =
      f.logical == f.values ? 1 : Double(f.filled - f.values) / Double(f.logical - f.values)
    var details: [(String, Double)] = [
      ("leaf_nodes", Double(leaves)),
      ("internal_nodes", Double(internals)),
      ("filled_bytes", Double(f.filled)),
      ("leaf_filled_bytes", Double(f.leafFilled)),
      ("logical_bytes", Double(f.logical)),
      ("value_bytes", Double(f.leafValues)),
      ("fill_pct", 100 * fullness),
      ("key_compression_pct", 100 * compression),
      ("internal_entries", Double(f.internalEntries)),
      // crimson's tree_stats_t figures under its own names (tree_types.h; the table of
      // ceph/ceph#36986 reports height, num_nodes, size_logical, size_persistent,
      // ratio_fullness, internal/leaf keys and ratio_key_compression).
      ("height", Double(tree.height)),
      ("num_nodes", Double(leaves + internals)),
      ("num_nodes_leaf", Double(leaves)),
      ("num_nodes_internal", Double(internals)),
      ("num_kvs_leaf", Double(f.keys)),
      ("num_kvs_internal", Double(f.internalEntries)),
      ("size_persistent", Double(capacity)),
      ("size_filled", Double(f.filled)),
      ("size_logical", Double(f.logical)),
      ("size_value", Double(f.values)),
      ("ratio_fullness", fullness),
      ("ratio_internal_leaf_keys", f.keys == 0 ? 0 : Double(f.internalEntries) / Double(f.keys)),
      ("ratio_key_compression", compression),
      ("splits", Double(tree.splits)), ("merges", Double(tree.merges)),
      ("root_growths", Double(tree.rootGrowths)), ("root_shrinks", Double(tree.rootShrinks)),
      ("layout_version", Double(tree.layoutVersion)),
    ]
    for (level, n) in f.nodesByLevel.enumerated() {
      details.append(("level\(level)_nodes", Double(n)))
    }
    return EngineStats(
      keys: tree.count, logicalBytes: capacity, height: tree.height, details: details)
  }

  func check() throws { try tree.check() }
}
