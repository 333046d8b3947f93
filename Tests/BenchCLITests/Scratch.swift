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
}
