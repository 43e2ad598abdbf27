// Tail kernels (varEs, worst, histogram) on every backend, against brute-force sorted references that implement the
// definitions of src/js/tail.ts plainly (sort, scan, the Acerbi–Tasche formula exactly as written there).
import { beforeAll, describe, expect, it } from "vitest";
import { _testing, QUANTILE_REL_TOL } from "./js/tail.js";
import { allBackends, relDiff } from "./testing.js";
import type { Kernels, TailResult } from "./types.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

// ---- helpers -------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator for test data (independent of the kernels' own RNG). */
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

function normals(n: number, seed: number, scale = 1): Float64Array {
  const u = rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = scale * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return x;
}

function shuffle<T extends { length: number; [i: number]: number }>(x: T, seed: number): T {
  const u = rng(seed);
  for (let i = x.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    const t = x[i]!;
    x[i] = x[j]!;
    x[j] = t;
  }
  return x;
}

/**
 * The definitions, plainly: sort the losses, walk the distinct values accumulating weight, VaR = the first value whose
 * cumulative weight reaches α·W·(1 − QUANTILE_REL_TOL); ES by the Acerbi–Tasche formula as written (not the
 * rearranged form the kernels use).
 */
function refVarEs(pnl: Float64Array, weights: Float64Array | null, alpha: number): TailResult {
  const n = pnl.length;
  const nan = { var: NaN, es: NaN };
  if (n === 0 || !(alpha > 0 && alpha < 1)) return nan;
  const L = Array.from(pnl, (p) => 0 - p);
  const w = weights ? Array.from(weights.subarray(0, n)) : L.map(() => 1);
  if (L.some((l) => !Number.isFinite(l)) || w.some((x) => !(x >= 0))) return nan;
  const W = accurateSum(w);
  if (!(W > 0 && Number.isFinite(W))) return nan;
  const order = L.map((_, i) => i).sort((i, j) => L[i]! - L[j]!);
  const target = alpha * W * (1 - QUANTILE_REL_TOL);
  let cum = 0;
  let v = NaN;
  for (let r = 0; r < n; ) {
    const val = L[order[r]!]!;
    while (r < n && L[order[r]!] === val) cum += w[order[r++]!]!;
    if (cum >= target) {
      v = val;
      break;
    }
  }
  if (Number.isNaN(v)) v = L[order[n - 1]!]!; // only reachable through rounding of cum vs W
  const upper = accurateSum(L.map((l, i) => (l > v ? w[i]! * l : 0)));
  const le = accurateSum(L.map((l, i) => (l > v ? 0 : w[i]!)));
  return { var: v, es: (upper + (le - alpha * W) * v) / ((1 - alpha) * W) };
}

/** Neumaier's compensated sum (error ≈ 2^-53 of the result, whatever n): keeps the reference's rounding small. */
function accurateSum(x: number[]): number {
  let s = 0;
  let c = 0;
  for (const v of x) {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/** `worst` by sorting all indices with the documented order (NaN first, larger loss first, lower index first). */
function refWorst(pnl: Float64Array, k: number): number[] {
  const idx = Array.from(pnl, (_, i) => i);
  idx.sort((i, j) => {
    const a = pnl[i]!;
    const b = pnl[j]!;
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an !== bn) return an ? -1 : 1;
    if (!an && a !== b) return a < b ? -1 : 1;
    return i - j;
  });
  return idx.slice(0, Math.max(0, Math.min(k, pnl.length)));
}

function refHistogram(x: Float64Array, w: Float64Array | null, lo: number, hi: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) continue;
    let b = Math.floor(((v - lo) * bins) / (hi - lo));
    if (!(b >= 0)) b = 0;
    if (b > bins - 1) b = bins - 1;
    out[b]! += w ? w[i]! : 1;
  }
  return out;
}

/**
 * ES tolerance: the kernels sum Σ w (L − VaR) over the upper part in selection order, the reference sums w·L and
 * the tie term separately in index order; both are sums of ≤ n terms, whose rounding error is ≤ n·2^-53 relative to
 * the sum of magnitudes. Scaled to max(|ES|, max|L|) (relDiff's floor) that is ≤ 1e-12 for every n used here
 * (≤ 2·10^5 ⇒ ≤ 2.2e-11 worst case, ~1e-14 in practice with random signs; 1e-12 keeps the test meaningful).
 */
const ES_TOL = 1e-12;

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m;
}

