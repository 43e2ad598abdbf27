// Black-76 and BSM kernels (price + Greeks) on every backend: edge cases first, then Haug/QuantLib reference values,
// Greeks against finite differences, put–call parity, the inverse (coin) transform, and js/wasm/wasm-simd parity.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { allBackends, sharedData } from "./testing.js";
import type { Black76Inputs, BsmInputs, GreeksOutputs, Kernels } from "./types.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

// ---- helpers -------------------------------------------------------------------------------------------------

type B76Row = [F: number, K: number, T: number, vol: number, r: number, call: number];
type BsmRow = [S: number, K: number, T: number, vol: number, r: number, q: number, call: number];
const GREEKS = ["price", "delta", "gamma", "vega", "theta", "rho"] as const;
type Greek = (typeof GREEKS)[number];

function b76(rows: B76Row[]): Black76Inputs {
  return {
    forward: Float64Array.from(rows, (r) => r[0]),
    strike: Float64Array.from(rows, (r) => r[1]),
    timeToExpiry: Float64Array.from(rows, (r) => r[2]),
    vol: Float64Array.from(rows, (r) => r[3]),
    rate: Float64Array.from(rows, (r) => r[4]),
    isCall: Int32Array.from(rows, (r) => r[5]),
  };
}

function bsmIn(rows: BsmRow[]): BsmInputs {
  return {
    spot: Float64Array.from(rows, (r) => r[0]),
    strike: Float64Array.from(rows, (r) => r[1]),
    timeToExpiry: Float64Array.from(rows, (r) => r[2]),
    vol: Float64Array.from(rows, (r) => r[3]),
    rate: Float64Array.from(rows, (r) => r[4]),
    dividendYield: Float64Array.from(rows, (r) => r[5]),
    isCall: Int32Array.from(rows, (r) => r[6]),
  };
}

function greeks(n: number): GreeksOutputs {
  return {
    price: new Float64Array(n),
    delta: new Float64Array(n),
    gamma: new Float64Array(n),
    vega: new Float64Array(n),
    theta: new Float64Array(n),
    rho: new Float64Array(n),
  };
}

const runB76 = (k: Kernels, rows: B76Row[], inverse = false) => k.black76(b76(rows), inverse, greeks(rows.length));
const runBsm = (k: Kernels, rows: BsmRow[]) => k.bsm(bsmIn(rows), greeks(rows.length));
const priceB76 = (k: Kernels, rows: B76Row[], inverse = false) =>
  k.black76Price(b76(rows), inverse, new Float64Array(rows.length));

/** Row i of a GreeksOutputs as a plain object. */
function row(g: GreeksOutputs, i: number): Record<Greek, number> {
  return {
    price: g.price[i]!,
    delta: g.delta[i]!,
    gamma: g.gamma[i]!,
    vega: g.vega[i]!,
    theta: g.theta[i]!,
    rho: g.rho[i]!,
  };
}

