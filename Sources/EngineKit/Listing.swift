#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One result of an S3-style listing.
public enum ListEntry {
  /// A key under the prefix, with its value.
  case key(UnsafeRawBufferPointer, UnsafeRawBufferPointer)
  /// A rolled-up group: the key's bytes up to and including the delimiter.
  case commonPrefix(UnsafeRawBufferPointer)
}

extension IndexEngine {
  /// S3 ListObjects over `scan`: keys starting with `prefix` and strictly after `startAfter`, in
  /// order; with a delimiter, keys holding it after the prefix are rolled up into one common
  /// prefix (through the delimiter), and the rest of that group is skipped by seeking past it,
  /// so the cost is one seek per entry listed, not one step per key below the prefix. Visits at
  /// most `limit` entries until `visit` returns false; returns the number visited.
  @inlinable
  public func list(
    prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer? = nil,
    delimiter: UInt8? = nil, limit: Int = .max, _ visit: (ListEntry) -> Bool
  ) -> Int {
    var from = Array(prefix)
    if let s = startAfter, compareBytes(s, prefix) > 0 { from = Array(s) }
    var n = 0
    var more = limit > 0
    while more {
      more = false
      var next: [UInt8]?
      // Each scan emits keys until the limit, plus at most startAfter itself and one group.
      let budget = limit - n >= Int.max - 1 ? Int.max : limit - n + 1
      _ = from.withUnsafeBytes { bound in
        scan(from: bound, limit: budget) { key, value in
          guard key.count >= prefix.count,
            prefix.isEmpty || memcmp(key.baseAddress!, prefix.baseAddress!, prefix.count) == 0
          else { return false }
          if let s = startAfter, compareBytes(key, s) <= 0 { return true }
          if let d = delimiter, let i = key[prefix.count...].firstIndex(of: d) {
            let group = UnsafeRawBufferPointer(rebasing: key[...i])
            n += 1
            if visit(.commonPrefix(group)) && n < limit {
              next = successor(of: group)
              more = next != nil
            }
            return false
          }
          n += 1
          return visit(.key(key, value)) && n < limit
        }
      }
      if let next { from = next }
    }
    return n
  }
}

/// The least byte string above every string that starts with `bytes`, or nil (all 0xFF).
@inlinable
public func successor(of bytes: UnsafeRawBufferPointer) -> [UInt8]? {
  var s = Array(bytes)
  while s.last == 0xFF { s.removeLast() }
  guard !s.isEmpty else { return nil }
  s[s.count - 1] += 1
  return s
}
