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

  /// YCSB's scrambled zipfian draws from a fixed space of 10^10 ranks, then hashes into range.
  public static let scrambledItemCount: UInt64 = 10_000_000_000

  /// - Parameters:
  ///   - records: records loaded before the run.
  ///   - space: key numbers the run may touch (records + expected inserts), sizing zipfian.
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
      kind = .scrambled
      zipf = Zipfian(n: Self.scrambledItemCount, theta: c)
    case .latest(let c):
      kind = .latest
      zipf = Zipfian(n: n, theta: c)
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
      return ycsbFNVHash64(zipf.unsafelyUnwrapped.rank(rng.nextDouble())) % c
    case .latest:
      if zipf.unsafelyUnwrapped.n < c { zipf!.grow(to: c) }
      return c - 1 - min(zipf.unsafelyUnwrapped.rank(rng.nextDouble()), c - 1)
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

/// Writes the bytes of key number `k` for a key shape.
public struct KeyEncoder: Sendable {
  @usableFromInline enum Form: Sendable { case int64, ycsb, onode, path }
  @usableFromInline let form: Form
  @usableFromInline let hashed: Bool
  /// The ycsb prefix, zero-filled to whole 8-byte words, and its length.
  @usableFromInline let prefixWords: [UInt64]
  @usableFromInline let prefixLength: Int
  @usableFromInline let padding: Int
  @usableFromInline let onode: OnodeKeyWriter?
  @usableFromInline let path: PathKeyWriter?
  /// Largest key this encoder writes, in bytes.
  public let maxLength: Int
  /// The buffer `encode` needs: `maxLength` and a few bytes it may scribble on past the key.
  public var bufferSize: Int { maxLength + decimalSlack }

  public init(_ shape: KeyShape, hashed: Bool) {
    self.hashed = hashed
    maxLength = shape.maximumLength
    onode = if case .onode(let s) = shape { OnodeKeyWriter(shape: s, hashed: hashed) } else { nil }
    path = if case .path(let s) = shape { PathKeyWriter(shape: s, hashed: hashed) } else { nil }
    var prefix: [UInt8] = []
    switch shape {
    case .int64: (form, padding) = (.int64, 0)
    case .ycsb(let p, let z): (form, prefix, padding) = (.ycsb, Array(p.utf8), z)
    case .onode: (form, padding) = (.onode, 0)
    case .path: (form, padding) = (.path, 0)
    }
    prefixLength = prefix.count
    prefixWords = stride(from: 0, to: prefix.count, by: 8).map { start in
      prefix[start..<min(start + 8, prefix.count)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
  }

  /// Writes key `k` at `out` (at least `bufferSize` bytes); returns its length.
  @inlinable @inline(__always)
  public func encode(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    switch form {
    case .int64: return int64Key(k, into: out)
    case .ycsb: return ycsbKey(k, into: out)
    case .onode: return onode.unsafelyUnwrapped.encode(k, into: out)
    case .path: return path.unsafelyUnwrapped.encode(k, into: out)
    }
  }

  /// Writes the keys of a batch of ops to slots `stride` bytes apart, dispatching on the key
  /// form once for the batch so that each form's loop is tight.
  func encode(
    _ ops: UnsafeMutablePointer<PendingOp>, count: Int, into slots: UnsafeMutableRawPointer,
    stride: Int
  ) {
    @inline(__always) func each(_ write: (UInt64, UnsafeMutableRawPointer) -> Int) {
      for i in 0..<count { ops[i].keyLength = write(ops[i].number, slots + i &* stride) }
    }
    switch form {
    case .int64: each { int64Key($0, into: $1) }
    case .ycsb: each { ycsbKey($0, into: $1) }
    case .onode: each { onode.unsafelyUnwrapped.encode($0, into: $1) }
    case .path: each { path.unsafelyUnwrapped.encode($0, into: $1) }
    }
  }

  @inlinable @inline(__always)
  func int64Key(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    out.storeBytes(of: (hashed ? mix64(k) : k).bigEndian, as: UInt64.self)
    return 8
  }

  @inlinable @inline(__always)
  func ycsbKey(_ k: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    // Whole words: the digits overwrite the zero fill after the prefix.
    prefixWords.withUnsafeBufferPointer { words in
      for (i, w) in words.enumerated() {
        out.storeBytes(of: w.littleEndian, toByteOffset: 8 &* i, as: UInt64.self)
      }
    }
    let digits = out + prefixLength
    return prefixLength + writeDecimal(hashed ? ycsbFNVHash64(k) : k, width: padding, to: digits)
  }
}
