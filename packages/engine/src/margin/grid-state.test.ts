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
