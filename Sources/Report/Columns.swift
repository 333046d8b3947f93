import EngineKit
import Foundation
import Histogram
import Platform
import Runner
import Workload

/// A CSV column: its name and how a row's value is made from `Source`. Each file's header and
/// rows come from one table of these, so a name cannot drift from its value.
public struct Column<Source>: Sendable {
  public let name: String
  let value: @Sendable (Source) -> String
  init(_ name: String, _ value: @escaping @Sendable (Source) -> String) {
    self.name = name
    self.value = value
  }
}

/// The identity of a cell, leading every file's rows.
struct CellKey {
  var cell: CellResult
  var workload: String
}

/// What one summary.csv row describes: one op (or `all`, `intended-…`, `pacing`) of one phase.
struct SummaryRow {
  var key: CellKey
  var phase: PhaseResult
  var op: String
  var result: OpResult
  var bytesPerKey: String
  var logicalBytesPerKey: String
}

/// One time-series interval of one phase.
struct IntervalRow {
  var key: CellKey
  var phase: PhaseResult
  var interval: IntervalSample
  var opsPerSecond: Double
}

/// One phase's allocator figures.
struct MemoryRow {
  var key: CellKey
  var phase: PhaseResult
  var engineBytes: Int64?
  var logicalBytes: Int?
  func perKey(_ n: Int64?) -> String {
    n.map { phase.keys > 0 ? String(format: "%.1f", Double($0) / Double(phase.keys)) : "" } ?? ""
  }
}

/// The stable CSV layouts TreeBench writes (documented in the README; tests pin them).
public enum Columns {
  static func cellKey<S>(_ key: @escaping @Sendable (S) -> CellKey) -> [Column<S>] {
    [
      Column("workload") { key($0).workload }, Column("engine") { key($0).cell.plan.engine.name },
      Column("variant") { key($0).cell.plan.variant },
      Column("wrapper") { key($0).cell.plan.wrapperLabel },
      Column("threads") { String(key($0).cell.plan.threads) },
      Column("repeat") { String(key($0).cell.plan.repeatIndex) },
      Column("target") { key($0).cell.plan.target.map { String(format: "%.0f", $0) } ?? "" },
      Column("placement") { key($0).cell.plan.placement.label },
    ]
  }

  static let summaryTable: [Column<SummaryRow>] =
    cellKey { $0.key } + [
      Column("phase") { $0.phase.phase.rawValue }, Column("op") { $0.op },
      Column("count") { String($0.result.count) }, Column("errors") { String($0.result.errors) },
      Column("seconds") { String(format: "%.6f", $0.phase.seconds) },
      Column("ops_per_sec") {
        String(
          format: "%.1f", $0.phase.seconds > 0 ? Double($0.result.count) / $0.phase.seconds : 0)
      },
      Column("mean_ns") { String(format: "%.1f", $0.result.histogram.mean) },
      Column("p50_ns") { String($0.result.histogram.valueAtPercentile(50)) },
      Column("p90_ns") { String($0.result.histogram.valueAtPercentile(90)) },
      Column("p99_ns") { String($0.result.histogram.valueAtPercentile(99)) },
      Column("p999_ns") { String($0.result.histogram.valueAtPercentile(99.9)) },
      Column("p9999_ns") { String($0.result.histogram.valueAtPercentile(99.99)) },
      Column("max_ns") { String($0.result.histogram.max) },
      Column("keys") { String($0.phase.keys) },
      Column("allocated_bytes") { String($0.phase.memoryAfter.allocated) },
      Column("resident_bytes") { String($0.phase.memoryAfter.resident) },
      Column("bytes_per_key") { $0.bytesPerKey },
      Column("logical_bytes_per_key") { $0.logicalBytesPerKey },
      Column("status") { $0.phase.interrupted ? "interrupted" : "complete" },
      Column("ops_source") { $0.key.cell.plan.opsSource },
    ]

  static let timeseriesTable: [Column<IntervalRow>] =
    cellKey { $0.key } + [
      Column("phase") { $0.phase.phase.rawValue }, Column("interval") { String($0.interval.index) },
      Column("seconds") { String(format: "%.3f", $0.interval.seconds) },
      Column("ops") { String($0.interval.ops) },
      Column("ops_per_sec") { String(format: "%.1f", $0.opsPerSecond) },
      Column("p50_ns") { String($0.interval.histogram.valueAtPercentile(50)) },
      Column("p99_ns") { String($0.interval.histogram.valueAtPercentile(99)) },
      Column("allocated_bytes") { String($0.interval.allocated) },
      Column("resident_bytes") { String($0.interval.resident) },
    ]

