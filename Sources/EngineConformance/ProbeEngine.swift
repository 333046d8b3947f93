import EngineKit

/// The sorted-map baseline behind overridable methods, for tests that watch or break an engine
/// (count scan steps, record bulk loads, drop inserts): subclass it and override what you need.
/// Listing is the default over `scan`, so it sees an overridden scan.
open class ProbeEngine: IndexEngine {
  open class var descriptor: EngineDescriptor { SortedMapEngine.descriptor }
  public let inner: SortedMapEngine

  public required init(options: EngineOptions) throws {
    inner = try SortedMapEngine(options: options)
  }

  open func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    inner.get(key, into: &value)
  }
  open func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    inner.insert(key, value)
  }
  open func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    inner.update(key, value)
  }
  open func remove(_ key: UnsafeRawBufferPointer) -> Bool { inner.remove(key) }
  open func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int { inner.scan(from: key, limit: limit, visit) }
  open func bulkLoad(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int { inner.bulkLoad(count: count, entry) }
  open var stats: EngineStats { inner.stats }
  open func checkInvariants() throws { try inner.checkInvariants() }
}
