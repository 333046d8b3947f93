import Foundation

/// Loads a workload file (YAML, or a YCSB `.properties` / extension-less property file), applies
/// `-p key=value` overrides (YCSB property names or spec field paths), and validates everything.
public enum WorkloadLoader {
  public static func load(path: String, overrides: [String] = []) throws -> WorkloadSpec {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SpecError(
        file: path, line: nil, field: "(file)", message: "cannot read the file; check the path")
    }
    // YCSB's Client reads a property file with Properties.load(InputStream): ISO 8859-1.
    let text =
      isYAML(path)
      ? String(decoding: data, as: UTF8.self)
      : String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))
    return try parse(text, file: path, overrides: overrides)
  }

  static func isYAML(_ file: String) -> Bool {
    file.hasSuffix(".yaml") || file.hasSuffix(".yml")
  }

  /// Parses spec text. Files ending in `.yaml`/`.yml` are YAML; anything else is read as YCSB
  /// properties.
  public static func parse(_ text: String, file: String, overrides: [String] = []) throws
    -> WorkloadSpec
  {
    let isYAML = isYAML(file)
    var node: SpecNode
    var notes = YCSBProperties.Notes()
    if isYAML {
      node = try SpecNode.parseYAML(text, file: file)
      node = try YCSBProperties.apply(
        try parseOverrides(overrides, file: file), to: node, file: file, ycsbDefaults: false,
        notes: &notes)
    } else {
      let lines = try YCSBProperties.parse(text, file: file)
      guard !lines.isEmpty else {
        throw SpecError(
          file: file, line: nil, field: "(file)",
          message:
            "no properties: the file is empty or holds only comments; a YCSB property file holds key=value lines (a YAML spec must end in .yaml)"
        )
      }
      node = try YCSBProperties.apply(
        lines + (try parseOverrides(overrides, file: file)), to: .mapping([], line: 1),
        file: file, ycsbDefaults: true, notes: &notes)
    }
    let base = (file as NSString).lastPathComponent
    let defaultName = isYAML ? (base as NSString).deletingPathExtension : base
    var spec = try SpecReader(file: file).read(node, defaultName: defaultName)
    spec.warnings = notes.warnings
    spec.notModelled = notes.notModelled
    spec.expectedNewKeys = notes.expectedNewKeys
    return spec
  }

  static func parseOverrides(_ overrides: [String], file: String) throws -> [YCSBProperties
    .Property]
  {
    try overrides.map { o in
      guard let eq = o.firstIndex(of: "="), eq != o.startIndex else {
        throw SpecError(
          file: file, line: 0, field: o, message: "an override must be written key=value")
      }
      return .init(
        key: String(o[..<eq]).trimmingCharacters(in: .whitespaces),
        value: String(o[o.index(after: eq)...]).trimmingCharacters(in: .whitespaces), line: 0)
    }
  }
}

/// Turns a `SpecNode` tree into a validated `WorkloadSpec`.
struct SpecReader {
  let file: String

  func fail(_ field: String, _ node: SpecNode?, _ message: String) -> SpecError {
    SpecError(file: file, line: node?.line, field: field, message: message)
  }

  /// A mapping whose keys are consumed one by one; leftovers are unknown fields.
  final class Fields {
    let reader: SpecReader
    let path: String
    let node: SpecNode
    var pairs: [(key: String, value: SpecNode, line: Int)]

    init(_ reader: SpecReader, _ node: SpecNode, path: String) throws {
      self.reader = reader
      self.path = path
      self.node = node
      guard case .mapping(let p, _) = node else {
        throw reader.fail(
          path.isEmpty ? "(document)" : path, node, "expected a mapping of field: value")
      }
      pairs = p
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func take(_ key: String) -> SpecNode? {
      guard let i = pairs.firstIndex(where: { $0.key == key }) else { return nil }
      return pairs.remove(at: i).value
    }

    /// The whole number `key` holds, within `range`; nil when the field is absent.
    func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
      try take(key).map {
        try reader.int($0, field(key), min: range.lowerBound, max: range.upperBound)
      }
    }

    func finish(allowed: [String]) throws {
      guard let extra = pairs.first else { return }
      let hint = closest(extra.key, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
      throw SpecError(
        file: reader.file, line: extra.line, field: field(extra.key),
        message: "unknown field\(hint); allowed here: \(allowed.joined(separator: ", "))")
    }
  }

