import CSys
import EngineKit

/// The adaptive radix tree engine (after holt 0.2.1's `Tree` and Leis et al., "The Adaptive Radix
/// Tree", ICDE 2013; README.md "Engines" says what differs from holt).
///
/// Variants: `delete: physical | tombstone` (holt 0.2.1 tombstones leaves and never shrinks),
/// `prefix: inline | separate` (path compression in node headers, or in holt's prefix nodes), and
/// `concurrency: olc` (optimistic lock coupling with epoch reclamation; `auto` picks it), and
/// `compact: never | between_phases` (holt's `compact()` after each phase, see `Tree.compact`).
/// Keys up to 65,535 bytes and values up to 16 MiB; larger ones are refused (`insert` and
/// `update` return false and change nothing), and the planner rejects workloads that need them.
public final class ARTEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "art",
    summary: "adaptive radix tree: Node4/16/48/256, path compression, full-key leaves",
    knobs: [
      Knob(
        "delete", .choice(["physical", "tombstone"]), default: "physical",
        help: "physical: shrink and collapse nodes; tombstone: mark leaves dead (holt 0.2.1)"),
      Knob(
        "prefix", .choice(["inline", "separate"]), default: "inline",
        help:
          "inline: prefix in node headers (hybrid); separate: prefix nodes of ≤ 108 B (holt: 112)"),
      Knob(
        "compact", .choice(["never", "between_phases"]), default: "never",
        help:
          "between_phases: holt's compact() after the load and the run phase (drops tombstoned "
          + "leaves, shrinks nodes; untimed, before the phase's stats)"),
    ],
    supportsScan: true, supportsOLC: true, maxKeyLength: 65_535, maxValueLength: 16 << 20)

  let tree: Tree
  let scanScratch = ScratchSlot { ScanResume() }
  let compactsBetweenPhases: Bool
  /// What the compactions so far reclaimed, and how long they took (run.json details).
  var compactions = 0
  var compactedLeaves = 0
  var compactedLeafBytes = 0
  var compactedNodeBytes = 0
  var compactSeconds = 0.0

  public init(options: EngineOptions) throws {
    tree = Tree(
      delete: options.choice("delete", default: "physical") == "tombstone" ? .tombstone : .physical,
      prefix: options.choice("prefix", default: "inline") == "separate" ? .separate : .inline,
      optimistic: options.concurrency == .olc)
    compactsBetweenPhases = options.choice("compact", default: "never") == "between_phases"
  }

  /// holt's `compact()`: drops every tombstoned leaf and shrinks nodes (`Tree.compact`).
  /// Exclusive: call it with no operation in flight (an optimistic tree also locks its root
  /// owner for the duration, so an operation started meanwhile waits at the root).
  public func compact() {
    let start = csys_mono_ns()
    let done = tree.compact()
    compactSeconds += Double(csys_mono_ns() - start) / 1e9
    compactions += 1
    compactedLeaves += done.leaves
    compactedLeafBytes += done.leafBytes
    compactedNodeBytes += done.nodeBytesBefore - done.nodeBytesAfter
  }

  public func phaseEnded() {
    if compactsBetweenPhases { compact() }
  }

  @inline(__always) func fits(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer)
    -> Bool
  {
    key.count <= Self.descriptor.maxKeyLength && value.count <= Self.descriptor.maxValueLength
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    guard tree.optimistic else { return tree.read(key, into: &value, Unlatched.self)! }
    return tree.attempt { tree.read(key, into: &value, Latch.self) }
  }

  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    guard fits(key, value) else { return false }
    guard tree.optimistic else { return tree.write(key, value, mode, Unlatched.self)! }
    return tree.attempt { tree.write(key, value, mode, Latch.self) }
  }

  public func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    guard tree.optimistic else { return tree.remove(key, Unlatched.self)! }
    return tree.attempt { tree.remove(key, Latch.self) }
  }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard tree.optimistic else { return tree.scan(from: key, limit: limit, visit) }
    return scanScratch.use {
      self.tree.optimisticScan(from: key, limit: limit, scratch: $0.cursor, visit)
    }
  }

  public var stats: EngineStats {
    let c = tree.totals()
    var details: [(String, Double)] = []
    var total = 0
    for kind in [Kind.node4, Kind.node16, Kind.node48, Kind.node256, Kind.prefix, Kind.leaf] {
      let name = Kind.names[Int(kind)]
      details.append(("\(name)_count", Double(c[Tree.nodeCount + Int(kind)])))
      details.append(("\(name)_bytes", Double(c[Tree.byteCount + Int(kind)])))
      total += c[Tree.byteCount + Int(kind)]
    }
    details.append(("tombstones", Double(c[Tree.tombstones])))
    details.append(("tombstone_bytes", Double(c[Tree.tombstoneBytes])))
    if compactions > 0 {
      details.append(("compactions", Double(compactions)))
      details.append(("compacted_leaves", Double(compactedLeaves)))
      details.append(("compacted_leaf_bytes", Double(compactedLeafBytes)))
      details.append(("compacted_node_bytes", Double(compactedNodeBytes)))
      details.append(("compact_seconds", compactSeconds))
    }
    if tree.optimistic {
      let (ops, restarts) = (c[Tree.operations], c[Tree.restarts])
      details.append(("restarts", Double(restarts)))
      details.append(("restarts_per_1k_ops", ops == 0 ? 0 : Double(restarts) * 1000 / Double(ops)))
      details.append(("retired_pending", Double(tree.epochs.pending)))
    }
    return EngineStats(
      keys: c[Tree.liveKeys], logicalBytes: total, height: tree.height(tree.root.pointee),
      details: details)
  }

  public func checkInvariants() throws {
    var checker = InvariantChecker(tree)
    try checker.run()
  }
}
