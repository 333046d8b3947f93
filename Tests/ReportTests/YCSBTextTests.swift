import EngineKit
import Foundation
import Platform
import Testing
import Workload

@testable import Report
@testable import Runner

/// A reader written from YCSB's documented text output (TextMeasurementsExporter: one line
/// `[METRIC], Measurement, value` each; other lines, such as YCSB's banners, ignored), as a
/// YCSB parsing script reads it. Sections start at each `# treebench` cell header.
struct YCSBOutput {
  struct Section {
    var header: String
    var values: [String: [String: String]] = [:]
    var order: [String] = []
    func number(_ metric: String, _ measurement: String) -> Double? {
      values[metric]?[measurement].flatMap(Double.init)
    }
  }
  var sections: [Section] = []

  init(_ text: String) throws {
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = String(raw)
      if line.hasPrefix("# treebench ") {
        sections.append(Section(header: line))
        continue
      }
      guard line.hasPrefix("[") else { continue }
      let fields = line.components(separatedBy: ", ")
      struct Bad: Error { var line: String }
      guard fields.count == 3, fields[0].hasSuffix("]"), !sections.isEmpty else {
        throw Bad(line: line)
      }
      let metric = String(fields[0].dropFirst().dropLast())
      if sections[sections.count - 1].values[metric] == nil {
        sections[sections.count - 1].order.append(metric)
      }
      sections[sections.count - 1].values[metric, default: [:]][fields[1]] = fields[2]
    }
  }
}

@Suite struct YCSBTextTests {
  static func result(_ values: [UInt64], errors: UInt64 = 0) -> OpResult {
    var h = Histograms.latency()
    for v in values { h.record(v) }
    return OpResult(count: UInt64(values.count), errors: errors, histogram: h)
  }

  static func phase(_ phase: Phase, seconds: Double, ops: [OpKind: OpResult]) -> PhaseResult {
    let zero = Allocator.snapshot()  // not in YCSB's output
    return PhaseResult(
      phase: phase, threads: 2, seconds: seconds, ops: ops, intervals: [],
      memoryBefore: zero, memoryAfter: zero, keys: 4, scannedEntries: 0, interrupted: false)
  }

  static var cell: CellResult {
    let spec = WorkloadSpec(file: "t.yaml", name: "t")
    let plan = CellPlan(
      spec: spec, engine: EngineChoice(name: "sortedmap"), wrapper: .rwlock, threads: 2,
      repeatIndex: 1, index: 1, total: 1)
    let load = phase(.load, seconds: 0.004, ops: [.insert: result([1500, 2500, 3999, 9000])])
    let run = phase(
      .run, seconds: 0.25,
      ops: [
        .read: result([800, 1200, 1999, 2000, 45_000], errors: 2),
        .update: result([3000, 3000, 7000]),
        .rmw: result([10_000], errors: 1),
        .insert: result([500, 600], errors: 1),
      ])
    return CellResult(plan: plan, load: load, run: run, engineStats: EngineStats(keys: 4))
  }

