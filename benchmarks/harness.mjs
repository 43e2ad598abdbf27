// The timing harness shared by the benchmark scripts (run.mjs, e2e.mjs, grid.mjs, es.mjs): machine description,
// untimed warm-up with calibration of the inner repeat count, interleaved rounds with the starting variant rotated each
// round, medians/quantiles, the common markdown pieces and the results files. Node built-ins only: it loads no kernel
// and no engine code, so importing it warms nothing that is measured.
//
// Why interleaved rounds (and not tinybench/mitata): the variants of a case run round by round (js, wasm, simd, js, …
// with the starting variant rotated every round), so machine noise — other engineers' builds on the same 2 cores,
// thermal and frequency drift — lands on every variant alike and the ratios stay honest.
import { execSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

/** The benchmarks/ folder (results/ lives below it; git commands run from it). */
export const HERE = new URL(".", import.meta.url).pathname;

// ---------------------------------------------------------------------------------------------------------------------
// deterministic data
// ---------------------------------------------------------------------------------------------------------------------
/** mulberry32 uniforms in [0, 1) (Tommy Ettinger's 32-bit generator): plenty for test data, not for simulation. */
export function uniforms(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A typed array's bytes (little-endian on x86/arm), for the files handed to the numpy peers. */
export function bytes(ta) {
  return new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
}

/**
 * The environment for a numpy peer process: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE work around bugs of older OpenBLAS
 * builds and slow a current one, so they are unset for the peer only (the rest of the environment is passed as is).
 */
export function peerEnv() {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

// ---------------------------------------------------------------------------------------------------------------------
// statistics
// ---------------------------------------------------------------------------------------------------------------------
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}
/** What a variant's samples (ms per call) are reported as. */
export function summarize(samples, iters) {
  return { ms: median(samples), p25: quantile(samples, 0.25), p75: quantile(samples, 0.75), min: Math.min(...samples), samples: samples.length, iters };
}

// ---------------------------------------------------------------------------------------------------------------------
// timing
// ---------------------------------------------------------------------------------------------------------------------
/**
 * Untimed warm-up of `fn` for at least `warmMs` and `minCalls` calls, then the inner repeat count that makes one timed
 * sample last about `sampleMs`. `settledHalf`: estimate the cost per call from the second half of the warm-up only
 * (after the JIT has settled) rather than from all of it. Throws what `fn` throws.
 */
export function calibrate(fn, { warmMs, sampleMs, minCalls = 2, settledHalf = false, maxIters = Infinity }) {
  let calls = 0;
  let callsHalf = 0;
  const t0 = performance.now();
  let last = t0;
  let tHalf = t0;
  while (last - t0 < warmMs || calls < minCalls) {
    fn();
    calls++;
    last = performance.now();
    if (settledHalf && callsHalf === 0 && last - t0 >= warmMs / 2) {
      tHalf = last;
      callsHalf = calls;
    }
  }
  const per = settledHalf && calls > callsHalf && callsHalf > 0 ? (last - tHalf) / (calls - callsHalf) : (last - t0) / calls;
  return Math.max(1, Math.min(maxIters, Math.round(sampleMs / Math.max(per, 1e-6))));
}

/**
 * Interleaved rounds over `live` ([{ fn, iters, samples: [] }]): every entry once per round (`iters` calls timed as one
 * sample, ms per call pushed to `samples`), the starting entry rotated each round; stops after `maxRounds`, or once
 * `minRounds` are done and `budgetMs` has passed.
 */
export function interleave(live, { budgetMs, minRounds, maxRounds }) {
  const start = performance.now();
  for (let round = 0; live.length > 0 && round < maxRounds; round++) {
    if (round >= minRounds && performance.now() - start >= budgetMs) break;
    for (let j = 0; j < live.length; j++) {
      const x = live[(round + j) % live.length];
      const fn = x.fn;
      const iters = x.iters;
      const t0 = performance.now();
      for (let i = 0; i < iters; i++) fn();
      x.samples.push((performance.now() - t0) / iters);
    }
  }
}

/**
 * One case: variants [{ id, label, fn }] → { id: { label, ms, p25, p75, min, samples, iters } }. Each variant is warmed
 * up and calibrated (see `calibrate`), then a gc, then the interleaved rounds (see `interleave`).
 */
export function runVariants(variants, { warmMs, sampleMs, minCalls, budgetMs, minRounds, maxRounds }) {
  const live = variants.map((v) => ({ ...v, samples: [] }));
  for (const x of live) x.iters = calibrate(x.fn, { warmMs, sampleMs, minCalls });
  globalThis.gc?.();
  interleave(live, { budgetMs, minRounds, maxRounds });
  const out = {};
  for (const x of live) out[x.id] = { label: x.label, ...summarize(x.samples, x.iters) };
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// the machine
// ---------------------------------------------------------------------------------------------------------------------
/** The CPU model (from /proc/cpuinfo on Linux, else what Node reports). */
export function cpuModel() {
  let cpu = cpus()[0]?.model ?? "unknown";
  try {
    const m = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m);
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  return cpu;
}

/** The 1/5/15-minute load averages, two decimals. */
export function loadAvg() {
  return loadavg().map((x) => +x.toFixed(2));
}

/** sha256 prefix and mtime of the wasm builds in `dir` (default: the ones @offset/kernels loads), added to `build`. */
export function wasmBuildInfo(build, dir) {
  const d = dir ?? fileURLToPath(new URL("../wasm/", import.meta.resolve("@offset/kernels")));
  for (const f of ["offset.wasm", "offset-simd.wasm"]) {
    const path = join(d, f);
    build[f] = { sha256: createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16), mtime: statSync(path).mtime.toISOString() };
  }
  return build;
}
/** The mtime of a workspace package's built entry point (a stale dist/ would silently measure old code). */
export function distInfo(pkg) {
  return { mtime: statSync(fileURLToPath(import.meta.resolve(pkg))).mtime.toISOString() };
}

/**
 * The machine, the commit and whether the measured sources differ from it. `dirtyPaths` (relative to benchmarks/) are
 * checked with git status and reported under `dirtyKey`; `build(b)` fills the build description (informational: an
 * error leaves it as filled so far); `brief` leaves out V8, platform and build.
 */
export function machineInfo({ dirtyPaths, dirtyKey = "sourcesDirty", build, brief = false }) {
  const cpu = cpuModel();
  let commit = null;
  let dirty = null;
  try {
    commit = execSync("git rev-parse --short HEAD", { cwd: HERE, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    dirty = execSync(`git status --porcelain -- ${dirtyPaths.join(" ")}`, { cwd: HERE, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() !== "";
  } catch {
    /* not a checkout */
  }
  const base = { date: new Date().toISOString(), cpu, cores: cpus().length, memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version };
  if (brief) return { ...base, loadavgStart: loadAvg(), commit, [dirtyKey]: dirty };
  const b = {};
  try {
    build?.(b);
  } catch {
    /* informational only */
  }
  return { ...base, v8: process.versions.v8, platform: `${process.platform} ${process.arch}`, loadavgStart: loadAvg(), commit, [dirtyKey]: dirty, build: b };
}

/** The one-line start banner of e2e.mjs / grid.mjs. */
export function banner(what, quick, m) {
  return `offset ${what} benchmarks${quick ? " (quick)" : ""}: ${m.cpu}, ${m.cores} cores, node ${m.node}, load ${m.loadavgStart.join("/")}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// formatting and markdown
// ---------------------------------------------------------------------------------------------------------------------
/** ms with 3 significant digits below 1 ms; "—" when not a number. */
export function fmtMs(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return "—";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
/** ms with 3 decimals below 1 ms (the e2e/grid tables). */
export function fmtMsFixed(x) {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}
/** A ratio, one decimal from 10 up; "—" when not a number. */
export function fmtRatio(x) {
  return Number.isFinite(x) ? `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×` : "—";
}
/** A ratio with two decimals (the e2e/grid tables). */
export function fmtRatioFixed(x) {
  return `${x.toFixed(2)}×`;
}
export function loadRange(m) {
  return `load average ${m.loadavgStart.join("/")} → ${m.loadavgEnd.join("/")}`;
}

/** The js / wasm / wasm-simd case table of e2e.mjs and grid.mjs (cases from `runVariants` with BACKENDS ids). */
export const BACKENDS = [
  { id: "js", label: "js" },
  { id: "wasm", label: "wasm" },
  { id: "simd", label: "wasm-simd" },
];
export const BACKEND_TABLE_HEAD = ["| case | js | wasm | wasm-simd | js/wasm | js/simd | target | verdict |", "|---|---|---|---|---|---|---|---|"];
export function backendRow(label, c, target = "—", verdict = "—") {
  return `| ${label} | ${fmtMsFixed(c.js.ms)} | ${fmtMsFixed(c.wasm.ms)} | ${fmtMsFixed(c.simd.ms)} | ${fmtRatioFixed(c.js.ms / c.wasm.ms)} | ${fmtRatioFixed(c.js.ms / c.simd.ms)} | ${target} | ${verdict} |`;
}

// ---------------------------------------------------------------------------------------------------------------------
// results files
// ---------------------------------------------------------------------------------------------------------------------
/** Writes results/<name>.json and results/<name>.md (the JSON indented by `indent`, newline-terminated unless told). */
export function writeResults(name, report, md, { indent = 2, finalNewline = true } = {}) {
  const dir = join(HERE, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(report, null, indent) + (finalNewline ? "\n" : ""));
  writeFileSync(join(dir, `${name}.md`), md);
}
