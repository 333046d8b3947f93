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
