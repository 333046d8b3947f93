import EngineKit

/// The header of a record in a `TraceTape.Section` (in memory, never in a file): op u8, key
/// length u32, value size u32, scan length u32, unaligned and little-endian, then the key bytes.
///
///     0    1            5            9            13
///     | op | key length | value size | scan length | key …
@usableFromInline struct SectionRecordHeader {
  @usableFromInline static var size: Int { 13 }
  @usableFromInline let base: UnsafeRawPointer

  @inlinable init(_ base: UnsafeRawPointer) { self.base = base }

  /// Writes a header at `p`; the caller checked every field's range.
  static func write(
    to p: UnsafeMutableRawPointer, kind: OpKind, keyLength: Int, valueLength: Int, scanLength: Int
  ) {
    p.storeBytes(of: UInt8(kind.rawValue), as: UInt8.self)
    p.storeBytes(of: UInt32(keyLength).littleEndian, toByteOffset: 1, as: UInt32.self)
    p.storeBytes(of: UInt32(valueLength).littleEndian, toByteOffset: 5, as: UInt32.self)
    p.storeBytes(of: UInt32(scanLength).littleEndian, toByteOffset: 9, as: UInt32.self)
  }

  /// The op (validated when the record was appended).
  @inlinable var kind: OpKind {
    OpKind(rawValue: Int(base.load(as: UInt8.self))).unsafelyUnwrapped
  }
  @inlinable var keyLength: Int { u32(1) }
  @inlinable var valueLength: Int { u32(5) }
  @inlinable var scanLength: Int { u32(9) }
  @inlinable var keyStart: UnsafeRawPointer { base + Self.size }

  @inlinable @inline(__always)
  func u32(_ offset: Int) -> Int {
    Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
  }
}

/// The header of a record in a binary trace file (`TraceReader` describes the format): phase u8
/// (0 load, 1 run), op u8 (`OpKind` raw value), thread u16, key length u32, value size u32, scan
/// length u32, all little-endian, then the key bytes. `TraceWriter` encodes it and `TraceReader`
/// decodes it, both through this type.
///
///     0       1    2        4            8            12            16
///     | phase | op | thread | key length | value size | scan length | key …
struct TraceFileRecordHeader: Equatable {
  static let size = 16

  /// Phase byte: 0 load, 1 run (anything else is damage).
  var phase: UInt8
  /// Op byte: an `OpKind` raw value (anything else is damage).
  var op: UInt8
  var thread: Int
  var keyLength: Int
  var valueSize: Int
  var scanLength: Int

  init(phase: Phase, kind: OpKind, thread: Int, keyLength: Int, valueSize: Int, scanLength: Int) {
    self.phase = phase == .load ? 0 : 1
    self.op = UInt8(kind.rawValue)
    self.thread = thread
    self.keyLength = keyLength
    self.valueSize = valueSize
    self.scanLength = scanLength
  }

  /// Decodes the header at `p` (at least `size` bytes).
  init(decoding p: UnsafeRawPointer) {
    func u32(_ at: Int) -> Int {
      Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }
    phase = p.load(as: UInt8.self)
    op = p.load(fromByteOffset: 1, as: UInt8.self)
    thread = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
    (keyLength, valueSize, scanLength) = (u32(4), u32(8), u32(12))
  }

  /// The phase and op, or nil when either byte is out of range.
  var decoded: (phase: Phase, kind: OpKind)? {
    guard phase <= 1, let kind = OpKind(rawValue: Int(op)) else { return nil }
    return (phase == 0 ? .load : .run, kind)
  }

  /// The header's bytes.
  var bytes: [UInt8] {
    var header = [UInt8](repeating: 0, count: Self.size)
    header[0] = phase
    header[1] = op
    header.withUnsafeMutableBytes { h in
      h.storeBytes(of: UInt16(thread).littleEndian, toByteOffset: 2, as: UInt16.self)
      h.storeBytes(of: UInt32(keyLength).littleEndian, toByteOffset: 4, as: UInt32.self)
      h.storeBytes(of: UInt32(valueSize).littleEndian, toByteOffset: 8, as: UInt32.self)
      h.storeBytes(of: UInt32(scanLength).littleEndian, toByteOffset: 12, as: UInt32.self)
    }
    return header
  }
}
