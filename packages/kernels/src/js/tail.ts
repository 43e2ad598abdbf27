import type { TailResult } from "../types.js";

const todo = (): never => {
  throw new Error("not implemented yet");
};
export function varEs(pnl: Float64Array, weights: Float64Array | null, confidence: number): TailResult { return todo(); }
export function worst(pnl: Float64Array, k: number, out: Int32Array): Int32Array { return todo(); }
export function histogram(x: Float64Array, weights: Float64Array | null, lo: number, hi: number, out: Float64Array): Float64Array { return todo(); }
