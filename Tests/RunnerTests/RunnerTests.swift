import EngineConformance
import EngineKit
import Foundation
import Platform
import Testing
import Workload

@testable import Runner

func smallSpec(
  _ mix: [OpKind: Double] = [.read: 0.5, .update: 0.3, .insert: 0.1, .scan: 0.1], ops: Int = 4000
) -> WorkloadSpec {
  var s = WorkloadSpec(file: "t.yaml", name: "t")
  s.records = 2000
  s.operations = ops
  s.mix = mix
  s.requestDistribution = .zipfian(constant: 0.9)
  s.interval = 0.05
  return s
}

func plan(
  _ spec: WorkloadSpec, engine: String = "sortedmap", threads: Int = 1,
  wrapper: ConcurrencyMode = .none
) -> CellPlan {
  CellPlan(
    spec: spec, engine: EngineChoice(name: engine), wrapper: wrapper, threads: threads,
    repeatIndex: 0, index: 1, total: 1)
}

@Suite(.serialized) struct RunnerTests {
  let context = RunContext(
    timer: .calibrated(millis: 10), progress: ProgressReporter(enabled: false))

  @Test func cellCountsEveryOperation() throws {
    let r = try EngineEntry(SortedMapEngine.self).measure(plan(smallSpec()), context: context)
    let load = try #require(r.load)
    let run = try #require(r.run)
    #expect(load.ops[.insert]?.count == 2000 && load.ops[.insert]?.errors == 0)
    #expect(load.keys == 2000)
    #expect(run.totalOps == 4000)
    #expect(run.ops[.read]!.histogram.totalCount == run.ops[.read]!.count)
    #expect(run.keys == 2000 + Int(run.ops[.insert]!.count - run.ops[.insert]!.errors))
    #expect(run.scannedEntries > 0)
    #expect(run.intervals.reduce(0) { $0 + $1.ops } == 4000)
    #expect(!r.interrupted)
  }

  /// `load: bulk` hands every record over in one ascending call, counted as inserts.
  @Test func bulkLoadIsOneSortedCall() throws {
    final class Recording: ProbeEngine {
      nonisolated(unsafe) static var calls: [(count: Int, ascending: Bool)] = []
      override func bulkLoad(
        count: Int, _ entry: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
      ) -> Int {
        let ascending = (1..<count).allSatisfy {
          compareBytes(entry($0 - 1).key, entry($0).key) < 0
        }
        Self.calls.append((count, ascending))
        return inner.bulkLoad(count: count, entry)
      }
    }
    var s = smallSpec()
    s.bulkLoad = true
    s.loadThreads = 2
    let r = try EngineEntry(Recording.self).measure(plan(s), context: context)
    #expect(Recording.calls.count == 1 && Recording.calls[0] == (2000, true))
    #expect(r.load?.ops[.insert]?.count == 2000 && r.load?.ops[.insert]?.errors == 0)
    #expect(r.load?.keys == 2000 && r.load?.threads == 1)
    #expect(r.load?.ops[.insert]?.histogram.totalCount == 2000)
  }

  @Test func failedOpsAreCountedNotDropped() throws {
    var s = smallSpec([.delete: 1.0])
    s.requestDistribution = .uniform
    let r = try EngineEntry(SortedMapEngine.self).measure(plan(s), context: context)
    let del = try #require(r.run?.ops[.delete])
    #expect(del.count == 4000)
    #expect(del.errors > 0)  // deletes of already-deleted keys fail
    #expect(Int(del.count - del.errors) == 2000 - r.run!.keys)
  }

  @Test func multiThreadedRunWithWrapper() throws {
    let r = try EngineEntry(SortedMapEngine.self).measure(
      plan(smallSpec(), threads: 2, wrapper: .rwlock), context: context)
    #expect(r.run?.totalOps == 4000 && r.run?.threads == 2)
    let p = try EngineEntry(SortedMapEngine.self).measure(
      plan(smallSpec(), threads: 2, wrapper: .partitioned), context: context)
    #expect(p.run?.totalOps == 4000)
    #expect(p.engineStats.details.first { $0.0 == "partitions" }?.1 == 8)
  }

