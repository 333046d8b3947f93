import EngineKit
import Foundation

/// Reads trace files. Two interchangeable forms, recognised by content:
///
/// - CSV: header `phase,thread,op,key_hex,value_size,scan_length`, one op per line (LF or CRLF).
/// - Binary: magic `TBTRACE1`, then per op a `TraceFileRecordHeader` — phase u8 (0 load, 1 run),
///   op u8 (`OpKind` raw value), thread u16, key length u32, value size u32, scan length u32 (all
///   little-endian) — then the key bytes.
///
/// Every field is range-checked (`Limits`); a bad record is a `SpecError` naming the record (or
/// line) and the fix. The file is streamed through a fixed buffer twice: once to size each
/// thread's section, once to fill it, so reading takes the records' size in memory and no more.
struct TraceReader {
  static let magic = Array("TBTRACE1".utf8)
  static let csvHeader = "phase,thread,op,key_hex,value_size,scan_length"

  let path: String

  /// One record as read, before it is placed in its section.
  struct Record {
    var phase: Phase
    var thread: Int
    var kind: OpKind
    var key: UnsafeRawBufferPointer
    var valueLength: Int
    var scanLength: Int
  }

  func read() throws -> TraceTape {
    // Pass 1: bytes per (phase, thread), the kinds and the extremes.
    var sizes: [[Int]] = [[], []]
    var kinds: UInt32 = 0  // bit per OpKind raw value
    var longestKey = (length: 0, record: 0)
    var largestValue = (length: 0, record: 0)
    var largestEntry = (length: 0, record: 0)
    try forEachRecord { r, index in
      let p = r.phase == .load ? 0 : 1
      if sizes[p].count <= r.thread {
        sizes[p] += Array(repeating: 0, count: r.thread + 1 - sizes[p].count)
      }
      sizes[p][r.thread] += TraceTape.Section.size(keyLength: r.key.count)
      kinds |= 1 << UInt32(r.kind.rawValue)
      if r.key.count > longestKey.length { longestKey = (r.key.count, index) }
      if r.kind != .list && r.valueLength > largestValue.length {
        largestValue = (r.valueLength, index)
      }
      if r.kind != .list && r.key.count + r.valueLength > largestEntry.length {
        largestEntry = (r.key.count + r.valueLength, index)
      }
    }
    // Pass 2: fill sections sized exactly.
    var writers = sizes.map { $0.map { TraceTape.Section.Writer(capacity: $0) } }
    try forEachRecord { r, _ in
      writers[r.phase == .load ? 0 : 1][r.thread].append(
        r.kind, key: r.key, valueLength: r.valueLength, scanLength: r.scanLength)
    }
    let sections = writers.map { $0.map(TraceTape.Section.init) }
    return TraceTape(
      load: sections[0], run: sections[1],
      kinds: Set(OpKind.allCases.filter { kinds & 1 << UInt32($0.rawValue) != 0 }),
      longestKey: longestKey,
      largestValue: largestValue, largestEntry: largestEntry)
  }

  /// Calls `body` with each record and its index, in file order.
  func forEachRecord(_ body: (Record, Int) throws -> Void) throws {
    var file = try ChunkedFile(path: path)
    let head = file.fill(Self.magic.count)
    if head >= Self.magic.count && memcmp(file.bytes, Self.magic, Self.magic.count) == 0 {
      file.consume(Self.magic.count)
      try readBinary(&file, body)
    } else {
      try readCSV(&file, body)
    }
  }

  func damaged(_ index: Int, _ message: String) -> SpecError {
    SpecError(file: path, line: nil, field: "record \(index)", message: message)
  }