/** mulberry32: seeded test data independent of the kernels' RNG. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- edge cases ----------------------------------------------------------------------------------------------

describe("edge cases (every backend)", () => {
  const bad: B76Row[] = [
    [NaN, 100, 1, 0.5, 0.01, 1],
    [100, NaN, 1, 0.5, 0.01, 1],
    [100, 100, NaN, 0.5, 0.01, 0],
    [100, 100, 1, NaN, 0.01, 0],
    [100, 100, 1, 0.5, NaN, 1],
    [Infinity, 100, 1, 0.5, 0.01, 1],
    [100, Infinity, 1, 0.5, 0.01, 0],
    [100, 100, Infinity, 0.5, 0.01, 1],
    [100, 100, 1, Infinity, 0.01, 1],
    [100, 100, 1, 0.5, Infinity, 1],
    [100, 100, 1, 0.5, -Infinity, 0],
    [-100, 100, 1, 0.5, 0.01, 1],
    [100, -1, 1, 0.5, 0.01, 1],
    [100, 100, -1e-9, 0.5, 0.01, 1],
    [100, 100, 1, -0.2, 0.01, 0],
    [0, 100, 1, 0.5, 0.01, 1], // F = 0: documented domain error
    [-Infinity, 100, 1, 0.5, 0.01, 1],
  ];

  it("NaN, ±∞, negative F/K/T/vol (and F = 0) → NaN in every output, for both call flags and inverse", () => {
    for (const { name, k } of backends) {
      for (const inverse of [false, true]) {
        const g = runB76(k, bad, inverse);
        const p = priceB76(k, bad, inverse);
        for (let i = 0; i < bad.length; i++) {
          for (const c of GREEKS) expect(g[c][i], `${name} ${c} row ${i}`).toBeNaN();
          expect(p[i], `${name} price-only row ${i}`).toBeNaN();
        }
      }
      const badBsm: BsmRow[] = [
        ...bad.map(([F, K, T, v, r, c]): BsmRow => [F, K, T, v, r, 0.02, c]),
        [100, 100, 1, 0.5, 0.01, NaN, 1],
        [100, 100, 1, 0.5, 0.01, Infinity, 0],
      ];
      const g = runBsm(k, badBsm);
      for (let i = 0; i < badBsm.length; i++) for (const c of GREEKS) expect(g[c][i], `${name} bsm ${c} row ${i}`).toBeNaN();
    }
  });

  it("a negative rate is valid", () => {
    for (const { name, k } of backends) {
      const g = row(runB76(k, [[100, 100, 1, 0.5, -0.02, 1]]), 0);
      for (const c of GREEKS) expect(Number.isFinite(g[c]), `${name} ${c}`).toBe(true);
      expect(g.price).toBeGreaterThan(100 * 0.19741265136584); // > undiscounted ATM price ≈ 19.74 (D > 1)
    }
  });

  it("T = 0: undiscounted intrinsic; delta step with ½ at the money; gamma, vega, theta, rho = 0", () => {
    const rows: B76Row[] = [
      [110, 100, 0, 0.5, 0.05, 1],
      [90, 100, 0, 0.5, 0.05, 1],
      [100, 100, 0, 0.5, 0.05, 1],
      [110, 100, 0, 0.5, 0.05, 0],
      [90, 100, 0, 0.5, 0.05, 0],
      [100, 100, 0, 0.5, 0.05, 0],
    ];
    const want = [
      [10, 1],
      [0, 0],
      [0, 0.5],
      [0, 0],
      [10, -1],
      [0, -0.5],
    ];
    for (const { name, k } of backends) {
      const g = runB76(k, rows);
      const gb = runBsm(k, rows.map(([F, K, T, v, r, c]): BsmRow => [F, K, T, v, r, 0.03, c]));
      for (let i = 0; i < rows.length; i++) {
        for (const out of [g, gb]) {
          // `+ 0` folds −0 (e.g. −1·(0 − 0) for an out-of-the-money put) into +0 for toBe's Object.is
          expect(out.price[i]! + 0, `${name} row ${i}`).toBe(want[i]![0]);
          expect(out.delta[i]! + 0, `${name} row ${i}`).toBe(want[i]![1]);
          for (const c of ["gamma", "vega", "theta", "rho"] as const) expect(Math.abs(out[c][i]!), `${name} ${c} ${i}`).toBe(0);
        }
      }
    }
  });

  it("vol = 0: discounted forward intrinsic, delta D·step, theta = r·V (carry), rho = −T·V", () => {
    const T = 0.5, r = 0.04, D = Math.exp(-r * T);
    const rows: B76Row[] = [
      [120, 100, T, 0, r, 1],
      [80, 100, T, 0, r, 1],
      [100, 100, T, 0, r, 1],
      [80, 100, T, 0, r, 0],
    ];
    for (const { name, k } of backends) {
      const g = runB76(k, rows);
      expect(g.price[0], name).toBeCloseTo(20 * D, 13);
      expect(g.delta[0], name).toBeCloseTo(D, 15);
      expect(g.theta[0], name).toBeCloseTo(r * 20 * D, 13);
      expect(g.rho[0], name).toBeCloseTo(-T * 20 * D, 13);
      expect(g.price[1], name).toBe(0);
      expect(g.delta[1], name).toBe(0);
      expect(g.price[2], name).toBe(0);
      expect(g.delta[2], name).toBeCloseTo(0.5 * D, 15);
      expect(g.price[3], name).toBeCloseTo(20 * D, 13);
      expect(g.delta[3], name).toBeCloseTo(-D, 15);
      for (let i = 0; i < rows.length; i++) {
        expect(g.gamma[i], name).toBe(0);
        expect(g.vega[i], name).toBe(0);
      }
      // BSM with vol 0: the forward S·e^{(r−q)T} against K decides; value max(w(S·Dq − K·D), 0)
      const q = 0.01, Dq = Math.exp(-q * T);
      const gb = row(runBsm(k, [[100, 95, T, 0, r, q, 1]]), 0);
      expect(gb.price, name).toBeCloseTo(100 * Dq - 95 * D, 12);
      expect(gb.delta, name).toBeCloseTo(Dq, 15);
      expect(gb.theta, name).toBeCloseTo(q * 100 * Dq - r * 95 * D, 12);
      expect(gb.rho, name).toBeCloseTo(T * 95 * D, 12);
    }
  });

  it("K = 0: the call is worth D·F (BSM: Dq·S) with delta D, gamma 0; the put is 0", () => {
    const D = Math.exp(-0.03 * 2);
    for (const { name, k } of backends) {
      const g = runB76(k, [
        [100, 0, 2, 0.5, 0.03, 1],
        [100, 0, 2, 0.5, 0.03, 0],
      ]);
      expect(g.price[0], name).toBeCloseTo(100 * D, 12);
      expect(g.delta[0], name).toBeCloseTo(D, 15);
      expect(g.gamma[0], name).toBe(0);
      expect(g.vega[0], name).toBe(0);
      expect(Math.abs(g.price[1]!), name).toBe(0);
      expect(Math.abs(g.delta[1]!), name).toBe(0);
      const gb = row(runBsm(k, [[100, 0, 2, 0.5, 0.03, 0.01, 1]]), 0);
      expect(gb.price, name).toBeCloseTo(100 * Math.exp(-0.01 * 2), 12);
    }
  });

  it("extreme moneyness, time and vol: finite, inside the no-arbitrage bounds, no NaN/overflow", () => {
    const rows: B76Row[] = [];
    for (const F of [1e-200, 1e-8, 1, 1e8, 1e200])
      for (const K of [0, 1e-200, 1e-8, 1, 1e8, 1e200])
        for (const T of [0, 1e-12, 1 / 365, 5, 100])
          for (const v of [0, 1e-10, 0.5, 20, 1e6]) for (const c of [0, 1]) rows.push([F, K, T, v, 0.05, c]);
    for (const { name, k } of backends) {
      for (const inverse of [false, true]) {
        const g = runB76(k, rows, inverse);
        for (let i = 0; i < rows.length; i++) {
          const [F, K, T, , r, c] = rows[i]!;
          for (const col of GREEKS) expect(Number.isNaN(g[col][i]), `${name} ${col} ${rows[i]}`).toBe(false);
          const D = Math.exp(-r * T);
          const p = g.price[i]!;
          const hi = (c ? D * F : D * K) / (inverse ? F : 1);
          const lo = Math.max(0, c ? D * (F - K) : D * (K - F)) / (inverse ? F : 1);
          // K/F = 1e400 has no double: an inverse put that deep in the money is +∞ (the correctly rounded value)
          if (!Number.isFinite(hi)) {
            expect(p === hi || p <= Number.MAX_VALUE, `${name} ${rows[i]}`).toBe(true);
            continue;
          }
          // a few ulps of slack on the bounds, relative to the larger of F and K
          const slack = (8 * Number.EPSILON * Math.max(F, K)) / (inverse ? F : 1);
          expect(p, `${name} ${rows[i]}`).toBeGreaterThanOrEqual(lo - slack);
          expect(p, `${name} ${rows[i]}`).toBeLessThanOrEqual(hi + slack);
          expect(Math.abs(g.delta[i]!), `${name} ${rows[i]}`).toBeLessThanOrEqual(inverse ? Infinity : 1);
        }
      }
      const gb = runBsm(k, rows.map(([F, K, T, v, r, c]): BsmRow => [F, K, T, v, r, 0.02, c]));
      for (let i = 0; i < rows.length; i++) for (const col of GREEKS) expect(Number.isNaN(gb[col][i]), `${name} bsm ${col}`).toBe(false);
    }
  });
});

// ---- reference values ----------------------------------------------------------------------------------------

interface RefCase {
  id: string;
  kind: "price" | "greek" | "implied_vol";
  greek?: Greek;
  option_type: "call" | "put";
  spot: number;
  strike: number;
  q: number;
  r: number;
  t_years: number;
  vol?: number;
  price?: number;
  expected: Record<string, number>;
  tolerance_abs: number;
}

const refPath = sharedData("bs_reference_cases.json");
const refCases: RefCase[] = refPath ? (JSON.parse(readFileSync(refPath, "utf8")) as { cases: RefCase[] }).cases : [];

describe.skipIf(!refPath)("Haug / QuantLib reference cases (../shared/data/bs_reference_cases.json)", () => {
  const priced = refCases.filter((c) => c.kind !== "implied_vol");
  it.each(priced.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const input: BsmRow = [c.spot, c.strike, c.t_years, c.vol!, c.r, c.q, c.option_type === "call" ? 1 : 0];
    const field = c.kind === "price" ? "price" : c.greek!;
    for (const { name, k } of backends) {
      const got = row(runBsm(k, [input]), 0)[field];
      // the published tolerance (Haug's 4-decimal values, as QuantLib's test suite checks them)
      expect(Math.abs(got - c.expected[field]!), `${name} ${field}`).toBeLessThanOrEqual(c.tolerance_abs);
    }
  });

  it.each(refCases.filter((c) => c.kind === "implied_vol").map((c) => [c.id, c] as const))(
    "%s: the bsm kernel reprices the textbook implied vol (bisection on the kernel)",
    (_id, c) => {
      for (const { name, k } of backends) {
        const priceAt = (v: number) =>
          row(runBsm(k, [[c.spot, c.strike, c.t_years, v, c.r, c.q, c.option_type === "call" ? 1 : 0]]), 0).price;
        let lo = 1e-4, hi = 5;
        for (let it = 0; it < 200 && hi - lo > 1e-14; it++) {
          const mid = 0.5 * (lo + hi);
          if (priceAt(mid) < c.price!) lo = mid;
          else hi = mid;
        }
        expect(Math.abs(0.5 * (lo + hi) - c.expected.implied_vol!), name).toBeLessThanOrEqual(c.tolerance_abs);
      }
    },
  );
});

// ---- analytic identities and finite differences ---------------------------------------------------------------

/** A moderate grid where finite differences are well conditioned (|ln F/K| ≤ 0.5, T ≥ 0.05, vol ≥ 0.1). */
function moderateGrid(): B76Row[] {
  const rows: B76Row[] = [];
  for (const K of [70, 95, 100, 105, 140])
    for (const T of [0.05, 0.5, 3])
      for (const v of [0.1, 0.6, 1.5]) for (const r of [-0.01, 0.05]) for (const c of [0, 1]) rows.push([100, K, T, v, r, c]);
  return rows;
}

