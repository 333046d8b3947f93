import EngineConformance
import EngineKit
import Foundation
import Platform
import Testing

@testable import ART

/// Optimistic lock coupling: the version protocol (driven deterministically through the tree's
/// test hook, which runs where a reader is about to validate), epoch reclamation, and a
/// many-writer stress test.
@Suite struct ARTOptimistic {
  func olc(_ options: [String: String] = [:]) throws -> ARTEngine {
    try make(options.merging(["concurrency": "olc"]) { a, _ in a })
  }

  #if DEBUG
    @Test func readerRestartsWhenTheLeafSlotChanges() throws {
      let t = try olc()
      t.put([1, 2, 3], [10])
      t.put([1, 2, 4], [11])
      var fired = false
      t.tree.testHook = { point in
        guard point == .read, !fired else { return }
        fired = true
        #expect(t.replace([1, 2, 3], [20]))
      }
      #expect(t.value([1, 2, 3]) == [20])
      #expect(t.detail("restarts") == 1)
    }

    @Test func readerRestartsWhenItsNodeIsReplacedByALargerOne() throws {
      let t = try olc()
      for b in 0..<4 { t.put([9, 9, 9, UInt8(b)], [UInt8(b)]) }
      var fired = false
      t.tree.testHook = { point in
        guard point == .read, !fired else { return }
        fired = true
        #expect(t.put([9, 9, 9, 4], [4]))
      }
      #expect(t.value([9, 9, 9, 2]) == [2])
      #expect(t.detail("restarts") == 1)
      #expect(t.detail("node16_count") == 1 && t.detail("node4_count") == 0)
      // The Node4 waits for its epoch to pass; the reader has left, so a drain frees it.
      #expect(t.detail("retired_pending") == 1)
      #expect(t.tree.epochs.drainMine() == 0)
      try t.checkInvariants()
    }

    @Test(arguments: variants.filter { $0["concurrency"] == "olc" })
    func scanRestartsAndResumesAfterItsLastKey(options: [String: String]) throws {
      let t = try make(options)
      for b in 0..<10 { t.put([5, UInt8(b)]) }
      var calls = 0
      t.tree.testHook = { point in
        guard point == .scan else { return }
        calls += 1
        // Before the first leaf is visited, and again after three have been.
        if calls == 1 { #expect(t.put([5, 3, 7])) }
        if calls == 5 { #expect(t.delete([5, 8])) }
      }
      var expected: [[UInt8]] = (0..<10).filter { $0 != 8 }.map { [5, UInt8($0)] }
      expected.insert([5, 3, 7], at: 4)
      #expect(t.keys() == expected)
      #expect(t.detail("restarts") == 2)
      t.tree.testHook = nil
      try t.checkInvariants()
    }
  #endif

  @Test func retiredMemoryIsFreedAndNothingLeaks() throws {
    func churn() throws {
      let t = try olc()
      let keys = (0..<3000).map { i -> [UInt8] in
        let x = UInt32(truncatingIfNeeded: i &* 2_654_435_761)
        return [UInt8(x >> 24), UInt8(x >> 16 & 0xff), UInt8(x >> 8 & 0xff), UInt8(x & 0xff)]
      }
      for k in keys { t.put(k, [1]) }
      for k in keys { #expect(t.replace(k, [2, 2, 2])) }  // new leaves: the old ones retire
      for k in keys.prefix(2500) { #expect(t.delete(k)) }  // shrinks and collapses retire nodes
      #expect(t.tree.epochs.pending > 0)
      #expect(t.tree.epochs.drainMine() == 0)
      #expect(t.keys().count == 500)
      try t.checkInvariants()
      for k in keys.suffix(500) { t.replace(k, [3]) }  // left pending: the engine frees them
    }
    try churn()  // first use: per-thread tables, type metadata
    guard let before = Allocator.threadNetBytes else { return }
    try churn()
    #expect(Allocator.threadNetBytes == before, "bytes this thread allocated and did not free")
  }

  /// Sized for debug builds; `TREEBENCH_SOAK=N` scales it (`Configuration.soak`).
  @Test(arguments: variants.filter { $0["concurrency"] == "olc" })
  func concurrentWritersAgreeWithTheirModels(options: [String: String]) throws {
    try ConformanceSuite.concurrentWriters(
      { try make(options) }, threads: 4, configuration: .soak)
  }
}