  func readBinary(_ file: inout ChunkedFile, _ body: (Record, Int) throws -> Void) throws {
    var index = 0
    while true {
      let headerSize = TraceFileRecordHeader.size
      let available = file.fill(headerSize)
      if available == 0 { return }
      guard available >= headerSize else {
        throw damaged(index, "truncated record header; the trace is damaged")
      }
      let header = TraceFileRecordHeader(decoding: file.bytes)
      guard let (phase, kind) = header.decoded else {
        throw damaged(index, "bad phase or op byte; the trace is damaged")
      }
      let (thread, kl, vl, sl) = (
        header.thread, header.keyLength, header.valueSize, header.scanLength
      )
      try check(thread: thread, kind: kind, key: kl, value: vl, scan: sl) { field, why in
        damaged(index, "\(field) \(why)")
      }
      guard file.fill(headerSize + kl) >= headerSize + kl else {
        throw damaged(index, "truncated key; the trace is damaged")
      }
      let record = Record(
        phase: phase, thread: thread, kind: kind,
        key: UnsafeRawBufferPointer(start: file.bytes + headerSize, count: kl), valueLength: vl,
        scanLength: sl)
      try body(record, index)
      file.consume(TraceFileRecordHeader.size + kl)
      index += 1
    }
  }

  /// Range checks shared by both forms.
  func check(
    thread: Int, kind: OpKind, key: Int, value: Int, scan: Int,
    _ fail: (String, String) -> SpecError
  ) throws {
    guard thread < Limits.maxThreads else {
      throw fail(
        "thread", "\(thread) is over the limit of \(Limits.maxThreads - 1) (Limits.maxThreads)")
    }
    guard key <= Limits.maxTraceKeyLength else {
      throw fail("key length", "\(key) is over \(Limits.maxTraceKeyLength) B")
    }
    if kind == .list {
      guard value <= 255 else {
        throw fail("value_size", "\(value): a list op's value_size is its delimiter byte, 0...255")
      }
    } else {
      guard value <= Limits.maxTraceValueLength else {
        throw fail("value_size", "\(value) is over \(Limits.maxTraceValueLength) B")
      }
    }
    guard scan <= Limits.maxScanLength else {
      throw fail("scan_length", "\(scan) is over \(Limits.maxScanLength)")
    }
  }

  func readCSV(_ file: inout ChunkedFile, _ body: (Record, Int) throws -> Void) throws {
    var lineNumber = 0
    var index = 0
    var key: [UInt8] = []
    while let raw = try file.line(maxLength: 2 * Limits.maxTraceKeyLength + 256, path: path) {
      lineNumber += 1
      var line = raw
      if line.last == UInt8(ascii: "\r") {
        line = UnsafeRawBufferPointer(rebasing: line.dropLast())
      }
      if lineNumber == 1 {
        guard line.elementsEqual(Self.csvHeader.utf8) else {
          throw SpecError(
            file: path, line: 1, field: "(header)",
            message: "not a TreeBench trace: expected '\(Self.csvHeader)' or a binary trace")
        }
        continue
      }
      if line.isEmpty { continue }
      func bad(_ field: String, _ why: String) -> SpecError {
        SpecError(file: path, line: lineNumber, field: field, message: why)
      }
      let f = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
      guard f.count == 6 else { throw bad("(line)", "expected 6 comma-separated fields") }
      func text(_ i: Int) -> String { String(decoding: f[i], as: UTF8.self) }
      guard let phase = Phase(rawValue: text(0)) else {
        throw bad("phase", "'\(text(0))' is not load | run")
      }
      guard let thread = Int(text(1)), thread >= 0 else {
        throw bad("thread", "'\(text(1))' is not a thread index ≥ 0")
      }
      guard let kind = OpKind(name: text(2)) else {
        throw bad(
          "op", "'\(text(2))' is not one of \(OpKind.allCases.map(\.name).joined(separator: ", "))")
      }
      guard Self.decodeHex(f[3], into: &key) else {
        throw bad("key_hex", "not an even-length hex string")
      }
      guard let vl = Int(text(4)), vl >= 0 else {
        throw bad("value_size", "'\(text(4))' is not a whole number ≥ 0")
      }
      guard let sl = Int(text(5)), sl >= 0 else {
        throw bad("scan_length", "'\(text(5))' is not a whole number ≥ 0")
      }
      try check(thread: thread, kind: kind, key: key.count, value: vl, scan: sl, bad)
      try key.withUnsafeBytes {
        try body(
          Record(
            phase: phase, thread: thread, kind: kind, key: $0, valueLength: vl, scanLength: sl),
          index)
      }
      index += 1
    }
  }

