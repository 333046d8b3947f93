import EngineKit

/// Something done with a cell's engine once its concrete type is known: measuring it
/// (`CellMeasurement`) or verifying it (`CellVerification`). `CellPlan.visit` builds the engine the
/// plan asks for, wrapped in its concurrency mode, and calls `visit` with it, so the visitor's
/// code is specialised per engine and per wrapper.
public protocol CellVisitor {
  associatedtype Result
  func visit<E: IndexEngine>(_ make: () throws -> E) throws -> Result
}

extension CellPlan {
  /// The one place that maps a concurrency mode to an engine type: adding a wrapper is one case
  /// here.
  @inlinable
  public func visit<E: IndexEngine, V: CellVisitor>(_: E.Type, _ visitor: V) throws -> V.Result {
    switch wrapper {
    case .none, .olc:
      // Unwrapped: the engine's own knobs, plus `concurrency: olc` when it synchronises itself.
      return try visitor.visit { try E(options: nativeOptions) }
    case .rwlock:
      let options = EngineDescriptor.engineOnly(engineOptions)
      return try visitor.visit { try RWLocked<E>(options: options) }
    case .partitioned:
      let options = engineOptions
      return try visitor.visit { try Partitioned<E>(options: options) }
    }
  }
}

/// Measures a cell (`CellRunner.run`).
@usableFromInline
struct CellMeasurement: CellVisitor {
  @usableFromInline let plan: CellPlan
  @usableFromInline let context: RunContext
  @inlinable init(plan: CellPlan, context: RunContext) {
    self.plan = plan
    self.context = context
  }
  @inlinable
  func visit<E: IndexEngine>(_ make: () throws -> E) throws -> CellResult {
    try CellRunner.run(make, plan: plan, context: context)
  }
}

/// Verifies a cell against the reference model (`Verifier.run`), through the same wrapper as the
/// measured cell, so routing and merged scans are checked too.
@usableFromInline
struct CellVerification: CellVisitor {
  @usableFromInline let plan: CellPlan
  @usableFromInline let checkInvariantsEvery: Int
  @inlinable init(plan: CellPlan, checkInvariantsEvery: Int) {
    self.plan = plan
    self.checkInvariantsEvery = checkInvariantsEvery
  }
  @inlinable
  func visit<E: IndexEngine>(_ make: () throws -> E) throws -> VerifyReport {
    try Verifier.run(make, plan: plan, checkInvariantsEvery: checkInvariantsEvery)
  }
}
