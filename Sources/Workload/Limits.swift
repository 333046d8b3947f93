import Foundation

/// Bounds on what an input may ask for, checked before anything runs, so a spec, a flag or a
/// trace cannot make the tool take unbounded threads or memory.
public enum Limits {
  /// Client threads in one phase (spec `threads`, `load_threads`, `--threads`, a trace's thread
  /// ids). Far above any core count this tool is run on; raising it is one edit.
  public static let maxThreads = 1024
  /// Cells in one run (repeats × engines × threads × placements × targets).
  public static let maxCells = 100_000
  /// Bytes of one key, value or scan length read from a trace (the spec's own limits are tighter).
  public static let maxTraceKeyLength = 1 << 20
  public static let maxTraceValueLength = 1 << 20
  public static let maxScanLength = 1 << 20
  /// Share of physical memory a run may plan to use for its records (keys + values), and for
  /// pregenerated operations.
  public static let memoryShare = 0.8

  /// The machine's physical memory in bytes.
  public static var physicalMemory: UInt64 { ProcessInfo.processInfo.physicalMemory }

  /// A human figure for a byte count ("3.2 GiB").
  public static func bytes(_ n: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var v = n
    var i = 0
    while v >= 1024 && i < units.count - 1 {
      v /= 1024
      i += 1
    }
    return i == 0 ? "\(Int(v)) B" : String(format: "%.1f %@", v, units[i])
  }
}