// Central differences: error = truncation h²·f'''/6 (h²·f''''/12 for gamma) + rounding ~ε·|V|/h (ε·|V|/h² for
// gamma). The price varies in F on the scale F·min(s, 1) (s = σ√T; the inverse value V/F also on the scale F), so
// the F-steps are relative to it: ·1e-4 for delta (truncation ~1e-8 relative, rounding ~1e-12), ·3e-4 for gamma
// (truncation ~1e-7, rounding ε·V/h² ~ 1e-9 relative to Γ ~ φ/(F·s)); 1e-5 absolute for vol, T and r (vol ≥ 0.1,
// T ≥ 0.05 on the grid). Tolerance: 2e-6 relative to max(|FD|, a price scale), ≥ 10× the bounds above.
// In the money the rounding term dominates (Γ ≈ 1e-56 deep in the money): the price's absolute rounding error is
// a few ulps of its larger leg, ~ε·(F + K), so 8ε·(F + K)/h^k is added explicitly (divided by F for inverse).
function fdCheck(name: string, got: number, fd: number, scale: number, rounding: number): void {
  expect(Math.abs(got - fd), `${name}: analytic ${got} vs FD ${fd}`).toBeLessThanOrEqual(
    2e-6 * Math.max(Math.abs(fd), scale) + rounding,
  );
}
const EPS8 = 8 * Number.EPSILON;