  // MARK: scalars

  func string(_ node: SpecNode, _ field: String) throws -> String {
    guard case .scalar(let s, _) = node else { throw fail(field, node, "expected a single value") }
    return s
  }

  func int(_ node: SpecNode, _ field: String, min: Int = 0, max: Int = .max) throws -> Int {
    let s = try string(node, field).replacingOccurrences(of: "_", with: "")
    guard
      let v = Int(s)
        ?? Double(s).flatMap({ $0 == $0.rounded() && abs($0) < 9.2e18 ? Int($0) : nil })
    else {
      throw fail(field, node, "'\(s)' is not a whole number")
    }
    guard v >= min else { throw fail(field, node, "must be ≥ \(min), got \(v)") }
    guard v <= max else { throw fail(field, node, "must be ≤ \(max), got \(v)") }
    return v
  }

  func double(_ node: SpecNode, _ field: String, in range: ClosedRange<Double>? = nil) throws
    -> Double
  {
    let s = try string(node, field)
    guard let v = Double(s.replacingOccurrences(of: "_", with: "")), v.isFinite else {
      throw fail(field, node, "'\(s)' is not a number")
    }
    if let r = range, !r.contains(v) {
      throw fail(field, node, "must be in \(r.lowerBound)...\(r.upperBound), got \(v)")
    }
    return v
  }

  func bool(_ node: SpecNode, _ field: String) throws -> Bool {
    switch try string(node, field).lowercased() {
    case "true", "yes", "on": return true
    case "false", "no", "off": return false
    case let s: throw fail(field, node, "'\(s)' is not allowed (use true | false)")
    }
  }

  func intList(_ node: SpecNode, _ field: String, min: Int, max: Int = .max) throws -> [Int] {
    switch node {
    case .scalar(let s, _) where s.contains(","):
      return try s.split(separator: ",").map {
        try int(
          .scalar(String($0).trimmingCharacters(in: .whitespaces), line: node.line), field,
          min: min, max: max)
      }
    case .scalar: return [try int(node, field, min: min, max: max)]
    case .sequence(let items, _):
      guard !items.isEmpty else { throw fail(field, node, "must list at least one value") }
      return try items.map { try int($0, field, min: min, max: max) }
    default: throw fail(field, node, "expected a number or a list of numbers")
    }
  }

  // MARK: document

  static let topFields = [
    "name", "description", "records", "operations", "duration", "warmup", "load", "load_threads",
    "threads",
    "mix",
    "request_distribution", "insert_order", "keys", "value_size", "scan_length", "list", "engines",
    "repeats", "seed", "allocator", "latency_sampling", "placement",
    "interval", "percentiles", "target", "update_value_size", "insert_start", "insert_count",
    "pregenerate", "data_integrity",
  ]