// the sorted reference is the slow part of the suite: compute it once per case, not once per backend
const refCache = new WeakMap<Float64Array, Map<string, TailResult>>();
function cachedRef(pnl: Float64Array, weights: Float64Array | null, alpha: number): TailResult {
  let byCase = refCache.get(pnl);
  if (!byCase) refCache.set(pnl, (byCase = new Map()));
  const wid = weights ? (weightIds.get(weights) ?? weightIds.set(weights, weightIds.size + 1).get(weights)!) : 0;
  const key = `${wid}:${alpha}`;
  let r = byCase.get(key);
  if (!r) byCase.set(key, (r = refVarEs(pnl, weights, alpha)));
  return r;
}
const weightIds = new Map<Float64Array, number>();

function expectMatchesRef(
  k: Kernels, pnl: Float64Array, weights: Float64Array | null, alpha: number, label: string, esTol = ES_TOL,
): TailResult {
  const got = k.varEs(pnl, weights, alpha);
  const ref = cachedRef(pnl, weights, alpha);
  // VaR is an order statistic of the sample: it must be the very same number
  expect(got.var, `${label} var`).toBe(ref.var);
  // plus the reference's own conditioning: its tie term (Σ_{L≤VaR} w − α·W)·VaR / ((1 − α)·W) subtracts two numbers
  // of size ≈ W (compensated sums, but α·W is rounded: each ≈ 2^-53·W off) and divides by (1 − α)·W:
  // ≤ 4·2^-53·|VaR|/(1 − α), which matters only as α → 1 (the kernels' rearranged form has no such cancellation;
  // α → 1 is checked exactly in its own test)
  const tol = esTol + (4 * 2 ** -53) / (1 - alpha);
  expect(relDiff(got.es, ref.es, Math.max(1, maxAbs(pnl))), `${label} es ${got.es} vs ${ref.es}`).toBeLessThanOrEqual(tol);
  return got;
}

const ALPHAS = [1e-9, 0.01, 0.3, 0.5, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1 - 1e-9];

// ---- varEs ---------------------------------------------------------------------------------------------------

