import Foundation
import Synchronization

/// Zipfian ranks after Gray et al., "Quickly Generating Billion-Record Synthetic Databases"
/// (SIGMOD '94), as YCSB implements it: rank 0 is the most popular, P(i) ∝ 1/(i+1)^θ.
public struct Zipfian: Sendable {
  public let theta: Double
  @usableFromInline let alpha: Double
  @usableFromInline let zeta2: Double
  @usableFromInline let halfPowTheta: Double
  public private(set) var n: UInt64
  public private(set) var zetaN: Double
  @usableFromInline var eta: Double
  @usableFromInline var nDouble: Double
  @usableFromInline let math = FastMath.shared

  /// The item count η was computed for at construction; YCSB's ZipfianGenerator keeps using
  /// it (its `items` field) when it recomputes η for a grown count.
  let etaItems: UInt64

  /// - Parameter zetaN: ζ(n, θ) when the caller fixes it (YCSB's ScrambledZipfianGenerator
  ///   passes its precomputed constant); computed otherwise.
  public init(n: UInt64, theta: Double, zetaN: Double? = nil) {
    precondition(n >= 1 && theta > 0 && theta < 1)
    self.theta = theta
    alpha = 1 / (1 - theta)
    zeta2 = 1 + pow(0.5, theta)
    halfPowTheta = pow(0.5, theta)
    self.n = n
    etaItems = n
    self.zetaN = zetaN ?? Zeta.value(n: n, theta: theta)
    eta = 0
    nDouble = Double(n)
    eta = Self.eta(n: n, theta: theta, zeta2: zeta2, zetaN: self.zetaN)
  }

  static func eta(n: UInt64, theta: Double, zeta2: Double, zetaN: Double) -> Double {
    n < 2 ? 0 : (1 - pow(2 / Double(n), 1 - theta)) / (1 - zeta2 / zetaN)
  }

  /// Extends the item count as YCSB's `ZipfianGenerator.nextLong(itemcount)` does: ζ gains
  /// only the new terms (its incremental zeta), and η is recomputed from the new ζ but with the
  /// item count of the constructor (`items`), not the new one — so YCSB's `latest`
  /// (SkewedLatestGenerator) is skewed the way YCSB skews it as records are inserted.
  public mutating func grow(to newN: UInt64) {
    guard newN > n else { return }
    zetaN += Zeta.partialSum(from: n + 1, through: newN, theta: theta)
    n = newN
    nDouble = Double(newN)
    eta = Self.eta(n: etaItems, theta: theta, zeta2: zeta2, zetaN: zetaN)
  }

  /// A rank in [0, n) for a uniform `u` in [0, 1).
  @inlinable @inline(__always)
  public func rank(_ u: Double) -> UInt64 {
    let uz = u * zetaN
    if uz < 1 { return 0 }
    if uz < 1 + halfPowTheta { return n > 1 ? 1 : 0 }
    let r = UInt64(bitPattern: Int64(nDouble * math.pow(eta * u - eta + 1, alpha)))  // n ≤ 2^63
    return r < n ? r : n - 1
  }
}

/// ζ(n, θ) = Σ_{i=1..n} 1/i^θ: summed exactly up to 2^24 terms (cached per θ, extended
/// incrementally), with an Euler–Maclaurin tail beyond that so any n is cheap.
enum Zeta {
  static let exactLimit: UInt64 = 1 << 24
  /// Per θ, checkpoints (n, ζ(n)) already computed, ascending.
  static let cache = Mutex<[Double: [(UInt64, Double)]]>([:])

  public static func value(n: UInt64, theta: Double) -> Double {
    let exactN = min(n, exactLimit)
    let exact: Double = cache.withLock { table in
      var points = table[theta] ?? []
      if let hit = points.first(where: { $0.0 == exactN }) { return hit.1 }
      let start = points.last(where: { $0.0 < exactN }) ?? (0, 0)
      let z = start.1 + exactSum(from: start.0 + 1, through: exactN, theta: theta)
      points.append((exactN, z))
      points.sort { $0.0 < $1.0 }
      table[theta] = points
      return z
    }
    return n > exactN ? exact + eulerMaclaurin(from: exactN + 1, through: n, theta: theta) : exact
  }

  /// Σ_{i=a..b} 1/i^θ.
  public static func partialSum(from a: UInt64, through b: UInt64, theta: Double) -> Double {
    guard a <= b else { return 0 }
    return b - a < 1 << 20
      ? exactSum(from: a, through: b, theta: theta)
      : value(n: b, theta: theta) - value(n: a - 1, theta: theta)
  }

  static func exactSum(from a: UInt64, through b: UInt64, theta: Double) -> Double {
    guard a <= b else { return 0 }
    var sum = 0.0
    var i = b  // smallest terms first, for accuracy
    while i >= a {
      sum += 1 / pow(Double(i), theta)
      if i == a { break }
      i -= 1
    }
    return sum
  }

  /// Euler–Maclaurin estimate of Σ_{i=a..b} x^-θ (error far below 1e-12 for a ≥ 2^24).
  static func eulerMaclaurin(from a: UInt64, through b: UInt64, theta: Double) -> Double {
    let (x, y) = (Double(a), Double(b))
    let integral = (pow(y, 1 - theta) - pow(x, 1 - theta)) / (1 - theta)
    let ends = (pow(x, -theta) + pow(y, -theta)) / 2
    let slope = (-theta * pow(y, -theta - 1) + theta * pow(x, -theta - 1)) / 12
    return integral + ends + slope
  }
}
