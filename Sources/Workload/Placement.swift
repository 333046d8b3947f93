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

  public var label: String {
    let c: String
    switch cpus {
    case .unpinned: c = "unpinned"
    case .compact: c = "compact"
    case .scatter: c = "scatter"
    case .list(let l): c = "cpus " + l.map(String.init).joined(separator: ",")
    }
    switch memory {
    case .local: return c + ", local memory"
    case .bind(let n): return c + ", bind " + n.map(String.init).joined(separator: ",")
    case .interleave(let n): return c + ", interleave " + n.map(String.init).joined(separator: ",")
    case .preferred(let n): return c + ", preferred \(n)"
    }
  }
}
