import { allBackends } from "@offset/kernels/testing";
import { describe, expect, it } from "vitest";
import { createEngine, type MarketInput, parseBook, parseMarket, portfolioOutputs, resolveBook, scenarioPnl, valueBook, valueColumns } from "./index.js";

// A flat 50% BTC surface (SVI with b = 0: w = a = σ²·T at every strike) and one listed option with its own mark IV.
const T1 = (Date.UTC(2025, 2, 28, 8) - Date.UTC(2025, 1, 20)) / (365 * 86_400_000);
const marketInput: MarketInput = {
  asOf: "2025-02-20T00:00:00Z",
  underlyings: {
    BTC: {
      index: 100_000,
      expiries: { "28MAR25": { forward: 100_500, svi: { a: 0.25 * T1, b: 0, rho: 0, m: 0, sigma: 0.1 }, marks: { "BTC-28MAR25-120000-C": { iv: 0.62 } } } },
    },
    ETH: { index: 2500, carry: 0.05, expiries: {} },
  },
};

describe("valuation", () => {
  it("values listed options at their mark IV, others on the surface, and futures from their entry price", async () => {
    const engine = await createEngine();
    const v = engine.value(
      {
        positions: [
          { instrument: "BTC-28MAR25-120000-C", quantity: -2 },
          { instrument: "BTC-28MAR25-90000-P", quantity: 3, entryPrice: 0.01 },
          { instrument: "BTC-28MAR25", quantity: 0.2, entryPrice: 95_000 },
          { instrument: "ETH_USDC-PERPETUAL", quantity: -10, entryPrice: 2600 },
          { instrument: "BTC-PERPETUAL", quantity: 1 },
        ],
        collateral: { BTC: 1, USDC: 10_000 },
      },
      marketInput,
      { haircuts: { BTC: 0.1 } },
    );
    const [call, put, fut, perp, btcPerp] = v.positions;
    expect(call!.vol).toBe(0.62);
    expect(call!.volSource).toBe("mark");
    expect(put!.vol).toBeCloseTo(0.5, 15);
    expect(put!.volSource).toBe("surface");
    const g = engine.black76({ forward: 100_500, strike: 120_000, timeToExpiry: T1, vol: 0.62, isCall: true });
    // Coin-settled: mark in BTC = USD price / forward; USD value at the index.
    expect(call!.mark).toBeCloseTo(g.price / 100_500, 15);
    expect(call!.valueUsd).toBeCloseTo(-2 * (g.price / 100_500) * 100_000, 9);
    expect(call!.greeks.delta).toBeCloseTo(-2 * g.delta, 14);
    expect(call!.greeks.premiumAdjustedDelta).toBeCloseTo(-2 * (g.delta - g.price / 100_500), 14);
    expect(call!.greeks.vega).toBeCloseTo((-2 * g.vega) / 100, 10);
    expect(put!.unrealisedPnl).toBeCloseTo(3 * (put!.mark - 0.01), 15);
    // Inverse future: USD notional N = q·F; coin P&L N·(1/entry − 1/F).
    expect(fut!.value).toBeCloseTo(0.2 * 100_500 * (1 / 95_000 - 1 / 100_500), 14);
    expect(fut!.valueUsd).toBeCloseTo(fut!.value * 100_000, 9);
    // Linear perp: q·(F − entry) in USDC, F = index for a perpetual.
    expect(perp!.value).toBeCloseTo(-10 * (2500 - 2600), 9);
    expect(btcPerp!.entryPriceMissing).toBe(true);
    expect(btcPerp!.value).toBe(0);
    const positionsUsd = v.positions.reduce((s, p) => s + p.valueUsd, 0);
    expect(v.equityUsd).toBeCloseTo(100_000 + 10_000 + positionsUsd, 6);
    expect(v.marginEquityUsd).toBeCloseTo(90_000 + 10_000 + positionsUsd, 6);
    const btc = v.greeks.find((x) => x.underlying === "BTC")!;
    // underlying delta = option deltas + futures quantities + coin collateral
    expect(btc.delta).toBeCloseTo(call!.greeks.delta + put!.greeks.delta + 0.2 + 1 + 1, 12);
  });

  it("reproduces the venue's inverse examples: a 100k call bought for 0.05 BTC is worth +0.15 BTC at 125k", async () => {
    // Deribit's documentation of inverse options: the payoff in BTC is max(S − K, 0)/S; bought at 0.05 BTC, settling
    // at 125,000 pays 25,000/125,000 = 0.2 BTC, a profit of 0.15 BTC. One millisecond before expiry the value is the
    // payoff to ~1e-12 (the time value of 1 ms at 50% vol is below 1e-7 USD).
    const engine = await createEngine();
    const v = engine.value(
      { positions: [{ instrument: "BTC-28MAR25-100000-C", quantity: 1, entryPrice: 0.05 }] },
      { asOf: new Date(Date.UTC(2025, 2, 28, 8) - 1).toISOString(), underlyings: { BTC: { index: 125_000, expiries: { "28MAR25": { forward: 125_000, marks: { "BTC-28MAR25-100000-C": { iv: 0.5 } } } } } } },
    );
    expect(v.positions[0]!.mark).toBeCloseTo(0.2, 12);
    expect(v.positions[0]!.unrealisedPnl).toBeCloseTo(0.15, 12);
    // Deribit's inverse-futures example: long 10,000 USD at 50,000, mark 55,000 → 10,000·(1/50,000 − 1/55,000) BTC.
    const f = engine.value(
      { positions: [{ instrument: "BTC-PERPETUAL", quantity: 10_000 / 55_000, entryPrice: 50_000 }] },
      { asOf: "2025-02-20T00:00:00Z", underlyings: { BTC: { index: 55_000 } } },
    );
    expect(f.positions[0]!.value).toBeCloseTo(10_000 * (1 / 50_000 - 1 / 55_000), 15);
  });

  it("has zero scenario P&L when nothing moves and the textbook P&L when spot moves", async () => {
    const engine = await createEngine();
    const book = parseBook({
      positions: [
        { instrument: "BTC-28MAR25-120000-C", quantity: -3 },
        { instrument: "BTC-28MAR25", quantity: 2 },
        { instrument: "ETH_USDC-PERPETUAL", quantity: -10 },
      ],
      collateral: { BTC: 1, USDC: 5000 },
    });
    const { valuation, resolved } = valueBook(engine.kernels, book, parseMarket(marketInput));
    const baseUsd = Float64Array.from(valuation.positions, (p) => (p.kind === "option" ? p.valueUsd : 0));
    const m = 0.9; // BTC −10%, ETH +20%
    const pnl = scenarioPnl(engine.kernels, resolved, baseUsd, {
      count: 2,
      spotLogReturn: Float64Array.of(0, 0, Math.log(m), Math.log(1.2)),
      volShift: new Float64Array(4),
    });
    expect(pnl[0]).toBe(0);
    const call = engine.black76({ forward: 100_500 * m, strike: 120_000, timeToExpiry: T1, vol: 0.62, isCall: true });
    // the call: coin value V'/F' at S' = m·S; inverse future 2·(m − 1)·S; ETH perp −10·2500·0.2; BTC collateral S·(m − 1)
    const expected = -3 * (call.price / (100_500 * m)) * 100_000 * m - valuation.positions[0]!.valueUsd + 2 * (m - 1) * 100_000 - 10 * 2500 * 0.2 + 100_000 * (m - 1);
    expect(pnl[1]).toBeCloseTo(expected, 6);
  });

  it("refuses an expired instrument, an underlying the market lacks, an option with no vol, and a bad haircut", async () => {
    const engine = await createEngine();
    const value = (positions: { instrument: string; quantity: number }[], opts = {}) => () => engine.value({ positions }, marketInput, opts);
    expect(value([{ instrument: "BTC-27DEC24-60000-C", quantity: 1 }])).toThrow("an instrument expiring after the market time 2025-02-20T00:00:00Z");
    expect(value([{ instrument: "SOL-PERPETUAL", quantity: 1 }])).toThrow("an entry for SOL");
    expect(value([{ instrument: "ETH-28MAR25-3000-C", quantity: 1 }])).toThrow("an option with a mark IV or an SVI surface for ETH in the market");
    expect(value([{ instrument: "BTC-PERPETUAL", quantity: 1 }], { haircuts: { BTC: 1.5 } })).toThrow("haircuts.BTC: expected a haircut in [0, 1), got 1.5");
  });
});

