import Foundation
import Testing

@testable import BenchCLI

/// The command line: exit codes for good and bad input, and interruption of a real process.
@Suite(.serialized) final class CLITests {
  let scratchFolder = Scratch("cli")
  var scratch: String { scratchFolder.path }

  func write(_ text: String, _ name: String) -> String { scratchFolder.write(text, name) }

  let good = "records: 500\noperations: 1000\nmix: {read: 0.9, scan: 0.1}\nengines: [sortedmap]\n"

  @Test func validateGoodSpec() { #expect(Bench.run(["validate", write(good, "good.yaml")]) == 0) }

  @Test func badSpecExitsTwo() {
    #expect(Bench.run(["validate", write("records: -1\n", "neg.yaml")]) == 2)
    #expect(Bench.run(["run", write("recods: 1\n", "typo.yaml")]) == 2)
    #expect(Bench.run(["run", "/nonexistent.yaml"]) == 2)
  }

  @Test func unknownEngineAndKnobExitTwo() {
    #expect(Bench.run(["validate", write(good, "g2.yaml"), "--engine", "btree"]) == 2)
    #expect(
      Bench.run(["validate", write(good, "g3.yaml"), "--engine", "sortedmap:node_size=8"]) == 2)
  }

  @Test func scansOnHashMapAreRejected() {
    #expect(Bench.run(["validate", write(good, "g4.yaml"), "--engine", "hashmap"]) == 2)
  }

  @Test func usageErrorsExitTwoAndHelpZero() {
    #expect(Bench.run(["run", "--no-such-flag"]) == 2)
    #expect(Bench.run(["--help"]) == 0)
    #expect(Bench.run(["list"]) == 0)
  }

  @Test func runWithPlotDrawsEveryChartItHasDataFor() throws {
    let spec = write(
      "records: 500\noperations: 2000\nthreads: [1, 2]\nmix: {read: 0.9, update: 0.1}\nkeys: int64\nengines: [sortedmap]\ninterval: 0.01\n",
      "plot.yaml")
    let out = scratch + "plot"
    // Its own process: jemalloc's figures are process-wide, and the bytes/key chart needs them
    // undisturbed by the tests running beside it.
    let r = try BenchProcess.run(
      ["run", spec, "--out", out, "--quiet", "--plot"], scratch: scratch)
    #expect(r.status == 0, "\(r.err)")
    for chart in ["throughput", "spectrum", "scaling", "memory"] {
      let svg = try String(contentsOfFile: "\(out)/plots/\(chart).svg", encoding: .utf8)
      #expect(svg.contains("<svg") && svg.contains("</svg>"))
    }
    // No open-loop sweep, so no load chart; the report links exactly the charts drawn.
    #expect(!FileManager.default.fileExists(atPath: "\(out)/plots/load.svg"))
    let html = try String(contentsOfFile: "\(out)/plots/report.html", encoding: .utf8)
    #expect(html.contains("Throughput against threads") && !html.contains("offered load"))
    // The report is one self-contained file: every image is inlined, none is a file beside it.
    let sources = html.components(separatedBy: "src=\"").dropFirst().map {
      String($0.prefix { $0 != "\"" })
    }
    #expect(sources.count == 4 && sources.allSatisfy { $0.hasPrefix("data:image/svg+xml;base64,") })
    #expect(Bench.run(["plot", out + "-missing"]) == 2)
  }

  @Test func targetAutoSweepsFractionsOfTheClosedLoopMaximum() throws {
    let spec = write(
      "records: 200\noperations: 3000\nmix: {read: 1.0}\nkeys: int64\nengines: [hashmap]\ntarget: auto\n",
      "auto.yaml")
    let out = scratch + "auto"
    #expect(Bench.run(["run", spec, "--out", out, "--quiet"]) == 0)
    let rows = try String(contentsOfFile: "\(out)/summary.csv", encoding: .utf8)
      .split(separator: "\n").dropFirst().map {
        $0.split(separator: ",", omittingEmptySubsequences: false)
      }
    let runAll = rows.filter { $0[8] == "run" && $0[9] == "all" }
    #expect(runAll.count == 11)
    let closed = try #require(runAll.first { $0[6].isEmpty })
    let targets = runAll.compactMap { Double($0[6]) }.sorted()
    let maximum = Double(closed[13])!
    #expect(targets.count == 10)
    #expect(abs(targets.last! - maximum) <= 1 && abs(targets.first! - maximum / 10) <= 1)
  }

  @Test func runAndVerifyAndTraceReplay() throws {
    let spec = write(good, "run.yaml")
    let out = scratch + "out"
    #expect(Bench.run(["run", spec, "--out", out, "--quiet", "--threads", "1,2"]) == 0)
    #expect(FileManager.default.fileExists(atPath: "\(out)/summary.csv"))
    #expect(Bench.run(["run", spec, "--verify"]) == 0)
    let trace = scratch + "trace.csv"
    #expect(Bench.run(["generate", spec, "--ops", "400", "--out", trace]) == 0)
    #expect(Bench.run(["run", "--trace", trace, "--engine", "sortedmap", "--verify"]) == 0)
  }

  /// YCSB's dataintegrity=true: the run is measured, then every cell is checked against the
  /// reference model, values included.
  @Test func dataIntegrityVerifiesEveryCellAfterTheRun() throws {
    let props = write(
      "recordcount=300\noperationcount=600\nreadproportion=0.5\nupdateproportion=0.5\ndataintegrity=true\n",
      "integrity")
    let r = try BenchProcess.run(
      [
        "run", props, "--engine", "sortedmap", "--engine", "art", "--quiet", "--out",
        scratch + "di",
      ],
      scratch: scratch)
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out.contains("verify sortedmap") && r.out.contains("verify art"))
    #expect(r.out.components(separatedBy: ": OK (").count == 3)
  }

  /// Ctrl-C: the real binary stops, keeps what it measured, marks run.json interrupted, exits 130.
  @Test func interruptKeepsPartialResults() throws {
    let binary = Bundle.main.bundleURL.appendingPathComponent("bench")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else { return }
    let spec = write(
      "records: 1000\nduration: 20\noperations: 1000000000\nengines: [sortedmap]\n", "long.yaml")
    let out = scratch + "int"
    let p = Process()
    p.executableURL = binary
    p.arguments = ["run", spec, "--out", out, "--quiet"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    Thread.sleep(forTimeInterval: 2.5)
    p.interrupt()
    p.waitUntilExit()
    #expect(p.terminationStatus == 130)
    let json =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: "\(out)/run.json"))) as! [String: Any]
    #expect(json["status"] as? String == "interrupted")
    let summary = try String(contentsOfFile: "\(out)/summary.csv", encoding: .utf8)
    #expect(summary.contains(",run,read,") && summary.contains(",interrupted"))
  }
}
