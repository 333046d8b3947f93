import Foundation
import Testing

@testable import Workload

/// Specs that would take unbounded memory or threads, or whose work cannot be done, are refused
/// before anything runs, with the limit (or the estimate) in the message.
@Suite struct SpecLimitsTests {
  func error(_ yaml: String) -> SpecError? { specError(yaml) }

  /// "Billion laughs": 9 levels of 9 aliases is 9^9 values from a few hundred bytes.
  @Test func aliasBombsAreRefusedQuickly() throws {
    var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
    for i in 1...9 {
      yaml +=
        "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ")
        + "]\n"
    }
    let e = try #require(error(yaml))
    #expect(e.field == "(document)" && e.message.contains("more than 100000 values"))
  }

  @Test func emptyAndCommentOnlyYAMLAreRefused() throws {
    for text in ["", "\n\n", "# only a comment\n# and another\n"] {
      let e = try #require(error(text))
      #expect(e.message.contains("holds no spec"))
    }
  }

  @Test func threadCountsAreCapped() throws {
    let cap = Limits.maxThreads
    #expect(try #require(error("threads: [1, \(cap + 1)]\n")).message.contains("≤ \(cap)"))
    #expect(try #require(error("load_threads: 100000\n")).field == "load_threads")
    #expect(error("threads: [\(cap)]\nrecords: 10\n") == nil)
  }

  @Test func recordsBeyondMemoryAreRefusedWithTheEstimate() throws {
    let e = try #require(error("records: 9223372036854775807\n"))
    #expect(e.field == "records" && e.message.contains("need at least"))
    #expect(e.message.contains("of this machine's"))
    // Huge operation counts with inserts: the expected inserts count, and nothing traps.
    let ops = try #require(
      error("records: 10\noperations: 9223372036854775807\nmix: {read: 0.5, insert: 0.5}\n"))
    #expect(ops.field == "records")
  }

  @Test func readsWithoutRecordsAreRefused() throws {
    let e = try #require(error("records: 0\nmix: {read: 1}\n"))
    #expect(e.field == "records" && e.message.contains("is 0"))
    #expect(error("records: 0\nmix: {read: 0.5, insert: 0.5}\n") == nil)
  }

  @Test func pregenerateNeedsAFixedLengthAndFits() throws {
    #expect(error("records: 10\noperations: 100\npregenerate: true\n") == nil)
    #expect(
      try #require(error("records: 10\nduration: 5\npregenerate: true\n")).field == "pregenerate")
    #expect(
      try #require(error("records: 10\nwarmup: {seconds: 1}\npregenerate: true\n")).field
        == "pregenerate")
    let e = try #require(
      error("records: 10\noperations: 100_000_000_000\npregenerate: true\n"))
    #expect(e.message.contains("pregenerated operations"))
    #expect(try #require(error("pregenerate: maybe\n")).message.contains("true | false"))
  }
}
