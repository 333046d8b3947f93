import Yams

/// A parsed spec document that remembers where each value came from, so every validation error
/// can name the line. Built from YAML (via Yams) or from a YCSB properties file.
indirect enum SpecNode: Sendable {
  /// `line` is 1-based; 0 marks a value given on the command line (`-p key=value`).
  case scalar(String, line: Int)
  case sequence([SpecNode], line: Int)
  case mapping([(key: String, value: SpecNode, line: Int)], line: Int)

  public var line: Int {
    switch self {
    case .scalar(_, let l), .sequence(_, let l), .mapping(_, let l): return l
    }
  }

  /// The most nodes a spec document may expand to. A real spec has a few hundred; YAML aliases
  /// can make a few hundred bytes expand to billions ("billion laughs").
  static let maximumNodes = 100_000

  /// Parses YAML text; syntax errors become `SpecError`s with the line.
  static func parseYAML(_ text: String, file: String) throws -> SpecNode {
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw SpecError(
          file: file, line: nil, field: "(document)",
          message:
            "the file holds no spec (it is empty or only comments); start from workloads/ycsb-a.yaml"
        )
      }
      var budget = maximumNodes
      return try convert(node, file: file, budget: &budget)
    } catch let e as YamlError {
      throw SpecError(file: file, line: yamlLine(e), field: "(syntax)", message: yamlProblem(e))
    }
  }

  private static func convert(_ node: Node, file: String, budget: inout Int) throws -> SpecNode {
    let line = node.mark?.line ?? 0
    budget -= 1
    guard budget >= 0 else {
      throw SpecError(
        file: file, line: line, field: "(document)",
        message:
          "the document expands to more than \(maximumNodes) values (YAML aliases?); write the spec out plainly"
      )
    }
    switch node {
    case .scalar(let s): return .scalar(s.string, line: line)
    case .sequence(let s):
      return .sequence(try s.map { try convert($0, file: file, budget: &budget) }, line: line)
    case .mapping(let m):
      var pairs: [(key: String, value: SpecNode, line: Int)] = []
      for (k, v) in m {
        guard let key = k.scalar?.string else {
          throw SpecError(
            file: file, line: k.mark?.line, field: "(key)", message: "keys must be plain names")
        }
        pairs.append((key, try convert(v, file: file, budget: &budget), k.mark?.line ?? line))
      }
      return .mapping(pairs, line: line)
    case .alias:
      throw SpecError(
        file: file, line: line, field: "(alias)",
        message: "YAML aliases are not supported; write the value out")
    }
  }

  private static func yamlLine(_ e: YamlError) -> Int? {
    switch e {
    case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): return mark.line
    default: return nil
    }
  }

  private static func yamlProblem(_ e: YamlError) -> String {
    switch e {
    case .scanner(_, let problem, _, _), .parser(_, let problem, _, _):
      return "YAML syntax error: \(problem)"
    default: return "YAML error: " + "\(e)".split(separator: "\n").joined(separator: " ")
    }
  }

  /// Returns a copy with the value at `path` (mapping keys) replaced or added.
  public func setting(_ path: [Substring], to value: SpecNode) -> SpecNode {
    guard let head = path.first else { return value }
    var pairs: [(key: String, value: SpecNode, line: Int)]
    switch self {
    case .mapping(let p, _): pairs = p
    default: pairs = []
    }
    let rest = Array(path.dropFirst())
    if let i = pairs.firstIndex(where: { $0.key == head }) {
      pairs[i].value = pairs[i].value.setting(rest, to: value)
    } else {
      pairs.append(
        (String(head), SpecNode.mapping([], line: value.line).setting(rest, to: value), value.line))
    }
    return .mapping(pairs, line: line)
  }
}

/// A bad spec: one line naming the file, field, line where known, and what is allowed.
public struct SpecError: Error, CustomStringConvertible, Equatable {
  public var file: String
  public var line: Int?
  public var field: String
  public var message: String

  public init(file: String, line: Int?, field: String, message: String) {
    self.file = file
    self.line = line
    self.field = field
    self.message = message
  }

  public var description: String {
    let location: String
    switch line {
    case .some(0): location = "\(file) (command line -p)"
    case .some(let l): location = "\(file):\(l)"
    case .none: location = file
    }
    return "\(location): \(field): \(message)"
  }
}
