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
        let header = TraceFileRecordHeader(
          phase: phase, kind: op.kind, thread: thread, keyLength: op.key.count,
          valueSize: op.recordedValueSize, scanLength: op.scanLength)
        try out.write(header.bytes)
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
        let share = ThreadSplit.share(of: runOperations, thread: t, threads: runThreads)
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
