import type { RngState } from "../types.js";

const todo = (): never => {
  throw new Error("not implemented yet");
};
export function cholesky(n: number, a: Float64Array, l: Float64Array): number { return todo(); }
export function correlate(m: number, n: number, l: Float64Array, e: Float64Array, rowScale: Float64Array | null, out: Float64Array): Float64Array { return todo(); }
export function correlatedNormals(m: number, n: number, l: Float64Array, state: RngState, nu: number, out: Float64Array): Float64Array { return todo(); }
