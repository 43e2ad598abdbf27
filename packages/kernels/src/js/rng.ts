import type { RngState } from "../types.js";

const todo = (): never => {
  throw new Error("not implemented yet");
};
export function rngSeed(state: RngState, seed: bigint): void { todo(); }
export function rngJump(state: RngState): void { todo(); }
export function rngLongJump(state: RngState): void { todo(); }
export function rngRaw(state: RngState, out: Uint32Array): Uint32Array { return todo(); }
export function rngUniform(state: RngState, out: Float64Array): Float64Array { return todo(); }
export function rngNormal(state: RngState, out: Float64Array): Float64Array { return todo(); }
export function rngStudentT(state: RngState, nu: number, out: Float64Array): Float64Array { return todo(); }
export function rngMvtScale(state: RngState, nu: number, out: Float64Array): Float64Array { return todo(); }
