import Foundation
import Histogram
import Runner
import Workload

/// YCSB's text output (`ycsb.txt`, `bench run --format ycsb`), so scripts written for YCSB's
/// stdout read a TreeBench run unchanged. Learned from YCSB's `Client.exportMeasurements`,
/// `OneMeasurementHdrHistogram.exportMeasurements`, `OneMeasurement.exportStatusCounts` and
/// `TextMeasurementsExporter` (lines `[NAME], measurement, value`; longs as Java prints them,
/// doubles as Java's `Double.toString`).
///
/// Per cell and phase: one `# treebench …` header line naming the cell (YCSB parsers skip lines
/// that do not start with `[`, as they skip YCSB's own banner lines), then `[OVERALL]` run time
/// and throughput, YCSB's garbage-collector totals (zero: there is no collector), and per op
/// `Operations`, `AverageLatency(us)`, `MinLatency(us)`, `MaxLatency(us)`, YCSB's default
/// percentiles (50, 95, 99: `hdrhistogram.percentiles`), and `Return=` counts. Where TreeBench
/// differs from YCSB, deliberately:
/// - latencies are measured in nanoseconds; min, max and percentiles are written in whole
///   microseconds truncated as YCSB truncates, but `AverageLatency(us)` is the nanosecond mean
///   ÷ 1000 (YCSB averages microseconds already truncated, up to 1 µs lower);
/// - `Throughput(ops/sec)` is ops ÷ the phase's measured seconds (YCSB divides by whole ms);
/// - a failed op stays in its op's section (YCSB moves its latency to `[READ-FAILED]` and the
///   like); `Operations` counts every op and `Return=` splits it: `NOT_FOUND` for a missing key,
///   `ERROR` for an insert whose key already exists;
/// - a read-modify-write is timed as one op, `[READ-MODIFY-WRITE]`, with its own `Return=`
///   counts; its read and write are not counted again under `[READ]` and `[UPDATE]` (YCSB's
///   DBWrapper counts them there too);
/// - no `[CLEANUP]`: YCSB times each client thread's `DB.cleanup()`; an in-memory engine has no
///   per-thread cleanup to time;
/// - open-loop cells add `[Intended-…]` sections, as YCSB's `measurement.interval=both` does;
///   list ops (no YCSB counterpart) are `[LIST]`.
public enum YCSBText {
  /// The measurement name YCSB's CoreWorkload / DBWrapper gives an op.
  public static func name(_ kind: OpKind) -> String {
    switch kind {
    case .read: return "READ"
    case .update: return "UPDATE"
    case .insert: return "INSERT"
    case .delete: return "DELETE"
    case .scan: return "SCAN"
    case .rmw: return "READ-MODIFY-WRITE"
    case .list: return "LIST"
    }
  }

  /// The `Return=` status of a failed op of `kind` (YCSB's `Status` names).
  static func failure(_ kind: OpKind) -> String { kind == .insert ? "ERROR" : "NOT_FOUND" }

  /// The sections of every phase of `cells`.
  public static func render(_ cells: [CellResult], workload: String) -> String {
    cells.map { render($0, workload: workload) }.joined()
  }

  /// One cell: a header line and YCSB's lines for each phase that ran.
  public static func render(_ c: CellResult, workload: String) -> String {
    var out = ""
    for p in [c.load, c.run].compactMap({ $0 }) {
      let cell = CellKey(cell: c, workload: workload)
      let key = Columns.cellKey { (k: CellKey) in k }.map {
        let v = $0.value(cell)
        return "\($0.name)=\(v.isEmpty ? "-" : v.replacingOccurrences(of: " ", with: "_"))"
      }
      out += "# treebench \(key.joined(separator: " ")) phase=\(p.phase.rawValue)"
      out += p.interrupted ? " status=interrupted\n" : "\n"
      out += phase(p)
    }
    return out
  }

