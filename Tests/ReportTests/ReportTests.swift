import EngineKit
import Foundation
import Platform
import Testing
import Workload

@testable import Report
@testable import Runner

@Suite struct FormatTests {
  /// Golden: the documented column order of the result files.
  @Test func csvHeadersArePinned() {
    #expect(
      Columns.summary.joined(separator: ",")
        == "workload,engine,variant,wrapper,threads,repeat,target,placement,phase,op,count,errors,seconds,ops_per_sec,mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns,keys,allocated_bytes,resident_bytes,bytes_per_key,logical_bytes_per_key,status,ops_source"
    )
    #expect(
      Columns.timeseries.joined(separator: ",")
        == "workload,engine,variant,wrapper,threads,repeat,target,placement,phase,interval,seconds,ops,ops_per_sec,p50_ns,p99_ns,allocated_bytes,resident_bytes"
    )
    #expect(
      Columns.memory.joined(separator: ",")
        == "workload,engine,variant,wrapper,threads,repeat,target,placement,phase,source,keys,allocated_before,allocated_after,active_before,active_after,resident_before,resident_after,mapped_before,mapped_after,metadata_before,metadata_after,retained_before,retained_after,small_requests_before,small_requests_after,large_requests_before,large_requests_after,engine_bytes,bytes_per_key,logical_bytes,logical_bytes_per_key,fragmentation"
    )
  }

  /// Golden: the HdrHistogram `.hgrm` percentile-distribution layout and its CSV twin.
  @Test func hgrmLayout() {
    var h = Histograms.latency()
    for v in 1...1000 as ClosedRange<UInt64> { h.record(v * 100) }
    let lines = HistogramText.hgrm(h).split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines[0] == "       Value     Percentile TotalCount 1/(1-Percentile)")
    #expect(lines[1] == "")
    let first = lines[2].split(separator: " ")
    #expect(first.count == 4 && Double(first[0]) == 100 && first[2] == "1")
    #expect(lines.contains { $0.hasPrefix("#[Mean    =") })
    #expect(
      lines.contains {
        $0.hasPrefix("#[Max     =") && $0.hasSuffix("Total count    =         1000]")
      })
    let csv = HistogramText.csv(h).split(separator: "\n")
    #expect(csv[0] == "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"")
    #expect(csv.last!.hasSuffix("Infinity"))
  }

  @Test func csvRoundTrip() {
    let rows = [["a", "b,c", "say \"hi\""], ["", "2", "x\ny"]]
    #expect(
      CSV.parse(CSV.render(header: ["h1", "h2", "h3"], rows: rows)) == [["h1", "h2", "h3"]] + rows)
  }
}

/// Every summary.csv column a reader relies on is one the writer's table writes, so a renamed
/// column cannot leave compare or the strict reader looking for a name that no longer exists.
@Suite struct ColumnReaderTests {
  @Test func readersNameOnlyWrittenColumns() {
    let written = Set(Columns.summary)
    for name in SummaryFile.required + SummaryFile.numbers + SummaryFile.optionalNumbers
      + Compare.identity + Compare.metrics.map(\.column)
    {
      #expect(written.contains(name), "\(name) is read but not written")
    }
  }
}

@Suite struct EndToEndTests {
  @Test func runWritesEveryFileAndTheyParse() throws {
    var spec = WorkloadSpec(file: "e2e.yaml", name: "e2e")
    spec.records = 1500
    spec.operations = 3000
    spec.mix = [.read: 0.6, .update: 0.2, .scan: 0.1, .insert: 0.1]
    spec.interval = 0.02
    let dir = NSTemporaryDirectory() + "tb-e2e-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (writer, context) = try testWriter(spec, dir: dir)
    let cell = try measuredSortedMapCell(spec, context: context)
    try writer.add(cell)
    try writer.finish(.complete)

    let summary = CSV.parse(try String(contentsOfFile: "\(dir)/summary.csv", encoding: .utf8))
    #expect(summary[0] == Columns.summary)
    let rows = summary.dropFirst().map {
      Dictionary(uniqueKeysWithValues: zip(Columns.summary, $0))
    }
    let runAll = try #require(rows.first { $0["phase"] == "run" && $0["op"] == "all" })
    #expect(runAll["count"] == "3000")
    #expect(Double(runAll["ops_per_sec"]!)! > 0)
    #expect(Int(runAll["p50_ns"]!)! <= Int(runAll["p99_ns"]!)!)
    let loadInsert = try #require(rows.first { $0["phase"] == "load" && $0["op"] == "insert" })
    #expect(loadInsert["count"] == "1500" && loadInsert["keys"] == "1500")
    // Allocator totals are process-wide and other tests run concurrently, so only the shape is checked here.
    #expect(
      (loadInsert["bytes_per_key"]!.isEmpty || Double(loadInsert["bytes_per_key"]!)! >= 0)
        && UInt64(loadInsert["allocated_bytes"]!)! > 0)
    #expect(rows.allSatisfy { $0["status"] == "complete" })

