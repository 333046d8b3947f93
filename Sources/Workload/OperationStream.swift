/// One operation, ready to issue: key and value bytes live in the stream's reusable buffers and
/// stay valid until the next call to `next()`.
public struct Operation {
  public var kind: OpKind
  public var key: UnsafeRawBufferPointer
  /// The value to write (insert, update, rmw); empty otherwise.
  public var value: UnsafeRawBufferPointer
  /// Entries to visit (scan), or the page size (list).
  public var scanLength: Int
  /// The listing's delimiter (list; `key` is then the prefix).
  public var delimiter: UInt8

  @inlinable
  public init(
    kind: OpKind, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, scanLength: Int,
    delimiter: UInt8 = 0
  ) {
    self.kind = kind
    self.key = key
    self.value = value
    self.scanLength = scanLength
    self.delimiter = delimiter
  }
}

/// Owns a stream's memory (freed when the last copy of the stream goes away): a batch of
/// generated operations, their key slots, and the value bytes.
final class StreamBuffers: @unchecked Sendable {
  let pending: UnsafeMutablePointer<PendingOp>
  let keys: UnsafeMutableRawPointer
  let value: UnsafeMutableRawPointer
  init(batch: Int, keyBytes: Int, valueCapacity: Int) {
    pending = .allocate(capacity: batch)
    keys = .allocate(byteCount: max(keyBytes, 64), alignment: 64)
    value = .allocate(byteCount: max(valueCapacity, 64), alignment: 16)
    // A printable filler; each written value gets a unique 8-byte stamp in front.
    for i in 0..<max(valueCapacity, 64) {
      value.storeBytes(of: UInt8(97 + i % 26), toByteOffset: i, as: UInt8.self)
    }
  }
  deinit {
    pending.deallocate()
    keys.deallocate()
    value.deallocate()
  }
}

/// A generated operation waiting in the batch: its key is already written to its slot.
@usableFromInline struct PendingOp {
  @usableFromInline var kind: OpKind
  @usableFromInline var number: UInt64
  /// The value length (insert, update, rmw) or the scan length (scan).
  @usableFromInline var size: Int
  @usableFromInline var keyLength = 0
}

/// The key slots of a generated batch: slot i holds the key of pending op i. The rules that
/// size them live here and nowhere else (a slot sized by the wrong rule was the out-of-bounds
/// write fixed in 85428fe):
/// - capacity: the encoder's `bufferSize`, its longest key plus the bytes the decimal writer may
///   store past the key;
/// - stride: the capacity rounded up to whole 64-byte cache lines;
/// - prefix: each slot starts with the shape's constant prefix (the ycsb `user`), written once
///   here, so the batch encoder writes only what varies.
@usableFromInline struct KeySlots {
  @usableFromInline let base: UnsafeMutableRawPointer
  @usableFromInline let stride: Int

  /// The stride of slots for keys `encoder` writes.
  static func stride(for encoder: KeyEncoder) -> Int { (max(encoder.bufferSize, 1) + 63) & ~63 }

  /// Slots at `base` (`count` × `stride(for: encoder)` bytes), prefixed for `encoder`.
  init(base: UnsafeMutableRawPointer, count: Int, encoder: KeyEncoder) {
    self.base = base
    stride = Self.stride(for: encoder)
    encoder.prepare(slots: base, count: count, stride: stride)
  }

  /// Writes the keys of `count` pending ops into their slots (and their lengths into the ops).
  @inline(__always)
  func encode(_ ops: UnsafeMutablePointer<PendingOp>, count: Int, with encoder: KeyEncoder) {
    encoder.encode(ops, count: count, into: base, stride: stride)
  }

  /// The key in slot `i`, `length` bytes long.
  @inlinable @inline(__always)
  func key(_ i: Int, length: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: base + i &* stride, count: length)
  }
}

/// A deterministic per-thread stream of operations: seed, phase and thread index fully determine
/// it, so the same spec yields the same operations on every run and for every engine. Where the
/// operations come from is its `Source`: the run phase's op mix, the load phase's range of key
/// numbers, or a trace section replayed in place.
///
/// Generated operations are made `batchSize` at a time: first every op's kind, key number and
/// sizes, in stream order (they share the random generator), then every key's bytes into its
/// `KeySlots` slot. Keys are independent of each other, so the core overlaps their long
/// dependency chains (hashing, decimal digits) instead of running one op's chain at a time. The
/// stream is the same as one generated an op at a time: the value stamp is written when the op
/// is handed out.
public struct OperationStream {
  /// Where a stream's operations come from.
  @usableFromInline enum Source {
    /// The run phase: the spec's op mix over the request distribution, without end.
    case generated
    /// The load phase: an insert of each key number left in this thread's part of the load
    /// range, in order.
    case load(Range<UInt64>)
    /// A trace section, read in place (keys point into it) from the cursor on.
    case replay(TraceTape.Section.Cursor)
  }

