// What a package that plugs in its own engine needs, from `import BenchCLI` alone (README,
// "Bring your own engine"; scripts/check-readme-example compiles that example): the engine
// contract and the registry entry that specialises the measured loop for the engine.
@_exported import EngineKit

@_exported import struct Runner.EngineEntry
