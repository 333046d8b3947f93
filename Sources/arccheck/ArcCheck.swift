import ART
import BPlusTree
import EngineKit
import Platform

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A test-only driver for `scripts/arc-check`: runs one engine's operations in phases (load,
/// read, update, scan, list, delete), each in its own non-inlined function with a plain symbol
/// name (`arccheck_<engine>_<phase>`), with a call to `arccheck_mark` after each, so that
/// callgrind (`--dump-after=arccheck_mark`) writes one profile per phase, in which
/// `scripts/arc-check` counts instructions and runtime calls (swift_retain, swift_release,
/// malloc, ...) per operation.
///
///     arccheck <art|bplustree> <none|olc> [records] [scans]
///
/// Keys are 8-byte big-endian pseudo-random integers, values 8 bytes; everything is generated
/// before the first phase. Prints one `phase <name> <operations>` line per phase, in order, at
/// the end.
@main
struct ArcCheck {
  static func main() {
    let args = CommandLine.arguments
    guard args.count >= 3, ["art", "bplustree"].contains(args[1]),
      ["none", "olc"].contains(args[2])
    else {
      print("usage: arccheck <art|bplustree> <none|olc> [records] [scans]")
      exit(2)
    }
    let records = args.count > 3 ? Int(args[3]) ?? 20_000 : 20_000
    let scans = args.count > 4 ? Int(args[4]) ?? 2_000 : 2_000
    let options = EngineOptions(["concurrency": args[2]])
    let input = Input(records: records, scans: scans)
    do {
      let phases = ["load", "read", "update", "scan", "list", "delete"]
      let counts = [records, records, records, scans, scans, records / 2]
      // Callgrind dumps its profile after each mark: dump k + 1 holds phase k alone.
      arccheck_mark(input.checksum)
      if args[1] == "art" {
        let e = try ARTEngine(options: options)
        arccheck_art_load(e, input)
        arccheck_mark(input.checksum)
        arccheck_art_read(e, input)
        arccheck_mark(input.checksum)
        arccheck_art_update(e, input)
        arccheck_mark(input.checksum)
        arccheck_art_scan(e, input)
        arccheck_mark(input.checksum)
        arccheck_art_list(e, input)
        arccheck_mark(input.checksum)
        arccheck_art_delete(e, input)
        arccheck_mark(input.checksum)
        try e.checkInvariants()
      } else {
        let e = try BPlusTreeEngine(options: options)
        arccheck_bplustree_load(e, input)
        arccheck_mark(input.checksum)
        arccheck_bplustree_read(e, input)
        arccheck_mark(input.checksum)
        arccheck_bplustree_update(e, input)
        arccheck_mark(input.checksum)
        arccheck_bplustree_scan(e, input)
        arccheck_mark(input.checksum)
        arccheck_bplustree_list(e, input)
        arccheck_mark(input.checksum)
        arccheck_bplustree_delete(e, input)
        arccheck_mark(input.checksum)
        try e.checkInvariants()
      }
      for (p, n) in zip(phases, counts) { print("phase \(p) \(n)") }
    } catch {
      print("arccheck: \(error)")
      exit(1)
    }
    print("checked \(input.checksum.pointee)")
  }
}

/// The operations' inputs, made before any phase runs.
struct Input {
  let records: Int
  let scans: Int
  /// `records` keys of 8 bytes each, in insertion order.
  let keys: UnsafeMutableRawPointer
  /// The order of reads, updates and deletes (a permutation of the keys).
  let order: UnsafeMutablePointer<Int>
  let value: UnsafeMutableRawPointer
  let buffer: UnsafeMutablePointer<ValueBuffer>
  /// Sums results, so that no phase is optimised away.
  let checksum: UnsafeMutablePointer<Int>

  init(records: Int, scans: Int) {
    self.records = records
    self.scans = scans
    keys = .allocate(byteCount: records * 8, alignment: 8)
    order = .allocate(capacity: records)
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      // splitmix64
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    for i in 0..<records {
      keys.storeBytes(of: next().bigEndian, toByteOffset: i * 8, as: UInt64.self)
      order[i] = i
    }
    for i in stride(from: records - 1, to: 0, by: -1) {
      let j = Int(next() % UInt64(i + 1))
      (order[i], order[j]) = (order[j], order[i])
    }
    value = .allocate(byteCount: 8, alignment: 8)
    value.storeBytes(of: 42, as: UInt64.self)
    buffer = .allocate(capacity: 1)
    buffer.initialize(to: ValueBuffer())
    checksum = .allocate(capacity: 1)
    checksum.initialize(to: 0)
  }

