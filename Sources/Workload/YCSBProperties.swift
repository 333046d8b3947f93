import Foundation

/// YCSB CoreWorkload property files (`workloada` … `workloadf`) and `-p` overrides, mapped onto
/// spec fields so both formats share one validator.
enum YCSBProperties {
  public struct Property: Sendable, Equatable {
    public var key: String
    public var value: String
    public var line: Int
  }

  /// What reading a property file found besides spec fields: lines to warn with and the
  /// properties that are accepted but not modelled (both recorded in run.json).
  struct Notes {
    var warnings: [String] = []
    var notModelled: [String] = []
    /// CoreWorkload's `expectednewkeys`, from the raw `insertproportion` weight.
    var expectedNewKeys: Int? = nil
  }

  /// Reads `text` as Java's `Properties.load` does (YCSB's Client loads `-P` files with it):
  /// `\n`, `\r` and `\r\n` end lines; leading whitespace (space, tab, form feed) is skipped;
  /// `#` or `!` first starts a comment line; a line ending in an odd number of backslashes
  /// continues on the next, whose leading whitespace is dropped; the key ends at the first
  /// unescaped `=`, `:` or whitespace, and whitespace around that separator is skipped; the
  /// value keeps its trailing whitespace; `\uXXXX`, `\t`, `\n`, `\r`, `\f` are escapes and a
  /// backslash before any other character stands for that character. `line` is where the
  /// logical line starts.
  static func parse(_ text: String, file: String) throws -> [Property] {
    let chars = Array(text.unicodeScalars)
    func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\u{0C}" }
    var out: [Property] = []
    var i = 0
    var lineNumber = 1
    /// Reads one natural line from `i`: its text and whether a terminator ended it.
    func naturalLine() -> [Unicode.Scalar] {
      var s: [Unicode.Scalar] = []
      while i < chars.count {
        let c = chars[i]
        i += 1
        if c == "\n" {
          lineNumber += 1
          return s
        }
        if c == "\r" {
          if i < chars.count && chars[i] == "\n" { i += 1 }
          lineNumber += 1
          return s
        }
        s.append(c)
      }
      return s
    }
    func trailingBackslashes(_ s: [Unicode.Scalar]) -> Int {
      var n = 0
      while n < s.count && s[s.count - 1 - n] == "\\" { n += 1 }
      return n
    }
    while i < chars.count {
      let start = lineNumber
      var raw = naturalLine()
      let first = raw.firstIndex { !isSpace($0) } ?? raw.count
      raw.removeFirst(first)
      if raw.isEmpty || raw[0] == "#" || raw[0] == "!" { continue }
      var logical: [Unicode.Scalar] = []
      while true {
        let continues = trailingBackslashes(raw) % 2 == 1
        if continues { raw.removeLast() }
        logical += raw
        guard continues, i < chars.count else { break }
        raw = naturalLine()
        raw.removeFirst(raw.firstIndex { !isSpace($0) } ?? raw.count)
      }
      // The key ends at the first unescaped separator.
      var keyEnd = 0
      var valueStart = logical.count
      var hasSeparator = false
      var escaped = false
      while keyEnd < logical.count {
        let c = logical[keyEnd]
        if !escaped && (c == "=" || c == ":") {
          (valueStart, hasSeparator) = (keyEnd + 1, true)
          break
        }
        if !escaped && isSpace(c) {
          valueStart = keyEnd + 1
          break
        }
        escaped = c == "\\" ? !escaped : false
        keyEnd += 1
      }
      while valueStart < logical.count {
        let c = logical[valueStart]
        if !isSpace(c) {
          guard !hasSeparator && (c == "=" || c == ":") else { break }
          hasSeparator = true
        }
        valueStart += 1
      }
      func convert(_ s: ArraySlice<Unicode.Scalar>, _ what: String) throws -> String {
        var out = String.UnicodeScalarView()
        var j = s.startIndex
        while j < s.endIndex {
          let c = s[j]
          j += 1
          guard c == "\\", j < s.endIndex else {
            if c != "\\" { out.append(c) }
            continue
          }
          let e = s[j]
          j += 1
          switch e {
          case "t": out.append("\t")
          case "n": out.append("\n")
          case "r": out.append("\r")
          case "f": out.append("\u{0C}")
          case "u":
            let hex = String(String.UnicodeScalarView(s[j..<min(j + 4, s.endIndex)]))
            guard hex.count == 4, let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else {
              throw SpecError(
                file: file, line: start, field: what,
                message:
                  "malformed \\uxxxx escape '\\u\(hex)' (Java's Properties.load refuses it); write four hex digits, or \\\\u for a literal backslash-u"
              )
            }
            out.append(u)
            j += 4
          default: out.append(e)
          }
        }
        return String(out)
      }
      let key = try convert(logical[..<keyEnd], "(key)")
      let value = try convert(logical[valueStart...], key)
      out.append(Property(key: key, value: value, line: start))
    }
    return out
  }

