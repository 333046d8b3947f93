/// xoshiro256** — small, fast, high-quality; one per client thread.
public struct Xoshiro256: Sendable {
  @usableFromInline var s0, s1, s2, s3: UInt64

  /// Seeds the four words from SplitMix64 over `seed`.
  public init(seed: UInt64) {
    var sm = seed
    func next() -> UInt64 {
      sm &+= 0x9E37_79B9_7F4A_7C15
      return mix64(sm)
    }
    s0 = next()
    s1 = next()
    s2 = next()
    s3 = next()
  }

  @inlinable @inline(__always)
  public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = s3 << 45 | s3 >> 19
    return result
  }

  /// Uniform in [0, 1).
  @inlinable @inline(__always)
  public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform in [0, n) (Lemire's multiply-high; the tiny bias is irrelevant here).
  @inlinable @inline(__always)
  public mutating func next(below n: UInt64) -> UInt64 { next().multipliedFullWidth(by: n).high }
}

/// SplitMix64's finaliser: a bijection on 64-bit integers with good avalanche.
@inlinable @inline(__always)
public func mix64(_ x: UInt64) -> UInt64 {
  var z = x
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// YCSB's `Utils.fnvhash64`: FNV-1a over the 8 little-endian bytes, then the absolute value.
@inlinable @inline(__always)
public func ycsbFNVHash64(_ value: UInt64) -> UInt64 {
  var h: UInt64 = 0xCBF2_9CE4_8422_2325
  var v = value
  for _ in 0..<8 {
    h = (h ^ (v & 0xff)) &* 1_099_511_628_211
    v >>= 8
  }
  let signed = Int64(bitPattern: h)
  return signed < 0 ? UInt64(bitPattern: 0 &- signed) : h
}
