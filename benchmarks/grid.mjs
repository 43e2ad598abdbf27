#!/usr/bin/env node
// Offset grid-margin benchmarks (after e2e.mjs in `npm run bench`): the scenario-grid engine under the Deribit preset,
// js vs wasm vs wasm-simd interleaved, medians, in the conventions of run.mjs / e2e.mjs:
//
//   (a) batch/10000x20    engine.marginBatch(10,000 Offset JSON books of 20 positions, market, deribit S:PM, joint off):
//                         validation + resolution + every account's (option, shock) rows in one Black-76 call per chunk
//                         + P&L, worst losses, add-ons per account → accounts per second per core
//   (a') the same from parsed, resolved books is not offered by the API; the stages are timed below instead
//   (b) whatif/200        state.whatIf([one option trade]) on a 200-position book (state held by the caller): the
//                         trade's rows priced alone and added to the book's cached per-scenario P&L
//   (c) margin/200        engine.margin(book of 200, …) full recompute, for comparison with (b)
//   (d) tick/10000x20     state.recompute(market) on a held engine.gridBatch state of the same accounts (positions
//                         and collateral held; the snapshot alternates between two parsed markets, spot/forwards ±0.2 %,
//                         vols +2 %): resolve the distinct instruments, ONE black76Price call over the distinct
//                         (option, shock) rows, ONE gridAggregate call over every account's legs, scalar add-ons and
//                         IM/MM per account into columns. Market parsing is not timed (the feed parses once per tick
//                         for every consumer); MarginResult objects are not built.
//   (e) gridBatch/10000x20 engine.gridBatch(accounts, market) cold: validation + resolution + layout + the first tick
//
//   node --expose-gc grid.mjs            → results/grid.{json,md}
//   node --expose-gc grid.mjs --quick    → results/grid-quick.{json,md} (short time boxes, 2,000 accounts)
import { createJsKernels, loadKernels } from "@offset/kernels";
import { BATCH_STATUS, Engine, parseBook, parseMarket } from "@offset/engine";
import { parseArgs } from "node:util";
import { bookAndMarket } from "./e2e-data.mjs";
import {
  BACKEND_TABLE_HEAD, BACKENDS, backendRow, banner, fmtMsFixed as fmt, loadAvg, loadRange, machineInfo, runVariants,
  uniforms, writeResults,
} from "./harness.mjs";