  /// Golden: the exact lines, in YCSB's names, order and number formats. Means are of the
  /// histogram's median-equivalent values, as HdrHistogram's getMean (Java and Swift) takes
  /// them: 2500 ns sits in a 2-ns bucket (2501), 9000 ns in an 8-ns one (9004), 45,000 ns in a
  /// 32-ns one (45,008): (1500 + 2501 + 3999 + 9004) / 4 = 4251 ns = 4.251 µs.
  @Test func goldenText() {
    let text = YCSBText.render([Self.cell], workload: "t")
    let header =
      "# treebench workload=t engine=sortedmap variant=default wrapper=rwlock threads=2 repeat=1 target=- placement=unpinned/local"
    let expected = """
      \(header) phase=load
      [OVERALL], RunTime(ms), 4
      [OVERALL], Throughput(ops/sec), 1000.0
      [TOTAL_GCs], Count, 0
      [TOTAL_GC_TIME], Time(ms), 0
      [TOTAL_GC_TIME_%], Time(%), 0.0
      [INSERT], Operations, 4
      [INSERT], AverageLatency(us), 4.251
      [INSERT], MinLatency(us), 1
      [INSERT], MaxLatency(us), 9
      [INSERT], 50thPercentileLatency(us), 2
      [INSERT], 95thPercentileLatency(us), 9
      [INSERT], 99thPercentileLatency(us), 9
      [INSERT], Return=OK, 4
      \(header) phase=run
      [OVERALL], RunTime(ms), 250
      [OVERALL], Throughput(ops/sec), 44.0
      [TOTAL_GCs], Count, 0
      [TOTAL_GC_TIME], Time(ms), 0
      [TOTAL_GC_TIME_%], Time(%), 0.0
      [READ], Operations, 5
      [READ], AverageLatency(us), 10.2014
      [READ], MinLatency(us), 0
      [READ], MaxLatency(us), 45
      [READ], 50thPercentileLatency(us), 1
      [READ], 95thPercentileLatency(us), 45
      [READ], 99thPercentileLatency(us), 45
      [READ], Return=OK, 3
      [READ], Return=NOT_FOUND, 2
      [READ-MODIFY-WRITE], Operations, 1
      [READ-MODIFY-WRITE], AverageLatency(us), 10.004
      [READ-MODIFY-WRITE], MinLatency(us), 10
      [READ-MODIFY-WRITE], MaxLatency(us), 10
      [READ-MODIFY-WRITE], 50thPercentileLatency(us), 10
      [READ-MODIFY-WRITE], 95thPercentileLatency(us), 10
      [READ-MODIFY-WRITE], 99thPercentileLatency(us), 10
      [READ-MODIFY-WRITE], Return=NOT_FOUND, 1
      [UPDATE], Operations, 3
      [UPDATE], AverageLatency(us), 4.334666666666667
      [UPDATE], MinLatency(us), 3
      [UPDATE], MaxLatency(us), 7
      [UPDATE], 50thPercentileLatency(us), 3
      [UPDATE], 95thPercentileLatency(us), 7
      [UPDATE], 99thPercentileLatency(us), 7
      [UPDATE], Return=OK, 3
      [INSERT], Operations, 2
      [INSERT], AverageLatency(us), 0.55
      [INSERT], MinLatency(us), 0
      [INSERT], MaxLatency(us), 0
      [INSERT], 50thPercentileLatency(us), 0
      [INSERT], 95thPercentileLatency(us), 0
      [INSERT], 99thPercentileLatency(us), 0
      [INSERT], Return=OK, 1
      [INSERT], Return=ERROR, 1

      """
    #expect(text == expected)
    if text != expected {
      let a = text.split(separator: "\n")
      let b = expected.split(separator: "\n")
      for (x, y) in zip(a, b) where x != y { print("got  \(x)\nwant \(y)") }
    }
  }

