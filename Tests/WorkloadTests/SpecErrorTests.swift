import Foundation
import Testing

@testable import Workload

/// The SpecError that reading `yaml` (as `file`, with `overrides`) gives; nil when it reads.
func specError(_ yaml: String, overrides: [String] = [], file: String = "w.yaml") -> SpecError? {
  do {
    _ = try WorkloadLoader.parse(yaml, file: file, overrides: overrides)
    return nil
  } catch let e as SpecError { return e } catch { return nil }
}

/// Every malformed spec yields one SpecError naming the file, field and line.
@Suite struct SpecErrorTests {
  func error(_ yaml: String, overrides: [String] = [], file: String = "w.yaml") -> SpecError? {
    specError(yaml, overrides: overrides, file: file)
  }

  @Test func unknownFieldNamesLineAndSuggestion() throws {
    let e = try #require(error("records: 10\nrecrods: 5\n"))
    #expect(e.field == "recrods")
    #expect(e.line == 2)
    #expect(e.message.contains("did you mean 'records'"))
    #expect(e.description.hasPrefix("w.yaml:2: recrods:"))
  }

  @Test func unknownNestedField() throws {
    let e = try #require(error("mix: {read: 0.5, updat: 0.5}\n"))
    #expect(e.field == "mix.updat")
    #expect(e.message.contains("did you mean 'update'"))
  }

  @Test func wrongType() throws {
    let e = try #require(error("records: lots\n"))
    #expect(e.field == "records")
    #expect(e.line == 1)
    #expect(e.message.contains("not a whole number"))
  }

  @Test func negativeCount() throws {
    let e = try #require(error("records: 10\noperations: -5\n"))
    #expect(e.field == "operations")
    #expect(e.line == 2)
    #expect(e.message.contains("≥ 0"))
  }

  @Test func listSpecIsReadAndChecked() throws {
    let s = try WorkloadLoader.parse(
      "mix: {read: 0.5, list: 0.5}\nlist: {delimiter: ':', page_size: 20, depth: 2}\n",
      file: "w.yaml")
    #expect(s.proportion(.list) == 0.5)
    #expect(s.list.delimiter == UInt8(ascii: ":") && s.list.pageSize == 20 && s.list.depth == 2)
    let e = try #require(error("list:\n  delimiter: '//'\n"))
    #expect(e.field == "list.delimiter" && e.line == 2 && e.message.contains("single byte"))
    #expect(error("list: {page_size: 0}\n")?.field == "list.page_size")
    #expect(error("list: {depth: parent, pagesize: 3}\n")?.message.contains("'page_size'") == true)
  }

  @Test func loadModeIsInsertsOrBulk() throws {
    #expect(try WorkloadLoader.parse("load: bulk\n", file: "w.yaml").bulkLoad)
    #expect(try !WorkloadLoader.parse("load: inserts\n", file: "w.yaml").bulkLoad)
    let e = try #require(error("records: 5\nload: sorted\n"))
    #expect(e.field == "load" && e.line == 2 && e.message.contains("inserts | bulk"))
  }

  @Test func proportionsMustSumToOne() throws {
    let e = try #require(error("mix:\n  read: 0.5\n  update: 0.4\n"))
    #expect(e.field == "mix")
    #expect(e.message.contains("sum to 1"))
  }

  @Test func unknownDistributionListsChoices() throws {
    let e = try #require(error("request_distribution: zipfy\n"))
    #expect(e.field == "request_distribution")
    #expect(e.message.contains("scrambled_zipfian"))
  }

  @Test func zipfianConstantOutOfRange() throws {
    // Any θ > 0 up to 100 runs (θ ≥ 1 by rejection-inversion); 0 and beyond 100 are refused.
    #expect(error("request_distribution: {type: zipfian, constant: 1.5}\n") == nil)
    let e = try #require(error("request_distribution: {type: zipfian, constant: 0}\n"))
    #expect(e.field == "request_distribution.constant" && e.line == 1)
    #expect(error("request_distribution: {type: zipfian, constant: 250}\n") != nil)
  }