  func read(_ root: SpecNode, defaultName: String) throws -> WorkloadSpec {
    let f = try Fields(self, root, path: "")
    var spec = WorkloadSpec(file: file, name: defaultName)
    if let n = f.take("name") { spec.name = try string(n, "name") }
    if let n = f.take("description") { spec.description = try string(n, "description") }
    if let n = f.take("records") { spec.records = try int(n, "records") }
    let ops = f.take("operations")
    let duration = f.take("duration")
    spec.operations = try ops.map { try int($0, "operations") }
    spec.duration = try duration.map { try double($0, "duration", in: 0.001...1e7) }
    if ops == nil && duration == nil { spec.operations = 100_000 }
    if let n = f.take("warmup") { spec.warmup = try warmup(n) }
    if let n = f.take("load") {
      switch try string(n, "load") {
      case "bulk": spec.bulkLoad = true
      case "inserts": spec.bulkLoad = false
      case let s: throw fail("load", n, "'\(s)' is not allowed (use inserts | bulk)")
      }
    }
    if let n = f.take("load_threads") {
      spec.loadThreads = try int(n, "load_threads", min: 1, max: Limits.maxThreads)
    }
    if let n = f.take("threads") {
      spec.threads = try intList(n, "threads", min: 1, max: Limits.maxThreads)
    }
    if let n = f.take("mix") { spec.mix = try mix(n) }
    if let n = f.take("request_distribution") { spec.requestDistribution = try distribution(n) }
    if let n = f.take("insert_order") {
      switch try string(n, "insert_order") {
      case "hashed": spec.orderedInserts = false
      case "ordered": spec.orderedInserts = true
      case let s: throw fail("insert_order", n, "'\(s)' is not allowed (use hashed | ordered)")
      }
    }
    if let n = f.take("keys") {
      spec.keyShape = try keys(n)
      if case .path(let p) = spec.keyShape, spec.records > p.capacity {
        throw fail(
          "records", n,
          "the path tree holds \(p.capacity) files (fanout^depth × files) but records is \(spec.records); widen the tree or lower records"
        )
      }
      if case .onode(let o) = spec.keyShape, o.layout == .grid, spec.records > o.gridRecords {
        throw fail(
          "records", n,
          "the onode grid defines \(o.gridRecords) keys (placements × names × versions) but records is \(spec.records); lower records or widen the grid"
        )
      }
    }
    if let n = f.take("value_size") {
      spec.valueSize = try size(n, "value_size", min: 0, max: 1 << 20)
    }
    if let n = f.take("update_value_size") {
      spec.updateValueSize = try size(n, "update_value_size", min: 0, max: 1 << 20)
    }
    let insertStart = f.take("insert_start")
    let insertCount = f.take("insert_count")
    if insertStart != nil || insertCount != nil {
      let start = try insertStart.map { try int($0, "insert_start") } ?? 0
      let count =
        try insertCount.map { try int($0, "insert_count", min: 1) } ?? spec.records - start
      guard count >= 1, start + count <= spec.records else {
        let node = insertCount ?? insertStart!
        throw fail(
          insertCount == nil ? "insert_start" : "insert_count", node,
          "insert_start (\(start)) + insert_count (\(count)) must lie within records (\(spec.records)) and cover at least one key; lower them or raise records"
        )
      }
      (spec.insertStart, spec.insertCount) = (start, count)
    }
    if let n = f.take("scan_length") {
      spec.scanLength = try size(n, "scan_length", min: 1, max: 1 << 20)
    }
    if let n = f.take("list") { spec.list = try list(n) }
    if let n = f.take("engines") { spec.engines = try engines(n) }
    if let n = f.take("repeats") { spec.repeats = try int(n, "repeats", min: 1, max: 10_000) }
    if let n = f.take("seed") { spec.seed = UInt64(truncatingIfNeeded: try int(n, "seed")) }
    if let n = f.take("placement") {
      if case .sequence(let items, _) = n, !items.isEmpty {
        spec.placements = try items.map(placement)
      } else {
        spec.placements = [try placement(n)]
      }
    }
    if let n = f.take("latency_sampling") {
      spec.latencySampling = try int(n, "latency_sampling", min: 1)
    }
    if let n = f.take("pregenerate") { spec.pregenerate = try bool(n, "pregenerate") }
    if let n = f.take("data_integrity") { spec.dataIntegrity = try bool(n, "data_integrity") }
    if let n = f.take("allocator") { spec.allocator = try allocator(n) }
    if let n = f.take("interval") { spec.interval = try double(n, "interval", in: 0.01...3600) }
    if let n = f.take("percentiles") {
      throw fail(
        "percentiles", n,
        "summary.csv reports a fixed percentile set (p50, p90, p99, p99.9, p99.99 and max; ycsb.txt YCSB's 50/95/99) so every run's columns compare, and latency/*.hgrm holds the whole distribution: remove this field"
      )
    }
    if let n = f.take("target") {
      if case .scalar("auto", _) = n {
        spec.autoTargetFractions = WorkloadSpec.autoFractions
      } else {
        let list: [SpecNode]
        if case .sequence(let items, _) = n { list = items } else { list = [n] }
        // YCSB's target=0 means no throttling.
        spec.targets = try list.map { try double($0, "target", in: 0...1e12) }.filter { $0 > 0 }
      }
    }
    // `percentiles` is taken above only to refuse it with the fixed set; it is not offered.
    try f.finish(allowed: Self.topFields.filter { $0 != "percentiles" })
    if spec.pregenerate {
      guard spec.operations != nil, spec.duration == nil else {
        throw fail(
          "pregenerate", root,
          "needs a fixed run length: give operations (not duration), so the ops can be made up front"
        )
      }
      if case .seconds = spec.warmup {
        throw fail("pregenerate", root, "needs warmup by operations, not seconds")
      }
    }
    try checkFits(spec, root)
    return spec
  }

