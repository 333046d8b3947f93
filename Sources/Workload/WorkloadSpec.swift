import EngineKit

/// Operation types, in YCSB's vocabulary (`rmw` = read-modify-write).
public enum OpKind: Int, CaseIterable, Codable, Sendable {
  case read, update, insert, delete, scan, rmw, list

  public var name: String {
    switch self {
    case .read: return "read"
    case .update: return "update"
    case .insert: return "insert"
    case .delete: return "delete"
    case .scan: return "scan"
    case .rmw: return "rmw"
    case .list: return "list"
    }
  }

  /// Whether the op carries a value to write (insert, update, rmw).
  public var writesValue: Bool { self == .insert || self == .update || self == .rmw }

  public init?(name: String) {
    guard let k = OpKind.allCases.first(where: { $0.name == name }) else { return nil }
    self = k
  }
}

/// Which part of a cell a measurement belongs to.
public enum Phase: String, Codable, Sendable, CaseIterable {
  case load, run
}

/// How request keys are chosen among the existing records.
extension RequestDistribution {
  /// Every distribution a spec can name, with its parameters: the one list the spec reader's
  /// errors and `bench list` show.
  public static let catalog: [(name: String, parameters: [String])] = [
    ("uniform", []), ("sequential", []), ("zipfian", ["constant"]),
    ("scrambled_zipfian", ["constant"]), ("latest", ["constant"]),
    ("hotspot", ["data_fraction", "op_fraction"]), ("exponential", ["percentile", "fraction"]),
    ("selfsimilar", ["skew"]),
  ]
}

public enum RequestDistribution: Codable, Sendable, Equatable {
  case uniform
  case sequential
  case zipfian(constant: Double)
  case scrambledZipfian(constant: Double)
  case latest(constant: Double)
  case hotspot(dataFraction: Double, opFraction: Double)
  case exponential(percentile: Double, fraction: Double)
  case selfSimilar(skew: Double)

  public var label: String {
    switch self {
    case .uniform: return "uniform"
    case .sequential: return "sequential"
    case .zipfian(let c): return "zipfian(\(c))"
    case .scrambledZipfian(let c): return "scrambled_zipfian(\(c))"
    case .latest(let c): return "latest(\(c))"
    case .hotspot(let d, let o): return "hotspot(\(d),\(o))"
    case .exponential(let p, let f): return "exponential(\(p),\(f))"
    case .selfSimilar(let s): return "selfsimilar(\(s))"
    }
  }
}

/// The shape of generated keys.
public enum KeyShape: Codable, Sendable, Equatable {
  /// YCSB's `prefix` + decimal key number (FNV-hashed unless ordered), zero-padded.
  case ycsb(prefix: String, zeroPadding: Int)
  /// 8-byte big-endian integers (dense when ordered, bijectively mixed when hashed).
  case int64
  /// Ceph onode keys (placement, namespace, object name, version) in `OnodeKey`'s encoding.
  case onode(OnodeShape)
  /// File-system / object-store paths from a generated directory tree.
  case path(PathShape)

  /// The shape's kind, as engines see it.
  public var kind: KeyKind {
    switch self {
    case .ycsb: return .ycsb
    case .int64: return .int64
    case .onode: return .onode
    case .path: return .path
    }
  }

  public var label: String { kind.rawValue }

  /// A lower estimate of the mean key length, for sizing checks.
  public var typicalLength: Int {
    switch self {
    case .ycsb(let prefix, let padding): return prefix.utf8.count + max(padding, 18)
    case .int64: return 8
    case .onode, .path: return maximumLength / 2
    }
  }

  /// The longest key this shape generates.
  public var maximumLength: Int {
    switch self {
    case .ycsb(let prefix, let padding): return prefix.utf8.count + max(padding, 20)
    case .int64: return 8
    case .onode(let shape): return shape.maximumLength
    case .path(let shape): return shape.maximumLength
    }
  }
}

