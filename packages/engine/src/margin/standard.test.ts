import { describe, expect, it } from "vitest";
import { createEngine, type MarketInput } from "../index.js";

// Flat 60% vol, forward 10,000 for the expiry: the numbers of Deribit's formulas can be followed by hand.
const T = (Date.UTC(2025, 2, 28, 8) - Date.UTC(2025, 1, 20)) / (365 * 86_400_000);
const market: MarketInput = {
  asOf: "2025-02-20T00:00:00Z",
  underlyings: {
    BTC: { index: 10_000, expiries: { "28MAR25": { forward: 10_000, svi: { a: 0.36 * T, b: 0, rho: 0, m: 0, sigma: 0.1 } } } },
    ETH: { index: 2_000, expiries: {} },
  },
};

describe("standard margin (Deribit's per-instrument formulas)", () => {
  it("margins a short OTM call, a short OTM put and a future by the published formulas", async () => {
    const engine = await createEngine();
    const book = {
      positions: [
        { instrument: "BTC-28MAR25-11000-C", quantity: -2 },
        { instrument: "BTC-28MAR25-9000-P", quantity: -1 },
        { instrument: "BTC-28MAR25-10000-C", quantity: 3 },
        { instrument: "BTC-28MAR25", quantity: -4 },
        { instrument: "ETH_USDC-PERPETUAL", quantity: 10 },
      ],
      collateral: { BTC: 5, USDC: 1000 },
    };
    const r = engine.margin(book, market, { method: "standard" });
    const v = engine.value(book, market);
    const [callMark, putMark] = [v.positions[0]!.mark, v.positions[1]!.mark];
    // short call: OTM 1,000 on 10,000 → max(0.15 − 0.10, 0.10) + mark = 0.10 + mark (coin); MM 0.075 + mark
    expect(r.byPosition![0]!.initial).toBeCloseTo(2 * (0.1 + callMark), 14);
    expect(r.byPosition![0]!.maintenance).toBeCloseTo(2 * (0.075 + callMark), 14);
    // short put: OTM 1,000 → max(0.10 + mark, MM = max(0.075, 0.075·mark) + mark) = 0.10 + mark
    expect(r.byPosition![1]!.initial).toBeCloseTo(0.1 + putMark, 14);
    expect(r.byPosition![1]!.maintenance).toBeCloseTo(0.075 + putMark, 14);
    // long option: nothing beyond the premium
    expect(r.byPosition![2]!.initial).toBe(0);
    // inverse future, 4 BTC: IM 2% + 0.005%·4 of the notional in coin; MM 1% + 0.005%·4
    expect(r.byPosition![3]!.initial).toBeCloseTo(4 * (0.02 + 0.00005 * 4), 14);
    expect(r.byPosition![3]!.maintenance).toBeCloseTo(4 * (0.01 + 0.00005 * 4), 14);
    // linear perp: the same fractions of the USD notional
    expect(r.byPosition![4]!.initialUsd).toBeCloseTo(10 * 2000 * (0.02 + 0.00005 * 10), 9);
    // USD totals, equity and status
    const im = r.byPosition!.reduce((s, l) => s + l.initialUsd, 0);
    expect(r.initialMargin).toBeCloseTo(im, 9);
    expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
    expect(r.excess.initial).toBeCloseTo(v.marginEquityUsd - r.initialMargin, 9);
    expect(r.status).toBe("healthy");
    expect(r.marginRatio).toBeCloseTo(r.maintenanceMargin / v.marginEquityUsd, 12);
  });

  it("takes the deep-ITM short put's maintenance floor and reports status from the excess", async () => {
    const engine = await createEngine();
    // Deep ITM put (K 20,000 on F 10,000): OTM 0 → IM = max(0.15 + mark, MM) with mark ≈ 1 BTC, MM = 0.075·mark + mark.
    const r = engine.margin({ positions: [{ instrument: "BTC-28MAR25-20000-P", quantity: -1 }], collateral: { BTC: 1 } }, market);
    const mark = engine.value({ positions: [{ instrument: "BTC-28MAR25-20000-P", quantity: -1 }] }, market).positions[0]!.mark;
    expect(r.byPosition![0]!.maintenance).toBeCloseTo(Math.max(0.075, 0.075 * mark) + mark, 14);
    expect(r.byPosition![0]!.initial).toBeCloseTo(Math.max(0.15 + mark, Math.max(0.075, 0.075 * mark) + mark), 14);
    // equity = 1 BTC − the short put's value (≈ 1 BTC) < MM → liquidation
    expect(r.status).toBe("liquidation");
  });

  it("validates the policy", async () => {
    const engine = await createEngine();
    expect(() => engine.margin({ positions: [] }, market, { method: "var" } as never)).toThrow("policy.method");
    expect(() => engine.margin({ positions: [] }, market, { method: "grid" } as never)).toThrow("policy.preset");
    expect(() => engine.margin({ positions: [] }, market, { method: "standard", parameters: { option: { initialBase: 2 } } })).toThrow(
      "policy.parameters.option.initialBase: expected a fraction in [0, 1], got 2",
    );
  });
});