describe("varEs", () => {
  it("known value: losses 1..100 at 95% → VaR 95, ES (96+…+100)/5 = 98", () => {
    // pnl = −loss, shuffled so that nothing depends on input order
    const pnl = shuffle(Float64Array.from({ length: 100 }, (_, i) => -(i + 1)), 7);
    // the definition: Σ_{L ≤ 95} 1 = 95 ≥ 0.95·100 and Σ_{L ≤ 94} = 94 < 95 → VaR 95;
    // ES = [(96+97+98+99+100) + (95 − 95)·95] / 5 = 490/5 = 98.
    // Tolerance 4e-16 relative: 1 − 0.95 is not exact in binary64 (0.050000000000000044), one rounding of ES.
    for (const { name, k } of backends) {
      for (const w of [null, new Float64Array(100).fill(1), new Float64Array(100).fill(0.25)]) {
        const r = k.varEs(pnl, w, 0.95);
        expect(r.var, name).toBe(95);
        expect(relDiff(r.es, 98), name).toBeLessThanOrEqual(4e-16 * 2);
      }
    }
  });

  it("the rounding rule: n = 100, α = j/100 → VaR = L_(j) for every j (incl. 0.07·100 = 7.000000000000001)", () => {
    expect(0.07 * 100).toBeGreaterThan(7); // the trap the tolerance exists for
    const pnl = shuffle(Float64Array.from({ length: 100 }, (_, i) => -(i + 1)), 11);
    const ones = new Float64Array(100).fill(1);
    for (const { name, k } of backends) {
      for (let j = 1; j <= 99; j++) {
        expect(k.varEs(pnl, null, j / 100).var, `${name} ${j}`).toBe(j);
        expect(k.varEs(pnl, ones, j / 100).var, `${name} weighted ${j}`).toBe(j);
      }
      expect(k.varEs(pnl, null, 0.99).var).toBe(99);
      expect(k.varEs(pnl, null, 0.07).var).toBe(7);
      // just above an integer by more than the tolerance: the next order statistic
      expect(k.varEs(pnl, null, 0.07 + 1e-9).var).toBe(8);
    }
  });

  it("n = 1 and n = 2", () => {
    for (const { name, k } of backends) {
      for (const w of [null, Float64Array.of(3)]) {
        const r = k.varEs(Float64Array.of(-4), w, 0.99);
        expect([r.var, r.es], name).toEqual([4, 4]);
        expect(k.varEs(Float64Array.of(2.5), w, 0.01).var).toBe(-2.5);
      }
      // two losses 1 and 3: α ≤ 0.5 → VaR 1, α > 0.5 → VaR 3; ES at 0.5 = [3 + (1 − 1)·1]/1 = 3, at 0.25 = [3 + (1 −
      // 0.5)·1]/1.5 = 7/3
      const p = Float64Array.of(-3, -1);
      expect(k.varEs(p, null, 0.5)).toEqual({ var: 1, es: 3 });
      expect(k.varEs(p, null, 0.5000001).var).toBe(3);
      const q = k.varEs(p, null, 0.25);
      expect(q.var).toBe(1);
      expect(relDiff(q.es, 7 / 3)).toBeLessThanOrEqual(1e-15);
      // weighted: 1 has weight 3, 3 has weight 1 → VaR ≤ 0.75 is 1, above is 3
      const w = Float64Array.of(1, 3);
      expect(k.varEs(p, w, 0.75).var, name).toBe(1);
      expect(k.varEs(p, w, 0.76).var, name).toBe(3);
      expectMatchesRef(k, p, w, 0.6, `${name} n=2 weighted`);
    }
  });

  it("all-equal values: VaR = ES = the value, at every α", () => {
    const pnl = new Float64Array(1001).fill(-7.5);
    const w = Float64Array.from({ length: 1001 }, (_, i) => (i % 3) + 0.5);
    for (const { name, k } of backends) {
      for (const a of ALPHAS) {
        expect(k.varEs(pnl, null, a), `${name} ${a}`).toEqual({ var: 7.5, es: 7.5 });
        expect(k.varEs(pnl, w, a), `${name} w ${a}`).toEqual({ var: 7.5, es: 7.5 });
      }
    }
  });

  it("α near 0 and 1: VaR → min / max loss, ES → mean / max", () => {
    const pnl = normals(2001, 5);
    const L = Array.from(pnl, (p) => -p);
    const mean = L.reduce((s, x) => s + x, 0) / L.length;
    for (const { name, k } of backends) {
      const lo = k.varEs(pnl, null, 1e-12);
      expect(lo.var, name).toBe(Math.min(...L));
      // ES at α → 0 is the mean; tolerance: α = 1e-12 shifts it by ≈ 1e-12·|L|, plus summation rounding
      expect(Math.abs(lo.es - mean), name).toBeLessThanOrEqual(1e-11);
      const hi = k.varEs(pnl, null, 1 - 2 ** -53);
      expect(hi).toEqual({ var: Math.max(...L), es: Math.max(...L) });
    }
  });

  it("matches the sorted reference on random samples (several sizes, FR path above 600 elements)", () => {
    for (const [n, seed] of [[3, 1], [10, 2], [601, 3], [1000, 4], [20_001, 5], [200_000, 6]] as const) {
      const pnl = normals(n, seed, 1e4);
      for (const { name, k } of backends) {
        for (const a of ALPHAS) expectMatchesRef(k, pnl, null, a, `${name} n=${n} α=${a}`);
      }
    }
  });

  it("matches the reference with weights (random, with zeros, heavy-tailed)", () => {
    for (const [n, seed] of [[5, 1], [777, 2], [50_001, 3]] as const) {
      const pnl = normals(n, seed, 100);
      const u = rng(seed + 100);
      const w = Float64Array.from({ length: n }, () => {
        const r = u();
        return r < 0.1 ? 0 : r < 0.2 ? 1 / (1 - u()) ** 2 : r;
      });
      for (const { name, k } of backends) {
        for (const a of ALPHAS) expectMatchesRef(k, pnl, w, a, `${name} n=${n} α=${a} weighted`);
      }
    }
  });

  it("sparse and concentrated weights (empty samples, one dominant scenario)", () => {
    const n = 40_001;
    const pnl = normals(n, 31, 10);
    const sparse = new Float64Array(n);
    for (let i = 0; i < n; i += 997) sparse[i] = 1 + (i % 5); // 41 non-zero weights: most samples weigh 0
    const dominant = new Float64Array(n).fill(1e-6);
    dominant[12345] = 1; // ≈ 96% of the mass on one scenario
    for (const { name, k } of backends) {
      for (const a of ALPHAS) {
        expectMatchesRef(k, pnl, sparse, a, `${name} sparse α=${a}`);
        // W = 1 + 40000·1e-6 summed left to right: every 1e-6 added to ≈ 1 rounds the same way, so the error is
        // systematic, up to n·2^-53 ≈ 4.4e-12 relative (the reference sums compensated): tolerance 5e-12
        expectMatchesRef(k, pnl, dominant, a, `${name} dominant α=${a}`, 5e-12);
      }
      // the dominant scenario is the VaR for every α within its mass band
      expect(k.varEs(pnl, dominant, 0.5).var, name).toBe(0 - pnl[12345]!);
    }
  });

  it("many ties: integer-valued P&L, thresholds landing exactly on tie groups", () => {
    for (const n of [1000, 30_000]) {
      const u = rng(n);
      const pnl = Float64Array.from({ length: n }, () => Math.floor(u() * 11) - 5);
      const wInt = Float64Array.from({ length: n }, () => Math.floor(u() * 4)); // integer weights: exact sums
      for (const { name, k } of backends) {
        for (const a of [...ALPHAS, 0.1, 0.2, 0.25, 0.4, 0.6, 0.75, 0.8]) {
          expectMatchesRef(k, pnl, null, a, `${name} ties n=${n} α=${a}`);
          expectMatchesRef(k, pnl, wInt, a, `${name} ties weighted n=${n} α=${a}`);
        }
      }
    }
  });

  it("structured input orders (sorted, reversed, organ pipe) give the same answers", () => {
    const n = 100_000;
    const base = normals(n, 9);
    const asc = Float64Array.from(base).sort();
    const desc = Float64Array.from(asc).reverse();
    const pipe = Float64Array.from({ length: n }, (_, i) => asc[i < n / 2 ? 2 * i : 2 * (n - 1 - i) + 1]!);
    for (const { name, k } of backends) {
      for (const a of [0.5, 0.99, 0.999]) {
        const r = expectMatchesRef(k, base, null, a, `${name} base ${a}`);
        for (const p of [asc, desc, pipe]) {
          const s = k.varEs(p, null, a);
          expect(s.var).toBe(r.var);
          expect(relDiff(s.es, r.es)).toBeLessThanOrEqual(ES_TOL);
        }
      }
    }
  });

  it("weights of all ones give the unweighted answer", () => {
    const pnl = normals(5000, 21);
    const ones = new Float64Array(5000).fill(1);
    for (const { name, k } of backends) {
      for (const a of ALPHAS) {
        const u = k.varEs(pnl, null, a);
        const w = k.varEs(pnl, ones, a);
        expect(w.var, `${name} ${a}`).toBe(u.var);
        expect(relDiff(w.es, u.es, 1), `${name} ${a}`).toBeLessThanOrEqual(ES_TOL);
      }
    }
  });

  it("zero P&L is a +0 loss, never −0; inputs are not modified", () => {
    for (const { name, k } of backends) {
      const pnl = Float64Array.of(0, -0, 0, 1);
      const copy = Float64Array.from(pnl);
      const r = k.varEs(pnl, null, 0.5);
      expect(Object.is(r.var, 0), name).toBe(true);
      expect(Object.is(pnl[1], -0)).toBe(true);
      expect(pnl).toEqual(copy);
      const w = Float64Array.of(1, 2, 3, 4);
      const big = normals(3001, 4);
      const bigCopy = Float64Array.from(big);
      k.varEs(big, null, 0.99);
      k.varEs(pnl, w, 0.9);
      expect(big).toEqual(bigCopy);
      expect(w).toEqual(Float64Array.of(1, 2, 3, 4));
    }
  });

  it("domain errors → NaN, NaN (never a partial answer)", () => {
    const good = normals(101, 3);
    const bad = (f: (x: Float64Array) => void, n = 101) => {
      const x = Float64Array.from(good.subarray(0, n));
      f(x);
      return x;
    };
    const nan = { var: NaN, es: NaN };
    const w = new Float64Array(101).fill(1);
    for (const { name, k } of backends) {
      expect(k.varEs(new Float64Array(0), null, 0.99), name).toEqual(nan);
      expect(k.varEs(new Float64Array(0), new Float64Array(0), 0.99), name).toEqual(nan);
      for (const a of [0, 1, -0.1, 1.5, NaN, Infinity, -Infinity]) {
        expect(k.varEs(good, null, a), `${name} α=${a}`).toEqual(nan);
        expect(k.varEs(good, w, a), `${name} α=${a}`).toEqual(nan);
      }
      // a bad P&L anywhere — first, middle, the SIMD tail element (odd n) — poisons both measures
      for (const pos of [0, 50, 100]) {
        for (const v of [NaN, Infinity, -Infinity]) {
          const p = bad((x) => (x[pos] = v));
          expect(k.varEs(p, null, 0.99), `${name} pnl[${pos}]=${v}`).toEqual(nan);
          expect(k.varEs(p, w, 0.99), `${name} weighted pnl[${pos}]=${v}`).toEqual(nan);
          // even with zero weight on it
          const w0 = Float64Array.from(w);
          w0[pos] = 0;
          expect(k.varEs(p, w0, 0.5), `${name} zero-weighted pnl[${pos}]=${v}`).toEqual(nan);
        }
        for (const v of [-1, -1e-300, NaN, Infinity, -Infinity]) {
          const wb = Float64Array.from(w);
          wb[pos] = v;
          expect(k.varEs(good, wb, 0.99), `${name} w[${pos}]=${v}`).toEqual(nan);
        }
      }
      expect(k.varEs(good, new Float64Array(101), 0.99), `${name} W = 0`).toEqual(nan);
      expect(k.varEs(good, new Float64Array(101).fill(1e308), 0.99), `${name} W overflows`).toEqual(nan);
      // −0 weights are ≥ 0: allowed
      const wz = Float64Array.from(w);
      wz[3] = -0;
      expect(Number.isNaN(k.varEs(good, wz, 0.99).var)).toBe(false);
    }
  });

  it("parity: js, wasm and wasm-simd agree (VaR identical, ES ≤ 1e-12)", () => {
    const cases: [Float64Array, Float64Array | null][] = [];
    for (const n of [1, 2, 7, 600, 601, 4097, 123_457]) {
      const pnl = normals(n, n, 1e3);
      cases.push([pnl, null]);
      cases.push([pnl, Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % 13))]);
    }
    const [ref, ...rest] = backends;
    for (const [pnl, w] of cases) {
      for (const a of ALPHAS) {
        const r = ref!.k.varEs(pnl, w, a);
        for (const { name, k } of rest) {
          const g = k.varEs(pnl, w, a);
          expect(g.var, `${name} n=${pnl.length} α=${a} w=${!!w}`).toBe(r.var);
          expect(relDiff(g.es, r.es), `${name} n=${pnl.length} α=${a}`).toBeLessThanOrEqual(1e-12);
          // stronger than the contract, by design: both backends permute the scratch identically (same pivots, same
          // xorshift32 sample) and sum in the same two-lane order, and wasm has no FMA contraction — bit-identical
          expect(g.es, `${name} n=${pnl.length} α=${a} bitwise`).toBe(r.es);
        }
      }
    }
  });

  it("heapsort fallbacks (reached only past the work budget) select correctly", () => {
    // not reachable through the public API with ordinary data; exercised directly on the TS twin
    const x = normals(999, 12);
    const sorted = Float64Array.from(x).sort();
    const a = Float64Array.from(x);
    _testing.heapSort(a, 100, 899);
    expect(a.subarray(100, 900)).toEqual(Float64Array.from(x.subarray(100, 900)).sort());
    expect(a.subarray(0, 100)).toEqual(x.subarray(0, 100));
    const b = Float64Array.from(x);
    _testing.frSelect(b, 0, 998, 987);
    expect(b[987]).toBe(sorted[987]);
    // weighted scan: weights 1 except 0 on odd positions → target 300 is reached at the 300th even-position value
    const aw = Float64Array.from(x);
    const ww = Float64Array.from({ length: 999 }, (_, i) => (i % 2 ? 0 : 1));
    const evens = Array.from(x).filter((_, i) => i % 2 === 0).sort((p, q) => p - q);
    const p = _testing.wHeapScan(aw, ww, 0, 998, 0, 300);
    expect(aw[p]).toBe(evens[299]);
  });
});

