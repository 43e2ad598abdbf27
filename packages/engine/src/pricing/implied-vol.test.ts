// Implied volatility: edge cases first, the textbook case, then round trips over the whole grid the brief names.
import { readFileSync } from "node:fs";
import { createJsKernels } from "@offset/kernels";
import { sharedData } from "@offset/kernels/testing";
import { describe, expect, it } from "vitest";
import {
  black76PriceBounds,
  checkImpliedVolBlack76,
  checkImpliedVolBsm,
  impliedVolBlack76,
  impliedVolBsm,
} from "./implied-vol.js";

const k = createJsKernels();

/** Black-76 price and vega (dV/dσ) from the kernels' TS twin (the oracle the wasm core is tested against). */
function b76(F: number, K: number, T: number, vol: number, r: number, isCall: boolean): { price: number; vega: number } {
  const out = { price: new Float64Array(1), delta: new Float64Array(1), gamma: new Float64Array(1), vega: new Float64Array(1), theta: new Float64Array(1), rho: new Float64Array(1) };
  k.black76(
    { forward: Float64Array.of(F), strike: Float64Array.of(K), timeToExpiry: Float64Array.of(T), vol: Float64Array.of(vol), rate: Float64Array.of(r), isCall: Int32Array.of(isCall ? 1 : 0) },
    false,
    out,
  );
  return { price: out.price[0]!, vega: out.vega[0]! };
}

const base = { forward: 100, strike: 110, timeToExpiry: 0.5, rate: 0.03, isCall: true };

describe("edge cases", () => {
  it("invalid inputs → NaN, and the check says invalid-input", () => {
    const bad = [
      { ...base, price: NaN },
      { ...base, price: -1 },
      { ...base, price: 5, forward: 0 },
      { ...base, price: 5, forward: -100 },
      { ...base, price: 5, strike: 0 },
      { ...base, price: 5, timeToExpiry: 0 },
      { ...base, price: 5, timeToExpiry: -1 },
      { ...base, price: 5, rate: Infinity },
      { ...base, price: Infinity },
    ];
    for (const b of bad) {
      expect(impliedVolBlack76(b), JSON.stringify(b)).toBeNaN();
      expect(checkImpliedVolBlack76(b)).toMatchObject({ ok: false, reason: "invalid-input" });
    }
    expect(impliedVolBsm({ price: 5, spot: 100, strike: 100, timeToExpiry: 1, rate: 0, dividendYield: NaN, isCall: true })).toBeNaN();
  });

  it("outside the no-arbitrage bounds → NaN with a reason and the bounds", () => {
    const { lower, upper } = black76PriceBounds(120, 100, 0.5, 0.03, true);
    expect(lower).toBeCloseTo(20 * Math.exp(-0.015), 12);
    expect(upper).toBeCloseTo(120 * Math.exp(-0.015), 12);
    const below = { price: lower * 0.999, forward: 120, strike: 100, timeToExpiry: 0.5, rate: 0.03, isCall: true };
    expect(impliedVolBlack76(below)).toBeNaN();
    expect(checkImpliedVolBlack76(below)).toEqual({ ok: false, reason: "below-intrinsic", lower, upper });
    const above = { ...below, price: upper * 1.001 };
    expect(impliedVolBlack76(above)).toBeNaN();
    expect(checkImpliedVolBlack76(above)).toMatchObject({ ok: false, reason: "above-upper-bound" });
    expect(checkImpliedVolBlack76({ ...below, price: (lower + upper) / 2 })).toMatchObject({ ok: true });
    const put = { price: 0.5, forward: 100, strike: 120, timeToExpiry: 1, rate: 0, isCall: false };
    expect(impliedVolBlack76(put)).toBeNaN(); // intrinsic 20
    expect(checkImpliedVolBsm({ price: 0.5, spot: 100, strike: 120, timeToExpiry: 1, rate: 0, dividendYield: 0, isCall: false })).toMatchObject({
      ok: false,
      reason: "below-intrinsic",
    });
  });

  it("exactly at the bounds: 0 at the intrinsic value, +∞ at the upper bound", () => {
    expect(impliedVolBlack76({ price: 0, forward: 100, strike: 110, timeToExpiry: 1, rate: 0, isCall: true })).toBe(0);
    expect(impliedVolBlack76({ price: 10, forward: 110, strike: 100, timeToExpiry: 1, rate: 0, isCall: true })).toBe(0);
    expect(impliedVolBlack76({ price: 100, forward: 100, strike: 110, timeToExpiry: 1, rate: 0, isCall: true })).toBe(Infinity);
  });

  it("tiny coin premium: 0.0005 BTC on a far out-of-the-money call (USD price 0.0005·F) round-trips", () => {
    const F = 30000, K = 60000, T = 30 / 365, r = 0;
    const price = 0.0005 * F;
    const vol = impliedVolBlack76({ price, forward: F, strike: K, timeToExpiry: T, rate: r, isCall: true });
    expect(vol).toBeGreaterThan(0.5);
    expect(vol).toBeLessThan(3);
    // the premium reprices to 1e-12 relative (|x|/s is large here: the price pins the vol down very tightly)
    expect(Math.abs(b76(F, K, T, vol, r, true).price / price - 1)).toBeLessThan(1e-12);
  });
});

