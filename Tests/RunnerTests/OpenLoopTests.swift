import EngineKit
import Foundation
import Platform
import Testing
import Workload

@testable import Runner

/// An engine whose 500th read of the run stalls for 50 ms; everything else is a no-op.
final class StallEngine: IndexEngine {
  static let descriptor = EngineDescriptor(name: "stall", summary: "", supportsScan: false)
  static let stallMilliseconds = 50.0
  nonisolated(unsafe) static var reads = 0
  init(options: EngineOptions) throws { Self.reads = 0 }
  func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
    Self.reads += 1
    if Self.reads == 500 { usleep(UInt32(Self.stallMilliseconds * 1000)) }
    return true
  }
  func insert(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) -> Bool { true }
  func update(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) -> Bool { true }
  func remove(_ k: UnsafeRawBufferPointer) -> Bool { true }
  func scan(
    from k: UnsafeRawBufferPointer, limit: Int,
    _ f: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
  ) -> Int { 0 }
  var stats: EngineStats { EngineStats(keys: 0) }
  func checkInvariants() throws {}
}

@Suite(.serialized) struct OpenLoopTests {
  let context = RunContext(
    timer: .calibrated(millis: 10), progress: ProgressReporter(enabled: false))

  func run(target: Double?) throws -> PhaseResult {
    var s = smallSpec([.read: 1], ops: 3000)
    s.records = 10
    var p = plan(s, engine: "stall")
    p.target = target
    return try #require(try EngineEntry(StallEngine.self).measure(p, context: context).run)
  }

  @Test func aStallShowsAsBacklogInResponseTimeButOnceInServiceTime() throws {
    // 3,000 reads at 10,000/s: the 50 ms stall delays the ~500 ops scheduled behind it.
    let open = try run(target: 10_000)
    let service = try #require(open.ops[.read]).histogram
    let response = try #require(open.intended[.read]).histogram
    let stall = UInt64(StallEngine.stallMilliseconds * 1e6)
    #expect(service.max >= stall)
    #expect(service.valueAtPercentile(99) < stall / 10)
    #expect(response.valueAtPercentile(99) >= stall * 8 / 10)
    #expect(response.valueAtPercentile(90) >= stall / 10)
    #expect(try #require(open.pacing).histogram.max >= stall * 8 / 10)
    // Paced, so the run lasts about ops / rate (generous bounds: this is not a timing test).
    #expect(open.seconds > 0.25 && open.seconds < 3)
    // Closed loop: the stall is one slow op and nothing else; no intended histograms.
    let closed = try run(target: nil)
    let c = try #require(closed.ops[.read]).histogram
    #expect(c.max >= stall && c.valueAtPercentile(99) < stall / 10)
    #expect(closed.intended.isEmpty && closed.pacing == nil)
  }

  @Test func theScheduleSpacesThreadsAndOpsExactly() {
    // A 1 GHz fake clock: 1 tick = 1 ns. 4 threads share 1,000 ops/s: 4 ms between one thread's
    // ops, threads offset by 1 ms.
    let clock = CycleTimer(source: "fake", ticksPerNanosecond: 1)
    var pacers = (0..<4).map {
      Pacer(rate: 1000, thread: $0, threads: 4, start: 10_000, timer: clock)
    }
    #expect(pacers.map(\.nextStart) == [10_000, 1_010_000, 2_010_000, 3_010_000])
    #expect(pacers.allSatisfy { $0.interval == 4_000_000 })
    pacers[1].advance()
    pacers[1].advance()
    #expect(pacers[1].nextStart == 9_010_000)
  }

  @Test func targetsParseAsASweepAndZeroMeansClosedLoop() throws {
    let spec = try WorkloadLoader.parse("target: [1000, 5000]\n", file: "w.yaml", overrides: [])
    #expect(spec.targets == [1000, 5000])
    let ycsb = try WorkloadLoader.parse("target: 0\n", file: "w.yaml", overrides: [])
    #expect(ycsb.targets.isEmpty)
  }
}

@Suite struct LatencySamplingTests {
  @Test func everyOpCountsButOnlyEveryKthIsTimed() throws {
    var s = smallSpec([.read: 0.7, .update: 0.3], ops: 10_000)
    s.latencySampling = 100
    let context = RunContext(
      timer: .calibrated(millis: 10), progress: ProgressReporter(enabled: false))
    let run = try #require(
      try EngineEntry(SortedMapEngine.self).measure(plan(s), context: context).run)
    let counted = run.ops.values.reduce(0) { $0 + $1.count }
    let timed = run.ops.values.reduce(0) { $0 + $1.histogram.totalCount }
    #expect(counted == 10_000 && timed == 100)
    #expect(run.intervals.reduce(0) { $0 + $1.ops } == 10_000)
    let spec = try WorkloadLoader.parse("latency_sampling: 100\n", file: "w.yaml", overrides: [])
    #expect(spec.latencySampling == 100)
  }
}