  /// YCSB names mapped straight onto a spec field path.
  static let direct: [String: String] = [
    "recordcount": "records", "operationcount": "operations", "maxexecutiontime": "duration",
    "threadcount": "threads", "zeropadding": "keys.zero_padding",
    "minscanlength": "scan_length.min",
    "maxscanlength": "scan_length.max", "scanlengthdistribution": "scan_length.type",
    "target": "target",
    "hotspotdatafraction": "request_distribution.data_fraction",
    "hotspotopnfraction": "request_distribution.op_fraction",
    "exponential.percentile": "request_distribution.percentile",
    "exponential.frac": "request_distribution.fraction",
    "zipfianconstant": "request_distribution.constant",
  ]

  /// The operation weights (CoreWorkload's `createOperationGenerator`), with YCSB's defaults;
  /// `deleteproportion` is TreeBench's own.
  static let proportions: [(key: String, kind: OpKind, ycsbDefault: Double)] = [
    ("readproportion", .read, 0.95), ("updateproportion", .update, 0.05),
    ("insertproportion", .insert, 0), ("scanproportion", .scan, 0),
    ("readmodifywriteproportion", .rmw, 0), ("deleteproportion", .delete, 0),
  ]

  /// Properties that only configure YCSB's client, measurements or DB bindings: they do not
  /// change the operations, so they are accepted and listed as not modelled in one line.
  static let plumbing: Set<String> = [
    "db", "table", "readallfieldsbyname", "fieldnameprefix", "exporter", "exportfile",
    "measurementtype", "measurement.interval", "measurement.trackjvm",
    "measurement.histogram.verbose", "measurement.raw.output_file", "measurement.raw.no_summary",
    "histogram.buckets", "hdrhistogram.fileoutput", "hdrhistogram.output.path", "status.interval",
    "core_workload_insertion_retry_limit", "core_workload_insertion_retry_interval",
    "core_workload_insertion_keep_going_on_error", "spin.sleep", "reportlatencyforeacherror",
    "latencytrackederrors", "debug", "maxscanrate", "scanoptimelimit", "discardscannedrecord",
    "dotransactions",
  ]

  /// Every property name this reader knows (for "did you mean" hints).
  static var known: [String] {
    Array(direct.keys) + proportions.map(\.key) + Array(plumbing) + [
      "requestdistribution", "insertorder", "fieldcount", "fieldlength", "minfieldlength",
      "fieldlengthdistribution", "hdrhistogram.percentiles", "timeseries.granularity",
      "fieldlengthhistogram", "dataintegrity", "readallfields", "writeallfields", "insertstart",
      "insertcount", "workload",
    ]
  }

