extension IndexEngine {
  /// `bulkLoad` of packed entries (ascending).
  public func bulkLoad(_ entries: PackedEntries) -> Int {
    entries.withEntries { bulkLoad(count: entries.count, $0) }
  }

  /// `bulkLoad` over arrays (tests).
  public func bulkLoad(_ entries: [([UInt8], [UInt8])]) -> Int { bulkLoad(PackedEntries(entries)) }
}

/// A result that differs from the reference model.
public struct ModelMismatch: Error, CustomStringConvertible {
  public var expected: String
  public var actual: String
  public var description: String { "expected \(expected), got \(actual)" }
}

/// Drives an engine and the `ReferenceModel` with the same operations and compares every result.
/// Used by the conformance suite and by `bench run --verify`.
public struct ModelChecker<E: IndexEngine> {
  public let engine: E
  public private(set) var model = ReferenceModel()
  var value = ValueBuffer()

  public init(_ engine: E) { self.engine = engine }

  static func describe(_ v: ByteString?) -> String {
    v.map { "value 0x\($0.withBytes { hexPreview($0) })" } ?? "absent"
  }

  public mutating func get(_ key: UnsafeRawBufferPointer) throws {
    let expected = model.get(ByteString(key))
    let actual = engine.get(key, into: &value) ? ByteString(value.bytes) : nil
    if expected != actual {
      throw ModelMismatch(expected: Self.describe(expected), actual: Self.describe(actual))
    }
  }

  public mutating func insert(_ key: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) throws {
    let e = model.insert(ByteString(key), ByteString(v))
    let a = engine.insert(key, v)
    if e != a { throw ModelMismatch(expected: "insert \(e)", actual: "insert \(a)") }
  }

  public mutating func update(_ key: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) throws {
    let e = model.update(ByteString(key), ByteString(v))
    let a = engine.update(key, v)
    if e != a { throw ModelMismatch(expected: "update \(e)", actual: "update \(a)") }
  }

  public mutating func remove(_ key: UnsafeRawBufferPointer) throws {
    let e = model.remove(ByteString(key))
    let a = engine.remove(key)
    if e != a { throw ModelMismatch(expected: "remove \(e)", actual: "remove \(a)") }
  }

  /// Read-modify-write: a get, then an update when the key exists.
  public mutating func readModifyWrite(_ key: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer)
    throws
  {
    try get(key)
    if model.get(ByteString(key)) != nil { try update(key, v) }
  }

  /// Bulk-loads `entries` (ascending) into both; every one must load.
  public mutating func bulkLoad(_ entries: PackedEntries) throws {
    entries.withEntries { entry in
      for i in 0..<entries.count {
        _ = model.insert(ByteString(entry(i).key), ByteString(entry(i).value))
      }
    }
    let n = engine.bulkLoad(entries)
    if n != entries.count {
      throw ModelMismatch(expected: "\(entries.count) loaded", actual: "\(n)")
    }
  }

  /// Checks an S3-style listing against the model's.
  public mutating func list(
    prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer? = nil, delimiter: UInt8?,
    limit: Int
  ) throws {
    guard E.descriptor.supportsScan else { return }
    let expected = model.list(
      prefix: Array(prefix), startAfter: startAfter.map(Array.init), delimiter: delimiter,
      limit: limit)
    var actual: [ListItem] = []
    let n = engine.list(prefix: prefix, startAfter: startAfter, delimiter: delimiter, limit: limit)
    {
      actual.append(ListItem($0))
      return true
    }
    try Self.match(expected, actual, returned: n)
  }

  public mutating func scan(from key: UnsafeRawBufferPointer, limit: Int) throws {
    guard E.descriptor.supportsScan else { return }
    let expected = model.scan(from: ByteString(key), limit: limit).map { k, v in
      ListItem.key(k.withBytes(Array.init), v.withBytes(Array.init))
    }
    var actual: [ListItem] = []
    let n = engine.scan(from: key, limit: limit) { k, v in
      actual.append(.key(Array(k), Array(v)))
      return true
    }
    try Self.match(expected, actual, returned: n)
  }

  /// Throws unless the engine returned the number of entries it visited and they equal the
  /// model's, naming the first that differs.
  static func match(_ expected: [ListItem], _ actual: [ListItem], returned n: Int) throws {
    if n != actual.count {
      throw ModelMismatch(
        expected: "count \(actual.count) (entries visited)", actual: "returned \(n)")
    }
    if let i = (0..<max(expected.count, actual.count)).first(where: { i in
      i >= expected.count || i >= actual.count || expected[i] != actual[i]
    }) {
      func at(_ l: [ListItem]) -> String { i < l.count ? l[i].description : "end" }
      throw ModelMismatch(
        expected: "\(expected.count) entries, entry \(i) \(at(expected))",
        actual: "\(actual.count) entries, entry \(i) \(at(actual))")
    }
  }

  /// Structural invariants, the key count and (with scans) the full contents against the model.
  public func checkAll() throws {
    try engine.checkInvariants()
    if engine.stats.keys != model.count {
      throw InvariantViolation("engine reports \(engine.stats.keys) keys, model has \(model.count)")
    }
    guard E.descriptor.supportsScan else { return }
    let expected = model.entries
    var i = 0
    var bad: String?
    _ = engine.scan(from: UnsafeRawBufferPointer(start: nil, count: 0), limit: .max) { k, v in
      if i >= expected.count || expected[i].0 != ByteString(k) || expected[i].1 != ByteString(v) {
        bad = "full scan differs from the model at entry \(i) (key 0x\(hexPreview(k)))"
        return false
      }
      i += 1
      return true
    }
    if let bad { throw InvariantViolation(bad) }
    if i != expected.count {
      throw InvariantViolation("full scan returned \(i) entries, model has \(expected.count)")
    }
  }
}
