import EngineKit

/// The load phase as one ascending batch (`load: bulk`): every record the load streams would
/// insert, copied into one buffer in key order, so a timed `bulkLoad` reads it sequentially and
/// pays for neither generation nor sorting.
public final class SortedLoad: @unchecked Sendable {
  @usableFromInline let bytes: UnsafeMutableRawBufferPointer
  /// Per entry in key order: offset of the key, key length, value length.
  @usableFromInline let spans: [(at: Int, key: Int32, value: Int32)]

  public var count: Int { spans.count }

  /// Generates the load phase of `spec` (all its load threads) and sorts it.
  public init(spec: WorkloadSpec) {
    var raw: [UInt8] = []
    var spans: [(at: Int, key: Int32, value: Int32)] = []
    spans.reserveCapacity(spec.records)
    for t in 0..<spec.loadThreads {
      var stream = OperationStream(spec: spec, phase: .load, thread: t, threads: spec.loadThreads)
      while let op = stream.next() {
        spans.append((raw.count, Int32(op.key.count), Int32(op.value.count)))
        raw.append(contentsOf: op.key)
        raw.append(contentsOf: op.value)
      }
    }
    let bytes = UnsafeMutableRawBufferPointer.allocate(
      byteCount: max(raw.count, 1), alignment: 16)
    raw.withUnsafeBytes { source in
      func key(_ s: (at: Int, key: Int32, value: Int32)) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: source[s.at..<(s.at + Int(s.key))])
      }
      spans.sort { compareBytes(key($0), key($1)) < 0 }
      // Copy out in key order.
      var o = 0
      for i in spans.indices {
        let n = Int(spans[i].key + spans[i].value)
        bytes.baseAddress!.advanced(by: o).copyMemory(
          from: source.baseAddress!.advanced(by: spans[i].at), byteCount: n)
        spans[i].at = o
        o += n
      }
    }
    self.bytes = bytes
    self.spans = spans
  }

  deinit { bytes.deallocate() }

  /// Entry `i` in key order.
  @inlinable @inline(__always)
  public func entry(_ i: Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
    let s = spans[i]
    let key = UnsafeRawPointer(bytes.baseAddress!) + s.at
    return (
      UnsafeRawBufferPointer(start: key, count: Int(s.key)),
      UnsafeRawBufferPointer(start: key + Int(s.key), count: Int(s.value))
    )
  }
}
