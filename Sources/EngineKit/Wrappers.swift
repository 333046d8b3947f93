#if canImport(Glibc)
  import Glibc
#endif

/// Shares an engine between threads behind one reader-writer lock (`concurrency: rwlock`).
public final class RWLocked<Inner: IndexEngine>: IndexEngine {
  public let inner: Inner
  private let lock: UnsafeMutablePointer<pthread_rwlock_t>

  public static var descriptor: EngineDescriptor {
    var d = Inner.descriptor
    d.threadSafe = true
    d.supportsOLC = false
    return d
  }

  public init(options: EngineOptions) throws {
    inner = try Inner(options: EngineDescriptor.engineOnly(options))
    lock = .allocate(capacity: 1)
    pthread_rwlock_init(lock, nil)
  }

  deinit {
    pthread_rwlock_destroy(lock)
    lock.deallocate()
  }

  @inline(__always) private func read<R>(_ body: () -> R) -> R {
    pthread_rwlock_rdlock(lock)
    defer { pthread_rwlock_unlock(lock) }
    return body()
  }

  @inline(__always) private func write<R>(_ body: () -> R) -> R {
    pthread_rwlock_wrlock(lock)
    defer { pthread_rwlock_unlock(lock) }
    return body()
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    read { inner.get(key, into: &value) }
  }
  public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    write { inner.insert(key, value) }
  }
  public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    write { inner.update(key, value) }
  }
  public func remove(_ key: UnsafeRawBufferPointer) -> Bool { write { inner.remove(key) } }
  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int { read { inner.scan(from: key, limit: limit, visit) } }
  public func list(
    prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer?, delimiter: UInt8?,
    limit: Int, _ visit: (ListEntry) -> Bool
  ) -> Int {
    read {
      inner.list(
        prefix: prefix, startAfter: startAfter, delimiter: delimiter, limit: limit, visit)
    }
  }
  public func bulkLoad(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int { write { inner.bulkLoad(count: count, entry) } }
  public var stats: EngineStats { read { inner.stats } }
  public func checkInvariants() throws { try inner.checkInvariants() }
  public func phaseEnded() { write { inner.phaseEnded() } }
}

/// N independent instances, each behind its own reader-writer lock (`concurrency: partitioned`).
/// Keys are routed by a hash of the key, or for onode keys by a hash of their placement (shard,
/// pool, crush), so one placement lives in one partition as in crimson's shard-per-core trees.
/// Point ops touch one partition. A scan of onode keys is served by the start key's partition
/// while it stays within that placement, and continues as a merge of all partitions after it;
/// other scans merge all partitions.
public final class Partitioned<Inner: IndexEngine>: IndexEngine {
  public let parts: [RWLocked<Inner>]
  /// Route by placement (onode keys) rather than by the whole key.
  let byPlacement: Bool
  /// Merged scans' buffer: the gathered entries, and per partition with entries, its next
  /// entry and the end of its entries.
  final class MergeScratch {
    var entries = PackedEntries()
    var runs: [(next: Int, end: Int)] = []
  }
  private let scratch = ScratchSlot { MergeScratch() }

  public static var descriptor: EngineDescriptor { RWLocked<Inner>.descriptor }

  public init(options: EngineOptions) throws {
    let n = try options.integer("partitions", default: 8)
    guard n >= 1 else { throw EngineOptionError(knob: "partitions", message: "must be ≥ 1") }
    let inner = EngineDescriptor.engineOnly(options)
    parts = try (0..<n).map { _ in try RWLocked<Inner>(options: inner) }
    byPlacement = options.keyKind == .onode
  }

  @inline(__always) private func part(_ key: UnsafeRawBufferPointer) -> RWLocked<Inner> {
    let routed =
      byPlacement && key.count >= OnodeKey.placementLength
      ? UnsafeRawBufferPointer(rebasing: key[..<OnodeKey.placementLength]) : key
    return parts[Int(fnv1a64(routed) % UInt64(parts.count))]
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    part(key).get(key, into: &value)
  }
  public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    part(key).insert(key, value)
  }
  public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    part(key).update(key, value)
  }
  public func remove(_ key: UnsafeRawBufferPointer) -> Bool { part(key).remove(key) }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    let p = OnodeKey.placementLength
    guard byPlacement, key.count >= p, limit > 0 else { return merged(from: key, limit, visit) }
    var n = 0
    var stopped = false
    _ = part(key).scan(from: key, limit: limit) { k, v in
      guard k.count >= p, memcmp(k.baseAddress!, key.baseAddress!, p) == 0 else { return false }
      n += 1
      stopped = !visit(k, v)
      return !stopped
    }
    guard !stopped, n < limit,
      let next = successor(of: UnsafeRawBufferPointer(rebasing: key[..<p]))
    else { return n }
    return n + next.withUnsafeBytes { merged(from: $0, limit - n, visit) }
  }

  /// Collects up to `limit` entries ≥ `key` from every partition into one flat buffer (reused
  /// by one merge at a time), then merges the sorted runs.
  private func merged(
    from key: UnsafeRawBufferPointer, _ limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    scratch.use { merged(from: key, limit, using: $0, visit) }
  }

  private func merged(
    from key: UnsafeRawBufferPointer, _ limit: Int, using s: MergeScratch,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    s.entries.removeAll()
    s.runs.removeAll(keepingCapacity: true)
    for p in parts {
      let start = s.entries.count
      _ = p.scan(from: key, limit: limit) { k, v in
        s.entries.append(k, v)
        return true
      }
      if s.entries.count > start { s.runs.append((start, s.entries.count)) }
    }
    // Each partition's run is sorted: merge by taking the least head, `limit` times.
    return s.entries.withEntries { entry in
      var n = 0
      while n < limit && !s.runs.isEmpty {
        var best = 0
        for r in 1..<s.runs.count
        where compareBytes(entry(s.runs[r].next).key, entry(s.runs[best].next).key) < 0 {
          best = r
        }
        let e = entry(s.runs[best].next)
        s.runs[best].next += 1
        if s.runs[best].next == s.runs[best].end { s.runs.remove(at: best) }
        n += 1
        if !visit(e.key, e.value) { break }
      }
      return n
    }
  }

  public var stats: EngineStats {
    let all = parts.map(\.stats)
    let bytes =
      all.allSatisfy { $0.logicalBytes != nil } ? all.reduce(0) { $0 + $1.logicalBytes! } : nil
    return EngineStats(
      keys: all.reduce(0) { $0 + $1.keys }, logicalBytes: bytes,
      height: all.compactMap(\.height).max(),
      details: [("partitions", Double(parts.count))])
  }

  public func phaseEnded() { for p in parts { p.phaseEnded() } }

  public func checkInvariants() throws {
    for (i, p) in parts.enumerated() {
      do { try p.checkInvariants() } catch let e as InvariantViolation {
        throw InvariantViolation("partition \(i): \(e.description)")
      }
    }
  }
}

/// 64-bit FNV-1a over bytes.
@inlinable
func fnv1a64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
  return h
}
