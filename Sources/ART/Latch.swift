import CSys
import EngineKit

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

/// Optimistic lock coupling on each node's version word (see `VersionLatch`).
enum Latch: Latching {
  @inline(__always) static func readLock(_ node: Node) -> UInt64? {
    VersionLatch.readLock(node.version)
  }
  @inline(__always) static func validate(_ node: Node, _ version: UInt64) -> Bool {
    VersionLatch.validate(node.version, version)
  }
  @inline(__always) static func upgrade(_ node: Node, _ version: UInt64) -> Bool {
    VersionLatch.upgrade(node.version, version)
  }
  @inline(__always) static func unlock(_ node: Node) { VersionLatch.unlock(node.version) }
  static func lock(_ node: Node) { VersionLatch.lock(node.version) }
  @inline(__always) static func markObsolete(_ node: Node) {
    VersionLatch.markObsolete(node.version)
  }
}

/// Publishes a slot's new content: every store that initialised a fresh node or leaf is ordered
/// before it, so an optimistic reader never follows a reference into uninitialised memory.
@inline(__always) func publish(_ slot: UnsafeMutablePointer<Ref>, _ ref: Ref) {
  csys_store_release(slot, ref)
}
