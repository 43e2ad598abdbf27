// portfolioValue (black76 + the per-position pass of js/portfolio.ts / assembly/portfolio.ts) on every backend:
// edge cases first (empty book, no options, unknown entry prices, indices out of range), then the formulas against a
// separate black76 call done by hand, the per-underlying sums, and js/wasm/wasm-simd parity on a random book.
import { beforeAll, describe, expect, it } from "vitest";
import { allBackends } from "./testing.js";
import type { GreeksOutputs, Kernels, PortfolioInputs, PortfolioOutputs } from "./types.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

const COLUMNS = ["mark", "markUsd", "value", "valueUsd", "unrealisedPnl", "delta", "premiumAdjustedDelta", "gamma", "vega", "theta"] as const;
const SUMS = ["delta", "premiumAdjustedDelta", "gamma", "vega", "theta", "valueUsd"] as const;

function outputs(n: number, nu: number): PortfolioOutputs {
  const col = () => new Float64Array(n).fill(-7); // sentinel: every entry must be written
  const sum = () => new Float64Array(nu).fill(-7);
  return {
    mark: col(), markUsd: col(), value: col(), valueUsd: col(), unrealisedPnl: col(),
    delta: col(), premiumAdjustedDelta: col(), gamma: col(), vega: col(), theta: col(),
    sums: { delta: sum(), premiumAdjustedDelta: sum(), gamma: sum(), vega: sum(), theta: sum(), valueUsd: sum() },
  };
}

interface Pos {
  u: number;
  inverse: boolean;
  q: number;
  F: number;
  entry?: number;
  /** option: strike, T, vol, call; absent = future/perpetual */
  opt?: [K: number, T: number, vol: number, call: boolean];
  /** override the option row (out-of-range tests) */
  row?: number;
}

function book(spot: number[], ps: Pos[], rate = 0): PortfolioInputs {
  const opts = ps.filter((p) => p.opt);
  let r = 0;
  return {
    options: {
      forward: Float64Array.from(opts, (p) => p.F),
      strike: Float64Array.from(opts, (p) => p.opt![0]),
      timeToExpiry: Float64Array.from(opts, (p) => p.opt![1]),
      vol: Float64Array.from(opts, (p) => p.opt![2]),
      rate: new Float64Array(opts.length).fill(rate),
      isCall: Int32Array.from(opts, (p) => (p.opt![3] ? 1 : 0)),
    },
    optionRow: Int32Array.from(ps, (p) => p.row ?? (p.opt ? r++ : -1)),
    underlying: Int32Array.from(ps, (p) => p.u),
    inverse: Int32Array.from(ps, (p) => (p.inverse ? 1 : 0)),
    quantity: Float64Array.from(ps, (p) => p.q),
    forward: Float64Array.from(ps, (p) => p.F),
    entryPrice: Float64Array.from(ps, (p) => p.entry ?? NaN),
    spot: Float64Array.from(spot),
  };
}

function run(k: Kernels, b: PortfolioInputs): { out: PortfolioOutputs; invalid: number } {
  const out = outputs(b.quantity.length, b.spot.length);
  const invalid = k.portfolioValue(b, out);
  return { out, invalid };
}

function b76(k: Kernels, b: PortfolioInputs): GreeksOutputs {
  const m = b.options.forward.length;
  const f = () => new Float64Array(m);
  return k.black76(b.options, false, { price: f(), delta: f(), gamma: f(), vega: f(), theta: f(), rho: f() });
}

