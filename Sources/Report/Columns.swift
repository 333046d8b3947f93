import EngineKit
import Foundation
import Histogram
import Platform
import Runner
import Workload

/// The stable CSV layouts TreeBench writes (documented in the README; tests pin them).
public enum Columns {
  public static let summary = [
    "workload", "engine", "variant", "wrapper", "threads", "repeat", "target", "placement",
    "phase", "op", "count",
    "errors", "seconds",
    "ops_per_sec", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns", "keys",
    "allocated_bytes", "resident_bytes", "bytes_per_key", "logical_bytes_per_key", "status",
    "ops_source",
  ]
  public static let timeseries = [
    "workload", "engine", "variant", "wrapper", "threads", "repeat", "target", "placement",
    "phase", "interval", "seconds",
    "ops",
    "ops_per_sec", "p50_ns", "p99_ns", "allocated_bytes", "resident_bytes",
  ]
  /// The allocator's totals before and after each phase (jemalloc `stats.*`, or RSS figures
  /// when `source` is `rss`), the engine's own bytes, and what they mean per key.
  public static let memory =
    [
      "workload", "engine", "variant", "wrapper", "threads", "repeat", "target", "placement",
      "phase", "source", "keys",
    ]
    + memoryFields.flatMap { ["\($0)_before", "\($0)_after"] }
    + ["engine_bytes", "bytes_per_key", "logical_bytes", "logical_bytes_per_key", "fragmentation"]
  static let memoryFields = [
    "allocated", "active", "resident", "mapped", "metadata", "retained", "small_requests",
    "large_requests",
  ]
}

/// Rows of `summary.csv` and `timeseries.csv` for one cell.
public enum Rows {
  static func cellKey(_ c: CellResult, workload: String) -> [String] {
    [
      workload, c.plan.engine.name, c.plan.variant, c.plan.wrapperLabel, String(c.plan.threads),
      String(c.plan.repeatIndex), c.plan.target.map { String(format: "%.0f", $0) } ?? "",
      c.plan.placement.label,
    ]
  }

  /// Bytes allocated for the engine since just before it was created, up to the end of `phase`.
  public static func engineBytes(_ c: CellResult, through phase: Phase) -> Int64? {
    guard let load = c.load else { return nil }
    var bytes = Int64(load.memoryAfter.allocated) - Int64(load.memoryBefore.allocated)
    if phase == .run, let run = c.run {
      bytes += Int64(run.memoryAfter.allocated) - Int64(run.memoryBefore.allocated)
    }
    return bytes
  }

  /// One row per op type and one `all` row per phase.
  public static func summary(_ c: CellResult, workload: String) -> [[String]] {
    var rows: [[String]] = []
    for p in [c.load, c.run].compactMap({ $0 }) {
      let bytes = engineBytes(c, through: p.phase)
      let perKey =
        bytes.map { p.keys > 0 ? String(format: "%.1f", Double($0) / Double(p.keys)) : "" } ?? ""
      let logical =
        c.engineStats.logicalBytes.map {
          p.keys > 0 && p.phase == (c.run?.phase ?? .load)
            ? String(format: "%.1f", Double($0) / Double(p.keys)) : ""
        } ?? ""
      var all = Histograms.latency()
      var count: UInt64 = 0
      var errors: UInt64 = 0
      var perOp: [(String, OpResult)] = []
      for k in OpKind.allCases {
        guard let r = p.ops[k] else { continue }
        all.add(r.histogram)
        count += r.count
        errors += r.errors
        perOp.append((k.name, r))
      }
      perOp.append(("all", OpResult(count: count, errors: errors, histogram: all)))
      // Open loop: response time from the intended start (YCSB's Intended-), and pacing error.
      for k in OpKind.allCases {
        if let r = p.intended[k] { perOp.append(("intended-\(k.name)", r)) }
      }
      if let r = p.pacing { perOp.append(("pacing", r)) }
      for (name, r) in perOp {
        let h = r.histogram
        let opsPerSec = p.seconds > 0 ? Double(r.count) / p.seconds : 0
        rows.append(
          cellKey(c, workload: workload) + [
            p.phase.rawValue, name, String(r.count), String(r.errors),
            String(format: "%.6f", p.seconds),
            String(format: "%.1f", opsPerSec), String(format: "%.1f", h.mean),
            String(h.valueAtPercentile(50)), String(h.valueAtPercentile(90)),
            String(h.valueAtPercentile(99)),
            String(h.valueAtPercentile(99.9)), String(h.valueAtPercentile(99.99)), String(h.max),
            String(p.keys),
            String(p.memoryAfter.allocated), String(p.memoryAfter.resident), perKey, logical,
            p.interrupted ? "interrupted" : "complete", c.plan.opsSource,
          ])
      }
    }
    return rows
  }

  /// One row per phase: allocator totals before and after it, and the derived figures
  /// (engine bytes = allocated since just before the engine was created; fragmentation =
  /// active ÷ allocated after the phase).
  public static func memory(_ c: CellResult, workload: String) -> [[String]] {
    [c.load, c.run].compactMap { $0 }.map { p in
      let (a, b) = (p.memoryBefore, p.memoryAfter)
      let bytes = engineBytes(c, through: p.phase)
      let logical = p.phase == (c.run?.phase ?? .load) ? c.engineStats.logicalBytes : nil
      func perKey(_ n: Int64?) -> String {
        n.map { p.keys > 0 ? String(format: "%.1f", Double($0) / Double(p.keys)) : "" } ?? ""
      }
      var row = cellKey(c, workload: workload) + [p.phase.rawValue, b.source, String(p.keys)]
      let fields: [KeyPath<AllocatorSnapshot, UInt64>] = [
        \.allocated, \.active, \.resident, \.mapped, \.metadata, \.retained, \.smallRequests,
        \.largeRequests,
      ]
      for f in fields { row += [String(a[keyPath: f]), String(b[keyPath: f])] }
      let fragmentation =
        b.allocated > 0 ? String(format: "%.3f", Double(b.active) / Double(b.allocated)) : ""
      row += [bytes.map(String.init) ?? "", perKey(bytes), logical.map(String.init) ?? ""]
      row += [perKey(logical.map(Int64.init)), fragmentation]
      return row
    }
  }

  public static func timeseries(_ c: CellResult, workload: String) -> [[String]] {
    var rows: [[String]] = []
    for p in [c.load, c.run].compactMap({ $0 }) {
      var previousEnd = 0.0
      for iv in p.intervals {
        let start = Double(iv.index) * c.plan.spec.interval
        let length = max(iv.seconds - max(start, previousEnd), 1e-9)
        previousEnd = iv.seconds
        rows.append(
          cellKey(c, workload: workload) + [
            p.phase.rawValue, String(iv.index), String(format: "%.3f", iv.seconds), String(iv.ops),
            String(format: "%.1f", Double(iv.ops) / length),
            String(iv.histogram.valueAtPercentile(50)),
            String(iv.histogram.valueAtPercentile(99)), String(iv.allocated), String(iv.resident),
          ])
      }
    }
    return rows
  }
}
