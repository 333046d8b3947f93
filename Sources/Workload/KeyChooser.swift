import Foundation

/// Draws key numbers in [0, count) for requests, per the spec's request distribution. `count`
/// is the number of records this thread believes exist (it grows with inserts).
public struct KeyChooser: Sendable {
  @usableFromInline enum Kind: Sendable {
    case uniform, sequential, zipfian, scrambled, latest, hotspot, exponential, selfSimilar
  }
  @usableFromInline let kind: Kind
  @usableFromInline var zipf: Zipfian?
  @usableFromInline var sequentialNext: UInt64 = 0
  /// Hotspot data fraction, exponential ln 2/γ, self-similar exponent.
  @usableFromInline var a: Double = 0
  @usableFromInline var b: Double = 0  // hotspot op fraction
  @usableFromInline let math = FastMath.shared

  /// Scrambled: the key space the ranks are hashed into (YCSB's `itemcount`).
  @usableFromInline var items: UInt64 = 1

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
  ///   - start: first key for `sequential` (threads start at different offsets).
  public init(_ d: RequestDistribution, records: UInt64, space: UInt64, start: UInt64 = 0) {
    let n = max(records, 1)
    switch d {
    case .uniform: kind = .uniform
    case .sequential:
      kind = .sequential
      sequentialNext = start
    case .zipfian(let c):
      kind = .zipfian
      zipf = Zipfian(n: max(space, 1), theta: c)
    case .scrambledZipfian(let c):
      // CoreWorkload: ScrambledZipfianGenerator(insertstart, insertstart + insertcount +
      // expectednewkeys), whose bounds are inclusive: space + 1 keys.
      kind = .scrambled
      zipf = Zipfian(
        n: Self.scrambledItemCount, theta: c, zetaN: c == 0.99 ? Self.scrambledZetaN : nil)
      items = space + 1
    case .latest(let c):
      // SkewedLatestGenerator builds ZipfianGenerator(lastValue) over recordcount − 1 items.
      kind = .latest
      zipf = Zipfian(n: max(n - 1, 1), theta: c)
    case .hotspot(let data, let op):
      kind = .hotspot
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
    case .sequential:
      let k = sequentialNext % c
      sequentialNext = k + 1
      return k
    case .zipfian:
      // Ranks beyond the current count are redrawn (YCSB does the same); a few tries, then uniform.
      for _ in 0..<8 {
        let r = zipf.unsafelyUnwrapped.rank(rng.nextDouble())
        if r < c { return r }
      }
      return rng.next(below: c)
    case .scrambled:
      // CoreWorkload.nextKeynum: a key beyond the newest record is redrawn.
      for _ in 0..<Self.scrambledRedraws {
        let k = scrambledKey(rank: zipf.unsafelyUnwrapped.rank(rng.nextDouble()))
        if k < c { return k }
      }
      return ycsbFNVHash64(zipf.unsafelyUnwrapped.rank(rng.nextDouble())) % c
    case .latest:
      // SkewedLatestGenerator: last − zipf(last), ζ grown with the count (η as YCSB keeps it),
      // so the newest key is the hottest and key 0 is never drawn once a record is inserted.
      let last = c - 1
      if last == 0 { return 0 }
      if zipf.unsafelyUnwrapped.n < last { zipf!.grow(to: last) }
      return last - min(zipf.unsafelyUnwrapped.rank(rng.nextDouble()), last - 1)
    case .hotspot:
      let hot = UInt64(Double(c) * a)
      if hot > 0 && (rng.nextDouble() < b || hot >= c) { return rng.next(below: hot) }
      return hot + rng.next(below: c - hot)
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
public struct SizeChooser: Sendable {
  @usableFromInline let lo: UInt64
  @usableFromInline let width: UInt64
  @usableFromInline let zipf: Zipfian?
  @usableFromInline let sizes: [Int]

  public init(_ d: SizeDistribution) {
    sizes = if case .choice(let list) = d { list } else { [] }
    switch d {
    case .choice(let list): (lo, width, zipf) = (0, UInt64(list.count), nil)
    case .constant(let n): (lo, width, zipf) = (UInt64(n), 1, nil)
    case .uniform(let a, let b): (lo, width, zipf) = (UInt64(a), UInt64(b - a + 1), nil)
    case .zipfian(let a, let b):
      (lo, width, zipf) = (UInt64(a), UInt64(b - a + 1), Zipfian(n: UInt64(b - a + 1), theta: 0.99))
    }
  }

  @inlinable @inline(__always)
  public func next(_ rng: inout Xoshiro256) -> Int {
    if !sizes.isEmpty { return sizes[Int(rng.next(below: width))] }
    if width == 1 { return Int(lo) }
    if let z = zipf { return Int(lo + z.rank(rng.nextDouble())) }
    return Int(lo + rng.next(below: width))
  }
}
