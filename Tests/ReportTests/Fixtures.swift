import EngineKit
import Platform
import Report
import Runner
import Workload

/// A results writer into `dir` for `spec`, and the context to measure cells with (quiet, with a
/// quickly calibrated timer).
func testWriter(_ spec: WorkloadSpec, dir: String) throws -> (ResultsWriter, RunContext) {
  let timer = CycleTimer.calibrated(millis: 10)
  let writer = try ResultsWriter(
    directory: dir, spec: spec, environment: .capture(),
    timer: TimerRecord(timer, overhead: timer.measureOverhead(samples: 100)), command: ["test"])
  return (writer, RunContext(timer: timer, progress: ProgressReporter(enabled: false)))
}

/// One measured single-threaded sortedmap cell of `spec`.
func measuredSortedMapCell(_ spec: WorkloadSpec, context: RunContext) throws -> CellResult {
  let plan = CellPlan(
    spec: spec, engine: EngineChoice(name: "sortedmap"), wrapper: .none, threads: 1,
    repeatIndex: 0, index: 1, total: 1)
  return try EngineEntry(SortedMapEngine.self).measure(plan, context: context)
}
