import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Mutable tree state, kept in raw memory so hot paths pay no exclusivity checks.
/// The root and the page table (id → page address, id 0 unused): the words optimistic readers
/// load, kept apart from `State` so that a writer's bookkeeping never touches them. The table is
/// published before its capacity, so a reader that sees a capacity sees a table that large.
struct Directory {
  var root: UInt32 = 0
  var table: UnsafeMutablePointer<UnsafeMutableRawPointer?>
  var tableCapacity: Int
}

struct State {
  /// Keys loaded in bulk (inserts and removes count in the per-thread tallies).
  var keys = 0
  /// The next unused page id, and a stack of freed ids.
  var nextId: UInt32 = 1
  var freeIds: [UInt32] = []
  var leafPages = 0
  var interiorPages = 0
  /// Rightmost-leaf fast path: the leaf and the length of its true maximum key (in `fastMax`).
  var fastLeaf: UInt32 = 0
  var fastMaxLength = 0
  var splits = 0
  var countSplitFallbacks = 0
  var merges = 0
  var borrows = 0
  var fastHits = 0
  /// Whether the entries gathered in scratch memory are leaf cells (else interior cells).
  var gatheredLeaves = true
  /// Pages a structural change holds locked (`concurrency: olc`), unlocked when it ends.
  var heldCount = 0
  var locking = false
}

/// A page-structured B-link tree over slotted pages (see `Page`): leaves doubly linked, every
/// page with a fence key and a right link, split by bytes or by count, rebalanced at a 25 % byte
/// floor (merge or even split, or reddb's one-entry borrowing), with a rightmost-leaf append
/// fast path (single-threaded only).
///
/// Unsynchronised unless built `optimistic` (see Optimistic.swift): then readers descend with
/// optimistic lock coupling, writers that change one leaf lock only it, and structural changes
/// (splits, merges, compaction) run one at a time, locking every page they touch.
final class Tree {
  /// What `seal` stamps on every page write.
  enum Checksum { case off, crc32c, crc32 }

  let pageSize: Int
  let splitByCount: Bool
  let checksum: Checksum
  let copyOnRead: Bool
  /// Every page write goes through a page buffer (`write_back: on`): see `seal`.
  let writeBack: Bool
  /// Underflow borrows one entry at a time from a sibling, as reddb does (`rebalance: reddb`),
  /// instead of merging whenever both fit, else splitting evenly (`even`).
  let borrowOne: Bool
  let optimistic: Bool
  /// Whether `seal` has anything to do.
  let sealing: Bool
  /// Bytes of live cells below which a non-root page is rebalanced.
  let minFill: Int
  let maxKey: Int
  let maxEntry: Int
  let s: UnsafeMutablePointer<State>
  /// Entries gathered for a split or rebalance: cell images and their offsets.
  let scratch: UnsafeMutableRawPointer
  let offsets: UnsafeMutablePointer<Int32>
  /// Copies of keys that must survive a page rebuild: fence, separator, fast-path maximum.
  let fence: UnsafeMutableRawPointer
  let separator: UnsafeMutableRawPointer
  let fastMax: UnsafeMutableRawPointer
  /// The copy-on-read buffer, and the descent path: (page id, child index) per level.
  let readCopy: UnsafeMutableRawPointer
  /// Serialises readers around `readCopy` (`copy_on_read`), as a pager's buffer latch would.
  let readLatch: UnsafeMutablePointer<pthread_mutex_t>
  let path: UnsafeMutablePointer<(id: UInt32, index: Int)>
  /// Per-thread tallies, and when optimistic the reclamation of freed pages and tables.
  let epochs = Epochs(tallies: Tally.count)
  /// Serialises structural changes (`optimistic` only), and the pages one holds locked.
  let structureLatch: UnsafeMutablePointer<pthread_mutex_t>
  let held: UnsafeMutablePointer<Page>
  let directory: UnsafeMutablePointer<Directory>
  /// The `directory` words as optimistic readers load them (atomically).
  let rootWord: UnsafeMutablePointer<UInt32>
  let tableWord: UnsafeMutablePointer<UInt64>
  let capacityWord: UnsafeMutablePointer<UInt64>
  /// Per-thread page buffers for optimistic readers (the `copy_on_read` copy, and the leaf copy
  /// an optimistic scan visits), and scan state.
  let readerScratch: ScratchSlot<ScanResume>
  /// Per-thread page buffers for `write_back` (nil when off).
  let writeScratch: ScratchSlot<ScanResume>?

