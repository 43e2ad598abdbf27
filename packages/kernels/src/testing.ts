// Helpers for the test suites of every package (exported as "@offset/kernels/testing"; not for production use).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createJsKernels } from "./js/index.js";
import type { Kernels } from "./types.js";
import { loadKernels } from "./index.js";

/**
 * The shared reference data folder (`../shared/data` beside the project root, or $OFFSET_SHARED_DATA).
 * Returns the absolute path of `file` there, or null when the folder is absent (a user's fresh clone): tests then
 * skip and say so. Under CI the folder is required (a missing folder would silently skip the validation suite).
 */
export function sharedData(file: string): string | null {
  const dir = process.env.OFFSET_SHARED_DATA ?? fileURLToPath(new URL("../../../../shared/data/", import.meta.url));
  const path = `${dir.replace(/\/$/, "")}/${file}`;
  if (existsSync(path)) return path;
  if (process.env.CI) throw new Error(`shared reference data missing under CI: ${path}`);
  console.warn(`skipping: shared reference data not found at ${path} (set OFFSET_SHARED_DATA to run these tests)`);
  return null;
}

/** Every backend, for parity tests: the TS twin (the oracle) first, then wasm scalar and wasm SIMD. */
export async function allBackends(): Promise<{ name: string; k: Kernels }[]> {
  return [
    { name: "js", k: createJsKernels() },
    { name: "wasm", k: await loadKernels({ simd: false }) },
    { name: "wasm-simd", k: await loadKernels({ simd: true }) },
  ];
}

/** Relative difference scaled to the expected value (absolute below `floor`), as stdlib-js tests do. */
export function relDiff(actual: number, expected: number, floor = 1): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), floor);
}
