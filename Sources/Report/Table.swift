import Foundation
import Runner
import Workload

/// The end-of-run table, one line per cell × phase × op, in the spirit of YCSB's summary.
public enum SummaryTable {
  public static func render(_ cells: [CellResult]) -> String {
    let header = [
      "engine", "variant", "thr", "phase", "op", "count", "errors", "ops/s", "mean", "p50", "p99",
      "p99.9", "max",
    ]
    var rows: [[String]] = []
    for c in cells {
      for p in [c.load, c.run].compactMap({ $0 }) {
        for k in OpKind.allCases {
          guard let r = p.ops[k] else { continue }
          let h = r.histogram
          rows.append([
            c.plan.engine.name + (c.plan.wrapper == .none ? "" : "/\(c.plan.wrapperLabel)"),
            c.plan.variant,
            String(c.plan.threads), p.phase.rawValue + (p.interrupted ? "*" : ""), k.name,
            String(r.count), String(r.errors),
            String(format: "%.0f", p.seconds > 0 ? Double(r.count) / p.seconds : 0),
            duration(h.mean),
            duration(Double(h.valueAtPercentile(50))), duration(Double(h.valueAtPercentile(99))),
            duration(Double(h.valueAtPercentile(99.9))), duration(Double(h.max)),
          ])
        }
      }
    }
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max()! }
    func line(_ r: [String]) -> String {
      r.enumerated().map { i, s in
        i < 5
          ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[i] - s.count) + s
      }
      .joined(separator: "  ")
    }
    var out = line(header) + "\n"
    for r in rows { out += line(r) + "\n" }
    if cells.contains(where: \.interrupted) { out += "* interrupted: partial measurement\n" }
    return out
  }

  /// "123ns", "4.5us", "6.7ms".
  public static func duration(_ ns: Double) -> String {
    switch ns {
    case ..<1_000: return String(format: "%.0fns", ns)
    case ..<1_000_000: return String(format: "%.1fus", ns / 1_000)
    case ..<1_000_000_000: return String(format: "%.1fms", ns / 1_000_000)
    default: return String(format: "%.2fs", ns / 1_000_000_000)
    }
  }
}