  /// Refuses a spec whose work cannot be done: reads with nothing to read, or more record bytes
  /// than the machine has memory.
  func checkFits(_ spec: WorkloadSpec, _ root: SpecNode) throws {
    let needsRecords = OpKind.allCases.contains { $0 != .insert && spec.proportion($0) > 0 }
    if spec.records == 0 && needsRecords && spec.proportion(.insert) == 0 {
      throw fail(
        "records", root,
        "is 0, so every read, update, scan or delete would fail; load records or add inserts to the mix"
      )
    }
    let entries = Double(spec.records) + Double(spec.expectedRunInserts)
    let planned = entries * Double(spec.keyShape.typicalLength + spec.valueSize.mean)
    let memory = Double(Limits.physicalMemory)
    let pregenerated = spec.pregeneratedBytes
    if planned + pregenerated > Limits.memoryShare * memory {
      let ops =
        spec.pregenerate
        ? " plus \(Limits.bytes(pregenerated)) of pregenerated operations"
        : ""
      throw fail(
        "records", root,
        "\(String(format: "%.0f", entries)) records of about \(spec.keyShape.typicalLength) B keys and \(spec.valueSize.mean) B values need at least \(Limits.bytes(planned))\(ops), more than \(Int(Limits.memoryShare * 100)) % of this machine's \(Limits.bytes(memory)); lower records\(spec.pregenerate ? ", operations or drop pregenerate" : " or value_size")"
      )
    }
  }

  func warmup(_ n: SpecNode) throws -> Warmup {
    if case .scalar = n {
      let ops = try int(n, "warmup")
      return ops == 0 ? .none : .operations(ops)
    }
    let f = try Fields(self, n, path: "warmup")
    let ops = f.take("operations")
    let secs = f.take("seconds")
    try f.finish(allowed: ["operations", "seconds"])
    switch (ops, secs) {
    case (let o?, nil): return .operations(try int(o, "warmup.operations"))
    case (nil, let s?): return .seconds(try double(s, "warmup.seconds", in: 0...86400))
    default: throw fail("warmup", n, "give exactly one of operations or seconds")
    }
  }

  static let mixNames = OpKind.allCases.map(\.name)

  func mix(_ n: SpecNode) throws -> [OpKind: Double] {
    let f = try Fields(self, n, path: "mix")
    var mix: [OpKind: Double] = [:]
    for kind in OpKind.allCases {
      if let v = f.take(kind.name) { mix[kind] = try double(v, "mix.\(kind.name)", in: 0...1) }
    }
    try f.finish(allowed: Self.mixNames)
    let sum = mix.values.reduce(0, +)
    guard abs(sum - 1) < 1e-6 else {
      let parts = OpKind.allCases.compactMap { k in mix[k].map { "\(k.name) \($0)" } }.joined(
        separator: " + ")
      throw fail(
        "mix", n, "proportions must sum to 1, got \(parts.isEmpty ? "nothing" : parts) = \(sum)")
    }
    return mix.filter { $0.value > 0 }
  }

  static var distributionNames: [String] { RequestDistribution.catalog.map(\.name) }

