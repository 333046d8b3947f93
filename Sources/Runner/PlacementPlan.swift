import Platform
import Workload

/// A placement request the machine cannot satisfy (a CPU or node it does not have).
public struct PlacementError: Error, CustomStringConvertible {
  public var field: String
  public var message: String
  public var description: String { "\(field): \(message)" }
}

/// Client-thread placement resolved against a topology: a CPU (or none) per thread and the
/// memory policy. Pure, so it is tested on injected topologies.
public struct PlacementPlan: Sendable, Equatable {
  public var cpus: [Int?]
  public var memory: Placement.Memory

  /// Resolves `placement` for `threads` threads on `topology`.
  public init(_ placement: Placement, threads: Int, topology: Topology) throws {
    let known = Set(topology.nodes.flatMap(\.cpus))
    switch placement.cpus {
    case .unpinned:
      cpus = Array(repeating: nil, count: threads)
    case .compact:
      let order = topology.nodes.flatMap(\.cpus)
      cpus = (0..<threads).map { order[$0 % order.count] }
    case .scatter:
      let nodes = topology.nodes.filter { !$0.cpus.isEmpty }
      cpus = (0..<threads).map { i in
        let node = nodes[i % nodes.count]
        return node.cpus[(i / nodes.count) % node.cpus.count]
      }
    case .list(let list):
      if let bad = list.first(where: { !known.contains($0) }) {
        throw PlacementError(
          field: "placement.cpus",
          message:
            "CPU \(bad) does not exist here (CPUs: \(known.sorted().map(String.init).joined(separator: ",")))"
        )
      }
      cpus = (0..<threads).map { list[$0 % list.count] }
    }
    let nodeIDs = Set(topology.nodes.map(\.id))
    let wanted: [Int]
    switch placement.memory {
    case .local: wanted = []
    case .bind(let n), .interleave(let n): wanted = n
    case .preferred(let n): wanted = [n]
    }
    if let bad = wanted.first(where: { !nodeIDs.contains($0) }) {
      throw PlacementError(
        field: "placement.memory",
        message:
          "NUMA node \(bad) does not exist here (nodes: \(nodeIDs.sorted().map(String.init).joined(separator: ",")))"
      )
    }
    memory = placement.memory
  }

  /// Applies thread `i`'s placement to the calling thread and reports what it obtained.
  public func apply(thread i: Int) -> ThreadPlacement {
    if let cpu = cpus[i] { pinCurrentThread(to: cpu) }
    switch memory {
    case .local: MemoryPolicy.apply(.local, nodes: [])
    case .bind(let n): MemoryPolicy.apply(.bind, nodes: n)
    case .interleave(let n): MemoryPolicy.apply(.interleave, nodes: n)
    case .preferred(let n): MemoryPolicy.apply(.preferred, nodes: [n])
    }
    return ThreadPlacement(
      thread: i, requestedCPU: cpus[i], cpu: currentCPU(), memoryPolicy: MemoryPolicy.current())
  }
}

/// What one client thread obtained: its CPU as `sched_getcpu` saw it after pinning, and its
/// memory policy as `get_mempolicy` reports it.
public struct ThreadPlacement: Codable, Sendable, Equatable {
  public var thread: Int
  public var requestedCPU: Int?
  public var cpu: Int
  public var memoryPolicy: String
}
