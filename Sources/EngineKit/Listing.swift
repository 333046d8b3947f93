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
    var from = prefix
    if let s = startAfter, compareBytes(s, prefix) > 0 { from = s }
    // Seek targets (the successor of a rolled-up group) go to two buffers used in turn, as the
    // scan may still read its bound: on the stack, or on the heap for groups over 256 bytes. No
    // allocation or reference counting per listing otherwise.
    return withUnsafeTemporaryAllocation(byteCount: 512, alignment: 8) { stack in
      var seeks = SeekBuffers(stack.baseAddress!)
      defer { seeks.deallocate() }
      var n = 0
      var more = limit > 0
      while more {
        more = false
        var group: Int? = nil
        // Each scan emits keys until the limit, plus at most startAfter itself and one group.
        let budget = limit - n >= Int.max - 1 ? Int.max : limit - n + 1
        let target = seeks.spare
        _ = scan(from: from, limit: budget) { key, value in
          guard key.count >= prefix.count,
            prefix.isEmpty || memcmp(key.baseAddress!, prefix.baseAddress!, prefix.count) == 0
          else { return false }
          if let s = startAfter, compareBytes(key, s) <= 0 { return true }
          if let d = delimiter, let i = key[prefix.count...].firstIndex(of: d) {
            let bytes = UnsafeRawBufferPointer(rebasing: key[...i])
            n += 1
            if visit(.commonPrefix(bytes)) && n < limit {
              group = seeks.successor(of: bytes, into: target)
              more = group != nil
            }
            return false
          }
          n += 1
          return visit(.key(key, value)) && n < limit
        }
        if let g = group { from = seeks.use(target, count: g) }
      }
      return n
    }
  }
}

/// The two seek-target buffers of `list`: 256 bytes each on the caller's stack, replaced by heap
/// memory when a target is longer.
@usableFromInline struct SeekBuffers {
  @usableFromInline var base: (UnsafeMutableRawPointer, UnsafeMutableRawPointer)
  @usableFromInline var capacity: (Int, Int) = (256, 256)
  @usableFromInline var heap: (Bool, Bool) = (false, false)
  /// The buffer the current bound is not in.
  @usableFromInline var spare = 0

  @inlinable init(_ stack: UnsafeMutableRawPointer) { base = (stack, stack + 256) }

  /// Writes the least byte string above every string that starts with `bytes` into buffer
  /// `i`; returns its length, or nil when there is none (all 0xFF).
  @inlinable mutating func successor(of bytes: UnsafeRawBufferPointer, into i: Int) -> Int? {
    var count = bytes.count
    while count > 0 && bytes[count - 1] == 0xFF { count -= 1 }
    guard count > 0 else { return nil }
    if count > (i == 0 ? capacity.0 : capacity.1) {
      let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 8)
      if i == 0 {
        if heap.0 { base.0.deallocate() }
        (base.0, capacity.0, heap.0) = (p, count, true)
      } else {
        if heap.1 { base.1.deallocate() }
        (base.1, capacity.1, heap.1) = (p, count, true)
      }
    }
    let p = i == 0 ? base.0 : base.1
    p.copyMemory(from: bytes.baseAddress!, byteCount: count)
    p.storeBytes(of: bytes[count - 1] &+ 1, toByteOffset: count - 1, as: UInt8.self)
    return count
  }

  /// Makes buffer `i` (`count` bytes) the bound; the other one becomes the spare.
  @inlinable mutating func use(_ i: Int, count: Int) -> UnsafeRawBufferPointer {
    spare = 1 - i
    return UnsafeRawBufferPointer(start: i == 0 ? base.0 : base.1, count: count)
  }

  @inlinable func deallocate() {
    if heap.0 { base.0.deallocate() }
    if heap.1 { base.1.deallocate() }
  }
}

/// The least byte string above every string that starts with `bytes`, or nil (all 0xFF).
@inlinable
func successor(of bytes: UnsafeRawBufferPointer) -> [UInt8]? {
  var s = Array(bytes)
  while s.last == 0xFF { s.removeLast() }
  guard !s.isEmpty else { return nil }
  s[s.count - 1] += 1
  return s
}