  /// Applies properties (a file's lines, then overrides) to `node`. With `ycsbDefaults` (a
  /// property file), YCSB's own defaults are the starting point (read 0.95 / update 0.05,
  /// 10 × 100-byte fields, …), proportions are weights as YCSB's DiscreteGenerator reads them,
  /// and properties TreeBench does not model are accepted with a warning, as YCSB accepts any
  /// property. Without (overrides on a YAML spec), unknown names are refused.
  static func apply(
    _ props: [Property], to node: SpecNode, file: String, ycsbDefaults: Bool,
    notes: inout Notes
  ) throws -> SpecNode {
    var node = node
    func set(_ path: String, _ value: String, _ line: Int) {
      node = node.setting(path.split(separator: "."), to: .scalar(value, line: line))
    }
    func location(_ p: Property) -> String {
      p.line == 0 ? "\(file) (-p)" : "\(file):\(p.line)"
    }
    // Java's Properties keeps the last value of a repeated key.
    var values: [String: Property] = [:]
    for p in props { values[p.key] = p }
    let effective = ycsbDefaults ? props.filter { values[$0.key]?.line == $0.line } : props
    var plumbingSeen: [String] = []
    var unknown: [String] = []
    func notModelled(_ p: Property, _ why: String) {
      notes.notModelled.append("\(p.key)=\(p.value)")
      notes.warnings.append("\(location(p)): \(p.key)=\(p.value) is not modelled: \(why)")
    }
    if ycsbDefaults {
      node = node.setting(
        ["name"], to: .scalar(file.split(separator: "/").last.map(String.init) ?? file, line: 1))
      for (k, v) in [
        ("records", "1000"), ("operations", "1000"),
        ("request_distribution.type", "uniform"), ("insert_order", "hashed"),
        ("scan_length.min", "1"), ("scan_length.max", "1000"), ("scan_length.type", "uniform"),
        // CoreWorkload's key choosers always have a range: insertstart = 0 and insertcount =
        // recordcount by default.
        ("insert_start", "0"),
      ] {
        set(k, v, 0)
      }
    }
    for p in effective {
      if let path = direct[p.key] {
        // A property file's distribution parameters count only for the distribution they
        // belong to (YCSB reads hotspot* only for hotspot, …); they are set below.
        if !(ycsbDefaults && path.hasPrefix("request_distribution.")) { set(path, p.value, p.line) }
        continue
      }
      if let w = proportions.first(where: { $0.key == p.key }) {
        if !ycsbDefaults { set("mix.\(w.kind.name)", p.value, p.line) }
        continue  // a property file's weights are combined below
      }
      switch p.key {
      case "requestdistribution":
        // YCSB's "zipfian" request distribution is the scrambled one.
        let names = [
          "zipfian": "scrambled_zipfian", "uniform": "uniform", "latest": "latest",
          "hotspot": "hotspot",
          "exponential": "exponential", "sequential": "sequential",
        ]
        guard let name = names[p.value] else {
          throw SpecError(
            file: file, line: p.line, field: p.key,
            message:
              "'\(p.value)' is not a YCSB distribution (use \(names.keys.sorted().joined(separator: " | ")))"
          )
        }
        set("request_distribution.type", name, p.line)
      case "insertorder":
        set("insert_order", p.value == "hashed" ? "hashed" : "ordered", p.line)
      case "hdrhistogram.percentiles":
        notModelled(
          p,
          "summary.csv reports a fixed percentile set (p50, p90, p99, p99.9, p99.99 and max; ycsb.txt 50/95/99 as YCSB's default) so every run's columns compare, and latency/*.hgrm holds the whole distribution"
        )
      case "timeseries.granularity":
        set("interval", String((Double(p.value) ?? -1) / 1000), p.line)
      case "fieldcount", "fieldlength", "minfieldlength", "fieldlengthdistribution":
        break  // combined below into value_size
      case "workload":
        // TreeBench's streams are CoreWorkload's; another workload class is not modelled.
        if p.value != "site.ycsb.workloads.CoreWorkload"
          && p.value != "com.yahoo.ycsb.workloads.CoreWorkload"
        {
          notModelled(p, "TreeBench generates CoreWorkload's operations")
        }
      case "readallfields" where Bool(p.value.lowercased()) != true:
        notModelled(p, "a read returns the record's whole value, as readallfields=true does")
      case "writeallfields", "readallfields":
        break  // handled with the field sizes below
      case "dataintegrity":
        // CoreWorkload checks each read's value; TreeBench checks every result of every cell
        // against its reference model after measuring it (`--verify`), outside the timed loop.
        set("data_integrity", p.value.lowercased() == "true" ? "true" : "false", p.line)
      case "fieldlengthhistogram":
        break  // read only with fieldlengthdistribution=histogram, which warns below
      case "insertstart", "insertcount":
        // CoreWorkload's load range and key-chooser range (checked with YCSB's names below).
        set(p.key == "insertstart" ? "insert_start" : "insert_count", p.value, p.line)
      case let k where plumbing.contains(k):
        plumbingSeen.append(k)
        notes.notModelled.append("\(p.key)=\(p.value)")
      case let k where SpecReader.topFields.contains(String(k.split(separator: ".").first ?? "")):
        set(k, p.value, p.line)  // a spec field path, e.g. -p records=5000 or -p mix.read=0.9
      default:
        let hint = closest(p.key, in: known).map { " (did you mean '\($0)'?)" } ?? ""
        guard ycsbDefaults else {
          throw SpecError(
            file: file, line: p.line, field: p.key,
            message:
              "unknown YCSB property\(hint); YAML spec field paths such as mix.read also work with -p"
          )
        }
        unknown.append("\(p.key)\(p.line == 0 ? " (-p)" : " (line \(p.line))")\(hint)")
        notes.notModelled.append("\(p.key)=\(p.value)")
      }
    }
    if !plumbingSeen.isEmpty {
      notes.warnings.append(
        "\(file): not modelled (YCSB client and binding settings that do not change the operations): \(plumbingSeen.joined(separator: ", "))"
      )
    }
    if !unknown.isEmpty {
      notes.warnings.append(
        "\(file): unknown properties, ignored (YCSB accepts any property; check the spelling): \(unknown.joined(separator: "; "))"
      )
    }
    guard ycsbDefaults else { return node }
    let parameters: [String: [String]] = [
      "hotspot": ["hotspotdatafraction", "hotspotopnfraction"],
      "exponential": ["exponential.percentile", "exponential.frac"],
      "zipfian": ["zipfianconstant"], "latest": ["zipfianconstant"],
    ]
    for k in parameters[values["requestdistribution"]?.value ?? "uniform"] ?? [] {
      guard let p = values[k], let path = direct[k] else { continue }
      // CoreWorkload ignores zipfianconstant (always 0.99); TreeBench honours θ in (0, 1) as an
      // extension, and runs YCSB's 0.99 for any other value YCSB would accept, with a warning
      // (YCSB's Gray generator is undefined for θ ≥ 1; YAML specs take any θ > 0).
      if k == "zipfianconstant", let v = Double(p.value), !(v > 0 && v < 1) {
        notModelled(
          p,
          "property files honour 0 < θ < 1 only (YCSB's generator is Gray's); running θ = 0.99, as YCSB always does (a YAML spec takes any θ > 0)"
        )
        continue
      }
      set(path, p.value, p.line)
    }
    try applyMix(values, to: &node, file: file, notes: &notes)
    try applyFields(values, to: &node, file: file, notes: &notes)
    try checkLoadRange(values, file: file)
    return node
  }

