import Foundation

/// Draws key numbers in [0, count) for requests, per the spec's request distribution. `count`
/// is the number of records this thread believes exist (it grows with inserts).
public struct KeyChooser: Sendable {
  @usableFromInline enum Kind: Sendable {
    case uniform, sequential, zipfian, scrambled, latest, hotspot, exponential, selfSimilar
    /// YCSB's fixed ranges (insertstart, insertcount): uniform, sequential and hotspot over
    /// `base ..< base + width`, not over the keys that exist.
    case uniformRange, sequentialRange, hotspotRange
    /// Zipfian, scrambled zipfian and latest for θ ≥ 1, where Gray's method (YCSB's) is
    /// undefined: ranks from the exact rejection-inversion sampler instead.
    case zipfianExact, scrambledExact, latestExact
  }
  @usableFromInline let kind: Kind
  @usableFromInline var zipf: Zipfian?
  /// θ ≥ 1: the exact sampler the `…Exact` kinds draw ranks from.
  @usableFromInline var exact: ZipfRejectionInversion?
  @usableFromInline var sequentialNext: UInt64 = 0
  /// Hotspot data fraction, exponential ln 2/γ, self-similar exponent.
  @usableFromInline var a: Double = 0
  @usableFromInline var b: Double = 0  // hotspot op fraction
  @usableFromInline let math = FastMath.shared

  /// Scrambled: the key space the ranks are hashed into (YCSB's `itemcount`).
  @usableFromInline var items: UInt64 = 1
  /// The first key number requests choose (YCSB's `insertstart`; 0 without a range) and, for
  /// the fixed-range kinds, how many they choose among (`insertcount`).
  @usableFromInline var base: UInt64 = 0
  @usableFromInline var width: UInt64 = 1

  /// YCSB's ScrambledZipfianGenerator draws ranks from a ZipfianGenerator over
  /// [0, ITEM_COUNT = 10^10], inclusive: 10^10 + 1 items...
  public static let scrambledItemCount: UInt64 = 10_000_000_001
  /// ...with ζ fixed at its precomputed ZETAN = ζ(10^10, 0.99) for θ = 0.99.
  public static let scrambledZetaN = 26.46902820178302
  /// Redraws allowed for a scrambled key beyond the newest record before falling back to the
  /// hash modulo the live count (reached only when expected inserts dwarf the records).
  public static let scrambledRedraws = 1024

  /// - Parameters:
  ///   - records: records loaded before the run.
  ///   - space: key numbers the run may touch (records + expected inserts: CoreWorkload's
  ///     `recordcount + expectednewkeys`), sizing zipfian and, plus one, the scrambled key space.
  ///   - start: first key for `sequential` (threads start at different offsets), counted from
  ///     the range's first key.
  ///   - range: YCSB's `insertstart ..< insertstart + insertcount` (CoreWorkload's key chooser
  ///     bounds): uniform, sequential and hotspot choose in it whatever exists; zipfian and
  ///     scrambled zipfian start at its first key and size their space as `range.count` +
  ///     expected inserts (`space` is then that); latest and exponential count back from the
  ///     newest key, as in YCSB. nil: every key that exists, from 0.
  public init(
    _ d: RequestDistribution, records: UInt64, space: UInt64, start: UInt64 = 0,
    range: Range<UInt64>? = nil
  ) {
    let n = max(records, 1)
    base = range?.lowerBound ?? 0
    width = max(UInt64(range?.count ?? 1), 1)
    switch d {
    case .uniform: kind = range == nil ? .uniform : .uniformRange
    case .sequential:
      kind = range == nil ? .sequential : .sequentialRange
      sequentialNext = start
    case .zipfian(let c) where c >= 1:
      kind = .zipfianExact
      exact = ZipfRejectionInversion(n: max(space, 1), theta: c)
    case .zipfian(let c):
      kind = .zipfian
      zipf = Zipfian(n: max(space, 1), theta: c)
    case .scrambledZipfian(let c):
      // CoreWorkload: ScrambledZipfianGenerator(insertstart, insertstart + insertcount +
      // expectednewkeys), whose bounds are inclusive: space + 1 keys.
      if c >= 1 {
        kind = .scrambledExact
        exact = ZipfRejectionInversion(n: Self.scrambledItemCount, theta: c)
      } else {
        kind = .scrambled
        zipf = Zipfian(
          n: Self.scrambledItemCount, theta: c, zetaN: c == 0.99 ? Self.scrambledZetaN : nil)
      }
      items = space + 1
    case .latest(let c) where c >= 1:
      kind = .latestExact
      exact = ZipfRejectionInversion(n: max(n - 1, 1), theta: c)
    case .latest(let c):
      // SkewedLatestGenerator builds ZipfianGenerator(lastValue) over recordcount − 1 items.
      kind = .latest
      zipf = Zipfian(n: max(n - 1, 1), theta: c)
    case .hotspot(let data, let op):
      kind = range == nil ? .hotspot : .hotspotRange
      a = data
      b = op
    case .exponential(let percentile, let fraction):
      kind = .exponential
      a = M_LN2 / (-log(1 - percentile / 100) / (Double(n) * fraction))
    case .selfSimilar(let skew):
      kind = .selfSimilar
      a = log(skew) / log(1 - skew)
    }
  }

