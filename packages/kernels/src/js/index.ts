import type { Kernels } from "../types.js";
import * as rng from "./rng.js";
import * as linalg from "./linalg.js";
import * as pricing from "./pricing.js";
import * as tail from "./tail.js";
import * as portfolio from "./portfolio.js";
import * as grid from "./grid.js";
import * as scenarios from "./scenarios.js";

/** The pure-TypeScript twin: same signatures and numbers as the wasm core (RNG bit for bit, the rest ≤ 1e-12). */
export function createJsKernels(): Kernels {
  return {
    backend: "js",
    simd: false,
    rngSeed: rng.rngSeed,
    rngJump: rng.rngJump,
    rngLongJump: rng.rngLongJump,
    rngRaw: rng.rngRaw,
    rngUniform: rng.rngUniform,
    rngNormal: rng.rngNormal,
    rngStudentT: rng.rngStudentT,
    rngMvtScale: rng.rngMvtScale,
    cholesky: linalg.cholesky,
    correlate: linalg.correlate,
    correlatedNormals: linalg.correlatedNormals,
    black76: pricing.black76,
    black76Price: pricing.black76Price,
    bsm: pricing.bsm,
    varEs: tail.varEs,
    worst: tail.worst,
    histogram: tail.histogram,
    portfolioValue: portfolio.portfolioValue,
    gridAggregate: grid.gridAggregate,
    gridRows: grid.gridRows,
    gridFinish: grid.gridFinish,
    revalueScenarios: scenarios.revalueScenarios,
    surfaceEval: scenarios.surfaceEval,
    scenarioRows: scenarios.scenarioRows,
  };
}
