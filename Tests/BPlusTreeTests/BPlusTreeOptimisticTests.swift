import EngineConformance
import EngineKit
import Foundation
import Platform
import Testing

@testable import BPlusTree

/// `concurrency: olc`: the version protocol (driven through the tree's test hook, which runs
/// where a reader is about to validate), one-leaf writes against structural changes, epoch
/// reclamation, and a many-writer stress test.
@Suite struct BPlusTreeOptimistic {
  func olc(_ options: [String: String] = [:]) throws -> BPlusTreeEngine {
    try make(options.merging(["concurrency": "olc"]) { a, _ in a })
  }

  #if DEBUG
    @Test func readerRestartsWhenItsLeafChanges() throws {
      let t = try olc()
      for i in 0..<10 { t.put(key(i), [UInt8(i)]) }
      var fired = false
      t.tree.testHook = { point in
        guard point == .read, !fired else { return }
        fired = true
        #expect(t.replace(key(3), [30]))
      }
      #expect(t.value(key(3)) == [30])
      #expect(t.detail("restarts") == 1)
      #expect(t.detail("structural_changes") == 0)
    }

    @Test func readerRestartsWhenItsLeafSplitsUnderIt() throws {
      let t = try olc()
      for i in 0..<100 { t.put(key(2 * i), [UInt8(i)]) }
      let leaves = t.detail("leaf_pages")
      var fired = false
      t.tree.testHook = { point in
        guard point == .read, !fired else { return }
        fired = true
        // Fill the leaf until it splits; key 198 moves to the new right page.
        for i in 0..<200 { t.put(key(2 * i + 1), [0]) }
      }
      #expect(t.value(key(198)) == [99])
      #expect(t.detail("restarts") == 1)
      #expect(t.detail("leaf_pages") > leaves && t.detail("structural_changes") > 0)
      try t.checkInvariants()
    }

    @Test(arguments: [[:], ["copy_on_read": "on"]])
    func scanRestartsAndResumesAfterItsLastKey(options: [String: String]) throws {
      let t = try olc(options)
      let value = [UInt8](repeating: 1, count: 100)  // about 34 entries a leaf
      for i in 0..<400 { t.put(key(2 * i), value) }
      var visited: [[UInt8]] = []
      var deleted: [[UInt8]] = []
      var phase = 0
      // The hook runs once per leaf, before the scan validates its copy of the leaf and visits
      // it. Before the first leaf: an insert into it. Once 120 keys were visited: removing the
      // next 71 keys (the first of them on the leaf about to be visited) changes that leaf and
      // merges pages. Later: an insert far behind the scan, which it does not see and which does
      // not restart it.
      t.tree.testHook = { point in
        guard point == .scan else { return }
        if phase == 0 {
          phase = 1
          #expect(t.put(key(1), value))
        } else if phase == 1 && visited.count >= 120 {
          phase = 2
          let next = visited.last!.reduce(0) { $0 << 8 | Int($1) } / 2 + 1
          for i in next..<next + 71 {
            #expect(t.delete(key(2 * i)))
            deleted.append(key(2 * i))
          }
        } else if phase == 2 && visited.count >= 250 {
          phase = 3
          #expect(t.put(key(3), value))
        }
      }
      _ = [UInt8]().withUnsafeBytes {
        t.scan(from: $0, limit: .max) { k, _ in
          visited.append(Array(k))
          return true
        }
      }
      #expect(phase == 3)
      var expected = (0..<400).map { key(2 * $0) }.filter { !deleted.contains($0) }
      expected.insert(key(1), at: 1)
      #expect(visited == expected)
      #expect(t.detail("restarts") == 2)
      #expect(t.detail("merges") > 0)
      t.tree.testHook = nil
      try t.checkInvariants()
    }
  #endif

  @Test func oneLeafWritesLockOnlyTheLeaf() throws {
    let t = try olc()
    for i in 0..<2000 { t.put(key(i), [1, 2, 3]) }
    let structural = t.detail("structural_changes")
    #expect(structural > 0)  // the splits
    for i in 0..<2000 { #expect(t.replace(key(i), [4, 5, 6])) }  // same size: in place
    for i in stride(from: 0, to: 2000, by: 8) { #expect(t.delete(key(i))) }  // above the floor
    #expect(t.detail("structural_changes") == structural)
    #expect(t.replace(key(1), [7]))  // shorter: in place, as reddb's upsert
    #expect(t.detail("structural_changes") == structural)
    #expect(t.replace(key(1), [7, 7, 7, 7]))  // a longer value moves its cell: structural
    #expect(t.detail("structural_changes") == structural + 1)
    try t.checkInvariants()
  }

  @Test func retiredPagesAreFreedAndNothingLeaks() throws {
    func churn() throws {
      let t = try olc()
      let keys = (0..<6000).map { key(Int(UInt32(truncatingIfNeeded: $0 &* 2_654_435_761))) }
      for k in keys { t.put(k, [1]) }  // grows the page table past 1024 pages: the old retires
      for k in keys.prefix(5500) { #expect(t.delete(k)) }  // merges retire pages
      #expect(t.tree.epochs.pending > 0)
      #expect(t.tree.epochs.drainMine() == 0)
      #expect(t.keys().count == 500)
      try t.checkInvariants()
      for k in keys.prefix(2000) { t.put(k, [2]) }  // left pending: the engine frees them
      for k in keys.prefix(1900) { t.delete(k) }
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
