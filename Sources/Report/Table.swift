import Foundation
import Runner
import Workload

/// The end-of-run table, one line per cell × phase × op, in the spirit of YCSB's summary. Sorted
/// so the engines read side by side: the load phase, then the run phase; within a phase by thread
/// count (and target), and within that the engines fastest first (by the phase's total ops/s),
/// each engine's op rows together. Repeats fold into one line (the median of each figure), and
/// `×ref` is the op's ops/s against the baseline engine's (sortedmap, else hashmap) in the same
/// block.
public enum SummaryTable {
  public static func render(_ cells: [CellResult]) -> String {
    struct Line {
      var block: [String]
      var engine: String
      var variant: String
      var op: OpKind
      var phase: String
      var threads: Int
      var count: [Double] = []
      var errors: [Double] = []
      var opsPerSec: [Double] = []
      var mean: [Double] = []
      var p50: [Double] = []
      var p99: [Double] = []
      var p999: [Double] = []
      var max: [Double] = []
    }
    let engines = Set(cells.map { $0.plan.engine.name })
    let reference = ["sortedmap", "hashmap"].first { engines.contains($0) }
    var lines: [String: Line] = [:]
    var order: [String] = []
    // Total ops/s per engine label and block, to sort engines within a block.
    var total: [String: [Double]] = [:]
    for c in cells {
      for p in [c.load, c.run].compactMap({ $0 }) {
        let engine =
          c.plan.engine.name + (c.plan.wrapper == .none ? "" : "/\(c.plan.wrapperLabel)")
        let block = [
          p.phase == .load ? "0" : "1", String(format: "%06d", c.plan.threads),
          c.plan.target.map { String(format: "%015.0f", $0) } ?? "", c.plan.placement.label,
        ]
        let phase = p.phase.rawValue + (p.interrupted ? "*" : "")
        var all: UInt64 = 0
        for k in OpKind.allCases {
          guard let r = p.ops[k] else { continue }
          all += r.count
          let key = (block + [engine, c.plan.variant, phase, k.name]).joined(separator: "\u{1F}")
          if lines[key] == nil {
            order.append(key)
            lines[key] = Line(
              block: block, engine: engine, variant: c.plan.variant, op: k, phase: phase,
              threads: c.plan.threads)
          }
          let h = r.histogram
          lines[key]!.count.append(Double(r.count))
          lines[key]!.errors.append(Double(r.errors))
          lines[key]!.opsPerSec.append(p.seconds > 0 ? Double(r.count) / p.seconds : 0)
          lines[key]!.mean.append(h.mean)
          lines[key]!.p50.append(Double(h.valueAtPercentile(50)))
          lines[key]!.p99.append(Double(h.valueAtPercentile(99)))
          lines[key]!.p999.append(Double(h.valueAtPercentile(99.9)))
          lines[key]!.max.append(Double(h.max))
        }
        let engineKey = (block + [engine, c.plan.variant]).joined(separator: "\u{1F}")
        total[engineKey, default: []].append(p.seconds > 0 ? Double(all) / p.seconds : 0)
      }
    }
    func speed(_ l: Line) -> Double {
      Compare.median(total[(l.block + [l.engine, l.variant]).joined(separator: "\u{1F}")] ?? [0])
    }
    let sorted = order.map { lines[$0]! }.enumerated().sorted { a, b in
      let (x, y) = (a.element, b.element)
      if x.block != y.block { return x.block.lexicographicallyPrecedes(y.block) }
      let (sx, sy) = (speed(x), speed(y))
      if sx != sy { return sx > sy }
      if x.engine + x.variant != y.engine + y.variant { return a.offset < b.offset }
      return x.op.rawValue < y.op.rawValue
    }.map(\.element)
    // The reference's ops/s per block and op.
    var refSpeed: [String: Double] = [:]
    for l in sorted
    where l.engine.split(separator: "/").first.map(String.init) == reference
      && l.variant == "default"
    {
      refSpeed[(l.block + [l.op.name]).joined(separator: "\u{1F}")] = Compare.median(l.opsPerSec)
    }
    var header = [
      "engine", "variant", "thr", "phase", "op", "count", "errors", "ops/s",
    ]
    if let reference { header.append("×\(reference)") }
    header += ["mean", "p50", "p99", "p99.9", "max"]
    var rows: [[String?]] = []
    var previous: [String]? = nil
    for l in sorted {
      if let p = previous, p != l.block { rows.append(Array(repeating: nil, count: header.count)) }
      previous = l.block
      let ops = Compare.median(l.opsPerSec)
      var row: [String?] = [
        l.engine, l.variant, String(l.threads), l.phase, l.op.name,
        String(format: "%.0f", Compare.median(l.count)),
        String(format: "%.0f", Compare.median(l.errors)), String(format: "%.0f", ops),
      ]
      if reference != nil {
        let r = refSpeed[(l.block + [l.op.name]).joined(separator: "\u{1F}")]
        row.append(r.map { $0 > 0 ? String(format: "%.2f", ops / $0) : "-" } ?? "-")
      }
      row += [
        duration(Compare.median(l.mean)), duration(Compare.median(l.p50)),
        duration(Compare.median(l.p99)), duration(Compare.median(l.p999)),
        duration(Compare.median(l.max)),
      ]
      rows.append(row)
    }
    let widths = header.indices.map { i in
      ([header[i]] + rows.compactMap { $0[i] }).map(\.count).max()!
    }
    func line(_ r: [String?]) -> String {
      guard r.contains(where: { $0 != nil }) else { return "" }
      return r.enumerated().map { i, s in
        let s = s ?? ""
        return i < 5
          ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[i] - s.count) + s
      }
      .joined(separator: "  ")
    }
    var out = line(header) + "\n"
    for r in rows { out += line(r) + "\n" }
    let repeats = Set(cells.map(\.plan.repeatIndex)).count
    if repeats > 1 {
      out += "figures: median of \(repeats) repeats (summary.csv has each)\n"
    }
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
