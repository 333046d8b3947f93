/// File-system / object-store paths generated as a directory tree (`keys: {shape: path, …}`):
/// `depth` levels of directories with `fanout` children each, `files` files in every leaf
/// directory, names padded to `name_length`. Key k is file k % files of leaf directory
/// k / files, so ordered key numbers are paths in sorted order; with hashed insert order the
/// tree is inserted in a scattered order (a fixed permutation).
public struct PathShape: Codable, Sendable, Equatable {
  public var depth = 3
  public var fanout = 10
  public var files = 100
  public var nameLength = 8

  public init() {}

  /// Files the tree holds: fanout^depth × files.
  public var capacity: Int {
    var n = files
    for _ in 0..<depth { n = n.multipliedReportingOverflow(by: fanout).partialValue }
    return n
  }

  /// `/` + depth directory names + the file name, each padded to `name_length`.
  public var maximumLength: Int { (depth + 1) * (1 + max(nameLength, 21)) }
}

/// Writes the path for key number `k` (no allocation).
@usableFromInline struct PathKeyWriter: Sendable {
  let shape: PathShape
  let order: ScatteredOrder

  init(shape: PathShape, hashed: Bool) {
    self.shape = shape
    order = ScatteredOrder(size: shape.capacity, scattered: hashed)
  }

  @usableFromInline func encode(_ key: UInt64, into out: UnsafeMutableRawPointer) -> Int {
    let k = order.map(key)
    var dir = k / UInt64(shape.files)
    let file = k % UInt64(shape.files)
    // Directory digits, most significant level first.
    var o = 0
    var levels: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
      0, 0, 0, 0, 0, 0, 0, 0
    )
    withUnsafeMutableBytes(of: &levels) { raw in
      let l = raw.bindMemory(to: UInt64.self)
      for i in Swift.stride(from: shape.depth - 1, through: 0, by: -1) {
        l[i] = dir % UInt64(shape.fanout)
        dir /= UInt64(shape.fanout)
      }
      for i in 0..<shape.depth { o = component(UInt8(ascii: "d"), l[i], out, o) }
    }
    return component(UInt8(ascii: "f"), file, out, o)
  }

  /// Writes `/` + letter + zero-padded decimal `n` (padded to `name_length`); returns the end.
  private func component(_ letter: UInt8, _ n: UInt64, _ out: UnsafeMutableRawPointer, _ o: Int)
    -> Int
  {
    out.storeBytes(of: UInt8(ascii: "/"), toByteOffset: o, as: UInt8.self)
    out.storeBytes(of: letter, toByteOffset: o + 1, as: UInt8.self)
    return o + 2 + writeDecimal(n, width: shape.nameLength - 1, to: out + o + 2)
  }
}
