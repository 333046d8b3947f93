/// Where client threads run and where their memory comes from (`placement:` in the spec). The
/// load phase uses the same placement, so first-touch puts the data where the run expects it.
public struct Placement: Codable, Sendable, Equatable {
  /// How client threads are pinned to CPUs.
  public enum CPUs: Codable, Sendable, Equatable {
    /// Not pinned (the scheduler decides).
    case unpinned
    /// Fill one node's CPUs before the next node's.
    case compact
    /// Round-robin over nodes.
    case scatter
    /// Thread i on `list[i % list.count]`.
    case list([Int])
  }
  /// The NUMA memory policy of client threads.
  public enum Memory: Codable, Sendable, Equatable {
    case local
    case bind([Int])
    case interleave([Int])
    case preferred(Int)
  }
  public var cpus: CPUs = .unpinned
  public var memory: Memory = .local

  public init(cpus: CPUs = .unpinned, memory: Memory = .local) {
    self.cpus = cpus
    self.memory = memory
  }

  /// A comma-free label for result files, e.g. `compact/local` or `cpus 0+2/bind 0`.
  public var label: String {
    func list(_ l: [Int]) -> String { l.map(String.init).joined(separator: "+") }
    let c: String
    switch cpus {
    case .unpinned: c = "unpinned"
    case .compact: c = "compact"
    case .scatter: c = "scatter"
    case .list(let l): c = "cpus " + list(l)
    }
    switch memory {
    case .local: return c + "/local"
    case .bind(let n): return c + "/bind " + list(n)
    case .interleave(let n): return c + "/interleave " + list(n)
    case .preferred(let n): return c + "/preferred \(n)"
    }
  }
}
