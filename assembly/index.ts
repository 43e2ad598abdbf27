// The WebAssembly ABI of Offset's compute core. Hot loops only: no domain objects, no allocation.
// Every kernel is (n, …input pointers, output pointers) over host-owned struct-of-arrays f64/i32 columns;
// domain errors become NaN per element. Built twice (scalar and --enable simd); `ASC_FEATURE_SIMD` picks the
// vector paths at compile time. The host's arena starts at `heapBase()`.

export function heapBase(): usize {
  return __heap_base;
}

export { rngSeed, rngJump, rngLongJump, rngRaw, rngUniform, rngNormal, rngStudentT, rngMvtScale, zigTablePtr } from "./rng";
export { cholesky, correlate, correlatedNormals } from "./linalg";
export { black76, black76Price, bsm } from "./pricing";
export { varEs, worst, histogram } from "./tail";
export { portfolioAggregate } from "./portfolio";
export { gridAggregate, gridFinish, gridRows } from "./grid";
export { revalueScenarios, scenarioRows, surfaceEval } from "./scenarios";
