/// Entries gathered from one or two pages into the scratch area, so pages can be rebuilt from
/// them in any split: a split, a merge and a redistribution are all "gather, then rebuild".
/// Each entry is a cell image (the page's cell format) at `offsets[i]`.
extension Tree {
  @inline(__always) func entry(_ i: Int) -> UnsafeMutableRawPointer { scratch + Int(offsets[i]) }

  /// Bytes entry `i` takes on a page, slot included.
  @inline(__always) func entrySize(_ i: Int) -> Int { imageSize(i) + 2 }

  @inline(__always) func imageSize(_ i: Int) -> Int {
    let e = entry(i)
    let k = Int(e.loadUnaligned(as: UInt16.self))
    return gatheredLeaves ? 4 + k + Int(e.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : 6 + k
  }

  /// Whether the gathered entries are leaf cells.
  var gatheredLeaves: Bool {
    get { s.pointee.gatheredLeaves }
    set { s.pointee.gatheredLeaves = newValue }
  }

  func entryKey(_ i: Int) -> UnsafeRawBufferPointer {
    let e = entry(i)
    return UnsafeRawBufferPointer(
      start: e + (gatheredLeaves ? 4 : 6), count: Int(e.loadUnaligned(as: UInt16.self)))
  }
  func entryChild(_ i: Int) -> UInt32 { entry(i).loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
  func setEntryChild(_ i: Int, _ id: UInt32) {
    entry(i).storeBytes(of: id, toByteOffset: 2, as: UInt32.self)
  }

  /// Where the next gathered image goes, after the `n` entries so far.
  private func end(_ n: Int) -> Int { n == 0 ? 0 : Int(offsets[n - 1]) + imageSize(n - 1) }

  /// Appends the cells of `page` after `n` gathered entries; returns the new count.
  func gather(_ page: Page, _ n: Int) -> Int {
    if n == 0 { gatheredLeaves = page.isLeaf }
    var at = end(n)
    for i in 0..<page.count {
      let size = page.cellSize(i) &- 2
      copyBytes(scratch + at, page.cell(i), size)
      offsets[n &+ i] = Int32(truncatingIfNeeded: at)
      at &+= size
    }
    return n + page.count
  }

  /// Appends one new entry and moves it to position `i`.
  func insertEntry(
    at i: Int, count n: inout Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?,
    child: UInt32, leaf: Bool
  ) {
    if n == 0 { gatheredLeaves = leaf }
    let at = end(n)
    let e = scratch + at
    e.storeBytes(of: UInt16(key.count), as: UInt16.self)
    var body = 6
    if leaf {
      e.storeBytes(of: UInt16(value!.count), toByteOffset: 2, as: UInt16.self)
      body = 4
    } else {
      e.storeBytes(of: child, toByteOffset: 2, as: UInt32.self)
    }
    _ = key.copy(to: e + body)
    if leaf { _ = value!.copy(to: e + body + key.count) }
    (offsets + i + 1).update(from: offsets + i, count: n - i)
    offsets[i] = Int32(at)
    n += 1
  }

  /// Rewrites `page` (keeping its kind, id and links) with the gathered entries `range`, the
  /// fence `high` and, for interior pages, the rightmost child.
  func rebuild(
    _ page: Page, entries range: Range<Int>, high: UnsafeRawBufferPointer?, rightChild: UInt32
  ) {
    let (kind, id, right, prev) = (page.kind, page.id, page.right, page.prev)
    page.format(kind, id: id, size: pageSize)
    page.right = right
    page.prev = prev
    if let high { page.setHighKey(high) }
    for i in range { page.appendImage(entry(i), imageSize(i)) }
    if kind == Page.interior { page.child = rightChild }
  }

  /// Rebuilds `left` and `right` from the gathered entries split at `m` (on interior pages
  /// entry m moves up to the parent), fences `left` with the returned separator and `right` with
  /// `high`, and seals both.
  func distribute(
    _ n: Int, at m: Int, into left: Page, _ right: Page, high: UnsafeRawBufferPointer?,
    rightChild: UInt32
  ) -> UnsafeRawBufferPointer {
    let sep = entryKey(m).copy(to: separator)
    if left.isLeaf {
      rebuild(left, entries: 0..<m, high: sep, rightChild: 0)
      rebuild(right, entries: m..<n, high: high, rightChild: 0)
      rememberRightmost(left)
      rememberRightmost(right)
    } else {
      rebuild(left, entries: 0..<m, high: sep, rightChild: entryChild(m))
      rebuild(right, entries: m + 1..<n, high: high, rightChild: rightChild)
    }
    seal(left)
    seal(right)
    return sep
  }
}
