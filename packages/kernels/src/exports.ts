// What both entries (Node and browser) export besides `loadKernels`.
export type * from "./types.js";
export type { LoadOptions } from "./load.js";
export { createJsKernels } from "./js/index.js";
export { WasmKernels, type WasmExports } from "./wasm/kernels.js";
export { Arena } from "./wasm/arena.js";
export { normCdf, normPdf } from "./js/normal.js";
export { writeOptionRows } from "./js/grid.js";
export { cubicCoefficients, linkedShift, linkRange } from "./js/scenarios.js";
export { SpotVolLinkKind } from "./types.js";
