// The held batch state (grid-batch.ts) against the per-account engine it must reproduce: every column equals
// marginBatch's result for the account (toBe: the same IEEE operations in the same order — the kernel twin documents
// the P&L forms — so no tolerance is needed or granted), on every backend, under presets and add-ons that exercise
// each rule (S:PM coin and USDC groups, X:PM with haircuts, SPAN's short-option minimum, perpetual and de-peg
// add-ons, OKX's extreme-with-total), before and after recompute on a moved market; failures in their slots.
import { allBackends } from "@offset/kernels/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { Engine, type MarketInput } from "../index.js";
import type { GridPolicy } from "../engine.js";
import { BATCH_STATUS, type GridBatchState } from "./grid-batch.js";
import type { GridMarginResult } from "./grid.js";

let engines: { name: string; e: Engine }[] = [];
beforeAll(async () => {
  engines = (await allBackends()).map(({ name, k }) => ({ name, e: new Engine(k) }));
});

const ASOF = Date.UTC(2025, 1, 20);
const yr = (ms: number, asOf = ASOF) => (ms - asOf) / (365 * 86_400_000);
const smile = (vol: number, t: number) => ({ a: vol * vol * t * 0.8, b: 0.1 * t, rho: -0.3, m: 0, sigma: 0.2 });
function marketAt(asOf: number, btc: number, eth: number, volMult: number): MarketInput {
  const T1 = yr(Date.UTC(2025, 2, 28, 8), asOf);
  const T2 = yr(Date.UTC(2025, 5, 27, 8), asOf);
  return {
    asOf: new Date(asOf).toISOString(),
    underlyings: {
      BTC: { index: btc, expiries: { "28MAR25": { forward: btc * 1.005, svi: smile(0.6 * volMult, T1) }, "27JUN25": { forward: btc * 1.02, svi: smile(0.6 * volMult, T2) } } },
      ETH: { index: eth, expiries: { "28MAR25": { forward: eth * 1.004, svi: smile(0.8 * volMult, T1) } } },
      SOL: { index: 180, expiries: {} },
    },
    prices: { USDC: 1, USDT: 0.9995 },
  };
}
const market = marketAt(ASOF, 100_000, 2_500, 1);
const moved = marketAt(ASOF + 3_600_000, 93_000, 2_650, 1.15);

const INSTRUMENTS = [
  "BTC-28MAR25-90000-C", "BTC-28MAR25-110000-C", "BTC-28MAR25-90000-P", "BTC-28MAR25-100000-P", "BTC-27JUN25-120000-C",
  "BTC-27JUN25-80000-P", "BTC_USDC-28MAR25-100000-C", "BTC_USDC-27JUN25-90000-P", "BTC-28MAR25", "BTC-27JUN25",
  "BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "ETH-28MAR25-3000-C", "ETH-28MAR25-2000-P", "ETH-28MAR25-2500-C",
  "ETH_USDC-28MAR25-2500-P", "ETH-28MAR25", "ETH-PERPETUAL", "ETH_USDC-PERPETUAL",
];

/** Deterministic accounts: 1–12 positions (repeats allowed: they net per strike), coin/stablecoin collateral. */
function accounts(n: number, seed: number): unknown[] {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out: unknown[] = [];
  for (let a = 0; a < n; a++) {
    const positions = [];
    const m = 1 + Math.floor(u() * 12);
    for (let i = 0; i < m; i++) {
      const instrument = INSTRUMENTS[Math.floor(u() * INSTRUMENTS.length)]!;
      const quantity = +((u() < 0.5 ? -1 : 1) * (0.1 + 5 * u()) * (instrument.startsWith("ETH") ? 15 : 1)).toFixed(2);
      const pos: Record<string, unknown> = { instrument, quantity };
      if (!/-[CP]$/.test(instrument) && u() < 0.8) pos.entryPrice = instrument.startsWith("ETH") ? 2_400 + 200 * u() : 95_000 + 10_000 * u();
      positions.push(pos);
    }
    const collateral: Record<string, number> = {};
    if (u() < 0.7) collateral.BTC = +(3 * u()).toFixed(3);
    if (u() < 0.5) collateral.ETH = +(40 * u()).toFixed(2);
    if (u() < 0.6) collateral.USDC = Math.round(300_000 * u());
    if (u() < 0.3) collateral.USDT = Math.round(50_000 * u());
    if (u() < 0.2) collateral.SOL = Math.round(500 * u()); // X:PM: a collateral-only underlying
    out.push({ positions, collateral });
  }
  return out;
}

const POLICIES: [string, GridPolicy][] = [
  ["deribit S:PM", { method: "grid", preset: "deribit" }],
  ["deribit X:PM, haircuts, perpetual + de-peg add-ons", { method: "grid", preset: "deribit", mode: "X:PM", parameters: { haircuts: { BTC: { initial: 0.05, maintenance: 0.03 }, USDT: { initial: 0.02, maintenance: 0.01 } }, addOns: { perpetual: 0.003, stablecoinDepeg: 0.05 } } }],
  ["okx (X:PM, extreme with the total)", { method: "grid", preset: "okx" }],
  ["span (X:PM, short-option minimum)", { method: "grid", preset: "span", parameters: { default: { shortOptionMinimum: 0.01 } } }],
  ["deribit S:PM, SOM + perpetual add-on", { method: "grid", preset: "deribit", parameters: { default: { shortOptionMinimum: 0.02 }, addOns: { perpetual: 0.002 } } }],
];

