import ArgumentParser
import EngineKit
import Runner
import Workload

struct ValidateCommand: EngineCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate", abstract: "Check a workload file without running it.")

  @Argument(help: "Workload file.") var file: String
  @Option(name: .long, help: "Engine, as for run.") var engine: [String] = []
  @Option(name: .customShort("p"), help: "Override, as for run.") var property: [String] = []

  func run(engines registry: [EngineEntry]) throws {
    let spec = try loadWorkload(file, overrides: property)
    let engines = try Planner.engines(for: spec, flags: engine, registry: registry)
    let cells = try Planner.cells(spec: spec, engines: engines, threads: spec.threads, trace: nil)
    let mix = OpKind.allCases.compactMap { k in spec.mix[k].map { "\(k.name) \($0)" } }.joined(
      separator: ", ")
    print(
      "\(file): OK — \(spec.name): \(spec.records) records, \(spec.operations.map { "\($0) ops" } ?? "")\(spec.duration.map { " ≤ \($0)s" } ?? ""), mix \(mix), \(spec.requestDistribution.label), \(spec.keyShape.label) keys, \(cells.count) cell(s): \(engines.map(\.0.name).joined(separator: ", ")) × threads \(spec.threads.map(String.init).joined(separator: ",")) × \(spec.repeats) repeat(s)"
    )
  }
}
