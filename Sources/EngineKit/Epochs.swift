import CSys

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Epoch-based reclamation for engines whose readers hold no locks (optimistic lock coupling),
/// plus per-thread tallies (counters without shared cache lines).
///
/// A thread announces the global epoch when it starts an operation (`enter`) and clears the
/// announcement when it ends (`exit`). Memory unlinked from the structure is `retire`d with the
/// epoch of the moment, and freed once the global epoch is two ahead of it: the epoch advances
/// only when every announced thread has seen the current one, so by then no thread that could
/// have reached the memory is still inside its operation. Each thread frees only what it retired
/// itself, in batches; whatever is left is freed with the engine.
///
/// Memory: one 64-byte slot plus the tallies per possible thread (`CSYS_MAX_THREADS`), zeroed
/// lazily by the OS.
public final class Epochs: @unchecked Sendable {
  /// The global epoch (≥ 1), on its own cache line.
  @usableFromInline let global: UnsafeMutablePointer<UInt64>
  @usableFromInline let slots: UnsafeMutableRawPointer
  @usableFromInline let stride: Int
  let tallyCount: Int

  /// Frees retired memory that did not come from malloc: called with the context given to
  /// `setReclaimer` and the retired address as passed to `retire` (bit 0 set, bits 1...2 the
  /// owner's own tag). A C function pointer, so collecting costs no reference counting.
  public typealias Reclaimer =
    @convention(c) (UnsafeMutableRawPointer, UnsafeMutableRawPointer)
    -> Void
  var reclaimer: Reclaimer?
  var reclaimContext: UnsafeMutableRawPointer?

  /// Retirements a thread collects after (it then frees what is two epochs old).
  static let batch = 64

  /// Slot words: the announced epoch (0 = outside any operation), the retired list (pairs of
  /// address and epoch), its length and its capacity.
  @usableFromInline static let announced = 0
  static let list = 1
  static let length = 2
  static let capacity = 3

  /// Keeps `tallies` per-thread counters (`EpochSlot.tallies`, summed by `tally`).
  public init(tallies: Int) {
    tallyCount = tallies
    stride = 64 + (tallies * 8 + 63) / 64 * 64
    global = UnsafeMutableRawPointer(calloc(1, 64)!).bindMemory(to: UInt64.self, capacity: 8)
    global.pointee = 1
    slots = calloc(Int(CSYS_MAX_THREADS), stride)!
  }

  /// Routes retired addresses with bit 0 set to `reclaim` (set once, before any operation).
  /// Such memory belongs to its owner's allocator: what is still retired when the `Epochs` is
  /// dropped is left to that owner (freed with its chunks).
  public func setReclaimer(_ reclaim: Reclaimer, context: UnsafeMutableRawPointer) {
    reclaimer = reclaim
    reclaimContext = context
  }

  deinit {
    for i in 0..<Int(CSYS_MAX_THREADS) {
      let s = EpochSlot(slots + i * stride)
      guard let list = s.list else { continue }
      for j in 0..<Int(s.words[Self.length]) where list[2 * j] & 1 == 0 {
        free(UnsafeMutableRawPointer(bitPattern: UInt(list[2 * j])))
      }
      free(list)
    }
    free(slots)
    free(global)
  }

  /// The calling thread's slot (its tallies), without entering an epoch.
  @inlinable @inline(__always) public var mine: EpochSlot {
    EpochSlot(slots + Int(csys_thread_index()) * stride)
  }

  /// Announces the calling thread for one operation; pair with `exit`.
  @inlinable @inline(__always) public func enter() -> EpochSlot {
    let s = mine
    csys_store_seq_cst(s.words + Self.announced, csys_load_relaxed(global))
    return s
  }

  /// Ends the operation `enter` began.
  @inlinable @inline(__always) public func exit(_ s: EpochSlot) {
    csys_store_release(s.words + Self.announced, 0)
  }

  /// Runs one optimistic operation inside an epoch, retrying `body` until it returns a result
  /// (nil: a latch conflict, start over). Counts the operation and its restarts in the tallies
  /// `operations` and `restarts`.
  @inlinable @inline(__always)
  public func attempt<R>(operations: Int, restarts: Int, _ body: () -> R?) -> R {
    let slot = enter()
    defer { exit(slot) }
    slot.tallies[operations] += 1
    while true {
      if let r = body() { return r }
      slot.tallies[restarts] += 1
    }
  }

