// swift-tools-version:6.1
import PackageDescription

/// `TREEBENCH_NO_JEMALLOC=1` builds without jemalloc, for Thread Sanitizer, whose runtime will
/// not share a process with another allocator (memory figures then come from RSS).
let jemalloc = Context.environment["TREEBENCH_NO_JEMALLOC"] == nil

let package = Package(
  name: "TreeBench",
  products: [
    .executable(name: "bench", targets: ["bench"]),
    // Library products, so another package can plug in its own engine and reuse the CLI. Each
    // is named TreeBench<module> so it cannot clash with another package's `Workload` or
    // `Report` in a dependency graph; the modules keep their short names.
    .library(name: "TreeBenchCLI", targets: ["BenchCLI"]),
    .library(name: "TreeBenchEngineKit", targets: ["EngineKit"]),
    .library(name: "TreeBenchEngineConformance", targets: ["EngineConformance"]),
    .library(name: "TreeBenchART", targets: ["ART"]),
    .library(name: "TreeBenchBPlusTree", targets: ["BPlusTree"]),
    .library(name: "TreeBenchStagedTree", targets: ["StagedTree"]),
    .library(name: "TreeBenchWorkload", targets: ["Workload"]),
    .library(name: "TreeBenchRunner", targets: ["Runner"]),
    .library(name: "TreeBenchReport", targets: ["Report"]),
  ],
  dependencies: [
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(
      url: "https://github.com/apple/swift-collections", from: "1.6.0",
      traits: ["UnstableSortedCollections"]),
  ],
  targets: [
    .systemLibrary(
      name: "CJemalloc", pkgConfig: "jemalloc", providers: [.apt(["libjemalloc-dev"])]),
    .systemLibrary(name: "CNuma", pkgConfig: "numa", providers: [.apt(["libnuma-dev"])]),
    .target(name: "CSys"),
    .target(
      name: "Platform", dependencies: (jemalloc ? ["CJemalloc"] : []) + ["CNuma", "CSys"],
      swiftSettings: jemalloc ? [] : [.define("NO_JEMALLOC")]),
    .target(
      name: "Workload",
      dependencies: ["EngineKit", "CSys", .product(name: "Yams", package: "Yams")]),
    .target(
      name: "EngineKit",
      dependencies: [
        "CSys", .product(name: "SortedCollections", package: "swift-collections"),
      ]),
    .target(name: "EngineConformance", dependencies: ["EngineKit"]),
    .target(name: "ART", dependencies: ["EngineKit", "CSys"]),
    .target(name: "BPlusTree", dependencies: ["EngineKit", "CSys"]),
    .target(name: "StagedTree", dependencies: ["EngineKit"]),
    .target(
      name: "Runner",
      dependencies: [
        "Workload", "EngineKit", "Platform",
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]),
    .target(
      name: "Report",
      dependencies: [
        "Runner", "Workload", "Platform",
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]),
    .target(
      name: "BenchCLI",
      dependencies: [
        "Workload", "EngineKit", "Runner", "Report", "Platform", "ART", "BPlusTree", "StagedTree",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(name: "bench", dependencies: ["BenchCLI"]),
    // Test-only: scripts/arc-check runs it under callgrind (instructions and ARC calls per op).
    .executableTarget(
      name: "arccheck", dependencies: ["ART", "BPlusTree", "EngineKit", "Platform"]),
    .testTarget(name: "WorkloadTests", dependencies: ["Workload"]),
    .testTarget(name: "EngineKitTests", dependencies: ["EngineKit", "EngineConformance"]),
    .testTarget(
      name: "ARTTests", dependencies: ["ART", "EngineKit", "EngineConformance", "Platform"]),
    .testTarget(
      name: "BPlusTreeTests",
      dependencies: ["BPlusTree", "EngineKit", "EngineConformance", "Platform"]),
    .testTarget(
      name: "StagedTreeTests", dependencies: ["StagedTree", "EngineKit", "EngineConformance"]),
    .testTarget(
      name: "RunnerTests",
      dependencies: ["Runner", "Workload", "EngineKit", "EngineConformance", "Platform"]),
    .testTarget(
      name: "ReportTests",
      dependencies: [
        "Report", "Runner", "Workload", "EngineKit",
        .product(name: "Histogram", package: "hdrhistogram-swift"),
      ]),
    .testTarget(name: "BenchCLITests", dependencies: ["BenchCLI", "bench"]),
  ]
)
