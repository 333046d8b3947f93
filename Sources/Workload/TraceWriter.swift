import EngineKit
import Foundation

/// Writes the exact operation stream of a spec (load, then `runOperations` split over
/// `runThreads` threads) as a trace (formats in `TraceReader`). Streams to the file through a
/// fixed buffer, so any operation count takes bounded memory; the file appears atomically.
public struct TraceWriter {
  public enum Format: String, Sendable { case csv, binary }

  public static func write(
    spec: WorkloadSpec, runThreads: Int, runOperations: Int, format: Format, to path: String
  ) throws -> Int {
    let out = try AtomicFile.Stream(path: path)
    var written = 0
    try out.write(
      format == .binary ? TraceReader.magic : Array((TraceReader.csvHeader + "\n").utf8))
    func emit(_ phase: Phase, _ thread: Int, _ op: Operation) throws {
      written += 1
      switch format {
      case .binary:
        var header = [UInt8](repeating: 0, count: 16)
        header[0] = phase == .load ? 0 : 1
        header[1] = UInt8(op.kind.rawValue)
        header.withUnsafeMutableBytes { h in
          h.storeBytes(of: UInt16(thread).littleEndian, toByteOffset: 2, as: UInt16.self)
          h.storeBytes(of: UInt32(op.key.count).littleEndian, toByteOffset: 4, as: UInt32.self)
          h.storeBytes(
            of: UInt32(op.recordedValueSize).littleEndian, toByteOffset: 8, as: UInt32.self)
          h.storeBytes(of: UInt32(op.scanLength).littleEndian, toByteOffset: 12, as: UInt32.self)
        }
        try out.write(header)
        try out.write(op.key)
      case .csv:
        try out.write(
          Array(
            "\(phase.rawValue),\(thread),\(op.kind.name),\(hexString(op.key)),\(op.recordedValueSize),\(op.scanLength)\n"
              .utf8))
      }
    }
    do {
      for t in 0..<spec.loadThreads {
        var s = OperationStream(spec: spec, phase: .load, thread: t, threads: spec.loadThreads)
        while let op = s.next() { try emit(.load, t, op) }
      }
      for t in 0..<runThreads {
        var s = OperationStream(spec: spec, phase: .run, thread: t, threads: runThreads)
        let share = runOperations / runThreads + (t < runOperations % runThreads ? 1 : 0)
        for _ in 0..<share { try emit(.run, t, s.next()!) }
      }
      try out.commit()
    } catch {
      out.abandon()
      throw error
    }
    return written
  }
}

extension Operation {
  /// The trace's value-size field: the value's length, or a listing's delimiter.
  var recordedValueSize: Int { kind == .list ? Int(delimiter) : value.count }
}
