import Foundation
import Testing

@testable import Workload

/// Random mutations of valid inputs (the shipped workloads, YCSB-style property files, both
/// trace forms) fed to the readers: each must either read or throw a `SpecError` — never trap,
/// never throw anything else. Seeded, so a failure reproduces; `TREEBENCH_FUZZ=N` multiplies
/// the volume for a long run.
@Suite struct FuzzTests {
  static let scale = Int(ProcessInfo.processInfo.environment["TREEBENCH_FUZZ"] ?? "") ?? 1

  /// Tokens that tend to reach unusual paths: YAML structure, anchors, numbers at and past the
  /// limits, line endings, escapes.
  static let tokens = [
    ":", "- ", "&a ", "*a", "[", "]", "{", "}", "\n", "\r\n", "\r", "#", "!", "\\", "\\u00e9",
    "\\u12",
    "=", " ", "\t", "\"", "'", "0", "-1", "1e308", "nan", "inf", "99999999999999999999",
    "9223372036854775807", "18446744073709551616", "0x10", "1_000", "~", "null", "true", "\u{0}",
    "é", "records: 0\n", "threads: [1024, 1025]\n", "mix: {read: 2}\n",
  ].map { Array($0.utf8) }

  static func mutate(_ input: [UInt8], _ rng: inout Xoshiro256) -> [UInt8] {
    var b = input
    for _ in 0..<(1 + Int(rng.next() % 4)) {
      let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count + 1))
      switch rng.next() % 6 {
      case 0 where at < b.count: b[at] = UInt8(truncatingIfNeeded: rng.next())
      case 1: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
      case 2 where at < b.count:
        b.removeSubrange(at..<min(b.count, at + 1 + Int(rng.next() % 16)))
      case 3 where at < b.count:
        let end = min(b.count, at + 1 + Int(rng.next() % 32))
        b.insert(contentsOf: b[at..<end], at: at)
      default: b.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
      }
    }
    return b
  }

  static func seeds(_ folder: String, where keep: (String) -> Bool) -> [(String, [UInt8])] {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return files.filter(keep).sorted().compactMap { f in
      FileManager.default.contents(atPath: "\(folder)/\(f)").map { (f, [UInt8]($0)) }
    }
  }

  /// Parses `bytes` as `name` would be; records anything but success or a SpecError.
  static func expectCleanParse(_ bytes: [UInt8], file: String, seed: UInt64) {
    do {
      _ = try WorkloadLoader.parse(String(decoding: bytes, as: UTF8.self), file: file)
    } catch is SpecError {
    } catch {
      Issue.record("\(file) mutation seed \(seed): \(type(of: error)) \(error)")
    }
  }

  @Test func mutatedSpecsReadOrFailCleanly() throws {
    let yaml = Self.seeds("workloads", where: { $0.hasSuffix(".yaml") })
    let props: [(String, [UInt8])] = [
      (
        "workloada",
        Array(
          "recordcount=1000\noperationcount=1000\nreadproportion=0.5\r\nupdateproportion=0.5\nrequestdistribution=zipfian\n"
            .utf8)
      ),
      (
        "workloadx",
        Array(
          "recordcount 1000\n! comment\nfieldcount : 10\nscanproportion=0.95\\\n  \ninsertproportion=0.05\nmaxscanlength=100\n"
            .utf8)
      ),
    ]
    try #require(yaml.count >= 10, "run from the package root")
    var tried = 0
    for (i, (name, text)) in (yaml + props).enumerated() {
      var rng = Xoshiro256(seed: UInt64(i) &+ 0xF022)
      for round in 0..<(40 * Self.scale) {
        Self.expectCleanParse(Self.mutate(text, &rng), file: name, seed: UInt64(round))
        tried += 1
      }
    }
    #expect(tried >= 1000)
  }

  @Test func mutatedTracesReadOrFailCleanly() throws {
    var spec = WorkloadSpec(file: "f", name: "f")
    spec.records = 30
    spec.mix = [.read: 0.4, .update: 0.2, .insert: 0.2, .scan: 0.1, .list: 0.1]
    spec.keyShape = .path(PathShape())
    let dir = NSTemporaryDirectory() + "tb-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var tried = 0
    for format in [TraceWriter.Format.csv, .binary] {
      let path = "\(dir)/seed.\(format.rawValue)"
      _ = try TraceWriter.write(
        spec: spec, runThreads: 2, runOperations: 40, format: format, to: path)
      let seed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      var rng = Xoshiro256(seed: format == .csv ? 1 : 2)
      for round in 0..<(300 * Self.scale) {
        let mutated = "\(dir)/m"
        try Data(Self.mutate(seed, &rng)).write(to: URL(fileURLWithPath: mutated))
        do { _ = try TraceTape.read(path: mutated) } catch is SpecError {} catch {
          Issue.record("\(format) trace mutation \(round): \(type(of: error)) \(error)")
        }
        tried += 1
      }
    }
    #expect(tried >= 600)
  }
}
