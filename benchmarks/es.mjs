#!/usr/bin/env node
// Offset Monte Carlo ES benchmark (after grid.mjs in `npm run bench`): the issue's job, end to end from scenario
// generation to ES, js vs wasm vs wasm-simd interleaved (medians), and the numpy/scipy peer (es_peer.py) of the same job:
//
//   book        500 options over 10 underlyings (50 each: calls/puts, strikes 0.6–1.4·F, T 0.02–1 y, half inverse),
//               synthetic columns (the engine's ResolvedBook shape), base USD values from black76Price
//   scenarios   100,000 joint moves, Student-t copula ν = 4 (antithetic), 1-day covariance (vols 3–6 %/day,
//               correlation 0.6), relative spot–vol link β = −0.386 (floor 0.05): engine monteCarloScenarios
//   fast        buildSurfaces (64 nodes per underlying on the spot–vol curve + error check; 64 × 8 without a link)
//               → surfacePnl (kernels' surfaceEval) → varEs 99 %
//   full        fullPnl (kernels' fused revalueScenarios: 50M Black-76 revaluations) → varEs 99 %
//   numpy       es_peer.py: numpy t-copula scenarios → full revaluation (scipy.special.ndtr, chunks of 2,000
//               scenarios × 500 options) → ES by np.partition. Run with Debian's /usr/bin/python3, OPENBLAS_* unset
//               (as run.mjs runs numpy_peer.py)
//
// Targets (issue): fast < 150 ms, full < 3 s (best backend), wasm ≥ 3× faster than js end to end.
//   node --expose-gc es.mjs [--quick]   → results/es.{json,md} (--quick: results/es-quick.*, 20,000 scenarios)
import { createJsKernels, loadKernels } from "@offset/kernels";
import { buildSurfaces, fullPnl, monteCarloScenarios, surfacePnl } from "@offset/engine";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { HERE, bytes, median, peerEnv, writeResults } from "./harness.mjs";

const { values: opt } = parseArgs({
  options: {
    quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
    python: { type: "string", default: "/usr/bin/python3" },
    "no-numpy": { type: "boolean", default: false },
  },
});
const QUICK = opt.quick;
const M = QUICK ? 20_000 : 100_000;
const U = 10;
const PER = 50;
const N = U * PER;
const NU = 4;
const ALPHA = 0.99;
const BETA = -0.386;
const REPS_FAST = QUICK ? 3 : 7;
const REPS_FULL = QUICK ? 1 : 3;

// ---- the book (deterministic LCG) ------------------------------------------------------------------------------------
let seed = 20260101;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), seed / 4294967296);
const spot = Float64Array.from({ length: U }, (_, u) => [60_000, 3_000, 150, 600, 0.5, 25, 7, 1.2, 90, 0.1][u]);
const options = {
  index: new Int32Array(N),
  underlying: new Int32Array(N),
  forward: new Float64Array(N),
  strike: new Float64Array(N),
  timeToExpiry: new Float64Array(N),
  vol: new Float64Array(N),
  rate: new Float64Array(N),
  isCall: new Int32Array(N),
};
const positions = [];
for (let j = 0; j < N; j++) {
  const u = Math.floor(j / PER);
  const T = 0.02 + rnd() * 0.98;
  const F = spot[u] * Math.exp(0.05 * T);
  const K = F * (0.6 + 0.8 * rnd());
  const call = rnd() < 0.5;
  const inverse = rnd() < 0.5;
  const q = Math.round((rnd() - 0.45) * 40) / 4 || 1;
  options.index[j] = j;
  options.underlying[j] = u;
  options.forward[j] = F;
  options.strike[j] = K;
  options.timeToExpiry[j] = T;
  options.vol[j] = 0.4 + 0.6 * rnd();
  options.rate[j] = 0;
  options.isCall[j] = call ? 1 : 0;
  positions.push({ name: `o${j}`, underlying: u, kind: "option", inverse, settlementCurrency: inverse ? "COIN" : "USD", quantity: q, forward: F, timeToExpiry: T, strike: K, isCall: call, vol: options.vol[j] });
}
const resolved = {
  underlyings: Array.from({ length: U }, (_, u) => `U${u}`),
  spot,
  positions,
  options,
  columns: { quantity: Float64Array.from(positions, (p) => p.quantity), inverse: Int32Array.from(positions, (p) => (p.inverse ? 1 : 0)) },
  collateral: [],
};
const price0 = createJsKernels().black76Price(options, false, new Float64Array(N));
const baseUsd = Float64Array.from(positions, (p, j) => p.quantity * (p.inverse ? (price0[j] / p.forward) * spot[p.underlying] : price0[j]));
const vols = Array.from({ length: U }, (_, u) => 0.03 + 0.003 * u);
const covariance = vols.map((a, i) => vols.map((b, j) => a * b * (i === j ? 1 : 0.6)));
const mcOptions = { assets: resolved.underlyings, covariance, copula: { studentT: NU }, scenarios: M, seed: 7, spotVol: { beta: BETA, volChange: "relative" } };