  /// The allocator's totals before and after each phase (jemalloc `stats.*`, or RSS figures
  /// when `source` is `rss`), the engine's own bytes, and what they mean per key.
  static let memoryTable: [Column<MemoryRow>] =
    cellKey { $0.key } + [
      Column("phase") { $0.phase.phase.rawValue },
      Column("source") { $0.phase.memoryAfter.source }, Column("keys") { String($0.phase.keys) },
    ]
    + memoryFields.flatMap { (name, field) in
      [
        Column<MemoryRow>("\(name)_before") { String(field($0.phase.memoryBefore)) },
        Column<MemoryRow>("\(name)_after") { String(field($0.phase.memoryAfter)) },
      ]
    } + [
      Column("engine_bytes") { $0.engineBytes.map(String.init) ?? "" },
      Column("bytes_per_key") { $0.perKey($0.engineBytes.flatMap { $0 >= 0 ? $0 : nil }) },
      Column("logical_bytes") { $0.logicalBytes.map(String.init) ?? "" },
      Column("logical_bytes_per_key") { $0.perKey($0.logicalBytes.map(Int64.init)) },
      Column("fragmentation") {
        let b = $0.phase.memoryAfter
        return b.allocated > 0 ? String(format: "%.3f", Double(b.active) / Double(b.allocated)) : ""
      },
    ]

  static let memoryFields: [(String, @Sendable (AllocatorSnapshot) -> UInt64)] = [
    ("allocated", { $0.allocated }), ("active", { $0.active }), ("resident", { $0.resident }),
    ("mapped", { $0.mapped }), ("metadata", { $0.metadata }), ("retained", { $0.retained }),
    ("small_requests", { $0.smallRequests }), ("large_requests", { $0.largeRequests }),
  ]

  public static let summary = summaryTable.map(\.name)
  public static let timeseries = timeseriesTable.map(\.name)
  public static let memory = memoryTable.map(\.name)
}

/// Rows of `summary.csv`, `timeseries.csv` and `memory.csv` for one cell.
public enum Rows {
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
    let key = CellKey(cell: c, workload: workload)
    for p in [c.load, c.run].compactMap({ $0 }) {
      // A negative growth means something else in the process freed memory during the phase
      // (jemalloc's figures are process-wide): the engine's bytes are unknown, not negative.
      let bytes = engineBytes(c, through: p.phase).flatMap { $0 >= 0 ? $0 : nil }
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
        let row = SummaryRow(
          key: key, phase: p, op: name, result: r, bytesPerKey: perKey, logicalBytesPerKey: logical)
        rows.append(Columns.summaryTable.map { $0.value(row) })
      }
    }
    return rows
  }

  /// One row per phase: allocator totals before and after it, and the derived figures
  /// (engine bytes = allocated since just before the engine was created; fragmentation =
  /// active ÷ allocated after the phase).
  public static func memory(_ c: CellResult, workload: String) -> [[String]] {
    [c.load, c.run].compactMap { $0 }.map { p in
      let row = MemoryRow(
        key: CellKey(cell: c, workload: workload), phase: p,
        engineBytes: engineBytes(c, through: p.phase),
        logicalBytes: p.phase == (c.run?.phase ?? .load) ? c.engineStats.logicalBytes : nil)
      return Columns.memoryTable.map { $0.value(row) }
    }
  }

  public static func timeseries(_ c: CellResult, workload: String) -> [[String]] {
    var rows: [[String]] = []
    let key = CellKey(cell: c, workload: workload)
    for p in [c.load, c.run].compactMap({ $0 }) {
      var previousEnd = 0.0
      for iv in p.intervals {
        let start = Double(iv.index) * c.plan.spec.interval
        let length = max(iv.seconds - max(start, previousEnd), 1e-9)
        previousEnd = iv.seconds
        let row = IntervalRow(
          key: key, phase: p, interval: iv, opsPerSecond: Double(iv.ops) / length)
        rows.append(Columns.timeseriesTable.map { $0.value(row) })
      }
    }
    return rows
  }
}
