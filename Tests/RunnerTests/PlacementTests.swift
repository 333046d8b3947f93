import Foundation
import Platform
import Testing
import Workload

@testable import Runner

@Suite struct PlacementTests {
  func topology(_ nodes: Int, cpusPerNode: Int) -> Topology {
    Topology(
      nodes: (0..<nodes).map { n in
        Topology.Node(id: n, cpus: Array(n * cpusPerNode..<(n + 1) * cpusPerNode))
      })
  }

  @Test func compactFillsANodeFirstAndScatterRoundRobinsNodes() throws {
    let one = topology(1, cpusPerNode: 2)
    #expect(try PlacementPlan(.init(cpus: .compact), threads: 3, topology: one).cpus == [0, 1, 0])
    #expect(try PlacementPlan(.init(cpus: .scatter), threads: 3, topology: one).cpus == [0, 1, 0])
    let two = topology(2, cpusPerNode: 2)
    #expect(
      try PlacementPlan(.init(cpus: .compact), threads: 4, topology: two).cpus == [0, 1, 2, 3])
    #expect(
      try PlacementPlan(.init(cpus: .scatter), threads: 4, topology: two).cpus == [0, 2, 1, 3])
    let four = topology(4, cpusPerNode: 4)
    #expect(
      try PlacementPlan(.init(cpus: .scatter), threads: 6, topology: four).cpus == [
        0, 4, 8, 12, 1, 5,
      ])
    #expect(
      try PlacementPlan(.init(cpus: .compact), threads: 6, topology: four).cpus == [
        0, 1, 2, 3, 4, 5,
      ])
    #expect(
      try PlacementPlan(.init(cpus: .list([5, 9])), threads: 3, topology: four).cpus == [5, 9, 5])
    #expect(try PlacementPlan(.init(), threads: 2, topology: four).cpus == [nil, nil])
  }

  @Test func missingCPUsAndNodesAreErrorsNamingWhatExists() {
    let two = topology(2, cpusPerNode: 2)
    do {
      _ = try PlacementPlan(.init(cpus: .list([0, 7])), threads: 1, topology: two)
      Issue.record("CPU 7 accepted")
    } catch let e as PlacementError {
      #expect(
        e.field == "placement.cpus" && e.message.contains("CPU 7") && e.message.contains("0,1,2,3"))
    } catch { Issue.record("\(error)") }
    for memory in [Placement.Memory.bind([2]), .interleave([0, 3]), .preferred(5)] {
      #expect(throws: PlacementError.self) {
        try PlacementPlan(.init(memory: memory), threads: 1, topology: two)
      }
    }
    #expect(throws: Never.self) {
      try PlacementPlan(.init(memory: .interleave([0, 1])), threads: 1, topology: two)
    }
  }

  @Test func aThreadGetsItsCPUAndMemoryPolicyHere() throws {
    let plan = try PlacementPlan(
      .init(cpus: .list([0]), memory: .bind([0])), threads: 1, topology: .machine)
    let got = Observed()
    runOnThreads(1) { i in got.value = plan.apply(thread: i) }
    let t = try #require(got.value)
    #expect(t.requestedCPU == 0 && t.cpu == 0)
    #expect(t.memoryPolicy == "bind 0")
  }

  @Test func specFieldsParse() throws {
    let s = try WorkloadLoader.parse(
      "placement: {cpus: [0, 1], memory: {interleave: [0]}}\n", file: "w.yaml", overrides: [])
    #expect(s.placements == [Placement(cpus: .list([0, 1]), memory: .interleave([0]))])
    let sweep = try WorkloadLoader.parse(
      "placement: [{cpus: compact}, {cpus: scatter}]\n", file: "w.yaml", overrides: [])
    #expect(sweep.placements.map(\.cpus) == [.compact, .scatter])
    #expect(throws: SpecError.self) {
      try WorkloadLoader.parse("placement: {cpus: everywhere}\n", file: "w.yaml", overrides: [])
    }
  }
}

final class Observed: @unchecked Sendable { var value: ThreadPlacement? }