describe("reference case", () => {
  const path = sharedData("bs_reference_cases.json");
  it.skipIf(!path)("hull_iv_01 (../shared/data/bs_reference_cases.json) within its tolerance", () => {
    const cases = (JSON.parse(readFileSync(path!, "utf8")) as { cases: Record<string, unknown>[] }).cases;
    const ivCases = cases.filter((c) => c.kind === "implied_vol");
    expect(ivCases.length).toBeGreaterThan(0);
    for (const c of ivCases as unknown as {
      option_type: string; spot: number; strike: number; q: number; r: number; t_years: number; price: number;
      expected: { implied_vol: number }; tolerance_abs: number;
    }[]) {
      const vol = impliedVolBsm({
        price: c.price, spot: c.spot, strike: c.strike, timeToExpiry: c.t_years, rate: c.r, dividendYield: c.q, isCall: c.option_type === "call",
      });
      expect(Math.abs(vol - c.expected.implied_vol)).toBeLessThanOrEqual(c.tolerance_abs);
    }
  });
});

describe("round trips over ln(F/K) ∈ [−3, 3], T ∈ [1 day, 5 years], vol ∈ [0.05, 3], calls and puts", () => {
  // The rule (see implied-vol.ts): the vol is recoverable to 1e-10 when ε·price/vega ≤ 1e-12 and the normalised
  // out-of-the-money value is ≥ 1e-300. Points outside it are counted, not silently dropped.
  const xs = [-3, -2, -1.2, -0.6, -0.25, -0.05, 0, 0.05, 0.25, 0.6, 1.2, 2, 3];
  const Ts = [1 / 365, 7 / 365, 30 / 365, 0.25, 1, 5];
  const vols = [0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3];
  it("recovers the vol to ≤ 1e-10 absolute wherever the price carries it", () => {
    let tested = 0, skipped = 0, underflow = 0, lost = 0, worst = 0;
    for (const x of xs)
      for (const T of Ts)
        for (const vol of vols)
          for (const isCall of [true, false])
            for (const r of [0, 0.05]) {
              const F = 30000, K = F * Math.exp(-x);
              const { price, vega } = b76(F, K, T, vol, r, isCall);
              const D = Math.exp(-r * T);
              const otm = price / D - Math.max(isCall ? F - K : K - F, 0);
              const got = impliedVolBlack76({ price, forward: F, strike: K, timeToExpiry: T, rate: r, isCall });
              const err = Math.abs(got - vol);
              if (!(otm / Math.sqrt(F * K) >= 1e-300)) {
                underflow++;
                continue;
              }
              if (!(Number.EPSILON * price <= 1e-12 * vega)) {
                // outside the rule the error is still bounded by the price's information: ~ε·price/vega (×1e3 for
                // the OTM subtraction and the forward pricer's own rounding), or NaN/0 when the time value vanished
                skipped++;
                if (Number.isFinite(got) && got > 0) {
                  expect(err, `x=${x} T=${T} vol=${vol} ${isCall ? "call" : "put"} r=${r}`).toBeLessThanOrEqual(1e-10 + (1e3 * Number.EPSILON * price) / vega);
                } else lost++;
                continue;
              }
              tested++;
              worst = Math.max(worst, err);
              expect(err, `x=${x} T=${T} vol=${vol} ${isCall ? "call" : "put"} r=${r}: got ${got}`).toBeLessThanOrEqual(1e-10);
            }
    // the rule keeps the bulk of the grid (the exclusions are deep-wing/short-dated points whose premium underflows
    // or deep in-the-money points whose time value is below the price's last bits)
    expect(tested).toBeGreaterThan(0.6 * (tested + skipped + underflow));
    expect(worst).toBeLessThanOrEqual(1e-10);
    console.info(
      `implied vol round trips: ${tested} within the rule (worst error ${worst.toExponential(2)}), ${skipped} with ε·price/vega > 1e-12 (${lost} of them without time value left), ${underflow} with an underflowing OTM value`,
    );
  });

  it("BSM agrees with Black-76 on the forward S·e^{(r−q)T}", () => {
    for (const [S, K, T, vol, r, q, isCall] of [
      [100, 90, 0.5, 0.3, 0.05, 0.02, true],
      [100, 130, 2, 0.6, 0.01, 0.04, false],
      [21, 20, 0.25, 0.2345, 0.1, 0, true],
    ] as const) {
      const F = S * Math.exp((r - q) * T);
      const { price } = b76(F, K, T, vol, r, isCall);
      expect(Math.abs(impliedVolBsm({ price, spot: S, strike: K, timeToExpiry: T, rate: r, dividendYield: q, isCall }) - vol)).toBeLessThanOrEqual(1e-10);
    }
  });
});