  @Test func durationStopsTheRun() throws {
    var s = smallSpec([.read: 1])
    s.operations = nil
    s.duration = 0.2
    let r = try EngineEntry(NullEngine.self).measure(plan(s, engine: "null"), context: context)
    let run = try #require(r.run)
    #expect(run.seconds >= 0.19 && run.seconds < 1.0)
    #expect(run.totalOps > 1000)
  }

  @Test func warmupIsNotRecorded() throws {
    var s = smallSpec([.read: 1])
    s.warmup = .operations(3000)
    let r = try EngineEntry(SortedMapEngine.self).measure(plan(s), context: context)
    #expect(r.run?.totalOps == 4000)
  }

  @Test func verifyPassesOnACorrectEngine() throws {
    let report = try EngineEntry(SortedMapEngine.self).verify(plan(smallSpec(), threads: 2))
    #expect(report.operations == 6000)
  }

  @Test func verifyNamesTheFirstBadOperation() throws {
    final class LossyRead: IndexEngine {
      static let descriptor = EngineDescriptor(name: "lossy", summary: "", supportsScan: true)
      let inner = try! SortedMapEngine(options: .init())
      var reads = 0
      init(options: EngineOptions) throws {}
      func get(_ key: UnsafeRawBufferPointer, into value: inout ValueBuffer) -> Bool {
        reads += 1
        return reads == 100 ? false : inner.get(key, into: &value)
      }
      func insert(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) -> Bool {
        inner.insert(k, v)
      }
      func update(_ k: UnsafeRawBufferPointer, _ v: UnsafeRawBufferPointer) -> Bool {
        inner.update(k, v)
      }
      func remove(_ k: UnsafeRawBufferPointer) -> Bool { inner.remove(k) }
      func scan(
        from k: UnsafeRawBufferPointer, limit: Int,
        _ f: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Bool
      ) -> Int { inner.scan(from: k, limit: limit, f) }
      var stats: EngineStats { inner.stats }
      func checkInvariants() throws {}
    }
    do {
      _ = try EngineEntry(LossyRead.self).verify(plan(smallSpec([.read: 1])))
      Issue.record("expected a mismatch")
    } catch let m as VerifyMismatch {
      #expect(m.phase == .run && m.index == 99 && m.kind == .read)
      #expect(m.actual == "absent" && m.expected.hasPrefix("value 0x"))
    }
  }

  @Test func timerIsCalibratedAndCheap() {
    let t = CycleTimer.calibrated(millis: 20)
    let a = t.now()
    usleep(10_000)
    let ns = t.nanoseconds(t.now() &- a)
    #expect(ns > 9_000_000 && ns < 60_000_000)
    #expect(t.measureOverhead(samples: 1000).medianNanoseconds < 1_000)
  }

  @Test(.enabled(if: Allocator.linked)) func allocatorIsJemalloc() {
    #expect(Allocator.isJemalloc)
    let before = Allocator.snapshot()
    let p = UnsafeMutableRawPointer.allocate(byteCount: 8 << 20, alignment: 64)
    let after = Allocator.snapshot()
    p.deallocate()
    #expect(after.allocated + (1 << 20) >= before.allocated + (8 << 20))  // other tests allocate and free concurrently
  }
}

@Suite(.enabled(if: Allocator.linked)) struct AllocatorSettingTests {
  @Test func decayIsSetForNewArenasAndReadBack() {
    let before = Allocator.decay("dirty_decay_ms")
    #expect(before != nil)
    #expect(Allocator.setDecay("dirty_decay_ms", milliseconds: 2500))
    #expect(Allocator.decay("dirty_decay_ms") == 2500)
    #expect(Allocator.setDecay("dirty_decay_ms", milliseconds: before!))
    #expect(!Allocator.setDecay("no_such_setting", milliseconds: 1))
  }
}
