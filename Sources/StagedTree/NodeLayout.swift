/// A node format the tree algorithms run over: the staged N0 layout (`Node`) or simple-fltree's
/// (`SimpleNode`). A node is `size` bytes at `base`; positions are `Pos` values (the simple layout
/// uses only `slot`); the end position has `slot == slotCount`.
protocol NodeLayout: Equatable {
  init(base: UnsafeMutableRawPointer, size: Int)
  var base: UnsafeMutableRawPointer { get }
  var size: Int { get }
  /// Whether the node at `base` is a leaf (from its header).
  static func isLeaf(_ base: UnsafeRawPointer) -> Bool
  /// Bytes a stored value adds to its payload.
  static var valueHeaderSize: Int { get }

  var isLeaf: Bool { get }
  var isTail: Bool { get }
  var level: Int { get }
  func setHeader(leaf: Bool, tail: Bool, level: Int)
  /// Top-level positions (0 when the node holds no keyed entry).
  var slotCount: Int { get }
  var hasTailChild: Bool { get }
  var tailChild: UInt64 { get }
  func setTailChild(_ c: UInt64)
  /// Exactly one entry (or one child).
  var isSingle: Bool { get }
  var freeSize: Int { get }
  var filledSize: Int { get }
  /// Bytes of entries (without header and tail child), and what the node can hold of them.
  var kvSize: Int { get }
  var kvCapacity: Int { get }

  var first: Pos { get }
  func next(_ p: Pos) -> Pos
  func previous(_ p: Pos) -> Pos?
  /// The first entry ≥ `key` and how it matches; `h` carries the ancestors' matches.
  func lowerBound(_ key: Key, _ h: inout History) -> (Pos, MatchStat)
  func key(at p: Pos) -> Key
  func child(at p: Pos) -> UInt64
  func setChild(at p: Pos, _ c: UInt64)
  func value(at p: Pos) -> UnsafeRawBufferPointer

  /// Inserts `e` next to its lower bound `p` in place; false when it does not fit.
  func insert(_ e: Entry, at p: Pos) -> Bool
  /// Erases the entry at `p` in place.
  func eraseInPlace(_ p: Pos)
  /// Appends the node's entries (pointing into its bytes) to `out`.
  func gather(into out: inout [Entry])
  /// Writes `entries` (sorted) as the node's whole content.
  func build(
    _ entries: ArraySlice<Entry>, leaf: Bool, tail: Bool, level: Int, tailChild: UInt64)
  /// What `entries` take as one node, header and tail child included; nil when they cannot
  /// share one node whatever its size (a per-container count limit).
  static func size(of entries: ArraySlice<Entry>, leaf: Bool, tailChild: Bool) -> Int?
  /// What this node's bytes should add up to with `entries` laid out as it lays them out now.
  func accountedSize(_ entries: ArraySlice<Entry>) -> Int?
  /// Entry i's share of a node's bytes given the entry before it (none when `first`), for
  /// choosing split points.
  static func cost(_ entries: [Entry], _ i: Int, first: Bool, leaf: Bool) -> Int

  /// A leaf entry for a scan: its value, version, and the next position.
  func scanStep(_ p: Pos) -> (value: UnsafeRawBufferPointer, snap: UInt64, gen: UInt64, next: Pos)
  /// The highest stage at which the entry at `p` differs from the one at `q` (same leaf).
  func changedStage(from q: Pos, to p: Pos) -> Stage
  func names(at p: Pos) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer)
  /// The first broken layout rule, or nil.
  func checkLayout() -> String?
}

extension NodeLayout {
  var last: Pos { previous(Pos.end(self))! }

  /// A plain lower bound (no history), the reference the history search is checked against.
  func plainLowerBound(_ key: Key) -> Pos {
    var h = History()
    return lowerBound(key, &h).0
  }
}
