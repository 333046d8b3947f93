import Foundation

/// The live progress line: rewritten in place on a terminal, plain lines every few seconds
/// otherwise (logs stay readable). Writes to stderr.
public final class ProgressReporter: @unchecked Sendable {
  public let enabled: Bool
  let isTTY: Bool
  var lastPlain = Date.distantPast
  var lineShown = false

  public init(enabled: Bool = true) {
    self.enabled = enabled
    isTTY = isatty(2) != 0
  }

  /// Updates the line: `[i/n] label phase elapsed ops/s ETA`.
  func update(
    cell: String, phase: String, elapsed: Double, opsPerSecond: Double, remaining: Double?
  ) {
    guard enabled else { return }
    let eta = remaining.map { String(format: " ETA %.0fs", max($0, 0)) } ?? ""
    let line =
      "\(cell) \(phase) \(String(format: "%.1fs", elapsed)) \(Self.rate(opsPerSecond))\(eta)"
    if isTTY {
      FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
      lineShown = true
    } else if Date().timeIntervalSince(lastPlain) >= 5 {
      lastPlain = Date()
      FileHandle.standardError.write(Data("\(line)\n".utf8))
    }
  }

  /// Clears the live line and prints `message` on its own line.
  public func say(_ message: String) {
    guard enabled else { return }
    if isTTY && lineShown {
      FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
      lineShown = false
    }
    FileHandle.standardError.write(Data("\(message)\n".utf8))
  }

  /// "1.23 Mops/s" style.
  public static func rate(_ r: Double) -> String {
    switch r {
    case 1e6...: return String(format: "%.2f Mops/s", r / 1e6)
    case 1e3...: return String(format: "%.1f Kops/s", r / 1e3)
    default: return String(format: "%.0f ops/s", r)
    }
  }
}
