// Tests of the linear-algebra kernels (Cholesky, correlate, fused correlated normals) on every backend.
import { beforeAll, describe, expect, it } from "vitest";
import { allBackends } from "./testing.js";
import type { Kernels } from "./types.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

/** Index of the first element where a and b differ (NaN equals NaN), or −1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return i;
  return -1;
}

function seeded(k: Kernels, seed: bigint): Uint32Array {
  const s = new Uint32Array(8);
  k.rngSeed(s, seed);
  return s;
}

/** A deterministic SPD matrix: B·Bᵀ + n·I with B from a small LCG (entries in [−1, 1)). */
function spd(n: number, seed: number): Float64Array {
  let x = seed >>> 0;
  const rnd = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 31 - 1;
  };
  const b = Float64Array.from({ length: n * n }, rnd);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

/** A correlation matrix with a one-factor structure plus a band: SPD, unit diagonal. */
function corrMatrix(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) a[i * n + j] = i === j ? 1 : 0.35 + 0.3 * Math.exp(-Math.abs(i - j)) * (i % 2 === j % 2 ? 1 : -0.5);
  return a;
}

function llt(n: number, l: Float64Array): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k <= Math.min(i, j); k++) s += l[i * n + k]! * l[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

describe("cholesky", () => {
  it("factors the classic 3×3 example exactly and zeroes the upper triangle", () => {
    // A = L·Lᵀ with L = [[2,0,0],[6,1,0],[−8,5,3]] (every step is exact in binary floating point)
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    for (const { name, k } of backends) {
      const l = new Float64Array(9).fill(7); // garbage in the upper part must be overwritten with zeros
      expect(k.cholesky(3, a, l), name).toBe(0);
      expect(Array.from(l), name).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    }
  });

  it("handles n = 0, n = 1 and the identity", () => {
    for (const { name, k } of backends) {
      expect(k.cholesky(0, new Float64Array(0), new Float64Array(0)), name).toBe(0);
      const l1 = new Float64Array(1);
      expect(k.cholesky(1, Float64Array.of(9), l1), name).toBe(0);
      expect(l1[0]).toBe(3);
      const id = new Float64Array(25);
      for (let i = 0; i < 5; i++) id[i * 6] = 1;
      const l = new Float64Array(25).fill(-1);
      expect(k.cholesky(5, id, l), name).toBe(0);
      expect(Array.from(l), name).toEqual(Array.from(id));
    }
  });

  it("L·Lᵀ reproduces A to 1e-13 relative (random SPD n = 1…40, a correlation matrix, Hilbert 6×6); backends agree bit for bit", () => {
    // Cholesky is backward stable: L·Lᵀ = A + E with |E_ij| ≤ γ_{n+1}·(|L||Lᵀ|)_ij ≤ γ_{n+1}·sqrt(a_ii·a_jj),
    // γ_{n+1} = (n+1)u/(1 − (n+1)u) ≈ 41·1.1e-16 = 4.6e-15 for n = 40 (Higham, Accuracy and Stability of Numerical
    // Algorithms, 2nd ed., Thm 10.3); 1e-13 of sqrt(a_ii·a_jj) leaves a 20× margin.
    const cases: [number, Float64Array][] = [];
    for (const n of [1, 2, 3, 4, 5, 7, 8, 16, 20, 21, 40]) cases.push([n, spd(n, 17 * n + 1)]);
    cases.push([20, corrMatrix(20)]);
    const h = new Float64Array(36);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) h[i * 6 + j] = 1 / (i + j + 1);
    cases.push([6, h]);
    for (const [n, a] of cases) {
      const ref = new Float64Array(n * n);
      expect(backends[0]!.k.cholesky(n, a, ref)).toBe(0);
      const back = llt(n, ref);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const err = Math.abs(back[i * n + j]! - a[i * n + j]!) / Math.sqrt(a[i * n + i]! * a[j * n + j]!);
          expect(err, `n=${n} (${i},${j})`).toBeLessThan(1e-13);
          if (j > i) expect(ref[i * n + j]).toBe(0);
        }
      for (const { name, k } of backends) {
        const l = new Float64Array(n * n);
        expect(k.cholesky(n, a, l), name).toBe(0);
        expect(firstDiff(l, ref), `${name} n=${n}`).toBe(-1);
      }
    }
  });

  it("returns k + 1 for the first leading minor that is not positive definite, and an all-NaN factor", () => {
    const cases: [number, number[], number][] = [
      [1, [-1], 1],
      [1, [0], 1],
      [2, [1, 2, 2, 1], 2], // indefinite
      [3, [1, 0, 0, 0, 1, 0, 0, 0, 0], 3], // semi-definite: pivot 0 is not > 0
      [3, [4, 12, -16, 12, 37, -43, -16, -43, 88], 3], // the classic example with a_33 = 88: last pivot 88 − 64 − 25 = −1
      [3, [1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1], 3], // a "correlation" matrix that is not PD (det < 0)
    ];
    for (const { name, k } of backends) {
      for (const [n, a, status] of cases) {
        const l = new Float64Array(n * n);
        expect(k.cholesky(n, Float64Array.from(a), l), `${name} ${a}`).toBe(status);
        expect(Array.from(l).every(Number.isNaN), `${name} ${a} NaN factor`).toBe(true);
      }
    }
  });

  it("a NaN or infinite entry fails at the first leading minor that contains it (lower or upper triangle)", () => {
    const base = spd(4, 3);
    const cases: [number, number, number, number][] = [
      [0, 0, NaN, 1],
      [2, 1, NaN, 3], // lower
      [1, 2, NaN, 3], // upper (mirror of (2,1))
      [3, 0, NaN, 4],
      [0, 3, Infinity, 4],
      [1, 1, Infinity, 2],
      [2, 2, -Infinity, 3],
      [3, 3, NaN, 4],
    ];
    for (const { name, k } of backends) {
      for (const [i, j, v, status] of cases) {
        const a = base.slice();
        a[i * 4 + j] = v;
        const l = new Float64Array(16);
        expect(k.cholesky(4, a, l), `${name} a[${i},${j}] = ${v}`).toBe(status);
        expect(Array.from(l).every(Number.isNaN), `${name} a[${i},${j}] = ${v}`).toBe(true);
      }
    }
  });
});

