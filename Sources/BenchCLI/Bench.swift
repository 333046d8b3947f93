import ART
import ArgumentParser
import BPlusTree
import EngineKit
import Foundation
import Runner
import StagedTree

/// The `bench` command line. Another package can reuse all of it with its own engines:
/// `Bench.main(engines: Bench.builtInEngines + [EngineEntry(MyEngine.self)])`.
public enum Bench {
  /// The engines this package ships.
  public static let builtInEngines: [EngineEntry] = [
    EngineEntry(NullEngine.self), EngineEntry(HashMapEngine.self),
    EngineEntry(SortedMapEngine.self), EngineEntry(ARTEngine.self),
    EngineEntry(BPlusTreeEngine.self), EngineEntry(StagedTreeEngine.self),
  ]

  /// Parses the process arguments, runs the command and exits with its status.
  public static func main(engines: [EngineEntry]) -> Never {
    exit(run(Array(CommandLine.arguments.dropFirst()), engines: engines))
  }

  /// Runs one command line; returns the exit status (see `ExitStatus`).
  public static func run(_ arguments: [String], engines: [EngineEntry] = builtInEngines) -> Int32 {
    // compare's own input errors exit 3, so that 2 means a regression there.
    let badInput =
      arguments.first == CompareCommand.configuration.commandName
      ? ExitStatus.compareFailed : .badInput
    let command: ParsableCommand
    do {
      command = try BenchCommand.parseAsRoot(arguments)
    } catch {
      let code = BenchCommand.exitCode(for: error)
      if code == .success {
        print(BenchCommand.fullMessage(for: error))
        return ExitStatus.ok.code
      }
      let message = BenchCommand.message(for: error)
      let line = message.split(separator: "\n").first.map(String.init) ?? message
      fail("\(line) (see bench --help)")
      return badInput.code
    }
    do {
      if let c = command as? EngineCommand {
        try c.run(engines: engines)
      } else {
        var c = command
        try c.run()
      }
      return ExitStatus.ok.code
    } catch let e as BenchExit {
      return e.status.code
    } catch  where BenchCommand.exitCode(for: error) == .success {
      print(BenchCommand.fullMessage(for: error))  // --help, --version
      return ExitStatus.ok.code
    } catch {
      fail("\(error)")
      return badInput.code
    }
  }

  static func fail(_ message: String) {
    FileHandle.standardError.write(Data("bench: error: \(message)\n".utf8))
  }

  static func warn(_ message: String) {
    FileHandle.standardError.write(Data("bench: warning: \(message)\n".utf8))
  }

}

/// A command that works with the registered engines: `Bench.run` hands it the registry it was
/// given (the built-in engines when run on its own).
protocol EngineCommand: ParsableCommand {
  func run(engines: [EngineEntry]) throws
}

extension EngineCommand {
  func run() throws { try run(engines: Bench.builtInEngines) }
}

/// Ends a command with a status after it has printed its own message.
struct BenchExit: Error {
  var status: ExitStatus
  init(_ status: ExitStatus) { self.status = status }
}

struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract:
      "Runs in-memory ordered index engines under YCSB-style workloads and reports what they cost.",
    subcommands: [
      RunCommand.self, ValidateCommand.self, ListCommand.self, GenerateCommand.self,
      MicroCommand.self, EnvCommand.self, CompareCommand.self, PlotCommand.self,
    ],
    defaultSubcommand: RunCommand.self)
}