  #if DEBUG
    /// Runs where an optimistic reader is about to validate (tests of the version protocol).
    var testHook: ((HookPoint) -> Void)?
  #endif

  /// Counters bumped by readers and by concurrent writers, kept per thread (`Epochs` tallies).
  enum Tally {
    static let keys = 0, hops = 1, checksumBytes = 2, copiedBytes = 3
    static let operations = 4, restarts = 5, structural = 6, writtenBytes = 7
    static let count = 8
  }

  static func limits(pageSize: Int) -> (key: Int, entry: Int) {
    let key = pageSize / 8
    return (key, (pageSize - Page.header - key) / 2 - 6)
  }

  init(
    pageSize: Int, splitByCount: Bool, checksum: Checksum, copyOnRead: Bool,
    writeBack: Bool = false, borrowOne: Bool = false, optimistic: Bool
  ) {
    self.pageSize = pageSize
    self.splitByCount = splitByCount
    self.checksum = checksum
    self.copyOnRead = copyOnRead
    self.writeBack = writeBack
    self.borrowOne = borrowOne
    self.optimistic = optimistic
    sealing = checksum != .off || writeBack
    writeScratch = writeBack ? ScratchSlot { [pageSize] in ScanResume(pageBytes: pageSize) } : nil
    minFill = (pageSize - Page.header) / 4
    (maxKey, maxEntry) = Self.limits(pageSize: pageSize)
    let table = calloc(1024, 8)!.bindMemory(to: UnsafeMutableRawPointer?.self, capacity: 1024)
    s = .allocate(capacity: 1)
    s.initialize(to: State())
    directory = .allocate(capacity: 1)
    directory.initialize(to: Directory(table: table, tableCapacity: 1024))
    let words = UnsafeMutableRawPointer(directory)
    rootWord = (words + MemoryLayout<Directory>.offset(of: \.root)!).assumingMemoryBound(
      to: UInt32.self)
    tableWord = (words + MemoryLayout<Directory>.offset(of: \.table)!).assumingMemoryBound(
      to: UInt64.self)
    capacityWord = (words + MemoryLayout<Directory>.offset(of: \.tableCapacity)!)
      .assumingMemoryBound(to: UInt64.self)
    scratch = .allocate(byteCount: 3 * pageSize, alignment: 16)
    offsets = .allocate(capacity: pageSize)
    fence = .allocate(byteCount: pageSize, alignment: 16)
    separator = .allocate(byteCount: pageSize, alignment: 16)
    fastMax = .allocate(byteCount: pageSize, alignment: 16)
    readCopy = .allocate(byteCount: pageSize, alignment: 16)
    readLatch = .allocate(capacity: 1)
    pthread_mutex_init(readLatch, nil)
    path = .allocate(capacity: 64)
    structureLatch = .allocate(capacity: 1)
    pthread_mutex_init(structureLatch, nil)
    held = .allocate(capacity: 512)
    readerScratch = ScratchSlot { [pageSize, copyOnRead, optimistic] in
      ScanResume(pageBytes: copyOnRead || optimistic ? pageSize : 0)
    }
    let root = newPage(Page.leaf)
    directory.pointee.root = root.id
    seal(root)
  }

