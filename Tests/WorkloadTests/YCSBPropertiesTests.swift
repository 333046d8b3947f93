import Foundation
import Testing

@testable import Workload

/// Property files read as Java's `Properties.load` reads them, and CoreWorkload's meanings.
@Suite struct YCSBPropertiesTests {
  func props(_ text: String) throws -> [(String, String, Int)] {
    try YCSBProperties.parse(text, file: "p").map { ($0.key, $0.value, $0.line) }
  }

  func write(_ text: String, _ name: String) throws -> String {
    let dir = NSTemporaryDirectory() + "tb-ycsb-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }

  @Test func lineEndingsSeparatorsAndComments() throws {
    let text =
      "# a comment\r\n! another\r\n\r\n  recordcount = 5\r\noperationcount:7\rthreadcount 3\n"
      + "\t zeropadding\t:\t 4\r\nkeyonly\r\n#last=1"
    let p = try props(text)
    #expect(
      p.map(\.0) == ["recordcount", "operationcount", "threadcount", "zeropadding", "keyonly"])
    #expect(p.map(\.1) == ["5", "7", "3", "4", ""])
    #expect(p.map(\.2) == [4, 5, 6, 7, 8])
  }

  @Test func continuationsEscapesAndTrailingWhitespace() throws {
    let text =
      "a = one, \\\r\n      two,\\\n\t# three\r\n"  // the # continues the value, not a comment
      + "b=x\\\\\n"  // an even count of backslashes: no continuation, one literal backslash
      + "c=after\n"
      + "key\\=with\\:seps\\ and\\ space = v\\u00e9\\tT\\nN\\q  \n"  // \q is q; two trailing spaces kept
      + "d=last\\"  // a backslash at the end of the file is dropped
    let p = try props(text)
    #expect(p.map(\.0) == ["a", "b", "c", "key=with:seps and space", "d"])
    #expect(p.map(\.1) == ["one, two,# three", "x\\", "after", "vé\tT\nNq  ", "last"])
    #expect(p.map(\.2) == [1, 4, 5, 6, 7])
  }

  @Test func malformedUnicodeEscapeIsAnError() throws {
    #expect(throws: SpecError.self) { try props("recordcount=\\u12G4\n") }
  }

  @Test func aCRLFFileWithColonsLoadsLikeYCSBsWorkloadD() throws {
    // Written in workloadd's shape (CRLF, as YCSB ships it), with `:` and ` ` separators.
    let path = try write(
      "# Yahoo! Cloud System Benchmark\r\n# Workload D: Read latest workload\r\n\r\n"
        + "recordcount: 1000\r\noperationcount 1000\r\n"
        + "workload=site.ycsb.workloads.CoreWorkload\r\n\r\nreadallfields=true\r\n\r\n"
        + "readproportion=0.95\r\nupdateproportion=0\r\nscanproportion=0\r\n"
        + "insertproportion=0.05\r\n\r\nrequestdistribution=latest\r\n\r\n",
      "workloadd")
    let s = try WorkloadLoader.load(path: path)
    #expect(s.records == 1000 && s.operations == 1000)
    #expect(s.mix == [.read: 0.95, .insert: 0.05])
    #expect(s.requestDistribution == .latest(constant: 0.99))
    #expect(s.warnings.isEmpty && s.notModelled.isEmpty)
    #expect(s.expectedRunInserts == 100)  // (int)(1000 × 0.05 × 2.0)
  }

