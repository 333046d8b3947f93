import SortedCollections

/// Does nothing: measures the harness's own cost per operation.
public final class NullEngine: IndexEngine {
  public static let descriptor = EngineDescriptor(
    name: "null", summary: "no index: every op succeeds at once; measures harness overhead",
    supportsScan: true, threadSafe: true, storesData: false)
  public init(options: EngineOptions) throws {}
  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool { true }
  public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    true
  }
  public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    true
  }
  public func remove(_ key: UnsafeRawBufferPointer) -> Bool { true }
  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int { 0 }
  public var stats: EngineStats { EngineStats(keys: 0, logicalBytes: 0) }
  public func checkInvariants() throws {}
}

/// Baseline: the standard library's `Dictionary` (point operations only, no order). Keys and
/// values are `InlineBytes` (12 bytes each, up to 11 bytes inline), so a bucket is 24 bytes.
public final class HashMapEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "hashmap", summary: "Swift Dictionary baseline (point ops only; no scans)",
    supportsScan: false)
  private var map: [InlineBytes: InlineBytes] = [:]

  public init(options: EngineOptions) throws {}

  deinit {
    for (k, v) in map {
      k.release()
      v.release()
    }
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    guard let v = map[InlineBytes(borrowing: key)] else { return false }
    v.withBytes { value.store($0) }
    return true
  }

  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    if let i = map.index(forKey: InlineBytes(borrowing: key)) {
      guard mode.applies(exists: true) else { return false }
      let old = map.values[i]
      map.values[i] = InlineBytes(copying: value)
      old.release()
    } else {
      guard mode.applies(exists: false) else { return false }
      map[InlineBytes(copying: key)] = InlineBytes(copying: value)
    }
    return true
  }

  public func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    guard let i = map.index(forKey: InlineBytes(borrowing: key)) else { return false }
    let (k, v) = map.remove(at: i)
    k.release()
    v.release()
    return true
  }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int { 0 }

  public var stats: EngineStats { EngineStats(keys: map.count) }
  public func checkInvariants() throws {}
}

/// Baseline: swift-collections' `SortedDictionary` (a B-tree), the Swift library peer. Keys and
/// values are `InlineBytes` (12 bytes each, up to 11 bytes inline). It has no public
/// lower-bound search, so a scan finds its start by binary search over positions (O(log² n));
/// point operations use the dictionary directly. Its setter replaces the stored key as well as
/// the value, so an update goes through `_modify` (which keeps the stored key) and a removal
/// through `removeValue(forKey:)`, after `index(forKey:)` finds an out-of-line key to release.
public final class SortedMapEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "sortedmap", summary: "swift-collections SortedDictionary (B-tree) baseline",
    supportsScan: true)
  private var map = SortedDictionary<InlineBytes, InlineBytes>()

  public init(options: EngineOptions) throws {}

  deinit {
    for (k, v) in map {
      k.release()
      v.release()
    }
  }

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    guard let v = map[InlineBytes(borrowing: key)] else { return false }
    v.withBytes { value.store($0) }
    return true
  }

  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    let probe = InlineBytes(borrowing: key)
    if let old = map[probe] {
      guard mode.applies(exists: true) else { return false }
      Self.replace(&map[probe], with: InlineBytes(copying: value))
      old.release()
    } else {
      guard mode.applies(exists: false) else { return false }
      map[InlineBytes(copying: key)] = InlineBytes(copying: value)
    }
    return true
  }

  /// Stores through the subscript's `_modify`, which keeps the stored key of a present entry.
  @inline(__always)
  private static func replace(_ slot: inout InlineBytes?, with value: InlineBytes) {
    slot = value
  }

  public func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    let probe = InlineBytes(borrowing: key)
    // An out-of-line stored key is found first so that it can be released: `removeValue` hands
    // back only the value, and `remove(at:)` trips an assertion in this library version.
    var stored: InlineBytes?
    if key.count > InlineBytes.inlineCapacity {
      guard let i = map.index(forKey: probe) else { return false }
      stored = map[i].key
    }
    guard let v = map.removeValue(forKey: probe) else { return false }
    stored?.release()
    v.release()
    return true
  }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    let k = InlineBytes(borrowing: key)
    var (lo, hi) = (0, map.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if map[map.index(map.startIndex, offsetBy: mid)].key < k { lo = mid + 1 } else { hi = mid }
    }
    var n = 0
    var i = map.index(map.startIndex, offsetBy: lo)
    while n < limit && i != map.endIndex {
      let (ek, ev) = map[i]
      n += 1
      if !ek.withBytes({ kb in ev.withBytes { vb in visit(kb, vb) } }) { break }
      map.formIndex(after: &i)
    }
    return n
  }

  public var stats: EngineStats { EngineStats(keys: map.count) }

  public func checkInvariants() throws {
    var previous: InlineBytes?
    for (k, _) in map {
      if let p = previous, !(p < k) {
        throw InvariantViolation("keys out of order at \(k.withBytes(hexString))")
      }
      previous = k
    }
  }
}