  /// What a YCSB parsing script computes from the text agrees with the measurements.
  @Test func parsedAsYCSBOutput() throws {
    let out = try YCSBOutput(YCSBText.render([Self.cell, Self.cell], workload: "t"))
    #expect(out.sections.count == 4)
    let run = out.sections[1]
    #expect(run.header.hasSuffix(" phase=run"))
    #expect(
      run.order == [
        "OVERALL", "TOTAL_GCs", "TOTAL_GC_TIME", "TOTAL_GC_TIME_%", "READ",
        "READ-MODIFY-WRITE", "UPDATE", "INSERT",
      ])
    var ops = 0.0
    for metric in ["READ", "READ-MODIFY-WRITE", "UPDATE", "INSERT"] {
      let n = try #require(run.number(metric, "Operations"))
      ops += n
      let returns = ["OK", "NOT_FOUND", "ERROR"].compactMap { run.number(metric, "Return=\($0)") }
      #expect(returns.reduce(0, +) == n, "\(metric): Return= counts sum to Operations")
      let lat = [
        "MinLatency(us)", "50thPercentileLatency(us)", "95thPercentileLatency(us)",
        "99thPercentileLatency(us)", "MaxLatency(us)",
      ].compactMap { run.number(metric, $0) }
      #expect(lat.count == 5 && lat == lat.sorted(), "\(metric): latencies ordered")
      let mean = try #require(run.number(metric, "AverageLatency(us)"))
      #expect(lat[0] <= mean && mean <= lat[4] + 1)
    }
    #expect(ops == 11)
    #expect(run.number("OVERALL", "RunTime(ms)") == 250)
    #expect(run.number("OVERALL", "Throughput(ops/sec)") == 11 / 0.25)
  }

  /// Through a real run: the results folder gets ycsb.txt with a section per cell phase.
  @Test func resultsFolderHasYCSBText() throws {
    var spec = WorkloadSpec(file: "y.yaml", name: "y")
    spec.records = 300
    spec.operations = 600
    spec.mix = [.read: 0.5, .update: 0.3, .scan: 0.1, .rmw: 0.1]
    let dir = NSTemporaryDirectory() + "tb-ycsbtxt-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (writer, context) = try testWriter(spec, dir: dir)
    for t in [1, 2] {
      let plan = CellPlan(
        spec: spec, engine: EngineChoice(name: "sortedmap"), wrapper: .rwlock, threads: t,
        repeatIndex: 0, index: t, total: 2)
      try writer.add(try EngineEntry(SortedMapEngine.self).measure(plan, context: context))
    }
    try writer.finish(.complete)
    let out = try YCSBOutput(try String(contentsOfFile: "\(dir)/ycsb.txt", encoding: .utf8))
    #expect(out.sections.map { $0.header.hasSuffix("phase=load") } == [true, false, true, false])
    #expect(out.sections[3].header.contains(" threads=2 "))
    for s in out.sections where s.header.hasSuffix("phase=run") {
      let total = ["READ", "UPDATE", "SCAN", "READ-MODIFY-WRITE"].compactMap {
        s.number($0, "Operations")
      }.reduce(0, +)
      #expect(total == 600)
      #expect(s.number("READ", "Return=OK") == s.number("READ", "Operations"))
      #expect(s.values["READ"]?["Return=NOT_FOUND"] == nil)
    }
    #expect(out.sections[0].number("INSERT", "Operations") == 300)
  }

  /// Java's Double.toString, as YCSB's exporter writes doubles (figures printed by JDK 17).
  @Test func javaDoubleFormatting() {
    let cases: [(Double, String)] = [
      (45208.466524068615, "45208.466524068615"), (21.056086999999998, "21.056086999999998"),
      (1e7, "1.0E7"), (9_999_999.5, "9999999.5"), (1e-3, "0.001"), (9.99e-4, "9.99E-4"),
      (1_234_567, "1234567.0"), (0.1, "0.1"), (100, "100.0"), (1.5e300, "1.5E300"),
      (3.0e-10, "3.0E-10"), (12345.678e10, "1.2345678E14"), (0, "0.0"), (1e-4, "1.0E-4"),
      (428.57142857142856, "428.57142857142856"), (.infinity, "Infinity"), (.nan, "NaN"),
      (-2.5, "-2.5"),
    ]
    for (d, java) in cases { #expect(YCSBText.javaDouble(d) == java, "\(d)") }
  }

  /// Measurement order is a small ConcurrentHashMap's (printed by JDK 17 for these names).
  @Test func measurementOrderIsJavas() {
    let all = OpKind.allCases
    #expect(
      YCSBText.javaMapOrder(all, YCSBText.name).map(YCSBText.name) == [
        "READ", "DELETE", "READ-MODIFY-WRITE", "UPDATE", "INSERT", "SCAN", "LIST",
      ])
    #expect(
      YCSBText.javaMapOrder(all) { "Intended-" + YCSBText.name($0) }.map(YCSBText.name) == [
        "LIST", "UPDATE", "INSERT", "DELETE", "READ-MODIFY-WRITE", "SCAN", "READ",
      ])
    #expect(
      YCSBText.javaMapOrder(["READ", "UPDATE", "CLEANUP"]) { $0 } == ["READ", "CLEANUP", "UPDATE"])
  }
}