describe("Greeks vs central finite differences (js backend; the others are bit-identical, see parity)", () => {
  it("Black-76 and inverse Black-76", () => {
    const k = backends[0]!.k;
    for (const inverse of [false, true]) {
      for (const base of moderateGrid()) {
        const [F, K, T, v, r, c] = base;
        const g = row(runB76(k, [base], inverse), 0);
        const p = (rows: B76Row[]) => priceB76(k, rows, inverse);
        const s = Math.min(v * Math.sqrt(T), 1), hF = F * s * 1e-4, hG = F * s * 3e-4, h = 1e-5;
        const pv = p([
          [F + hF, K, T, v, r, c],
          [F - hF, K, T, v, r, c],
          [F + hG, K, T, v, r, c],
          [F - hG, K, T, v, r, c],
          [F, K, T, v + h, r, c],
          [F, K, T, v - h, r, c],
          [F, K, T - h, v, r, c],
          [F, K, T + h, v, r, c],
          [F, K, T, v, r + h, c],
          [F, K, T, v, r - h, c],
        ]);
        const scale = inverse ? g.price / F + 1e-3 : g.price + 1e-3 * F;
        const tag = `${inverse ? "inverse " : ""}${base}`;
        const V = (F + K) / (inverse ? F : 1);
        fdCheck(`delta ${tag}`, g.delta, (pv[0]! - pv[1]!) / (2 * hF), scale / F, (EPS8 * V) / hF);
        fdCheck(`gamma ${tag}`, g.gamma, (pv[2]! - 2 * g.price + pv[3]!) / (hG * hG), scale / (F * F), (EPS8 * V) / (hG * hG));
        fdCheck(`vega ${tag}`, g.vega, (pv[4]! - pv[5]!) / (2 * h), scale, (EPS8 * V) / h);
        fdCheck(`theta ${tag}`, g.theta, (pv[6]! - pv[7]!) / (2 * h), scale, (EPS8 * V) / h); // dV/dt = −dV/dT
        fdCheck(`rho ${tag}`, g.rho, (pv[8]! - pv[9]!) / (2 * h), scale, (EPS8 * V) / h);
      }
    }
  });

  it("BSM (rho at fixed q)", () => {
    const k = backends[0]!.k;
    for (const [S, K, T, v, r, c] of moderateGrid()) {
      const q = 0.03;
      const g = row(runBsm(k, [[S, K, T, v, r, q, c]]), 0);
      const s = Math.min(v * Math.sqrt(T), 1), hS = S * s * 1e-4, hG = S * s * 3e-4, h = 1e-5;
      const g2 = runBsm(k, [
        [S + hS, K, T, v, r, q, c],
        [S - hS, K, T, v, r, q, c],
        [S + hG, K, T, v, r, q, c],
        [S - hG, K, T, v, r, q, c],
        [S, K, T, v + h, r, q, c],
        [S, K, T, v - h, r, q, c],
        [S, K, T - h, v, r, q, c],
        [S, K, T + h, v, r, q, c],
        [S, K, T, v, r + h, q, c],
        [S, K, T, v, r - h, q, c],
      ]).price;
      const scale = g.price + 1e-3 * S;
      const tag = `${[S, K, T, v, r, q, c]}`;
      const V = S + K;
      fdCheck(`delta ${tag}`, g.delta, (g2[0]! - g2[1]!) / (2 * hS), scale / S, (EPS8 * V) / hS);
      fdCheck(`gamma ${tag}`, g.gamma, (g2[2]! - 2 * g.price + g2[3]!) / (hG * hG), scale / (S * S), (EPS8 * V) / (hG * hG));
      fdCheck(`vega ${tag}`, g.vega, (g2[4]! - g2[5]!) / (2 * h), scale, (EPS8 * V) / h);
      fdCheck(`theta ${tag}`, g.theta, (g2[6]! - g2[7]!) / (2 * h), scale, (EPS8 * V) / h);
      fdCheck(`rho ${tag}`, g.rho, (g2[8]! - g2[9]!) / (2 * h), scale, (EPS8 * V) / h);
    }
  });

  it("put–call parity: C − P = D·(F − K) (Black-76), S·e^{−qT} − K·e^{−rT} (BSM); Greeks likewise", () => {
    for (const { name, k } of backends) {
      for (const [F, K, T, v, r] of moderateGrid().filter((x) => x[5] === 1)) {
        const g = runB76(k, [
          [F, K, T, v, r, 1],
          [F, K, T, v, r, 0],
        ]);
        const D = Math.exp(-r * T);
        // a few ulps of the larger leg
        const tol = 1e-14 * Math.max(F, K);
        expect(Math.abs(g.price[0]! - g.price[1]! - D * (F - K)), name).toBeLessThanOrEqual(tol);
        expect(Math.abs(g.delta[0]! - g.delta[1]! - D), name).toBeLessThanOrEqual(1e-15);
        expect(Math.abs(g.gamma[0]! - g.gamma[1]!), name).toBeLessThanOrEqual(1e-15 * Math.abs(g.gamma[0]!));
        expect(Math.abs(g.vega[0]! - g.vega[1]!), name).toBeLessThanOrEqual(1e-15 * Math.abs(g.vega[0]!));
        const q = 0.02;
        const b = runBsm(k, [
          [F, K, T, v, r, q, 1],
          [F, K, T, v, r, q, 0],
        ]);
        expect(Math.abs(b.price[0]! - b.price[1]! - (F * Math.exp(-q * T) - K * D)), name).toBeLessThanOrEqual(tol);
        expect(Math.abs(b.rho[0]! - b.rho[1]! - K * T * D), name).toBeLessThanOrEqual(1e-14 * K * T);
      }
    }
  });

  it("Black-76 equals BSM with S = F and q = r (Haug's futures-option mapping)", () => {
    const k = backends[0]!.k;
    for (const [F, K, T, v, r, c] of moderateGrid()) {
      const a = row(runB76(k, [[F, K, T, v, r, c]]), 0);
      const b = row(runBsm(k, [[F, K, T, v, r, r, c]]), 0);
      // same quantities by different roundings: a few ulps of the scale (rho differs by definition: at fixed F vs q)
      for (const col of ["price", "delta", "gamma", "vega"] as const) {
        expect(Math.abs(a[col] - b[col]), col).toBeLessThanOrEqual(1e-13 * Math.max(Math.abs(a[col]), 1e-3));
      }
    }
  });

  it("inverse columns are V/F and its exact F-derivatives", () => {
    for (const { name, k } of backends) {
      const rows = moderateGrid();
      const g = runB76(k, rows);
      const u = runB76(k, rows, true);
      for (let i = 0; i < rows.length; i++) {
        const F = rows[i]![0];
        const [V, D, G] = [g.price[i]!, g.delta[i]!, g.gamma[i]!];
        const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
        expect(rel(u.price[i]!, V / F), name).toBeLessThanOrEqual(1e-15);
        expect(Math.abs(u.delta[i]! - (D / F - V / (F * F))), name).toBeLessThanOrEqual(1e-16);
        expect(Math.abs(u.gamma[i]! - (G / F - (2 * D) / (F * F) + (2 * V) / (F * F * F))), name).toBeLessThanOrEqual(1e-17);
        expect(rel(u.vega[i]!, g.vega[i]! / F), name).toBeLessThanOrEqual(1e-15);
      }
    }
  });
});

