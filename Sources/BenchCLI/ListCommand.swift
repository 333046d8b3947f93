import ArgumentParser
import EngineKit
import Foundation
import Runner
import Workload

struct ListCommand: EngineCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Show engines and their variant knobs, key shapes, distributions and workloads.")

  @Option(name: .long, help: "Folder of workload files.") var workloads = "workloads"

  func run(engines: [EngineEntry]) throws {
    print("Engines:")
    for e in engines {
      let d = e.descriptor
      print(
        "  \(d.name) — \(d.summary)\(d.supportsScan ? "" : " [no scans]")\(d.threadSafe ? " [thread-safe]" : "")"
      )
      for k in d.knobs + EngineDescriptor.wrapperKnobs {
        print("      \(k.name): \(k.allowed) (default \(k.defaultValue)) — \(k.help)")
      }
    }
    print(
      "Key shapes: ycsb (prefix, zero_padding), int64, onode (layout objects | grid), path (depth, fanout, files, name_length); see workloads/README.md"
    )
    let distributions = RequestDistribution.catalog.map { d in
      d.name + (d.parameters.isEmpty ? "" : "(\(d.parameters.joined(separator: ", ")))")
    }
    print("Request distributions: \(distributions.joined(separator: ", "))")
    print("Operations: \(OpKind.allCases.map(\.name).joined(separator: ", "))")
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: workloads)) ?? []).filter {
      $0.hasSuffix(".yaml")
    }.sorted()
    print("Workloads in \(workloads)/:")
    for f in files {
      let path = "\(workloads)/\(f)"
      if let spec = try? WorkloadLoader.load(path: path) {
        print("  \(path) — \(spec.description.isEmpty ? spec.name : spec.description)")
      } else {
        print("  \(path) — (does not validate: run `bench validate \(path)`)")
      }
    }
  }
}
