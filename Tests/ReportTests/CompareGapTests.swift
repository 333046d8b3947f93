import Foundation
import Testing
import Workload

@testable import Report

/// What compare cannot compare is listed, never silently dropped.
@Suite struct CompareGapTests {
  /// Rows of two summaries as one file (e.g. two engines).
  func joined(_ a: String, _ b: String) -> String {
    a + b.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
  }

  @Test func aCellOnOneSideIsListedInEveryFormat() throws {
    let base = joined(
      summary(ops: [100, 100, 100], p99: [50, 50, 50]),
      summary(ops: [90, 90, 90], p99: [60, 60, 60], engine: "sortedmap"))
    let cand = summary(ops: [100, 100, 100], p99: [50, 50, 50])
    let result = try Compare.run(baseline: base, candidate: cand)
    #expect(
      result.gaps == [
        Compare.Gap(
          cell: "w sortedmap default none 1 unpinned/local run all", metric: nil, onlyIn: .baseline)
      ])
    #expect(result.verdict == .unchanged && !result.findings.isEmpty)
    let text = Compare.render(result, format: "text")
    #expect(
      text.contains("ONLY IN THE BASELINE: w sortedmap default") && text.contains("INCOMPLETE"))
    #expect(Compare.render(result, format: "markdown").contains("**only in the baseline**"))
    #expect(Compare.render(result, format: "csv").contains(",baseline-only"))
    // The other way round: a new cell in the candidate.
    let reverse = try Compare.run(baseline: cand, candidate: base)
    #expect(reverse.gaps.map(\.onlyIn) == [.candidate])
  }

  @Test func aFigureOnOneSideIsAGap() throws {
    var rows = CSV.parse(summary(ops: [100], p99: [50]))
    rows[1][Columns.summary.firstIndex(of: "bytes_per_key")!] = ""
    let cand = CSV.render(header: rows[0], rows: Array(rows.dropFirst()))
    let result = try Compare.run(baseline: summary(ops: [100], p99: [50]), candidate: cand)
    #expect(result.gaps.map(\.metric) == ["bytes_per_key"] && result.gaps[0].onlyIn == .baseline)
    #expect(!result.findings.contains { $0.metric == "bytes_per_key" })
  }

  @Test func aCRLFCandidateComparesLikeItsLFOriginal() throws {
    let base = summary(ops: [100, 101, 99], p99: [50, 51, 49])
    let cand = summary(ops: [80, 81, 79], p99: [50, 51, 49])
    let lf = try Compare.run(baseline: base, candidate: cand)
    let crlf = try Compare.run(
      baseline: base, candidate: cand.replacingOccurrences(of: "\n", with: "\r\n"))
    #expect(crlf.gaps.isEmpty && crlf.verdict == .regression)
    #expect(crlf.findings.map(\.ratio) == lf.findings.map(\.ratio))
  }

  @Test func aMissingReferenceIsAnErrorNotASkip() throws {
    let base = joined(
      summary(ops: [100], p99: [50]), summary(ops: [90], p99: [60], engine: "sortedmap"))
    #expect(throws: SpecError.self) {
      try Compare.run(baseline: base, candidate: base, reference: "hashmap")
    }
    // The reference is there but lacks this repeat.
    let cand = joined(
      summary(ops: [100, 100], p99: [50, 50]), summary(ops: [90], p99: [60], engine: "sortedmap"))
    do {
      _ = try Compare.run(baseline: base, candidate: cand, reference: "sortedmap")
      Issue.record("a cell without its reference row was compared")
    } catch let e as SpecError {
      #expect(e.file == "cand.csv" && e.line == 3 && e.field == "--normalize-by")
    }
  }

  /// The nightly baselines' shape: art runs wrapped `olc`, the sortedmap reference `none`. Art
  /// used to be dropped without a word (no sortedmap `olc` row); it is compared against `none`.
  @Test func aReferenceWithAnotherWrapperStillNormalizes() throws {
    func run(art: [Double]) -> String {
      joined(
        summary(ops: [50, 50, 50], p99: [9, 9, 9], engine: "sortedmap"),
        summary(ops: art, p99: [9, 9, 9]).replacingOccurrences(of: ",none,", with: ",olc,"))
    }
    let result = try Compare.run(
      baseline: run(art: [100, 100, 100]), candidate: run(art: [60, 61, 59]),
      reference: "sortedmap")
    let ops = try #require(result.findings.first { $0.metric == "ops_per_sec" })
    #expect(ops.cell.contains("art default olc") && ops.verdict == .regression)
    #expect(result.gaps.isEmpty)
  }

  @Test func aZeroBaselineIsAnInfiniteChangeNotASkip() throws {
    var rows = CSV.parse(summary(ops: [100], p99: [50]))
    rows[1][Columns.summary.firstIndex(of: "p99_ns")!] = "0"
    let zero = CSV.render(header: rows[0], rows: Array(rows.dropFirst()))
    let result = try Compare.run(baseline: zero, candidate: summary(ops: [100], p99: [50]))
    let p99 = try #require(result.findings.first { $0.metric == "p99_ns" })
    #expect(p99.ratio == .infinity && p99.verdict == .regression)
    #expect(Compare.render(result, format: "text").contains("+inf"))
    let same = try Compare.run(baseline: zero, candidate: zero)
    #expect(same.findings.first { $0.metric == "p99_ns" }?.verdict == .unchanged)
  }
}
