import { describe, expect, it } from "vitest";
import { createEngine, type MarketInput, parseBook, parseMarket, scenarioPnl, valueBook } from "./index.js";

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
