/// The kinds of keys a workload sends (the names of its key shapes), or `bytes` for keys with no
/// model (a replayed trace).
public enum KeyKind: String, Sendable, Hashable, CaseIterable {
  case bytes, ycsb, int64, onode, path
}

/// Variant knobs for one engine instance, as written in the workload file (all values as text).
public struct EngineOptions: Sendable, Equatable, Hashable {
  public var values: [String: String]
  /// The kind of keys the workload sends, for engines with a native key model: the staged tree
  /// reads `onode` keys field by field and treats any other key as an object name, and the
  /// `partitioned` wrapper routes `onode` keys by placement. Not a knob: it is not part of the
  /// variant label.
  public var keyKind: KeyKind

  public init(_ values: [String: String] = [:], keyKind: KeyKind = .bytes) {
    self.values = values
    self.keyKind = keyKind
  }

  /// The value of an integer knob (validated against the descriptor before construction).
  public func integer(_ name: String, default d: Int) throws -> Int {
    guard let s = values[name] else { return d }
    guard let v = Int(s) else {
      throw EngineOptionError(knob: name, message: "'\(s)' is not an integer")
    }
    return v
  }

  /// The concurrency mode the engine is built for (`olc` asks a capable engine to synchronise
  /// itself; any other mode leaves it unsynchronised).
  public var concurrency: ConcurrencyMode {
    ConcurrencyMode(rawValue: values["concurrency"] ?? "") ?? .none
  }

  /// The value of a choice knob.
  public func choice(_ name: String, default d: String) -> String { values[name] ?? d }

  /// A stable, human-readable variant label such as `node_size=8,split=count` ("default" if none).
  public var label: String {
    values.isEmpty
      ? "default"
      : values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
  }
}

/// A bad engine knob: unknown name or disallowed value.
public struct EngineOptionError: Error, CustomStringConvertible {
  public var knob: String
  public var message: String
  public init(knob: String, message: String) {
    self.knob = knob
    self.message = message
  }
  public var description: String { "\(knob): \(message)" }
}

/// How client threads share an engine: a wrapper around an unsynchronised engine, or the
/// engine's own synchronisation.
public enum ConcurrencyMode: String, Sendable, CaseIterable, Codable {
  /// No wrapper: the engine itself is thread-safe, or one client thread runs.
  case none
  /// One global reader-writer lock.
  case rwlock
  /// N independent instances routed by key hash, each behind its own lock; scans merge.
  case partitioned
  /// The engine's optimistic lock coupling (engines whose descriptor has `supportsOLC`).
  case olc
}

extension EngineDescriptor {
  /// Knobs every engine accepts; the registry, not the engine, interprets them.
  public static let wrapperKnobs: [Knob] = [
    Knob(
      "concurrency", .choice(["auto"] + ConcurrencyMode.allCases.map(\.rawValue)),
      default: "auto",
      help:
        "auto: olc where the engine has it, else none for 1 thread or a thread-safe engine, else rwlock"
    ),
    Knob(
      "partitions", .integer(1...1024), default: "8", help: "instances for concurrency=partitioned"),
  ]

  /// Checks `options` against this engine's knobs and the wrapper knobs.
  public func validate(_ options: EngineOptions) throws {
    let all = knobs + Self.wrapperKnobs
    for (name, value) in options.values {
      guard let knob = all.first(where: { $0.name == name }) else {
        let known = all.map(\.name).joined(separator: ", ")
        throw EngineOptionError(
          knob: name,
          message:
            "unknown option for engine '\(self.name)' (known: \(known.isEmpty ? "none" : known))")
      }
      if name == "concurrency" && value == ConcurrencyMode.olc.rawValue && !supportsOLC {
        throw EngineOptionError(
          knob: name,
          message: "engine '\(self.name)' has no optimistic mode (use rwlock | partitioned)")
      }
      switch knob.kind {
      case .choice(let allowed) where !allowed.contains(value):
        throw EngineOptionError(
          knob: name, message: "'\(value)' is not allowed (use \(knob.allowed))")
      case .integer(let range) where Int(value).map({ !range.contains($0) }) ?? true:
        throw EngineOptionError(
          knob: name, message: "'\(value)' must be an integer in \(knob.allowed)")
      default: break
      }
    }
  }

  /// The concurrency mode to use with `threads` client threads. `auto` picks the engine's own
  /// optimistic mode at every thread count, so a thread sweep compares one implementation.
  public func wrapper(for options: EngineOptions, threads: Int) -> ConcurrencyMode {
    switch options.values["concurrency"] ?? "auto" {
    case "auto" where supportsOLC: return .olc
    case "auto": return threads > 1 && !threadSafe ? .rwlock : .none
    case let s: return ConcurrencyMode(rawValue: s) ?? .none
    }
  }

  /// `options` without the wrapper knobs, as the engine itself should see them.
  public static func engineOnly(_ options: EngineOptions) -> EngineOptions {
    EngineOptions(
      options.values.filter { k, _ in !wrapperKnobs.contains { $0.name == k } },
      keyKind: options.keyKind)
  }
}