// ---- parity --------------------------------------------------------------------------------------------------

/** Random rows including extreme moneyness, times and vols and a sprinkling of invalid inputs; n is odd. */
function wildRows(n: number, seed: number): B76Row[] {
  const u = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(u() * xs.length)]!;
  const rows: B76Row[] = [];
  for (let i = 0; i < n; i++) {
    const F = Math.pow(10, -3 + 9 * u());
    const m = u() < 0.8 ? 1.5 * (u() - 0.5) : pick([-40, -12, -3, 3, 12, 40]) * u();
    const K = u() < 0.02 ? 0 : F * Math.exp(m);
    const T = u() < 0.9 ? (1 / 365) * Math.pow(365 * 5, u()) : pick([0, 1e-10, 1e-4, 30, 100]);
    const v = u() < 0.9 ? 0.02 + 3 * u() : pick([0, 1e-8, 10, 50]);
    const r = 0.4 * (u() - 0.25);
    rows.push([F, K, T, v, r, u() < 0.5 ? 1 : 0]);
  }
  for (let i = 0; i < n; i += 97) rows[i] = [pick([NaN, -1, 0, Infinity]), 100, 1, 0.5, 0.01, 1];
  for (let i = 1; i < n; i += 89) rows[i]![1] = rows[i]![0]; // exactly at the money (ln F/K = 0, the ½ step)
  return rows;
}