/// A size drawn per record or per op.
public indirect enum SizeDistribution: Codable, Sendable, Equatable {
  case constant(Int)
  case uniform(min: Int, max: Int)
  case zipfian(min: Int, max: Int)
  /// One of these sizes, equally likely.
  case choice([Int])
  /// One of these sizes, each with its weight (YCSB's `HistogramGenerator` is one).
  case weighted(sizes: [Int], weights: [Int])
  /// The sum of `count` draws of `field`: a YCSB record of `fieldcount` fields, each drawn from
  /// the field length distribution (CoreWorkload's `buildValues`).
  case fields(count: Int, field: SizeDistribution)

  /// The mean size (zipfian: the minimum, a lower bound), for sizing checks.
  public var mean: Int {
    switch self {
    case .constant(let n): return n
    case .uniform(let a, let b): return (a + b) / 2
    case .zipfian(let a, _): return a
    case .choice(let sizes): return sizes.isEmpty ? 0 : sizes.reduce(0, +) / sizes.count
    case .weighted(let sizes, let weights):
      let total = weights.reduce(0, +)
      return total == 0 ? 0 : zip(sizes, weights).map { $0 * $1 }.reduce(0, +) / total
    case .fields(let n, let f): return n * f.mean
    }
  }

  public var maximum: Int {
    switch self {
    case .constant(let n): return n
    case .uniform(_, let m), .zipfian(_, let m): return m
    case .choice(let sizes), .weighted(let sizes, _): return sizes.max() ?? 0
    case .fields(let n, let f): return n * f.maximum
    }
  }
}

/// Warm-up before measuring the run phase: by operation count or by time.
public enum Warmup: Codable, Sendable, Equatable {
  case none
  case operations(Int)
  case seconds(Double)
}

/// How `list` operations (S3 ListObjects, first page) pick their prefix: a request key is
/// chosen like a read's, and the listing is of the directory it sits in (`depth: parent`) or of
/// its first `depth` delimiter-ended components.
public struct ListSpec: Codable, Sendable, Equatable {
  /// The byte that separates components (S3's delimiter); keys holding it below the prefix are
  /// rolled up into common prefixes.
  public var delimiter: UInt8 = UInt8(ascii: "/")
  /// Entries per page (S3's max-keys).
  public var pageSize: Int = 1000
  /// Delimiters the prefix keeps, from the start of the key; nil for the key's parent (all of
  /// them). A key with fewer keeps all it has.
  public var depth: Int? = nil

  public init() {}

  /// The length of the prefix of `key` this listing covers.
  @inlinable
  public func prefixLength(of key: UnsafeRawBufferPointer) -> Int {
    guard depth != 0 else { return 0 }
    var end = 0
    var seen = 0
    for i in 0..<key.count where key[i] == delimiter {
      end = i + 1
      seen += 1
      if seen == depth { break }
    }
    return end
  }
}

/// One engine to run, with its variant knobs as written.
public struct EngineChoice: Codable, Sendable, Equatable {
  public var name: String
  public var options: [String: String]
  public var line: Int

  public init(name: String, options: [String: String] = [:], line: Int = 0) {
    self.name = name
    self.options = options
    self.line = line
  }
}

