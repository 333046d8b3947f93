import Dispatch
import EngineKit
import Synchronization

extension ConformanceSuite {
  /// Many writers on one shared engine, interleaved over one key space: thread `t` writes the
  /// keys whose pool index is `t` modulo `threads`, so neighbouring keys (siblings in one node,
  /// one leaf page) belong to different threads and every structural change races with the
  /// others. Each thread checks its own writes and reads op by op against its own model (nobody
  /// else writes those keys); reads of other threads' keys and scans check that every value seen
  /// was written for its key and that scans are sorted. At the end the engine must hold exactly
  /// the union of the models and pass `checkInvariants`.
  public static func concurrentWriters<E: IndexEngine>(
    _ make: () throws -> E, threads: Int = 4, configuration c: Configuration = Configuration()
  ) throws {
    var rng = SplitMix(c.seed)
    let keys = c.keys ?? keyPool(c, &rng)
    nonisolated(unsafe) let engine = try make()
    let models = Mutex<[[ByteString: [UInt8]]]>(Array(repeating: [:], count: threads))
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      var rng = SplitMix(c.seed &+ UInt64(t) &* 0x5851_F42D)
      var model: [ByteString: [UInt8]] = [:]
      var value = ValueBuffer()
      defer { value.deallocate() }
      let mine = stride(from: t, to: keys.count, by: threads).map { keys[$0] }
      for i in 0..<c.operations {
        let roll = Int(rng.next() % 100)
        let key =
          roll < 80
          ? mine[Int(rng.next() % UInt64(mine.count))] : keys[Int(rng.next() % UInt64(keys.count))]
        let written = stamped(key, generation: rng.next(), limit: c.maxValueLength)
        let problem: String? = key.withUnsafeBytes { kb in
          written.withUnsafeBytes { vb in
            let k = ByteString(key)
            switch roll {
            case 0..<25:
              let ok = engine.insert(kb, vb)
              if ok != (model[k] == nil) { return "insert returned \(ok)" }
              if ok { model[k] = written }
            case 25..<50:
              let ok = engine.update(kb, vb)
              if ok != (model[k] != nil) { return "update returned \(ok)" }
              if ok { model[k] = written }
            case 50..<65:
              let ok = engine.remove(kb)
              if ok != (model.removeValue(forKey: k) != nil) { return "remove returned \(ok)" }
            case 65..<80:
              let found = engine.get(kb, into: &value) ? Array(value.bytes) : nil
              if found != model[k] { return "get found \(found.map(hex) ?? "nothing")" }
            case 80..<90:
              if engine.get(kb, into: &value), !isStamped(value.bytes, for: key) {
                return "get of another thread's key found 0x\(hex(Array(value.bytes)))"
              }
            default:
              guard E.descriptor.supportsScan else { return nil }
              var previous: [UInt8]? = nil
              var bad: String? = nil
              _ = engine.scan(from: kb, limit: 16) { sk, sv in
                let s = Array(sk)
                if let p = previous, !p.lexicographicallyPrecedes(s) {
                  bad = "scan out of order at 0x\(hex(s))"
                } else if s.lexicographicallyPrecedes(key) {
                  bad = "scan returned 0x\(hex(s)) below its start"
                } else if !isStamped(sv, for: s) {
                  bad = "scan returned a value not written for 0x\(hex(s))"
                }
                previous = s
                return bad == nil
              }
              return bad
            }
            return nil
          }
        }
        if let p = problem {
          failures.withLock { $0.append("thread \(t) op \(i) key 0x\(hex(key)): \(p)") }
          return
        }
      }
      models.withLock { $0[t] = model }
    }
    let f = failures.withLock { $0 }
    guard f.isEmpty else {
      throw Failure(
        description:
          "\(E.descriptor.name): concurrent writers: \(f.prefix(3).joined(separator: "; "))")
    }
    let expected = models.withLock { $0 }.reduce(into: [ByteString: [UInt8]]()) {
      $0.merge($1) { a, _ in a }
    }
    var found: [ByteString: [UInt8]] = [:]
    var order: [ByteString] = []
    if E.descriptor.supportsScan {
      _ = engine.scan(from: UnsafeRawBufferPointer(start: nil, count: 0), limit: .max) { k, v in
        order.append(ByteString(k))
        found[ByteString(k)] = Array(v)
        return true
      }
      guard order == expected.keys.sorted() else {
        throw Failure(
          description:
            "\(E.descriptor.name): concurrent writers: final scan holds \(order.count) keys, the models \(expected.count)"
        )
      }
    } else {
      for k in keys { found[ByteString(k)] = engine.value(k) }
    }
    for (k, v) in expected where found[k] != v {
      throw Failure(
        description: "\(E.descriptor.name): concurrent writers: final value of \(k) differs")
    }
    try engine.checkInvariants()
  }

  /// A value that names its key: a generation byte, the key's length, then a prefix of the key
  /// (its length varies with the generation, so updates also change value sizes).
  static func stamped(_ key: [UInt8], generation: UInt64, limit: Int) -> [UInt8] {
    let room = max(0, limit - 2)
    let n = min(key.count, room, Int(generation % UInt64(key.count + 1)))
    return [UInt8(truncatingIfNeeded: generation), UInt8(truncatingIfNeeded: key.count)]
      + key.prefix(n)
  }

  static func isStamped(_ value: UnsafeRawBufferPointer, for key: [UInt8]) -> Bool {
    value.count >= 2 && value[1] == UInt8(truncatingIfNeeded: key.count)
      && value.count - 2 <= key.count && zip(value.dropFirst(2), key).allSatisfy { $0 == $1 }
  }

  static func hex(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBytes(hexString)
  }
}
