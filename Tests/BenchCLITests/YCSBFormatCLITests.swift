import Foundation
import Testing

/// `bench run --format ycsb`: stdout is exactly the run's ycsb.txt (YCSB's lines, no table), the
/// results line goes to stderr; a bad --format is a usage error.
@Suite struct YCSBFormatCLITests {
  @Test func formatYCSBPrintsTheRunsYCSBText() throws {
    let scratch =
      NSTemporaryDirectory() + "tb-ycsbfmt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let spec = scratch + "/w.yaml"
    try "records: 400\noperations: 800\nmix: {read: 0.5, update: 0.5}\nengines: [sortedmap]\n"
      .write(toFile: spec, atomically: true, encoding: .utf8)
    let out = scratch + "/out"
    let p = try BenchProcess.run(
      ["run", spec, "--out", out, "--quiet", "--format", "ycsb"], scratch: scratch + "/p")
    #expect(p.status == 0, "\(p.err)")
    let file = try String(contentsOfFile: out + "/ycsb.txt", encoding: .utf8)
    #expect(p.out == file)
    #expect(
      p.out.split(separator: "\n").allSatisfy { $0.hasPrefix("[") || $0.hasPrefix("# treebench ") })
    #expect(p.out.contains("[READ], Operations, "))
    #expect(p.out.contains("[INSERT], Operations, 400\n"))
    #expect(p.err.contains("results: \(out)"))
    let bad = try BenchProcess.run(["run", spec, "--format", "xml"], scratch: scratch + "/q")
    #expect(bad.status != 0 && bad.err.contains("format"))
  }
}