// A mixed book: listed and surface-valued options (coin-settled and USDC-linear), futures and perpetuals with and
// without entry prices, two underlyings, coin and stablecoin collateral.
const T2 = (Date.UTC(2025, 5, 27, 8) - Date.UTC(2025, 1, 20)) / (365 * 86_400_000);
const mixedMarket: MarketInput = {
  asOf: "2025-02-20T00:00:00Z",
  rate: 0.01,
  underlyings: {
    BTC: {
      index: 96_000,
      carry: 0.08,
      expiries: {
        "28MAR25": { forward: 96_800, svi: { a: 0.3 * T1, b: 0.02, rho: -0.3, m: 0, sigma: 0.1 }, marks: { "BTC-28MAR25-100000-C": { iv: 0.58, forward: 96_790 } } },
        "27JUN25": { forward: 98_600, svi: { a: 0.3 * T2, b: 0.04, rho: -0.3, m: 0, sigma: 0.1 } },
      },
    },
    ETH: { index: 2_700, carry: 0.07, expiries: { "27JUN25": { forward: 2_760, svi: { a: 0.45 * T2, b: 0.05, rho: -0.2, m: 0, sigma: 0.15 } } } },
  },
};
const mixedBook = {
  positions: [
    { instrument: "BTC-28MAR25-100000-C", quantity: -2, entryPrice: 0.02 },
    { instrument: "BTC-27JUN25-80000-P", quantity: 3 },
    { instrument: "ETH_USDC-27JUN25-3000-C", quantity: 40, entryPrice: 150 },
    { instrument: "BTC-PERPETUAL", quantity: 1.5, entryPrice: 90_000 },
    { instrument: "BTC-27JUN25", quantity: -1 },
    { instrument: "ETH-27JUN25-2500-P", quantity: -25 },
    { instrument: "ETH_USDC-PERPETUAL", quantity: 10, entryPrice: 2_900 },
    { instrument: "BTC_USDC-28MAR25-90000-P", quantity: 0.5 },
  ],
  collateral: { BTC: 2, ETH: -5, USDC: 20_000 },
};