  func distribution(_ n: SpecNode) throws -> RequestDistribution {
    let field = "request_distribution"
    let name: String
    var f: Fields? = nil
    if case .scalar(let s, _) = n {
      name = s
    } else {
      let fields = try Fields(self, n, path: field)
      guard let t = fields.take("type") else {
        throw fail(
          field, n, "missing 'type' (one of \(Self.distributionNames.joined(separator: ", ")))")
      }
      name = try string(t, "\(field).type")
      f = fields
    }
    func param(_ key: String, _ d: Double, _ range: ClosedRange<Double>) throws -> Double {
      try f?.take(key).map { try double($0, "\(field).\(key)", in: range) } ?? d
    }
    let result: RequestDistribution
    var allowed: [String] = []
    switch name {
    case "uniform": result = .uniform
    case "sequential": result = .sequential
    case "zipfian", "scrambled_zipfian", "latest":
      allowed = ["constant"]
      // θ < 1: Gray's method, YCSB's; θ ≥ 1: the exact rejection-inversion sampler.
      let c = try param("constant", 0.99, 0.000001...100)
      result =
        name == "zipfian"
        ? .zipfian(constant: c)
        : name == "latest" ? .latest(constant: c) : .scrambledZipfian(constant: c)
    case "hotspot":
      allowed = ["data_fraction", "op_fraction"]
      result = .hotspot(
        dataFraction: try param("data_fraction", 0.2, 0...1),
        opFraction: try param("op_fraction", 0.8, 0...1))
    case "exponential":
      allowed = ["percentile", "fraction"]
      result = .exponential(
        percentile: try param("percentile", 95, 0.0001...99.9999),
        fraction: try param("fraction", 0.8571428571, 0.000001...1))
    case "selfsimilar":
      allowed = ["skew"]
      result = .selfSimilar(skew: try param("skew", 0.2, 0.000001...0.5))
    default:
      throw fail(
        field, n,
        "'\(name)' is not a distribution (use \(Self.distributionNames.joined(separator: " | ")))")
    }
    try f?.finish(allowed: ["type"] + allowed)
    return result
  }

  func keys(_ n: SpecNode) throws -> KeyShape {
    let shape: String
    var f: Fields? = nil
    if case .scalar(let s, _) = n {
      shape = s
    } else {
      let fields = try Fields(self, n, path: "keys")
      shape = try fields.take("shape").map { try string($0, "keys.shape") } ?? "ycsb"
      f = fields
    }
    switch shape {
    case "ycsb":
      let prefix = try f?.take("prefix").map { try string($0, "keys.prefix") } ?? "user"
      let pad = try f?.int("zero_padding", 1...64) ?? 1
      try f?.finish(allowed: ["shape", "prefix", "zero_padding"])
      return .ycsb(prefix: prefix, zeroPadding: pad)
    case "int64":
      try f?.finish(allowed: ["shape"])
      return .int64
    case "onode":
      return .onode(try onode(f, n))
    case "path":
      var p = PathShape()
      if let f {
        p.depth = try f.int("depth", 0...8) ?? p.depth
        p.fanout = try f.int("fanout", 1...100_000) ?? p.fanout
        p.files = try f.int("files", 1...100_000_000) ?? p.files
        p.nameLength = try f.int("name_length", 1...64) ?? p.nameLength
        try f.finish(allowed: ["shape", "depth", "fanout", "files", "name_length"])
      }
      return .path(p)
    default:
      throw fail("keys.shape", n, "'\(shape)' is not a key shape (use ycsb | int64 | onode | path)")
    }
  }

  /// `placement: {cpus: compact | scatter | [0, 2], memory: local | {bind: [0]} |
  /// {interleave: [0, 1]} | {preferred: 0}}`. Whether the CPUs and nodes exist is checked
  /// against the machine when the run is planned.
  func placement(_ n: SpecNode) throws -> Placement {
    let f = try Fields(self, n, path: "placement")
    var p = Placement()
    if let c = f.take("cpus") {
      switch c {
      case .scalar("compact", _): p.cpus = .compact
      case .scalar("scatter", _): p.cpus = .scatter
      case .scalar("none", _), .scalar("unpinned", _): p.cpus = .unpinned
      case .sequence: p.cpus = .list(try intList(c, "placement.cpus", min: 0))
      default:
        throw fail(
          "placement.cpus", c, "use compact | scatter | unpinned, or a CPU list such as [0, 2]")
      }
    }
    if let m = f.take("memory") {
      if case .scalar("local", _) = m {
        p.memory = .local
      } else {
        let g = try Fields(self, m, path: "placement.memory")
        if let v = g.take("bind") {
          p.memory = .bind(try intList(v, "placement.memory.bind", min: 0))
        } else if let v = g.take("interleave") {
          p.memory = .interleave(try intList(v, "placement.memory.interleave", min: 0))
        } else if let v = g.take("preferred") {
          p.memory = .preferred(try int(v, "placement.memory.preferred", min: 0))
        } else {
          throw fail(
            "placement.memory", m,
            "use local, {bind: [nodes]}, {interleave: [nodes]} or {preferred: node}")
        }
        try g.finish(allowed: ["bind", "interleave", "preferred"])
      }
    }
    try f.finish(allowed: ["cpus", "memory"])
    return p
  }

