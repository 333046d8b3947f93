import ArgumentParser
import EngineKit
import Foundation
import Platform
import Report
import Runner
import Workload

struct RunCommand: EngineCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a workload file (YAML spec or YCSB properties) and write results/<run>/.")

  @Argument(help: "Workload file: workloads/*.yaml, or a YCSB property file such as workloada.")
  var file: String?

  @Option(
    name: .long,
    help: "Engine to run, repeatable: NAME or NAME:knob=value,… (overrides the spec's engines).")
  var engine: [String] = []

  @Option(
    name: .customShort("p"),
    help: "Override: a YCSB property (recordcount=…) or a spec field path (mix.read=…).")
  var property: [String] = []

  @Option(name: .long, help: "Thread counts to sweep, e.g. 1,2,4 (overrides the spec).")
  var threads: String?

  @Option(name: .long, help: "Results folder (default results/<timestamp>-<workload>).")
  var out: String?

  @Option(
    name: .long, help: "Replay this trace (from `bench generate`) instead of generating operations."
  )
  var trace: String?

  @Flag(
    name: .long,
    help: "Check every operation against a reference model (single-threaded; not for timing).")
  var verify = false

  @Flag(name: .long, help: "No progress line.")
  var quiet = false

  @Flag(name: .long, help: "Draw the charts and report.html into the results folder afterwards.")
  var plot = false

  @Option(
    name: .long,
    help:
      "What to print when the run ends: table (the summary table) or ycsb (YCSB's text output, as results/<run>/ycsb.txt; the results line then goes to stderr)."
  )
  var format: OutputFormat = .table

  enum OutputFormat: String, ExpressibleByArgument { case table, ycsb }

  func run(engines registry: [EngineEntry]) throws {
    let readStart = Date()
    let tape = try trace.map { try TraceTape.read(path: $0) }
    if let tape, let trace, !quiet {
      let ops = (tape.load + tape.run).reduce(0) { $0 + $1.count }
      FileHandle.standardError.write(
        Data(
          "bench: \(trace): \(ops) ops on \(tape.load.count) load and \(tape.run.count) run thread(s), read in \(String(format: "%.2f", Date().timeIntervalSince(readStart))) s into \(Limits.bytes(Double(tape.byteCount)))\n"
            .utf8))
    }
    var spec: WorkloadSpec
    if let file {
      spec = try loadWorkload(file, overrides: property)
    } else if let trace {
      spec = try WorkloadLoader.parse("name: trace\n", file: trace + ".yaml", overrides: property)
      spec.file = trace  // errors name the trace, not the synthetic spec
      spec.name =
        "trace-" + ((trace as NSString).lastPathComponent as NSString).deletingPathExtension
    } else {
      throw ValidationError("give a workload file (e.g. workloads/ycsb-a.yaml) or --trace FILE")
    }
    if let tape {
      spec.loadThreads = max(tape.load.count, 1)
    }
    let threadList = try threads.map(Planner.threads) ?? spec.threads
    let engines = try Planner.engines(
      for: spec, flags: engine, trace: tape, registry: registry)
    let cells = try Planner.cells(spec: spec, engines: engines, threads: threadList, trace: tape)
    if verify { return try runVerify(cells) }
    for (name, ms) in spec.allocator.sorted(by: { $0.key < $1.key })
    where !Allocator.setDecay(name, milliseconds: ms) {
      throw SpecError(
        file: spec.file, line: nil, field: "allocator.\(name)",
        message:
          "jemalloc refused \(ms) (use -1 or a time in ms; and the binary must run with jemalloc)")
    }

    Interrupt.install()
    let progress = ProgressReporter(enabled: !quiet)
    let timer = CycleTimer.calibrated()
    let overhead = timer.measureOverhead()
    let writer = try ResultsWriter(
      directory: out, spec: spec, environment: EnvironmentInfo.capture(),
      timer: TimerRecord(timer, overhead: overhead), command: CommandLine.arguments)
    progress.say("bench: \(spec.name): \(cells.count) cell(s) → \(writer.directory)")
    let context = RunContext(timer: timer, progress: progress)
    let results: [CellResult]
    do {
      results = try measure(cells, spec: spec, writer: writer, context: context)
    } catch {
      // A write that failed, or an engine that refused its options: the folder says so.
      writer.markFailed("\(error)")
      throw error
    }
    let interrupted = Interrupt.requested || results.contains(where: \.interrupted)
    let resultsLine =
      "results: \(writer.directory)\(interrupted ? " (interrupted: partial results kept)" : "")"
    if format == .ycsb {
      print(YCSBText.render(results, workload: spec.name), terminator: "")
      FileHandle.standardError.write(Data((resultsLine + "\n").utf8))
    } else {
      print(SummaryTable.render(results), terminator: "")
      print(resultsLine)
    }
    if plot { _ = try Plotter.draw([writer.directory], out: nil) }
    if interrupted { throw BenchExit(code: ExitStatus.interrupted.code) }
    if spec.dataIntegrity { try runVerify(cells) }
  }

  /// Measures the cells in order (and the open-loop sweeps `target: auto` adds), writing each
  /// result as it comes; stops after an interrupted cell.
  func measure(
    _ cells: [(CellPlan, EngineEntry)], spec: WorkloadSpec, writer: ResultsWriter,
    context: RunContext
  ) throws -> [CellResult] {
    let progress = context.progress
    var results: [CellResult] = []
    var queue = cells[...]
    while let (plan, entry) = queue.popFirst() {
      let result: CellResult
      do { result = try entry.measure(plan, context: context) } catch let e as EngineOptionError {
        throw SpecError(
          file: spec.file, line: plan.engine.line == 0 ? nil : plan.engine.line,
          field: "engines.\(plan.engine.name).\(e.knob)", message: e.message)
      }
      results.append(result)
      try writer.add(result)
      // target: auto: this closed-loop cell found the maximum; sweep fractions of it next.
      if !spec.autoTargetFractions.isEmpty, plan.target == nil, plan.trace == nil,
        let run = result.run, run.throughput > 0
      {
        let sweep = spec.autoTargetFractions.map { f -> (CellPlan, EngineEntry) in
          var p = plan
          p.target = (run.throughput * f).rounded()
          return (p, entry)
        }
        queue.insert(contentsOf: sweep, at: queue.startIndex)
        let total = results.count + queue.count
        for i in queue.indices {
          queue[i].0.index = results.count + 1 + (i - queue.startIndex)
          queue[i].0.total = total
        }
      }
      if let target = plan.target, let r = result.run, r.throughput < 0.98 * target {
        progress.say(
          "warning: \(plan.label) could not keep up with target \(Int(target)) ops/s: achieved \(Int(r.throughput)) (\(String(format: "%.1f", 100 * (1 - r.throughput / target))) % short); latencies are at the achieved rate"
        )
      }
      if let r = result.run ?? result.load {
        progress.say(
          "\(plan.label) r=\(plan.repeatIndex): \(r.phase.rawValue) \(ProgressReporter.rate(r.throughput)) (\(String(format: "%.2fs", r.seconds)))"
        )
      }
      if result.interrupted { break }
    }
    let interrupted = Interrupt.requested || results.contains(where: \.interrupted)
    try writer.finish(interrupted ? .interrupted : .complete)
    return results
  }

  func runVerify(_ cells: [(CellPlan, EngineEntry)]) throws {
    Interrupt.install()
    var failed = false
    for (plan, entry) in cells where plan.repeatIndex == 0 {
      guard entry.descriptor.storesData else {
        print("verify \(plan.label): skipped (the engine stores nothing)")
        continue
      }
      do {
        let report = try entry.verify(plan)
        print("verify \(plan.label): OK (\(report.operations) ops, \(report.finalKeys) keys)")
      } catch let e as VerifyMismatch {
        print("verify \(plan.label): MISMATCH at \(e)")
        failed = true
        break
      } catch let e as InvariantViolation {
        print("verify \(plan.label): INVARIANT BROKEN: \(e)")
        failed = true
        break
      } catch let e as VerifyInterrupted {
        print("verify \(plan.label): INTERRUPTED after \(e.operations) ops (checked up to there)")
        throw BenchExit(code: ExitStatus.interrupted.code)
      }
    }
    if failed { throw BenchExit(code: ExitStatus.mismatch.code) }
  }
}

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

struct EnvCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "env", abstract: "Print the environment recorded with every run.")

  func run() throws {
    let timer = CycleTimer.calibrated()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    struct Env: Encodable {
      var environment: EnvironmentInfo
      var timer: TimerRecord
    }
    let data = try encoder.encode(
      Env(environment: .capture(), timer: TimerRecord(timer, overhead: timer.measureOverhead())))
    print(String(decoding: data, as: UTF8.self))
  }
}

/// Loads a workload file and prints the warnings its reading gave, one line each, on stderr
/// (they are also kept in the spec, so run.json records them).
func loadWorkload(_ path: String, overrides: [String]) throws -> WorkloadSpec {
  let spec = try WorkloadLoader.load(path: path, overrides: overrides)
  for w in spec.warnings { FileHandle.standardError.write(Data("bench: warning: \(w)\n".utf8)) }
  return spec
}
