import CSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The optimistic latch of lock coupling (Leis et al., "The ART of Practical Synchronization"),
/// on a 64-bit version word that lives in the node or page it guards: bit 0 obsolete, bit 1
/// locked, a counter above. Readers never write shared memory: they read the version, read the
/// node, and validate the version before acting on what they read. Writers lock only what they
/// change; unlocking advances the version, so every reader that overlapped restarts.
public enum VersionLatch {
  public static let obsolete: UInt64 = 1
  public static let locked: UInt64 = 2

  /// The version once no writer holds the latch, or nil when the node is obsolete (restart).
  @inlinable @inline(__always)
  public static func readLock(_ version: UnsafeMutablePointer<UInt64>) -> UInt64? {
    var v = csys_load_acquire(version)
    var spins = 0
    while v & locked != 0 {
      spins += 1
      if spins & 255 == 0 { sched_yield() } else { csys_pause() }
      v = csys_load_acquire(version)
    }
    return v & obsolete != 0 ? nil : v
  }

  /// True when nothing changed since `readLock` returned `v`.
  @inlinable @inline(__always)
  public static func validate(_ version: UnsafeMutablePointer<UInt64>, _ v: UInt64) -> Bool {
    csys_validate_load(version) == v
  }

  /// Takes the write lock if the version is still `v`; false means restart.
  @inlinable @inline(__always)
  public static func upgrade(_ version: UnsafeMutablePointer<UInt64>, _ v: UInt64) -> Bool {
    csys_cas(version, v, v + locked) != 0
  }

  /// Releases the write lock, advancing the version (an obsolete node stays obsolete).
  @inlinable @inline(__always)
  public static func unlock(_ version: UnsafeMutablePointer<UInt64>) {
    _ = csys_fetch_add_release(version, locked)
  }

  /// Waits for and takes the write lock of a node that cannot become obsolete meanwhile.
  @inlinable
  public static func lock(_ version: UnsafeMutablePointer<UInt64>) {
    while true {
      if let v = readLock(version), upgrade(version, v) { return }
    }
  }

  /// Marks a node the caller has unlinked (and holds locked, or never published): readers that
  /// reach it restart.
  @inlinable @inline(__always)
  public static func markObsolete(_ version: UnsafeMutablePointer<UInt64>) {
    _ = csys_fetch_or(version, obsolete)
  }
}