  /// YCSB's lines for one phase (what one `ycsb load` or `ycsb run` would print).
  public static func phase(_ p: PhaseResult) -> String {
    var out = ""
    func line(_ metric: String, _ measurement: String, _ value: String) {
      out += "[\(metric)], \(measurement), \(value)\n"
    }
    let millis = (p.seconds * 1000).rounded()
    line("OVERALL", "RunTime(ms)", String(Int64(millis)))
    line(
      "OVERALL", "Throughput(ops/sec)",
      javaDouble(p.seconds > 0 ? Double(p.totalOps) / p.seconds : 0))
    line("TOTAL_GCs", "Count", "0")
    line("TOTAL_GC_TIME", "Time(ms)", "0")
    line("TOTAL_GC_TIME_%", "Time(%)", javaDouble(0))
    func section(_ metric: String, _ r: OpResult, returns: [(String, UInt64)]) {
      let h = r.histogram
      let us = { (ns: UInt64) in String(ns / 1000) }
      line(metric, "Operations", String(r.count))
      line(metric, "AverageLatency(us)", javaDouble(h.totalCount > 0 ? h.mean / 1000 : 0))
      line(metric, "MinLatency(us)", us(h.totalCount > 0 ? h.min : 0))
      line(metric, "MaxLatency(us)", us(h.max))
      for (label, percentile) in [("50th", 50.0), ("95th", 95.0), ("99th", 99.0)] {
        line(metric, "\(label)PercentileLatency(us)", us(h.valueAtPercentile(percentile)))
      }
      for (status, n) in returns where n > 0 { line(metric, "Return=\(status)", String(n)) }
    }
    // YCSB keeps its measurements in a ConcurrentHashMap and exports them in its iteration
    // order; with TreeBench's few names that is bucket order, which `javaMapOrder` reproduces.
    for k in javaMapOrder(p.ops.keys.sorted { $0.rawValue < $1.rawValue }, name) {
      let r = p.ops[k]!
      section(
        name(k), r, returns: [("OK", r.count - min(r.errors, r.count)), (failure(k), r.errors)])
    }
    // Open loop: YCSB's measurement.interval=both; statuses are reported on the op's own
    // measurement, so the Intended- sections carry none.
    let intended = p.intended.keys.sorted { $0.rawValue < $1.rawValue }
    for k in javaMapOrder(intended, { "Intended-" + name($0) }) {
      section("Intended-" + name(k), p.intended[k]!, returns: [])
    }
    return out
  }

  /// `items` in the order a small `java.util.concurrent.ConcurrentHashMap` (16 buckets: fewer
  /// than 12 entries) iterates their names' keys: by bucket `spread(String.hashCode) & 15`,
  /// ties in insertion order.
  static func javaMapOrder<T>(_ items: [T], _ name: (T) -> String) -> [T] {
    func bucket(_ s: String) -> Int {
      var h: Int32 = 0
      for u in s.utf16 { h = h &* 31 &+ Int32(u) }
      let x = UInt32(bitPattern: h)
      return Int((x ^ (x >> 16)) & 0x7fff_ffff & 15)
    }
    return items.enumerated().sorted {
      (bucket(name($0.element)), $0.offset) < (bucket(name($1.element)), $1.offset)
    }.map(\.element)
  }

  /// A double as Java's `Double.toString` writes it (JDK 19 and later: the shortest digits that
  /// read back to the same double): `123.0`, `98.91196834817013`, `0.001`, `1.0E7`, `1.0E-4`,
  /// `NaN`, `Infinity`.
  public static func javaDouble(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description also gives the shortest round-trip digits; take them apart.
    let text = "\(abs(d))"
    let parts = text.split(separator: "e")
    var exponent = parts.count > 1 ? Int(parts[1])! : 0
    let mantissa = parts[0]
    let dot = mantissa.firstIndex(of: ".")
    let whole = dot.map { mantissa[..<$0] } ?? mantissa[...]
    let fraction = dot.map { mantissa[mantissa.index(after: $0)...] } ?? ""
    var digits = Array(whole + fraction)
    exponent += whole.count - 1  // value = 0.d1d2… × 10^(exponent+1) → d1.d2… × 10^exponent
    while digits.count > 1 && digits.first == "0" {
      digits.removeFirst()
      exponent -= 1
    }
    while digits.count > 1 && digits.last == "0" { digits.removeLast() }
    let sign = d < 0 ? "-" : ""
    let magnitude = abs(d)
    if magnitude >= 1e-3 && magnitude < 1e7 {
      if exponent >= 0 {
        let intDigits = digits.count > exponent + 1 ? digits.count : exponent + 1
        let padded = digits + Array(repeating: "0", count: intDigits - digits.count)
        let integer = String(padded[0...exponent])
        let rest = String(padded[(exponent + 1)...])
        return sign + integer + "." + (rest.isEmpty ? "0" : rest)
      }
      return sign + "0." + String(repeating: "0", count: -exponent - 1) + String(digits)
    }
    let rest = digits.count > 1 ? String(digits[1...]) : "0"
    return sign + String(digits[0]) + "." + rest + "E" + String(exponent)
  }
}
