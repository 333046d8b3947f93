import CNuma

/// The calling thread's NUMA memory policy (libnuma's `numa_set_*`, read back with
/// `get_mempolicy`).
public enum MemoryPolicy {
  public enum Mode: String, Codable, Sendable { case local, bind, interleave, preferred }

  /// Sets the calling thread's policy; false when NUMA is unavailable or a node is not valid.
  @discardableResult
  public static func apply(_ mode: Mode, nodes: [Int]) -> Bool {
    guard numa_available() >= 0 else { return mode == .local }
    if mode == .local {
      numa_set_localalloc()
      return true
    }
    guard !nodes.isEmpty, nodes.allSatisfy({ $0 >= 0 && $0 <= Int(numa_max_node()) }) else {
      return false
    }
    if mode == .preferred {
      numa_set_preferred(Int32(nodes[0]))
      return true
    }
    guard let mask = numa_allocate_nodemask() else { return false }
    defer { numa_free_nodemask(mask) }
    for n in nodes { numa_bitmask_setbit(mask, UInt32(n)) }
    if mode == .bind { numa_set_membind(mask) } else { numa_set_interleave_mask(mask) }
    return true
  }

  /// The calling thread's policy as the kernel reports it: mode and nodes, e.g. `bind 0,1`.
  public static func current() -> String {
    var mode: Int32 = 0
    var mask: [UInt] = Array(repeating: 0, count: 16)
    let rc = mask.withUnsafeMutableBufferPointer {
      get_mempolicy(&mode, $0.baseAddress, UInt(16 * UInt.bitWidth), nil, 0)
    }
    guard rc == 0 else { return "unknown" }
    let names = [0: "default", 1: "preferred", 2: "bind", 3: "interleave", 4: "local"]
    let name = names[Int(mode & 0xff)] ?? "mode \(mode)"
    var nodes: [Int] = []
    for (w, word) in mask.enumerated() {
      for b in 0..<UInt.bitWidth where word & (1 << UInt(b)) != 0 {
        nodes.append(w * UInt.bitWidth + b)
      }
    }
    return name == "default" || name == "local" || nodes.isEmpty
      ? name : "\(name) \(nodes.map(String.init).joined(separator: ","))"
  }
}