describe("portfolioValue: edge cases", () => {
  it("an empty book: nothing written, sums zero, no invalid rows", () => {
    for (const { name, k } of backends) {
      const { out, invalid } = run(k, book([100, 200], []));
      expect(invalid, name).toBe(0);
      for (const s of SUMS) expect(Array.from(out.sums[s]), `${name} ${s}`).toEqual([0, 0]);
    }
  });

  it("futures and perpetuals only (no options): entry-price P&L, delta = quantity, NaN P&L where the entry is unknown", () => {
    const S = 50_000;
    const ps: Pos[] = [
      { u: 0, inverse: true, q: 2, F: 52_000, entry: 48_000 }, // inverse future
      { u: 0, inverse: false, q: -3, F: 50_100, entry: 51_000 }, // linear perp
      { u: 0, inverse: true, q: 1.5, F: 50_000 }, // no entry price
    ];
    for (const { name, k } of backends) {
      const { out, invalid } = run(k, book([S], ps));
      expect(invalid, name).toBe(0);
      expect(Array.from(out.mark), name).toEqual([52_000, 50_100, 50_000]);
      expect(Array.from(out.markUsd), name).toEqual([52_000, 50_100, 50_000]);
      // inverse: USD notional q·F, coin P&L q·F·(1/e − 1/F), worth S per coin; exact same expression → toBe
      expect(out.value[0], name).toBe(2 * 52_000 * (1 / 48_000 - 1 / 52_000));
      expect(out.valueUsd[0], name).toBe(out.value[0]! * S);
      expect(out.value[1], name).toBe(-3 * (50_100 - 51_000));
      expect(out.valueUsd[1], name).toBe(out.value[1]);
      expect(out.value[2], name).toBe(0);
      expect(out.valueUsd[2], name).toBe(0);
      expect(out.unrealisedPnl[0], name).toBe(out.value[0]);
      expect(out.unrealisedPnl[2], name).toBeNaN();
      expect(Array.from(out.delta), name).toEqual([2, -3, 1.5]);
      expect(Array.from(out.premiumAdjustedDelta), name).toEqual([2, -3, 1.5]);
      for (const c of ["gamma", "vega", "theta"] as const) expect(Array.from(out[c]), `${name} ${c}`).toEqual([0, 0, 0]);
      expect(out.sums.delta[0], name).toBe(0.5);
      expect(out.sums.valueUsd[0], name).toBe(0 + out.valueUsd[0]! + out.valueUsd[1]! + 0);
    }
  });

  it("indices out of range: a NaN row, left out of the sums, counted", () => {
    const ps: Pos[] = [
      { u: 0, inverse: false, q: 1, F: 100, entry: 12, opt: [100, 0.5, 0.6, true] },
      { u: 1, inverse: false, q: 1, F: 100, entry: 90 }, // underlying 1 of 1
      { u: -1, inverse: false, q: 1, F: 100 },
      { u: 0, inverse: false, q: 1, F: 100, row: 1 }, // row 1 of 1 option
      { u: 0, inverse: false, q: 1, F: 100, row: -2 },
      { u: 0, inverse: false, q: 5, F: 100, entry: 90 }, // fine
    ];
    for (const { name, k } of backends) {
      const { out, invalid } = run(k, book([100], ps));
      expect(invalid, name).toBe(4);
      for (const i of [1, 2, 3, 4]) for (const c of COLUMNS) expect(out[c][i], `${name} ${c}[${i}]`).toBeNaN();
      for (const c of COLUMNS) expect(Number.isNaN(out[c][0]!), `${name} ${c}[0]`).toBe(false);
      expect(out.sums.delta[0], name).toBe(0 + out.delta[0]! + 5);
      expect(out.sums.valueUsd[0], name).toBe(0 + out.valueUsd[0]! + 50);
    }
  });

  it("a domain error in an option's inputs comes out as NaN in its row and in its underlying's sums", () => {
    const ps: Pos[] = [
      { u: 0, inverse: true, q: 1, F: 100, opt: [100, 0.5, -0.1, true] }, // negative vol: black76 gives NaN
      { u: 1, inverse: false, q: 1, F: 10, opt: [10, 0.5, 0.5, false] },
    ];
    for (const { name, k } of backends) {
      const { out, invalid } = run(k, book([100, 10], ps));
      expect(invalid, name).toBe(0);
      expect(out.value[0], name).toBeNaN();
      expect(out.sums.valueUsd[0], name).toBeNaN();
      expect(out.sums.delta[0], name).toBeNaN();
      expect(Number.isFinite(out.sums.valueUsd[1]!), name).toBe(true);
    }
  });
});

