import EngineKit

/// How the `onode` key shape lays out Ceph onode keys (see workloads/README.md).
public struct OnodeShape: Codable, Sendable, Equatable {
  public enum Layout: String, Codable, Sendable, CaseIterable {
    /// Objects with hashed placement: key k is version k % versions of object k / versions.
    case objects
    /// Ceph's perf tool grid (perf_staged_fltree): shard = pool = crush = i, names j, versions k.
    case grid
  }
  public var layout: Layout = .objects
  /// objects: pools, and placement groups (crush values of one PG sort together).
  public var pools = 1
  public var pgs = 128
  /// objects: objects sharing one crush value (1 = distinct hashes; more = hash conflicts).
  public var objectsPerCrush = 1
  /// objects: namespaces (namespace 0 is empty) and their length.
  public var namespaces = 1
  public var namespaceLength = 8
  /// objects: object-name lengths, drawn per object.
  public var nameLength = 16...64
  /// Versions per object (snap/gen); in `objects` the last is the head (NOSNAP, NO_GEN).
  public var versions = 1
  /// grid: placements (i < 128) and names per placement (name 0 is empty).
  public var placements = 128
  public var names = 10
  /// grid: namespace and object-name lengths, picked per (placement, name) from these lists.
  public var namespaceSizes = [8, 11, 64, 128, 255, 256]
  public var nameSizes = [8, 13, 64, 512, 2035, 2048]
  /// grid: the first index of each range, as the `range.first` of crimson's KVPool
  /// (tree_utils.h): placements from..<from + placements, names and versions likewise.
  public var gridFrom = 0
  /// grid: how the two lengths are picked per (placement, name).
  public enum SizePick: String, Codable, Sendable, CaseIterable {
    /// Namespace size (i + j) % count, name size (7i + j) % count.
    case cycled
    /// Each drawn on its own from a hash of (i, j), as KVPool draws both with `rd() % count`.
    case drawn
  }
  public var sizePick = SizePick.cycled

  public init() {}

  /// The records this shape defines in `grid` (the product of its ranges).
  public var gridRecords: Int { placements * names * versions }

  /// The longest encoded key.
  public var maximumLength: Int {
    switch layout {
    case .objects:
      return OnodeKey.encodingOverhead + max(namespaceLength, 2 + digits(namespaces))
        + max(nameLength.upperBound, 4 + 20)
    case .grid:
      return OnodeKey.encodingOverhead + max(namespaceSizes.max() ?? 0, 12)
        + max(nameSizes.max() ?? 0, 13)
    }
  }

  private func digits(_ n: Int) -> Int { String(n).count }
}

/// Writes the onode key for key number `k` straight into the output (no allocation).
@usableFromInline struct OnodeKeyWriter: Sendable {
  let shape: OnodeShape
  /// With hashed insert order, the grid is inserted in a scattered order.
  let order: ScatteredOrder

  init(shape: OnodeShape, hashed: Bool) {
    self.shape = shape
    order = ScatteredOrder(size: shape.gridRecords, scattered: hashed && shape.layout == .grid)
  }

  @usableFromInline func encode(_ key: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    let k = shape.layout == .grid ? order.map(key) : key
    let v = Int(k % UInt64(shape.versions))
    let shard: Int8
    let pool: Int64
    let crush: UInt32
    let snap: UInt64
    let gen: UInt64
    var o = OnodeKey.placementLength
    switch shape.layout {
    case .objects:
      let object = k / UInt64(shape.versions)
      let group = object / UInt64(shape.objectsPerCrush)
      let j = Int(mix64(object ^ 0x6E73) % UInt64(shape.namespaces))
      o = name("ns", j, length: j == 0 ? 0 : shape.namespaceLength, out, o)
      let span = UInt64(shape.nameLength.count)
      let length = shape.nameLength.lowerBound + Int(mix64(object ^ 0x6F69_64) % span)
      o = name("obj_", Int(object), length: length, out, o)
      shard = -1
      pool = Int64(mix64(group ^ 0x706F_6F6C) % UInt64(shape.pools))
      crush = UInt32(truncatingIfNeeded: mix64(group ^ 0x6F6E_6F64)).bitReversed
      let head = v == shape.versions - 1
      (snap, gen) = (head ? OnodeKey.noSnap : UInt64(v + 1), OnodeKey.noGen)
    case .grid:
      let from = shape.gridFrom
      let j = Int(k / UInt64(shape.versions)) % shape.names + from
      let i = Int(k / UInt64(shape.versions * shape.names)) + from
      let (nsSizes, oidSizes) = (shape.namespaceSizes, shape.nameSizes)
      let (nsPick, oidPick): (Int, Int)
      switch shape.sizePick {
      case .cycled: (nsPick, oidPick) = (i + j, i * 7 + j)
      case .drawn:
        let ij = UInt64(i) << 32 | UInt64(j)
        (nsPick, oidPick) = (
          Int(mix64(ij ^ 0x6E73_5F73_697A_6500) % UInt64(nsSizes.count)),
          Int(mix64(ij ^ 0x6F69_645F_7369_7A65) % UInt64(oidSizes.count))
        )
      }
      o = name("ns", j, length: j == 0 ? 0 : nsSizes[nsPick % nsSizes.count], out, o)
      o = name("oid", j, length: j == 0 ? 0 : oidSizes[oidPick % oidSizes.count], out, o)
      (shard, pool, crush) = (Int8(truncatingIfNeeded: i), Int64(i), UInt32(i))
      (snap, gen) = (UInt64(v + from), UInt64(v + from))
    }
    OnodeKeyView.putPlacement(shard: shard, pool: pool, crush: crush, out)
    return OnodeKeyView.putVersion(snap: snap, gen: gen, out, at: o)
  }

  /// Writes a name at `out + o` — `prefix` + decimal `n`, padded with '_' to `length` (empty when
  /// `length` is 0) — and its 0x00 terminator; returns the offset after them.
  private func name(
    _ prefix: StaticString, _ n: Int, length: Int, _ out: UnsafeMutableRawPointer, _ o: Int
  ) -> Int {
    guard length > 0 else {
      out.storeBytes(of: 0, toByteOffset: o, as: UInt8.self)
      return o + 1
    }
    var p = o
    (out + p).copyMemory(from: prefix.utf8Start, byteCount: prefix.utf8CodeUnitCount)
    p += prefix.utf8CodeUnitCount
    p += writeDecimal(UInt64(n), width: 1, to: out + p)
    if p - o < length {
      (out + p).initializeMemory(as: UInt8.self, repeating: 95, count: length - (p - o))
      p = o + length
    }
    out.storeBytes(of: 0, toByteOffset: p, as: UInt8.self)
    return p + 1
  }
}

extension UInt32 {
  /// The bits in reverse order (Ceph sorts objects by the reversed hash, so a PG is contiguous).
  var bitReversed: UInt32 {
    var x = self
    x = (x & 0x5555_5555) << 1 | (x >> 1) & 0x5555_5555
    x = (x & 0x3333_3333) << 2 | (x >> 2) & 0x3333_3333
    x = (x & 0x0F0F_0F0F) << 4 | (x >> 4) & 0x0F0F_0F0F
    return x.byteSwapped
  }
}