  /// Frees `p` (from malloc) once no thread inside an operation can still read it. The caller
  /// is inside an operation (`s` is its entered slot) and has already unlinked `p`. An address
  /// with bit 0 set goes to the reclaimer instead of `free` (`setReclaimer`).
  public func retire(_ p: UnsafeMutableRawPointer, in s: EpochSlot) {
    let w = s.words
    if w[Self.length] == w[Self.capacity] {
      collect(s)
      if w[Self.length] == w[Self.capacity] {
        let grown = max(Self.batch, Int(w[Self.capacity]) * 2)
        let list = realloc(s.list, grown * 16)!
        w[Self.list] = UInt64(UInt(bitPattern: list))
        w[Self.capacity] = UInt64(grown)
      }
    }
    let list = s.list!
    let n = Int(w[Self.length])
    list[2 * n] = UInt64(UInt(bitPattern: p))
    list[2 * n + 1] = csys_load_relaxed(global)
    w[Self.length] = UInt64(n + 1)
  }

  /// Advances the epoch if every announced thread has seen it, then frees this thread's
  /// retirements that are two epochs old.
  func collect(_ s: EpochSlot) {
    let e = csys_load_acquire(global)
    var everyone = true
    for i in 0..<Int(csys_thread_index_bound()) {
      let a = csys_load_acquire(EpochSlot(slots + i * stride).words + Self.announced)
      if a != 0 && a != e {
        everyone = false
        break
      }
    }
    if everyone { _ = csys_cas(global, e, e + 1) }
    let safe = csys_load_acquire(global) &- 2
    guard let list = s.list else { return }
    var kept = 0
    for j in 0..<Int(s.words[Self.length]) {
      if list[2 * j + 1] <= safe {
        let a = list[2 * j]
        if a & 1 != 0 {
          reclaimer.unsafelyUnwrapped(
            reclaimContext.unsafelyUnwrapped,
            UnsafeMutableRawPointer(bitPattern: UInt(a)).unsafelyUnwrapped)
        } else {
          free(UnsafeMutableRawPointer(bitPattern: UInt(a)))
        }
      } else {
        list[2 * kept] = list[2 * j]
        list[2 * kept + 1] = list[2 * j + 1]
        kept += 1
      }
    }
    s.words[Self.length] = UInt64(kept)
  }

  /// Collects for the calling thread (outside any operation) until nothing it retired is left
  /// or other threads hold the epoch back; returns how many of its retirements remain.
  @discardableResult public func drainMine() -> Int {
    let s = mine
    for _ in 0..<3 where s.words[Self.length] > 0 { collect(s) }
    return Int(s.words[Self.length])
  }

  /// Retired allocations not yet freed, over all threads (read while no thread is operating).
  public var pending: Int {
    (0..<Int(csys_thread_index_bound())).reduce(0) {
      $0 + Int(EpochSlot(slots + $1 * stride).words[Self.length])
    }
  }

  /// Tally `i` summed over all threads (read while no thread is operating).
  public func tally(_ i: Int) -> Int {
    precondition(i < tallyCount)
    return (0..<Int(csys_thread_index_bound())).reduce(0) {
      $0 + EpochSlot(slots + $1 * stride).tallies[i]
    }
  }
}

/// One thread's slot in an `Epochs`: its announcement, retired list and tallies.
public struct EpochSlot {
  @usableFromInline let words: UnsafeMutablePointer<UInt64>

  @inlinable init(_ p: UnsafeMutableRawPointer) {
    words = p.assumingMemoryBound(to: UInt64.self)
  }

  /// This thread's counters (written only by this thread).
  @inlinable public var tallies: UnsafeMutablePointer<Int> {
    UnsafeMutableRawPointer(words + 8).assumingMemoryBound(to: Int.self)
  }

  var list: UnsafeMutablePointer<UInt64>? {
    UnsafeMutablePointer(bitPattern: UInt(words[Epochs.list]))
  }
}