// ---- varEs: the tail filter (unweighted, n ≥ FILTER_MIN_N) ------------------------------------------------------

describe("varEs tail filter (sampled threshold, one pass, selection on the candidates)", () => {
  const { FILTER_MIN_N, SAMPLE_SIZE, sampleUpperCount, sampleIndices } = _testing;
  /** k and n − k + 1 exactly as the kernels compute them */
  const kOf = (n: number, a: number) => Math.min(n, Math.max(1, Math.ceil(a * n * (1 - QUANTILE_REL_TOL))));

  /** VaR identical and ES bit-identical on every backend (the filter keeps candidates in index order everywhere). */
  function expectParity(pnl: Float64Array, a: number, label: string): TailResult {
    const [ref, ...rest] = backends;
    const r = ref!.k.varEs(pnl, null, a);
    for (const { name, k } of rest) {
      const g = k.varEs(pnl, null, a);
      expect(g.var, `${name} ${label} var`).toBe(r.var);
      expect(g.es, `${name} ${label} es bitwise`).toBe(r.es);
    }
    return r;
  }

  it("sizes around FILTER_MIN_N and ragged tails (n mod 8 ≠ 0) match the sorted reference", () => {
    expect(FILTER_MIN_N).toBe(32_768); // the sizes below straddle it
    for (const n of [FILTER_MIN_N - 1, FILTER_MIN_N, FILTER_MIN_N + 7, 100_003]) {
      const pnl = normals(n, n + 1, 1e3);
      for (const a of [...ALPHAS, 0.75, 0.8, 0.9999]) {
        for (const { name, k } of backends) expectMatchesRef(k, pnl, null, a, `${name} n=${n} α=${a}`);
        expectParity(pnl, a, `n=${n} α=${a}`);
      }
    }
  });

  it("heavy tails, sorted and reversed inputs (stratified sample on ordered data)", () => {
    const n = 150_001;
    const u = rng(77);
    // Student-t-like P&L (normal / √(χ²₄/4)): the same shape as the benchmark's
    const base = Float64Array.from(normals(n, 78, 1e3), (z) => z / Math.sqrt(-2 * Math.log((1 - u()) * (1 - u())) / 4));
    const asc = Float64Array.from(base).sort();
    const desc = Float64Array.from(asc).reverse();
    for (const a of [0.95, 0.975, 0.99, 0.999]) {
      for (const { name, k } of backends) {
        const r = expectMatchesRef(k, base, null, a, `${name} base α=${a}`);
        for (const p of [asc, desc]) {
          const g = k.varEs(p, null, a);
          expect(g.var, `${name} ordered α=${a}`).toBe(r.var);
          expect(relDiff(g.es, r.es), `${name} ordered α=${a}`).toBeLessThanOrEqual(ES_TOL);
        }
      }
      for (const p of [base, asc, desc]) expectParity(p, a, `ordered α=${a}`);
    }
  });

  it("ties straddling the threshold: integer losses with geometric tie groups across the tail", () => {
    // P(L = v) ∝ 0.6^v, v = 0..24: the tie groups at 1–3% of n sit exactly where the threshold and VaR land
    const n = 120_007;
    const u = rng(5);
    const pnl = Float64Array.from({ length: n }, () => 0 - Math.min(24, Math.floor(Math.log(1 - u()) / Math.log(0.6))));
    const alphas = [0.9, 0.95, 0.97, 0.975, 0.98, 0.985, 0.99, 0.995, 0.999, 0.9999, 1 - 1e-9];
    for (const a of alphas) {
      for (const { name, k } of backends) expectMatchesRef(k, pnl, null, a, `${name} geometric ties α=${a}`);
      expectParity(pnl, a, `geometric ties α=${a}`);
    }
    // one value everywhere: every loss is a candidate (c = n), VaR = ES = that value; zeros give +0, never −0
    for (const v of [-3.25, 0, -0]) {
      const flat = new Float64Array(FILTER_MIN_N + 5).fill(v);
      for (const { name, k } of backends) {
        for (const a of [0.5, 0.99, 0.999]) {
          const r = k.varEs(flat, null, a);
          expect(r, `${name} flat ${v} α=${a}`).toEqual({ var: 0 - v, es: 0 - v });
          expect(Object.is(r.var, v === 0 ? 0 : -v), `${name} flat ${v}: a zero P&L is a +0 loss`).toBe(true);
        }
      }
    }
  });

  it("adversarial data built against the fixed seed: the sample overshoots VaR, the fallback gives the exact answer", () => {
    const n = 100_003;
    const a = 0.99;
    const k = kOf(n, a);
    const need = n - k + 1;
    const up = sampleUpperCount(n, need);
    expect(up).toBeGreaterThan(0); // the filter runs at this size and α
    const idx = sampleIndices(n);
    // losses: small everywhere, huge (and distinct) exactly at the sampled positions
    const L = Float64Array.from(normals(n, 3));
    idx.forEach((i, s) => (L[i] = 1e3 + s));
    // plus `extra` more huge losses off the sample: the threshold (up-th largest sampled loss = 1e3 + S − up) keeps
    // up + extra losses ≥ it; extra = need − up − 1 misses by one, need − up fits exactly (VaR = the threshold),
    // need − up + 1 fits with one to spare, 0 misses by ≈ 99%
    const thr = 1e3 + SAMPLE_SIZE - up;
    const sampled = new Set(idx);
    for (const extra of [0, need - up - 1, need - up, need - up + 1]) {
      const M = Float64Array.from(L);
      for (let i = 0, added = 0; added < extra; i += 7) {
        if (!sampled.has(i)) {
          M[i] = 1e4 + added++; // above every sampled loss (≤ 1e3 + S)
        }
      }
      const pnl = Float64Array.from(M, (l) => 0 - l);
      // the threshold the twin's own sampling routine computes, and how many losses reach it
      const drawn = Array.from(sampleIndices(n), (i) => M[i]!).sort((x, y) => x - y);
      expect(drawn[SAMPLE_SIZE - up]).toBe(thr);
      const kept = M.reduce((c, l) => c + (l >= thr ? 1 : 0), 0);
      expect(kept, `extra=${extra}`).toBe(up + extra);
      expect(kept < need, `extra=${extra}: miss`).toBe(extra < need - up);
      for (const { name, k: kern } of backends) {
        const r = expectMatchesRef(kern, pnl, null, a, `${name} adversarial extra=${extra}`);
        if (extra === need - up) expect(r.var, `${name} VaR = the threshold when exactly n − k + 1 are kept`).toBe(thr);
      }
      expectParity(pnl, a, `adversarial extra=${extra}`);
    }
    // and the opposite: the smallest losses at the sampled positions → a threshold far below VaR, most of n kept
    const low = Float64Array.from(L);
    idx.forEach((i) => (low[i] = -1e3));
    const pnlLow = Float64Array.from(low, (l) => 0 - l);
    for (const { name, k: kern } of backends) expectMatchesRef(kern, pnlLow, null, a, `${name} threshold far too low`);
    expectParity(pnlLow, a, "threshold far too low");
  });

  it("NaN or ±∞ anywhere → NaN (sampled position, unsampled, last, ragged tail, inside an 8-wide step)", () => {
    const n = FILTER_MIN_N + 13;
    const good = normals(n, 8, 100);
    const idx = sampleIndices(n);
    const sampled = new Set(idx);
    let unsampled = 1001;
    while (sampled.has(unsampled)) unsampled++;
    const positions = [0, idx[17]!, unsampled, n - 1, n - 5, 8 * 1234 + 5];
    const nan = { var: NaN, es: NaN };
    for (const pos of positions) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const pnl = Float64Array.from(good);
        pnl[pos] = bad;
        for (const { name, k } of backends) {
          for (const a of [0.99, 0.999]) expect(k.varEs(pnl, null, a), `${name} P&L ${bad} at ${pos} α=${a}`).toEqual(nan);
        }
      }
    }
    // the largest finite magnitudes are fine (no overflow in the checks or the compaction)
    const edge = Float64Array.from(good);
    edge[unsampled] = -Number.MAX_VALUE;
    edge[n - 1] = Number.MAX_VALUE;
    for (const { name, k } of backends) {
      // α = 1 − 1e-9: k = n, the largest loss (+MAX, a P&L of −MAX, a candidate that passes the ≥ −MAX check)
      expect(k.varEs(edge, null, 1 - 1e-9), name).toEqual({ var: Number.MAX_VALUE, es: Number.MAX_VALUE });
    }
  });
});

