import Foundation

/// Exact Zipf ranks for any θ > 0 by rejection-inversion (W. Hörmann and G. Derflinger,
/// "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS
/// 6(3), 1996): rank 0 is the most popular, P(i) ∝ 1/(i+1)^θ over n ranks. Gray's method
/// (`Zipfian`, YCSB's) is undefined for θ ≥ 1; this one is exact for every θ, needs no ζ(n),
/// so any n (10^10 and more) costs the same, and takes about 1.1 uniforms per draw.
///
/// With h(x) = x^−θ and its integral H(x) = (x^(1−θ) − 1)/(1−θ) (log x at θ = 1), a uniform
/// point u of [H(1.5) − 1, H(n + 0.5)] is inverted to x = H⁻¹(u) and rounded to k; the area
/// under h over [k − ½, k + ½] is at least h(k) (h is convex), so accepting u ≥ H(k + ½) − h(k)
/// leaves each k with probability ∝ h(k) exactly; k = 1 owns [H(1.5) − 1, H(1.5)], width h(1).
/// Most points are accepted at once by the paper's squeeze, k − x ≤ s.
public struct ZipfRejectionInversion: Sendable {
  public let theta: Double
  public private(set) var n: UInt64
  /// H(1.5) − h(1): the low end of the uniform range.
  @usableFromInline let lowEnd: Double
  /// H(n + 0.5): the high end.
  @usableFromInline var highEnd: Double
  /// The squeeze: k − x ≤ s accepts without evaluating H.
  @usableFromInline let squeeze: Double

  public init(n: UInt64, theta: Double) {
    precondition(n >= 1 && theta > 0 && theta.isFinite)
    self.theta = theta
    self.n = n
    lowEnd = Self.integral(1.5, theta) - 1
    highEnd = Self.integral(Double(n) + 0.5, theta)
    squeeze = 2 - Self.inverseIntegral(Self.integral(2.5, theta) - pow(2, -theta), theta)
  }

  /// Widens the ranks to `newN` (YCSB's `latest` as inserts arrive): only H(n + ½) changes.
  public mutating func grow(to newN: UInt64) {
    guard newN > n else { return }
    n = newN
    highEnd = Self.integral(Double(newN) + 0.5, theta)
  }

  /// A rank in [0, n).
  @inlinable
  public func rank(_ rng: inout Xoshiro256) -> UInt64 {
    while true {
      let u = highEnd + rng.nextDouble() * (lowEnd - highEnd)
      let x = Self.inverseIntegral(u, theta)
      let k = min(max(x + 0.5, 1), Double(n)).rounded(.down)
      if k - x <= squeeze || u >= Self.integral(k + 0.5, theta) - pow(k, -theta) {
        return UInt64(k) - 1
      }
    }
  }

  /// H(x) = (x^(1−θ) − 1)/(1−θ), written as log x · expm1(t)/t with t = (1−θ)·log x so that it
  /// stays accurate near θ = 1 (and is log x there).
  @inlinable
  static func integral(_ x: Double, _ theta: Double) -> Double {
    let logX = log(x)
    return logX * expm1OverX((1 - theta) * logX)
  }

  /// H⁻¹(y) = exp(y · log1p(t)/t) with t = (1−θ)·y (t > −1 wherever H⁻¹ is defined).
  @inlinable
  static func inverseIntegral(_ y: Double, _ theta: Double) -> Double {
    let t = max((1 - theta) * y, -1 + 0x1p-52)
    return exp(y * log1pOverX(t))
  }

  /// expm1(x)/x, 1 at 0.
  @inlinable
  static func expm1OverX(_ x: Double) -> Double {
    abs(x) > 1e-8 ? expm1(x) / x : 1 + x / 2 * (1 + x / 3)
  }

  /// log1p(x)/x, 1 at 0.
  @inlinable
  static func log1pOverX(_ x: Double) -> Double {
    abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x / 3)
  }
}
