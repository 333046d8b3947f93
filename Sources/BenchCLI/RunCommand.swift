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
    if interrupted { throw BenchExit(.interrupted) }
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
        throw BenchExit(.interrupted)
      }
    }
    if failed { throw BenchExit(.mismatch) }
  }
}