  /// A hotspot draw in [0, n): the first `a` of the keys get `b` of the requests.
  @inlinable @inline(__always)
  func hotspot(_ rng: inout Xoshiro256, _ n: UInt64) -> UInt64 {
    let hot = UInt64(Double(n) * a)
    if hot > 0 && (rng.nextDouble() < b || hot >= n) { return rng.next(below: hot) }
    return hot + rng.next(below: n - hot)
  }

  /// ScrambledZipfianGenerator's key for a zipfian rank: FNV-64 (YCSB's `Utils.fnvhash64`) of
  /// the rank, modulo the key space.
  @inlinable @inline(__always)
  func scrambledKey(rank: UInt64) -> UInt64 { ycsbFNVHash64(rank) % items }

  /// The next key number in [0, count).
  @inlinable @inline(__always)
  public mutating func next(_ rng: inout Xoshiro256, count: UInt64) -> UInt64 {
    let c = max(count, 1)
    switch kind {
    case .uniform:
      return rng.next(below: c)
    case .uniformRange:  // UniformLongGenerator(insertstart, insertstart + insertcount − 1)
      return base &+ rng.next(below: width)
    case .sequential:
      let k = sequentialNext % c
      sequentialNext = k + 1
      return k
    case .sequentialRange:  // SequentialGenerator(insertstart, insertstart + insertcount − 1)
      let k = sequentialNext % width
      sequentialNext = k + 1
      return base &+ k
    case .zipfian:
      // Ranks beyond the current count are redrawn (YCSB does the same); a few tries, then uniform.
      let live = c &- base  // keys from the range's start (c > base: the records exist)
      for _ in 0..<8 {
        let r = zipf.unsafelyUnwrapped.rank(rng.nextDouble())
        if r < live { return base &+ r }
      }
      return base &+ rng.next(below: live)
    case .scrambled:
      // CoreWorkload.nextKeynum: a key beyond the newest record is redrawn.
      for _ in 0..<Self.scrambledRedraws {
        let k = base &+ scrambledKey(rank: zipf.unsafelyUnwrapped.rank(rng.nextDouble()))
        if k < c { return k }
      }
      return base &+ ycsbFNVHash64(zipf.unsafelyUnwrapped.rank(rng.nextDouble())) % (c &- base)
    case .zipfianExact:
      let live = c &- base
      for _ in 0..<8 {
        let r = exact.unsafelyUnwrapped.rank(&rng)
        if r < live { return base &+ r }
      }
      return base &+ rng.next(below: live)
    case .scrambledExact:
      for _ in 0..<Self.scrambledRedraws {
        let k = base &+ scrambledKey(rank: exact.unsafelyUnwrapped.rank(&rng))
        if k < c { return k }
      }
      return base &+ ycsbFNVHash64(exact.unsafelyUnwrapped.rank(&rng)) % (c &- base)
    case .latestExact:
      let last = c - 1
      if last == 0 { return 0 }
      if exact.unsafelyUnwrapped.n < last { exact!.grow(to: last) }
      return last - min(exact.unsafelyUnwrapped.rank(&rng), last - 1)
    case .latest:
      // SkewedLatestGenerator: last − zipf(last), ζ grown with the count (η as YCSB keeps it),
      // so the newest key is the hottest and key 0 is never drawn once a record is inserted.
      let last = c - 1
      if last == 0 { return 0 }
      if zipf.unsafelyUnwrapped.n < last { zipf!.grow(to: last) }
      return last - min(zipf.unsafelyUnwrapped.rank(rng.nextDouble()), last - 1)
    case .hotspot:
      return hotspot(&rng, c)
    case .hotspotRange:  // HotspotIntegerGenerator(insertstart, insertstart + insertcount − 1, …)
      return base &+ hotspot(&rng, width)
    case .exponential:
      for _ in 0..<8 {
        let back = -math.log2(1 - rng.nextDouble()) * a
        if back < Double(c) { return c - 1 - UInt64(back) }
      }
      return c - 1
    case .selfSimilar:
      let k = UInt64(Double(c) * math.pow(rng.nextDouble(), a))
      return min(k, c - 1)
    }
  }
}

