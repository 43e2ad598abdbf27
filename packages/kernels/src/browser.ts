// Browser entry of @offset/kernels: both builds inlined by esbuild's binary loader (a single-file bundle).
import scalarBytes from "../wasm/offset.wasm";
import simdBytes from "../wasm/offset-simd.wasm";
import type { Kernels } from "./types.js";
import { type LoadOptions, loadKernelsFrom } from "./load.js";

export * from "./exports.js";

const inlineSource = {
  scalar: async () => scalarBytes,
  simd: async () => simdBytes,
};

export function loadKernels(options: LoadOptions = {}): Promise<Kernels> {
  return loadKernelsFrom(inlineSource, options);
}
