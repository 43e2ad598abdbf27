// @offset/engine: the typed public API, the same in Node and in the browser.
export {
  createEngine,
  Engine,
  type BackendInfo,
  type Black76Params,
  type BsmParams,
  type EngineOptions,
  type Greeks,
  type MarginPolicy,
  type DeepPartial,
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
export {
  parseInstrument,
  parseExpiryCode,
  formatExpiryCode,
  formatDeribitName,
  parseCcxtSymbol,
  formatCcxtSymbol,
  parseAnyInstrument,
  STABLECOINS,
  type Instrument,
  type InstrumentKind,
} from "./instruments.js";
export { bookFromDeribit, quotesFromDeribit, instrumentsFromDeribit, unwrapDeribit, type DeribitBookInput } from "./adapters/deribit.js";
export { bookFromCcxt, quotesFromCcxt, type CcxtBookInput, type CcxtQuotesInput, type CcxtMarketLike, type IvUnit } from "./adapters/ccxt.js";
export { parseBook, type Book, type BookInput, type Position } from "./model.js";
export {
  parseMarket,
  marketFromQuotes,
  usdPrice,
  MS_PER_YEAR,
  type Market,
  type MarketInput,
  type MarketSnapshot,
  type ExpiryData,
  type FromQuotesOptions,
  type SnapshotDiagnostics,
} from "./market/snapshot.js";
export type { Quote } from "./market/quote.js";
export {
  fitSvi,
  sviTotalVariance,
  sviMinTotalVariance,
  sviDensity,
  sviButterflyCheck,
  validateSviParams,
  DENSITY_TOLERANCE,
  type SviParams,
  type SviPoint,
  type SviFit,
  type SviFitOptions,
  type ButterflyCheck,
} from "./market/svi.js";
export { VolSurface, CALENDAR_TOLERANCE, type ExpirySlice, type ArbitrageReport, type ArbitrageOptions } from "./market/surface.js";
export { tickerFromChainRow, type ChainRow } from "./adapters/deribit-chain.js";
export { resolveBook, optionGreeks, scenarioPnl, type ResolvedBook, type ResolvedPosition, type Scenarios } from "./portfolio.js";
export { valueBook, valueColumns, portfolioOutputs, type Valuation, type ValuationColumns, type PositionValuation, type PositionGreeks, type ValueOptions } from "./valuation.js";
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
export { marginStatus, type MarginResult, type MarginComponent, type WorstScenario, type PositionRequirement } from "./margin/result.js";
export { standardMargin, standardParametersSchema, type StandardParameters, type StandardParametersInput } from "./margin/standard.js";
export {
  deriveMargin,
  derivePmrm2,
  parseDeriveBook,
  parseDeriveMarket,
  parseDerivePmrm2Policy,
  derivePmrm2ParametersSchema,
  derivePmrm2PolicySchema,
  deriveBookSchema,
  deriveMarketSchema,
  deriveBlack76,
  deriveSviVol,
  deriveVolShocks,
  deriveStaticDiscounts,
  describeScenario,
  DERIVE_SECONDS_PER_YEAR,
  type DeriveMarginInput,
  type DeriveMarginResult,
  type DerivePmrm2Detail,
  type DeriveExpiryDetail,
  type DeriveScenarioDetail,
  type DeriveBook,
  type DeriveBookInput,
  type DeriveMarket,
  type DeriveMarketInput,
  type DerivePmrm2Parameters,
  type DerivePmrm2ParametersInput,
  type DerivePmrm2Policy,
  type DeriveScenario,
  type DeriveVolShock,
} from "./margin/derive-pmrm2.js";
export { fromDerivePmrm2Case, DERIVE_CASE_REF_TIME, type DerivePmrm2Case } from "./margin/derive-pmrm2-case.js";
export {
  gridMargin,
  parseGridParameters,
  gridParametersSchema,
  underlyingGridSchema,
  extremeSchema,
  type GridParameters,
  type GridParametersInput,
  type UnderlyingGrid,
  type GridMarginResult,
  type GridGroupResult,
  type GridUnderlyingResult,
  type GridScenarioResult,
} from "./margin/grid.js";
export { gridPreset, mergeParameters, GRID_PRESETS, DERIBIT, OKX, SPAN, type GridPreset } from "./margin/presets.js";
