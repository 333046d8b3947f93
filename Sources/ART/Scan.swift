import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One result of an S3-style listing.
public enum ListEntry {
  /// A key under the prefix, with its value.
  case key(UnsafeRawBufferPointer, UnsafeRawBufferPointer)
  /// A rolled-up group: the prefix, the bytes up to and including the delimiter.
  case commonPrefix(UnsafeRawBufferPointer)
}

extension Tree {
  /// Visits the live leaves below `ref` (entered at `depth`) in key order, from the first key
  /// ≥ `bound` (every leaf when nil), until `emit` returns false; returns false when stopped.
  /// Subtrees wholly below the bound are skipped, not walked.
  func walk(
    _ ref: Ref, _ depth: Int, _ bound: UnsafeRawBufferPointer?, _ emit: (Ref) -> Bool
  ) -> Bool {
    let kind = ref & 7
    if kind == Kind.leaf {
      if let b = bound, compareBytes(Leaf(ref).key, b) < 0 { return true }
      return emit(ref)
    }
    if ref == 0 || kind == Kind.deadLeaf { return true }
    let node = Node(ref)
    var bound = bound
    var d = depth
    let plen = node.prefixLength
    if plen > 0 {
      if let b = bound {
        let available = b.count - depth
        let n = min(available, plen)
        let c = n == 0 ? 0 : memcmp(b.baseAddress! + depth, fullPrefix(ref, depth), n)
        if c > 0 { return true }
        if c < 0 || available <= plen { bound = nil }
      }
      d += plen
    }
    if kind == Kind.prefix { return walk(node.end.pointee, d, bound, emit) }
    var go = true
    guard let b = bound, b.count > d else {
      if !walk(node.end.pointee, d, nil, emit) { return false }
      forEachChild(ref) { _, child in
        go = walk(child, d + 1, nil, emit)
        return go
      }
      return go
    }
    // The end leaf is a proper prefix of the bound, so below it.
    let byte = b[d]
    forEachChild(ref, from: Int(byte)) { k, child in
      go = walk(child, d + 1, k == byte ? b : nil, emit)
      return go
    }
    return go
  }

  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard limit > 0 else { return 0 }
    var n = 0
    _ = walk(root.pointee, 0, key) { ref in
      let leaf = Leaf(ref)
      n += 1
      return visit(leaf.key, leaf.value) && n < limit
    }
    return n
  }

  /// S3 ListObjects semantics: keys starting with `prefix` and strictly after `startAfter`, in
  /// order; with a delimiter, a key holding it after the prefix is rolled up into one common
  /// prefix (through the delimiter), and the rest of that group is skipped by seeking past it.
  /// Returns the number of entries visited (at most `limit`).
  func list(
    prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer?, delimiter: UInt8?,
    limit: Int, _ visit: (ListEntry) -> Bool
  ) -> Int {
    var from = Array(prefix)
    if let s = startAfter, compareBytes(s, prefix) > 0 { from = Array(s) }
    var n = 0
    var more = limit > 0
    while more {
      more = false
      var next: [UInt8]?
      from.withUnsafeBytes { bound in
        _ = walk(root.pointee, 0, bound) { ref in
          let leaf = Leaf(ref)
          let key = leaf.key
          guard key.count >= prefix.count,
            prefix.isEmpty || memcmp(key.baseAddress!, prefix.baseAddress!, prefix.count) == 0
          else { return false }
          if let s = startAfter, compareBytes(key, s) <= 0 { return true }
          if let d = delimiter, let i = key[prefix.count...].firstIndex(of: d) {
            let group = UnsafeRawBufferPointer(rebasing: key[...i])
            n += 1
            if visit(.commonPrefix(group)) && n < limit {
              next = successor(group)
              more = next != nil
            }
            return false
          }
          n += 1
          return visit(.key(key, leaf.value)) && n < limit
        }
      }
      if let next { from = next }
    }
    return n
  }

  /// The least byte string above every string that starts with `bytes`, or nil (all 0xFF).
  private func successor(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
    var s = Array(bytes)
    while s.last == 0xFF { s.removeLast() }
    guard !s.isEmpty else { return nil }
    s[s.count - 1] += 1
    return s
  }
}