  /// Decodes hex text into `out` (replacing its contents); false when it is not hex.
  static func decodeHex(_ s: Slice<UnsafeRawBufferPointer>, into out: inout [UInt8]) -> Bool {
    out.removeAll(keepingCapacity: true)
    guard s.count % 2 == 0 else { return false }
    func nibble(_ c: UInt8) -> UInt8? {
      switch c {
      case 48...57: return c - 48
      case 97...102: return c - 87
      case 65...70: return c - 55
      default: return nil
      }
    }
    var i = s.startIndex
    while i < s.endIndex {
      guard let h = nibble(s[i]), let l = nibble(s[i + 1]) else { return false }
      out.append(h << 4 | l)
      i += 2
    }
    return true
  }
}

/// A file read through one reusable buffer: `fill(n)` makes up to `n` bytes available at
/// `bytes`, `consume(n)` moves past them. Memory is the largest single request, not the file.
struct ChunkedFile: ~Copyable {
  static let chunk = 1 << 20
  let fd: Int32
  var buffer: UnsafeMutableRawPointer
  var capacity: Int
  var start = 0
  var end = 0
  var atEOF = false

  init(path: String) throws {
    fd = open(path, O_RDONLY)
    guard fd >= 0 else {
      throw SpecError(
        file: path, line: nil, field: "(trace)",
        message: "cannot read the trace file (\(String(cString: strerror(errno)))); check the path")
    }
    capacity = Self.chunk
    buffer = .allocate(byteCount: capacity, alignment: 16)
  }
  deinit {
    close(fd)
    buffer.deallocate()
  }

  var bytes: UnsafeRawPointer { UnsafeRawPointer(buffer + start) }
  var available: Int { end - start }

  /// Reads until `n` bytes are available or the file ends; returns the bytes available.
  mutating func fill(_ n: Int) -> Int {
    if available >= n || atEOF { return available }
    if start > 0 {
      memmove(buffer, buffer + start, available)
      (start, end) = (0, available)
    }
    if n > capacity {
      let grown = UnsafeMutableRawPointer.allocate(
        byteCount: max(n, capacity * 2), alignment: 16)
      grown.copyMemory(from: buffer, byteCount: end)
      buffer.deallocate()
      buffer = grown
      capacity = max(n, capacity * 2)
    }
    while end < n {
      let got = Foundation.read(fd, buffer + end, capacity - end)
      if got < 0 && errno == EINTR { continue }
      if got <= 0 {
        atEOF = true
        break
      }
      end += got
    }
    return available
  }

  mutating func consume(_ n: Int) { start += n }

  /// The next line without its `\n` (valid until the next call); nil at the end of the file.
  mutating func line(maxLength: Int, path: String) throws -> UnsafeRawBufferPointer? {
    var scanned = 0
    while true {
      let view = UnsafeRawBufferPointer(start: bytes, count: available)
      if let nl = view[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
        consume(nl + 1)
        return UnsafeRawBufferPointer(rebasing: view[..<nl])
      }
      scanned = available
      if atEOF {
        guard available > 0 else { return nil }
        consume(available)
        return view
      }
      guard available <= maxLength else {
        throw SpecError(
          file: path, line: nil, field: "(line)",
          message: "a line is longer than \(maxLength) bytes; the trace is damaged")
      }
      _ = fill(available + Self.chunk)
    }
  }
}
