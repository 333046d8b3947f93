import Foundation
import Workload

/// Loads a workload file and prints the warnings its reading gave, one line each, on stderr
/// (they are also kept in the spec, so run.json records them).
func loadWorkload(_ path: String, overrides: [String]) throws -> WorkloadSpec {
  let spec = try WorkloadLoader.load(path: path, overrides: overrides)
  for w in spec.warnings { FileHandle.standardError.write(Data("bench: warning: \(w)\n".utf8)) }
  return spec
}
