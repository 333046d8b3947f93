import EngineKit
import Testing

@testable import Workload

@Suite struct OnodeShapeTests {
  func keys(_ shape: OnodeShape, _ range: Range<UInt64>, hashed: Bool = true) -> [OnodeKey] {
    let e = KeyEncoder(.onode(shape), hashed: hashed)
    let buf = UnsafeMutableRawPointer.allocate(byteCount: e.bufferSize, alignment: 8)
    defer { buf.deallocate() }
    return range.map { k in
      let n = e.encode(k, into: buf)
      precondition(n <= e.maxLength)
      return OnodeKey(decoding: UnsafeRawBufferPointer(start: buf, count: n))!
    }
  }

  @Test func theEncodingSortsLikeTheFields() {
    var s = OnodeShape()
    s.versions = 3
    s.namespaces = 3
    s.objectsPerCrush = 4
    s.nameLength = 1...12
    let all = keys(s, 0..<3000)
    #expect(Set(all).count == 3000)
    let byFields = all.sorted()
    let byBytes = all.sorted { $0.encoded.lexicographicallyPrecedes($1.encoded) }
    #expect(byFields == byBytes)
  }

  @Test func objectsShareNamesAcrossVersionsAndPlacementAcrossCrushGroups() {
    var s = OnodeShape()
    s.versions = 4
    s.objectsPerCrush = 2
    let k = keys(s, 0..<16)
    for o in 0..<4 {
      let versions = k[o * 4..<o * 4 + 4]
      #expect(Set(versions.map(\.oid)).count == 1)
      #expect(versions.last!.snap == OnodeKey.noSnap && versions.last!.gen == OnodeKey.noGen)
      #expect(versions.dropLast().map(\.snap) == [1, 2, 3])
      #expect(k[o * 4].oid.count >= 16 && k[o * 4].oid.count <= 64)
    }
    #expect(k[0].crush == k[4].crush && k[0].crush != k[8].crush)
  }

  @Test func placementGroupsAreContiguousInKeyOrder() {
    var s = OnodeShape()
    s.pgs = 16
    let sorted = keys(s, 0..<2000).sorted()
    // A PG is the low bits of the hash, i.e. the top bits of the reversed crush value.
    let pgs = sorted.map { $0.crush >> 28 }
    #expect(pgs == pgs.sorted())
  }

  @Test func theHashedGridIsAPermutationOfTheGrid() {
    var s = OnodeShape()
    s.layout = .grid
    s.placements = 7
    s.names = 5
    s.versions = 3
    s.namespaceSizes = [8, 20]
    s.nameSizes = [8, 30]
    let ordered = keys(s, 0..<105, hashed: false)
    let hashed = keys(s, 0..<105, hashed: true)
    #expect(ordered == ordered.sorted())
    #expect(Set(hashed) == Set(ordered) && hashed != ordered)
    #expect(ordered[0].nspace.isEmpty && ordered[0].oid.isEmpty && ordered[3].oid.count == 30)
    #expect(ordered[104].shard == 6 && ordered[104].pool == 6 && ordered[104].snap == 2)
  }