// ---- the jobs --------------------------------------------------------------------------------------------------------
function fast(k) {
  const sc = monteCarloScenarios(k, mcOptions);
  const surfaces = buildSurfaces(k, resolved, baseUsd, sc);
  const pnl = surfacePnl(surfaces, sc, undefined, undefined, undefined, k);
  return k.varEs(pnl, null, ALPHA).es;
}
function full(k) {
  const sc = monteCarloScenarios(k, mcOptions);
  const pnl = fullPnl(k, resolved, baseUsd, sc);
  return k.varEs(pnl, null, ALPHA).es;
}
function scenariosOnly(k) {
  return monteCarloScenarios(k, mcOptions).count;
}

const backends = [
  { name: "js", k: createJsKernels() },
  { name: "wasm", k: await loadKernels({ simd: false }) },
  { name: "wasm-simd", k: await loadKernels({ simd: true }) },
];
const samples = {};
const values = {};
function time(label, name, fn, k) {
  globalThis.gc?.();
  const t0 = performance.now();
  const v = fn(k);
  const ms = performance.now() - t0;
  ((samples[label] ??= {})[name] ??= []).push(ms);
  (values[label] ??= {})[name] = v;
}
// warm-up (JIT, wasm tier-up), then interleaved rounds
for (const { k } of backends) (fast(k), scenariosOnly(k));
for (let r = 0; r < REPS_FAST; r++) {
  for (const { name, k } of r % 2 ? [...backends].reverse() : backends) {
    time("scenarios", name, scenariosOnly, k);
    time("fast", name, fast, k);
  }
}
for (let r = 0; r < REPS_FULL; r++) for (const { name, k } of r % 2 ? [...backends].reverse() : backends) time("full", name, full, k);

const med = {};
for (const [label, per] of Object.entries(samples)) for (const [name, xs] of Object.entries(per)) (med[label] ??= {})[name] = median(xs);

