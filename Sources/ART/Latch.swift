import CSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How a descent synchronises with writers. The tree's descents are generic over it, so the
/// unsynchronised tree and the optimistic one share one code path, and the compiler removes every
/// latch operation from the former.
protocol Latching {
  /// The node's version once no writer holds it, or nil when the node is obsolete (restart).
  static func readLock(_ node: Node) -> UInt64?
  /// True when the node is unchanged since `readLock` returned `version`.
  static func validate(_ node: Node, _ version: UInt64) -> Bool
  /// Takes the write lock if the node is still at `version`; false means restart.
  static func upgrade(_ node: Node, _ version: UInt64) -> Bool
  /// Releases the write lock, advancing the version (an obsolete node stays obsolete).
  static func unlock(_ node: Node)
}

/// No synchronisation: one thread at a time (or an external lock).
enum Unlatched: Latching {
  @inline(__always) static func readLock(_ node: Node) -> UInt64? { 0 }
  @inline(__always) static func validate(_ node: Node, _ version: UInt64) -> Bool { true }
  @inline(__always) static func upgrade(_ node: Node, _ version: UInt64) -> Bool { true }
  @inline(__always) static func unlock(_ node: Node) {}
}

/// Optimistic lock coupling (Leis et al., "The ART of Practical Synchronization"): a version
/// word per node, bit 0 obsolete, bit 1 locked, a counter above. Readers never write shared
/// memory; they read a node's version, read the node, and validate the version before acting
/// on what they read. Writers lock only the nodes they change.
enum Latch: Latching {
  static let obsolete: UInt64 = 1
  static let locked: UInt64 = 2

  @inline(__always) static func readLock(_ node: Node) -> UInt64? {
    var v = csys_load_acquire(node.version)
    var spins = 0
    while v & locked != 0 {
      spins += 1
      if spins & 255 == 0 { sched_yield() } else { csys_pause() }
      v = csys_load_acquire(node.version)
    }
    return v & obsolete != 0 ? nil : v
  }

  @inline(__always) static func validate(_ node: Node, _ version: UInt64) -> Bool {
    csys_validate_load(node.version) == version
  }

  @inline(__always) static func upgrade(_ node: Node, _ version: UInt64) -> Bool {
    csys_cas(node.version, version, version + locked) != 0
  }

  @inline(__always) static func unlock(_ node: Node) {
    _ = csys_fetch_add_release(node.version, locked)
  }

  /// Waits for and takes the write lock of a node that cannot become obsolete meanwhile (its
  /// parent is locked by the caller).
  static func lock(_ node: Node) {
    while true {
      if let v = readLock(node), upgrade(node, v) { return }
    }
  }

  /// Marks a node the caller has unlinked (and holds locked, or never published): readers that
  /// reach it restart.
  @inline(__always) static func markObsolete(_ node: Node) {
    _ = csys_fetch_or(node.version, obsolete)
  }
}

/// Publishes a slot's new content: every store that initialised a fresh node or leaf is ordered
/// before it, so an optimistic reader never follows a reference into uninitialised memory.
@inline(__always) func publish(_ slot: UnsafeMutablePointer<Ref>, _ ref: Ref) {
  csys_store_release(slot, ref)
}
