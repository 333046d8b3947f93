import Synchronization

/// A scratch object for readers that may run at the same time (under a read lock, or across
/// partitions): one is kept and reused by whichever reader takes it; a reader that finds it
/// taken makes a fresh one. No lock, and no allocation unless readers overlap.
public final class ScratchSlot<Scratch: AnyObject>: @unchecked Sendable {
  @usableFromInline let kept: Scratch
  @usableFromInline let taken = Atomic<Bool>(false)
  @usableFromInline let make: () -> Scratch

  public init(_ make: @escaping () -> Scratch) {
    self.make = make
    kept = make()
  }

  /// Runs `body` with the kept scratch when it is free, or with a fresh one.
  @inlinable
  public func use<R>(_ body: (Scratch) throws -> R) rethrows -> R {
    let owned = taken.compareExchange(expected: false, desired: true, ordering: .acquiring)
      .exchanged
    defer { if owned { taken.store(false, ordering: .releasing) } }
    return try body(owned ? kept : make())
  }
}
