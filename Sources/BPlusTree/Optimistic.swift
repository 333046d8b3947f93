import CSys
import EngineKit

/// Optimistic lock coupling over the B-link tree (`concurrency: olc`):
/// - readers never write shared memory: they read a page's version, read the page through
///   `TornPage` (clamped, as a writer may be changing it), and validate the version before
///   following a link or trusting a value; a conflict restarts from the root, a concurrent split
///   is followed through the right link;
/// - a write that stays inside one leaf (an insert into its free gap, an update that does not
///   grow the value, a remove or shrink that keeps the byte floor) locks only that leaf;
/// - any other write is a structural change (split, merge, redistribution, compaction, a moved
///   cell): `structural` runs the unsynchronised code alone, and it locks every page it touches;
/// - freed pages and outgrown page tables are retired through `epochs`.
extension Tree {
  /// What a one-leaf write found: its result, or that it needs a structural change.
  enum LeafWrite {
    case done(Bool)
    case structural
  }

  @inline(__always) func attempt<R>(_ body: () -> R?) -> R {
    epochs.attempt(operations: Tally.operations, restarts: Tally.restarts, body)
  }

  /// Page `id` as an optimistic reader finds it: nil for an id past the table or a freed page
  /// (a torn read; restart).
  @inline(__always) func published(_ id: UInt32) -> Page? {
    guard id != 0, UInt64(id) < csys_load_acquire(capacityWord) else { return nil }
    let table = UnsafeMutablePointer<UInt64>(bitPattern: UInt(csys_load_acquire(tableWord)))!
    let p = csys_load_acquire(table + Int(id))
    return UnsafeMutableRawPointer(bitPattern: UInt(p)).map(Page.init)
  }

  /// The reader's view of `page`: in place, or a copy in `copy` (`copy_on_read`).
  @inline(__always) func view(_ page: Page, _ copy: UnsafeMutableRawPointer?) -> TornPage {
    guard let copy else { return TornPage(page, size: pageSize) }
    copy.copyMemory(from: page.p, byteCount: pageSize)
    tallies[Tally.copiedBytes] += pageSize
    return TornPage(Page(copy), size: pageSize)
  }

  /// Runs a reader with its page-copy buffer (nil unless `copy_on_read`).
  @inline(__always) func withCopy<R>(_ body: (UnsafeMutableRawPointer?) -> R) -> R {
    copyOnRead ? readerScratch.use { body($0.page) } : body(nil)
  }

  /// Descends to the leaf for `key` with lock coupling: each link is followed only after the
  /// next page's version is read and the current page validated. Returns the leaf, its version,
  /// the view read of it and its level (0 = root), or nil to restart.
  @inline(__always)
  func optimisticDescend(_ key: UnsafeRawBufferPointer, _ copy: UnsafeMutableRawPointer?)
    -> (page: Page, version: UInt64, view: TornPage, level: Int)?
  {
    let rootId = csys_load_acquire32(rootWord)
    guard var p = published(rootId), var v = VersionLatch.readLock(p.version),
      csys_load_acquire32(rootWord) == rootId
    else { return nil }
    var level = 0
    while true {
      let t = view(p, copy)
      let next: UInt32
      if let high = t.highKey, t.right != 0, compareBytes(key, high) >= 0 {
        next = t.right
        tallies[Tally.hops] += 1
      } else if t.isLeaf {
        return (p, v, t, level)
      } else {
        next = t.child(at: t.route(key))
        level += 1
      }
      guard let q = published(next), let w = VersionLatch.readLock(q.version),
        VersionLatch.validate(p.version, v)
      else { return nil }
      (p, v) = (q, w)
    }
  }

  func optimisticGet(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    withCopy { copy in
      attempt { () -> Bool? in
        guard let at = optimisticDescend(key, copy) else { return nil }
        let (i, found) = at.view.lowerBound(key)
        if found { value.store(at.view.value(i)) }
        hook(.read)
        return VersionLatch.validate(at.page.version, at.version) ? found : nil
      }
    }
  }

  func optimisticWrite(
    _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode
  ) -> Bool {
    let local = onLeaf(key) { leaf, level -> LeafWrite in
      let (i, exists) = leaf.lowerBound(key)
      if exists {
        guard mode != .insert else { return .done(false) }
        return overwrite(leaf, i, value, level: level) ? .done(true) : .structural
      }
      guard mode != .update else { return .done(false) }
      guard leaf.gap >= Page.cellSize(leaf: true, key: key.count, value: value.count) else {
        return .structural
      }
      leaf.insertCell(at: i, key: key, value: value)
      seal(leaf)
      tallies[Tally.keys] += 1
      return .done(true)
    }
    if case .done(let ok) = local { return ok }
    return structural { write(key, value, mode) }
  }