  @inline(__always) func key(_ i: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: keys + i * 8, count: 8)
  }
  @inline(__always) var valueBytes: UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: value, count: 8)
  }
}

/// The phases, generic over the engine; the `arccheck_*` wrappers below specialise them.
enum Phases<E: IndexEngine> {
  @inline(__always) static func load(_ e: E, _ input: Input) {
    var n = 0
    for i in 0..<input.records where e.insert(input.key(i), input.valueBytes) { n += 1 }
    input.checksum.pointee += n
  }
  @inline(__always) static func read(_ e: E, _ input: Input) {
    var n = 0
    for i in 0..<input.records where e.get(input.key(input.order[i]), into: &input.buffer.pointee) {
      n += 1
    }
    input.checksum.pointee += n
  }
  @inline(__always) static func update(_ e: E, _ input: Input) {
    var n = 0
    for i in 0..<input.records where e.update(input.key(input.order[i]), input.valueBytes) {
      n += 1
    }
    input.checksum.pointee += n
  }
  @inline(__always) static func scan(_ e: E, _ input: Input) {
    var n = 0
    for i in 0..<input.scans {
      n += e.scan(from: input.key(input.order[i % input.records]), limit: 100) { k, _ in
        k.count == 8
      }
    }
    input.checksum.pointee += n
  }
  /// Listings of the keys under a one-byte prefix (about records/256 keys), a page of 100.
  @inline(__always) static func list(_ e: E, _ input: Input) {
    var n = 0
    for i in 0..<input.scans {
      let prefix = UnsafeRawBufferPointer(
        rebasing: input.key(input.order[i % input.records])[0..<1])
      n += e.list(prefix: prefix, startAfter: nil, delimiter: nil, limit: 100) { _ in true }
    }
    input.checksum.pointee += n
  }
  @inline(__always) static func delete(_ e: E, _ input: Input) {
    var n = 0
    for i in 0..<input.records / 2 where e.remove(input.key(input.order[i])) { n += 1 }
    input.checksum.pointee += n
  }
}

/// Ends a phase: `scripts/arc-check` runs callgrind with `--dump-after=arccheck_mark`.
@_silgen_name("arccheck_mark") @inline(never)
func arccheck_mark(_ marks: UnsafeMutablePointer<Int>) { marks.pointee &+= 1_000_000_007 }

// One non-inlined function per engine and phase (plain names, for reading profiles).

@_silgen_name("arccheck_art_load") @inline(never)
func arccheck_art_load(_ e: ARTEngine, _ i: Input) { Phases.load(e, i) }
@_silgen_name("arccheck_art_read") @inline(never)
func arccheck_art_read(_ e: ARTEngine, _ i: Input) { Phases.read(e, i) }
@_silgen_name("arccheck_art_update") @inline(never)
func arccheck_art_update(_ e: ARTEngine, _ i: Input) { Phases.update(e, i) }
@_silgen_name("arccheck_art_scan") @inline(never)
func arccheck_art_scan(_ e: ARTEngine, _ i: Input) { Phases.scan(e, i) }
@_silgen_name("arccheck_art_list") @inline(never)
func arccheck_art_list(_ e: ARTEngine, _ i: Input) { Phases.list(e, i) }
@_silgen_name("arccheck_art_delete") @inline(never)
func arccheck_art_delete(_ e: ARTEngine, _ i: Input) { Phases.delete(e, i) }

@_silgen_name("arccheck_bplustree_load") @inline(never)
func arccheck_bplustree_load(_ e: BPlusTreeEngine, _ i: Input) { Phases.load(e, i) }
@_silgen_name("arccheck_bplustree_read") @inline(never)
func arccheck_bplustree_read(_ e: BPlusTreeEngine, _ i: Input) { Phases.read(e, i) }
@_silgen_name("arccheck_bplustree_update") @inline(never)
func arccheck_bplustree_update(_ e: BPlusTreeEngine, _ i: Input) { Phases.update(e, i) }
@_silgen_name("arccheck_bplustree_scan") @inline(never)
func arccheck_bplustree_scan(_ e: BPlusTreeEngine, _ i: Input) { Phases.scan(e, i) }
@_silgen_name("arccheck_bplustree_list") @inline(never)
func arccheck_bplustree_list(_ e: BPlusTreeEngine, _ i: Input) { Phases.list(e, i) }
@_silgen_name("arccheck_bplustree_delete") @inline(never)
func arccheck_bplustree_delete(_ e: BPlusTreeEngine, _ i: Input) { Phases.delete(e, i) }
