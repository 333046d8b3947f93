/// How work is divided among a phase's threads. Every split in the harness goes through here, so
/// a generated stream, its trace and its pregenerated copy agree on which thread does what.
public enum ThreadSplit {
  /// Thread `thread`'s share of `total` ops over `threads` threads: `total / threads`, plus one
  /// for each of the first `total % threads` threads.
  @inlinable
  public static func share(of total: Int, thread: Int, threads: Int) -> Int {
    total / threads + (thread < total % threads ? 1 : 0)
  }

  /// Every thread's share of `total` (see `share(of:thread:threads:)`), as op budgets.
  @inlinable
  public static func budgets(_ total: Int, threads: Int) -> [UInt64] {
    (0..<threads).map { UInt64(share(of: total, thread: $0, threads: threads)) }
  }

  /// Thread `thread`'s contiguous part of `range` (a load range): the parts are in thread order,
  /// cover the range and differ in size by at most one.
  @inlinable
  public static func part(of range: Range<Int>, thread: Int, threads: Int) -> Range<Int> {
    let count = range.count
    return
      (range.lowerBound + count * thread / threads)..<(range.lowerBound + count * (thread + 1)
      / threads)
  }
}
