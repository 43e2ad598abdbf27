import type { Black76Inputs, BsmInputs, GreeksOutputs } from "../types.js";

const todo = (): never => {
  throw new Error("not implemented yet");
};
export function black76(inputs: Black76Inputs, inverse: boolean, out: GreeksOutputs): GreeksOutputs { return todo(); }
export function black76Price(inputs: Black76Inputs, inverse: boolean, out: Float64Array): Float64Array { return todo(); }
export function bsm(inputs: BsmInputs, out: GreeksOutputs): GreeksOutputs { return todo(); }