/** ≤ 1e-12 relative on every element (NaN where the oracle has NaN). In practice the backends agree bit for bit. */
function expectParity(label: string, got: Float64Array, want: Float64Array): void {
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (Number.isNaN(b) || Number.isNaN(a)) {
      expect(Number.isNaN(a) && Number.isNaN(b), `${label}[${i}]: ${a} vs ${b}`).toBe(true);
      continue;
    }
    const d = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);
    if (d > worst) [worst, at] = [d, i];
  }
  expect(worst, `${label}: worst relative difference at ${at}: ${got[at]} vs ${want[at]}`).toBeLessThanOrEqual(1e-12);
}

/**
 * wildRows with every row valid and s = σ√T > 0 (T = 0 → 1e-4, σ = 0 → 1e-8, the invalid rows → F = 100): the
 * SIMD black76 runs blocks of 64 options through a staged pipeline when a block has no invalid or s = 0 lane and
 * falls back to the masked per-pair path otherwise, so wildRows alone (an invalid row every 97) rarely reaches it.
 */
function liveRows(n: number, seed: number): B76Row[] {
  return wildRows(n, seed).map(([F, K, T, v, r, c]): B76Row => {
    const f = Number.isFinite(F) && F > 0 ? F : 100;
    return [f, Number.isFinite(F) && F > 0 ? K : 100, T > 0 ? T : 1e-4, v > 0 ? v : 1e-8, r, c];
  });
}

describe("parity of the SIMD block pipeline (black76): identical bits", () => {
  // The staged blocks perform the per-pair path's operations in the same order, so the backends agree bit for bit
  // (a stricter check than the ≤ 1e-12 contract below, which it implies). Sizes: below one block, blocks plus a
  // pair and an odd tail; the mixed case puts an invalid row and an s = 0 row into two of the blocks only.
  const bits = (label: string, got: Float64Array, want: Float64Array) => {
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) expect(got[i], `${label}[${i}]`).toBe(want[i]);
    }
  };
  it.each([63, 64, 131, 4099])("all rows live, n = %i", (n) => {
    const rows = liveRows(n, 77 + n);
    const [js, ...others] = backends;
    for (const inverse of [false, true]) {
      const want = runB76(js!.k, rows, inverse);
      for (const { name, k } of others) {
        const got = runB76(k, rows, inverse);
        for (const c of GREEKS) bits(`${name} black76 ${c} (inverse ${inverse})`, got[c], want[c]);
      }
    }
  });
  it("zero rates (e^{−rT} = 1 shortcut in whole pairs) next to non-zero ones, n = 257", () => {
    const rows = liveRows(257, 99).map(([F, K, T, v, r, c], i): B76Row => [F, K, T, v, i < 128 || i % 3 === 0 ? 0 : r, c]);
    rows[5]![4] = -0; // −0·T and 0·T both give e^{−0} = 1
    const [js, ...others] = backends;
    for (const inverse of [false, true]) {
      const want = runB76(js!.k, rows, inverse);
      for (const { name, k } of others) {
        const got = runB76(k, rows, inverse);
        for (const c of GREEKS) bits(`${name} black76 ${c} (inverse ${inverse})`, got[c], want[c]);
      }
    }
  });
  it("blocks with and without a fallback lane in one call", () => {
    const rows = liveRows(1001, 4242);
    rows[70] = [NaN, 100, 1, 0.5, 0.01, 1]; // block 1: invalid → NaN row, masked path
    rows[200] = [100, 90, 0, 0.5, 0.01, 0]; // block 3: T = 0 → intrinsic, masked path
    const [js, ...others] = backends;
    const want = runB76(js!.k, rows);
    expect(want.price[70]).toBeNaN();
    expect(want.price[200]! + 0).toBe(0); // put, F > K, T = 0 (−1·(F·0 − K·0) = −0; `+ 0` folds it for toBe)
    for (const { name, k } of others) {
      const got = runB76(k, rows);
      for (const c of GREEKS) bits(`${name} black76 ${c}`, got[c], want[c]);
    }
  });
});