describe("valueColumns (the columnar core of valueBook)", () => {
  it("agrees with valueBook's objects and with per-option Black-76 prices, on every backend", async () => {
    const market = parseMarket(mixedMarket);
    const book = parseBook(mixedBook);
    const engine = await createEngine({ backend: "js" });
    for (const { name, k } of await allBackends()) {
      const r = resolveBook(book, market);
      const c = valueColumns(k, r, { haircuts: { BTC: 0.1 } });
      const { valuation: v } = valueBook(k, book, market, { haircuts: { BTC: 0.1 } });
      expect(c.equityUsd, name).toBe(v.equityUsd);
      expect(c.marginEquityUsd, name).toBe(v.marginEquityUsd);
      expect(c.collateral, name).toEqual(v.collateral);
      v.positions.forEach((p, i) => {
        const rp = r.positions[i]!;
        expect(c.positions.mark[i], `${name} ${p.instrument}`).toBe(p.mark);
        expect(c.positions.valueUsd[i], `${name} ${p.instrument}`).toBe(p.valueUsd);
        expect(c.positions.delta[i], `${name} ${p.instrument}`).toBe(p.greeks.delta);
        expect(c.positions.vega[i], `${name} ${p.instrument}`).toBe(p.greeks.vega);
        expect(Number.isNaN(c.positions.unrealisedPnl[i]!), `${name} ${p.instrument}`).toBe(p.unrealisedPnl === undefined);
        // an independent check of the columns: one option at a time through the public single-option pricer
        const S = r.spot[rp.underlying]!;
        if (rp.kind === "option") {
          const g = engine.black76({ forward: rp.forward, strike: rp.strike!, timeToExpiry: rp.timeToExpiry, vol: rp.vol!, rate: 0.01, isCall: rp.isCall! });
          const mark = rp.inverse ? g.price / rp.forward : g.price;
          // a single Black-76 evaluation vs the batch: same operations, but a different backend for the reference
          // (js engine) than the one tested: ≤ 1e-12 relative covers any backend difference documented for black76
          const close = (a: number, b: number) => expect(Math.abs(a - b) / Math.max(Math.abs(b), 1e-300), `${name} ${p.instrument}`).toBeLessThan(1e-12);
          close(p.mark, mark);
          close(p.valueUsd, rp.quantity * (rp.inverse ? mark * S : g.price));
          close(p.greeks.delta, rp.quantity * g.delta);
          close(p.greeks.premiumAdjustedDelta, rp.inverse ? rp.quantity * (g.delta - g.price / rp.forward) : rp.quantity * g.delta);
          close(p.greeks.gamma, rp.quantity * g.gamma);
          close(p.greeks.vega, (rp.quantity * g.vega) / 100);
          close(p.greeks.theta, (rp.quantity * g.theta) / 365);
        } else {
          expect(p.greeks.delta, name).toBe(rp.quantity);
          expect(p.mark, name).toBe(rp.forward);
        }
      });
      // per underlying: the positions' sums plus coin collateral, in position order, as the objects report them
      r.underlyings.forEach((u, ui) => {
        const g = v.greeks[ui]!;
        expect(g.underlying).toBe(u);
        const mine = v.positions.filter((_, i) => r.positions[i]!.underlying === ui);
        const coin = mixedBook.collateral[u as "BTC" | "ETH"];
        expect(c.underlyings.delta[ui], `${name} ${u}`).toBe(g.delta);
        expect(g.delta, `${name} ${u}`).toBe(mine.reduce((s, p) => s + p.greeks.delta, 0) + coin);
        expect(g.premiumAdjustedDelta, `${name} ${u}`).toBe(mine.reduce((s, p) => s + p.greeks.premiumAdjustedDelta, 0) + coin);
        expect(g.gamma, `${name} ${u}`).toBe(mine.reduce((s, p) => s + p.greeks.gamma, 0));
        expect(g.vega, `${name} ${u}`).toBe(mine.reduce((s, p) => s + p.greeks.vega, 0));
        expect(g.theta, `${name} ${u}`).toBe(mine.reduce((s, p) => s + p.greeks.theta, 0));
        expect(c.underlyings.valueUsd[ui], `${name} ${u}`).toBe(mine.reduce((s, p) => s + p.valueUsd, 0));
      });
      // equity: collateral (in asset order) + the positions' USD values summed per underlying, then over underlyings
      const positionsUsd = 0 + c.underlyings.valueUsd[0]! + c.underlyings.valueUsd[1]!;
      expect(v.equityUsd, name).toBe(0 + 2 * 96_000 - 5 * 2_700 + 20_000 + positionsUsd);
      expect(v.marginEquityUsd, name).toBe(0 + 2 * 96_000 * 0.9 - 5 * 2_700 + 20_000 + positionsUsd);
      // the same as summing the positions in book order, up to rounding (8 terms of ≤ 1e6: 1e-9 relative is ample)
      expect(Math.abs(positionsUsd - v.positions.reduce((s, p) => s + p.valueUsd, 0)) / Math.abs(v.equityUsd), name).toBeLessThan(1e-9);
    }
  });

  it("gives identical bits on js, wasm and wasm-simd, and the same numbers when its output columns are reused", async () => {
    const r = resolveBook(parseBook(mixedBook), parseMarket(mixedMarket));
    const [ref, ...rest] = (await allBackends()).map(({ name, k }) => ({ name, k, c: valueColumns(k, r) }));
    for (const { name, k, c } of rest) {
      for (const col of ["mark", "markUsd", "value", "valueUsd", "unrealisedPnl", "delta", "premiumAdjustedDelta", "gamma", "vega", "theta"] as const) {
        expect(c.positions[col], `${name} ${col}`).toEqual(ref!.c.positions[col]);
      }
      expect(c.underlyings, name).toEqual(ref!.c.underlyings);
      expect(c.equityUsd, name).toBe(ref!.c.equityUsd);
      const out = portfolioOutputs(r.positions.length, r.underlyings.length);
      const again = [valueColumns(k, r, {}, out), valueColumns(k, r, {}, out)];
      expect(again[1]!.positions, name).toBe(out);
      expect(again[1]!.positions.valueUsd, name).toEqual(ref!.c.positions.valueUsd);
      expect(again[0]!.underlyings, name).toEqual(ref!.c.underlyings); // copies: not touched by the second call
    }
  });

  it("resolves the book into kernel columns consistent with its position objects", () => {
    const r = resolveBook(parseBook(mixedBook), parseMarket(mixedMarket));
    expect(r.underlyings).toEqual(["BTC", "ETH"]);
    const c = r.columns;
    expect(c.options).toBe(r.options);
    expect(Array.from(c.optionRow)).toEqual([0, 1, 2, -1, -1, 3, -1, 4]);
    expect(Array.from(r.options.index)).toEqual([0, 1, 2, 5, 7]);
    r.positions.forEach((p, i) => {
      expect(c.underlying[i]).toBe(p.underlying);
      expect(c.inverse[i]).toBe(p.inverse ? 1 : 0);
      expect(c.quantity[i]).toBe(p.quantity);
      expect(c.forward[i]).toBe(p.forward);
      if (p.entryPrice === undefined) expect(c.entryPrice[i]).toBeNaN();
      else expect(c.entryPrice[i]).toBe(p.entryPrice);
      const j = c.optionRow[i]!;
      if (j >= 0) {
        expect([r.options.forward[j], r.options.strike[j], r.options.vol[j], r.options.timeToExpiry[j], r.options.rate[j]]).toEqual([p.forward, p.strike, p.vol, p.timeToExpiry, 0.01]);
        expect(r.options.isCall[j]).toBe(p.isCall ? 1 : 0);
      }
    });
    // the listed option keeps its own mark forward; an unlisted one takes its expiry's forward; a perp the index
    expect(r.positions[0]!.forward).toBe(96_790);
    expect(r.positions[0]!.volSource).toBe("mark");
    expect(r.positions[1]!.forward).toBe(98_600);
    expect(r.positions[1]!.volSource).toBe("surface");
    expect(r.positions[3]!.forward).toBe(96_000);
    expect(r.collateral.map((x) => x.underlying)).toEqual([0, 1, -1]);
  });
});
