import EngineKit

/// A cursor on one entry of a staged tree that stays usable while the tree changes, as the
/// original's cursors do: it caches its leaf position with the layout version it saw, and when
/// the version has moved (an insert, erase, split or merge since) it finds its entry again by
/// key. A cursor whose entry was erased becomes invalid for good, as in Quincy (node.cc
/// `tree_cursor_t::invalidate` from the leaf's `track_erase`): re-inserting the same key later
/// makes a new entry, which the old cursor does not see. One past the last entry is at the end.
/// (The original keeps a layout version per leaf and rewrites tracked positions in place; here
/// the version is tree-wide, so any change costs a cursor one re-descent, and erasure is
/// recorded on a tracker the engine keeps for each live cursor.)
public struct StagedCursor {
  public enum State: Equatable { case tracked, end, invalid }
  public fileprivate(set) var state: State
  /// The entry's key, as the engine takes keys (the onode encoding or the object name).
  public fileprivate(set) var key: [UInt8]
  fileprivate var leaf: UnsafeMutableRawPointer?
  fileprivate var pos: Pos?
  fileprivate var version: UInt64
  /// Marked when the entry is erased (nil at the end).
  fileprivate var tracker: CursorTracker?
}

/// What the engine knows of one live cursor: its key, and whether its entry was erased. The
/// engine holds trackers weakly, so they go with the last copy of their cursor.
final class CursorTracker {
  let key: [UInt8]
  var erased = false
  init(_ key: [UInt8]) { self.key = key }
}

/// The engine's trackers, checked on erase only while some exist.
struct CursorTrackers {
  private struct Weak { weak var tracker: CursorTracker? }
  private var all: [Weak] = []

  var isEmpty: Bool { all.isEmpty }

  mutating func add(_ t: CursorTracker) {
    all.removeAll { $0.tracker == nil }
    all.append(Weak(tracker: t))
  }

  /// Marks the trackers whose key equals `key` (per `same`) erased, and forgets them.
  mutating func erase(where same: (CursorTracker) -> Bool) {
    all.removeAll { w in
      guard let t = w.tracker else { return true }
      if same(t) {
        t.erased = true
        return true
      }
      return false
    }
  }
}

extension StagedTreeEngine {
  /// A cursor on the first entry ≥ `key`.
  public func cursor(at key: [UInt8]) -> StagedCursor {
    switch layout {
    case .staged(let core): return core.cursor(at: key)
    case .simple(let core): return core.cursor(at: key)
    }
  }
  /// The value under a tracked cursor; nil when it is at the end or invalid.
  public func value(at c: inout StagedCursor) -> [UInt8]? {
    switch layout {
    case .staged(let core): return core.value(at: &c)
    case .simple(let core): return core.value(at: &c)
    }
  }
  /// Moves a tracked cursor to the next entry, or to the end.
  public func advance(_ c: inout StagedCursor) {
    switch layout {
    case .staged(let core): core.advance(&c)
    case .simple(let core): core.advance(&c)
    }
  }
}

extension Core {
  func cursor(at key: [UInt8]) -> StagedCursor {
    let (leaf, p, _) = key.withUnsafeBytes { tree.descend(stagedKey($0)) }
    return step(from: Cursor(leaf: leaf, pos: p, stack: tree.path))
  }

  func value(at c: inout StagedCursor) -> [UInt8]? {
    revalidate(&c)
    guard c.state == .tracked, let leaf = c.leaf, let p = c.pos else { return nil }
    return Array(tree.node(UInt64(UInt(bitPattern: leaf))).value(at: p))
  }

  func advance(_ c: inout StagedCursor) {
    revalidate(&c)
    guard c.state == .tracked else { return }
    let (leaf, p, _) = c.key.withUnsafeBytes { tree.descend(stagedKey($0)) }
    var cursor = Cursor(leaf: leaf, pos: p, stack: tree.path)
    var changed = Stage.left
    _ = tree.next(&cursor, changed: &changed)  // the entry itself
    c = step(from: cursor)
  }

  /// Re-reads the cursor's position when the layout changed since it was cached.
  private func revalidate(_ c: inout StagedCursor) {
    guard c.state == .tracked else { return }
    if c.tracker?.erased == true {
      c.state = .invalid
      return
    }
    guard c.version != tree.layoutVersion else { return }
    let (leaf, p, m) = c.key.withUnsafeBytes { tree.descend(stagedKey($0)) }
    if m == .eq {
      (c.leaf, c.pos, c.version) = (leaf.base, p, tree.layoutVersion)
    } else {
      c.state = .invalid
    }
  }

  /// A cursor on the entry `cursor` yields next.
  private func step(from cursor: Cursor<N>) -> StagedCursor {
    var cursor = cursor
    var changed = Stage.left
    guard let e = tree.next(&cursor, changed: &changed) else {
      return StagedCursor(
        state: .end, key: [], leaf: nil, pos: nil, version: tree.layoutVersion, tracker: nil)
    }
    let key = e.key
    let bytes: [UInt8] = onode ? OnodeKey(key).encoded : Array(key.oid)
    let tracker = CursorTracker(bytes)
    trackers.add(tracker)
    return StagedCursor(
      state: .tracked, key: bytes, leaf: e.leaf.base, pos: e.pos, version: tree.layoutVersion,
      tracker: tracker)
  }

  /// Any byte key as a staged key (keys the engine would refuse still position a cursor).
  func stagedKey(_ bytes: UnsafeRawBufferPointer) -> Key {
    key(bytes) ?? Key(object: bytes, spread: spread)
  }
}
