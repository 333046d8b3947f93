import SortedCollections

/// The trusted model every engine is checked against: a plain sorted set of (key, value) built
/// on swift-collections' B-tree, with the engine contract's result semantics.
public struct ReferenceModel {
    struct Entry: Comparable {
        var key: ByteString
        var value: ByteString
        static func < (a: Entry, b: Entry) -> Bool { a.key < b.key }
        static func == (a: Entry, b: Entry) -> Bool { a.key == b.key }
    }
    private var tree = SortedSet<Entry>()
    private static let empty = ByteString.small(0, 0, 0, 0)

    public init() {}

    public var count: Int { tree.count }

    public func get(_ key: ByteString) -> ByteString? {
        guard let e = tree[Entry(key: key, value: Self.empty)...].first, e.key == key else { return nil }
        return e.value
    }

    public mutating func insert(_ key: ByteString, _ value: ByteString) -> Bool {
        tree.insert(Entry(key: key, value: value)).inserted
    }

    public mutating func update(_ key: ByteString, _ value: ByteString) -> Bool {
        let e = Entry(key: key, value: value)
        guard tree.contains(e) else { return false }
        tree.update(with: e)
        return true
    }

    public mutating func remove(_ key: ByteString) -> Bool { tree.remove(Entry(key: key, value: Self.empty)) != nil }

    /// Up to `limit` entries with key ≥ `key`, ascending.
    public func scan(from key: ByteString, limit: Int) -> [(ByteString, ByteString)] {
        tree[Entry(key: key, value: Self.empty)...].prefix(limit).map { ($0.key, $0.value) }
    }

    /// Every entry, ascending.
    public var entries: [(ByteString, ByteString)] { tree.map { ($0.key, $0.value) } }
}