// ---- worst ---------------------------------------------------------------------------------------------------

describe("worst", () => {
  it("hand case: NaN first, then −∞ P&L, larger losses, ties by lower index", () => {
    const pnl = Float64Array.of(-1, -5, 3, -5, NaN, -Infinity, 2, -5);
    for (const { name, k } of backends) {
      const out = new Int32Array(8);
      expect(Array.from(k.worst(pnl, 5, out)), name).toEqual([4, 5, 1, 3, 7]);
      expect(Array.from(k.worst(pnl, 8, out)), name).toEqual([4, 5, 1, 3, 7, 0, 6, 2]);
      expect(Array.from(k.worst(pnl, 1, out)), name).toEqual([4]);
      expect(Array.from(k.worst(Float64Array.of(NaN, 1, NaN), 3, out)), name).toEqual([0, 2, 1]);
    }
  });

  it("k ≤ 0, k > n, out shorter than k, n = 0", () => {
    const pnl = Float64Array.of(1, -2, 3);
    for (const { name, k } of backends) {
      expect(k.worst(pnl, 0, new Int32Array(3)).length, name).toBe(0);
      expect(k.worst(pnl, -4, new Int32Array(3)).length, name).toBe(0);
      expect(k.worst(new Float64Array(0), 3, new Int32Array(3)).length, name).toBe(0);
      const out = new Int32Array(10).fill(-9);
      const r = k.worst(pnl, 10, out);
      expect(Array.from(r), name).toEqual([1, 0, 2]);
      expect(r.buffer).toBe(out.buffer); // a prefix view of `out`
      expect(out[3]).toBe(-9); // the rest untouched
      expect(Array.from(k.worst(pnl, 3, new Int32Array(2))), name).toEqual([1, 0]);
    }
  });

  it("matches a full sort on random and tied data", () => {
    for (const { name, k } of backends) {
      for (const [n, seed, ints] of [[1, 1, false], [2, 2, true], [1000, 3, false], [20_000, 4, true], [50_000, 5, false]] as const) {
        const u = rng(seed);
        const pnl = Float64Array.from({ length: n }, () => (ints ? Math.floor(u() * 7) - 3 : u() - 0.5));
        if (n > 100) {
          pnl[17] = NaN;
          pnl[n - 1] = NaN;
          pnl[40] = -Infinity;
        }
        for (const kk of [1, 2, 10, 100, n]) {
          const out = new Int32Array(kk);
          expect(Array.from(k.worst(pnl, kk, out)), `${name} n=${n} k=${kk}`).toEqual(refWorst(pnl, kk));
        }
      }
      // ascending and descending inputs (every element displaces the heap root in one of them)
      const asc = Float64Array.from({ length: 5000 }, (_, i) => i);
      const desc = Float64Array.from(asc).reverse();
      for (const p of [asc, desc]) expect(Array.from(k.worst(p, 50, new Int32Array(50)))).toEqual(refWorst(p, 50));
    }
  });
});

