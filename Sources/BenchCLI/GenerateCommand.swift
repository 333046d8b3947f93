import ArgumentParser
import Foundation
import Workload

struct GenerateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "generate",
    abstract: "Write a workload's exact operation stream (load + run, per thread) as a trace.")

  @Argument(help: "Workload file.") var file: String
  @Option(name: .long, help: "Run-phase operations (default: the spec's operations).") var ops: Int?
  @Option(name: .long, help: "Run-phase threads (default: the spec's first thread count).")
  var threads: Int?
  @Option(name: .long, help: "Trace file to write.") var out: String
  @Option(name: .long, help: "csv or binary (default: csv for *.csv, else binary).") var format:
    String?
  @Option(name: .customShort("p"), help: "Override, as for run.") var property: [String] = []

  func run() throws {
    let spec = try loadWorkload(file, overrides: property)
    let f = format ?? (out.hasSuffix(".csv") ? "csv" : "binary")
    guard let fmt = TraceWriter.Format(rawValue: f) else {
      throw ValidationError("--format must be csv or binary")
    }
    let n = ops ?? spec.operations ?? 0
    guard n >= 0 else { throw ValidationError("--ops must be ≥ 0") }
    let t = threads ?? spec.threads[0]
    guard (1...Limits.maxThreads).contains(t) else {
      throw SpecError(
        file: "--threads", line: nil, field: "\(t)",
        message: "expected a thread count 1...\(Limits.maxThreads)")
    }
    let start = Date()
    let written = try TraceWriter.write(
      spec: spec, runThreads: t, runOperations: n, format: fmt, to: out)
    let secs = Date().timeIntervalSince(start)
    print(
      "wrote \(written) operations (\(spec.loadRange.count) load + \(n) run on \(t) thread(s)) to \(out) in \(String(format: "%.2f", secs))s"
    )
  }
}