/** Straightforward reference: out[i, r] = scale_i · Σ_{c ≤ r} l[r, c]·e[i, c], plus Σ|l·e| for the tolerance. */
function correlateRef(m: number, n: number, l: Float64Array, e: Float64Array, scale: Float64Array | null) {
  const out = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let r = 0; r < n; r++) {
      let s = 0, a = 0;
      for (let c = 0; c <= r; c++) {
        s += l[r * n + c]! * e[i * n + c]!;
        a += Math.abs(l[r * n + c]! * e[i * n + c]!);
      }
      const f = scale ? scale[i]! : 1;
      out[i * n + r] = f * s;
      mag[i * n + r] = Math.abs(f) * a;
    }
  return { out, mag };
}

describe("correlate", () => {
  it("a hand-computed 2×3 example, with and without row scales", () => {
    const l = Float64Array.from([1, 0, 0, 0.5, 2, 0, -1, 0.25, 4]);
    const e = Float64Array.from([1, 2, 3, -1, 0, 0.5]);
    for (const { name, k } of backends) {
      expect(Array.from(k.correlate(2, 3, l, e, null, new Float64Array(6))), name).toEqual([1, 4.5, 11.5, -1, -0.5, 3]);
      expect(Array.from(k.correlate(2, 3, l, e, Float64Array.of(2, -1), new Float64Array(6))), name).toEqual([2, 9, 23, 1, 0.5, -3]);
    }
  });

  it("agrees with a naive reference (≤ 1e-14 of Σ|l·e|) and bit for bit across backends, every m, n parity", () => {
    // Same products, different summation order: |Δ| ≤ 2·(n+1)·u·Σ|l·e| ≈ 9.3e-15·Σ|l·e| for n = 21 (standard error
    // bound of recursive summation, Higham Thm 3.1/§3.1); the backends use the same order, hence equality.
    for (const n of [1, 2, 3, 4, 5, 6, 7, 20, 21]) {
      for (const m of [1, 2, 3, 8, 9]) {
        const l = new Float64Array(n * n);
        expect(backends[0]!.k.cholesky(n, spd(n, n), l)).toBe(0);
        const e = backends[0]!.k.rngNormal(seeded(backends[0]!.k, BigInt(m * 100 + n)), new Float64Array(m * n));
        const scale = Float64Array.from({ length: m }, (_, i) => 0.5 + i * 0.25);
        for (const sc of [null, scale]) {
          const { out: want, mag } = correlateRef(m, n, l, e, sc);
          const ref = backends[0]!.k.correlate(m, n, l, e, sc, new Float64Array(m * n));
          for (let q = 0; q < m * n; q++) {
            expect(Math.abs(ref[q]! - want[q]!), `m=${m} n=${n} q=${q}`).toBeLessThanOrEqual(1e-14 * mag[q]!);
          }
          for (const { name, k } of backends) {
            const out = k.correlate(m, n, l, e, sc, new Float64Array(m * n));
            expect(firstDiff(out, ref), `${name} m=${m} n=${n} scale=${sc !== null}`).toBe(-1);
          }
        }
      }
    }
  });

  it("reads only the lower triangle of L; rowScale null equals a row of ones; m = 0 or n = 0 writes nothing", () => {
    const n = 5, m = 4;
    const l = new Float64Array(n * n);
    backends[0]!.k.cholesky(n, spd(n, 9), l);
    const lu = l.slice();
    for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) lu[r * n + c] = NaN;
    const e = Float64Array.from({ length: m * n }, (_, q) => Math.sin(q + 1));
    for (const { name, k } of backends) {
      const a = k.correlate(m, n, l, e, null, new Float64Array(m * n));
      expect(firstDiff(k.correlate(m, n, lu, e, null, new Float64Array(m * n)), a), `${name} upper ignored`).toBe(-1);
      expect(firstDiff(k.correlate(m, n, l, e, new Float64Array(m).fill(1), new Float64Array(m * n)), a), `${name} ones`).toBe(-1);
      const untouched = new Float64Array(3).fill(42);
      k.correlate(0, n, l, e, null, untouched);
      k.correlate(m, 0, l, e, null, untouched);
      expect(Array.from(untouched), name).toEqual([42, 42, 42]);
    }
  });
});

