import CSys

/// Dedicated OS threads (pthreads, not the Swift concurrency pool) running `body(i)`.
public struct ThreadGroup: ~Copyable {
  private var handles: [UInt64] = []

  final class Job: @unchecked Sendable {
    let index: Int
    let body: @Sendable (Int) -> Void
    init(_ index: Int, _ body: @escaping @Sendable (Int) -> Void) {
      self.index = index
      self.body = body
    }
  }

  /// Starts `count` threads.
  public init(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    for i in 0..<count {
      let job = Unmanaged.passRetained(Job(i, body)).toOpaque()
      var handle: UInt64 = 0
      let rc = csys_thread_start(
        { raw in
          let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
          job.body(job.index)
          return nil
        }, job, &handle)
      precondition(rc == 0, "pthread_create failed: \(rc)")
      handles.append(handle)
    }
  }

  /// Waits for every thread.
  public consuming func join() {
    for h in handles { _ = csys_thread_join(h) }
  }
}

/// Runs `body(i)` on `count` dedicated threads and waits for all of them.
public func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  ThreadGroup(count: count, body).join()
}

/// Pins the calling thread to `cpu`; returns false when the OS refused.
@discardableResult
public func pinCurrentThread(to cpu: Int) -> Bool { csys_pin_self_to_cpu(Int32(cpu)) == 0 }

/// The CPU the calling thread runs on now, or -1.
public func currentCPU() -> Int { Int(csys_current_cpu()) }

/// Ctrl-C / SIGTERM handling: the first signal sets a flag the runner polls; a second one kills.
public enum Interrupt {
  public static func install() { csys_install_interrupt_handler() }
  @inline(__always) public static var requested: Bool { csys_interrupted() != 0 }
  /// The bytes to put at `path` if a second Ctrl-C kills the process (see csys.h).
  public static func prepareKillImage(
    path: String, temporary: String, bytes: UnsafeRawBufferPointer
  ) {
    csys_set_kill_image(path, temporary, bytes.baseAddress, bytes.count)
  }
}
