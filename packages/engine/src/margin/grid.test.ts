import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine, type Engine, type MarketInput } from "../index.js";
import type { GridMarginResult } from "./grid.js";
import { gridPreset } from "./presets.js";

// Flat 60% (BTC) and 80% (ETH) smiles, forwards equal to the index: numbers that can be followed by hand.
const ASOF = Date.UTC(2025, 1, 20);
const T = (Date.UTC(2025, 2, 28, 8) - ASOF) / (365 * 86_400_000); // 28MAR25, 36.33 days
const T2 = (Date.UTC(2025, 5, 27, 8) - ASOF) / (365 * 86_400_000); // 27JUN25
const flat = (vol: number, t: number) => ({ a: vol * vol * t, b: 0, rho: 0, m: 0, sigma: 0.1 });
const market: MarketInput = {
  asOf: "2025-02-20T00:00:00Z",
  underlyings: {
    BTC: {
      index: 100_000,
      expiries: { "28MAR25": { forward: 100_000, svi: flat(0.6, T) }, "27JUN25": { forward: 100_000, svi: flat(0.6, T2) } },
    },
    ETH: { index: 2_500, expiries: { "28MAR25": { forward: 2_500, svi: flat(0.8, T) } } },
  },
};
const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../../../examples/${name}`, import.meta.url), "utf8"));

/** Deribit's vol-up shock of a 36-day option: (30/36.33)^0.13 (long-term power beyond 30 days). */
const scaleLong = (t: number) => Math.pow(30 / (t * 365), 0.13);

// Tolerances: the engine and these hand computations evaluate the same Black-76 formula on the same inputs (one
// through the batch kernel, one through engine.black76); they agree to a few ulps of the option price (≤ 1e-10
// relative to prices ~1e4 USD), so sums of a few positions agree to 1e-8 USD absolute.
const USD_TOL = 1e-8;

const noAddOns = { addOns: { netShortOption: 0 }, default: { basisAnnualMove: 0, extreme: { dampenerUsd: 0 } } };
/** the standard grid alone: no add-ons, extended table weighted 0 */
const gridOnly = { addOns: { netShortOption: 0 }, default: { basisAnnualMove: 0, extreme: { factor: 0 } } };

async function engines(): Promise<Engine[]> {
  return [await createEngine({ backend: "js" }), await createEngine()];
}

describe("grid margin: the engine against hand computations", () => {
  it("a linear perpetual loses q·S·range at the edge of the grid (X:PM, USD)", async () => {
    for (const e of await engines()) {
      const r = e.margin({ positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 2 }], collateral: { USDC: 100_000 } }, market, {
        method: "grid",
        preset: "deribit",
        mode: "X:PM",
        parameters: noAddOns,
      });
      expect(r.currency).toBe("USD");
      const u = r.grid.groups[0]!.underlyings[0]!;
      expect(u.gridLoss).toBeCloseTo(2 * 100_000 * 0.16, 8);
      expect(u.worst.description).toMatch(/BTC spot −16%/);
      expect(r.initialMargin).toBeCloseTo(32_000, 8);
      expect(r.maintenanceMargin).toBeCloseTo(0.8 * 32_000, 8); // Deribit mm_factor 0.8
      expect(r.status).toBe("healthy");
      expect(r.excess.initial).toBeCloseTo(100_000 - 32_000, 8);
    }
  });

  it("an inverse future in S:PM is margined in coin: q·(1/(1 − 0.16) − 1) BTC, with USD figures", async () => {
    const e = await createEngine();
    const r = e.margin({ positions: [{ instrument: "BTC-28MAR25", quantity: 1 }], collateral: { BTC: 1 } }, market, { method: "grid", preset: "deribit", parameters: gridOnly });
    expect(r.currency).toBe("BTC");
    const loss = 1 / 0.84 - 1;
    expect(r.initialMargin).toBeCloseTo(loss, 14);
    expect(r.equity).toBeCloseTo(1, 14);
    expect(r.usd!.initialMargin).toBeCloseTo(loss * 100_000, 8);
    // in coin a long inverse future's loss is unbounded as the price falls: the extended table binds at −66 %,
    // weighted 0.16/0.66 (no dampener)
    const ext = e.margin({ positions: [{ instrument: "BTC-28MAR25", quantity: 1 }] }, market, { method: "grid", preset: "deribit", parameters: noAddOns });
    expect(ext.initialMargin).toBeCloseTo((0.16 / 0.66) * (1 / 0.34 - 1), 14);
  });

  it("reprices a short call by Black-76 on the tenor-scaled shocked vol (grid max found by hand)", async () => {
    for (const e of await engines()) {
      const book = { positions: [{ instrument: "BTC-28MAR25-110000-C", quantity: -1 }], collateral: { USDC: 50_000 } };
      const r = e.margin(book, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: gridOnly });
      const base = e.black76({ forward: 100_000, strike: 110_000, timeToExpiry: T, vol: 0.6, isCall: true }).price;
      let worst = 0;
      for (let i = 0; i < 9; i++) {
        const m = 1 + (0.16 * (i - 4)) / 4;
        for (const vol of [Math.max(0.5, 0.6 * (1 + 0.5 * scaleLong(T))), 0.6, 0.6 * (1 - 0.25 * scaleLong(T))]) {
          worst = Math.max(worst, e.black76({ forward: 100_000 * m, strike: 110_000, timeToExpiry: T, vol, isCall: true }).price - base);
        }
      }
      expect(Math.abs(r.grid.groups[0]!.underlyings[0]!.gridLoss - worst)).toBeLessThan(USD_TOL);
      expect(r.worst[0]!.description).toBe("BTC spot +16%, vol up");
    }
  });

  it("counts the extended table at range/|move| of the loss, after the dampener, at vol up", async () => {
    const e = await createEngine();
    const book = { positions: [{ instrument: "BTC-28MAR25-200000-C", quantity: -10 }], collateral: { USDC: 1e6 } };
    const dampener = 5_000;
    const r = e.margin(book, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: { addOns: { netShortOption: 0 }, default: { basisAnnualMove: 0, extreme: { dampenerUsd: dampener } } } });
    const price = (F: number, vol: number) => e.black76({ forward: F, strike: 200_000, timeToExpiry: T, vol, isCall: true }).price;
    const volUp = Math.max(0.5, 0.6 * (1 + 0.5 * scaleLong(T)));
    let expected = 0;
    for (const m of [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5]) {
      const loss = 10 * (price(100_000 * (1 + m), volUp) - price(100_000, 0.6));
      expected = Math.max(expected, (0.16 / Math.abs(m)) * loss - dampener);
    }
    const u = r.grid.groups[0]!.underlyings[0]!;
    expect(Math.abs(u.extremeLoss - expected)).toBeLessThan(1e-6); // losses ~1e6 USD: a few ulps
    expect(u.extremeLoss).toBeGreaterThan(u.gridLoss); // far OTM: the extended table is what binds
    expect(r.initialMargin).toBeCloseTo(u.extremeLoss, 6);
    expect(r.worst[0]!.description).toMatch(/extreme/);
  });

  it("the forward/basis contingency charges a calendar spread a·ΔT of its notional", async () => {
    const e = await createEngine();
    const book = {
      positions: [
        { instrument: "BTC_USDC-PERPETUAL", quantity: 1 },
        { instrument: "BTC-27JUN25", quantity: -1 },
      ],
    };
    // inverse future in X:PM (USD) vs a linear perp: the pair is spot-neutral to first order; the basis tilt moves
    // only the future's forward, by e^{±a·T2}: the short inverse future loses q·(1 − e^{−a·T2}) coin when it rises
    const r = e.margin(book, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: { addOns: { netShortOption: 0 } } });
    const basis = r.components.find((c) => c.name === "forward/basis contingency")!;
    expect(basis.value).toBeCloseTo(100_000 * (1 - Math.exp(-0.075 * T2)), 6);
  });

  it("SPAN: 16 scenarios, extremes at 3× the range count 35 %, the short-option minimum floors far-OTM shorts", async () => {
    const e = await createEngine();
    const far = { positions: [{ instrument: "BTC-28MAR25-400000-C", quantity: -3 }], collateral: { USDC: 1e5 } };
    const r = e.margin(far, market, { method: "grid", preset: "span" });
    const u = r.grid.groups[0]!.underlyings[0]!;
    expect(u.spotMoves.length * u.volStates.length + 2).toBe(16);
    expect(u.spotMoves.map((m) => Math.round(m * 1e6) / 1e6)).toEqual([-0.16, -0.106667, -0.053333, 0, 0.053333, 0.106667, 0.16]);
    expect(u.shortOptionMinimum).toBeCloseTo(3 * 0.01 * 100_000, 8);
    expect(u.risk).toBe(Math.max(u.gridLoss, u.extremeLoss, u.shortOptionMinimum));
    expect(r.maintenanceMargin).toBeCloseTo(u.risk, 8);
    expect(r.initialMargin).toBeCloseTo(1.1 * u.risk, 8);
    // a linear perp: extreme = 35% of the loss at −48%, below the grid's −16%
    const perp = e.margin({ positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 1 }] }, market, { method: "grid", preset: "span" });
    expect(perp.grid.groups[0]!.underlyings[0]!.extremeLoss).toBeCloseTo(0.35 * 0.48 * 100_000, 8);
  });

  it("OKX: MM = max(MR1 + MR4, MR6), IM = 1.3 × MM, BTC tier ±12 % / MR6 ±24 %", async () => {
    const e = await createEngine();
    const r = e.margin({ positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 1 }] }, market, { method: "grid", preset: "okx" });
    const g = r.grid.groups[0]!;
    expect(g.underlyings[0]!.gridLoss).toBeCloseTo(12_000, 8);
    expect(g.extremeTotal).toBeCloseTo(24_000, 8);
    expect(r.maintenanceMargin).toBeCloseTo(24_000, 8);
    expect(r.initialMargin).toBeCloseTo(1.3 * 24_000, 8);
    const sol = gridPreset("okx").underlyings["SOL"]!;
    expect([sol.priceRange, sol.extreme!.moves]).toEqual([0.25, [-0.36, 0.36]]);
  });

  it("skew rotation scenarios hit a risk reversal harder than parallel vol moves alone", async () => {
    const e = await createEngine();
    const rr = { positions: [{ instrument: "BTC-28MAR25-80000-P", quantity: -5 }, { instrument: "BTC-28MAR25-120000-C", quantity: 5 }], collateral: { USDC: 1e6 } };
    const base = e.margin(rr, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: gridOnly });
    const skew = e.margin(rr, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: { ...gridOnly, default: { ...gridOnly.default, skewRotation: 2 } } });
    expect(skew.initialMargin).toBeGreaterThan(base.initialMargin);
    expect(skew.worst[0]!.description).toMatch(/skew puts up/);
  });
});

describe("grid margin: several underlyings", () => {
  it("sums per-underlying grids without offset, and reports the joint grid with its correlation-break charge", async () => {
    const e = await createEngine();
    const pair = { positions: [{ instrument: "BTC_USDC-PERPETUAL", quantity: 1 }, { instrument: "ETH_USDC-PERPETUAL", quantity: -40 }], collateral: { USDC: 1e5 } };
    const r = e.margin(pair, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: noAddOns });
    const g = r.grid.groups[0]!;
    expect(g.perUnderlyingRisk).toBeCloseTo(16_000 + 40 * 2_500 * 0.16, 8);
    expect(r.initialMargin).toBeCloseTo(g.perUnderlyingRisk, 8);
    // betas 1: BTC +x and ETH +x net to 0 (equal notionals)
    expect(g.joint!.loss).toBeLessThan(1e-6);
    expect(g.joint!.correlationBreak).toBeCloseTo(0.5 * g.perUnderlyingRisk, 6);
    // ETH beta 1.5: the joint grid sees the net exposure 100k·(1.5 − 1) per unit move
    const beta = e.margin(pair, market, { method: "grid", preset: "deribit", mode: "X:PM", parameters: { ...noAddOns, underlyings: { ETH: { beta: 1.5 } } } });
    expect(beta.grid.groups[0]!.joint!.loss).toBeGreaterThan(1000);
    expect(beta.grid.groups[0]!.joint!.worst.description).toMatch(/joint \(all by beta to BTC\)/);
  });

  it("S:PM keeps settlement currencies apart (USD totals, a status per group); X:PM haircuts collateral", async () => {
    const e = await createEngine();
    const book = sample("book.json");
    const m = sample("market.json");
    const s = e.margin(book, m, { method: "grid", preset: "deribit", mode: "S:PM" });
    expect(s.currency).toBe("USD");
    expect(s.grid.groups.map((g) => g.currency).sort()).toEqual(["BTC", "ETH", "USDC"]);
    const sum = s.grid.groups.reduce((t, g) => t + g.initialMargin * g.usdPerUnit, 0);
    expect(s.initialMargin).toBeCloseTo(sum, 6);
    const x = e.margin(book, m, { method: "grid", preset: "deribit", mode: "X:PM" });
    const h = e.margin(book, m, { method: "grid", preset: "deribit", mode: "X:PM", parameters: { haircuts: { BTC: { initial: 0.1, maintenance: 0.05 } } } });
    const btcUsd = 3 * m.underlyings.BTC.index;
    expect(x.marginEquity.initial - h.marginEquity.initial).toBeCloseTo(0.1 * btcUsd, 6);
    expect(x.marginEquity.maintenance - h.marginEquity.maintenance).toBeCloseTo(0.05 * btcUsd, 6);
    expect(h.initialMargin).toBe(x.initialMargin);
  });
});

describe("grid margin: sanity properties", () => {
  const presets = [
    ["deribit", "S:PM"],
    ["deribit", "X:PM"],
    ["okx", undefined],
    ["span", undefined],
  ] as const;

  it("IM ≥ MM ≥ 0 on the sample book under every preset, and the js and wasm backends agree", async () => {
    const [js, wasm] = await engines();
    const book = sample("book.json");
    const m = sample("market.json");
    for (const [preset, mode] of presets) {
      const a = js!.margin(book, m, { method: "grid", preset, ...(mode ? { mode } : {}) });
      const b = wasm!.margin(book, m, { method: "grid", preset, ...(mode ? { mode } : {}) });
      expect(a.initialMargin).toBeGreaterThanOrEqual(a.maintenanceMargin);
      expect(a.maintenanceMargin).toBeGreaterThan(0);
      // the backends' Black-76 agree to ~1e-12 relative per price; requirements ~1e4–1e5 USD
      expect(Math.abs(a.initialMargin - b.initialMargin)).toBeLessThan(1e-9 * a.initialMargin);
      expect(a.worst[0]!.index).toBe(b.worst[0]!.index);
    }
  });

  it("hedged books need far less than their legs: delta-hedged call, covered call, box", async () => {
    const e = await createEngine();
    const im = (positions: { instrument: string; quantity: number }[], collateral: Record<string, number> = {}, preset: "deribit" | "okx" | "span" = "deribit") =>
      e.margin({ positions, collateral }, market, { method: "grid", preset, mode: "X:PM" }).initialMargin;
    for (const preset of ["deribit", "okx", "span"] as const) {
      const call = { instrument: "BTC-28MAR25-100000-C", quantity: 2 };
      const delta = e.black76({ forward: 100_000, strike: 100_000, timeToExpiry: T, vol: 0.6, isCall: true }).delta;
      const hedge = { instrument: "BTC_USDC-PERPETUAL", quantity: -2 * delta };
      expect(im([call, hedge], {}, preset)).toBeLessThan(0.6 * (im([call], {}, preset) + im([hedge], {}, preset)));
      // covered call: 1 BTC held against a short call (X:PM: the BTC balance moves with spot); its legs are the
      // naked call and the BTC balance alone
      const short = { instrument: "BTC-28MAR25-110000-C", quantity: -1 };
      expect(im([short], { BTC: 1 }, preset)).toBeLessThan(0.7 * (im([short], {}, preset) + im([], { BTC: 1 }, preset)));
      // the same with a long perpetual as the cover
      const perp = { instrument: "BTC_USDC-PERPETUAL", quantity: 1 };
      expect(im([short, perp], {}, preset)).toBeLessThan(0.7 * (im([short], {}, preset) + im([perp], {}, preset)));
      // box: long call spread + short put spread at the same strikes has a fixed payoff
      const box = [
        { instrument: "BTC-28MAR25-90000-C", quantity: 1 },
        { instrument: "BTC-28MAR25-110000-C", quantity: -1 },
        { instrument: "BTC-28MAR25-90000-P", quantity: -1 },
        { instrument: "BTC-28MAR25-110000-P", quantity: 1 },
      ];
      const legs = box.reduce((s, p) => s + im([p], {}, preset), 0);
      expect(im(box, {}, preset)).toBeLessThan(0.1 * legs);
    }
  });

  it("a naked short option never gets less than the short-option minimum where the preset has one (SPAN)", async () => {
    const e = await createEngine();
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 400 }), fc.boolean(), fc.double({ min: 0.01, max: 20, noNaN: true }), (k, isCall, q) => {
        const name = `BTC-28MAR25-${k * 1000}-${isCall ? "C" : "P"}`;
        const r = e.margin({ positions: [{ instrument: name, quantity: -q }] }, market, { method: "grid", preset: "span" });
        // 1e-9 relative: the floor is computed as q·0.01·S in one product
        return r.maintenanceMargin >= q * 0.01 * 100_000 * (1 - 1e-9);
      }),
      { numRuns: 60 },
    );
  });

  const instruments = [
    "BTC-28MAR25-90000-C",
    "BTC-28MAR25-110000-C",
    "BTC-28MAR25-90000-P",
    "BTC-27JUN25-120000-C",
    "BTC-27JUN25-80000-P",
    "BTC-28MAR25",
    "BTC-PERPETUAL",
    "BTC_USDC-PERPETUAL",
    "ETH-28MAR25-3000-C",
    "ETH-28MAR25-2000-P",
    "ETH_USDC-PERPETUAL",
  ];
  const position = fc.record({ instrument: fc.constantFrom(...instruments), quantity: fc.double({ min: -10, max: 10, noNaN: true }).filter((q) => Math.abs(q) > 1e-3) });
  const book = fc.array(position, { minLength: 1, maxLength: 6 });
  const policies = presets.map(([preset, mode]) => ({ method: "grid" as const, preset, ...(mode ? { mode } : {}) }));

  it("margin is invariant to splitting a position in two", async () => {
    const e = await createEngine();
    fc.assert(
      fc.property(book, fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.constantFrom(...policies), (positions, f, policy) => {
        const [first, ...rest] = positions;
        const split = [{ ...first!, quantity: first!.quantity * f }, { ...first!, quantity: first!.quantity * (1 - f) }, ...rest];
        const a = e.margin({ positions, collateral: { USDC: 1e5 } }, market, policy);
        const b = e.margin({ positions: split, collateral: { USDC: 1e5 } }, market, policy);
        // rounding of sums of a few positions worth up to ~1e6 USD: 1e-9 relative plus 1e-6 absolute
        return Math.abs(a.initialMargin - b.initialMargin) <= 1e-9 * a.initialMargin + 1e-6;
      }),
      { numRuns: 60 },
    );
  });

  it("adding a position never raises margin by more than its standalone margin (+ the dampener it can unlock)", async () => {
    const e = await createEngine();
    fc.assert(
      fc.property(book, position, fc.constantFrom(...policies), (positions, extra, policy) => {
        const m = (ps: typeof positions) => e.margin({ positions: ps, collateral: {} }, market, policy) as GridMarginResult;
        // in USD: a one-currency S:PM result is in that coin
        const usd = (r: GridMarginResult) => r.usd?.initialMargin ?? r.initialMargin;
        const after = m([...positions, extra]);
        // worst-of-sums ≤ sum-of-worsts for the grid, the extremes, basis, net shorts and the SOM floor; the
        // dampener (max(0, L − D)) is the one offset that can be "used up": at most D per underlying group
        const dampener = after.grid.groups.reduce((s, g) => s + (policy.preset === "deribit" ? g.underlyings.length * 100_000 / g.usdPerUnit : 0) * g.usdPerUnit, 0);
        // OKX's max(MR1 + MR4, MR6) of sums is also subadditive; 1e-9 relative for rounding
        return usd(after) <= usd(m(positions)) + usd(m([extra])) + dampener + 1e-9 * usd(after) + 1e-6;
      }),
      { numRuns: 60 },
    );
  });
});

describe("grid margin: bad input gets a clear error", () => {
  it("names the field and the value", async () => {
    const e = await createEngine();
    const policy = { method: "grid", preset: "deribit" } as const;
    expect(() => e.margin({ positions: [{ instrument: "BTC-28MAR25-100000-X", quantity: 1 }] }, market, policy)).toThrow(/book\.positions\[0\]\.instrument/);
    expect(() => e.margin({ positions: [{ instrument: "SOL-28MAR25-100-C", quantity: 1 }] }, market, policy)).toThrow(/market\.underlyings: expected an entry for SOL/);
    expect(() => e.margin({ positions: [{ instrument: "BTC-28MAR25-100000-C", quantity: Number.NaN }] }, market, policy)).toThrow(/book\.positions\[0\]\.quantity/);
    const noVol: MarketInput = { asOf: "2025-02-20T00:00:00Z", underlyings: { BTC: { index: 100_000, expiries: { "28MAR25": { forward: 100_000 } } } } };
    expect(() => e.margin({ positions: [{ instrument: "BTC-28MAR25-100000-C", quantity: 1 }] }, noVol, policy)).toThrow(/an option with a mark IV or an SVI surface for BTC/);
    expect(() => e.margin({ positions: [] }, market, { method: "grid", preset: "cme" } as never)).toThrow(/policy\.preset: expected "deribit", "okx", "span", got "cme"/);
    expect(() => e.margin({ positions: [] }, market, { method: "grid", preset: "deribit", mode: "Y:PM" } as never)).toThrow(/policy\.mode/);
    expect(() => e.margin({ positions: [] }, market, { method: "grid", preset: "deribit", parameters: { default: { priceRange: 2 } } })).toThrow(/policy\.parameters\.default\.priceRange: expected a number in \[0\.001, 0\.99\], got 2/);
    expect(() => e.margin({ positions: [] }, market, { method: "grid", preset: "deribit", parameters: { default: { pricePoints: 8 } } })).toThrow(/odd number/);
    expect(() => e.margin({ positions: [] }, market, { method: "grid", preset: "okx", parameters: { initialFactor: 0.5 } })).toThrow(/IM ≥ MM/);
    // routed to Derive's preset, which reads Derive's own portfolio format
    expect(() => e.margin({ positions: [] }, market, { method: "grid", preset: "derive-pmrm2" } as never)).toThrow(/book.cash: expected a number \(required\)/);
  });

  it("an empty book needs no margin", async () => {
    const e = await createEngine();
    const r = e.margin({ positions: [], collateral: { USDC: 10 } }, market, { method: "grid", preset: "okx" });
    expect([r.initialMargin, r.maintenanceMargin, r.equity, r.status]).toEqual([0, 0, 10, "healthy"]);
  });
});