  deinit {
    for id in 1..<Int(s.pointee.nextId) { free(directory.pointee.table[id]) }
    free(directory.pointee.table)
    s.deinitialize(count: 1)
    s.deallocate()
    directory.deallocate()
    for p in [scratch, fence, separator, fastMax, readCopy] { p.deallocate() }
    pthread_mutex_destroy(readLatch)
    readLatch.deallocate()
    offsets.deallocate()
    path.deallocate()
    pthread_mutex_destroy(structureLatch)
    structureLatch.deallocate()
    held.deallocate()
  }

  /// The calling thread's tallies.
  @inline(__always) var tallies: UnsafeMutablePointer<Int> { epochs.mine.tallies }

  /// Live keys: the bulk-loaded ones plus every thread's inserts less removes.
  var keyCount: Int { s.pointee.keys + epochs.tally(Tally.keys) }

  // MARK: Pages

  /// The page `id`, for writing.
  @inline(__always) func page(_ id: UInt32) -> Page {
    Page(directory.pointee.table[Int(id)].unsafelyUnwrapped)
  }

  /// Runs a reader that uses `read` pages: under the read latch when pages are copied (the one
  /// copy buffer is shared), directly otherwise.
  @inline(__always) func reading<R>(_ body: () -> R) -> R {
    guard copyOnRead else { return body() }
    pthread_mutex_lock(readLatch)
    defer { pthread_mutex_unlock(readLatch) }
    return body()
  }

  /// The page `id`, for reading: a private copy when the `copy_on_read` variant is on.
  @inline(__always) func read(_ id: UInt32) -> Page {
    let p = page(id)
    guard copyOnRead else { return p }
    readCopy.copyMemory(from: p.p, byteCount: pageSize)
    tallies[Tally.copiedBytes] += pageSize
    return Page(readCopy)
  }

  /// A fresh page of `kind` (held locked during a structural change), published in the table
  /// once formatted.
  func newPage(_ kind: UInt8) -> Page {
    let id: UInt32
    if let reused = s.pointee.freeIds.popLast() {
      id = reused
    } else {
      id = s.pointee.nextId
      s.pointee.nextId += 1
      if Int(id) == directory.pointee.tableCapacity { growTable() }
    }
    let page = Page(malloc(pageSize)!)
    page.version.pointee = s.pointee.locking ? VersionLatch.locked : 0
    page.format(kind, id: id, size: pageSize)
    if s.pointee.locking {
      held[s.pointee.heldCount] = page
      s.pointee.heldCount += 1
    }
    publish(page.p, at: id)
    if kind == Page.leaf { s.pointee.leafPages += 1 } else { s.pointee.interiorPages += 1 }
    return page
  }

  /// Sets table slot `id` with a release store (optimistic readers load it atomically).
  private func publish(_ page: UnsafeMutableRawPointer?, at id: UInt32) {
    csys_store_release(
      UnsafeMutableRawPointer(directory.pointee.table + Int(id)).assumingMemoryBound(
        to: UInt64.self),
      UInt64(UInt(bitPattern: page)))
  }

  /// Doubles the page table; the old one is freed at once, or retired when readers may hold it.
  private func growTable() {
    let old = directory.pointee.table
    let capacity = 2 * directory.pointee.tableCapacity
    let bigger = calloc(capacity, 8)!.bindMemory(
      to: UnsafeMutableRawPointer?.self, capacity: capacity)
    bigger.update(from: old, count: directory.pointee.tableCapacity)
    csys_store_release(tableWord, UInt64(UInt(bitPattern: bigger)))
    csys_store_release(capacityWord, UInt64(capacity))
    if optimistic {
      epochs.retire(UnsafeMutableRawPointer(old), in: epochs.mine)
    } else {
      free(old)
    }
  }

  /// Unlinks and frees page `id`: at once, or when optimistic, marked obsolete (the caller
  /// holds it locked) and retired until no reader can hold it.
  func freePage(_ id: UInt32) {
    let p = page(id)
    if p.isLeaf { s.pointee.leafPages -= 1 } else { s.pointee.interiorPages -= 1 }
    publish(nil, at: id)
    s.pointee.freeIds.append(id)
    if optimistic {
      VersionLatch.markObsolete(p.version)
      epochs.retire(p.p, in: epochs.mine)
    } else {
      free(p.p)
    }
  }

