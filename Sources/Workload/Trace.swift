import EngineKit
import Foundation

/// A recorded operation stream: per phase, per thread, the exact operations (kind, key bytes,
/// value length, scan length). Values are not stored: replay writes a stamped value of the
/// recorded length. A `list` op records its prefix as the key, its page size as the scan length
/// and its delimiter byte as the value size. Two interchangeable file forms:
///
/// - CSV (`.csv`): header `phase,thread,op,key_hex,value_size,scan_length`, one op per line.
/// - Binary (anything else): magic `TBTRACE1`, then per op: phase u8 (0 load, 1 run), op u8
///   (`OpKind` raw value), thread u16, key length u32, value size u32, scan length u32 (all
///   little-endian), then the key bytes.
public final class TraceTape: Sendable {
  /// One thread's operations of one phase, packed as op u8, key length u32, value size u32,
  /// scan length u32, key bytes.
  public final class Section: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer
    public let count: Int
    public let maxKeyLength: Int
    public let maxValueLength: Int

    init(_ data: [UInt8], count: Int, maxKey: Int, maxValue: Int) {
      let storage = UnsafeMutableRawBufferPointer.allocate(
        byteCount: max(data.count, 1), alignment: 8)
      data.withUnsafeBytes { storage.copyMemory(from: $0) }
      bytes = storage
      self.count = count
      maxKeyLength = maxKey
      maxValueLength = maxValue
    }
    deinit { bytes.deallocate() }

    @usableFromInline struct Record {
      @usableFromInline var kind: OpKind
      @usableFromInline var key: UnsafeRawBufferPointer
      @usableFromInline var valueLength: Int
      @usableFromInline var scanLength: Int
      @usableFromInline var next: Int
    }

    @usableFromInline func record(at offset: Int) -> Record? {
      guard offset + 13 <= bytes.count, count > 0 else { return nil }
      let b = UnsafeRawBufferPointer(bytes)
      let kind = OpKind(rawValue: Int(b[offset])) ?? .read
      let keyLength = Int(b.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self).littleEndian)
      let value = Int(b.loadUnaligned(fromByteOffset: offset + 5, as: UInt32.self).littleEndian)
      let scan = Int(b.loadUnaligned(fromByteOffset: offset + 9, as: UInt32.self).littleEndian)
      let key = UnsafeRawBufferPointer(rebasing: b[(offset + 13)..<(offset + 13 + keyLength)])
      return Record(
        kind: kind, key: key, valueLength: value, scanLength: scan, next: offset + 13 + keyLength)
    }
  }

  /// Sections per phase, indexed by thread.
  public let load: [Section]
  public let run: [Section]

  /// Operation types that occur anywhere in the trace.
  public let kinds: Set<OpKind>

  public init(load: [Section], run: [Section], kinds: Set<OpKind>) {
    self.load = load
    self.run = run
    self.kinds = kinds
  }

  public func sections(_ phase: Phase) -> [Section] { phase == .load ? load : run }

  /// Accumulates records into sections.
  struct Builder {
    var data: [Phase: [Int: ([UInt8], Int, Int, Int)]] = [:]
    var kinds: Set<OpKind> = []
    mutating func add(
      phase: Phase, thread: Int, kind: OpKind, key: UnsafeRawBufferPointer, valueLength: Int,
      scanLength: Int
    ) {
      var (bytes, n, mk, mv) = data[phase, default: [:]][thread] ?? ([], 0, 0, 0)
      bytes.append(UInt8(kind.rawValue))
      kinds.insert(kind)
      for v in [key.count, valueLength, scanLength] {
        withUnsafeBytes(of: UInt32(v).littleEndian) { bytes.append(contentsOf: $0) }
      }
      bytes.append(contentsOf: key)
      let value = kind == .list ? 0 : valueLength
      data[phase, default: [:]][thread] = (bytes, n + 1, max(mk, key.count), max(mv, value))
    }
    func build() -> TraceTape {
      func sections(_ p: Phase) -> [Section] {
        let byThread = data[p] ?? [:]
        let n = (byThread.keys.max() ?? -1) + 1
        return (0..<n).map { t in
          let (b, c, k, v) = byThread[t] ?? ([], 0, 0, 0)
          return Section(b, count: c, maxKey: k, maxValue: v)
        }
      }
      return TraceTape(load: sections(.load), run: sections(.run), kinds: kinds)
    }
  }

  static let magic = Array("TBTRACE1".utf8)
  static let csvHeader = "phase,thread,op,key_hex,value_size,scan_length"

  /// Reads a trace file (binary or CSV, recognised by content).
  public static func read(path: String) throws -> TraceTape {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SpecError(
        file: path, line: nil, field: "(trace)",
        message: "cannot read the trace file; check the path")
    }
    let bytes = [UInt8](data)
    return bytes.starts(with: magic)
      ? try readBinary(bytes, path: path)
      : try readCSV(String(decoding: bytes, as: UTF8.self), path: path)
  }

  static func readBinary(_ b: [UInt8], path: String) throws -> TraceTape {
    var builder = Builder()
    var o = magic.count
    var index = 0
    func u32(_ at: Int) -> Int {
      Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
    }
    while o < b.count {
      guard o + 16 <= b.count else {
        throw SpecError(
          file: path, line: nil, field: "record \(index)",
          message: "truncated record header; the trace is damaged")
      }
      guard b[o] <= 1, let kind = OpKind(rawValue: Int(b[o + 1])) else {
        throw SpecError(
          file: path, line: nil, field: "record \(index)",
          message: "bad phase or op byte; the trace is damaged")
      }
      let thread = Int(b[o + 2]) | Int(b[o + 3]) << 8
      let (kl, vl, sl) = (u32(o + 4), u32(o + 8), u32(o + 12))
      guard kind != .list || vl <= 255 else {
        throw SpecError(
          file: path, line: nil, field: "record \(index)",
          message: "a list op's delimiter is over 255; the trace is damaged")
      }
      guard o + 16 + kl <= b.count else {
        throw SpecError(
          file: path, line: nil, field: "record \(index)",
          message: "truncated key; the trace is damaged")
      }
      b.withUnsafeBytes { raw in
        builder.add(
          phase: b[o] == 0 ? .load : .run, thread: thread, kind: kind,
          key: UnsafeRawBufferPointer(rebasing: raw[(o + 16)..<(o + 16 + kl)]), valueLength: vl,
          scanLength: sl)
      }
      o += 16 + kl
      index += 1
    }
    return builder.build()
  }

  static func readCSV(_ text: String, path: String) throws -> TraceTape {
    var builder = Builder()
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if i == 0 {
        guard line == csvHeader else {
          throw SpecError(
            file: path, line: 1, field: "(header)",
            message: "not a TreeBench trace: expected '\(csvHeader)' or a binary trace")
        }
        continue
      }
      if line.isEmpty { continue }
      let f = line.split(separator: ",", omittingEmptySubsequences: false)
      func bad(_ field: String, _ why: String) -> SpecError {
        SpecError(file: path, line: i + 1, field: field, message: why)
      }
      guard f.count == 6 else { throw bad("(line)", "expected 6 comma-separated fields") }
      guard let phase = Phase(rawValue: String(f[0])) else {
        throw bad("phase", "'\(f[0])' is not load | run")
      }
      guard let thread = Int(f[1]), (0..<65536).contains(thread) else {
        throw bad("thread", "'\(f[1])' is not a thread index 0...65535")
      }
      guard let kind = OpKind(name: String(f[2])) else {
        throw bad(
          "op", "'\(f[2])' is not one of \(OpKind.allCases.map(\.name).joined(separator: ", "))")
      }
      guard let key = decodeHex(f[3]) else { throw bad("key_hex", "not an even-length hex string") }
      guard let vl = Int(f[4]), vl >= 0, let sl = Int(f[5]), sl >= 0 else {
        throw bad("value_size", "sizes must be whole numbers ≥ 0")
      }
      if kind == .list && vl > 255 {
        throw bad("value_size", "a list op's value_size is its delimiter byte, 0...255")
      }
      key.withUnsafeBytes {
        builder.add(
          phase: phase, thread: thread, kind: kind, key: $0, valueLength: vl, scanLength: sl)
      }
    }
    return builder.build()
  }

  static func decodeHex(_ s: Substring) -> [UInt8]? {
    let u = Array(s.utf8)
    guard u.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case 48...57: return c - 48
      case 97...102: return c - 87
      case 65...70: return c - 55
      default: return nil
      }
    }
    var out = [UInt8]()
    out.reserveCapacity(u.count / 2)
    var i = 0
    while i < u.count {
      guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
      out.append(h << 4 | l)
      i += 2
    }
    return out
  }
}

