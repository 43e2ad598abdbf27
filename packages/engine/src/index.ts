// @offset/engine: the typed public API, the same in Node and in the browser.
export {
  createEngine,
  Engine,
  type BackendInfo,
  type Black76Params,
  type BsmParams,
  type EngineOptions,
  type Greeks,
  type ImpliedVolParams,
  type PriceBatchInput,
  type PriceBatchResult,
  type SimulateInput,
  type SimulateResult,
  type TailOptions,
  type TailSummary,
} from "./engine.js";
export { OffsetInputError, type InputIssue } from "./errors.js";
export { type MatrixInput, type RepairReport, symmetricEigen } from "./linalg.js";
export { parseInstrument, parseExpiryCode, type Instrument, type InstrumentKind } from "./instruments.js";
export { parseBook, parseMarket, type Book, type BookInput, type Market, type MarketInput, type Position } from "./model.js";
export { resolveBook, valuePositions, scenarioPnl, type ResolvedBook, type PositionValue, type Scenarios } from "./portfolio.js";
export { marginReport, GRID_SPOT_MOVES, GRID_VOL_SHIFTS, type MarginReport, type GridResult, type RiskModelInput } from "./report.js";
export {
  impliedVolBlack76,
  impliedVolBsm,
  checkImpliedVolBlack76,
  checkImpliedVolBsm,
  black76PriceBounds,
  type ImpliedVolBlack76Input,
  type ImpliedVolBsmInput,
  type ImpliedVolCheck,
} from "./pricing/implied-vol.js";