  /// `list: {delimiter: "/", page_size: 1000, depth: parent | N}` (see `ListSpec`).
  func list(_ n: SpecNode) throws -> ListSpec {
    let f = try Fields(self, n, path: "list")
    var l = ListSpec()
    if let d = f.take("delimiter") {
      let s = try string(d, "list.delimiter")
      guard s.utf8.count == 1, let b = s.utf8.first else {
        throw fail(
          "list.delimiter", d, "'\(s)' is not a single byte; use one ASCII character such as \"/\"")
      }
      l.delimiter = b
    }
    if let p = f.take("page_size") { l.pageSize = try int(p, "list.page_size", min: 1) }
    if let d = f.take("depth") {
      if case .scalar("parent", _) = d {
        l.depth = nil
      } else {
        l.depth = try int(d, "list.depth", min: 0)
      }
    }
    try f.finish(allowed: ["delimiter", "page_size", "depth"])
    return l
  }

  /// `allocator: {dirty_decay_ms: 0, muzzy_decay_ms: 0}`: jemalloc's page-return delays, set at
  /// run start for every arena. The arena count is fixed when jemalloc starts, so `arenas` is
  /// refused with the environment setting that does it.
  func allocator(_ n: SpecNode) throws -> [String: Int] {
    let f = try Fields(self, n, path: "allocator")
    if let a = f.take("arenas") {
      throw fail(
        "allocator.arenas", a,
        "jemalloc fixes the arena count at start-up: run with MALLOC_CONF=narenas:N in the environment instead (it is recorded in run.json)"
      )
    }
    var out: [String: Int] = [:]
    for name in ["dirty_decay_ms", "muzzy_decay_ms"] {
      if let v = f.take(name) { out[name] = try int(v, "allocator.\(name)", min: -1) }
    }
    try f.finish(allowed: ["dirty_decay_ms", "muzzy_decay_ms"])
    return out
  }

  /// The `onode` shape's fields (all optional; defaults in `OnodeShape`).
  func onode(_ f: Fields?, _ n: SpecNode) throws -> OnodeShape {
    var o = OnodeShape()
    guard let f else { return o }
    if let v = f.take("layout") {
      let s = try string(v, "keys.layout")
      guard let l = OnodeShape.Layout(rawValue: s) else {
        throw fail("keys.layout", v, "'\(s)' is not allowed (use objects | grid)")
      }
      o.layout = l
    }
    o.pools = try f.int("pools", 1...(1 << 30)) ?? o.pools
    o.pgs = try f.int("pgs", 1...(1 << 30)) ?? o.pgs
    o.objectsPerCrush = try f.int("objects_per_crush", 1...(1 << 30)) ?? o.objectsPerCrush
    o.namespaces = try f.int("namespaces", 1...(1 << 30)) ?? o.namespaces
    o.namespaceLength = try f.int("namespace_length", 1...65_533) ?? o.namespaceLength
    o.versions = try f.int("versions", 1...(1 << 20)) ?? o.versions
    o.placements = try f.int("placements", 1...128) ?? o.placements
    o.names = try f.int("names", 1...(1 << 20)) ?? o.names
    if let v = f.take("name_length") {
      switch try size(v, "keys.name_length", min: 1, max: 65_533) {
      case .constant(let c): o.nameLength = c...c
      case .uniform(let a, let b): o.nameLength = a...b
      default: throw fail("keys.name_length", v, "use a length or {min: …, max: …}")
      }
    }
    if let v = f.take("namespace_sizes") {
      o.namespaceSizes = try intList(v, "keys.namespace_sizes", min: 1)
    }
    if let v = f.take("name_sizes") { o.nameSizes = try intList(v, "keys.name_sizes", min: 1) }
    if let v = f.take("grid_from") {
      o.gridFrom = try int(v, "keys.grid_from", min: 0, max: 127)
      if o.gridFrom + o.placements > 128 {
        throw fail(
          "keys.grid_from", v,
          "placements \(o.gridFrom)..<\(o.gridFrom + o.placements) pass 127 (the shard is an i8); lower grid_from or placements"
        )
      }
    }
    if let v = f.take("size_pick") {
      let s = try string(v, "keys.size_pick")
      guard let p = OnodeShape.SizePick(rawValue: s) else {
        throw fail("keys.size_pick", v, "'\(s)' is not allowed (use cycled | drawn)")
      }
      o.sizePick = p
    }
    try f.finish(allowed: [
      "shape", "layout", "pools", "pgs", "objects_per_crush", "namespaces", "namespace_length",
      "name_length", "versions", "placements", "names", "namespace_sizes", "name_sizes",
      "grid_from", "size_pick",
    ])
    return o
  }

