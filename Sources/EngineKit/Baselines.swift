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

/// Baseline: the standard library's `Dictionary` (point operations only, no order).
public final class HashMapEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "hashmap", summary: "Swift Dictionary baseline (point ops only; no scans)",
    supportsScan: false)
  private var map: [ByteString: ByteString] = [:]

  public init(options: EngineOptions) throws {}

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    map.get(key, into: &value)
  }

  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool { map.write(key, value, mode) }

  public func remove(_ key: UnsafeRawBufferPointer) -> Bool { map.remove(key) }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int { 0 }

  public var stats: EngineStats { EngineStats(keys: map.count) }
  public func checkInvariants() throws {}
}

/// Baseline: swift-collections' `SortedDictionary` (a B-tree), the Swift library peer. It has no
/// public lower-bound search, so a scan finds its start by binary search over positions
/// (O(log² n)); point operations use the dictionary directly.
public final class SortedMapEngine: WritingEngine {
  public static let descriptor = EngineDescriptor(
    name: "sortedmap", summary: "swift-collections SortedDictionary (B-tree) baseline",
    supportsScan: true)
  private var map = SortedDictionary<ByteString, ByteString>()

  public init(options: EngineOptions) throws {}

  public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    map.get(key, into: &value)
  }

  public func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool { map.write(key, value, mode) }

  public func remove(_ key: UnsafeRawBufferPointer) -> Bool { map.remove(key) }

  public func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    let k = ByteString(key)
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
    var previous: ByteString?
    for (k, _) in map {
      if let p = previous, !(p < k) {
        throw InvariantViolation("keys out of order at \(k.withBytes(hexString))")
      }
      previous = k
    }
  }
}

/// The point operations both library baselines share, written once over the maps they wrap
/// (`Dictionary` and `SortedDictionary` from byte strings to byte strings).
protocol ByteMap {
  subscript(key: ByteString) -> ByteString? { get set }
  @discardableResult mutating func removeValue(forKey key: ByteString) -> ByteString?
}

extension Dictionary: ByteMap where Key == ByteString, Value == ByteString {}
extension SortedDictionary: ByteMap where Key == ByteString, Value == ByteString {}

extension ByteMap {
  func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    guard let v = self[ByteString(key)] else { return false }
    v.withBytes { value.store($0) }
    return true
  }

  mutating func write(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    let k = ByteString(key)
    guard mode.applies(exists: self[k] != nil) else { return false }
    self[k] = ByteString(value)
    return true
  }

  mutating func remove(_ key: UnsafeRawBufferPointer) -> Bool {
    removeValue(forKey: ByteString(key)) != nil
  }
}
