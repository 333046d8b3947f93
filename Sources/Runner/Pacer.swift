import CSys
import Platform

#if canImport(Glibc)
  import Glibc
#endif

/// The open-loop schedule of one client thread (`target:` in the spec): op i is intended to
/// start at `start + offset + i × interval`, with threads offset by a fraction of the interval so
/// they do not fire in lockstep. A late op is issued at once; its response time is measured from
/// its intended start (coordinated-omission-correct, as YCSB's `Intended-` and wrk2 do).
public struct Pacer: Sendable {
  /// Ticks between one thread's intended starts.
  public let interval: UInt64
  @usableFromInline var intended: UInt64
  /// The next op's intended start tick.
  public var nextStart: UInt64 { intended }

  /// The schedule of thread `thread` of `threads` sharing `rate` ops/s from `start`.
  public init(rate: Double, thread: Int, threads: Int, start: UInt64, timer: CycleTimer) {
    let perThread = Double(threads) / rate  // seconds between this thread's ops
    let ticks = max(perThread * 1e9 * timer.ticksPerNanosecond, 1)
    interval = UInt64(ticks)
    intended = start &+ UInt64(ticks * Double(thread) / Double(max(threads, 1)))
  }

  /// Moves to the following op.
  @inlinable public mutating func advance() { intended &+= interval }

  /// Gaps shorter than this are spun; longer ones sleep until this close, then spin.
  public static let spinNanoseconds: UInt64 = 50_000

  /// Waits until `tick`: sleeps through most of a long gap, spins the rest.
  @inlinable
  public static func wait(until tick: UInt64, timer: CycleTimer) {
    var now = timer.now()
    if now >= tick { return }
    let gap = timer.nanoseconds(tick &- now)
    if gap > spinNanoseconds {
      var ts = timespec(tv_sec: 0, tv_nsec: Int(gap - spinNanoseconds / 2))
      if ts.tv_nsec >= 1_000_000_000 {
        ts.tv_sec = ts.tv_nsec / 1_000_000_000
        ts.tv_nsec %= 1_000_000_000
      }
      nanosleep(&ts, nil)
    }
    repeat { now = timer.now() } while now < tick
  }
}