  func size(_ n: SpecNode, _ field: String, min: Int, max: Int) throws -> SizeDistribution {
    if case .sequence = n {
      return .choice(try intList(n, field, min: min, max: max))
    }
    if case .scalar = n {
      return .constant(try int(n, field, min: min, max: max))
    }
    let f = try Fields(self, n, path: field)
    let typeNode = f.take("type") ?? f.take("distribution")
    let lo = try f.int("min", min...max) ?? min
    let hi = try f.int("max", min...max) ?? lo
    let constant = try f.int("size", min...max)
    let fields = try f.int("fields", 1...1_000_000) ?? 1
    let sizes = try f.take("sizes").map { try intList($0, "\(field).sizes", min: min, max: max) }
    let weights = try f.take("weights").map {
      try intList($0, "\(field).weights", min: 0, max: 1 << 40)
    }
    let kind =
      try typeNode.map { try string($0, "\(field).type") }
      ?? (constant != nil ? "constant" : sizes != nil ? "weighted" : "uniform")
    try f.finish(allowed: [
      "type", "distribution", "min", "max", "size", "fields", "sizes", "weights",
    ])
    guard lo <= hi else { throw fail(field, n, "min (\(lo)) must be ≤ max (\(hi))") }
    let one: SizeDistribution
    switch kind {
    case "constant": one = .constant(constant ?? hi)
    case "uniform": one = .uniform(min: lo, max: hi)
    case "zipfian": one = .zipfian(min: lo, max: hi)
    case "weighted":
      guard let sizes, let weights, sizes.count == weights.count, weights.reduce(0, +) > 0
      else {
        throw fail(
          field, n,
          "a weighted size needs sizes and weights lists of the same length, with some weight > 0")
      }
      one = .weighted(sizes: sizes, weights: weights)
    default:
      throw fail(field, n, "'\(kind)' is not allowed (use constant | uniform | zipfian | weighted)")
    }
    guard fields > 1 else { return one }
    guard fields * one.maximum <= max else {
      throw fail(
        field, n, "\(fields) fields of up to \(one.maximum) B exceed \(max) B; use fewer or shorter"
      )
    }
    if case .constant(let c) = one { return .constant(fields * c) }
    return .fields(count: fields, field: one)
  }

  func engines(_ n: SpecNode) throws -> [EngineChoice] {
    let items: [SpecNode]
    switch n {
    case .sequence(let s, _): items = s
    case .scalar(let s, _):
      items = s.split(separator: ",").map {
        .scalar($0.trimmingCharacters(in: .whitespaces), line: n.line)
      }
    default: throw fail("engines", n, "expected a list such as [sortedmap, {hashmap: {}}]")
    }
    return try items.map { item in
      switch item {
      case .scalar(let name, let line): return EngineChoice(name: name, line: line)
      case .mapping(let pairs, let line) where pairs.count == 1:
        let name = pairs[0].key
        var options: [String: String] = [:]
        switch pairs[0].value {
        case .mapping(let opts, _):
          for (k, v, _) in opts { options[k] = try string(v, "engines.\(name).\(k)") }
        case .scalar(let s, _) where s.isEmpty || s == "~" || s == "null": break
        default:
          throw fail("engines.\(name)", pairs[0].value, "expected a mapping of option: value")
        }
        return EngineChoice(name: name, options: options, line: line)
      default:
        throw fail("engines", item, "each entry is a name or {name: {option: value}}")
      }
    }
  }
}

/// The closest candidate within edit distance 2, for "did you mean" hints.
func closest(_ word: String, in candidates: [String]) -> String? {
  func distance(_ a: [Character], _ b: [Character]) -> Int {
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var prev = row[0]
      row[0] = i
      for j in 1...max(b.count, 1) where !b.isEmpty {
        let cur = row[j]
        row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
        prev = cur
      }
    }
    return row[b.count]
  }
  let w = Array(word.lowercased())
  return candidates.map { ($0, distance(w, Array($0))) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
}
