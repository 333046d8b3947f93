import Foundation
import Testing

/// Bad input as a hostile but realistic user gives it, through the built binary under a memory
/// cap and a time limit: each case exits with its code and one clear line, never a signal, a
/// hang or unbounded memory.
@Suite(.serialized) final class HostileInputTests {
  let scratchFolder = Scratch("hostile")
  var scratch: String { scratchFolder.path }
  func write(_ text: String, _ name: String) -> String { scratchFolder.write(text, name) }

  func writeBytes(_ bytes: [UInt8], _ name: String) -> String {
    let path = scratch + name
    try! Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// A binary trace of one record.
  func binaryTrace(op: UInt8, thread: UInt16, key: [UInt8], value: UInt32, scan: UInt32) -> [UInt8]
  {
    var b = Array("TBTRACE1".utf8) + [1, op]
    withUnsafeBytes(of: thread.littleEndian) { b += $0 }
    for v in [UInt32(key.count), value, scan] { withUnsafeBytes(of: v.littleEndian) { b += $0 } }
    return b + key
  }

  /// Runs the binary under `ulimit -v` (1 GiB of address space) and a 60 s limit.
  func bench(_ arguments: [String]) throws -> BenchProcess {
    try BenchProcess.run(arguments, scratch: scratch, memoryLimitKiB: 1 << 20, seconds: 60)
  }

  static let csvHeader = "phase,thread,op,key_hex,value_size,scan_length\n"

  /// (name, arguments, exit status, text the one error line contains)
  func cases() -> [(String, [String], Int32, String)] {
    var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for i in 1...9 {
      bomb +=
        "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ")
        + "]\n"
    }
    let good = write("records: 100\noperations: 100\nengines: [sortedmap]\n", "good.yaml")
    return [
      ("alias bomb", ["validate", write(bomb, "bomb.yaml")], 2, "more than 100000 values"),
      ("empty yaml", ["run", write("", "empty.yaml")], 2, "holds no spec"),
      ("comment-only yaml", ["run", write("# nothing\n", "c.yaml")], 2, "holds no spec"),
      (
        "comment-only properties", ["run", write("# nothing\n! here\n", "c.properties")], 2,
        "no properties"
      ),
      ("threads 100000", ["validate", write("threads: [100000]\n", "t.yaml")], 2, "≤ 1024"),
      (
        "load_threads 100000", ["validate", write("load_threads: 100000\n", "l.yaml")], 2, "≤ 1024"
      ),
      ("--threads huge", ["run", good, "--threads", "1000000000000"], 2, "thread counts 1...1024"),
      ("--threads 1,,2", ["run", good, "--threads", "1,,2"], 2, "thread counts"),
      (
        "records Int.max", ["validate", write("records: 9223372036854775807\n", "r.yaml")], 2,
        "need at least"
      ),
      (
        "records 0 with reads", ["run", write("records: 0\nmix: {read: 1}\n", "z.yaml")], 2,
        "is 0"
      ),
      (
        "csv trace value 2^33",
        [
          "run", "--trace", write(Self.csvHeader + "run,0,insert,00,8589934592,0\n", "v.csv"),
          "--engine", "null",
        ], 2, "value_size"
      ),
      (
        "csv trace thread 65535",
        [
          "run", "--trace", write(Self.csvHeader + "run,65535,read,00,0,0\n", "th.csv"),
          "--engine", "null",
        ], 2, "thread"
      ),
      (
        "binary trace value 0xFFFFFFFF",
        [
          "run", "--trace",
          writeBytes(binaryTrace(op: 1, thread: 0, key: [1], value: 0xFFFF_FFFF, scan: 0), "v.bin"),
          "--engine", "null",
        ], 2, "value_size"
      ),
      (
        "trace key over the engine's limit",
        [
          "run", "--trace",
          write(
            Self.csvHeader + "run,0,insert,"
              + String(repeating: "ab", count: 5000) + ",8,0\n", "long.csv"),
          "--engine", "staged", "--verify",
        ], 2, "record 0"
      ),
      (
        "generate --threads 100000",
        [
          "generate", good, "--threads", "100000", "--out",
          scratch + "g.bin",
        ], 2, "1...1024"
      ),
      ("repeats 10^11", ["validate", good, "-p", "repeats=100000000000"], 2, "≤ 10000"),
      (
        "a sweep of too many cells",
        [
          "validate",
          write(
            "repeats: 10000\nthreads: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\nengines: [sortedmap]\n",
            "cells.yaml"),
        ], 2, "cells"
      ),
      ("micro --records 10^14", ["micro", "--records", "99999999999999"], 2, "--records"),
      ("micro --records 0", ["micro", "--records", "0"], 2, "--records"),
      ("--out under a file", ["run", good, "--quiet", "--out", good + "/sub"], 2, "good.yaml"),
      (
        "--out name too long",
        [
          "run", good, "--quiet", "--out",
          scratch + String(repeating: "n", count: 300),
        ], 2, "File name too long"
      ),
    ]
  }