const { values: opt } = parseArgs({
  options: {
    quick: { type: "boolean", default: process.env.BENCH_QUICK === "1" },
    budget: { type: "string" },
    accounts: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (opt.help) {
  console.log(`usage: node --expose-gc grid.mjs [--quick] [--budget SECONDS] [--accounts N] [--out NAME]`);
  process.exit(0);
}
const QUICK = opt.quick;
const BUDGET_MS = opt.budget ? Number(opt.budget) * 1000 : QUICK ? 1500 : 8000;
const MIN_ROUNDS = QUICK ? 3 : 7;
const WARM_MS = QUICK ? 300 : 1000;
const ACCOUNTS = opt.accounts ? Number(opt.accounts) : QUICK ? 2000 : 10_000;
const POSITIONS = 20;
const POLICY = { method: "grid", preset: "deribit" }; // Deribit S:PM (per settlement currency), joint grid off in batch

/** e2e.mjs's recipe (harness.mjs): warm-up, calibrated inner repeats (≥ sampleMs per sample), interleaved rounds, medians. */
function runCase(variants, sampleMs) {
  return runVariants(variants, { warmMs: WARM_MS, sampleMs, minCalls: 2, budgetMs: BUDGET_MS, minRounds: MIN_ROUNDS, maxRounds: 100_000 });
}

/**
 * Realistic small accounts: 20 positions over BTC and ETH, ~70 % options (strikes within ±2 sd of the forward on the
 * venue's grid, 4 expiries, calls and puts, 1 in 5 linear USDC-settled), the rest dated futures and perpetuals (coin
 * and USDC), collateral in BTC, ETH and USDC.
 */
function accounts(n, market) {
  const u = uniforms(7);
  const unds = ["BTC", "ETH"];
  const out = [];
  for (let a = 0; a < n; a++) {
    const positions = [];
    const seen = new Set();
    while (positions.length < POSITIONS) {
      const name = unds[u() < 0.65 ? 0 : 1];
      const m = market.underlyings[name];
      const codes = Object.keys(m.expiries);
      const code = codes[Math.floor(u() * codes.length)];
      const F = m.expiries[code].forward;
      const step = name === "BTC" ? 1000 : 25;
      let instrument;
      if (u() < 0.7) {
        const K = Math.max(step, Math.round((F * Math.exp(0.35 * (2 * u() - 1))) / step) * step);
        instrument = `${u() < 0.2 ? `${name}_USDC` : name}-${code}-${K}-${u() < 0.5 ? "C" : "P"}`;
      } else {
        const k = u();
        instrument = k < 0.2 ? `${name}-PERPETUAL` : k < 0.35 ? `${name}_USDC-PERPETUAL` : `${name}-${code}`;
      }
      if (seen.has(instrument)) continue;
      seen.add(instrument);
      const q = +((u() < 0.5 ? -1 : 1) * (0.1 + 5 * u()) * (name === "BTC" ? 1 : 15)).toFixed(2);
      const pos = { instrument, quantity: q };
      if (!/-[CP]$/.test(instrument)) pos.entryPrice = +(m.index * (0.9 + 0.2 * u())).toFixed(1);
      positions.push(pos);
    }
    out.push({ positions, collateral: { BTC: +(5 * u()).toFixed(3), ETH: +(60 * u()).toFixed(2), USDC: Math.round(200_000 + 1_300_000 * u()) } });
  }
  return out;
}

async function main() {
  const machine = machineInfo({ dirtyPaths: ["../assembly", "../packages/kernels/src", "../packages/engine/src"], brief: true });
  console.log(banner("grid", QUICK, machine));
  const kernels = { js: createJsKernels(), wasm: await loadKernels({ simd: false }), simd: await loadKernels({ simd: true }) };
  if (!kernels.simd.simd) throw new Error("this runtime has no WebAssembly SIMD");
  const engines = Object.fromEntries(Object.entries(kernels).map(([id, k]) => [id, new Engine(k)]));

  const { book: big, market } = bookAndMarket(200);
  const books = accounts(ACCOUNTS, market);
  // sanity: every account margins, and the backends agree
  const ref = engines.js.marginBatch(books, market, POLICY);
  const failures = ref.filter((r) => "error" in r).length;
  if (failures) throw new Error(`${failures} accounts failed: ${ref.find((r) => "error" in r).error.message}`);
  const agree = {};
  for (const b of BACKENDS.slice(1)) {
    const x = engines[b.id].marginBatch(books, market, POLICY);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i].initialMargin - ref[i].initialMargin) / Math.max(ref[i].initialMargin, 1e-300));
    agree[b.id] = worst;
  }
  const pm = parseMarket(market);
  let rows = 0;
  let options = 0;
  for (const b of books.slice(0, 200)) options += parseBook(b).positions.filter((p) => p.instrument.kind === "option").length;
  const status = { healthy: 0, "margin-call": 0, liquidation: 0 };
  for (const r of ref) status[r.status]++;
  const info = { accounts: ACCOUNTS, positionsPerAccount: POSITIONS, optionsPerAccount: options / 200, status, policy: POLICY };
  console.log(`accounts: ${JSON.stringify(info)}`);
  void rows;
  void pm;

  const results = {};
  console.log(`(a) batch/${ACCOUNTS}x${POSITIONS} …`);
  results.batch = runCase(BACKENDS.map((b) => ({ ...b, fn: () => engines[b.id].marginBatch(books, market, POLICY) })), 1);

  // (b) what-if on a 200-position book: one option trade, one future trade, rotating
  console.log("(b) whatif/200 …");
  const trades = [
    [{ instrument: "BTC-28MAR25-100000-C", quantity: -1 }],
    [{ instrument: "ETH-25APR25-2700-P", quantity: 10 }],
    [{ instrument: "BTC-28MAR25", quantity: 2, entryPrice: 98_000 }],
  ];
  const states = Object.fromEntries(BACKENDS.map((b) => [b.id, engines[b.id].gridState(big, market, POLICY)]));
  const whatIfAgree = {};
  for (const b of BACKENDS) {
    let worst = 0;
    for (const t of trades) {
      const w = states[b.id].whatIf(t);
      if (!w.incremental) throw new Error("what-if fell back to a full recompute");
      const full = engines[b.id].margin({ positions: [...big.positions, ...t], collateral: big.collateral }, market, POLICY);
      worst = Math.max(worst, Math.abs(w.after.initialMargin - full.initialMargin) / full.initialMargin);
    }
    whatIfAgree[b.id] = worst;
  }
  let ti = 0;
  results.whatIf = runCase(BACKENDS.map((b) => ({ ...b, fn: () => states[b.id].whatIf(trades[ti++ % trades.length]) })), 2);
  console.log("(c) margin/200 …");
  results.full = runCase(BACKENDS.map((b) => ({ ...b, fn: () => engines[b.id].margin(big, market, POLICY) })), 5);

  // (d) held batch state: recompute on alternating snapshots; (e) building it cold
  const moved = structuredClone(market);
  for (const u of Object.values(moved.underlyings)) {
    u.index *= 1.002;
    for (const e of Object.values(u.expiries)) {
      e.forward *= 1.002;
      for (const m of Object.values(e.marks ?? {})) {
        m.iv *= 1.02;
        if (m.forward !== undefined) m.forward *= 1.002;
      }
      if (e.svi) e.svi.a *= 1.04;
    }
  }
  const snaps = [parseMarket(market), parseMarket(moved)];
  const batchStates = Object.fromEntries(BACKENDS.map((b) => [b.id, engines[b.id].gridBatch(books, market, POLICY)]));
  const tickAgree = {};
  for (const b of BACKENDS) {
    let worst = 0;
    for (const [mi, m] of [market, moved].entries()) {
      const st = batchStates[b.id].recompute(snaps[mi]);
      const r = engines[b.id].marginBatch(books, m, POLICY);
      for (let a = 0; a < r.length; a++) {
        if (BATCH_STATUS[st.status[a]] !== r[a].status || st.worstIndex[a] !== r[a].worst[0].index) throw new Error(`held batch ≠ marginBatch at account ${a}`);
        worst = Math.max(worst, Math.abs(st.initialMargin[a] - r[a].initialMargin) / Math.max(r[a].initialMargin, 1e-300), Math.abs(st.maintenanceMargin[a] - r[a].maintenanceMargin) / Math.max(r[a].maintenanceMargin, 1e-300));
      }
    }
    tickAgree[b.id] = worst;
  }
  console.log(`(d) tick/${ACCOUNTS}x${POSITIONS} …`);
  let tick = 0;
  results.tick = runCase(BACKENDS.map((b) => ({ ...b, fn: () => batchStates[b.id].recompute(snaps[tick++ & 1]) })), 20);
  console.log(`(e) gridBatch/${ACCOUNTS}x${POSITIONS} cold …`);
  results.cold = runCase(BACKENDS.map((b) => ({ ...b, fn: () => engines[b.id].gridBatch(books, market, POLICY) })), 1);

  machine.loadavgEnd = loadAvg();
  const report = { machine, quick: QUICK, budgetMs: BUDGET_MS, info, results, agree, whatIfAgree, tickAgree, verdicts: verdicts(results) };
  const md = markdown(report);
  writeResults(opt.out ?? (QUICK ? "grid-quick" : "grid"), report, md);
  console.log("\n" + md);
}

