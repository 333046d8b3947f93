/// Every exit status of `bench`, defined once: the README's "Exit codes" paragraph and
/// `bench compare --help` repeat this table. `compare` keeps package-benchmark's 0 / 2 / 4, so
/// its own input errors have a status of their own (3) and a caller can tell a broken comparison
/// from a slowdown.
public enum ExitStatus: CaseIterable, Sendable {
  case ok, mismatch, badInput, regression, compareFailed, improvements, interrupted

  public var code: Int32 {
    switch self {
    case .ok: 0
    case .mismatch: 1
    case .badInput, .regression: 2
    case .compareFailed: 3
    case .improvements: 4
    case .interrupted: 130
    }
  }

  public var meaning: String {
    switch self {
    case .ok: "ok (compare: no significant change)"
    case .mismatch: "--verify found a mismatch"
    case .badInput: "bad input, one line naming file, field, line and the fix (not compare)"
    case .regression: "compare found a regression"
    case .compareFailed:
      "compare could not compare: unreadable or corrupt input, an interrupted or failed run, or cells on one side only"
    case .improvements: "compare found improvements only"
    case .interrupted: "interrupted (Ctrl-C)"
    }
  }

  /// The statuses `compare` exits with, one per line, for its --help.
  static var compareTable: String {
    [ExitStatus.ok, .regression, .compareFailed, .improvements].map {
      "  \($0.code)  \($0 == .ok ? "no significant change" : $0.meaning)"
    }.joined(separator: "\n")
  }
}
