/// Key-value entries packed into one byte array, so gathering many costs no allocation per
/// entry: the records of a `load: bulk` phase, a partitioned scan's gathered entries, arrays
/// handed to `bulkLoad` in tests.
public struct PackedEntries: Sendable {
  @usableFromInline var bytes: [UInt8] = []
  /// Per entry: where its key starts in `bytes`, its key length and its value length.
  @usableFromInline var spans: [(at: Int, key: Int32, value: Int32)] = []

  public init() {}

  /// Entries given as arrays, in their order.
  public init(_ entries: [([UInt8], [UInt8])]) {
    for (k, v) in entries {
      k.withUnsafeBytes { kb in v.withUnsafeBytes { append(kb, $0) } }
    }
  }

  public var count: Int { spans.count }

  public mutating func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
    spans.append((bytes.count, Int32(key.count), Int32(value.count)))
    bytes.append(contentsOf: key)
    bytes.append(contentsOf: value)
  }

  /// Empties it, keeping the storage for reuse.
  public mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    spans.removeAll(keepingCapacity: true)
  }

  /// Calls `body` with a function that gives entry i; its bytes are valid during the call.
  @inlinable
  public func withEntries<R>(
    _ body: ((Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)) throws -> R
  ) rethrows -> R {
    try bytes.withUnsafeBytes { b in
      try body { i in
        let s = spans[i]
        let key = b.baseAddress.unsafelyUnwrapped + s.at
        return (
          UnsafeRawBufferPointer(start: key, count: Int(s.key)),
          UnsafeRawBufferPointer(start: key + Int(s.key), count: Int(s.value))
        )
      }
    }
  }

  /// The same entries in ascending key order, packed afresh so they read front to back.
  public func sortedByKey() -> PackedEntries {
    var sorted = PackedEntries()
    sorted.bytes.reserveCapacity(bytes.count)
    sorted.spans.reserveCapacity(spans.count)
    withEntries { entry in
      let order = spans.indices.sorted { compareBytes(entry($0).key, entry($1).key) < 0 }
      for i in order { sorted.append(entry(i).key, entry(i).value) }
    }
    return sorted
  }
}