function verdicts(r) {
  // the targets are judged on (d), the held-state tick recompute (what a backend runs per market tick); (a) and (e)
  // are reported next to it
  const perSec = (id) => ACCOUNTS / (r.tick[id].ms / 1000);
  const best = Math.max(perSec("wasm"), perSec("simd"));
  const ratio = r.tick.js.ms / Math.min(r.tick.wasm.ms, r.tick.simd.ms);
  return {
    accountsPerSecond: { target: "≥ 20,000 accounts/s per core with wasm (held-state tick)", value: best, pass: best >= 20_000 },
    wasmOverJs: { target: "wasm ≥ 3× js (held-state tick)", value: ratio, pass: ratio >= 3 },
    whatIf: { target: "what-if median < 100 µs (200-position book)", valueUs: 1000 * Math.min(r.whatIf.wasm.ms, r.whatIf.simd.ms), pass: 1000 * Math.min(r.whatIf.wasm.ms, r.whatIf.simd.ms) < 100 },
  };
}

function markdown(rep) {
  const m = rep.machine;
  const r = rep.results;
  const v = rep.verdicts;
  const L = [];
  L.push(`# Offset grid-margin benchmarks${rep.quick ? " (quick run)" : ""}`, "");
  L.push(`${m.date} · ${m.cpu} · ${m.cores} cores · node ${m.node} · commit ${m.commit ?? "?"}${m.sourcesDirty ? " (sources modified)" : ""} · ${loadRange(m)}`, "");
  L.push("Medians of interleaved rounds (js, wasm, wasm-simd in rotating order). The machine is shared and noisy: quote the ratios.", "");
  const i = rep.info;
  L.push(`Accounts: ${i.accounts.toLocaleString("en-US")} × ${i.positionsPerAccount} positions (BTC/ETH, ${i.optionsPerAccount.toFixed(1)} options per account on average, the rest futures/perpetuals), Deribit preset S:PM, joint grid off; statuses ${JSON.stringify(i.status)}.`, "");
  L.push(...BACKEND_TABLE_HEAD);
  const aps = (id) => Math.round(i.accounts / (r.batch[id].ms / 1000)).toLocaleString("en-US");
  const apsOf = (c, id) => Math.round(i.accounts / (c[id].ms / 1000)).toLocaleString("en-US");
  const row = (label, c, target, verdict) => L.push(backendRow(label, c, target, verdict));
  row(`(d) held gridBatch state: recompute on a new snapshot, ${i.accounts.toLocaleString("en-US")} accounts, ms`, r.tick, "wasm ≥ 3× js", v.wasmOverJs.pass ? "PASS" : "MISS");
  L.push(`| (d) accounts per second per tick (one core) | ${apsOf(r.tick, "js")} | ${apsOf(r.tick, "wasm")} | ${apsOf(r.tick, "simd")} | — | — | ≥ 20,000 (wasm) | ${v.accountsPerSecond.pass ? "PASS" : "MISS"} |`);
  row(`(e) engine.gridBatch cold (parse + resolve + layout + first tick), ms`, r.cold);
  L.push(`| (e) accounts per second, cold | ${apsOf(r.cold, "js")} | ${apsOf(r.cold, "wasm")} | ${apsOf(r.cold, "simd")} | — | — | — | — |`);
  row(`(a) marginBatch ${i.accounts.toLocaleString("en-US")} accounts (cold, MarginResult objects), ms`, r.batch);
  L.push(`| (a) accounts per second (one core) | ${aps("js")} | ${aps("wasm")} | ${aps("simd")} | — | — | — | — |`);
  const us = (c, id) => fmt(1000 * c[id].ms);
  L.push(`| (b) whatIf, 1 trade on a 200-position book (state held), µs | ${us(r.whatIf, "js")} | ${us(r.whatIf, "wasm")} | ${us(r.whatIf, "simd")} | ${(r.whatIf.js.ms / r.whatIf.wasm.ms).toFixed(2)}× | ${(r.whatIf.js.ms / r.whatIf.simd.ms).toFixed(2)}× | < 100 µs | ${v.whatIf.pass ? "PASS" : "MISS"} |`);
  L.push(`| (c) margin of the 200-position book, full recompute, µs | ${us(r.full, "js")} | ${us(r.full, "wasm")} | ${us(r.full, "simd")} | ${(r.full.js.ms / r.full.wasm.ms).toFixed(2)}× | ${(r.full.js.ms / r.full.simd.ms).toFixed(2)}× | — | — |`);
  L.push("");
  L.push(
    `Agreement: batch IM max rel. diff vs js — wasm ${rep.agree.wasm.toExponential(1)}, simd ${rep.agree.simd.toExponential(1)}; ` +
      `what-if vs full recompute (IM rel. diff) — js ${rep.whatIfAgree.js.toExponential(1)}, wasm ${rep.whatIfAgree.wasm.toExponential(1)}, simd ${rep.whatIfAgree.simd.toExponential(1)}; ` +
      `held-state tick vs marginBatch on both snapshots (IM, MM rel. diff; statuses and worst indices checked equal) — js ${rep.tickAgree.js.toExponential(1)}, wasm ${rep.tickAgree.wasm.toExponential(1)}, simd ${rep.tickAgree.simd.toExponential(1)} (0 = identical).`,
    "",
  );
  return L.join("\n") + "\n";
}

await main();