function expectColumns(st: GridBatchState, ref: ReturnType<Engine["marginBatch"]>, what: string): void {
  expect(st.size).toBe(ref.length);
  for (let a = 0; a < ref.length; a++) {
    const r = ref[a]!;
    if ("error" in r) {
      expect(st.status[a], `${what} #${a}`).toBe(255);
      expect(st.failures.find((f) => f.account === a)?.error.message).toBe(r.error.message);
      continue;
    }
    const at = `${what} account ${a}`;
    expect(st.initialMargin[a], at).toBe(r.initialMargin);
    expect(st.maintenanceMargin[a], at).toBe(r.maintenanceMargin);
    expect(st.equity[a], at).toBe(r.equity);
    expect(st.excessInitial[a], at).toBe(r.excess.initial);
    expect(st.excessMaintenance[a], at).toBe(r.excess.maintenance);
    expect(BATCH_STATUS[st.status[a]!], at).toBe(r.status);
    expect(st.currency[a], at).toBe(r.currency);
    // no positions and no moving collateral: no scenario (index −1, P&L NaN)
    expect(st.worstIndex[a], at).toBe(r.worst[0]?.index ?? -1);
    expect(st.worstPnl[a], at).toBe(r.worst[0]?.pnl ?? NaN);
  }
}

describe("gridBatch (held state)", () => {
  it("an empty batch and empty books", () => {
    for (const { e } of engines) {
      expect(e.gridBatch([], market).size).toBe(0);
      const st = e.gridBatch([{ positions: [], collateral: {} }, { positions: [], collateral: { USDC: 1000 } }], market);
      expectColumns(st, e.marginBatch([{ positions: [], collateral: {} }, { positions: [], collateral: { USDC: 1000 } }], market, { method: "grid", preset: "deribit" }), "empty");
    }
  });

  for (const [label, policy] of POLICIES) {
    it(`${label}: every column equals marginBatch's, before and after recompute on a moved market`, () => {
      const books = accounts(300, label.length * 7919);
      for (const { name, e } of engines) {
        const st = e.gridBatch(books, market, policy);
        expectColumns(st, e.marginBatch(books, market, policy), `${name} ${label}`);
        st.recompute(moved);
        expectColumns(st, e.marginBatch(books, moved, policy), `${name} ${label} (moved)`);
        st.recompute(market);
        expectColumns(st, e.marginBatch(books, market, policy), `${name} ${label} (back)`);
      }
    });
  }

  it("the same numbers on every backend (js = wasm = wasm-simd)", () => {
    const books = accounts(200, 4242);
    const cols = engines.map(({ e }) => e.gridBatch(books, market));
    for (const st of cols.slice(1)) {
      expect([...st.initialMargin]).toEqual([...cols[0]!.initialMargin]);
      expect([...st.worstIndex]).toEqual([...cols[0]!.worstIndex]);
    }
  });

  it("a bad account gets its error in its slot and the batch goes on; result(a) is marginBatch's result", () => {
    const books = accounts(5, 99);
    books.splice(2, 0, { positions: [{ instrument: "BTC-28MAR25-90000-C", quantity: "abc" }], collateral: {} });
    for (const { name, e } of engines) {
      const st = e.gridBatch(books, market);
      const ref = e.marginBatch(books, market, { method: "grid", preset: "deribit" });
      expectColumns(st, ref, name);
      expect(st.failures.map((f) => f.account)).toEqual([2]);
      expect(st.failures[0]!.error.message).toMatch(/positions\[0\]\.quantity/);
      expect(st.result(3)).toEqual(ref[3] as GridMarginResult);
      expect("error" in st.result(2)).toBe(true);
      expect(() => st.result(99)).toThrow(RangeError);
    }
  });

  it("ticks in a row and two states interleaved on one backend (wasm: columns resident between ticks, restored after other allocations)", () => {
    const policy = POLICIES[1]![1];
    const books = accounts(150, 31337);
    const other = accounts(90, 2718);
    for (const { name, e } of engines) {
      const refM = e.marginBatch(books, market, policy);
      const refV = e.marginBatch(books, moved, policy);
      const refO = e.marginBatch(other, moved, policy);
      const st = e.gridBatch(books, market, policy);
      // nothing else allocates between these ticks: the wasm state reuses its resident columns
      st.recompute(moved).recompute(moved);
      expectColumns(st, refV, `${name} twice`);
      st.recompute(market);
      expectColumns(st, refM, `${name} back`);
      // a second state's construction overwrites the same bytes: the first must restore its static columns
      const st2 = e.gridBatch(other, moved, policy);
      st.recompute(moved);
      expectColumns(st, refV, `${name} after another state`);
      st2.recompute(moved);
      expectColumns(st2, refO, `${name} the other state`);
      st.recompute(market).recompute(market);
      expectColumns(st, refM, `${name} back twice`);
    }
  });

  it("bad input: not an array, the oracle add-on (needs per-position deltas)", () => {
    const e = engines[0]!.e;
    expect(() => e.gridBatch("x" as unknown as unknown[], market)).toThrow(/accounts/);
    expect(() => e.gridBatch(accounts(2, 1), market, { method: "grid", preset: "deribit", parameters: { addOns: { oracle: { BTC: 0.01 } } } })).toThrow(/oracle/);
  });
});
