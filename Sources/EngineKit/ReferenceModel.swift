/// The trusted model every engine is checked against, deliberately simple so it is obviously
/// right: a dictionary for values, and the keys in order as a list of sorted blocks of at most
/// `blockLimit` keys (binary search over block ends, then within the block), so inserts cost
/// O(√n) and `--verify` stays usable at millions of keys. It shares no code with any engine.
public struct ReferenceModel {
  private var values: [ByteString: ByteString] = [:]
  /// Sorted blocks whose concatenation is every key in order; only the first may be empty.
  private var blocks: [[ByteString]] = [[]]
  static let blockLimit = 1024

  public init() {}

  public var count: Int { values.count }

  /// The block and index of the first key ≥ `key` (the end of the last block when none is).
  private func lowerBound(_ key: ByteString) -> (block: Int, index: Int) {
    var (lo, hi) = (0, blocks.count - 1)
    while lo < hi {
      let mid = (lo + hi) / 2
      if blocks[mid].last! < key { lo = mid + 1 } else { hi = mid }
    }
    let keys = blocks[lo]
    var (a, b) = (0, keys.count)
    while a < b {
      let mid = (a + b) / 2
      if keys[mid] < key { a = mid + 1 } else { b = mid }
    }
    return (lo, a)
  }

  public func get(_ key: ByteString) -> ByteString? { values[key] }

  public mutating func insert(_ key: ByteString, _ value: ByteString) -> Bool {
    guard values[key] == nil else { return false }
    values[key] = value
    let (b, i) = lowerBound(key)
    blocks[b].insert(key, at: i)
    if blocks[b].count > Self.blockLimit {
      let upper = Array(blocks[b][(Self.blockLimit / 2)...])
      blocks[b].removeSubrange((Self.blockLimit / 2)...)
      blocks.insert(upper, at: b + 1)
    }
    return true
  }

  public mutating func update(_ key: ByteString, _ value: ByteString) -> Bool {
    guard values[key] != nil else { return false }
    values[key] = value
    return true
  }

  public mutating func remove(_ key: ByteString) -> Bool {
    guard values.removeValue(forKey: key) != nil else { return false }
    let (b, i) = lowerBound(key)
    blocks[b].remove(at: i)
    if blocks[b].isEmpty && blocks.count > 1 { blocks.remove(at: b) }
    return true
  }

  /// Up to `limit` entries with key ≥ `key`, ascending.
  public func scan(from key: ByteString, limit: Int) -> [(ByteString, ByteString)] {
    var (b, i) = lowerBound(key)
    var out: [(ByteString, ByteString)] = []
    while out.count < limit && b < blocks.count {
      if i < blocks[b].count {
        let k = blocks[b][i]
        out.append((k, values[k]!))
        i += 1
      } else {
        (b, i) = (b + 1, 0)
      }
    }
    return out
  }

  /// S3 ListObjects, written plainly: keys from the first one ≥ max(prefix, startAfter) while
  /// they start with `prefix`, dropping `startAfter` itself; a key holding `delimiter` after the
  /// prefix becomes its group (the bytes through the delimiter), listed once; at most `limit`.
  public func list(
    prefix: [UInt8], startAfter: [UInt8]?, delimiter: UInt8?, limit: Int
  ) -> [ListItem] {
    let from = startAfter.map { $0.lexicographicallyPrecedes(prefix) ? prefix : $0 } ?? prefix
    var (b, i) = lowerBound(ByteString(from))
    var out: [ListItem] = []
    while out.count < limit && b < blocks.count {
      guard i < blocks[b].count else {
        (b, i) = (b + 1, 0)
        continue
      }
      let key = blocks[b][i].withBytes { Array($0) }
      guard key.starts(with: prefix) else { break }
      i += 1
      if key == startAfter { continue }
      if let d = delimiter, let end = key[prefix.count...].firstIndex(of: d) {
        let group = ListItem.commonPrefix(Array(key[...end]))
        if out.last != group { out.append(group) }
      } else {
        out.append(.key(key, values[ByteString(key)]!.withBytes { Array($0) }))
      }
    }
    return out
  }

  /// Every entry, ascending.
  public var entries: [(ByteString, ByteString)] { blocks.joined().map { ($0, values[$0]!) } }
}

/// An owned listing or scan entry (`ListEntry` with its bytes copied).
public enum ListItem: Equatable, CustomStringConvertible {
  case key([UInt8], [UInt8])
  case commonPrefix([UInt8])

  public init(_ e: ListEntry) {
    switch e {
    case .key(let k, let v): self = .key(Array(k), Array(v))
    case .commonPrefix(let p): self = .commonPrefix(Array(p))
    }
  }

  public var description: String {
    switch self {
    case .key(let k, let v):
      return "key 0x\(k.withUnsafeBytes { hexPreview($0) }) value 0x\(v.withUnsafeBytes { hexPreview($0) })"
    case .commonPrefix(let p): return "prefix 0x\(p.withUnsafeBytes { hexPreview($0) })"
    }
  }
}
