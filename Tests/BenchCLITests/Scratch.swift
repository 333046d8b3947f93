import Foundation

/// A folder of a test's own for specs and results, removed when the test ends.
final class Scratch {
  /// The folder, with a trailing slash.
  let path: String

  init(_ tag: String) {
    path = NSTemporaryDirectory() + "tb-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `text` to `name` in the folder; returns its path.
  func write(_ text: String, _ name: String) -> String {
    let file = path + name
    try! text.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// Runs the workload `spec` (YAML text) into `base/` in the folder: the small real run a suite
  /// draws its reports from. Returns the folder and the process's result.
  func run(_ spec: String) throws -> (base: String, result: BenchProcess) {
    let base = path + "base"
    let r = try BenchProcess.run(
      ["run", write(spec, "spec.yaml"), "--out", base, "--quiet"], scratch: path + "io")
    return (base, r)
  }
}
