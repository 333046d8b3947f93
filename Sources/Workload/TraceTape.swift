import EngineKit
import Foundation

/// A recorded operation stream in memory: per phase, per thread, the exact operations (kind, key
/// bytes, value length, scan length). Values are not stored: replay writes a stamped value of the
/// recorded length. A `list` op records its prefix as the key, its page size as the scan length
/// and its delimiter byte as the value size. Read from a trace file (`TraceReader`; the formats
/// are described there) or filled from a generated stream (`pregenerate`).
public final class TraceTape: Sendable {
  /// One thread's operations of one phase in one block of raw memory, packed as op u8, key
  /// length u32, value size u32, scan length u32, key bytes. Sized before it is filled, so
  /// building one never copies.
  public final class Section: @unchecked Sendable {
    static let headerSize = 13
    @usableFromInline let bytes: UnsafeMutableRawPointer
    let capacity: Int
    public let used: Int
    public let count: Int
    public let maxKeyLength: Int
    public let maxValueLength: Int

    /// Takes over what `writer` packed.
    init(_ writer: Writer) {
      bytes = writer.bytes
      capacity = writer.capacity
      used = writer.used
      count = writer.count
      maxKeyLength = writer.maxKeyLength
      maxValueLength = writer.maxValueLength
    }
    deinit { bytes.deallocate() }

    /// Bytes one record takes in a section.
    public static func size(keyLength: Int) -> Int { headerSize + keyLength }

    /// Packs records into memory sized up front (a value, so filling it needs no exclusivity
    /// checks); `Section(writer)` then owns the memory.
    struct Writer {
      let bytes: UnsafeMutableRawPointer
      let capacity: Int
      var used = 0
      var count = 0
      var maxKeyLength = 0
      var maxValueLength = 0

      init(capacity: Int) {
        self.capacity = capacity
        bytes = .allocate(byteCount: max(capacity, 1), alignment: 8)
      }

      mutating func append(
        _ kind: OpKind, key: UnsafeRawBufferPointer, valueLength: Int, scanLength: Int
      ) {
        precondition(
          used + Section.size(keyLength: key.count) <= capacity, "trace section overflow")
        let p = bytes + used
        p.storeBytes(of: UInt8(kind.rawValue), as: UInt8.self)
        p.storeBytes(of: UInt32(key.count).littleEndian, toByteOffset: 1, as: UInt32.self)
        p.storeBytes(of: UInt32(valueLength).littleEndian, toByteOffset: 5, as: UInt32.self)
        p.storeBytes(of: UInt32(scanLength).littleEndian, toByteOffset: 9, as: UInt32.self)
        if let base = key.baseAddress {
          (p + Section.headerSize).copyMemory(from: base, byteCount: key.count)
        }
        used += Section.size(keyLength: key.count)
        count += 1
        maxKeyLength = max(maxKeyLength, key.count)
        if kind != .list { maxValueLength = max(maxValueLength, valueLength) }
      }
    }

    @usableFromInline struct Record {
      @usableFromInline var kind: OpKind
      @usableFromInline var key: UnsafeRawBufferPointer
      @usableFromInline var valueLength: Int
      @usableFromInline var scanLength: Int
      @usableFromInline var next: Int
      @inlinable init(
        kind: OpKind, key: UnsafeRawBufferPointer, valueLength: Int, scanLength: Int, next: Int
      ) {
        self.kind = kind
        self.key = key
        self.valueLength = valueLength
        self.scanLength = scanLength
        self.next = next
      }
    }

    /// The record at `offset` (0, then each record's `next`); nil past the last. Records were
    /// validated when they were appended.
    @inlinable @inline(__always)
    func record(at offset: Int) -> Record? {
      guard offset < used else { return nil }
      let p = UnsafeRawPointer(bytes + offset)
      let kind = OpKind(rawValue: Int(p.load(as: UInt8.self))).unsafelyUnwrapped
      let keyLength = Int(p.loadUnaligned(fromByteOffset: 1, as: UInt32.self).littleEndian)
      let value = Int(p.loadUnaligned(fromByteOffset: 5, as: UInt32.self).littleEndian)
      let scan = Int(p.loadUnaligned(fromByteOffset: 9, as: UInt32.self).littleEndian)
      return Record(
        kind: kind, key: UnsafeRawBufferPointer(start: p + 13, count: keyLength),
        valueLength: value, scanLength: scan, next: offset &+ 13 &+ keyLength)
    }
  }

  /// Sections per phase, indexed by thread.
  public let load: [Section]
  public let run: [Section]

  /// Operation types that occur anywhere in the trace.
  public let kinds: Set<OpKind>

  /// The longest key and largest value, with the record (0-based, in file order) that holds it,
  /// so a limit error can name it.
  public let longestKey: (length: Int, record: Int)
  public let largestValue: (length: Int, record: Int)
  /// The largest key + value of one record.
  public let largestEntry: (length: Int, record: Int)

  public init(
    load: [Section], run: [Section], kinds: Set<OpKind>,
    longestKey: (length: Int, record: Int) = (0, 0),
    largestValue: (length: Int, record: Int) = (0, 0),
    largestEntry: (length: Int, record: Int) = (0, 0)
  ) {
    self.load = load
    self.run = run
    self.kinds = kinds
    self.longestKey = longestKey
    self.largestValue = largestValue
    self.largestEntry = largestEntry
  }

  public func sections(_ phase: Phase) -> [Section] { phase == .load ? load : run }

  /// Bytes the tape holds in memory.
  public var byteCount: Int { (load + run).reduce(0) { $0 + $1.capacity } }

  /// Reads a trace file (binary or CSV, recognised by content) in two streaming passes: the
  /// first sizes every section, the second fills them, so memory stays at the records' size.
  public static func read(path: String) throws -> TraceTape {
    try TraceReader(path: path).read()
  }
}

extension TraceTape.Section {
  /// The next `count` operations of `stream` (fewer if it ends), generated into memory.
  public convenience init(
    pregenerating count: Int, of stream: inout OperationStream, keyLength: Int
  ) {
    var writer = Writer(capacity: count * Self.size(keyLength: keyLength))
    for _ in 0..<count {
      guard let op = stream.next() else { break }
      writer.append(
        op.kind, key: op.key, valueLength: op.recordedValueSize, scanLength: op.scanLength)
    }
    self.init(writer)
  }
}