  @Test func unknownKeyShape() throws {
    let e = try #require(error("keys: {shape: uuid}\n"))
    #expect(e.field == "keys.shape")
    #expect(e.message.contains("ycsb | int64"))
  }

  @Test func badValueSizeRange() throws {
    let e = try #require(error("value_size: {type: uniform, min: 64, max: 8}\n"))
    #expect(e.field == "value_size")
    #expect(e.message.contains("min (64) must be ≤ max (8)"))
  }

  @Test func zeroThreads() throws {
    let e = try #require(error("threads: [1, 0]\n"))
    #expect(e.field == "threads")
  }

  @Test func yamlSyntaxErrorHasLine() throws {
    let e = try #require(error("records: 10\nmix: {read: 1\n"))
    #expect(e.field == "(syntax)")
    #expect(e.line != nil)
  }

  @Test func documentMustBeMapping() throws {
    let e = try #require(error("- a\n- b\n"))
    #expect(e.field == "(document)")
  }

  @Test func duplicateKey() throws {
    let e = try #require(error("records: 1\nrecords: 2\n"))
    #expect(e.message.contains("duplicated key"))
    #expect(e.message.contains("records"))
  }

  @Test func negativeOrNonNumericTargetsFail() throws {
    #expect(try #require(error("target: -5\n")).field == "target")
    #expect(try #require(error("target: [1000, fast]\n")).field == "target")
  }

  @Test func unreadableFile() throws {
    do {
      _ = try WorkloadLoader.load(path: "/nonexistent/x.yaml")
      Issue.record("expected an error")
    } catch let e as SpecError {
      #expect(e.file == "/nonexistent/x.yaml")
      #expect(e.message.contains("cannot read"))
    }
  }

  @Test func percentilesAreAFixedSetAndSaySo() throws {
    // summary.csv's percentile columns are fixed, so the field is refused with the set it gets.
    let e = try #require(error("records: 10\npercentiles: [50, 99.9]\n"))
    #expect(e.field == "percentiles" && e.line == 2)
    #expect(e.message.contains("p99.99") && e.message.contains("latency/*.hgrm"))
    let p = try #require(error("records: 10\n", overrides: ["percentiles=[50]"]))
    #expect(p.field == "percentiles" && p.message.contains("fixed percentile set"))
    // A YCSB property file's hdrhistogram.percentiles is accepted and listed as not modelled.
    let s = try WorkloadLoader.parse(
      "recordcount=10\nhdrhistogram.percentiles=50,99\n", file: "workloadx")
    #expect(s.notModelled == ["hdrhistogram.percentiles=50,99"])
  }

  @Test func unknownYCSBPropertyWarnsWithLineAndSuggestion() throws {
    // YCSB accepts any property, so a property file's unknown key is a warning, not an error.
    let s = try WorkloadLoader.parse("recordcount=10\nreadproportoin=1\n", file: "workloadx")
    let w = try #require(s.warnings.first { $0.contains("unknown properties") })
    #expect(w.contains("readproportoin (line 2) (did you mean 'readproportion'?)"))
    #expect(s.notModelled == ["readproportoin=1"])
    // On a YAML spec, -p names must still be known.
    let e = try #require(error("records: 10\n", overrides: ["readproportoin=1"]))
    #expect(e.field == "readproportoin" && e.message.contains("did you mean 'readproportion'"))
  }

  @Test func badOverrideIsNamedAsCommandLine() throws {
    let e = try #require(error("records: 10\n", overrides: ["records=ten"]))
    #expect(e.field == "records")
    #expect(e.line == 0)
    #expect(e.description.contains("command line -p"))
  }

  @Test func overrideWithoutEquals() throws {
    let e = try #require(error("records: 10\n", overrides: ["records"]))
    #expect(e.message.contains("key=value"))
  }
}