    let series = CSV.parse(try String(contentsOfFile: "\(dir)/timeseries.csv", encoding: .utf8))
    #expect(series[0] == Columns.timeseries)
    let runOps = series.dropFirst().filter { $0[8] == "run" }.map { Int($0[11])! }.reduce(0, +)
    #expect(runOps == 3000)

    let memory = CSV.parse(try String(contentsOfFile: "\(dir)/memory.csv", encoding: .utf8))
    #expect(memory[0] == Columns.memory && memory.count == 3)
    let mem = memory.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(Columns.memory, $0)) }
    let loadMemory = try #require(mem.first { $0["phase"] == "load" })
    #expect(loadMemory["source"] == "jemalloc" && loadMemory["keys"] == "1500")
    #expect(
      UInt64(loadMemory["small_requests_after"]!)! > UInt64(loadMemory["small_requests_before"]!)!)
    #expect(Double(loadMemory["fragmentation"]!)! >= 1)
    #expect(loadMemory["bytes_per_key"] == loadInsert["bytes_per_key"])

    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/run.json"))) as! [String: Any]
    #expect(json["status"] as? String == "complete")
    #expect((json["cells"] as? [Any])?.count == 1)
    #expect(((json["environment"] as? [String: Any])?["allocator"] as? String) == "jemalloc")
    #expect(
      ((json["timer"] as? [String: Any])?["overhead"] as? [String: Any])?["medianNanoseconds"]
        != nil)

    let latency = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/latency")
    for op in ["run-read", "run-update", "run-scan", "run-insert", "load-insert"] {
      #expect(
        latency.contains("sortedmap-default-t1-r0-\(op).hgrm")
          && latency.contains("sortedmap-default-t1-r0-\(op).csv"))
    }
    let hgrm = try String(
      contentsOfFile: "\(dir)/latency/sortedmap-default-t1-r0-run-read.hgrm", encoding: .utf8)
    #expect(hgrm.contains("Total count    =") && hgrm.hasPrefix("       Value"))
    #expect(!FileManager.default.fileExists(atPath: "\(dir)/.summary.csv.tmp-\(getpid())"))
  }

  /// A file that cannot be written: one line naming the path and reason, run.json marked failed
  /// with it, and no temporary file left behind.
  @Test func aWriteFailureMarksTheRunFailed() throws {
    var spec = WorkloadSpec(file: "fail.yaml", name: "fail")
    spec.records = 200
    spec.operations = 200
    let dir = NSTemporaryDirectory() + "tb-fail-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (writer, context) = try testWriter(spec, dir: dir)
    let cell = try measuredSortedMapCell(spec, context: context)
    // The latency folder becomes a file: writing the cell's histograms fails (ENOTDIR).
    try FileManager.default.removeItem(atPath: dir + "/latency")
    try Data().write(to: URL(fileURLWithPath: dir + "/latency"))
    let error = try #require(throws: FileWriteError.self) { try writer.add(cell) }
    #expect("\(error)".hasPrefix(dir + "/latency/") && "\(error)".hasSuffix("(Not a directory)"))
    writer.markFailed("\(error)")
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/run.json"))) as! [String: Any]
    #expect(json["status"] as? String == "failed")
    #expect((json["failure"] as? String)?.contains("Not a directory") == true)
    let left = try FileManager.default.contentsOfDirectory(atPath: dir)
    #expect(!left.contains { $0.contains(".tmp-") }, "\(left)")
  }
}