describe("portfolioValue: formulas", () => {
  it("options, coin-settled and linear: from the per-unit Black-76 outputs exactly as documented", () => {
    const S = [60_000, 3_000];
    const ps: Pos[] = [
      { u: 0, inverse: true, q: -2.5, F: 61_000, entry: 0.03, opt: [65_000, 0.25, 0.6, true] },
      { u: 0, inverse: true, q: 4, F: 61_200, opt: [50_000, 0.5, 0.7, false] },
      { u: 1, inverse: false, q: 30, F: 3_050, entry: 120, opt: [3_000, 0.1, 0.8, true] },
      { u: 0, inverse: true, q: 1, F: 60_000, entry: 59_000 },
      { u: 1, inverse: false, q: -10, F: 3_020, opt: [2_500, 1, 0.9, false] },
    ];
    const b = book(S, ps, 0.03);
    for (const { name, k } of backends) {
      const { out, invalid } = run(k, b);
      expect(invalid, name).toBe(0);
      const g = b76(k, b);
      const rows = [0, 1, 2, -1, 3];
      const sums = { delta: [0, 0], premiumAdjustedDelta: [0, 0], gamma: [0, 0], vega: [0, 0], theta: [0, 0], valueUsd: [0, 0] };
      ps.forEach((p, i) => {
        const j = rows[i]!;
        const s = S[p.u]!;
        let want: Record<(typeof COLUMNS)[number], number>;
        if (j < 0) {
          const value = p.inverse ? p.q * p.F * (1 / p.entry! - 1 / p.F) : p.q * (p.F - p.entry!);
          want = { mark: p.F, markUsd: p.F, value, valueUsd: p.inverse ? value * s : value, unrealisedPnl: value, delta: p.q, premiumAdjustedDelta: p.q, gamma: 0, vega: 0, theta: 0 };
        } else {
          const usd = g.price[j]!;
          const mark = p.inverse ? usd * (1 / p.F) : usd;
          const d = p.q * g.delta[j]!;
          want = {
            mark,
            markUsd: p.inverse ? mark * s : usd,
            value: p.q * mark,
            valueUsd: p.q * (p.inverse ? mark * s : usd),
            unrealisedPnl: p.entry === undefined ? NaN : p.q * (mark - p.entry),
            delta: d,
            premiumAdjustedDelta: p.inverse ? d - p.q * mark : d,
            gamma: p.q * g.gamma[j]!,
            vega: p.q * g.vega[j]! * 0.01,
            theta: p.q * g.theta[j]! * (1 / 365),
          };
          // and the documented quotients to the last ulp or two (a reciprocal times x is within 1 ulp of x/F)
          expect(Math.abs(want.mark - (p.inverse ? usd / p.F : usd)), name).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(want.mark));
          expect(Math.abs(want.vega - (p.q * g.vega[j]!) / 100), name).toBeLessThanOrEqual(2 * Number.EPSILON * Math.abs(want.vega));
        }
        // the same IEEE operations in the same order as the kernel: identical bits
        for (const c of COLUMNS) expect(out[c][i], `${name} ${c}[${i}]`).toBe(want[c]);
        for (const c of SUMS) sums[c][p.u] = sums[c][p.u]! + want[c];
      });
      for (const c of SUMS) expect(Array.from(out.sums[c]), `${name} sums.${c}`).toEqual(sums[c]);
    }
  });

  it("the coin-settled transform agrees with black76's own inverse mode (mark and premium-adjusted delta)", () => {
    // inverse black76 gives U = V/F and dU/dF = (Δ − U)/F; the kernel's mark is V/F and its premium-adjusted delta
    // q·(Δ − V/F) = q·F·dU/dF. Different operation orders: a few ulps, so 1e-14 relative.
    const b = book([60_000], [
      { u: 0, inverse: true, q: 3, F: 61_000, opt: [70_000, 0.3, 0.55, true] },
      { u: 0, inverse: true, q: -1, F: 61_000, opt: [52_000, 0.8, 0.65, false] },
    ]);
    for (const { name, k } of backends) {
      const { out } = run(k, b);
      const f = () => new Float64Array(2);
      const inv = k.black76(b.options, true, { price: f(), delta: f(), gamma: f(), vega: f(), theta: f(), rho: f() });
      for (let i = 0; i < 2; i++) {
        const q = b.quantity[i]!;
        expect(out.mark[i]! / inv.price[i]! - 1, name).toBeLessThan(1e-14);
        expect(Math.abs(out.premiumAdjustedDelta[i]! / (q * 61_000 * inv.delta[i]!) - 1), name).toBeLessThan(1e-14);
      }
    }
  });

  it("reuses its scratch safely: a large book, then a small one, then the large one again give the same numbers", () => {
    const big = randomBook(900, 3, 1);
    const small = randomBook(40, 2, 2);
    for (const { name, k } of backends) {
      const a = run(k, big).out;
      const s1 = run(k, small).out;
      const b = run(k, big).out;
      const s2 = run(k, small).out;
      for (const c of COLUMNS) {
        expect(b[c], `${name} ${c}`).toEqual(a[c]);
        expect(s2[c], `${name} ${c}`).toEqual(s1[c]);
      }
    }
  });
});

