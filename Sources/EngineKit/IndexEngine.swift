/// The contract every index engine implements. Keys and values are byte strings; an engine sees
/// borrowed bytes and copies what it keeps. Methods are called from one thread at a time unless
/// the descriptor says the engine is natively thread-safe (otherwise the runner wraps it).
public protocol IndexEngine: AnyObject, SendableMetatype {
  /// Builds an empty engine; a bad variant knob throws `EngineOptionError`.
  init(options: EngineOptions) throws
  /// Copies the value of `key` into `value`; false when absent.
  func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool
  /// Adds `key`; false (and no change) when it already exists.
  func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool
  /// Replaces the value of an existing `key`; false when absent.
  func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool
  /// Removes `key`; false when absent.
  func remove(_ key: UnsafeRawBufferPointer) -> Bool
  /// Visits up to `limit` entries with key ≥ `key` in ascending order until `visit` returns
  /// false; returns the number visited.
  func scan(
    from key: UnsafeRawBufferPointer, limit: Int,
    _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int
  /// Loads `count` entries, strictly ascending by key, where entry i is `entry(i)` (its bytes
  /// stay valid for the whole call); returns how many were loaded. Engines with a bottom-up
  /// build override it; the default inserts them one by one.
  func bulkLoad(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int
  /// S3-style listing under `prefix` (see the default implementation over `scan`).
  func list(
    prefix: UnsafeRawBufferPointer, startAfter: UnsafeRawBufferPointer?, delimiter: UInt8?,
    limit: Int, _ visit: (ListEntry) -> Bool
  ) -> Int
  /// Structure figures: live keys, logical bytes, height, node counts, counters.
  var stats: EngineStats { get }
  /// Full structural check (tests and `--verify`); throws `InvariantViolation`.
  func checkInvariants() throws
  /// Called by the runner after each phase (load, run) once every client thread has finished
  /// and before the phase's stats are taken, outside the timed loop: no operation is in
  /// flight. Engines with between-phase maintenance (the ART's `compact: between_phases`) do it
  /// here; the default does nothing.
  func phaseEnded()
  /// Name, knobs and capabilities.
  static var descriptor: EngineDescriptor { get }
}

extension IndexEngine {
  public func phaseEnded() {}

  @inlinable
  public func bulkLoad(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int { insertEach(count: count, entry) }

  /// Inserts the entries one by one, in order; returns how many went in. The default bulk load,
  /// and what an engine with its own falls back to when it cannot build bottom-up.
  @inlinable
  public func insertEach(
    count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
  ) -> Int {
    var loaded = 0
    for i in 0..<count {
      let (k, v) = entry(i)
      if insert(k, v) { loaded += 1 }
    }
    return loaded
  }
}

/// What an engine is and what it can do.
public struct EngineDescriptor: Sendable {
  public var name: String
  public var summary: String
  public var knobs: [Knob]
  /// False for engines without ordered scans (a spec with scans on them is rejected).
  public var supportsScan: Bool
  /// True when the engine synchronises itself; otherwise the runner wraps it for > 1 thread.
  public var threadSafe: Bool
  /// True when the engine offers `concurrency: olc` (optimistic lock coupling), which `auto`
  /// picks; the engine then finds `.olc` in `EngineOptions.concurrency`.
  public var supportsOLC: Bool
  /// False only for engines that keep nothing (the `null` harness probe): nothing to verify.
  public var storesData: Bool
  /// The longest key and value the engine accepts; longer ones are refused (insert and update
  /// return false), and the planner rejects workloads that would generate them.
  public var maxKeyLength: Int
  public var maxValueLength: Int
  /// The longest key plus value together.
  public var maxEntryLength: Int

  public init(
    name: String, summary: String, knobs: [Knob] = [], supportsScan: Bool, threadSafe: Bool = false,
    supportsOLC: Bool = false, storesData: Bool = true, maxKeyLength: Int = .max,
    maxValueLength: Int = .max,
    maxEntryLength: Int = .max
  ) {
    self.maxEntryLength = maxEntryLength
    self.storesData = storesData
    self.maxKeyLength = maxKeyLength
    self.maxValueLength = maxValueLength
    self.name = name
    self.summary = summary
    self.knobs = knobs
    self.supportsScan = supportsScan
    self.threadSafe = threadSafe
    self.supportsOLC = supportsOLC
  }
}

/// One variant knob of an engine, as written in a workload file.
public struct Knob: Sendable {
  public enum Kind: Sendable {
    case choice([String])
    case integer(ClosedRange<Int>)
  }
  public var name: String
  public var kind: Kind
  public var defaultValue: String
  public var help: String

  public init(_ name: String, _ kind: Kind, default defaultValue: String, help: String) {
    self.name = name
    self.kind = kind
    self.defaultValue = defaultValue
    self.help = help
  }

  /// "a | b | c" or "1...64", for messages and `bench list`.
  public var allowed: String {
    switch kind {
    case .choice(let c): return c.joined(separator: " | ")
    case .integer(let r): return "\(r.lowerBound)...\(r.upperBound)"
    }
  }
}

/// Structure figures an engine reports about itself.
public struct EngineStats: Sendable, Equatable {
  /// Live keys.
  public var keys: Int
  /// Bytes the engine itself accounts for (nodes, keys, values), or nil when unknown.
  public var logicalBytes: Int?
  public var height: Int?
  /// Engine-specific figures (node counts by kind, splits, fill %, …), in a stable order.
  public var details: [(String, Double)]
  /// The engine's knobs as it resolved them (defaults and presets applied), for engines that
  /// report them; recorded per cell in run.json.
  public var knobs: [(String, String)]

  public init(
    keys: Int, logicalBytes: Int? = nil, height: Int? = nil, details: [(String, Double)] = [],
    knobs: [(String, String)] = []
  ) {
    self.keys = keys
    self.logicalBytes = logicalBytes
    self.height = height
    self.details = details
    self.knobs = knobs
  }

  public static func == (a: EngineStats, b: EngineStats) -> Bool {
    a.keys == b.keys && a.logicalBytes == b.logicalBytes && a.height == b.height
      && a.details.map(\.0) == b.details.map(\.0) && a.details.map(\.1) == b.details.map(\.1)
      && a.knobs.map(\.0) == b.knobs.map(\.0) && a.knobs.map(\.1) == b.knobs.map(\.1)
  }
}

/// A structural rule an engine found broken.
public struct InvariantViolation: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// How a write treats the key's presence.
public enum WriteMode: Sendable {
  /// Only when absent.
  case insert
  /// Only when present.
  case update
  /// Either way.
  case upsert

  /// Whether a write in this mode goes ahead, given whether the key exists.
  @inlinable public func applies(exists: Bool) -> Bool {
    switch self {
    case .insert: return !exists
    case .update: return exists
    case .upsert: return true
    }
  }
}

/// An engine built on one write primitive; insert, update and upsert come from it.
public protocol WritingEngine: IndexEngine {
  /// Writes per `mode`; true when something was written. Refuses (false) oversized input.
  func write(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, _ mode: WriteMode)
    -> Bool
}

extension WritingEngine {
  @inlinable
  public func insert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    write(key, value, .insert)
  }
  @inlinable
  public func update(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    write(key, value, .update)
  }
  /// Inserts or replaces; false only for oversized input.
  @inlinable
  public func upsert(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
    write(key, value, .upsert)
  }
}