describe("parity of the SIMD block pipeline (black76Price): identical bits", () => {
  // black76Price runs the same staged blocks of 64 options as black76 (price only), falling back to the masked
  // per-pair path for a block with an invalid or s = 0 lane; the per-pair path and the odd tail are unchanged. Every
  // backend must return the js twin's bits, and the price-only kernel must return black76's price column bit for bit
  // (same operations in the same order). Sizes: below one block, exactly one, blocks plus a pair and an odd tail.
  const bits = (label: string, got: Float64Array, want: Float64Array) => {
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) expect(got[i], `${label}[${i}]`).toBe(want[i]);
    }
  };
  const check = (rows: B76Row[], inverse: boolean) => {
    const [js, ...others] = backends;
    const want = priceB76(js!.k, rows, inverse);
    bits(`js black76Price vs js black76 price (inverse ${inverse})`, want, runB76(js!.k, rows, inverse).price);
    for (const { name, k } of others) {
      bits(`${name} black76Price (inverse ${inverse})`, priceB76(k, rows, inverse), want);
      bits(`${name} black76Price vs ${name} black76 price (inverse ${inverse})`, priceB76(k, rows, inverse), runB76(k, rows, inverse).price);
    }
  };
  it.each([63, 64, 131, 4099])("all rows live, n = %i, inverse off and on", (n) => {
    const rows = liveRows(n, 313 + n);
    for (const inverse of [false, true]) check(rows, inverse);
  });
  it("zero rates (e^{−rT} = 1 shortcut in whole pairs) next to non-zero ones, n = 257, inverse off and on", () => {
    // pairs with r = 0 in both lanes, pairs with one zero lane (i % 3 === 0 beyond 128) and r = −0
    const rows = liveRows(257, 1999).map(([F, K, T, v, r, c], i): B76Row => [F, K, T, v, i < 128 || i % 3 === 0 ? 0 : r, c]);
    rows[5]![4] = -0; // −0·T and 0·T both give e^{−0} = 1
    for (const inverse of [false, true]) check(rows, inverse);
  });
  it("blocks with and without a fallback lane in one call, inverse off and on", () => {
    const rows = liveRows(1001, 8484);
    rows[70] = [NaN, 100, 1, 0.5, 0.01, 1]; // block 1: invalid → NaN, masked path
    rows[200] = [100, 90, 0, 0.5, 0.01, 0]; // block 3: T = 0 → intrinsic, masked path
    rows[390] = [100, 90, 1, 0, 0.03, 1]; // block 6: σ = 0 → discounted intrinsic, masked path
    rows[640] = [100, -1, 1, 0.5, 0.01, 1]; // block 10: K < 0 → NaN, masked path
    rows[999] = [Infinity, 100, 1, 0.5, 0.01, 0]; // the pair after the last block: invalid → NaN
    const [js] = backends;
    const want = priceB76(js!.k, rows);
    expect(want[70]).toBeNaN();
    expect(want[200]! + 0).toBe(0); // put, F > K, T = 0 (−1·(F·0 − K·0) = −0; `+ 0` folds it for toBe)
    // call, σ = 0: e^{−rT}·(F − K) (D = e^{−0.03} rounded; one multiply of the exact difference 10, ≤ ½ ulp apart)
    expect(Math.abs(want[390]! - Math.exp(-0.03) * 10)).toBeLessThanOrEqual(1e-14);
    expect(want[640]).toBeNaN();
    expect(want[999]).toBeNaN();
    for (const inverse of [false, true]) check(rows, inverse);
  });
});