  @Test func everyCaseExitsCleanlyWithItsLine() throws {
    for (name, arguments, status, text) in cases() {
      let r = try bench(arguments)
      #expect(r.status == status, "\(name): exit \(r.status)\n\(r.err)")
      let lines = r.errLines.filter { $0.hasPrefix("bench: error:") }
      #expect(lines.count == 1, "\(name): \(r.err)")
      #expect(r.err.contains(text), "\(name): \(r.err)")
    }
  }

  @Test func aCRLFCSVTraceReplays() throws {
    let trace = write(
      (Self.csvHeader + "load,0,insert,0a,8,0\nrun,0,read,0a,0,0\n")
        .replacingOccurrences(of: "\n", with: "\r\n"), "crlf.csv")
    let r = try bench(["run", "--trace", trace, "--engine", "sortedmap", "--verify"])
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out.contains("OK (2 ops, 1 keys)"))
  }

  /// A run owns its folder: a non-empty --out is refused, and so is a second run into a folder
  /// another run is writing.
  @Test func aRunOwnsItsFolder() throws {
    let good = write("records: 100\noperations: 100\nengines: [sortedmap]\n", "own.yaml")
    let out = scratch + "owned"
    #expect(try bench(["run", good, "--quiet", "--out", out]).status == 0)
    let again = try bench(["run", good, "--quiet", "--out", out])
    #expect(again.status == 2 && again.err.contains("not empty"))

    let long = write(
      "records: 1000\nduration: 30\noperations: 1000000000\nengines: [sortedmap]\n", "long.yaml")
    let busy = scratch + "busy"
    let first = try BenchProcess.start(["run", long, "--quiet", "--out", busy])
    defer {
      first.interrupt()
      first.waitUntilExit()
    }
    let lock = busy + "/.bench.lock"
    for _ in 0..<200 where !FileManager.default.fileExists(atPath: busy + "/run.json") {
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(FileManager.default.fileExists(atPath: lock))
    let second = try bench(["run", good, "--quiet", "--out", busy])
    #expect(second.status == 2)
    #expect(second.err.contains("another bench run") || second.err.contains("not empty"))
  }

  /// A second Ctrl-C right after the first kills the run, but leaves no temporary files and a
  /// run.json that does not claim to be running.
  @Test func aSecondInterruptLeavesAConsistentFolder() throws {
    let long = write(
      "records: 20000\nduration: 30\noperations: 1000000000\nthreads: [1, 1, 1, 1]\nengines: [sortedmap]\ninterval: 0.01\n",
      "long2.yaml")
    for delay in [0.0, 0.05] {
      let out = scratch + "twice-\(delay)"
      let p = try BenchProcess.start(["run", long, "--quiet", "--out", out])
      // Interrupt once the run is measuring (its run.json exists), however slow the start.
      for _ in 0..<600 where !FileManager.default.fileExists(atPath: out + "/run.json") {
        Thread.sleep(forTimeInterval: 0.05)
      }
      Thread.sleep(forTimeInterval: 0.5)
      p.interrupt()
      if delay > 0 { Thread.sleep(forTimeInterval: delay) }
      p.interrupt()
      p.waitUntilExit()
      let files = try FileManager.default.subpathsOfDirectory(atPath: out)
      #expect(!files.contains { $0.contains(".tmp-") }, "\(files)")
      let json =
        try JSONSerialization.jsonObject(
          with: Data(contentsOf: URL(fileURLWithPath: "\(out)/run.json"))) as! [String: Any]
      #expect(json["status"] as? String == "interrupted")
    }
  }

  /// Ctrl-C during --verify stops it with 130 and says how far it got.
  @Test func anInterruptedVerifySaysSo() throws {
    let long = write(
      "records: 2000000\noperations: 10000000\nkeys: int64\nengines: [sortedmap]\n", "v.yaml")
    let p = try BenchProcess.start(["run", long, "--verify"], output: scratch + "verify.out")
    // Well inside the check of 2 M records + 10 M ops (minutes in a debug build), and past the
    // start-up that installs the handler even on a loaded machine.
    Thread.sleep(forTimeInterval: 4)
    p.interrupt()
    p.waitUntilExit()
    #expect(p.terminationReason == .exit && p.terminationStatus == 130)
    let out = try String(contentsOfFile: scratch + "verify.out", encoding: .utf8)
    #expect(out.contains("INTERRUPTED after"))
  }
}
