/// Minimal RFC 4180 CSV. Reads LF or CRLF line endings (a file re-saved by a spreadsheet or
/// Python's csv module) and a leading UTF-8 byte-order mark; writes LF.
public enum CSV {
  public static func field(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
      ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
  }

  public static func render(header: [String], rows: [[String]]) -> String {
    ([header] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  /// Parses CSV text with a header line into records by column name (rows whose field count
  /// differs from the header's are left out; `SummaryFile` is the strict reader).
  public static func records(_ text: String) -> [[String: String]] {
    let rows = parse(text)
    guard let header = rows.first else { return [] }
    return rows.dropFirst().filter { $0.count == header.count }.map {
      Dictionary(zip(header, $0), uniquingKeysWith: { first, _ in first })
    }
  }

  /// Parses CSV text into rows of fields (quoted fields supported).
  public static func parse(_ text: String) -> [[String]] { lines(text).map(\.fields) }

  /// Parses CSV text into rows of fields, each with the 1-based line it starts on.
  public static func lines(_ text: String) -> [(line: Int, fields: [String])] {
    var rows: [(line: Int, fields: [String])] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var line = 1
    var start = 1
    var chars = (text.first == "\u{FEFF}" ? text.dropFirst() : Substring(text)).makeIterator()
    var pending: Character? = nil
    while let c = pending ?? chars.next() {
      pending = nil
      if quoted {
        if c == "\"" {
          if let n = chars.next() {
            if n == "\"" {
              field.append("\"")
            } else {
              quoted = false
              pending = n
            }
          } else {
            quoted = false
          }
        } else {
          if c.isNewline { line += 1 }
          field.append(c)
        }
        continue
      }
      switch c {
      case "\"": quoted = true
      case ",":
        row.append(field)
        field = ""
      // "\r\n" is one Character in Swift.
      case "\n", "\r\n":
        row.append(field)
        rows.append((start, row))
        row = []
        field = ""
        line += 1
        start = line
      default: field.append(c)
      }
    }
    if !field.isEmpty || !row.isEmpty {
      row.append(field)
      rows.append((start, row))
    }
    return rows
  }
}
