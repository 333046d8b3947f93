import Foundation

#if NO_JEMALLOC
  /// A `TREEBENCH_NO_JEMALLOC` build: every query fails, as it does under another allocator.
  private func mallctl(
    _ name: UnsafePointer<CChar>?, _ old: UnsafeMutableRawPointer?,
    _ oldLength: UnsafeMutablePointer<Int>?, _ new: UnsafeMutableRawPointer?, _ newLength: Int
  ) -> Int32 { -1 }
  private let MALLCTL_ARENAS_ALL = 4096
#else
  import CJemalloc
#endif

/// Process-wide allocator statistics in bytes (jemalloc's `stats.*`), or RSS-based figures
/// when jemalloc is not the allocator (`source == "rss"`).
public struct AllocatorSnapshot: Codable, Sendable, Equatable {
  public var source: String
  public var allocated: UInt64
  public var active: UInt64
  public var resident: UInt64
  public var mapped: UInt64
  public var metadata: UInt64
  public var retained: UInt64
  public var smallRequests: UInt64
  public var largeRequests: UInt64
}

/// Reads jemalloc's statistics through `mallctl`. Refreshing costs ~14 µs: never call it per op.
public enum Allocator {
  /// Whether this build links jemalloc (false in a `TREEBENCH_NO_JEMALLOC` build).
  #if NO_JEMALLOC
    public static let linked = false
  #else
    public static let linked = true
  #endif

  /// True when jemalloc owns this process's heap (checked once on a fresh allocation).
  public static let isJemalloc: Bool = {
    guard let p = malloc(64) else { return false }
    defer { free(p) }
    var arena: UInt32 = 0
    var len = MemoryLayout<UInt32>.size
    var ptr: UnsafeMutableRawPointer? = p
    return mallctl("arenas.lookup", &arena, &len, &ptr, MemoryLayout<UnsafeMutableRawPointer?>.size)
      == 0
  }()

  /// jemalloc's version string, or nil.
  public static var version: String? {
    var v: UnsafePointer<CChar>? = nil
    var len = MemoryLayout<UnsafePointer<CChar>?>.size
    guard mallctl("version", &v, &len, nil, 0) == 0, let v else { return nil }
    return String(cString: v)
  }

  /// The `MALLOC_CONF` in effect (environment), or nil.
  public static var mallocConf: String? { ProcessInfo.processInfo.environment["MALLOC_CONF"] }

  /// A fresh snapshot: bumps jemalloc's epoch, then reads the totals.
  public static func snapshot() -> AllocatorSnapshot {
    guard isJemalloc else { return rssSnapshot() }
    var epoch: UInt64 = 1
    _ = mallctl("epoch", nil, nil, &epoch, MemoryLayout<UInt64>.size)
    return AllocatorSnapshot(
      source: "jemalloc",
      allocated: read("stats.allocated"), active: read("stats.active"),
      resident: read("stats.resident"), mapped: read("stats.mapped"),
      metadata: read("stats.metadata"), retained: read("stats.retained"),
      smallRequests: read64("stats.arenas.\(MALLCTL_ARENAS_ALL).small.nrequests"),
      largeRequests: read64("stats.arenas.\(MALLCTL_ARENAS_ALL).large.nrequests"))
  }

  /// Bytes the calling thread has allocated minus the bytes it has freed (jemalloc's
  /// `thread.allocated` − `thread.deallocated`), or nil without jemalloc. Other threads do not
  /// move it, so a test can check that a structure it built and dropped returned every byte.
  public static var threadNetBytes: Int64? {
    guard isJemalloc else { return nil }
    return Int64(bitPattern: read64("thread.allocated") &- read64("thread.deallocated"))
  }

  /// Sets a decay time (`dirty_decay_ms` or `muzzy_decay_ms`; -1 never purges, 0 purges at once)
  /// for every existing arena and the arenas created later. False without jemalloc or when
  /// jemalloc refuses the value.
  @discardableResult
  public static func setDecay(_ name: String, milliseconds: Int) -> Bool {
    guard isJemalloc else { return false }
    var value = milliseconds
    let size = MemoryLayout<Int>.size
    var ok = mallctl("arenas.\(name)", nil, nil, &value, size) == 0
    var count: UInt32 = 0
    var len = MemoryLayout<UInt32>.size
    _ = mallctl("arenas.narenas", &count, &len, nil, 0)
    for i in 0..<count {
      // Arenas not yet initialised answer EFAULT; nothing to set there.
      let r = mallctl("arena.\(i).\(name)", nil, nil, &value, size)
      ok = ok && (r == 0 || r == EFAULT)
    }
    return ok
  }

  /// The decay time in effect for new arenas, or nil.
  public static func decay(_ name: String) -> Int? {
    var v = 0
    var len = MemoryLayout<Int>.size
    return mallctl("arenas.\(name)", &v, &len, nil, 0) == 0 ? v : nil
  }

  /// Returns the calling thread's cached objects to the arenas, so totals are exact.
  public static func flushThreadCache() {
    guard isJemalloc else { return }
    _ = mallctl("thread.tcache.flush", nil, nil, nil, 0)
  }

  private static func read(_ name: String) -> UInt64 {
    var v: Int = 0
    var len = MemoryLayout<Int>.size
    return mallctl(name, &v, &len, nil, 0) == 0 ? UInt64(v) : 0
  }

  private static func read64(_ name: String) -> UInt64 {
    var v: UInt64 = 0
    var len = MemoryLayout<UInt64>.size
    return mallctl(name, &v, &len, nil, 0) == 0 ? v : 0
  }

  private static func rssSnapshot() -> AllocatorSnapshot {
    let fields =
      (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?
      .split(separator: " ").compactMap { UInt64($0) } ?? []
    let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
    let rss = fields.count > 1 ? fields[1] * page : 0
    let size = fields.first.map { $0 * page } ?? 0
    return AllocatorSnapshot(
      source: "rss", allocated: rss, active: rss, resident: rss, mapped: size, metadata: 0,
      retained: 0, smallRequests: 0, largeRequests: 0)
  }
}
