/// A Ceph onode key: the fields of `ghobject_t` that order the onode tree (staged-tree.md §1).
///
/// Every engine sees onode keys through one order-preserving byte encoding, so all engines agree
/// on their order and the staged tree can take the fields back out:
///
///     [shard ^ 0x80] [pool ^ 1<<63, big-endian 8] [crush, big-endian 4]
///     [nspace] 0x00 [oid] 0x00 [snap, big-endian 8] [gen, big-endian 8]
///
/// Names must not contain 0x00 (the terminator keeps "memcmp, then length" order).
public struct OnodeKey: Hashable, Comparable, Sendable {
  public var shard: Int8
  public var pool: Int64
  public var crush: UInt32
  public var nspace: [UInt8]
  public var oid: [UInt8]
  public var snap: UInt64
  public var gen: UInt64

  /// The head version (Ceph's NOSNAP and NO_GEN).
  public static let noSnap: UInt64 = .max - 1
  public static let noGen: UInt64 = .max
  /// Bytes the encoding adds to the two names.
  public static let encodingOverhead = 31
  /// The placement (shard, pool, crush) is the encoding's first bytes.
  public static let placementLength = 13

  public init(
    shard: Int8 = -1, pool: Int64 = 0, crush: UInt32 = 0, nspace: [UInt8] = [], oid: [UInt8],
    snap: UInt64 = noSnap, gen: UInt64 = noGen
  ) {
    (self.shard, self.pool, self.crush) = (shard, pool, crush)
    (self.nspace, self.oid, self.snap, self.gen) = (nspace, oid, snap, gen)
  }

  /// The fields of an encoded key; nil when `bytes` is not one.
  public init?(decoding bytes: UnsafeRawBufferPointer) {
    guard let v = OnodeKeyView(encoded: bytes) else { return nil }
    self.init(
      shard: v.shard, pool: v.pool, crush: v.crush, nspace: Array(v.nspace), oid: Array(v.oid),
      snap: v.snap, gen: v.gen)
  }

  public var encoded: [UInt8] {
    var out = [UInt8](repeating: 0, count: Self.encodingOverhead + nspace.count + oid.count)
    out.withUnsafeMutableBytes { _ = encode(into: $0.baseAddress!) }
    return out
  }

  /// Writes the encoding at `out` (31 + names bytes); returns its length.
  @discardableResult
  public func encode(into out: UnsafeMutableRawPointer) -> Int {
    nspace.withUnsafeBytes { ns in
      oid.withUnsafeBytes { o in
        OnodeKeyView(
          shard: shard, pool: pool, crush: crush, nspace: ns, oid: o, snap: snap, gen: gen
        ).encode(into: out)
      }
    }
  }

  public static func < (a: OnodeKey, b: OnodeKey) -> Bool {
    (a.shard, a.pool, a.crush) != (b.shard, b.pool, b.crush)
      ? (a.shard, a.pool, a.crush) < (b.shard, b.pool, b.crush)
      : a.nspace != b.nspace
        ? a.nspace.lexicographicallyPrecedes(b.nspace)
        : a.oid != b.oid
          ? a.oid.lexicographicallyPrecedes(b.oid) : (a.snap, a.gen) < (b.snap, b.gen)
  }
}

/// An onode key whose names are borrowed bytes (no allocation).
public struct OnodeKeyView {
  public var shard: Int8
  public var pool: Int64
  public var crush: UInt32
  public var nspace: UnsafeRawBufferPointer
  public var oid: UnsafeRawBufferPointer
  public var snap: UInt64
  public var gen: UInt64

  @inlinable
  public init(
    shard: Int8, pool: Int64, crush: UInt32, nspace: UnsafeRawBufferPointer,
    oid: UnsafeRawBufferPointer, snap: UInt64, gen: UInt64
  ) {
    (self.shard, self.pool, self.crush) = (shard, pool, crush)
    (self.nspace, self.oid, self.snap, self.gen) = (nspace, oid, snap, gen)
  }

