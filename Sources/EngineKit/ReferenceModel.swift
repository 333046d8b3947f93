/// The trusted model every engine is checked against, deliberately simple so it is obviously
/// right: a dictionary for values and a sorted array of keys for order (O(n) inserts, fine for
/// tests and `--verify`). It shares no code with any engine.
public struct ReferenceModel {
  private var values: [ByteString: ByteString] = [:]
  private var keys: [ByteString] = []

  public init() {}

  public var count: Int { keys.count }

  /// Index of the first key ≥ `key`.
  private func lowerBound(_ key: ByteString) -> Int {
    var (lo, hi) = (0, keys.count)
    while lo < hi {
      let mid = (lo + hi) / 2
      if keys[mid] < key { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  public func get(_ key: ByteString) -> ByteString? { values[key] }

  public mutating func insert(_ key: ByteString, _ value: ByteString) -> Bool {
    guard values[key] == nil else { return false }
    values[key] = value
    keys.insert(key, at: lowerBound(key))
    return true
  }

  public mutating func update(_ key: ByteString, _ value: ByteString) -> Bool {
    guard values[key] != nil else { return false }
    values[key] = value
    return true
  }

  public mutating func remove(_ key: ByteString) -> Bool {
    guard values.removeValue(forKey: key) != nil else { return false }
    keys.remove(at: lowerBound(key))
    return true
  }

  /// Up to `limit` entries with key ≥ `key`, ascending.
  public func scan(from key: ByteString, limit: Int) -> [(ByteString, ByteString)] {
    let start = lowerBound(key)
    return keys[start..<min(keys.count, start + min(limit, keys.count))].map { ($0, values[$0]!) }
  }

  /// Every entry, ascending.
  public var entries: [(ByteString, ByteString)] { keys.map { ($0, values[$0]!) } }
}
