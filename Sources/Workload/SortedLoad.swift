import EngineKit

extension PackedEntries {
  /// The load phase of `spec` as one ascending batch (`load: bulk`): every record its load
  /// streams would insert, in key order, so a timed `bulkLoad` reads it front to back and pays
  /// for neither generation nor sorting.
  public init(loadPhaseOf spec: WorkloadSpec) {
    var generated = PackedEntries()
    for t in 0..<spec.loadThreads {
      var stream = OperationStream(spec: spec, phase: .load, thread: t, threads: spec.loadThreads)
      while let op = stream.next() { generated.append(op.key, op.value) }
    }
    self = generated.sortedByKey()
  }
}