  func optimisticRemove(_ key: UnsafeRawBufferPointer) -> Bool {
    let local = onLeaf(key) { leaf, level -> LeafWrite in
      let (i, exists) = leaf.lowerBound(key)
      guard exists else { return .done(false) }
      guard level == 0 || leaf.live - leaf.cellSize(i) >= minFill else { return .structural }
      leaf.removeCell(at: i)
      seal(leaf)
      tallies[Tally.keys] -= 1
      return .done(true)
    }
    if case .done(let ok) = local { return ok }
    return structural { remove(key) }
  }

  /// Runs `change` on the leaf for `key` (and its level) with that leaf locked.
  @inline(__always) private func onLeaf(
    _ key: UnsafeRawBufferPointer, _ change: (Page, Int) -> LeafWrite
  ) -> LeafWrite {
    attempt { () -> LeafWrite? in
      guard let at = optimisticDescend(key, nil),
        VersionLatch.upgrade(at.page.version, at.version)
      else { return nil }
      defer { VersionLatch.unlock(at.page.version) }
      return change(at.page, at.level)
    }
  }

  /// The optimistic scan, a leaf at a time: each leaf's live bytes are copied into the
  /// thread's page buffer (with `copy_on_read` the reader's page copy already is one) and
  /// validated once, then its entries are visited from the copy; leaves are followed through
  /// their right links with lock coupling. After a conflict the walk restarts from the root just
  /// past the last visited key (recorded when the scan leaves a leaf).
  func optimisticScan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int {
    guard limit > 0 else { return 0 }
    return readerScratch.use { s in
      let c = s.cursor
      let buffer = s.page.unsafelyUnwrapped
      let copy = copyOnRead ? buffer : nil
      var n = 0
      c.begin()
      return attempt { () -> Int? in
        let bound = c.bound(key)
        guard var at = optimisticDescend(bound, copy) else { return nil }
        var i = at.view.lowerBound(bound).index
        while true {
          if copy == nil { snapshot(at.page, into: buffer) }
          hook(.scan)
          guard VersionLatch.validate(at.page.version, at.version) else { return nil }
          // A validated copy: a consistent page, read without clamping.
          let leaf = Page(buffer)
          let end = leaf.count
          if i < end {
            let stop = limit - n < end - i ? i + (limit - n) : end
            var go = true
            var j = i
            while j < stop {
              let o = leaf.slot(j)
              let k = Int(buffer.loadUnaligned(fromByteOffset: o, as: UInt16.self))
              let v = Int(buffer.loadUnaligned(fromByteOffset: o &+ 2, as: UInt16.self))
              go = visit(
                UnsafeRawBufferPointer(start: buffer + (o &+ 4), count: k),
                UnsafeRawBufferPointer(start: buffer + (o &+ 4 &+ k), count: v))
              j &+= 1
              if !go { break }
            }
            n += j - i
            if !go || n == limit { return n }
            // Leaving the leaf: its last key is where a restart resumes.
            c.copy(leaf.key(end - 1, keyStart: 4), UnsafeRawBufferPointer(start: nil, count: 0))
            c.visited()
          }
          let right = leaf.right
          guard right != 0 else { return n }
          guard let q = published(right), let w = VersionLatch.readLock(q.version),
            VersionLatch.validate(at.page.version, at.version)
          else { return nil }
          at = (q, w, view(q, copy), at.level)
          i = 0
        }
      }
    }
  }

  /// Copies a leaf's header and slots and its cell area (not the free gap between them) into
  /// `buffer`, bounds clamped to the page: what is copied is trusted only once the leaf's version
  /// validates.
  @inline(__always) private func snapshot(_ page: Page, into buffer: UnsafeMutableRawPointer) {
    let size = pageSize
    let p = page.p
    let start = min(Int(p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)), size)
    let end = max(min(Int(p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)), size), start)
    buffer.copyMemory(from: p, byteCount: start)
    (buffer + end).copyMemory(from: p + end, byteCount: size - end)
  }

  /// Where a test hook runs: just before an optimistic reader validates what it read.
  enum HookPoint { case read, scan }

  @inline(__always) func hook(_ point: HookPoint) {
    #if DEBUG
      testHook?(point)
    #endif
  }
}
