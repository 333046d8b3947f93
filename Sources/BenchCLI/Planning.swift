import EngineKit
import Foundation
import Runner
import Workload

/// Turns a spec plus command-line choices into the cells to run, rejecting anything the engines
/// cannot do with a `SpecError` (exit 2).
enum Planner {
  /// `--engine name` or `--engine name:knob=value,knob=value`.
  static func parseEngineFlag(_ s: String) throws -> EngineChoice {
    let parts = s.split(separator: ":", maxSplits: 1)
    var options: [String: String] = [:]
    if parts.count == 2 {
      for kv in parts[1].split(separator: ",") {
        let p = kv.split(separator: "=", maxSplits: 1)
        guard p.count == 2 else {
          throw SpecError(
            file: "--engine", line: nil, field: s,
            message: "write options as name:knob=value,knob=value")
        }
        options[String(p[0])] = String(p[1])
      }
    }
    return EngineChoice(name: String(parts.first ?? ""), options: options)
  }

  static func threads(_ s: String) throws -> [Int] {
    let list = s.split(separator: ",", omittingEmptySubsequences: false).map {
      Int($0.trimmingCharacters(in: .whitespaces))
    }
    guard !list.isEmpty, list.allSatisfy({ (1...Limits.maxThreads).contains($0 ?? 0) }) else {
      throw SpecError(
        file: "--threads", line: nil, field: s,
        message: "expected thread counts 1...\(Limits.maxThreads) such as 1,2,4")
    }
    return list.map { $0! }
  }

  /// Checks engines against the registry and the spec (or the trace, whose operations are what
  /// runs); returns the resolved choices.
  static func engines(
    for spec: WorkloadSpec, flags: [String], trace: TraceTape? = nil, registry: [EngineEntry]
  ) throws -> [(EngineChoice, EngineEntry)] {
    let ordered: [OpKind] = [.scan, .list]
    let scans =
      trace.map { !$0.kinds.isDisjoint(with: ordered) }
      ?? ordered.contains { spec.proportion($0) > 0 }
    let scanSource =
      trace == nil
      ? ordered.map { "mix.\($0.name) is \(spec.proportion($0))" }.joined(separator: ", ")
      : "the trace has scans or lists"
    var choices = try flags.map(parseEngineFlag)
    if choices.isEmpty { choices = spec.engines }
    if choices.isEmpty {
      choices = registry.filter {
        $0.descriptor.name != "null" && ($0.descriptor.supportsScan || !scans)
      }
      .map { EngineChoice(name: $0.descriptor.name) }
    }
    let known = registry.map(\.descriptor.name).joined(separator: ", ")
    return try choices.map { choice in
      let line = choice.line == 0 ? nil : choice.line
      guard let entry = registry.first(where: { $0.descriptor.name == choice.name }) else {
        throw SpecError(
          file: spec.file, line: line, field: "engines",
          message: "unknown engine '\(choice.name)' (known: \(known))")
      }
      do { try entry.descriptor.validate(EngineOptions(choice.options)) } catch let e
        as EngineOptionError
      {
        throw SpecError(
          file: spec.file, line: line, field: "engines.\(choice.name).\(e.knob)", message: e.message
        )
      }
      let d = entry.descriptor
      let (k, v) = (spec.keyShape.maximumLength, spec.valueSize.maximum)
      if trace == nil && (k > d.maxKeyLength || v > d.maxValueLength || k + v > d.maxEntryLength) {
        throw SpecError(
          file: spec.file, line: line, field: "engines",
          message:
            "engine '\(choice.name)' takes keys ≤ \(d.maxKeyLength) B, values ≤ \(d.maxValueLength) B and key + value ≤ \(d.maxEntryLength) B, but the workload generates keys up to \(k) B and values up to \(v) B; shrink them or drop the engine"
        )
      }
      if let tape = trace {
        for (what, limit, found) in [
          ("keys", d.maxKeyLength, tape.longestKey),
          ("values", d.maxValueLength, tape.largestValue),
          ("key + value", d.maxEntryLength, tape.largestEntry),
        ] where found.length > limit {
          throw SpecError(
            file: spec.file, line: nil, field: "record \(found.record)",
            message:
              "engine '\(choice.name)' takes \(what) ≤ \(limit) B, but this trace record has \(found.length) B; drop the engine or the record"
          )
        }
      }
      if scans && !entry.descriptor.supportsScan {
        throw SpecError(
          file: spec.file, line: line, field: "engines",
          message:
            "engine '\(choice.name)' has no ordered scans but \(scanSource); drop the engine or the scans"
        )
      }
      return (choice, entry)
    }
  }

  static func cells(
    spec: WorkloadSpec, engines: [(EngineChoice, EngineEntry)], threads: [Int], trace: TraceTape?
  ) throws -> [(CellPlan, EngineEntry)] {
    var out: [(CellPlan, EngineEntry)] = []
    let sweep = trace.map { [max($0.run.count, 1)] } ?? threads
    let planned =
      spec.repeats * engines.count * sweep.count * spec.placements.count
      * max(trace == nil ? spec.targets.count : 0, 1)
    guard planned <= Limits.maxCells else {
      throw SpecError(
        file: spec.file, line: nil, field: "repeats",
        message:
          "the run would have \(planned) cells (repeats × engines × threads × placements × targets), over \(Limits.maxCells); sweep fewer values"
      )
    }
    for r in 0..<spec.repeats {
      for (choice, entry) in engines {
        for t in sweep {
          for placement in spec.placements {
            do {
              _ = try PlacementPlan(
                placement, threads: max(t, spec.loadThreads), topology: .machine)
            } catch let e as PlacementError {
              throw SpecError(file: spec.file, line: nil, field: e.field, message: e.message)
            }
            for target in trace == nil && !spec.targets.isEmpty
              ? spec.targets.map(Optional.some) : [nil]
            {
              let options = EngineOptions(choice.options)
              let wrapper = entry.descriptor.wrapper(
                for: options, threads: max(t, trace?.load.count ?? spec.loadThreads))
              if wrapper == .none && max(t, spec.loadThreads) > 1 && !entry.descriptor.threadSafe {
                throw SpecError(
                  file: spec.file, line: choice.line == 0 ? nil : choice.line,
                  field: "engines.\(choice.name).concurrency",
                  message:
                    "'\(choice.name)' is not thread-safe; with \(t) threads use concurrency: \(entry.descriptor.supportsOLC ? "olc | " : "")rwlock | partitioned"
                )
              }
              out.append(
                (
                  CellPlan(
                    spec: spec, engine: choice, wrapper: wrapper, threads: t, repeatIndex: r,
                    index: 0,
                    total: 0, trace: trace, target: target, placement: placement), entry
                ))
            }
          }
        }
      }
    }
    for i in out.indices {
      out[i].0.index = i + 1
      out[i].0.total = out.count
    }
    return out
  }
}
