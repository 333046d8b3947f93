import CSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Scratch objects for readers that may run at the same time (under a read lock, across
/// partitions, or lock-free): one per thread, made on the thread's first use and reused after.
/// No lock and no atomic; a nested use on the same thread gets a fresh object.
public final class ScratchSlot<Scratch: AnyObject>: @unchecked Sendable {
  /// Per thread index: the scratch (retained), or nil; and whether it is in use.
  @usableFromInline let kept: UnsafeMutablePointer<(scratch: Unmanaged<Scratch>?, busy: Bool)>
  @usableFromInline let make: () -> Scratch

  public init(_ make: @escaping () -> Scratch) {
    self.make = make
    // All-zero bytes are (nil, false); calloc leaves untouched pages to the OS.
    kept = calloc(Int(CSYS_MAX_THREADS), MemoryLayout<(Unmanaged<Scratch>?, Bool)>.stride)!
      .bindMemory(
        to: (scratch: Unmanaged<Scratch>?, busy: Bool).self, capacity: Int(CSYS_MAX_THREADS))
  }

  deinit {
    for i in 0..<Int(CSYS_MAX_THREADS) { kept[i].scratch?.release() }
    free(kept)
  }

  /// Runs `body` with the calling thread's scratch.
  @inlinable
  public func use<R>(_ body: (Scratch) throws -> R) rethrows -> R {
    let slot = kept + Int(csys_thread_index())
    guard !slot.pointee.busy else { return try body(make()) }
    let scratch: Unmanaged<Scratch>
    if let s = slot.pointee.scratch {
      scratch = s
    } else {
      scratch = .passRetained(make())
      slot.pointee.scratch = scratch
    }
    slot.pointee.busy = true
    defer { slot.pointee.busy = false }
    return try scratch._withUnsafeGuaranteedRef { try body($0) }
  }
}
