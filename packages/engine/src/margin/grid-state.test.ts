// Batch, what-if, explanations and thresholds of the scenario-grid engine (grid.ts): each against the plain
// one-account computation it must reproduce.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine, type Engine, type MarketInput } from "../index.js";
import type { GridMarginResult } from "./grid.js";

const ASOF = Date.UTC(2025, 1, 20);
const T = (Date.UTC(2025, 2, 28, 8) - ASOF) / (365 * 86_400_000);
const T2 = (Date.UTC(2025, 5, 27, 8) - ASOF) / (365 * 86_400_000);
const smile = (vol: number, t: number) => ({ a: vol * vol * t * 0.8, b: 0.1 * t, rho: -0.3, m: 0, sigma: 0.2 });
const market: MarketInput = {
  asOf: "2025-02-20T00:00:00Z",
  underlyings: {
    BTC: { index: 100_000, expiries: { "28MAR25": { forward: 100_500, svi: smile(0.6, T) }, "27JUN25": { forward: 102_000, svi: smile(0.6, T2) } } },
    ETH: { index: 2_500, expiries: { "28MAR25": { forward: 2_510, svi: smile(0.8, T) } } },
  },
};
const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../../../examples/${name}`, import.meta.url), "utf8"));

const instruments = [
  "BTC-28MAR25-90000-C",
  "BTC-28MAR25-110000-C",
  "BTC-28MAR25-90000-P",
  "BTC-27JUN25-120000-C",
  "BTC-27JUN25-80000-P",
  "BTC_USDC-28MAR25-100000-C",
  "BTC-28MAR25",
  "BTC-27JUN25",
  "BTC-PERPETUAL",
  "BTC_USDC-PERPETUAL",
  "ETH-28MAR25-3000-C",
  "ETH-28MAR25-2000-P",
  "ETH_USDC-28MAR25-2500-P",
  "ETH-PERPETUAL",
  "ETH_USDC-PERPETUAL",
];
const position = fc.record(
  {
    instrument: fc.constantFrom(...instruments),
    quantity: fc.double({ min: -10, max: 10, noNaN: true }).filter((q) => Math.abs(q) > 1e-3),
    entryPrice: fc.double({ min: 1000, max: 200_000, noNaN: true }),
  },
  { requiredKeys: ["instrument", "quantity"] },
).map((p) => (p.instrument.endsWith("-C") || p.instrument.endsWith("-P") ? { instrument: p.instrument, quantity: p.quantity } : p));
const collateral = fc.record({ BTC: fc.double({ min: 0, max: 5, noNaN: true }), ETH: fc.double({ min: 0, max: 50, noNaN: true }), USDC: fc.double({ min: -1e4, max: 2e5, noNaN: true }) });
const bookArb = fc.record({ positions: fc.array(position, { minLength: 0, maxLength: 8 }), collateral });
const policies = [
  { method: "grid", preset: "deribit" },
  { method: "grid", preset: "deribit", mode: "X:PM" },
  { method: "grid", preset: "okx" },
  { method: "grid", preset: "span", parameters: { default: { skewRotation: 1 }, addOns: { oracle: { BTC: 0.01 }, perpetual: 0.002, netShortOption: 0.01 } } },
] as const;

async function engines(): Promise<Engine[]> {
  return [await createEngine({ backend: "js" }), await createEngine({ simd: false }), await createEngine()];
}

describe("grid margin in batch", () => {
  it("marginBatch gives every account exactly what margin gives it alone, on every backend", async () => {
    for (const e of await engines()) {
      fc.assert(
        fc.property(fc.array(bookArb, { minLength: 1, maxLength: 6 }), fc.constantFrom(...policies), fc.boolean(), (books, policy, joint) => {
          const batch = e.marginBatch(books, market, { ...policy, joint });
          books.forEach((b, i) => {
            // the kernel is element-wise and each account's rows are accumulated by the same code: identical bits
            expect(batch[i]).toEqual(e.margin(b, market, { ...policy, joint }));
          });
        }),
        { numRuns: 25 },
      );
    }
  });

  it("joint: false leaves the requirement alone and drops only the joint grid", async () => {
    const e = await createEngine();
    const book = sample("book.json");
    const m = sample("market.json");
    const a = e.margin(book, m, { method: "grid", preset: "deribit", mode: "X:PM" });
    const b = e.margin(book, m, { method: "grid", preset: "deribit", mode: "X:PM", joint: false });
    expect(a.grid.groups[0]!.joint).not.toBeNull();
    expect(b.grid.groups[0]!.joint).toBeNull();
    expect({ ...b, grid: null }).toEqual({ ...a, grid: null });
  });

  it("a bad account gets its error in its slot; the others go on", async () => {
    const e = await createEngine();
    const good = { positions: [{ instrument: "BTC-PERPETUAL", quantity: 1 }] };
    const out = e.marginBatch([good, { positions: [{ instrument: "BTC-28MAR25-1-X", quantity: 1 }] }, good], market, { method: "grid", preset: "deribit" });
    expect((out[0] as GridMarginResult).initialMargin).toBeGreaterThan(0);
    expect(out[1]).toMatchObject({ account: 1 });
    expect(String((out[1] as { error: Error }).error.message)).toMatch(/book\.positions\[0\]\.instrument/);
    expect(out[2]).toEqual(out[0]);
    expect(() => e.marginBatch([good], market, { method: "standard" } as never)).toThrow(/policy\.method: expected "grid"/);
  });
});

describe("what-if: incremental, identical to a full recompute", () => {
  const trade = fc.array(position, { minLength: 1, maxLength: 3 });

  it("state.whatIf(trades) equals margin(book + trades) exactly, on every backend and preset", async () => {
    for (const e of await engines()) {
      let incremental = 0;
      fc.assert(
        fc.property(bookArb, trade, fc.constantFrom(...policies), (book, trades, policy) => {
          const state = e.gridState(book, market, policy);
          const w = state.whatIf(trades);
          const full = e.margin({ positions: [...book.positions, ...trades], collateral: book.collateral }, market, policy);
          // Exact (toEqual on every figure, scenario P&L and description): the trades' contributions are accumulated
          // after the book's in the same order a full recompute uses, and the kernel is element-wise
          expect(w.after).toEqual(full);
          expect(w.before).toEqual(e.margin(book, market, policy));
          expect(w.change.initialMargin).toBe(full.currency === w.before.currency ? full.initialMargin - w.before.initialMargin : w.change.initialMargin);
          if (w.incremental) incremental++;
          // the state does not change: a second what-if sees the original book
          expect(state.whatIf(trades).after).toEqual(full);
        }),
        { numRuns: 40 },
      );
      // most random trades stay within the book's structure (the rest took the documented full-recompute path)
      expect(incremental).toBeGreaterThan(10);
    }
  });

  it("a trade on the book's structure is incremental; a new underlying or currency falls back to a full recompute", async () => {
    const e = await createEngine();
    const book = sample("book.json");
    const m = sample("market.json");
    const state = e.gridState(book, m, { method: "grid", preset: "deribit" });
    const inc = state.whatIf([{ instrument: "BTC-28MAR25-100000-C", quantity: 1 }]);
    expect(inc.incremental).toBe(true);
    // buying back one of the five short calls lowers the requirement
    expect(inc.change.initialMargin).toBeLessThan(0);
    expect(inc.after).toEqual(e.margin({ ...book, positions: [...book.positions, { instrument: "BTC-28MAR25-100000-C", quantity: 1 }] }, m, { method: "grid", preset: "deribit" }));
    const usdc = state.whatIf([{ instrument: "BTC_USDC-PERPETUAL", quantity: 1 }]); // the book has a USDC group (ETH_USDC perp) but no BTC in it
    expect(usdc.incremental).toBe(false);
    expect(usdc.after).toEqual(e.margin({ ...book, positions: [...book.positions, { instrument: "BTC_USDC-PERPETUAL", quantity: 1 }] }, m, { method: "grid", preset: "deribit" }));
    expect(e.whatIf(book, m, []).change.initialMargin).toBe(0);
    // withTrades moves the state on
    const next = state.withTrades([{ instrument: "BTC-28MAR25-100000-C", quantity: 1 }]);
    expect(next.result).toEqual(inc.after);
  });

  it("bad trades get errors that name trades[i]", async () => {
    const e = await createEngine();
    const state = e.gridState(sample("book.json"), sample("market.json"));
    expect(() => state.whatIf([{ instrument: "BTC-28MAR25-100000-C", quantity: "x" }])).toThrow(/trades\[0\]\.quantity/);
    expect(() => state.whatIf({ instrument: "BTC-PERPETUAL", quantity: 1 })).toThrow(/trades: expected an array/);
  });
});

describe("explanations", () => {
  it("contributions sum to the worst scenario's P&L; hedge benefit = Σ standalone − portfolio; k worst sorted", async () => {
    for (const e of await engines()) {
      for (const policy of policies) {
        const r = e.explainMargin(sample("book.json"), sample("market.json"), policy, { worst: 4, thresholds: false });
        expect(r.thresholds).toBeUndefined();
        for (const [gi, g] of r.explanation.groups.entries()) {
          const gr = r.grid.groups[gi]!;
          expect(g.currency).toBe(gr.currency);
          expect(g.worst.length).toBeLessThanOrEqual(4);
          for (let i = 1; i < g.worst.length; i++) expect(g.worst[i - 1]!.loss).toBeGreaterThanOrEqual(g.worst[i]!.loss);
          for (const [ui, u] of g.underlyings.entries()) {
            const ur = gr.underlyings[ui]!;
            expect(u.heatmap.pnl).toEqual(ur.pnl);
            expect(u.worst).toEqual(ur.worst);
            // summed in book order (then collateral), as the engine accumulates them: exactly the scenario's P&L
            let sum = 0;
            for (const p of u.positions) sum += p.pnl;
            expect(sum).toBe(u.worst.pnl);
            let standalone = 0;
            for (const p of u.positions) standalone += p.standaloneMargin;
            expect(u.hedge.standalone).toBe(standalone);
            expect(u.hedge.portfolio).toBeCloseTo(policy.preset === "okx" ? 1.3 * ur.risk : policy.preset === "span" ? 1.1 * ur.risk : ur.risk, 9);
            // scan risk is subadditive (worst of sums ≤ sum of worsts; the dampener aside): hedging never costs
            expect(u.hedge.benefit).toBeGreaterThanOrEqual(-1e-9 * u.hedge.standalone - (policy.preset === "deribit" ? 1e5 / g.usdPerUnit : 0));
          }
        }
      }
    }
  });

  it("a delta-hedged call: the hedge's marginal margin is negative and the benefit large", async () => {
    const e = await createEngine();
    const delta = e.black76({ forward: 100_500, strike: 100_000, timeToExpiry: T, vol: 0.55, isCall: true }).delta;
    const book = { positions: [{ instrument: "BTC_USDC-28MAR25-100000-C", quantity: 2 }, { instrument: "BTC_USDC-PERPETUAL", quantity: -2 * delta }], collateral: { USDC: 1e5 } };
    const r = e.explainMargin(book, market, { method: "grid", preset: "deribit", mode: "X:PM" }, { thresholds: false });
    const u = r.explanation.groups[0]!.underlyings[0]!;
    expect(u.positions.map((p) => p.name)).toEqual(["BTC_USDC-28MAR25-100000-C", "BTC_USDC-PERPETUAL"]);
    expect(u.hedge.benefit).toBeGreaterThan(0.4 * u.hedge.standalone);
    expect(u.positions[1]!.marginalMargin).toBeLessThan(u.positions[1]!.standaloneMargin);
    expect(r.explanation.groups[0]!.worst[0]!.description).toBe(r.worst[0]!.description);
  });
});

describe("thresholds", () => {
  const gridOnly = { addOns: { netShortOption: 0 }, default: { basisAnnualMove: 0, extreme: { factor: 0 } } };

  it("a long linear perpetual: liquidation where C + q·S·m = 0.8 · 0.16 · q·S·(1 + m) (hand solution)", async () => {
    for (const e of await engines()) {
      const book = { positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 1, entryPrice: 100_000 }], collateral: { USDC: 30_000 } };
      const r = e.explainMargin(book, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: gridOnly });
      const t = r.thresholds!;
      expect(t.marginCall.level).toBe(r.initialMargin);
      expect(t.liquidation.buffer).toBe(r.excess.maintenance);
      const d = t.distances.find((x) => x.underlying === "BTC" && x.how === "alone")!;
      const m = (0.8 * 0.16 * 1e5 - 30_000) / (1e5 * (1 - 0.8 * 0.16));
      // the root find narrows the bracket to 1e-5 on the move (LIQ_TOL) and returns its liquidated end
      expect(Math.abs(d.down!.move - m)).toBeLessThanOrEqual(1e-5);
      expect(d.down!.move).toBeLessThanOrEqual(m + 1e-12);
      expect(d.down!.price).toBeCloseTo(1e5 * (1 + d.down!.move), 6);
      // up: the margin grows with the price (0.128·q·S') but equity grows faster: never liquidated
      expect(d.up).toBeNull();
      expect(t.method).toMatch(/bisection/);
    }
  });

  it("already below maintenance: distance 0; a BTC-beta line when the book has several underlyings", async () => {
    const e = await createEngine();
    const under = e.explainMargin({ positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 1, entryPrice: 100_000 }], collateral: { USDC: 1_000 } }, market, { method: "grid", preset: "deribit", mode: "X:PM" });
    expect(under.status).toBe("liquidation");
    expect(under.thresholds!.distances[0]!.down!.move).toBe(0);
    const pair = { positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 1, entryPrice: 100_000 }, { instrument: "ETH_USDC-PERPETUAL", quantity: -40, entryPrice: 2_500 }], collateral: { USDC: 40_000 } };
    const r = e.explainMargin(pair, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: { ...gridOnly, underlyings: { ETH: { beta: 1.5 } } } });
    const beta = r.thresholds!.distances.find((x) => x.how === "beta")!;
    expect(beta.underlying).toBe("BTC");
    // BTC alone: the long BTC loses when BTC falls; by beta ETH (short, β 1.5) falls faster and the pair gains
    const alone = r.thresholds!.distances.find((x) => x.how === "alone" && x.underlying === "BTC")!;
    expect(alone.down).not.toBeNull();
    expect(beta.down === null || beta.down.move < alone.down!.move).toBe(true);
  });
});