// ---- histogram -----------------------------------------------------------------------------------------------

describe("histogram", () => {
  it("hand case: edges, clamping, hi in the last bin, ±∞ clamp, NaN skipped", () => {
    // bins of width 1 over [0, 4]: [0,1) [1,2) [2,3) [3,4]
    const x = Float64Array.of(0, 0.999, 1, 2.5, 3.999, 4, 7, -1, Infinity, -Infinity, NaN);
    for (const { name, k } of backends) {
      const out = new Float64Array(4).fill(99); // overwritten, not accumulated
      expect(Array.from(k.histogram(x, null, 0, 4, out)), name).toEqual([4, 1, 1, 4]);
      const w = Float64Array.from(x, (_, i) => i + 1);
      // bin 0: x=0 (1), 0.999 (2), −1 (8), −∞ (10); bin 3: 3.999 (5), 4 (6), 7 (7), +∞ (9); NaN's weight 11 skipped
      expect(Array.from(k.histogram(x, w, 0, 4, new Float64Array(4))), name).toEqual([21, 3, 4, 27]);
    }
  });

  it("counts sum to n (and weights to W) and match the reference, random data", () => {
    for (const { name, k } of backends) {
      for (const [n, bins] of [[1, 1], [2, 3], [1001, 10], [100_001, 64]] as const) {
        const x = normals(n, n);
        const w = Float64Array.from({ length: n }, (_, i) => ((i * 31) % 8) / 4); // multiples of 1/4: exact sums
        const lo = -2.5;
        const hi = 3;
        const c = k.histogram(x, null, lo, hi, new Float64Array(bins));
        expect(c.reduce((s, v) => s + v, 0), name).toBe(n);
        expect(Array.from(c), name).toEqual(refHistogram(x, null, lo, hi, bins));
        const h = k.histogram(x, w, lo, hi, new Float64Array(bins));
        expect(h.reduce((s, v) => s + v, 0), name).toBe(w.reduce((s, v) => s + v, 0));
        expect(Array.from(h), name).toEqual(refHistogram(x, w, lo, hi, bins));
      }
    }
  });

  it("NaN x are skipped: counts sum to n minus their number", () => {
    const x = normals(1001, 8);
    for (let i = 0; i < 1001; i += 100) x[i] = NaN; // 11 NaN, including the SIMD tail element 1000
    for (const { name, k } of backends) {
      const c = k.histogram(x, null, -1, 1, new Float64Array(8));
      expect(c.reduce((s, v) => s + v, 0), name).toBe(1001 - 11);
    }
  });

  it("domain: lo ≥ hi or non-finite bounds → all NaN; zero bins → no-op", () => {
    const x = Float64Array.of(1, 2, 3);
    for (const { name, k } of backends) {
      for (const [lo, hi] of [[1, 1], [2, 1], [NaN, 1], [0, NaN], [-Infinity, 1], [0, Infinity], [-1e308, 1e308], [0, 5e-324]]) {
        const out = k.histogram(x, null, lo!, hi!, new Float64Array(3));
        expect(Array.from(out).every(Number.isNaN), `${name} [${lo}, ${hi}]`).toBe(true);
      }
      expect(k.histogram(x, null, 0, 1, new Float64Array(0)).length).toBe(0);
    }
  });

  it("parity: every backend gives the same bins (weighted sums in the same order: identical)", () => {
    const x = normals(54_321, 77, 10);
    const w = Float64Array.from(normals(54_321, 78), Math.abs);
    const [ref, ...rest] = backends;
    for (const weights of [null, w]) {
      const r = ref!.k.histogram(x, weights, -25, 25, new Float64Array(33));
      for (const { name, k } of rest) expect(k.histogram(x, weights, -25, 25, new Float64Array(33)), name).toEqual(r);
    }
  });
});
