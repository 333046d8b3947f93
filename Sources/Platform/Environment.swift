import CNuma
import Foundation

/// The machine and build a run happened on, recorded in `run.json` and printed by `bench env`.
public struct EnvironmentInfo: Codable, Sendable {
  public var hostname: String
  public var cpuModel: String
  public var logicalCPUs: Int
  public var numaNodes: Int
  public var cpusPerNode: [[Int]]
  /// NUMA distances between nodes (10 = local).
  public var numaDistances: [[Int]]
  public var kernel: String
  public var clockSource: String
  public var transparentHugePages: String
  public var swiftVersion: String
  public var buildConfiguration: String
  public var gitCommit: String
  public var gitDirty: Bool
  public var allocator: String
  public var jemallocVersion: String?
  public var mallocConf: String?

  /// Reads everything once (spawns `git` for the commit; call it at run start, not per cell).
  public static func capture() -> EnvironmentInfo {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model =
      cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") })?
      .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
      ?? "unknown"
    var uts = utsname()
    uname(&uts)
    let kernel = withUnsafeBytes(of: &uts.release) {
      String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    let commit = shell(["git", "rev-parse", "HEAD"]) ?? "unknown"
    let dirty = !(shell(["git", "status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
    let topology = Topology.machine
    return EnvironmentInfo(
      hostname: ProcessInfo.processInfo.hostName,
      cpuModel: model,
      logicalCPUs: ProcessInfo.processInfo.activeProcessorCount,
      numaNodes: topology.nodes.count,
      cpusPerNode: topology.nodes.map(\.cpus),
      numaDistances: topology.distances,
      kernel: kernel,
      clockSource: firstLine("/sys/devices/system/clocksource/clocksource0/current_clocksource"),
      transparentHugePages: firstLine("/sys/kernel/mm/transparent_hugepage/enabled"),
      swiftVersion: compilerVersion,
      buildConfiguration: buildConfiguration,
      gitCommit: commit,
      gitDirty: dirty,
      allocator: Allocator.isJemalloc ? "jemalloc" : "system (RSS-based memory figures)",
      jemallocVersion: Allocator.version,
      mallocConf: Allocator.mallocConf)
  }

  public static var buildConfiguration: String {
    #if DEBUG
      return "debug"
    #else
      return "release"
    #endif
  }

  static var compilerVersion: String {
    #if compiler(>=6.4)
      return "6.4+"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #else
      return "<6.2"
    #endif
  }

  private static func firstLine(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "unknown")
      .split(separator: "\n").first.map(String.init) ?? "unknown"
  }

  private static func shell(_ args: [String]) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return nil }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

/// NUMA nodes and their CPUs, from libnuma (one node holding every CPU when NUMA is unavailable).
public struct Topology: Codable, Sendable, Equatable {
  public struct Node: Codable, Sendable, Equatable {
    public var id: Int
    public var cpus: [Int]
    public init(id: Int, cpus: [Int]) { (self.id, self.cpus) = (id, cpus) }
  }
  public var nodes: [Node]
  /// NUMA distances between the nodes (libnuma's `numa_distance`, 10 = local); empty when NUMA
  /// is unavailable.
  public var distances: [[Int]] = []

  /// A given topology (tests inject multi-node machines with this).
  public init(nodes: [Node], distances: [[Int]] = []) {
    self.nodes = nodes
    self.distances = distances
  }

  /// This machine's topology, read once (it does not change while the program runs).
  public static let machine = current()

  static func current() -> Topology {
    let cpuCount = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    guard numa_available() >= 0 else {
      return Topology(nodes: [Node(id: 0, cpus: Array(0..<cpuCount))])
    }
    var nodes: [Node] = []
    for id in 0...Int(numa_max_node()) {
      let cpus = (0..<Int(numa_num_configured_cpus())).filter { numa_node_of_cpu(Int32($0)) == id }
      if !cpus.isEmpty { nodes.append(Node(id: id, cpus: cpus)) }
    }
    let distances = nodes.map { a in nodes.map { b in Int(numa_distance(Int32(a.id), Int32(b.id))) }
    }
    return nodes.isEmpty
      ? Topology(nodes: [Node(id: 0, cpus: Array(0..<cpuCount))])
      : Topology(nodes: nodes, distances: distances)
  }
}