  @usableFromInline static var batchSize: Int { 16 }
  let buffers: StreamBuffers
  /// The replayed section, kept alive while the cursor reads it.
  let section: TraceTape.Section?
  @usableFromInline var source: Source
  @usableFromInline let pending: UnsafeMutablePointer<PendingOp>
  @usableFromInline let keySlots: KeySlots
  @usableFromInline let valueBuffer: UnsafeMutableRawPointer
  /// Next op to hand out, and the ops in the batch.
  @usableFromInline var cursor = 0
  @usableFromInline var filled = 0
  @usableFromInline var rng: Xoshiro256
  @usableFromInline var chooser: KeyChooser
  @usableFromInline let encoder: KeyEncoder
  @usableFromInline let valueSizes: SizeChooser
  /// Per op kind (by raw value), the size its pending op carries: the insert value, the update
  /// or rmw value (`updateValueSize`), the scan length, or a constant 0 that draws nothing.
  @usableFromInline let sizesByKind: [SizeChooser]
  @usableFromInline let listing: ListSpec
  /// The op mix as cumulative bounds on the 64-bit random range, for the kinds it contains.
  @usableFromInline let mix: [(bound: UInt64, kind: OpKind)]
  @usableFromInline let records: UInt64
  @usableFromInline let threadIndex: UInt64
  @usableFromInline let threadCount: UInt64
  /// Inserts this thread made in the run phase.
  @usableFromInline var inserted: UInt64 = 0
  @usableFromInline var stamp: UInt64

  /// The stream of `thread` (of `threads`) for `phase` of `spec`.
  public init(spec: WorkloadSpec, phase: Phase, thread: Int, threads: Int) {
    self.init(spec: spec, phase: phase, thread: thread, threads: threads, section: nil)
  }

  /// Replays one thread's section of a trace; `spec` supplies buffer sizes and, with `phase`
  /// and `thread`, the value stamps (the same values the generated stream writes).
  public init(
    replaying section: TraceTape.Section, spec: WorkloadSpec, phase: Phase = .run, thread: Int = 0
  ) {
    self.init(spec: spec, phase: phase, thread: thread, threads: 1, section: section)
  }

  init(spec: WorkloadSpec, phase: Phase, thread: Int, threads: Int, section: TraceTape.Section?) {
    encoder = KeyEncoder(spec.keyShape, hashed: !spec.orderedInserts)
    let valueCapacity = max(
      spec.valueSize.maximum, spec.updateValueSize?.maximum ?? 0, section?.maxValueLength ?? 0)
    // A replayed key is read in place: no slots.
    let slotCount = section == nil ? Self.batchSize : 0
    buffers = StreamBuffers(
      batch: Self.batchSize, keyBytes: slotCount * KeySlots.stride(for: encoder),
      valueCapacity: valueCapacity)
    pending = buffers.pending
    keySlots = KeySlots(base: buffers.keys, count: slotCount, encoder: encoder)
    valueBuffer = buffers.value
    self.section = section
    let phaseSalt: UInt64 = phase == .load ? 0x4C4F_4144 : 0x5255_4E00
    rng = Xoshiro256(seed: mix64(spec.seed ^ phaseSalt) ^ mix64(UInt64(thread) &+ 0x1234_5678))
    stamp = mix64(spec.seed ^ UInt64(thread) << 32 ^ phaseSalt)
    records = UInt64(spec.records)
    threadIndex = UInt64(thread)
    threadCount = UInt64(threads)
    let valueSizes = SizeChooser(spec.valueSize)
    self.valueSizes = valueSizes
    let updateSizes = SizeChooser(spec.updateValueSize ?? spec.valueSize)
    let scanSizes = SizeChooser(spec.scanLength)
    sizesByKind = OpKind.allCases.map { k in
      switch k {
      case .insert: return valueSizes
      case .update, .rmw: return updateSizes
      case .scan: return scanSizes
      case .read, .delete, .list: return SizeChooser(.constant(0))
      }
    }
    listing = spec.list
    // CoreWorkload sizes zipfian over insertcount (recordcount by default) + expectednewkeys.
    let range = spec.requestRange.map { UInt64($0.lowerBound)..<UInt64($0.upperBound) }
    let space = UInt64((range?.count ?? spec.records) + spec.expectedRunInserts)
    let start = UInt64(range?.count ?? spec.records) * UInt64(thread) / UInt64(max(threads, 1))
    chooser = KeyChooser(
      spec.requestDistribution, records: UInt64(spec.records), space: space, start: start,
      range: range)
    var cumulative = 0.0
    let given = OpKind.allCases.filter { spec.proportion($0) > 0 }
    let kinds = given.isEmpty ? [.read] : given  // a load-only spec
    mix = kinds.map { k in  // `nextGenerated()` takes the last kind without reading its bound
      cumulative += spec.proportion(k)
      return (cumulative >= 1 ? UInt64.max : UInt64(cumulative * 18_446_744_073_709_551_616.0), k)
    }
    if let section {
      source = .replay(section.cursor)
    } else if phase == .load {
      // Each load thread inserts its own contiguous part of the load range (YCSB's
      // insertstart ..< insertstart + insertcount; 0 ..< records by default).
      let part = ThreadSplit.part(of: spec.loadRange, thread: thread, threads: threads)
      source = .load(UInt64(part.lowerBound)..<UInt64(part.upperBound))
    } else {
      source = .generated
    }
  }