  /// Proportions as YCSB's DiscreteGenerator weighs them: each op's weight over the sum of the
  /// weights, YCSB's defaults (read 0.95, update 0.05) standing for the ones not given.
  static func applyMix(
    _ values: [String: Property], to node: inout SpecNode, file: String, notes: inout Notes
  ) throws {
    var weights: [(OpKind, Double)] = []
    for w in proportions {
      var weight = w.ycsbDefault
      // A spec field path (-p mix.read=…) counts as the YCSB property it names.
      if let p = values[w.key] ?? values["mix.\(w.kind.name)"] {
        guard let v = Double(p.value), v.isFinite, v >= 0 else {
          throw SpecError(
            file: file, line: p.line, field: p.key,
            message: "'\(p.value)' is not a proportion; write a number ≥ 0 such as 0.5")
        }
        weight = v
      }
      weights.append((w.kind, weight))
    }
    let sum = weights.reduce(0) { $0 + $1.1 }
    guard sum > 0 else {
      throw SpecError(
        file: file, line: nil, field: "readproportion",
        message:
          "every operation proportion is 0, so YCSB would run no operations; give at least one a weight > 0"
      )
    }
    let given = weights.filter { $0.1 > 0 }
    var mix: [(String, SpecNode, Int)] = []
    for (kind, w) in given {
      mix.append((kind.name, .scalar(String(w / sum), line: 0), 0))
    }
    node = node.setting(["mix"], to: .mapping(mix, line: 0))
    if abs(sum - 1) > 1e-9 {
      let shares = given.map { "\($0.0.name) \(percent($0.1 / sum))" }.joined(separator: ", ")
      notes.warnings.append(
        "\(file): the proportions sum to \(sum), not 1; YCSB weighs them, so the effective mix is \(shares)"
      )
    }
    let insert = weights.first { $0.0 == .insert }!.1
    if let ops = values["operationcount"].flatMap({ Int($0.value) }) {
      // CoreWorkload's (int) cast, which saturates at Integer.MAX_VALUE as Java's casts do.
      notes.expectedNewKeys = Int(min(Double(ops) * insert * 2.0, Double(Int32.max)))
    }
  }