  @Test func emptyOrCommentOnlyFileIsRefused() throws {
    for text in ["", "\r\n\r\n", "# only\r\n! comments\r\n   \n"] {
      let path = try write(text, "empty")
      #expect {
        try WorkloadLoader.load(path: path)
      } throws: { e in
        (e as? SpecError)?.message.hasPrefix("no properties") == true
      }
    }
  }

  @Test func proportionsAreWeightsWithYCSBDefaults() throws {
    let s = try WorkloadLoader.parse("readproportion=1\n", file: "w")
    #expect(s.mix == [.read: 1 / 1.05, .update: 0.05 / 1.05])  // 95.2 % / 4.8 %
    #expect(s.warnings.count == 1)
    #expect(
      s.warnings[0].contains("sum to 1.05") && s.warnings[0].contains("read 95.2 %, update 4.8 %"))

    let t = try WorkloadLoader.parse(
      "readproportion=2\nupdateproportion=1\ninsertproportion=1\noperationcount=100\n", file: "w")
    #expect(t.mix == [.read: 0.5, .update: 0.25, .insert: 0.25])
    #expect(
      t.warnings == [
        "w: the proportions sum to 4.0, not 1; YCSB weighs them, so the effective mix is read 50 %, update 25 %, insert 25 %"
      ])
    #expect(t.expectedRunInserts == 200)  // YCSB sizes from the raw weight: (int)(100 × 1 × 2.0)

    // Weights that sum to 1 give no warning; all zero is refused.
    #expect(
      try WorkloadLoader.parse("readproportion=0.5\nupdateproportion=0.5\n", file: "w").warnings
        .isEmpty)
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse("readproportion=0\nupdateproportion=0\n", file: "w")
    }
    #expect(throws: SpecError.self) { try WorkloadLoader.parse("readproportion=-1\n", file: "w") }
    // YAML specs keep their strict sum rule.
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse("mix: {read: 1, update: 0.05}\n", file: "w.yaml")
    }
  }

  @Test func everyTemplatePropertyIsAcceptedAndNamed() throws {
    // The properties of YCSB's workload_template, with values written here.
    let text = """
      workload=site.ycsb.workloads.CoreWorkload
      recordcount=1000
      operationcount=3000
      insertstart=0
      fieldcount=10
      fieldlength=100
      readallfields=true
      writeallfields=false
      fieldlengthdistribution=constant
      readproportion=0.95
      updateproportion=0.05
      insertproportion=0
      readmodifywriteproportion=0
      scanproportion=0
      maxscanlength=1000
      maxscanrate=0
      scanoptimelimit=0
      discardscannedrecord=false
      scanlengthdistribution=uniform
      insertorder=hashed
      requestdistribution=zipfian
      hotspotdatafraction=0.2
      hotspotopnfraction=0.8
      table=usertable
      measurementtype=histogram
      histogram.buckets=1000
      timeseries.granularity=1000
      db=site.ycsb.BasicDB
      status.interval=10
      exporter=site.ycsb.measurements.exporter.TextMeasurementsExporter
      fieldnameprefix=field

      """
    let s = try WorkloadLoader.parse(text, file: "workload_template")
    #expect(s.warnings.count == 1)
    #expect(
      s.warnings[0]
        == "workload_template: not modelled (YCSB client and binding settings that do not change the operations): maxscanrate, scanoptimelimit, discardscannedrecord, table, measurementtype, histogram.buckets, db, status.interval, exporter, fieldnameprefix"
    )
    #expect(s.notModelled.contains("maxscanrate=0") && s.notModelled.contains("table=usertable"))
    #expect(s.valueSize == .constant(1000) && s.updateValueSize == .constant(100))
  }

  @Test func workChangingPropertiesWarnOneLineEach() throws {
    let s = try WorkloadLoader.parse(
      "recordcount=100\nreadallfields=false\ndataintegrity=true\ninsertstart=10\ninsertcount=50\n",
      file: "w")
    #expect(s.warnings.count == 1)
    #expect(
      s.warnings[0]
        == "w:2: readallfields=false is not modelled: a read returns the record's whole value, as readallfields=true does"
    )
    // dataintegrity=true is honoured: every cell is verified after the run (the CLI test runs it).
    #expect(s.dataIntegrity)
    // insertstart/insertcount are honoured (YCSBInsertRangeTests): no warning.
    #expect(s.notModelled == ["readallfields=false"])
    #expect(s.insertStart == 10 && s.insertCount == 50 && s.loadRange == 10..<60)
    // YCSB refuses a range beyond recordcount; so does TreeBench.
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse("recordcount=100\ninsertstart=60\ninsertcount=50\n", file: "w")
    }
    // The whole range, as YCSB's own template writes it, is honoured without a word.
    #expect(
      try WorkloadLoader.parse("recordcount=100\ninsertstart=0\ninsertcount=100\n", file: "w")
        .warnings.isEmpty)
  }

  @Test func laterDuplicatesWinAndOverridesComeLast() throws {
    let s = try WorkloadLoader.parse(
      "recordcount=10\nrecordcount=20\nfieldcount=2\n", file: "w", overrides: ["fieldlength=8"])
    #expect(s.records == 20)
    #expect(s.valueSize == .constant(16) && s.updateValueSize == .constant(8))
  }

  @Test func updatesWriteOneFieldUnlessWriteAllFields() throws {
    func lengths(_ text: String) throws -> [OpKind: Set<Int>] {
      let s = try WorkloadLoader.parse(text, file: "w")
      var stream = OperationStream(spec: s, phase: .run, thread: 0, threads: 1)
      var out: [OpKind: Set<Int>] = [:]
      for _ in 0..<3000 {
        let op = stream.next()!
        out[op.kind, default: []].insert(op.value.count)
      }
      return out
    }
    let mix =
      "readproportion=0\nupdateproportion=0.4\ninsertproportion=0.3\nreadmodifywriteproportion=0.3\n"
    let one = try lengths(mix)
    #expect(one == [.update: [100], .rmw: [100], .insert: [1000]])  // YCSB's default: one field
    let all = try lengths(mix + "writeallfields=true\nfieldcount=3\nfieldlength=7\n")
    #expect(all == [.update: [21], .rmw: [21], .insert: [21]])
  }

  @Test func zipfianConstantOutsideGraysRangeRunsYCSBs() throws {
    let s = try WorkloadLoader.parse(
      "requestdistribution=zipfian\nzipfianconstant=1.2\n", file: "w")
    #expect(s.requestDistribution == .scrambledZipfian(constant: 0.99))
    #expect(s.notModelled == ["zipfianconstant=1.2"])
    #expect(
      s.warnings == [
        "w:2: zipfianconstant=1.2 is not modelled: property files honour 0 < θ < 1 only (YCSB's generator is Gray's); running θ = 0.99, as YCSB always does (a YAML spec takes any θ > 0)"
      ])
    let t = try WorkloadLoader.parse("requestdistribution=latest\nzipfianconstant=0.5\n", file: "w")
    #expect(t.requestDistribution == .latest(constant: 0.5) && t.warnings.isEmpty)  // the extension
  }

  /// fieldlengthdistribution draws one length per field and sums them, as CoreWorkload builds a
  /// record: 10 uniform fields of 1…100 B have mean 505 and standard deviation √(10 · (100² − 1)
  /// / 12) ≈ 91.3 — a single draw over 10…1000 would have ≈ 286.
  @Test func fieldLengthsAreDrawnPerFieldAndSummed() throws {
    let s = try WorkloadLoader.parse(
      "recordcount=10\nfieldcount=10\nfieldlength=100\nminfieldlength=1\nfieldlengthdistribution=uniform\nwriteallfields=false\n",
      file: "w")
    #expect(s.valueSize == .fields(count: 10, field: .uniform(min: 1, max: 100)))
    #expect(s.updateValueSize == .uniform(min: 1, max: 100))
    #expect(s.warnings.isEmpty, "\(s.warnings)")
    let sizes = SizeChooser(s.valueSize)
    var rng = Xoshiro256(seed: 7)
    let draws = (0..<20_000).map { _ in Double(sizes.next(&rng)) }
    let mean = draws.reduce(0, +) / Double(draws.count)
    let sd = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count))
      .squareRoot()
    #expect(abs(mean - 505) < 4, "mean \(mean)")
    #expect(abs(sd - 91.3) < 4, "sd \(sd)")
    #expect(draws.min()! >= 10 && draws.max()! <= 1000)
    // A constant field length stays one constant (streams unchanged).
    let c = try WorkloadLoader.parse("recordcount=10\n", file: "w")
    #expect(c.valueSize == .constant(1000) && c.updateValueSize == .constant(100))
  }

  /// fieldlengthdistribution=histogram reads YCSB's histogram file; the weights equal what
  /// HistogramGenerator.nextValue returns for each of its `area` equally likely draws (its walk,
  /// boundaries included, enumerated here), and the sizes are drawn in those proportions.
  @Test func histogramFieldLengthsMatchYCSBsGenerator() throws {
    let path = NSTemporaryDirectory() + "tb-hist-\(getpid()).txt"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let buckets = [3, 0, 5, 2, 0, 4]
    try ("BlockSize\t16\n" + buckets.enumerated().map { "\($0)\t\($1)" }.joined(separator: "\n"))
      .write(toFile: path, atomically: true, encoding: .utf8)
    let s = try WorkloadLoader.parse(
      "recordcount=10\nfieldcount=2\nfieldlengthdistribution=histogram\nfieldlengthhistogram=\(path)\n",
      file: "w")
    var expected: [Int: Int] = [:]
    let area = buckets.reduce(0, +)
    for u in 0..<area {  // YCSB: number -= bucket[i]; if number <= 0 return (i + 1) * blockSize
      var number = u
      var value = (buckets.count - 1) * 16
      for i in 0..<(buckets.count - 1) {
        number -= buckets[i]
        if number <= 0 {
          value = (i + 1) * 16
          break
        }
      }
      expected[value, default: 0] += 1
    }
    guard case .fields(2, .weighted(let sizes, let weights)) = s.valueSize else {
      Issue.record("value size \(s.valueSize)")
      return
    }
    #expect(Dictionary(uniqueKeysWithValues: zip(sizes, weights)) == expected)
    #expect(s.warnings.isEmpty && s.notModelled.isEmpty)
    let one = SizeChooser(.weighted(sizes: sizes, weights: weights))
    var rng = Xoshiro256(seed: 3)
    var seen: [Int: Int] = [:]
    for _ in 0..<14_000 { seen[one.next(&rng), default: 0] += 1 }
    for (size, w) in expected {
      #expect(abs(Double(seen[size] ?? 0) / 1000 - Double(w)) < 0.5, "\(size): \(seen)")
    }
    // A missing histogram file is a one-line error naming the property.
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse(
        "fieldlengthdistribution=histogram\nfieldlengthhistogram=/nonexistent/h.txt\n", file: "w")
    }
  }
}
