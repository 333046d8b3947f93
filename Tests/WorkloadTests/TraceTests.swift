import EngineKit
import Foundation
import Testing

@testable import Workload

/// Trace files read as data: every field range-checked, both line endings, records kept
/// in file order per thread; and pregenerated streams equal to generated ones, values included.
@Suite struct TraceTests {
  let spec: WorkloadSpec = {
    var s = WorkloadSpec(file: "t", name: "t")
    s.records = 300
    s.mix = [.read: 0.5, .update: 0.2, .insert: 0.1, .scan: 0.1, .rmw: 0.1]
    s.valueSize = .uniform(min: 1, max: 40)
    return s
  }()

  func scratch(_ name: String) -> String {
    NSTemporaryDirectory() + "tb-trace-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(name)"
  }

  func csv(_ lines: [String], ending: String = "\n") throws -> String {
    let path = scratch("t.csv")
    try (["phase,thread,op,key_hex,value_size,scan_length"] + lines).joined(separator: ending)
      .write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  func binary(
    _ records: [(
      phase: UInt8, op: UInt8, thread: UInt16, key: [UInt8], value: UInt32, scan: UInt32
    )]
  )
    throws -> String
  {
    var bytes = Array("TBTRACE1".utf8)
    for r in records {
      bytes += [r.phase, r.op]
      withUnsafeBytes(of: r.thread.littleEndian) { bytes += $0 }
      for v in [UInt32(r.key.count), r.value, r.scan] {
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
      }
      bytes += r.key
    }
    let path = scratch("t.bin")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  func error(_ path: String) -> String {
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
      _ = try TraceTape.read(path: path)
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test func crlfAndLFCSVReadTheSame() throws {
    let lines = ["load,0,insert,0a0b,8,0", "run,0,read,0a0b,0,0", "run,1,scan,00,0,17"]
    for ending in ["\n", "\r\n"] {
      let path = try csv(lines, ending: ending)
      defer { try? FileManager.default.removeItem(atPath: path) }
      let tape = try TraceTape.read(path: path)
      #expect(tape.load.count == 1 && tape.run.count == 2)
      #expect(tape.kinds == [.insert, .read, .scan])
      var s = OperationStream(replaying: tape.run[1], spec: spec)
      let next = s.next()
      let op = try #require(next)
      #expect(op.kind == .scan && op.scanLength == 17 && Array(op.key) == [0])
    }
  }

  /// Sizes past what fits in the binary format's u32 fields trapped in the reader before.
  @Test func oversizedCSVFieldsAreErrorsNamingTheLine() throws {
    #expect(error(try csv(["run,0,insert,00,8589934592,0"])).contains(":2: value_size"))
    #expect(error(try csv(["run,0,scan,00,0,8589934592"])).contains(":2: scan_length"))
    #expect(error(try csv(["run,65535,read,00,0,0"])).contains(":2: thread"))
    #expect(error(try csv(["run,0,read,00,-1,0"])).contains(":2: value_size"))
    #expect(error(try csv(["run,0,list,00,300,10"])).contains("delimiter"))
  }

  @Test func binaryFieldsAreRangeChecked() throws {
    #expect(
      error(try binary([(1, 1, 0, [1], 0xFFFF_FFFF, 0)])).contains("record 0: value_size"))
    #expect(error(try binary([(1, 0, 65535, [1], 0, 0)])).contains("record 0: thread"))
    #expect(error(try binary([(1, 4, 0, [1], 0, 0xFFFF_FFFF)])).contains("record 0: scan_length"))
    #expect(error(try binary([(1, 0, 0, [1], 0, 0), (7, 0, 0, [1], 0, 0)])).contains("record 1"))
    // A key length beyond the file's end is a truncated record, not a giant allocation.
    let path = try binary([(1, 0, 0, [1, 2, 3], 0, 0)])
    let cut = try Data(contentsOf: URL(fileURLWithPath: path)).dropLast(2)
    try cut.write(to: URL(fileURLWithPath: path))
    #expect(error(path).contains("truncated key"))
  }

  /// Records land in their thread's section in file order, however the file interleaves them,
  /// and a section takes exactly its records' bytes.
  @Test func sectionsKeepFileOrderPerThreadAndAreSizedExactly() throws {
    let path = try binary(
      (0..<600).map { i in
        (1, 0, UInt16(i % 3), Array("k\(i)".utf8), 0, 0)
      })
    defer { try? FileManager.default.removeItem(atPath: path) }
    let tape = try TraceTape.read(path: path)
    #expect(tape.run.count == 3 && tape.load.isEmpty)
    for t in 0..<3 {
      var s = OperationStream(replaying: tape.run[t], spec: spec)
      var keys: [String] = []
      while let op = s.next() { keys.append(String(decoding: op.key, as: UTF8.self)) }
      #expect(keys == stride(from: t, to: 600, by: 3).map { "k\($0)" })
      #expect(tape.run[t].used == keys.reduce(0) { $0 + 13 + $1.utf8.count })
    }
    #expect(tape.byteCount == tape.run.reduce(0) { $0 + $1.used })
  }

  /// A written trace replays as the generated stream, values included (same stamps).
  @Test func replayWritesTheGeneratedValues() throws {
    let path = scratch("v.bin")
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = try TraceWriter.write(
      spec: spec, runThreads: 2, runOperations: 500, format: .binary, to: path)
    let tape = try TraceTape.read(path: path)
    for t in 0..<2 {
      var replay = OperationStream(replaying: tape.run[t], spec: spec, phase: .run, thread: t)
      var generated = OperationStream(spec: spec, phase: .run, thread: t, threads: 2)
      while let a = replay.next() {
        let next = generated.next()
        let b = try #require(next)
        #expect(
          a.kind == b.kind && Array(a.key) == Array(b.key) && Array(a.value) == Array(b.value))
      }
    }
  }

  /// `pregenerate` hands out the same operations as the generated stream, then stops.
  @Test func pregeneratedSectionsEqualTheGeneratedStream() throws {
    var source = OperationStream(spec: spec, phase: .run, thread: 1, threads: 2)
    let section = TraceTape.Section(
      pregenerating: 400, of: &source, keyLength: spec.keyShape.maximumLength)
    #expect(section.count == 400)
    var replay = OperationStream(replaying: section, spec: spec, phase: .run, thread: 1)
    var generated = OperationStream(spec: spec, phase: .run, thread: 1, threads: 2)
    for _ in 0..<400 {
      let (x, y) = (replay.next(), generated.next())
      let a = try #require(x)
      let b = try #require(y)
      #expect(
        a.kind == b.kind && Array(a.key) == Array(b.key) && Array(a.value) == Array(b.value)
          && a.scanLength == b.scanLength)
    }
    #expect(replay.next() == nil)
  }

  @Test func generateWritesNothingWhenItFails() throws {
    let dir = scratch("missing-dir")
    #expect(throws: FileWriteError.self) {
      try TraceWriter.write(
        spec: spec, runThreads: 1, runOperations: 10, format: .binary, to: dir + "/t.bin")
    }
    #expect(!FileManager.default.fileExists(atPath: dir))
  }
}