  /// Parses the byte encoding; nil unless `bytes` is exactly one encoded key.
  @inlinable
  public init?(encoded bytes: UnsafeRawBufferPointer) {
    let n = bytes.count
    guard n >= OnodeKey.encodingOverhead, let p = bytes.baseAddress else { return nil }
    guard let nsEnd = Self.zero(p, from: OnodeKey.placementLength, to: n - 17),
      let oidEnd = Self.zero(p, from: nsEnd + 1, to: n - 16), oidEnd == n - 17
    else { return nil }
    (shard, pool, crush) = Self.placement(p)
    let names = OnodeKey.placementLength
    nspace = UnsafeRawBufferPointer(start: p + names, count: nsEnd - names)
    oid = UnsafeRawBufferPointer(start: p + nsEnd + 1, count: oidEnd - nsEnd - 1)
    snap = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: n - 16, as: UInt64.self))
    gen = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
  }

  /// The placement fields from the encoding's first `OnodeKey.placementLength` bytes.
  @inlinable
  public static func placement(_ p: UnsafeRawPointer) -> (shard: Int8, pool: Int64, crush: UInt32) {
    (
      Int8(bitPattern: p.load(as: UInt8.self) ^ 0x80),
      Int64(
        bitPattern: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 1, as: UInt64.self)) ^ 1 << 63
      ),
      UInt32(bigEndian: p.loadUnaligned(fromByteOffset: 9, as: UInt32.self))
    )
  }

  /// The offset of the first 0x00 in `p[from..<to]`.
  @inlinable static func zero(_ p: UnsafeRawPointer, from: Int, to: Int) -> Int? {
    guard from < to, let z = memchr(p + from, 0, to - from) else { return nil }
    return UnsafeRawPointer(z) - p
  }

  /// Writes the encoding at `out`; returns its length.
  @inlinable @discardableResult
  public func encode(into out: UnsafeMutableRawPointer) -> Int {
    Self.putPlacement(shard: shard, pool: pool, crush: crush, out)
    let o = Self.put(oid, out, at: Self.put(nspace, out, at: OnodeKey.placementLength))
    return Self.putVersion(snap: snap, gen: gen, out, at: o)
  }

  /// Writes the placement, the encoding's first `OnodeKey.placementLength` bytes, at `out`.
  @inlinable public static func putPlacement(
    shard: Int8, pool: Int64, crush: UInt32, _ out: UnsafeMutableRawPointer
  ) {
    out.storeBytes(of: UInt8(bitPattern: shard) ^ 0x80, as: UInt8.self)
    out.storeBytes(
      of: (UInt64(bitPattern: pool) ^ 1 << 63).bigEndian, toByteOffset: 1, as: UInt64.self)
    out.storeBytes(of: crush.bigEndian, toByteOffset: 9, as: UInt32.self)
  }

  /// Writes the version (snap, gen) at `out + o`, after the names; returns the key's length.
  @inlinable public static func putVersion(
    snap: UInt64, gen: UInt64, _ out: UnsafeMutableRawPointer, at o: Int
  ) -> Int {
    out.storeBytes(of: snap.bigEndian, toByteOffset: o, as: UInt64.self)
    out.storeBytes(of: gen.bigEndian, toByteOffset: o + 8, as: UInt64.self)
    return o + 16
  }

  /// Writes `name` and its 0x00 terminator at `out + o`; returns the offset after them.
  @inlinable public static func put(
    _ name: UnsafeRawBufferPointer, _ out: UnsafeMutableRawPointer, at o: Int
  )
    -> Int
  {
    if name.count > 0 { (out + o).copyMemory(from: name.baseAddress!, byteCount: name.count) }
    out.storeBytes(of: 0, toByteOffset: o + name.count, as: UInt8.self)
    return o + name.count + 1
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