/// Draws sizes (values, scan lengths) from a `SizeDistribution`.
@usableFromInline struct SizeChooser: Sendable {
  @usableFromInline let lo: UInt64
  @usableFromInline let width: UInt64
  @usableFromInline let zipf: Zipfian?
  @usableFromInline let sizes: [Int]
  /// Draws summed per size (`.fields`); 1 otherwise.
  @usableFromInline let draws: Int
  /// `.weighted`: running totals of the weights, one per entry of `sizes`; empty otherwise.
  @usableFromInline let cumulative: [UInt64]

  public init(_ d: SizeDistribution) {
    var d = d
    if case .fields(let n, let f) = d { (draws, d) = (n, f) } else { draws = 1 }
    switch d {
    case .choice(let list): sizes = list
    case .weighted(let list, _): sizes = list
    default: sizes = []
    }
    if case .weighted(_, let weights) = d {
      var total: UInt64 = 0
      cumulative = weights.map {
        total += UInt64($0)
        return total
      }
    } else {
      cumulative = []
    }
    switch d {
    case .choice(let list): (lo, width, zipf) = (0, UInt64(list.count), nil)
    case .weighted: (lo, width, zipf) = (0, cumulative.last ?? 1, nil)
    case .constant(let n): (lo, width, zipf) = (UInt64(n), 1, nil)
    case .uniform(let a, let b): (lo, width, zipf) = (UInt64(a), UInt64(b - a + 1), nil)
    case .zipfian(let a, let b):
      (lo, width, zipf) = (UInt64(a), UInt64(b - a + 1), Zipfian(n: UInt64(b - a + 1), theta: 0.99))
    case .fields: preconditionFailure("fields of fields")  // the reader never nests them
    }
  }

  @inlinable @inline(__always)
  public func next(_ rng: inout Xoshiro256) -> Int {
    if draws == 1 { return one(&rng) }
    var total = 0
    for _ in 0..<draws { total &+= one(&rng) }
    return total
  }

  @inlinable @inline(__always)
  func one(_ rng: inout Xoshiro256) -> Int {
    if !sizes.isEmpty {
      let r = rng.next(below: width)
      if cumulative.isEmpty { return sizes[Int(r)] }
      var k = 0
      while cumulative[k] <= r { k += 1 }  // YCSB's HistogramGenerator walks its buckets too
      return sizes[k]
    }
    if width == 1 { return Int(lo) }
    if let z = zipf { return Int(lo + z.rank(rng.nextDouble())) }
    return Int(lo + rng.next(below: width))
  }
}