  static func percent(_ x: Double) -> String {
    let p = (x * 1000).rounded() / 10
    return p == p.rounded() ? "\(Int(p)) %" : "\(p) %"
  }

  /// YCSB's `HistogramGenerator` file (`BlockSize<TAB>n`, then `bucket<TAB>count` lines, buckets
  /// 0, 1, …) as the sizes it returns and their weights: a uniform draw `u` in 0..<area walks
  /// the buckets and returns (i + 1) · blockSize once the counts so far reach `u`, or
  /// (buckets − 1) · blockSize past the second-to-last bucket (its boundaries reproduced exactly).
  static func histogram(_ path: String, property: Property?, file: String, line: Int) throws
    -> (sizes: [Int], weights: [Int])
  {
    func bad(_ why: String) -> SpecError {
      SpecError(
        file: file, line: property?.line ?? line, field: "fieldlengthhistogram",
        message: "\(path): \(why)")
    }
    guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 24 else {
      throw bad("cannot read the histogram file (YCSB reads it relative to the working folder)")
    }
    let lines = String(decoding: data, as: UTF8.self).split(
      omittingEmptySubsequences: true, whereSeparator: \.isNewline)
    let head = lines.first?.split(separator: "\t") ?? []
    guard head.count >= 2, head[0] == "BlockSize", let blockSize = Int(head[1]),
      (1...(1 << 20)).contains(blockSize)
    else { throw bad("the first line must be 'BlockSize<TAB>n' with n in 1...1048576") }
    var buckets: [Int] = []
    for (i, l) in lines.dropFirst().enumerated() {
      let f = l.split(separator: "\t")
      guard f.count >= 2, Int(f[0]) == i, let c = Int(f[1]), (0...(1 << 40)).contains(c) else {
        throw bad("line \(i + 2) must be '\(i)<TAB>count' with a count ≥ 0")
      }
      buckets.append(c)
    }
    let area = buckets.reduce(0, +)
    guard area > 0, buckets.count * blockSize <= 1 << 20 else {
      throw bad("needs some count > 0 and buckets × BlockSize ≤ 1048576")
    }
    var sizes: [Int] = []
    var weights: [Int] = []
    func add(_ size: Int, _ weight: Int) {
      guard weight > 0 else { return }
      if let k = sizes.firstIndex(of: size) {
        weights[k] += weight
      } else {
        sizes.append(size)
        weights.append(weight)
      }
    }
    var taken = -1  // draws 0...taken already returned an earlier bucket
    var counted = 0
    for i in 0..<(buckets.count - 1) {
      counted += buckets[i]
      let upto = min(counted, area - 1)  // a draw u ≤ counted returns this bucket
      if upto > taken {
        add((i + 1) * blockSize, upto - taken)
        taken = upto
      }
    }
    add((buckets.count - 1) * blockSize, area - 1 - taken)
    return (sizes, weights)
  }