describe("parity of the SIMD block pipeline (bsm): identical bits", () => {
  // bsm runs the same staged blocks of 64 options (masked per-pair fallback for a block with an invalid or s = 0
  // lane): every backend must return the js twin's bits in every column. Dividend yields: zero, negative, positive.
  const bits = (label: string, got: Float64Array, want: Float64Array) => {
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i])) expect(got[i], `${label}[${i}]`).toBe(want[i]);
    }
  };
  const withQ = (rows: B76Row[], seed: number) => {
    const u = rng(seed);
    return rows.map(([S, K, T, v, r, c], i): BsmRow => [S, K, T, v, r, i % 7 === 0 ? 0 : i % 5 === 0 ? -0.02 : 0.3 * u(), c]);
  };
  const check = (rows: BsmRow[]) => {
    const [js, ...others] = backends;
    const want = runBsm(js!.k, rows);
    for (const { name, k } of others) {
      const got = runBsm(k, rows);
      for (const c of GREEKS) bits(`${name} bsm ${c}`, got[c], want[c]);
    }
    return want;
  };
  it.each([63, 64, 131, 4099])("all rows live, n = %i", (n) => {
    check(withQ(liveRows(n, 515 + n), n));
  });
  it("zero rates and yields next to non-zero ones, n = 257", () => {
    const rows = withQ(liveRows(257, 2024), 7).map(([S, K, T, v, r, y, c], i): BsmRow =>
      i < 128 ? [S, K, T, v, 0, i % 2 ? 0 : y, c] : [S, K, T, v, i % 3 === 0 ? 0 : r, i % 4 === 0 ? 0 : y, c]);
    rows[5]![4] = -0;
    rows[6]![5] = -0;
    check(rows);
  });
  it("blocks with and without a fallback lane in one call", () => {
    const rows = withQ(liveRows(1001, 9191), 3);
    rows[70] = [NaN, 100, 1, 0.5, 0.01, 0.02, 1]; // block 1: invalid spot → NaN row
    rows[200] = [100, 90, 0, 0.5, 0.01, 0.02, 0]; // block 3: T = 0 → intrinsic
    rows[390] = [100, 90, 1, 0, 0.03, 0.01, 1]; // block 6: σ = 0 → step of the forward moneyness
    rows[640] = [100, 100, 1, 0.5, 0.01, NaN, 1]; // block 10: invalid yield → NaN row
    rows[999] = [100, 100, 1, 0.5, Infinity, 0, 0]; // the pair after the last block: invalid rate → NaN row
    const want = check(rows);
    for (const i of [70, 640, 999]) for (const c of GREEKS) expect(want[c][i], `${c}[${i}]`).toBeNaN();
    expect(want.price[200]! + 0).toBe(0); // put, S > K, T = 0 (−0 from −1·(S·0 − K·0); `+ 0` folds it for toBe)
    // call, σ = 0, forward in the money: e^{−qT}·S − e^{−rT}·K (three roundings of O(100) terms: ≤ 1e-13 absolute)
    expect(Math.abs(want.price[390]! - (Math.exp(-0.01) * 100 - Math.exp(-0.03) * 90))).toBeLessThanOrEqual(1e-13);
  });
});

describe("parity: js (oracle) vs wasm vs wasm-simd, ≤ 1e-12 relative on every element", () => {
  it.each([1, 2, 3, 7, 20001])("black76 / black76Price / bsm, n = %i (odd n exercises the SIMD tail)", (n) => {
    const rows = wildRows(n, 1234 + n);
    const bsmRows = rows.map(([F, K, T, v, r, c], i): BsmRow => [F, K, T, v, r, i % 5 === 0 ? -0.02 : 0.3 * rng(i)(), c]);
    const [js, ...others] = backends;
    for (const inverse of [false, true]) {
      const want = runB76(js!.k, rows, inverse);
      const wantP = priceB76(js!.k, rows, inverse);
      // the price-only kernel is the Greeks kernel's price, bit for bit
      expectParity(`js black76Price vs black76 (inverse ${inverse})`, wantP, want.price);
      for (const { name, k } of others) {
        const got = runB76(k, rows, inverse);
        for (const c of GREEKS) expectParity(`${name} black76 ${c} (inverse ${inverse})`, got[c], want[c]);
        expectParity(`${name} black76Price (inverse ${inverse})`, priceB76(k, rows, inverse), wantP);
      }
    }
    const wantB = runBsm(js!.k, bsmRows);
    for (const { name, k } of others) {
      const got = runBsm(k, bsmRows);
      for (const c of GREEKS) expectParity(`${name} bsm ${c}`, got[c], wantB[c]);
    }
  });
});
