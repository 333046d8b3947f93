import ArgumentParser
import Foundation
import Platform
import Report

struct EnvCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "env", abstract: "Print the environment recorded with every run.")

  func run() throws {
    let timer = CycleTimer.calibrated()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    struct Env: Encodable {
      var environment: EnvironmentInfo
      var timer: TimerRecord
    }
    let data = try encoder.encode(
      Env(environment: .capture(), timer: TimerRecord(timer, overhead: timer.measureOverhead())))
    print(String(decoding: data, as: UTF8.self))
  }
}
