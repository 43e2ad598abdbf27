// Node entry of @offset/kernels: reads the .wasm builds from disk next to dist/.
import { readFile } from "node:fs/promises";
import type { Kernels } from "./types.js";
import { type LoadOptions, loadKernelsFrom } from "./load.js";
import { type WasmExports, WasmKernels } from "./wasm/kernels.js";

export * from "./exports.js";

const nodeSource = {
  scalar: () => readFile(new URL("../wasm/offset.wasm", import.meta.url)),
  simd: () => readFile(new URL("../wasm/offset-simd.wasm", import.meta.url)),
};

export function loadKernels(options: LoadOptions & { debug?: boolean } = {}): Promise<Kernels> {
  return options.debug ? loadDebugKernels() : loadKernelsFrom(nodeSource, options);
}

/**
 * The debug build (assertions on, no optimisation; `pnpm run build:wasm:debug`), instantiated through
 * @assemblyscript/loader, whose `env.abort` turns an assertion failure into a readable error
 * ("abort: <message> at assembly/tail.ts:123:5") — the loader's one job here: it never marshals arrays, and the
 * release builds do not use it. For developing kernels in Node.
 */
async function loadDebugKernels(): Promise<Kernels> {
  const { instantiate } = await import("@assemblyscript/loader");
  const bytes = await readFile(new URL("../wasm/offset-debug.wasm", import.meta.url)).catch(() => {
    throw new Error("offset: no debug build of the wasm core; run `pnpm --filter @offset/kernels run build:wasm:debug`");
  });
  const { exports } = await instantiate<Record<string, unknown>>(bytes, { env: { seed: () => Date.now() } });
  return new WasmKernels(exports as unknown as WasmExports, false);
}