/// A fully validated workload: everything a run needs, with YCSB's meanings and defaults.
public struct WorkloadSpec: Codable, Sendable, Equatable {
  public var file: String
  public var name: String
  public var description: String = ""
  /// Records loaded before the run phase (YCSB `recordcount`).
  public var records: Int = 100_000
  /// YCSB `insertstart` / `insertcount` (`insert_start` / `insert_count`), how YCSB splits a
  /// load among clients: the load inserts key numbers `insertStart ..< insertStart +
  /// insertCount`, and uniform, sequential, hotspot and zipfian requests choose among those
  /// keys as CoreWorkload's key chooser does (a fixed range; scrambled zipfian over it plus the
  /// expected inserts), while run-phase inserts still number from `records` on and `latest` /
  /// `exponential` count back from the newest key. Property files always set it (0 and
  /// `recordcount` by default), so their requests never follow the inserts with uniform,
  /// sequential or hotspot, as in YCSB. nil (YAML's default): the load is `0 ..< records`
  /// and requests choose among every key that exists, inserts included.
  public var insertStart: Int? = nil
  public var insertCount: Int? = nil
  /// Operations in the measured run phase, split evenly among threads (YCSB `operationcount`).
  public var operations: Int? = 100_000
  /// Seconds the measured run phase lasts at most (YCSB `maxexecutiontime`).
  public var duration: Double? = nil
  public var warmup: Warmup = .none
  public var loadThreads: Int = 1
  /// `load: bulk`: the load phase hands every record, sorted, to the engine's `bulkLoad` in one
  /// timed call (engines without a bottom-up build insert them in that order); `inserts` (the
  /// default) issues them as individual inserts from `load_threads` clients.
  public var bulkLoad = false
  /// Client thread counts; more than one is a sweep.
  public var threads: [Int] = [1]
  /// Proportion of each operation type (sums to 1).
  public var mix: [OpKind: Double] = [.read: 1]
  public var requestDistribution: RequestDistribution = .uniform
  /// YCSB `insertorder`: hashed (scattered keys) or ordered (ascending keys).
  public var orderedInserts: Bool = false
  public var keyShape: KeyShape = .ycsb(prefix: "user", zeroPadding: 1)
  public var valueSize: SizeDistribution = .constant(8)
  /// What an update or read-modify-write writes; nil for a whole value (`valueSize`). YCSB
  /// property files set it to one field (`writeallfields=false`, YCSB's default).
  public var updateValueSize: SizeDistribution? = nil
  public var scanLength: SizeDistribution = .uniform(min: 1, max: 100)
  public var list = ListSpec()
  public var engines: [EngineChoice] = []
  public var repeats: Int = 1
  /// Open-loop target rates for the run phase, ops/s over all threads (YCSB `target`); empty
  /// for a closed loop, several for a sweep of offered load.
  public var targets: [Double] = []
  /// CPU pinning and memory policy of the client threads (load and run); more than one is a
  /// sweep, like `threads`.
  public var placements = [Placement()]
  /// `target: auto`: measure the closed-loop maximum first, then sweep these fractions of it.
  public var autoTargetFractions: [Double] = []
  public static let autoFractions = (1...10).map { Double($0) / 10 }
  /// Time one op in this many (1 = every op). Untimed ops run back to back, so throughput is that
  /// of a plain loop and ops cheaper than the timer are still measured (PiBench's sampling).
  public var latencySampling: Int = 1
  /// `pregenerate: true`: each client thread's operations for a phase are generated into memory
  /// before its timer starts and replayed from there, so throughput counts the engine alone,
  /// like a peer's loop over keys already in memory.
  public var pregenerate = false
  /// `data_integrity: true` (YCSB's `dataintegrity=true`): after the run, every cell's
  /// operations are checked against the reference model, values included, as `--verify` does.
  public var dataIntegrity = false
  /// jemalloc settings applied before the first cell (`allocator: {dirty_decay_ms: …}`), by
  /// mallctl name without the `arenas.` prefix.
  public var allocator: [String: Int] = [:]
  public var seed: UInt64 = 1729
  /// Seconds per time-series interval.
  public var interval: Double = 1
  /// Warnings the spec's reading gave (printed once, kept in run.json): an effective op mix
  /// that differs from the file's numbers, properties not modelled, unknown properties.
  public var warnings: [String] = []
  /// YCSB properties accepted but not modelled, as `key=value`.
  public var notModelled: [String] = []
  /// CoreWorkload's `expectednewkeys` when a property file fixes it (from the raw
  /// `insertproportion` weight); nil to derive it from the mix.
  public var expectedNewKeys: Int? = nil

  public init(file: String, name: String) {
    self.file = file
    self.name = name
  }

  public func proportion(_ k: OpKind) -> Double { mix[k] ?? 0 }

  /// Bytes `pregenerate` takes for the load and run phases' operations (0 when it is off): at
  /// most one record of the longest key per op.
  public var pregeneratedBytes: Double {
    guard pregenerate else { return 0 }
    var warm = 0.0
    if case .operations(let n) = warmup { warm = Double(n) }
    let ops = Double(records) + Double(operations ?? 0) + warm
    return ops * Double(TraceTape.Section.size(keyLength: keyShape.maximumLength))
  }

  /// The key numbers the load inserts.
  public var loadRange: Range<Int> {
    let start = insertStart ?? 0
    return start..<(start + (insertCount ?? (records - start)))
  }

  /// YCSB's `insertstart ..< insertstart + insertcount`, the range requests choose in; nil when
  /// requests choose among every key that exists.
  public var requestRange: Range<Int>? {
    insertStart == nil && insertCount == nil ? nil : loadRange
  }

  /// Inserts the run phase is expected to make (sizes the request key space like YCSB).
  public var expectedRunInserts: Int {
    // Clamped: an absurd operation count is refused by the memory check, not by a trap here.
    expectedNewKeys ?? Int(min(Double(operations ?? 1_000_000) * proportion(.insert) * 2, 1e15))
  }
}
