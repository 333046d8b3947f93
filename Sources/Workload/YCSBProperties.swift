/// YCSB CoreWorkload property files (`workloada` … `workloadf`) and `-p` overrides, mapped onto
/// spec fields so both formats share one validator.
public enum YCSBProperties {
  public struct Property: Sendable {
    public var key: String
    public var value: String
    public var line: Int
  }

  /// `key=value` lines; `#` and `!` start comments.
  static func parse(_ text: String, file: String) throws -> [Property] {
    var out: [Property] = []
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
      guard let eq = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
        throw SpecError(
          file: file, line: i + 1, field: line, message: "expected key=value (a YCSB property line)"
        )
      }
      out.append(
        Property(
          key: String(line[..<eq]).trimmingCharacters(in: .whitespaces),
          value: String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces),
          line: i + 1))
    }
    return out
  }

  /// YCSB names mapped straight onto a spec field path.
  static let direct: [String: String] = [
    "recordcount": "records", "operationcount": "operations", "maxexecutiontime": "duration",
    "threadcount": "threads", "readproportion": "mix.read", "updateproportion": "mix.update",
    "insertproportion": "mix.insert", "scanproportion": "mix.scan",
    "readmodifywriteproportion": "mix.rmw",
    "deleteproportion": "mix.delete", "zeropadding": "keys.zero_padding",
    "minscanlength": "scan_length.min",
    "maxscanlength": "scan_length.max", "scanlengthdistribution": "scan_length.type",
    "target": "target",
    "hotspotdatafraction": "request_distribution.data_fraction",
    "hotspotopnfraction": "request_distribution.op_fraction",
    "exponential.percentile": "request_distribution.percentile",
    "exponential.frac": "request_distribution.fraction",
    "zipfianconstant": "request_distribution.constant",
  ]

  /// Properties that only matter to YCSB's own client or DB bindings; accepted and ignored.
  static let ignored: Set<String> = [
    "workload", "db", "table", "readallfields", "writeallfields", "readallfieldsbyname",
    "fieldnameprefix",
    "measurementtype", "measurement.interval", "measurement.trackjvm",
    "measurement.histogram.verbose",
    "measurement.raw.output_file", "measurement.raw.no_summary", "histogram.buckets",
    "hdrhistogram.fileoutput",
    "hdrhistogram.output.path", "status.interval", "exporter", "exportfile",
    "core_workload_insertion_retry_limit",
    "core_workload_insertion_retry_interval", "core_workload_insertion_keep_going_on_error",
    "spin.sleep",
    "reportlatencyforeacherror", "latencytrackederrors", "fieldlengthhistogram", "dataintegrity",
    "insertstart",
    "insertcount", "debug",
  ]

  /// Applies properties (a file's lines, then overrides) to `node`. With `ycsbDefaults`, YCSB's
  /// own defaults are the starting point (read 0.95 / update 0.05, 10 × 100-byte fields, …).
  static func apply(_ props: [Property], to node: SpecNode, file: String, ycsbDefaults: Bool) throws
    -> SpecNode
  {
    var node = node
    func set(_ path: String, _ value: String, _ line: Int) {
      node = node.setting(path.split(separator: "."), to: .scalar(value, line: line))
    }
    var values: [String: Property] = [:]
    for p in props { values[p.key] = p }
    if ycsbDefaults {
      node = node.setting(
        ["name"], to: .scalar(file.split(separator: "/").last.map(String.init) ?? file, line: 1))
      for (k, v) in [
        ("records", "1000"), ("operations", "1000"), ("mix.read", "0.95"), ("mix.update", "0.05"),
        ("request_distribution.type", "uniform"), ("insert_order", "hashed"),
        ("scan_length.min", "1"), ("scan_length.max", "1000"), ("scan_length.type", "uniform"),
      ] {
        set(k, v, 0)
      }
    }
    for p in props {
      if let path = direct[p.key] {
        set(path, p.value, p.line)
        continue
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
        node = node.setting(
          ["percentiles"],
          to: .sequence(
            p.value.split(separator: ",").map { .scalar(String($0), line: p.line) }, line: p.line))
      case "timeseries.granularity":
        set("interval", String((Double(p.value) ?? -1) / 1000), p.line)
      case "fieldcount", "fieldlength", "minfieldlength", "fieldlengthdistribution":
        break  // combined below into value_size
      case "insertstart" where p.value != "0",
        "insertcount" where values["recordcount"].map({ $0.value != p.value }) ?? true:
        throw SpecError(
          file: file, line: p.line, field: p.key,
          message:
            "partial load ranges are not supported; remove it (the whole recordcount is loaded)")
      case "dataintegrity" where p.value == "true":
        throw SpecError(
          file: file, line: p.line, field: p.key,
          message: "not supported; use `bench run --verify` to check every result")
      case let k where ignored.contains(k):
        break
      case let k where SpecReader.topFields.contains(String(k.split(separator: ".")[0])):
        set(k, p.value, p.line)  // a spec field path, e.g. -p records=5000 or -p mix.read=0.9
      default:
        let hint =
          closest(
            p.key,
            in: Array(direct.keys) + [
              "requestdistribution", "insertorder", "fieldcount", "fieldlength",
            ]
          ).map { " (did you mean '\($0)'?)" } ?? ""
        throw SpecError(
          file: file, line: p.line, field: p.key,
          message:
            "unknown YCSB property\(hint); YAML spec field paths such as mix.read also work with -p"
        )
      }
    }
    // A record's value is all of its fields: fieldcount × fieldlength bytes, as YCSB stores it.
    let fieldKeys = ["fieldcount", "fieldlength", "minfieldlength", "fieldlengthdistribution"]
    if ycsbDefaults || fieldKeys.contains(where: { values[$0] != nil }) {
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
      guard ["constant", "uniform", "zipfian"].contains(type) else {
        throw SpecError(
          file: file, line: line, field: "fieldlengthdistribution",
          message: "'\(type)' is not supported (use constant | uniform | zipfian)")
      }
      node = node.setting(
        ["value_size"],
        to: .mapping(
          [
            ("type", .scalar(type, line: line), line),
            (
              "min",
              .scalar(String(type == "constant" ? count * length : count * minLength), line: line),
              line
            ),
            ("max", .scalar(String(count * length), line: line), line),
          ], line: line))
    }
    return node
  }
}