describe("correlatedNormals (fused)", () => {
  it("equals rngNormal(m·n) → rngMvtScale(m) → correlate bit for bit, same state after, on every backend", () => {
    for (const [m, n] of [[1, 1], [7, 3], [64, 20], [33, 21], [10, 2]] as const) {
      const l = new Float64Array(n * n);
      backends[0]!.k.cholesky(n, corrMatrix(n), l);
      for (const nu of [0, -1, 5, 2.5]) {
        let ref: Float64Array | null = null;
        for (const { name, k } of backends) {
          // unfused
          const s1 = seeded(k, 77n);
          const e = k.rngNormal(s1, new Float64Array(m * n));
          const scale = nu > 0 ? k.rngMvtScale(s1, nu, new Float64Array(m)) : null;
          const want = k.correlate(m, n, l, e, scale, new Float64Array(m * n));
          // fused
          const s2 = seeded(k, 77n);
          const got = k.correlatedNormals(m, n, l, s2, nu, new Float64Array(m * n));
          expect(firstDiff(got, want), `${name} m=${m} n=${n} nu=${nu}`).toBe(-1);
          expect(s2, `${name} state m=${m} n=${n} nu=${nu}`).toEqual(s1);
          if (ref === null) ref = got;
          else expect(firstDiff(got, ref), `${name} vs js m=${m} n=${n} nu=${nu}`).toBe(-1);
        }
      }
    }
  });

  it("nu in (0, 2] or NaN: NaN outputs, the m·n normals consumed and no scale draws", () => {
    const n = 3, m = 4;
    const l = new Float64Array(n * n);
    backends[0]!.k.cholesky(n, corrMatrix(n), l);
    for (const { name, k } of backends) {
      for (const nu of [1, 2, NaN]) {
        const s = seeded(k, 5n);
        const out = k.correlatedNormals(m, n, l, s, nu, new Float64Array(m * n));
        expect(Array.from(out).every(Number.isNaN), `${name} nu=${nu}`).toBe(true);
        const s2 = seeded(k, 5n);
        k.rngNormal(s2, new Float64Array(m * n));
        expect(s, `${name} nu=${nu} state`).toEqual(s2);
      }
    }
  });

  // The sample covariance Ĉ_ij = (1/N)·Σ x_i x_j of N independent zero-mean scenarios has standard error
  // sqrt(Var(x_i x_j)/N). Gaussian: Var(x_i x_j) = Σ_ii Σ_jj + Σ_ij² (Isserlis). t copula with row scale s,
  // E[s²] = 1 and E[s⁴] = (nu − 2)²·E[W⁻²] = (nu − 2)/(nu − 4): Var = (nu−2)/(nu−4)·(Σ_ii Σ_jj + 2Σ_ij²) − Σ_ij².
  // Every entry must be within 5 standard errors (the seed is fixed, so the test is deterministic; a correct sampler
  // fails a given entry with probability 6e-7).
  for (const nu of [0, 8]) {
    it(`sample covariance of 10^6 scenarios reproduces L·Lᵀ within 5 standard errors (nu = ${nu})`, () => {
      const n = 6, m = 1_000_000;
      const sigma = corrMatrix(n);
      for (let i = 0; i < n; i++) sigma[i * n + i] = 1 + 0.5 * i; // unequal variances
      for (const { name, k } of backends) {
        const l = new Float64Array(n * n);
        expect(k.cholesky(n, sigma, l)).toBe(0);
        const x = k.correlatedNormals(m, n, l, seeded(k, 2025n), nu, new Float64Array(m * n));
        const c = new Float64Array(n * n);
        for (let s = 0; s < m; s++) {
          const o = s * n;
          for (let i = 0; i < n; i++) {
            const xi = x[o + i]!;
            for (let j = 0; j <= i; j++) c[i * n + j] = c[i * n + j]! + xi * x[o + j]!;
          }
        }
        for (let i = 0; i < n; i++)
          for (let j = 0; j <= i; j++) {
            const sii = sigma[i * n + i]!, sjj = sigma[j * n + j]!, sij = sigma[i * n + j]!;
            const v = nu > 0 ? ((nu - 2) / (nu - 4)) * (sii * sjj + 2 * sij * sij) - sij * sij : sii * sjj + sij * sij;
            expect(Math.abs(c[i * n + j]! / m - sij), `${name} Σ(${i},${j})`).toBeLessThan(5 * Math.sqrt(v / m));
          }
      }
    });
  }
});
