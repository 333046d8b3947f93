import CSys
import EngineKit

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Mutable tree state, kept in raw memory so hot paths pay no exclusivity checks.
struct State {
  var root: UInt32 = 0
  var keys = 0
  /// Page table: id → page address (id 0 is unused), and a stack of free ids.
  var table: UnsafeMutablePointer<UnsafeMutableRawPointer?>
  var tableCapacity: Int
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
  var hops = 0
  var checksumBytes = 0
  var copiedBytes = 0
  /// Whether the entries gathered in scratch memory are leaf cells (else interior cells).
  var gatheredLeaves = true
}

/// A page-structured B-link tree over slotted pages (see `Page`): leaves doubly linked, every
/// page with a fence key and a right link, split by bytes or by count, rebalanced at a 25 % byte
/// floor, with a rightmost-leaf append fast path. Not thread-safe: the runner wraps it.
final class Tree {
  let pageSize: Int
  let splitByCount: Bool
  let useChecksum: Bool
  let copyOnRead: Bool
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

  static func limits(pageSize: Int) -> (key: Int, entry: Int) {
    let key = pageSize / 8
    return (key, (pageSize - Page.header - key) / 2 - 6)
  }

  init(pageSize: Int, splitByCount: Bool, checksum: Bool, copyOnRead: Bool) {
    self.pageSize = pageSize
    self.splitByCount = splitByCount
    self.useChecksum = checksum
    self.copyOnRead = copyOnRead
    minFill = (pageSize - Page.header) / 4
    (maxKey, maxEntry) = Self.limits(pageSize: pageSize)
    let table = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: 1024)
    table.initialize(repeating: nil, count: 1024)
    s = .allocate(capacity: 1)
    s.initialize(to: State(table: table, tableCapacity: 1024))
    scratch = .allocate(byteCount: 3 * pageSize, alignment: 16)
    offsets = .allocate(capacity: pageSize)
    fence = .allocate(byteCount: pageSize, alignment: 16)
    separator = .allocate(byteCount: pageSize, alignment: 16)
    fastMax = .allocate(byteCount: pageSize, alignment: 16)
    readCopy = .allocate(byteCount: pageSize, alignment: 16)
    readLatch = .allocate(capacity: 1)
    pthread_mutex_init(readLatch, nil)
    path = .allocate(capacity: 64)
    let root = newPage(Page.leaf)
    s.pointee.root = root.id
    seal(root)
  }

  deinit {
    for id in 1..<Int(s.pointee.nextId) { free(s.pointee.table[id]) }
    s.pointee.table.deallocate()
    s.deinitialize(count: 1)
    s.deallocate()
    for p in [scratch, fence, separator, fastMax, readCopy] { p.deallocate() }
    pthread_mutex_destroy(readLatch)
    readLatch.deallocate()
    offsets.deallocate()
    path.deallocate()
  }

  // MARK: Pages

  /// The page `id`, for writing.
  @inline(__always) func page(_ id: UInt32) -> Page {
    Page(s.pointee.table[Int(id)].unsafelyUnwrapped)
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
    s.pointee.copiedBytes += pageSize
    return Page(readCopy)
  }

  func newPage(_ kind: UInt8) -> Page {
    let id: UInt32
    if let reused = s.pointee.freeIds.popLast() {
      id = reused
    } else {
      id = s.pointee.nextId
      s.pointee.nextId += 1
      if Int(id) == s.pointee.tableCapacity {
        let bigger = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(
          capacity: 2 * Int(id))
        bigger.initialize(repeating: nil, count: 2 * Int(id))
        bigger.update(from: s.pointee.table, count: Int(id))
        s.pointee.table.deallocate()
        s.pointee.table = bigger
        s.pointee.tableCapacity = 2 * Int(id)
      }
    }
    let memory = malloc(pageSize)!
    s.pointee.table[Int(id)] = memory
    let page = Page(memory)
    page.format(kind, id: id, size: pageSize)
    if kind == Page.leaf { s.pointee.leafPages += 1 } else { s.pointee.interiorPages += 1 }
    return page
  }

  func freePage(_ id: UInt32) {
    let p = page(id)
    if p.isLeaf { s.pointee.leafPages -= 1 } else { s.pointee.interiorPages -= 1 }
    free(p.p)
    s.pointee.table[Int(id)] = nil
    s.pointee.freeIds.append(id)
  }

  /// Marks a page written: stamps its checksum in the `checksum: on` variant.
  @inline(__always) func seal(_ page: Page) {
    guard useChecksum else { return }
    page.checksum = 0
    page.checksum = csys_crc32c(page.p, pageSize)
    s.pointee.checksumBytes += pageSize
  }

  // MARK: Search

  /// Descends to the leaf for `key`, recording the path when `record` (levels 0 = root ... ).
  /// Returns the leaf and its level.
  @inline(__always) func descend(_ key: UnsafeRawBufferPointer, record: Bool) -> (Page, Int) {
    var id = s.pointee.root
    var level = 0
    while true {
      var p = read(id)
      // B-link: a key at or past the fence lives further right.
      while let high = p.highKey, compareBytes(key, high) >= 0, p.right != 0 {
        s.pointee.hops += 1
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
