import SortedCollections

/// Does nothing: measures the harness's own cost per operation.
public final class NullEngine: IndexEngine {
    public static let descriptor = EngineDescriptor(
        name: "null", summary: "no index: every op succeeds at once; measures harness overhead",
        supportsScan: true, threadSafe: true)
    public init(options: EngineOptions) throws {}
    public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool { true }
    public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool { true }
    public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool { true }
    public func remove(_ key: UnsafeRawBufferPointer) -> Bool { true }
    public func scan(
        from key: UnsafeRawBufferPointer, limit: Int, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
    ) -> Int { 0 }
    public var stats: EngineStats { EngineStats(keys: 0, logicalBytes: 0) }
    public func checkInvariants() throws {}
}

/// Baseline: the standard library's `Dictionary` (point operations only, no order).
public final class HashMapEngine: IndexEngine {
    public static let descriptor = EngineDescriptor(
        name: "hashmap", summary: "Swift Dictionary baseline (point ops only; no scans)", supportsScan: false)
    private var map: [ByteString: ByteString] = [:]

    public init(options: EngineOptions) throws {}

    public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
        guard let v = map[ByteString(key)] else { return false }
        v.withBytes { value.store($0) }
        return true
    }

    public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        let k = ByteString(key)
        if map[k] != nil { return false }
        map[k] = ByteString(value)
        return true
    }

    public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        let k = ByteString(key)
        guard map[k] != nil else { return false }
        map[k] = ByteString(value)
        return true
    }

    public func remove(_ key: UnsafeRawBufferPointer) -> Bool { map.removeValue(forKey: ByteString(key)) != nil }

    public func scan(
        from key: UnsafeRawBufferPointer, limit: Int, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
    ) -> Int { 0 }

    public var stats: EngineStats { EngineStats(keys: map.count) }
    public func checkInvariants() throws {}
}

/// Baseline: swift-collections' B-tree (`SortedCollections`), the Swift library peer. Its
/// `SortedDictionary` has no public lower-bound search, so entries live in the same B-tree as a
/// `SortedSet` ordered by key, whose range subscript gives the scan start.
public final class SortedMapEngine: IndexEngine {
    public static let descriptor = EngineDescriptor(
        name: "sortedmap", summary: "swift-collections SortedCollections B-tree baseline", supportsScan: true)

    struct Entry: Comparable {
        var key: ByteString
        var value: ByteString
        static func < (a: Entry, b: Entry) -> Bool { a.key < b.key }
        static func == (a: Entry, b: Entry) -> Bool { a.key == b.key }
    }
    private var tree = SortedSet<Entry>()
    private static let empty = ByteString.small(0, 0, 0, 0)

    public init(options: EngineOptions) throws {}

    public func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
        let probe = Entry(key: ByteString(key), value: Self.empty)
        guard let e = tree[probe...].first, e.key == probe.key else { return false }
        e.value.withBytes { value.store($0) }
        return true
    }

    public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        tree.insert(Entry(key: ByteString(key), value: ByteString(value))).inserted
    }

    public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        let e = Entry(key: ByteString(key), value: ByteString(value))
        guard tree.contains(e) else { return false }
        tree.update(with: e)
        return true
    }

    public func remove(_ key: UnsafeRawBufferPointer) -> Bool {
        tree.remove(Entry(key: ByteString(key), value: Self.empty)) != nil
    }

    public func scan(
        from key: UnsafeRawBufferPointer, limit: Int, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
    ) -> Int {
        var n = 0
        for e in tree[Entry(key: ByteString(key), value: Self.empty)...] {
            guard n < limit else { break }
            n += 1
            let go = e.key.withBytes { k in e.value.withBytes { v in visit(k, v) } }
            if !go { break }
        }
        return n
    }

    public var stats: EngineStats { EngineStats(keys: tree.count) }

    public func checkInvariants() throws {
        var previous: ByteString?
        for e in tree {
            if let p = previous, !(p < e.key) { throw InvariantViolation("keys out of order at \(e.key.withBytes(hexString))") }
            previous = e.key
        }
    }
}
