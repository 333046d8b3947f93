import Foundation
import Testing

@testable import Workload

/// insertstart / insertcount as CoreWorkload uses them: the load inserts key numbers
/// insertstart ..< insertstart + insertcount (keysequence = CounterGenerator(insertstart)); the
/// key chooser's range is the same (UniformLongGenerator, SequentialGenerator,
/// HotspotIntegerGenerator over [insertstart, insertstart + insertcount − 1];
/// ScrambledZipfianGenerator over [insertstart, insertstart + insertcount + expectednewkeys]);
/// run inserts number from recordcount (AcknowledgedCounterGenerator(recordcount)); latest and
/// exponential count back from the newest key whatever the range.
@Suite struct YCSBInsertRangeTests {
  /// The key number in an ordered ycsb key (`user<n>`).
  func number(_ key: UnsafeRawBufferPointer) -> Int {
    Int(String(decoding: key, as: UTF8.self).dropFirst(4))!
  }

  func spec(_ extra: String, _ distribution: String = "uniform") throws -> WorkloadSpec {
    try WorkloadLoader.parse(
      "recordcount=1000\noperationcount=30000\ninsertorder=ordered\ninsertstart=200\ninsertcount=300\nrequestdistribution=\(distribution)\n\(extra)",
      file: "w")
  }

  /// Key numbers the run phase chooses (reads only, or every op with `kinds`).
  func runKeys(_ s: WorkloadSpec, _ n: Int, thread: Int = 0, threads: Int = 1) -> [(OpKind, Int)] {
    var stream = OperationStream(spec: s, phase: .run, thread: thread, threads: threads)
    return (0..<n).map { _ in
      let op = stream.next()!
      return (op.kind, number(op.key))
    }
  }

  @Test(arguments: [1, 3])
  func loadInsertsExactlyTheRange(loadThreads: Int) throws {
    let s = try spec("")
    #expect(s.warnings.isEmpty && s.notModelled.isEmpty)
    var keys: [Int] = []
    for t in 0..<loadThreads {
      var stream = OperationStream(spec: s, phase: .load, thread: t, threads: loadThreads)
      while let op = stream.next() {
        #expect(op.kind == .insert)
        keys.append(number(op.key))
      }
    }
    #expect(keys.sorted() == Array(200..<500))
  }

  @Test func defaultRangeIsTheWholeRecordCount() throws {
    let s = try WorkloadLoader.parse("recordcount=700\n", file: "w")
    #expect(s.insertStart == 0 && s.insertCount == 700 && s.loadRange == 0..<700)
    #expect(s.requestRange == 0..<700)
    // A YAML spec without the fields has no request range (requests follow the inserts).
    let y = try WorkloadLoader.parse("records: 700\n", file: "w.yaml")
    #expect(y.requestRange == nil && y.loadRange == 0..<700)
  }

  @Test func uniformChoosesInTheRangeOnlyAndCoversIt() throws {
    let s = try spec("readproportion=0.9\nupdateproportion=0\ninsertproportion=0.1\n")
    var seen = Set<Int>()
    var inserts: [Int] = []
    for (kind, k) in runKeys(s, 30_000) {
      if kind == .insert {
        inserts.append(k)
      } else {
        #expect(
          k >= 200 && k < 500, "read of key \(k) outside insertstart..<insertstart+insertcount")
        seen.insert(k)
      }
    }
    #expect(seen.count == 300)  // ~90 draws per key: every one is hit
    // Run inserts take the next numbers after recordcount, not after the range.
    #expect(inserts.prefix(3) == [1000, 1001, 1002])
  }

  @Test func sequentialCyclesTheRange() throws {
    let s = try spec("readproportion=1\nupdateproportion=0\n", "sequential")
    let keys = runKeys(s, 700).map(\.1)
    #expect(keys == (0..<700).map { 200 + $0 % 300 })
    // A second thread starts part-way through the range.
    let second = runKeys(s, 3, thread: 1, threads: 2).map(\.1)
    #expect(second == [350, 351, 352])
  }

  @Test func hotspotsHotSetIsTheRangesFirstPart() throws {
    let s = try spec(
      "readproportion=1\nupdateproportion=0\nhotspotdatafraction=0.2\nhotspotopnfraction=0.8\n",
      "hotspot")
    let keys = runKeys(s, 20_000).map(\.1)
    #expect(keys.allSatisfy { $0 >= 200 && $0 < 500 })
    // HotspotIntegerGenerator: hot interval = first 20 % of [200, 499] = 200 ..< 260.
    let hot = Double(keys.filter { $0 < 260 }.count) / Double(keys.count)
    #expect(abs(hot - 0.8) < 0.02, "hot share \(hot)")
  }

  @Test func scrambledZipfianHashesIntoTheRangePlusExpectedKeys() throws {
    let s = try spec("readproportion=1\nupdateproportion=0\n", "zipfian")
    let stream = OperationStream(spec: s, phase: .run, thread: 0, threads: 1)
    // ScrambledZipfianGenerator(200, 200 + 300 + 0): itemcount 301.
    #expect(stream.chooser.items == 301 && stream.chooser.base == 200)
    var counts: [Int: Int] = [:]
    for (_, k) in runKeys(s, 30_000) {
      #expect(k >= 200 && k < 1000)
      counts[k, default: 0] += 1
    }
    // The hottest key is rank 0's: insertstart + fnvhash64(0) % itemcount.
    let hottest = counts.max { $0.value < $1.value }!.key
    #expect(hottest == 200 + Int(ycsbFNVHash64(0) % 301))
    // Every key chosen is one rank's, so at most itemcount distinct keys.
    #expect(counts.keys.allSatisfy { $0 < 501 })
  }

  @Test func latestIgnoresTheRangeAsYCSBDoes() throws {
    let s = try spec("readproportion=1\nupdateproportion=0\n", "latest")
    let keys = runKeys(s, 5000).map(\.1)
    // SkewedLatestGenerator(transactioninsertkeysequence = recordcount): the newest key first.
    let counts = Dictionary(keys.map { ($0, 1) }, uniquingKeysWith: +)
    #expect(counts.max { $0.value < $1.value }!.key == 999)
  }

  @Test func yamlFieldsAndBadRanges() throws {
    let y = try WorkloadLoader.parse(
      "records: 100\ninsert_start: 40\ninsert_count: 10\n", file: "w.yaml")
    #expect(y.loadRange == 40..<50 && y.requestRange == 40..<50)
    #expect(
      try WorkloadLoader.parse("records: 100\ninsert_start: 40\n", file: "w.yaml").loadRange
        == 40..<100)
    func refusal(_ text: String, _ file: String) -> SpecError? {
      do {
        _ = try WorkloadLoader.parse(text, file: file)
        return nil
      } catch let e as SpecError { return e } catch { return nil }
    }
    let over = refusal("records: 100\ninsert_start: 60\ninsert_count: 50\n", "w.yaml")
    #expect(over?.line == 3 && over?.field == "insert_count")
    #expect(refusal("records: 100\ninsert_count: 0\n", "w.yaml")?.field == "insert_count")
    let props = refusal("recordcount=100\ninsertstart=60\ninsertcount=50\n", "w")
    #expect(props?.line == 3 && props?.field == "insertcount")
    #expect("\(props!)".contains("exceeds recordcount (100)"))
    #expect(refusal("recordcount=100\ninsertcount=0\n", "w")?.field == "insertcount")
    // -p overrides count as the properties they name.
    let o = try WorkloadLoader.parse(
      "recordcount=100\n", file: "w", overrides: ["insertstart=90", "insertcount=10"])
    #expect(o.loadRange == 90..<100)
  }
}