@Suite struct SpecParsingTests {
  @Test func fullYAMLSpec() throws {
    let s = try WorkloadLoader.parse(
      """
      name: demo
      records: 1_000
      operations: 5000
      warmup: {seconds: 0.5}
      threads: [1, 2, 4]
      mix: {read: 0.7, scan: 0.1, rmw: 0.2}
      request_distribution: {type: hotspot, data_fraction: 0.1, op_fraction: 0.9}
      insert_order: ordered
      keys: {shape: ycsb, zero_padding: 12, prefix: k}
      value_size: {type: zipfian, min: 8, max: 64}
      scan_length: {min: 5, max: 50, distribution: zipfian}
      engines: [sortedmap, {hashmap: {}}, {sortedmap: {concurrency: partitioned, partitions: 4}}]
      repeats: 3
      seed: 7
      """, file: "demo.yaml")
    #expect(s.records == 1000 && s.operations == 5000 && s.warmup == .seconds(0.5))
    #expect(s.threads == [1, 2, 4])
    #expect(s.mix == [.read: 0.7, .scan: 0.1, .rmw: 0.2])
    #expect(s.requestDistribution == .hotspot(dataFraction: 0.1, opFraction: 0.9))
    #expect(s.orderedInserts)
    #expect(s.keyShape == .ycsb(prefix: "k", zeroPadding: 12))
    #expect(s.valueSize == .zipfian(min: 8, max: 64))
    #expect(s.scanLength == .zipfian(min: 5, max: 50))
    #expect(s.engines.map(\.name) == ["sortedmap", "hashmap", "sortedmap"])
    #expect(s.engines[2].options == ["concurrency": "partitioned", "partitions": "4"])
    #expect(s.repeats == 3 && s.seed == 7)
  }

  @Test func ycsbWorkloadAMapsFaithfully() throws {
    let s = try WorkloadLoader.parse(
      "recordcount=1000\noperationcount=1000\nworkload=site.ycsb.workloads.CoreWorkload\nreadallfields=true\nreadproportion=0.5\nupdateproportion=0.5\nscanproportion=0\ninsertproportion=0\nrequestdistribution=zipfian\n",
      file: "workloads/workloada")
    #expect(s.name == "workloada")
    #expect(s.mix == [.read: 0.5, .update: 0.5])
    #expect(s.requestDistribution == .scrambledZipfian(constant: 0.99))  // YCSB's "zipfian" is scrambled
    #expect(s.valueSize == .constant(1000))  // 10 fields × 100 bytes
    #expect(s.keyShape == .ycsb(prefix: "user", zeroPadding: 1))
  }

  @Test func ycsbDefaultsAndOverrides() throws {
    let s = try WorkloadLoader.parse(
      "recordcount=10\n", file: "w",
      overrides: [
        "operationcount=99", "zipfianconstant=0.5", "requestdistribution=latest", "threadcount=3",
        "fieldcount=1", "fieldlength=16", "insertorder=ordered",
      ])
    #expect(s.mix == [.read: 0.95, .update: 0.05])  // YCSB's defaults
    #expect(s.operations == 99 && s.threads == [3] && s.orderedInserts)
    #expect(s.requestDistribution == .latest(constant: 0.5))
    #expect(s.valueSize == .constant(16))
  }

  @Test func overridesOnYAMLTakeYCSBNamesAndFieldPaths() throws {
    let s = try WorkloadLoader.parse(
      "records: 10\nmix: {read: 1}\n", file: "w.yaml",
      overrides: ["recordcount=500", "mix.read=0.25", "mix.update=0.75", "threads=1,2"])
    #expect(s.records == 500)
    #expect(s.mix == [.read: 0.25, .update: 0.75])
    #expect(s.threads == [1, 2])
  }

  @Test func shippedWorkloadsValidate() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.appendingPathComponent("workloads")
    var files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
      $0.hasSuffix(".yaml")
    }.map { dir.appendingPathComponent($0).path }
    files += try FileManager.default.contentsOfDirectory(
      atPath: dir.appendingPathComponent("ycsb").path
    ).map { dir.appendingPathComponent("ycsb/\($0)").path }
    #expect(files.count >= 12)
    for f in files { _ = try WorkloadLoader.load(path: f) }
  }
}
