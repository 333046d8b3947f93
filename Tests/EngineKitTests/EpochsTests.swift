import Foundation
import Synchronization
import Testing

@testable import EngineKit

@Suite struct EpochsTests {
  final class Box {}

  @Test func retiredMemoryWaitsForEveryThreadInsideAnOperation() {
    let epochs = Epochs(tallies: 1)
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      let s = epochs.enter()
      entered.signal()
      release.wait()
      epochs.exit(s)
      done.signal()
    }
    entered.wait()
    let s = epochs.enter()
    epochs.retire(malloc(32)!, in: s)
    epochs.exit(s)
    #expect(epochs.pending == 1)
    // The other thread may still hold a reference from before the retirement.
    #expect(epochs.drainMine() == 1)
    release.signal()
    done.wait()
    #expect(epochs.drainMine() == 0)
    #expect(epochs.pending == 0)
  }

  @Test func batchesAreCollectedWhileOperating() {
    let epochs = Epochs(tallies: 1)
    for _ in 0..<1000 {
      let s = epochs.enter()
      epochs.retire(malloc(16)!, in: s)
      epochs.exit(s)
    }
    // Each full batch collects what is two epochs old: the list stays near one batch.
    #expect(epochs.pending <= 2 * Epochs.batch)
    #expect(epochs.drainMine() == 0)
  }

  @Test func talliesArePerThreadAndSummed() {
    let epochs = Epochs(tallies: 3)
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      let s = epochs.enter()
      for _ in 0..<1000 { s.tallies[2] += 1 }
      epochs.exit(s)
    }
    #expect(epochs.tally(2) == 4000)
    #expect(epochs.tally(0) == 0)
  }

  @Test func scratchIsPerThreadAndFreshWhenNested() {
    let slot = ScratchSlot { Box() }
    let outer = slot.use { ObjectIdentifier($0) }
    #expect(slot.use { ObjectIdentifier($0) } == outer, "reused on the same thread")
    slot.use { a in
      slot.use { b in #expect(a !== b, "a nested use gets its own") }
    }
    let other = Mutex<ObjectIdentifier?>(nil)
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      slot.use { b in other.withLock { $0 = ObjectIdentifier(b) } }
      done.signal()
    }
    done.wait()
    #expect(other.withLock { $0 } != outer)
  }
}
