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

  /// Runs `bench arguments…`; `scratch` holds its captured output.
  static func run(_ arguments: [String], scratch: String) throws -> BenchProcess {
    try #require(
      FileManager.default.isExecutableFile(atPath: binary.path), "no bench binary at \(binary.path)"
    )
    let (outPath, errPath) = (scratch + ".stdout", scratch + ".stderr")
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let p = Process()
    p.executableURL = binary
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try p.run()
    p.waitUntilExit()
    #expect(p.terminationReason == .exit, "bench died of a signal")
    return BenchProcess(
      status: p.terminationStatus, out: try String(contentsOfFile: outPath, encoding: .utf8),
      err: try String(contentsOfFile: errPath, encoding: .utf8))
  }
}