  /// `grid_from` starts every range where crimson's KVPool ranges start (ceph/ceph#36986 used
  /// 1…127 × 1…9 × 1…3); `size_pick: drawn` picks the two sizes independently.
  @Test func theGridCanStartAtOneAndDrawItsSizes() throws {
    let spec = try WorkloadLoader.parse(
      "records: 27\nkeys: {shape: onode, layout: grid, grid_from: 1, placements: 3, names: 3, versions: 3, namespace_sizes: [8, 64], name_sizes: [8, 64], size_pick: drawn}\n",
      file: "w.yaml", overrides: [])
    guard case .onode(let s) = spec.keyShape else {
      Issue.record("not onode")
      return
    }
    #expect(s.gridFrom == 1 && s.sizePick == .drawn)
    let k = keys(s, 0..<27, hashed: false)
    #expect(k[0].shard == 1 && k[0].snap == 1 && k[26].pool == 3 && k[26].gen == 3)
    #expect(k.allSatisfy { !$0.nspace.isEmpty && !$0.oid.isEmpty })
    #expect(Array(k[0].nspace.prefix(3)) == Array("ns1".utf8))
    // Drawn sizes are not tied to each other as the cycled ones are.
    #expect(k.contains { $0.nspace.count != $0.oid.count })
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse(
        "keys: {shape: onode, layout: grid, placements: 128, grid_from: 1}\n", file: "w.yaml",
        overrides: [])
    }
  }

  @Test func specFieldsParseAndBadOnesFail() throws {
    let spec = try WorkloadLoader.parse(
      "keys: {shape: onode, versions: 4, name_length: {min: 8, max: 32}, pgs: 8}\nvalue_size: [8, 16]\n",
      file: "w.yaml", overrides: [])
    guard case .onode(let o) = spec.keyShape else {
      Issue.record("not onode")
      return
    }
    #expect(o.versions == 4 && o.nameLength == 8...32 && o.pgs == 8)
    #expect(spec.valueSize == .choice([8, 16]))
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse(
        "keys: {shape: onode, layout: tree}\n", file: "w.yaml", overrides: [])
    }
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse(
        "records: 100\nkeys: {shape: onode, layout: grid, placements: 2, names: 2, versions: 2}\n",
        file: "w.yaml", overrides: [])
    }
  }
}

@Suite struct AllocatorFieldTests {
  @Test func decaySettingsParseAndArenasPointToTheEnvironment() throws {
    let spec = try WorkloadLoader.parse(
      "allocator: {dirty_decay_ms: 0, muzzy_decay_ms: -1}\n", file: "w.yaml", overrides: [])
    #expect(spec.allocator == ["dirty_decay_ms": 0, "muzzy_decay_ms": -1])
    do {
      _ = try WorkloadLoader.parse("allocator: {arenas: 4}\n", file: "w.yaml", overrides: [])
      Issue.record("arenas accepted")
    } catch let e as SpecError {
      #expect(e.field == "allocator.arenas" && e.message.contains("MALLOC_CONF=narenas"))
    }
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse("allocator: {dirty_decay: 5}\n", file: "w.yaml", overrides: [])
    }
  }
}

@Suite struct PathShapeTests {
  func paths(_ shape: PathShape, hashed: Bool) -> [String] {
    let e = KeyEncoder(.path(shape), hashed: hashed)
    let buf = UnsafeMutableRawPointer.allocate(byteCount: e.bufferSize, alignment: 8)
    defer { buf.deallocate() }
    return (0..<UInt64(shape.capacity)).map { k in
      let n = e.encode(k, into: buf)
      precondition(n <= e.maxLength)
      return String(decoding: UnsafeRawBufferPointer(start: buf, count: n), as: UTF8.self)
    }
  }

  @Test func orderedKeysAreSortedPathsAndHashedOnesAPermutation() {
    var s = PathShape()
    (s.depth, s.fanout, s.files, s.nameLength) = (2, 3, 4, 4)
    let ordered = paths(s, hashed: false)
    #expect(ordered.count == 36 && ordered == ordered.sorted())
    #expect(ordered[0] == "/d000/d000/f000" && ordered[35] == "/d002/d002/f003")
    #expect(ordered[5] == "/d000/d001/f001")
    let hashed = paths(s, hashed: true)
    #expect(Set(hashed) == Set(ordered) && hashed != ordered)
  }

  @Test func recordsBeyondTheTreeAreRejected() throws {
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse(
        "records: 100\nkeys: {shape: path, depth: 1, fanout: 5, files: 10}\n", file: "w.yaml",
        overrides: [])
    }
    let s = try WorkloadLoader.parse(
      "records: 50\nkeys: {shape: path, depth: 1, fanout: 5, files: 10, name_length: 6}\n",
      file: "w.yaml", overrides: [])
    #expect(
      s.keyShape
        == .path(
          {
            var p = PathShape()
            (p.depth, p.fanout, p.files, p.nameLength) = (1, 5, 10, 6)
            return p
          }()))
  }
}
