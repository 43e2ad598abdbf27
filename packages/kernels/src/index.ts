// Node entry of @offset/kernels: reads the .wasm builds from disk next to dist/.
import { readFile } from "node:fs/promises";
import type { Kernels } from "./types.js";
import { type LoadOptions, loadKernelsFrom } from "./load.js";

export * from "./exports.js";

const nodeSource = {
  scalar: () => readFile(new URL("../wasm/offset.wasm", import.meta.url)),
  simd: () => readFile(new URL("../wasm/offset-simd.wasm", import.meta.url)),
};

export function loadKernels(options: LoadOptions = {}): Promise<Kernels> {
  return loadKernelsFrom(nodeSource, options);
}
