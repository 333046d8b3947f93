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

  // MARK: Shared helpers

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
}