/** A random book: 80% options (coin-settled and linear), futures/perps, 40% without an entry price. */
function randomBook(n: number, nu: number, seed: number): PortfolioInputs {
  let a = seed >>> 0;
  const u = () => {
    // mulberry32 (test data only)
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const spot = Array.from({ length: nu }, (_, i) => [60_000, 3_000, 150][i % 3]!);
  const ps: Pos[] = [];
  for (let i = 0; i < n; i++) {
    const und = Math.floor(u() * nu);
    const F = spot[und]! * (1 + 0.1 * u());
    const inverse = u() < 0.7;
    const q = (u() < 0.5 ? -1 : 1) * 10 * u();
    const entry = u() < 0.6 ? (inverse ? 0.05 * u() : F * (0.9 + 0.2 * u())) : undefined;
    if (u() < 0.8) ps.push({ u: und, inverse, q, F, entry, opt: [F * Math.exp(0.5 * (u() - 0.5)), 0.01 + 2 * u(), 0.3 + u(), u() < 0.5] });
    else ps.push({ u: und, inverse, q, F, entry });
  }
  return book(spot, ps, 0.02);
}

describe("portfolioValue: parity js / wasm / wasm-simd", () => {
  it("identical bits on a random 1,000-position book over 3 underlyings", () => {
    // black76 is bit-identical across backends (pricing.test.ts) and the pass is the same operations in the same
    // order, so every output — per position and summed — must be bit-identical too.
    const b = randomBook(1000, 3, 42);
    const [ref, ...rest] = backends.map(({ name, k }) => ({ name, ...run(k, b) }));
    expect(ref!.invalid).toBe(0);
    for (const c of COLUMNS) expect(ref!.out[c].every((x, i) => Number.isFinite(x) || (c === "unrealisedPnl" && Number.isNaN(b.entryPrice[i]!))), c).toBe(true);
    for (const r of rest) {
      expect(r.invalid).toBe(0);
      for (const c of COLUMNS) expect(r.out[c], `${r.name} ${c}`).toEqual(ref!.out[c]);
      for (const c of SUMS) expect(r.out.sums[c], `${r.name} sums.${c}`).toEqual(ref!.out.sums[c]);
    }
  });
});
