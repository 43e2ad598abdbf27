#!/usr/bin/env node
// The browser build of @offset/engine: one self-contained ESM file, dist/offset.browser.js (+ .map).
//
// - `platform: "browser"` makes esbuild resolve the "browser" export condition, so @offset/kernels resolves to its
//   dist/browser.js, which imports ../wasm/offset.wasm and ../wasm/offset-simd.wasm; the `binary` loader inlines
//   both builds as bytes (the SIMD one is picked at load time by WebAssembly.validate). Nothing is fetched at run
//   time, so the file works from any URL, a CDN, a Web Worker or a `blob:`.
// - The Node entry of @offset/kernels (which reads the .wasm from disk) must never end up in the bundle: a plugin
//   rejects every Node built-in at resolve time, and the output is checked for `node:` once more after the build.
//
// Usage: node build-browser.mjs [--outfile path]   (default dist/offset.browser.js; the browser test builds into a
// temporary folder with the same settings, so it always exercises the current sources and this very config).
import { readFileSync, statSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const argv = process.argv.slice(2);
const at = argv.indexOf("--outfile");
const outfile = at >= 0 && argv[at + 1] ? argv[at + 1] : `${here}dist/offset.browser.js`;

/**
 * Fails the build, naming the importer, on any `node:` import. (Bare built-in names such as "fs" already fail under
 * `platform: "browser"` unless a browser polyfill package of that name is installed, which is then fine.)
 */
const noNodeBuiltins = {
  name: "no-node-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({
      errors: [{ text: `"${args.path}" (imported by ${relative(here, args.importer)}) cannot be part of the browser bundle` }],
    }));
  },
};

const result = await build({
  entryPoints: [`${here}src/index.ts`],
  outfile,
  bundle: true,
  format: "esm",
  platform: "browser",
  // Explicit, although they are the browser defaults: the "browser" condition (added by platform) selects
  // @offset/kernels' inlined-wasm entry; "module" is kept for dependencies that still use it.
  conditions: ["browser", "module"],
  mainFields: ["browser", "module", "main"],
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "eof",
  loader: { ".wasm": "binary" },
  plugins: [noNodeBuiltins],
  metafile: true,
  logLevel: "warning",
});

// Belt and braces: the single file must not mention a Node module, and must hold the kernels' browser entry.
const code = readFileSync(outfile, "utf8");
if (code.includes("node:")) throw new Error(`${outfile}: the browser bundle mentions "node:"`);
const inputs = Object.keys(result.metafile.inputs);
const kernelEntry = inputs.filter((p) => /kernels\/dist\/(browser|index)\.js$/.test(p));
if (kernelEntry.length !== 1 || !kernelEntry[0].endsWith("browser.js")) {
  throw new Error(`expected @offset/kernels' browser entry in the bundle, found: ${kernelEntry.join(", ") || "none"}`);
}
const wasm = inputs.filter((p) => p.endsWith(".wasm"));
if (wasm.length !== 2) throw new Error(`expected the scalar and the SIMD .wasm inlined, found: ${wasm.join(", ")}`);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const wasmBytes = wasm.reduce((s, p) => s + result.metafile.inputs[p].bytes, 0);
console.log(
  `offset: ${relative(process.cwd(), outfile)} ${kib(statSync(outfile).size)} ` +
    `(inlines ${kib(wasmBytes)} of wasm as base64; ${inputs.length} inputs)`,
);
