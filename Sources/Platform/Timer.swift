import CSys
import Foundation

/// A fast monotonic timestamp source: the CPU's invariant cycle counter, calibrated against
/// `CLOCK_MONOTONIC`, or `clock_gettime` itself where no trustworthy counter exists.
public struct CycleTimer: Sendable {
  /// `"tsc"`, `"cntvct"` or `"clock_gettime"`.
  public let source: String
  /// Counter ticks per nanosecond (1 for `clock_gettime`).
  public let ticksPerNanosecond: Double
  @usableFromInline let useCycles: Bool
  /// Nanoseconds per tick as 32.32 fixed point, so conversion is one multiply and a shift.
  @usableFromInline let nanosPerTickQ32: UInt64

  /// Raw ticks; subtract two and convert with `nanoseconds(_:)`.
  @inlinable @inline(__always)
  public func now() -> UInt64 { useCycles ? csys_cycles() : csys_mono_ns() }

  /// Converts a tick difference to nanoseconds.
  @inlinable @inline(__always)
  public func nanoseconds(_ ticks: UInt64) -> UInt64 {
    useCycles ? UInt64((UInt128(ticks) &* UInt128(nanosPerTickQ32)) >> 32) : ticks
  }

  /// Converts nanoseconds to ticks (for deadlines).
  public func ticks(nanoseconds ns: UInt64) -> UInt64 {
    useCycles ? UInt64(Double(ns) * ticksPerNanosecond) : ns
  }

  /// A timer with a given rate (`calibrated()` measures it; tests build fake clocks with this).
  public init(source: String, ticksPerNanosecond: Double) {
    self.source = source
    self.ticksPerNanosecond = ticksPerNanosecond
    self.useCycles = source != "clock_gettime"
    self.nanosPerTickQ32 = UInt64((1.0 / ticksPerNanosecond) * 4_294_967_296.0)
  }

  /// The plain `clock_gettime(CLOCK_MONOTONIC)` timer.
  public static let monotonic = CycleTimer(source: "clock_gettime", ticksPerNanosecond: 1)

  /// Calibrates the cycle counter against `CLOCK_MONOTONIC` over `millis` milliseconds; falls back
  /// to `monotonic` when the counter is absent or not invariant.
  public static func calibrated(millis: UInt32 = 50) -> CycleTimer {
    guard csys_has_cycle_counter() != 0, cycleCounterIsInvariant() else { return .monotonic }
    let (m0, c0) = (csys_mono_ns(), csys_cycles())
    usleep(millis * 1000)
    let (m1, c1) = (csys_mono_ns(), csys_cycles())
    let ratio = Double(c1 &- c0) / Double(m1 &- m0)
    guard ratio.isFinite, ratio > 0.001 else { return .monotonic }
    #if arch(x86_64)
      return CycleTimer(source: "tsc", ticksPerNanosecond: ratio)
    #else
      return CycleTimer(source: "cntvct", ticksPerNanosecond: ratio)
    #endif
  }

  static func cycleCounterIsInvariant() -> Bool {
    #if arch(x86_64)
      guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
      else { return false }
      let set = Set(flags.split(separator: " "))
      return set.contains("constant_tsc") && set.contains("nonstop_tsc")
    #else
      return true
    #endif
  }

  /// Cost of one back-to-back timestamp pair, in nanoseconds (median and minimum of `samples`).
  public func measureOverhead(samples: Int = 100_000) -> TimerOverhead {
    var deltas = [UInt64](repeating: 0, count: samples)
    for i in 0..<samples {
      let a = now()
      let b = now()
      deltas[i] = b &- a
    }
    deltas.sort()
    let smallestStep = deltas.first(where: { $0 > 0 }) ?? 0
    return TimerOverhead(
      medianNanoseconds: Double(deltas[samples / 2]) / ticksPerNanosecond,
      minimumNanoseconds: Double(deltas[0]) / ticksPerNanosecond,
      resolutionNanoseconds: Double(smallestStep) / ticksPerNanosecond)
  }
}

/// Measured cost and resolution of the timer.
public struct TimerOverhead: Codable, Sendable {
  public var medianNanoseconds: Double
  public var minimumNanoseconds: Double
  public var resolutionNanoseconds: Double
}