  /// Makes page `id` the root (published for optimistic readers).
  func setRoot(_ id: UInt32) { csys_store_release32(rootWord, id) }

  /// The page `id`, for changing it: during a structural change it is locked first (once).
  @inline(__always) func writable(_ id: UInt32) -> Page {
    let p = page(id)
    if s.pointee.locking { hold(p) }
    return p
  }

  private func hold(_ p: Page) {
    for i in 0..<s.pointee.heldCount where held[i].p == p.p { return }
    precondition(s.pointee.heldCount < 512, "a structural change holds more than 512 pages")
    VersionLatch.lock(p.version)
    held[s.pointee.heldCount] = p
    s.pointee.heldCount += 1
  }

  /// Runs a structural change: alone, inside an epoch, locking each page it touches; the locks
  /// are released together at the end, so a reader never acts on half of it.
  func structural<R>(_ body: () -> R) -> R {
    pthread_mutex_lock(structureLatch)
    let slot = epochs.enter()
    s.pointee.locking = true
    let r = body()
    for i in 0..<s.pointee.heldCount { VersionLatch.unlock(held[i].version) }
    s.pointee.heldCount = 0
    s.pointee.locking = false
    slot.tallies[Tally.structural] += 1
    epochs.exit(slot)
    pthread_mutex_unlock(structureLatch)
    return r
  }

  /// Marks a page written: stamps its checksum (`checksum`), and with `write_back` passes it
  /// through a page buffer as reddb's pager does (`read_page` hands out a copy, `update_checksum`
  /// runs on it, `write_page` puts it back): the page is copied out, checksummed in the buffer
  /// and copied back (all but the version word, which a latch owns). The cells were changed in
  /// place before; the copies model the pager's bytes moved, not its isolation.
  @inline(__always) func seal(_ page: Page) {
    guard sealing else { return }
    sealSlowly(page)
  }

  private func sealSlowly(_ page: Page) {
    guard let writeScratch else {
      stamp(page)
      return
    }
    writeScratch.use { buffer in
      let copy = buffer.page!
      copy.copyMemory(from: page.p, byteCount: pageSize)
      stamp(Page(copy))
      page.p.copyMemory(from: copy, byteCount: 32)
      (page.p + 40).copyMemory(from: copy + 40, byteCount: pageSize - 40)
      tallies[Tally.writtenBytes] += 2 * pageSize
    }
  }

  private func stamp(_ page: Page) {
    guard checksum != .off else { return }
    page.checksum = page.computeChecksum(size: pageSize, ieee: checksum == .crc32)
    tallies[Tally.checksumBytes] += pageSize
  }

  // MARK: Search

  /// Descends to the leaf for `key`, recording the path when `record` (levels 0 = root ... ).
  /// Returns the leaf and its level.
  @inline(__always) func descend(_ key: UnsafeRawBufferPointer, record: Bool) -> (Page, Int) {
    var id = directory.pointee.root
    var level = 0
    while true {
      var p = read(id)
      // B-link: a key at or past the fence lives further right.
      while let high = p.highKey, compareBytes(key, high) >= 0, p.right != 0 {
        tallies[Tally.hops] += 1
        id = p.right
        p = read(id)
      }
      if p.isLeaf { return (p, level) }
      let i = p.route(key)
      if record { path[level] = (id, i) }
      id = p.child(at: i)
      level += 1
    }
  }

  func get(_ key: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
    let (leaf, _) = descend(key, record: false)
    let (i, found) = leaf.lowerBound(key)
    return found ? leaf.value(i) : nil
  }
}

extension UnsafeRawBufferPointer {
  /// Copies these bytes to `to` and returns the copy.
  @inline(__always) func copy(to: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer {
    if count > 0 { to.copyMemory(from: baseAddress!, byteCount: count) }
    return UnsafeRawBufferPointer(start: to, count: count)
  }
}
