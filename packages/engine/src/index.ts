// @offset/engine: the typed public API, the same in Node and in the browser.
export {
  createEngine,
  Engine,
  type BackendInfo,
  type Black76Params,
  type BsmParams,
  type EngineOptions,
  type Greeks,
  type PriceBatchInput,
  type PriceBatchResult,
  type SimulateInput,
  type SimulateResult,
  type TailOptions,
  type TailSummary,
} from "./engine.js";
export { OffsetInputError, type InputIssue } from "./errors.js";
export { type MatrixInput, type RepairReport, symmetricEigen } from "./linalg.js";
