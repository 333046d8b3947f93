import BenchCLI

@main
struct Main {
  static func main() { Bench.main(engines: Bench.builtInEngines) }
}
