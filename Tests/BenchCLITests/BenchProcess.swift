import Foundation
import Testing

/// The built `bench` binary run as a child process in the package root (where `plots/` is),
/// with its exit status and what it printed.
struct BenchProcess {
  var status: Int32
  var out: String
  var err: String

  /// stderr's lines.
  var errLines: [Substring] { err.split(separator: "\n") }

  static var binary: URL { Bundle.main.bundleURL.appendingPathComponent("bench") }

  /// Runs `bench arguments…`; `scratch` holds its captured output. With `memoryLimitKiB` the
  /// binary runs under `ulimit -v`; past `seconds` it is killed and the test fails.
  /// `folder` is the working directory (default: this process's, the package root).
  static func run(
    _ arguments: [String], scratch: String, memoryLimitKiB: Int? = nil, seconds: Double = 600,
    in folder: String? = nil
  ) throws -> BenchProcess {
    try #require(
      FileManager.default.isExecutableFile(atPath: binary.path), "no bench binary at \(binary.path)"
    )
    let (outPath, errPath) = (scratch + ".stdout", scratch + ".stderr")
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let p = Process()
    if let limit = memoryLimitKiB {
      p.executableURL = URL(fileURLWithPath: "/bin/sh")
      p.arguments = ["-c", "ulimit -v \(limit) && exec \"$0\" \"$@\"", binary.path] + arguments
    } else {
      p.executableURL = binary
      p.arguments = arguments
    }
    p.currentDirectoryURL = URL(
      fileURLWithPath: folder ?? FileManager.default.currentDirectoryPath)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try p.run()
    let deadline = Date().addingTimeInterval(seconds)
    while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    if p.isRunning {
      p.terminate()
      Issue.record("bench \(arguments) ran past \(seconds) s")
    }
    p.waitUntilExit()
    #expect(p.terminationReason == .exit, "bench died of a signal")
    return BenchProcess(
      status: p.terminationStatus, out: try String(contentsOfFile: outPath, encoding: .utf8),
      err: try String(contentsOfFile: errPath, encoding: .utf8))
  }

  /// Starts `bench arguments…` in the background (stdout to `output`, or discarded).
  static func start(_ arguments: [String], output: String? = nil) throws -> Process {
    let p = Process()
    p.executableURL = binary
    p.arguments = arguments
    if let output {
      _ = FileManager.default.createFile(atPath: output, contents: nil)
      p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    } else {
      p.standardOutput = FileHandle.nullDevice
    }
    p.standardError = FileHandle.nullDevice
    try p.run()
    return p
  }
}
