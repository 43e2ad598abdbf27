import type { Kernels } from "./types.js";
import { createJsKernels } from "./js/index.js";
import { instantiateWasmKernels } from "./wasm/kernels.js";

export interface LoadOptions {
  /** "wasm" (default) or the pure-TS twin "js". */
  backend?: "wasm" | "js";
  /** Use the SIMD build when the runtime supports it (default true); false forces the scalar build. */
  simd?: boolean;
}

/** Where the two builds of the core come from: read from disk in Node, inlined by esbuild in the browser. */
export interface WasmSource {
  scalar(): Promise<BufferSource>;
  simd(): Promise<BufferSource>;
}

/**
 * Loads a backend. The SIMD build is chosen by feature detection: `WebAssembly.validate` on the SIMD module itself,
 * so a runtime without SIMD falls back to the scalar build without any hand-written probe bytes.
 */
export async function loadKernelsFrom(source: WasmSource, options: LoadOptions = {}): Promise<Kernels> {
  if (options.backend === "js") return createJsKernels();
  if (typeof WebAssembly !== "object") {
    throw new Error("offset: this runtime has no WebAssembly; use { backend: \"js\" }");
  }
  if (options.simd !== false) {
    const bytes = await source.simd();
    if (WebAssembly.validate(bytes)) return instantiateWasmKernels(bytes, true);
  }
  return instantiateWasmKernels(await source.scalar(), false);
}