  /// A record's value is all of its fields: fieldcount × fieldlength bytes, as YCSB's insert
  /// writes them; an update or read-modify-write writes one field (`writeallfields=false`,
  /// YCSB's default) or all of them.
  static func applyFields(
    _ values: [String: Property], to node: inout SpecNode, file: String, notes: inout Notes
  ) throws {
    func number(_ k: String, _ d: Int) throws -> Int {
      guard let p = values[k] else { return d }
      guard let v = Int(p.value), v >= 0 else {
        throw SpecError(
          file: file, line: p.line, field: k, message: "'\(p.value)' is not a whole number ≥ 0")
      }
      return v
    }
    let count = try number("fieldcount", 10)
    let length = try number("fieldlength", 100)
    let minLength = try number("minfieldlength", 1)
    let dist = values["fieldlengthdistribution"]
    let line = dist?.line ?? values["fieldlength"]?.line ?? values["fieldcount"]?.line ?? 0
    let type = dist?.value ?? "constant"
    switch type {
    case "constant": break
    case "uniform", "zipfian": break  // one draw per field, summed, as CoreWorkload builds values
    case "histogram":
      let path = values["fieldlengthhistogram"]
      let (sizes, weights) = try histogram(
        path?.value ?? "hist.txt", property: path, file: file, line: line)
      func list(_ v: [Int]) -> SpecNode {
        .sequence(v.map { .scalar(String($0), line: line) }, line: line)
      }
      func weighted(fields: Int) -> SpecNode {
        guard fields > 0 else { return .scalar("0", line: line) }
        return .mapping(
          [
            ("type", .scalar("weighted", line: line), line), ("sizes", list(sizes), line),
            ("weights", list(weights), line), ("fields", .scalar(String(fields), line: line), line),
          ], line: line)
      }
      node = node.setting(["value_size"], to: weighted(fields: count))
      let writeAll = values["writeallfields"].map { $0.value.lowercased() == "true" } ?? false
      node = node.setting(
        ["update_value_size"], to: weighted(fields: writeAll ? count : min(count, 1)))
      return
    default:
      throw SpecError(
        file: file, line: line, field: "fieldlengthdistribution",
        message:
          "'\(type)' is not a YCSB field length distribution (use constant | uniform | zipfian | histogram)"
      )
    }
    func size(fields: Int) -> SpecNode {
      guard fields > 0 else { return .scalar("0", line: line) }
      return .mapping(
        [
          ("type", .scalar(type, line: line), line),
          ("min", .scalar(String(type == "constant" ? length : minLength), line: line), line),
          ("max", .scalar(String(length), line: line), line),
          ("fields", .scalar(String(fields), line: line), line),
        ], line: line)
    }
    node = node.setting(["value_size"], to: size(fields: count))
    let writeAll = values["writeallfields"].map { $0.value.lowercased() == "true" } ?? false
    node = node.setting(["update_value_size"], to: size(fields: writeAll ? count : min(count, 1)))
  }

  /// `insertstart`/`insertcount` split YCSB's load among clients (CoreWorkload: the load
  /// inserts insertstart ..< insertstart + insertcount and requests choose in that range). YCSB
  /// exits when the range passes recordcount; so does this, naming YCSB's properties.
  static func checkLoadRange(_ values: [String: Property], file: String) throws {
    let records = values["recordcount"].flatMap { Int($0.value) } ?? 1000
    var start = 0
    if let p = values["insertstart"] {
      guard let v = Int(p.value), v >= 0 else {
        throw SpecError(
          file: file, line: p.line, field: p.key, message: "'\(p.value)' is not a whole number ≥ 0")
      }
      start = v
    }
    var count = records - start
    if let p = values["insertcount"] {
      guard let v = Int(p.value), v >= 1 else {
        throw SpecError(
          file: file, line: p.line, field: p.key,
          message: "'\(p.value)' is not a whole number ≥ 1 (the records this client loads)")
      }
      count = v
    }
    guard let at = values["insertcount"] ?? values["insertstart"] else { return }
    guard start + count <= records, count >= 1 else {
      throw SpecError(
        file: file, line: at.line, field: at.key,
        message:
          "insertstart (\(start)) + insertcount (\(count)) exceeds recordcount (\(records)), which YCSB refuses too; lower them or raise recordcount"
      )
    }
  }
}
