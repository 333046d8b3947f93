import Histogram
import Workload

/// One client thread's measurements: an HDR histogram per op type, error counts, and the
/// per-interval series. Owned by its thread; merged after the phase.
public struct Recorder {
  @usableFromInline var histograms: [Histogram<UInt64>]
  /// Every op per type, timed or not (with latency sampling the histograms hold a subset).
  @usableFromInline var counts: [UInt64]
  @usableFromInline var errors: [UInt64]
  @usableFromInline var scanned: UInt64 = 0
  @usableFromInline var interval: Histogram<UInt64>
  @usableFromInline var intervalOps: UInt64 = 0
  @usableFromInline var intervalIndex = 0
  @usableFromInline var nextIntervalTick: UInt64 = .max
  @usableFromInline var startTick: UInt64 = 0
  @usableFromInline var intervalTicks: UInt64 = .max
  @usableFromInline var finished: [(index: Int, ops: UInt64, histogram: Histogram<UInt64>)] = []
  /// Open loop only: response time from the intended start per op type, and how late each op
  /// was issued (the pacing error).
  @usableFromInline var intended: [Histogram<UInt64>] = []
  @usableFromInline var pacing: Histogram<UInt64>? = nil

  public init(openLoop: Bool = false) {
    histograms = OpKind.allCases.map { _ in Histograms.latency() }
    counts = Array(repeating: 0, count: OpKind.allCases.count)
    errors = Array(repeating: 0, count: OpKind.allCases.count)
    interval = Histograms.interval()
    if openLoop {
      intended = OpKind.allCases.map { _ in Histograms.latency() }
      pacing = Histograms.latency()
    }
  }

  @inlinable @inline(__always)
  public mutating func recordIntended(_ kind: OpKind, response: UInt64, lateness: UInt64) {
    intended[kind.rawValue].record(response)
    pacing!.record(lateness)
  }

  /// Starts the interval clock of a phase.
  public mutating func begin(startTick: UInt64, intervalTicks: UInt64) {
    self.startTick = startTick
    self.intervalTicks = max(intervalTicks, 1)
    intervalIndex = 0
    nextIntervalTick = startTick &+ self.intervalTicks
  }

  @inlinable @inline(__always)
  public mutating func record(_ kind: OpKind, ok: Bool, nanoseconds: UInt64, at tick: UInt64) {
    let k = kind.rawValue
    histograms[k].record(nanoseconds)
    counts[k] &+= 1
    if !ok { errors[k] &+= 1 }
    if tick >= nextIntervalTick { roll(to: tick) }
    interval.record(nanoseconds)
    intervalOps &+= 1
  }

  /// Records `count` ops done by one timed call of `nanoseconds` (a bulk load): each gets the
  /// mean, so counts and throughput are exact and the latency columns show the cost per op.
  public mutating func recordBatch(
    _ kind: OpKind, count: UInt64, failed: UInt64, nanoseconds: UInt64, at tick: UInt64
  ) {
    guard count > 0 else { return }
    let mean = max(nanoseconds / count, 1)
    _ = histograms[kind.rawValue].record(mean, count: count)
    counts[kind.rawValue] &+= count
    errors[kind.rawValue] &+= failed
    if tick >= nextIntervalTick { roll(to: tick) }
    _ = interval.record(mean, count: count)
    intervalOps &+= count
  }

  /// Counts an op that was not timed (latency sampling).
  @inlinable @inline(__always)
  public mutating func count(_ kind: OpKind, ok: Bool) {
    counts[kind.rawValue] &+= 1
    if !ok { errors[kind.rawValue] &+= 1 }
    intervalOps &+= 1
  }

  /// Closes the current interval (and any empty ones skipped) at `tick`.
  @usableFromInline mutating func roll(to tick: UInt64) {
    finished.append((intervalIndex, intervalOps, interval))
    interval.reset()
    intervalOps = 0
    intervalIndex = Int((tick &- startTick) / intervalTicks)
    nextIntervalTick = startTick &+ UInt64(intervalIndex + 1) &* intervalTicks
  }

  /// Closes the last, partial interval.
  public mutating func end() {
    if intervalOps > 0 { finished.append((intervalIndex, intervalOps, interval)) }
    intervalOps = 0
  }

  /// Adds `other` into this recorder (histograms with `add`, intervals by index).
  public mutating func merge(_ other: Recorder) {
    for k in 0..<histograms.count {
      histograms[k].add(other.histograms[k])
      counts[k] += other.counts[k]
      errors[k] += other.errors[k]
    }
    scanned += other.scanned
    finished += other.finished
    if !other.intended.isEmpty {
      if intended.isEmpty {
        intended = OpKind.allCases.map { _ in Histograms.latency() }
        pacing = Histograms.latency()
      }
      for k in 0..<intended.count { intended[k].add(other.intended[k]) }
      pacing!.add(other.pacing!)
    }
  }

  /// Response times from the intended start, per op type that ran (open loop only).
  public var intendedResults: [OpKind: OpResult] {
    var out: [OpKind: OpResult] = [:]
    for k in OpKind.allCases where !intended.isEmpty && intended[k.rawValue].totalCount > 0 {
      out[k] = OpResult(
        count: intended[k.rawValue].totalCount, errors: errors[k.rawValue],
        histogram: intended[k.rawValue])
    }
    return out
  }

  /// How late ops were issued against their schedule (open loop only).
  public var pacingResult: OpResult? {
    pacing.map { OpResult(count: $0.totalCount, errors: 0, histogram: $0) }
  }

  /// Per-op results, for op types that ran.
  public var results: [OpKind: OpResult] {
    var out: [OpKind: OpResult] = [:]
    for k in OpKind.allCases where counts[k.rawValue] > 0 {
      out[k] = OpResult(
        count: counts[k.rawValue], errors: errors[k.rawValue], histogram: histograms[k.rawValue])
    }
    return out
  }

  /// Interval series merged across threads: (index, ops, histogram), ascending.
  public var intervals: [(index: Int, ops: UInt64, histogram: Histogram<UInt64>)] {
    var byIndex: [Int: (UInt64, Histogram<UInt64>)] = [:]
    for f in finished {
      if var e = byIndex[f.index] {
        e.0 += f.ops
        e.1.add(f.histogram)
        byIndex[f.index] = e
      } else {
        byIndex[f.index] = (f.ops, f.histogram)
      }
    }
    return byIndex.keys.sorted().map { ($0, byIndex[$0]!.0, byIndex[$0]!.1) }
  }
}