// ---- the numpy peer ----------------------------------------------------------------------------------------------------
let peer = null;
if (!opt["no-numpy"]) {
  const dir = mkdtempSync(join(tmpdir(), "offset-es-"));
  try {
    for (const c of ["forward", "strike", "timeToExpiry", "vol", "rate"]) writeFileSync(join(dir, `${c}.f64`), bytes(options[c]));
    writeFileSync(join(dir, "isCall.i32"), bytes(options.isCall));
    writeFileSync(join(dir, "underlying.i32"), bytes(options.underlying));
    writeFileSync(join(dir, "inverse.i32"), bytes(resolved.columns.inverse));
    writeFileSync(join(dir, "quantity.f64"), bytes(resolved.columns.quantity));
    writeFileSync(join(dir, "baseUsd.f64"), bytes(baseUsd));
    writeFileSync(join(dir, "spot.f64"), bytes(spot));
    writeFileSync(join(dir, "job.json"), JSON.stringify({ scenarios: M, nu: NU, alpha: ALPHA, beta: BETA, floor: 0.05, covariance, reps: REPS_FULL }));
    const r = spawnSync(opt.python, [join(HERE, "es_peer.py"), dir], { env: peerEnv(), encoding: "utf8", timeout: 900_000, maxBuffer: 16 << 20 });
    if (r.status !== 0) throw new Error(`es_peer.py failed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
    peer = JSON.parse(r.stdout);
  } catch (e) {
    peer = { error: String(e.message ?? e) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- report -----------------------------------------------------------------------------------------------------------
const f = (x) => (x === undefined ? "n/a" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const best = (label) => Math.min(med[label]["wasm"], med[label]["wasm-simd"]);
const fastBest = best("fast");
const fullBest = best("full");
const targets = [
  { what: "fast path < 150 ms (best wasm)", value: `${f(fastBest)} ms`, pass: fastBest < 150 },
  { what: "full revaluation < 3 s (best wasm)", value: `${f(fullBest)} ms`, pass: fullBest < 3000 },
  { what: "wasm ≥ 3× js end to end, fast", value: `${(med.fast.js / fastBest).toFixed(2)}×`, pass: med.fast.js / fastBest >= 3 },
  { what: "wasm ≥ 3× js end to end, full", value: `${(med.full.js / fullBest).toFixed(2)}×`, pass: med.full.js / fullBest >= 3 },
];
const np = peer && !peer.error ? peer : null;
const lines = [
  `# Monte Carlo ES: ${M.toLocaleString("en")} scenarios (t copula ν=${NU}), ${N} options over ${U} underlyings, ES ${ALPHA * 100}%`,
  "",
  `Medians of interleaved runs (fast/scenarios ${REPS_FAST}, full ${REPS_FULL} per backend); ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}; node ${process.version}.`,
  np ? `numpy peer: ${np.python} (numpy ${np.numpy}, scipy ${np.scipy}), median of ${np.reps} runs.` : `numpy peer: ${peer?.error ?? "skipped"}`,
  "",
  "| job | js ms | wasm ms | wasm-simd ms | numpy ms | js / wasm-simd | numpy / wasm-simd |",
  "|---|---|---|---|---|---|---|",
  `| scenario generation | ${f(med.scenarios.js)} | ${f(med.scenarios.wasm)} | ${f(med.scenarios["wasm-simd"])} | ${f(np?.scenariosMs)} | ${(med.scenarios.js / med.scenarios["wasm-simd"]).toFixed(2)}× | ${np ? (np.scenariosMs / med.scenarios["wasm-simd"]).toFixed(2) + "×" : "n/a"} |`,
  `| fast path (scenarios → surfaces → ES) | ${f(med.fast.js)} | ${f(med.fast.wasm)} | ${f(med.fast["wasm-simd"])} | — | ${(med.fast.js / med.fast["wasm-simd"]).toFixed(2)}× | — |`,
  `| full revaluation (scenarios → ${(M * N) / 1e6}M Black-76 → ES) | ${f(med.full.js)} | ${f(med.full.wasm)} | ${f(med.full["wasm-simd"])} | ${f(np?.fullMs)} | ${(med.full.js / med.full["wasm-simd"]).toFixed(2)}× | ${np ? (np.fullMs / med.full["wasm-simd"]).toFixed(2) + "×" : "n/a"} |`,
  "",
  "| target | measured | |",
  "|---|---|---|",
  ...targets.map((t) => `| ${t.what} | ${t.value} | ${t.pass ? "PASS" : "MISS"} |`),
  "",
  `ES (USD): fast ${values.fast["wasm-simd"].toFixed(2)}, full ${values.full["wasm-simd"].toFixed(2)} (same bits on js/wasm/wasm-simd: ${["fast", "full"].every((l) => new Set(Object.values(values[l])).size === 1)})${np ? `; numpy (its own RNG, same distribution) ${np.es.toFixed(2)}` : ""}.`,
];
const md = lines.join("\n") + "\n";
const report = { scenarios: M, options: N, underlyings: U, samples, medians: med, es: values, numpy: peer, targets };
writeResults(QUICK ? "es-quick" : "es", report, md, { finalNewline: false });
process.stdout.write(md);