  /// Key numbers this thread believes exist: the loaded records plus the inserts all threads
  /// have made if they progress at this thread's pace.
  @inlinable @inline(__always)
  var liveCount: UInt64 { records &+ inserted &* threadCount }

  /// The next operation; nil when a load range or a trace section is exhausted (the run phase
  /// generates without end; the runner decides when to stop).
  @inlinable @inline(__always)
  public mutating func next() -> Operation? {
    if case .replay = source { return nextReplayed() }
    if cursor == filled {
      generateBatch()
      if filled == 0 { return nil }
    }
    let op = pending[cursor]
    let key = keySlots.key(cursor, length: op.keyLength)
    cursor &+= 1
    let none = UnsafeRawBufferPointer(start: nil, count: 0)
    switch op.kind {
    case .read, .delete:
      return Operation(kind: op.kind, key: key, value: none, scanLength: 0)
    case .insert, .update, .rmw:
      return Operation(kind: op.kind, key: key, value: value(length: op.size), scanLength: 0)
    case .scan:
      return Operation(kind: .scan, key: key, value: none, scanLength: op.size)
    case .list: return listOperation(key)
    }
  }

  /// A listing of the directory of `key` (out of line: rare, and it walks the key).
  @usableFromInline
  func listOperation(_ key: UnsafeRawBufferPointer) -> Operation {
    Operation(
      kind: .list, key: UnsafeRawBufferPointer(rebasing: key[..<listing.prefixLength(of: key)]),
      value: UnsafeRawBufferPointer(start: nil, count: 0), scanLength: listing.pageSize,
      delimiter: listing.delimiter)
  }

  /// Generates the next batch (fewer ops at the end of a load range).
  @usableFromInline
  mutating func generateBatch() {
    var n = 0
    // Locals, so the generator state stays in registers across the batch.
    var rng = self.rng
    switch source {
    case .generated:
      var chooser = self.chooser
      while n < Self.batchSize {
        pending[n] = nextGenerated(&rng, &chooser)
        n += 1
      }
      self.chooser = chooser
    case .load(let range):
      var next = range.lowerBound
      while n < Self.batchSize && next < range.upperBound {
        pending[n] = PendingOp(kind: .insert, number: next, size: valueSizes.next(&rng))
        next += 1
        n += 1
      }
      source = .load(next..<range.upperBound)
    case .replay:
      break  // `next()` reads the tape
    }
    self.rng = rng
    keySlots.encode(pending, count: n, with: encoder)
    (cursor, filled) = (0, n)
  }

  /// The next run-phase op's kind, key number and size, drawn in stream order from `rng` and
  /// `chooser` (the batch's local copies of the stream's).
  @inline(__always)
  mutating func nextGenerated(_ rng: inout Xoshiro256, _ chooser: inout KeyChooser) -> PendingOp {
    let r = rng.next()
    var i = 0
    while i < mix.count - 1 && r >= mix[i].bound { i += 1 }
    let kind = mix[i].kind
    let k: UInt64
    if kind == .insert {
      k = records &+ threadIndex &+ inserted &* threadCount
      inserted += 1
    } else {
      k = chooser.next(&rng, count: liveCount)  // the one request-distribution draw
    }
    return PendingOp(kind: kind, number: k, size: sizesByKind[kind.rawValue].next(&rng))
  }

  @inlinable @inline(__always)
  mutating func value(length n: Int) -> UnsafeRawBufferPointer {
    stamp &+= 1
    let s = mix64(stamp)
    if n >= 8 {
      valueBuffer.storeBytes(of: s, as: UInt64.self)
    } else {
      for j in 0..<n {
        valueBuffer.storeBytes(
          of: UInt8(truncatingIfNeeded: s >> (8 * j)), toByteOffset: j, as: UInt8.self)
      }
    }
    return UnsafeRawBufferPointer(start: valueBuffer, count: n)
  }

  /// The next recorded op; its key points into the tape. Not forced inline: the generated path
  /// of `next()` stays small where the client loop inlines it (a larger loop body made the
  /// optimiser call the histogram update out of line).
  @inlinable
  mutating func nextReplayed() -> Operation? {
    guard case .replay(var tape) = source, let rec = tape.next() else { return nil }
    source = .replay(tape)
    return Operation(
      kind: rec.kind, key: rec.key,
      value: rec.kind.writesValue
        ? value(length: rec.valueLength) : UnsafeRawBufferPointer(start: nil, count: 0),
      scanLength: rec.scanLength,
      delimiter: rec.kind == .list ? UInt8(truncatingIfNeeded: rec.valueLength) : 0)
  }
}