/// Writes the exact operation stream of a spec (load, then `runOperations` split over
/// `runThreads` threads) as a trace.
public struct TraceWriter {
  public enum Format: String, Sendable { case csv, binary }

  public static func write(
    spec: WorkloadSpec, runThreads: Int, runOperations: Int, format: Format, to path: String
  ) throws -> Int {
    var out = [UInt8]()
    if format == .binary {
      out += TraceTape.magic
    } else {
      out += Array((TraceTape.csvHeader + "\n").utf8)
    }
    var written = 0
    func emit(_ phase: Phase, _ thread: Int, _ op: Operation) {
      written += 1
      switch format {
      case .binary:
        out.append(phase == .load ? 0 : 1)
        out.append(UInt8(op.kind.rawValue))
        withUnsafeBytes(of: UInt16(thread).littleEndian) { out.append(contentsOf: $0) }
        for v in [op.key.count, op.recordedValueSize, op.scanLength] {
          withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: op.key)
      case .csv:
        out += Array(
          "\(phase.rawValue),\(thread),\(op.kind.name),\(hexString(op.key)),\(op.recordedValueSize),\(op.scanLength)\n"
            .utf8)
      }
    }
    for t in 0..<spec.loadThreads {
      var s = OperationStream(spec: spec, phase: .load, thread: t, threads: spec.loadThreads)
      while let op = s.next() { emit(.load, t, op) }
    }
    for t in 0..<runThreads {
      var s = OperationStream(spec: spec, phase: .run, thread: t, threads: runThreads)
      let share = runOperations / runThreads + (t < runOperations % runThreads ? 1 : 0)
      for _ in 0..<share { emit(.run, t, s.next()!) }
    }
    try AtomicFile.write(Data(out), to: path)
    return written
  }
}

extension Operation {
  /// The trace's value-size field: the value's length, or a listing's delimiter.
  var recordedValueSize: Int { kind == .list ? Int(delimiter) : value.count }
}

/// Writes files atomically: a temporary file in the same directory, then `rename`.
public enum AtomicFile {
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let tmp = url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(getpid())")
    try data.write(to: tmp)
    if rename(tmp.path, url.path) != 0 {
      try? FileManager.default.removeItem(at: tmp)
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
  }

  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}
