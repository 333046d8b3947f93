import EngineKit
import Foundation

/// A recorded operation stream in memory: per phase, per thread, the exact operations (kind, key
/// bytes, value length, scan length). Values are not stored: replay writes a stamped value of the
/// recorded length. A `list` op records its prefix as the key, its page size as the scan length
/// and its delimiter byte as the value size. Read from a trace file (`TraceReader`; the formats
/// are described there) or filled from a generated stream (`pregenerate`).
public final class TraceTape: Sendable {
  /// One thread's operations of one phase in one block of raw memory, each record a
  /// `SectionRecordHeader` then the key bytes. Sized before it is filled, so building one never
  /// copies.
  public final class Section: @unchecked Sendable {
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
    public static func size(keyLength: Int) -> Int { SectionRecordHeader.size + keyLength }

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
        SectionRecordHeader.write(
          to: bytes + used, kind: kind, keyLength: key.count, valueLength: valueLength,
          scanLength: scanLength)
        if let base = key.baseAddress {
          (bytes + used + SectionRecordHeader.size).copyMemory(from: base, byteCount: key.count)
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

    /// A reader of the records from the first (validated when they were appended); the section
    /// must outlive it.
    @usableFromInline var cursor: Cursor { cursor(at: 0) }

    @inlinable @inline(__always)
    func cursor(at offset: Int) -> Cursor {
      Cursor(bytes: UnsafeRawPointer(bytes), used: used, offset: offset)
    }

    /// Reads a section's records in order, in place. Holds no reference (so copying or
    /// advancing it costs no reference counting): whoever holds the cursor keeps the section.
    @usableFromInline struct Cursor {
      @usableFromInline let bytes: UnsafeRawPointer
      @usableFromInline let used: Int
      @usableFromInline var offset: Int
      @inlinable init(bytes: UnsafeRawPointer, used: Int, offset: Int) {
        self.bytes = bytes
        self.used = used
        self.offset = offset
      }

      /// The record at the cursor, or nil past the last.
      @inlinable @inline(__always)
      func record() -> Record? {
        guard offset < used else { return nil }
        let header = SectionRecordHeader(bytes + offset)
        let keyLength = header.keyLength
        return Record(
          kind: header.kind,
          key: UnsafeRawBufferPointer(start: header.keyStart, count: keyLength),
          valueLength: header.valueLength, scanLength: header.scanLength,
          next: offset &+ SectionRecordHeader.size &+ keyLength)
      }

      /// The record at the cursor, moving past it; nil past the last.
      @inlinable @inline(__always)
      mutating func next() -> Record? {
        guard let r = record() else { return nil }
        offset = r.next
        return r
      }
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
