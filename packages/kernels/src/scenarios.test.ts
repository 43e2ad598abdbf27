// revalueScenarios and surfaceEval (js/scenarios.ts, assembly/scenarios.ts) on every backend: edge cases first (no
// scenarios, no options, a NaN move, the vol floor, degenerate T = 0 / σ = 0 rows, extrapolation off the grid), then
// js/wasm/wasm-simd against plain references written from the definitions: the full-revaluation reference builds the
// scenarios × options rows and prices them with the backend's own black76Price (what engine's scenarioPnl did), the
// surface reference is es.ts's evalSurface/surfacePnl written plainly; scenarioRows against the backend's own
// correlatedNormals with the mirrors, links and bounds written from their definitions.
//
// Tolerance: none — toEqual on Float64Arrays compares bits (Object.is per element, so −0 ≠ +0 and NaN = NaN). The
// kernels perform the references' IEEE operations in the same order with the same fdlibm exp/log/expm1 (V8's Math
// functions are fdlibm ports, as are AssemblyScript's), so identical bits are the contract, not a tolerance.
import { beforeAll, describe, expect, it } from "vitest";
import { allBackends } from "./testing.js";
import { SpotVolLinkKind, type Kernels, type PnlSurfaceTables, type ScenarioRevaluationInputs, type ScenarioRowsInputs } from "./types.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

/** xorshift32 in [0, 1): a reproducible stream for the random books (no dependency on the kernels' RNG). */
function rand(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** A random book of n options over U underlyings and m scenarios (student-t-like fat moves, vol shifts ±60%). */
function randomBook(n: number, U: number, m: number, seed: number): ScenarioRevaluationInputs {
  const r = rand(seed);
  const spot = Float64Array.from({ length: U }, () => 10 + r() * 60_000);
  const underlying = Int32Array.from({ length: n }, () => Math.floor(r() * U));
  const forward = Float64Array.from(underlying, (u) => spot[u]! * (0.95 + 0.1 * r()));
  const strike = Float64Array.from(forward, (F) => F * Math.exp((r() - 0.5) * 1.2));
  const timeToExpiry = Float64Array.from({ length: n }, () => (r() < 0.03 ? 0 : 0.002 + r() * 1.5));
  const vol = Float64Array.from({ length: n }, () => (r() < 0.03 ? 0 : 0.2 + r() * 1.2));
  const rate = Float64Array.from({ length: n }, () => (r() < 0.5 ? 0 : 0.05 * r()));
  const isCall = Int32Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
  const inverse = Int32Array.from({ length: n }, () => (r() < 0.6 ? 1 : 0));
  const quantity = Float64Array.from({ length: n }, () => Math.round((r() - 0.5) * 200) / 10);
  const baseUsd = Float64Array.from({ length: n }, () => (r() - 0.5) * 1000);
  const spotLogReturn = Float64Array.from({ length: m * U }, () => (r() - 0.5) * (r() < 0.05 ? 2 : 0.3));
  const volShift = Float64Array.from({ length: m * U }, () => (r() < 0.02 ? -1.5 : (r() - 0.5) * 1.2));
  return { options: { forward, strike, timeToExpiry, vol, rate, isCall }, quantity, underlying, inverse, spot, baseUsd, spotLogReturn, volShift };
}

/** portfolio.ts scenarioPnl's option part as it was: scenarios × options rows, one black76Price call, the sum. */
function reference(k: Kernels, i: ScenarioRevaluationInputs, m: number): Float64Array {
  const o = i.options;
  const n = o.forward.length;
  const U = i.spot.length;
  const rows = {
    forward: new Float64Array(m * n),
    strike: new Float64Array(m * n),
    timeToExpiry: new Float64Array(m * n),
    vol: new Float64Array(m * n),
    rate: new Float64Array(m * n),
    isCall: new Int32Array(m * n),
  };
  for (let s = 0; s < m; s++) {
    for (let j = 0; j < n; j++) {
      const u = i.underlying[j]!;
      const at = s * n + j;
      rows.forward[at] = o.forward[j]! * Math.exp(i.spotLogReturn[s * U + u]!);
      rows.strike[at] = o.strike[j]!;
      rows.timeToExpiry[at] = o.timeToExpiry[j]!;
      rows.vol[at] = Math.max(o.vol[j]! * (1 + i.volShift[s * U + u]!), 1e-4);
      rows.rate[at] = o.rate[j]!;
      rows.isCall[at] = o.isCall[j]!;
    }
  }
  const price = k.black76Price(rows, false, new Float64Array(m * n));
  const pnl = new Float64Array(m);
  for (let s = 0; s < m; s++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const u = i.underlying[j]!;
      const mu = Math.exp(i.spotLogReturn[s * U + u]!);
      const usd = price[s * n + j]!;
      const after = i.inverse[j] ? (usd / (o.forward[j]! * mu)) * i.spot[u]! * mu : usd;
      sum += i.quantity[j]! * after - i.baseUsd[j]!;
    }
    pnl[s] = sum;
  }
  return pnl;
}

describe("revalueScenarios", () => {
  it("no scenarios, no options", () => {
    for (const { name, k } of backends) {
      const b = randomBook(5, 2, 3, 1);
      expect(k.revalueScenarios(b, new Float64Array(0)), name).toEqual(new Float64Array(0));
      const none = randomBook(0, 2, 3, 2);
      expect(k.revalueScenarios(none, new Float64Array(3).fill(9)), name).toEqual(new Float64Array(3));
    }
  });

  it("one long inverse call: by hand from black76Price", () => {
    // F 50,000, K 55,000, T 0.25, σ 0.6; scenario: spot −10%, vol +20%; coin value V'/F' worth S' = S·e^x
    const i: ScenarioRevaluationInputs = {
      options: { forward: Float64Array.of(50_000), strike: Float64Array.of(55_000), timeToExpiry: Float64Array.of(0.25), vol: Float64Array.of(0.6), rate: Float64Array.of(0), isCall: Int32Array.of(1) },
      quantity: Float64Array.of(2),
      underlying: Int32Array.of(0),
      inverse: Int32Array.of(1),
      spot: Float64Array.of(49_900),
      baseUsd: Float64Array.of(7_000),
      spotLogReturn: Float64Array.of(Math.log(0.9)),
      volShift: Float64Array.of(0.2),
    };
    for (const { name, k } of backends) {
      const m = Math.exp(Math.log(0.9));
      const p = k.black76Price({ ...i.options, forward: Float64Array.of(50_000 * m), vol: Float64Array.of(0.6 * 1.2) }, false, new Float64Array(1))[0]!;
      const want = 2 * ((p / (50_000 * m)) * 49_900 * m) - 7_000;
      expect(k.revalueScenarios(i, new Float64Array(1))[0], name).toBe(want);
    }
  });

  it("a NaN move poisons its scenario only; the vol floor and T = 0 / σ = 0 rows follow the reference", () => {
    const b = randomBook(40, 3, 6, 3);
    b.spotLogReturn[2 * 3 + 1] = NaN;
    b.volShift[4 * 3 + 0] = -3; // σ' = max(σ·(−2), 1e-4) = the floor
    for (const { name, k } of backends) {
      const got = k.revalueScenarios(b, new Float64Array(6));
      expect(got, name).toEqual(reference(k, b, 6));
      const users = Array.from(b.underlying).some((u) => u === 1);
      expect(Number.isNaN(got[2]!), name).toBe(users);
      for (const s of [0, 1, 3, 4, 5]) expect(Number.isFinite(got[s]!), name).toBe(true);
    }
  });

  it("random books = the rows reference bit for bit, on js/wasm/wasm-simd (odd n, one option, n > the block rows)", () => {
    const cases: [number, number, number, number][] = [
      [1, 1, 257, 10],
      [37, 3, 501, 11],
      [500, 10, 64, 12],
      [2100, 4, 5, 13], // more options than a wasm block holds (2048): the option-chunk path
    ];
    const js = backends[0]!.k;
    for (const [n, U, m, seed] of cases) {
      const b = randomBook(n, U, m, seed);
      const want = reference(js, b, m);
      for (const { name, k } of backends) {
        expect(k.revalueScenarios(b, new Float64Array(m)), `${name} n=${n}`).toEqual(want);
        // each backend's own black76Price gives the same rows reference (pricing parity is tested in pricing.test.ts)
        expect(reference(k, b, m), `${name} n=${n} (own pricing)`).toEqual(want);
      }
    }
  });

  it("perUnderlying: each underlying's share = the book of that underlying's options alone, bit for bit", () => {
    // n > 2048 crosses a wasm option chunk, so a share accumulates over several chunks
    for (const [n, U, m, seed] of [[37, 3, 101, 31], [2100, 4, 7, 32]] as const) {
      const b = randomBook(n, U, m, seed);
      for (const { name, k } of backends) {
        const per = new Float64Array(m * U).fill(7); // stale values must be overwritten
        const out = k.revalueScenarios(b, new Float64Array(m), per);
        expect(out, `${name}: the total is unchanged`).toEqual(k.revalueScenarios(b, new Float64Array(m)));
        for (let u = 0; u < U; u++) {
          const js = Array.from(b.underlying.keys()).filter((j) => b.underlying[j] === u);
          const pick = <T extends Float64Array | Int32Array>(c: T): T => c.filter((_, j) => b.underlying[j] === u) as T;
          const o = b.options;
          const sub: ScenarioRevaluationInputs = {
            ...b,
            options: { forward: pick(o.forward), strike: pick(o.strike), timeToExpiry: pick(o.timeToExpiry), vol: pick(o.vol), rate: pick(o.rate), isCall: pick(o.isCall) },
            quantity: pick(b.quantity), underlying: pick(b.underlying), inverse: pick(b.inverse), baseUsd: pick(b.baseUsd),
          };
          const alone = js.length ? k.revalueScenarios(sub, new Float64Array(m)) : new Float64Array(m);
          expect(Float64Array.from({ length: m }, (_, s) => per[s * U + u]!), `${name} n=${n} u=${u}`).toEqual(alone);
        }
      }
    }
  });

  it("m = out.length: a prefix of the scenarios", () => {
    const b = randomBook(9, 2, 10, 21);
    for (const { name, k } of backends) expect(k.revalueScenarios(b, new Float64Array(4)), name).toEqual(reference(k, b, 10).subarray(0, 4));
  });
});

/** A 1-D cell's cubic in monomial form (the kernels' definition, written out): a0 + t·(a1 + t·(a2 + t·a3)) by Horner. */
function cubic(v: Float64Array, ix: number, t: number): number {
  const [v0, v1, v2, v3] = [v[ix]!, v[ix + 1]!, v[ix + 2]!, v[ix + 3]!];
  const a1 = (2 * v3 - 9 * v2 + 18 * v1 - 11 * v0) / 6;
  const a2 = (4 * v2 - v3 - 5 * v1 + 2 * v0) / 2;
  const a3 = (v3 - v0 + 3 * (v1 - v2)) / 6;
  return ((a3 * t + a2) * t + a1) * t + v0;
}

/** es.ts evalSurface + surfacePnl written plainly (weights arrays, per-surface tables; 1-D cells by `cubic`). */
function surfaceReference(t: PnlSurfaceTables, x: Float64Array, v: Float64Array, m: number): { out: Float64Array; per: Float64Array } {
  const U = t.x0.length;
  const out = new Float64Array(m);
  const per = new Float64Array(m * U);
  const lag = (tt: number): number[] => {
    const a = tt - 1;
    const b = tt - 2;
    const c = tt - 3;
    return [-(a * b * c) / 6, (tt * b * c) / 2, -(tt * a * c) / 2, (tt * a * b) / 6];
  };
  for (let u = 0; u < U; u++) {
    const vals = t.values.subarray(t.offset[u]!, t.offset[u]! + t.nx[u]! * t.nv[u]!);
    for (let s = 0; s < m; s++) {
      const xs = x[s * U + u]!;
      let p = t.linear[u] !== 0 ? t.linear[u]! * Math.expm1(xs) : 0;
      if (t.hasOptions[u]) {
        const tx = (xs - t.x0[u]!) / t.dx[u]!;
        let ix = Math.floor(tx) - 1;
        if (ix < 0) ix = 0;
        else if (ix > t.nx[u]! - 4) ix = t.nx[u]! - 4;
        const w = lag(tx - ix);
        const nv = t.nv[u]!;
        if (nv === 1) p += cubic(vals, ix, tx - ix);
        else {
          const tv = (v[s * U + u]! - t.v0[u]!) / t.dv[u]!;
          let iv = Math.floor(tv) - 1;
          if (iv < 0) iv = 0;
          else if (iv > nv - 4) iv = nv - 4;
          const wv = lag(tv - iv);
          let sum = 0;
          for (let a = 0; a < 4; a++) {
            const row = (ix + a) * nv + iv;
            sum += w[a]! * (wv[0]! * vals[row]! + wv[1]! * vals[row + 1]! + wv[2]! * vals[row + 2]! + wv[3]! * vals[row + 3]!);
          }
          p += sum;
        }
      }
      out[s] = out[s]! + p;
      per[s * U + u] = p;
    }
  }
  return { out, per };
}

function randomTables(U: number, seed: number): PnlSurfaceTables {
  const r = rand(seed);
  const nx = Int32Array.from({ length: U }, () => 4 + Math.floor(r() * 60));
  const nv = Int32Array.from({ length: U }, (_, u) => (u % 3 === 0 ? 1 : 4 + Math.floor(r() * 6)));
  const offset = new Int32Array(U);
  let total = 0;
  for (let u = 0; u < U; u++) ((offset[u] = total), (total += nx[u]! * nv[u]!));
  return {
    x0: Float64Array.from({ length: U }, () => -0.3 - r() * 0.3),
    dx: Float64Array.from(nx, (k) => 0.8 / (k - 1)),
    nx,
    v0: Float64Array.from({ length: U }, () => -0.3 * r()),
    dv: Float64Array.from(nv, (k) => (k > 1 ? 0.5 / (k - 1) : 0)),
    nv,
    offset,
    values: Float64Array.from({ length: total }, () => (r() - 0.5) * 1e5),
    linear: Float64Array.from({ length: U }, (_, u) => (u % 4 === 1 ? 0 : (r() - 0.5) * 1e6)),
    hasOptions: Int32Array.from({ length: U }, (_, u) => (u % 5 === 4 ? 0 : 1)),
  };
}

describe("surfaceEval", () => {
  it("no scenarios; a 1-D cell is the Lagrange cubic through its nodes (monomial form, to rounding)", () => {
    const t = randomTables(3, 5);
    for (const { name, k } of backends) {
      expect(k.surfaceEval(t, new Float64Array(0), new Float64Array(0), new Float64Array(0), null), name).toEqual(new Float64Array(0));
    }
    // a 1-D table of 4 nodes at x = 0, 1, 2, 3 (no linear part). The monomial form a0 + t(a1 + t(a2 + t·a3)) rounds: at
    // t ≤ 3 each of its ~10 operations errs by ≤ ½ulp of a partial sum ≤ Σ|a_k|3^k ≤ 110·max|v| (|a1| ≤ 40/6, |a2| ≤ 6,
    // |a3| ≤ 8/6 times max|v|), so |error| ≤ 10·110·2^−53·max|v| ≈ 1.2e−13·max|v|; the Lagrange form's weights at the
    // nodes are exact, so it reproduces them bit for bit.
    const one: PnlSurfaceTables = {
      x0: Float64Array.of(0), dx: Float64Array.of(1), nx: Int32Array.of(4), v0: Float64Array.of(0), dv: Float64Array.of(0), nv: Int32Array.of(1),
      offset: Int32Array.of(0), values: Float64Array.of(3, -7, 11, 2), linear: Float64Array.of(0), hasOptions: Int32Array.of(1),
    };
    const bound = 1.2e-13 * 11;
    const lagrange = (t: number, v: Float64Array): number =>
      (-((t - 1) * (t - 2) * (t - 3)) / 6) * v[0]! + ((t * (t - 2) * (t - 3)) / 2) * v[1]! - ((t * (t - 1) * (t - 3)) / 2) * v[2]! + ((t * (t - 1) * (t - 2)) / 6) * v[3]!;
    const ts = Float64Array.from({ length: 301 }, (_, i) => i / 100);
    for (const { name, k } of backends) {
      const nodes = k.surfaceEval(one, Float64Array.of(0, 1, 2, 3), new Float64Array(4), new Float64Array(4), null);
      nodes.forEach((y, i) => expect(Math.abs(y - one.values[i]!), `${name} node ${i}`).toBeLessThanOrEqual(bound));
      const at = k.surfaceEval(one, ts, new Float64Array(ts.length), new Float64Array(ts.length), null);
      at.forEach((y, i) => expect(Math.abs(y - lagrange(ts[i]!, one.values)), `${name} t = ${ts[i]}`).toBeLessThanOrEqual(2 * bound));
      // a cubic through the nodes extrapolates exactly: values of p(x) = x³ − 2x at 0..3 → p(5) = 115 (to rounding)
      const cubic = { ...one, values: Float64Array.of(0, -1, 4, 21) };
      expect(k.surfaceEval(cubic, Float64Array.of(5), new Float64Array(1), new Float64Array(1), null)[0], name).toBeCloseTo(115, 9);
    }
  });

  it("the linear part is linear·Math.expm1(x) bit for bit (V8's fdlibm expm1, every branch of its range reduction)", () => {
    // x over every branch: |x| < 2^−54, |x| ≤ ½ln2 (k = 0), k = ±1, 2 ≤ k < 20, 20 ≤ k ≤ 56, k > 56, x < −56·ln2,
    // overflow, ±∞, NaN; plus 200,000 points on [−3, 3] (where musl's expm1 differs from V8's by 1 ulp on ~6%)
    const special = [0, -0, 1e-300, -1e-17, 0.3, -0.3, 0.5, -0.7, 1, -1, 3, -3, 10, -10, 20, 30, -37, 40, -38.9, 45, 100, -100, 700, 709.7, 709.8, 710, Infinity, -Infinity, NaN];
    const r = rand(99);
    const x = Float64Array.from({ length: 200_000 + special.length }, (_, i) => (i < special.length ? special[i]! : (r() - 0.5) * 6));
    const lin: PnlSurfaceTables = {
      x0: Float64Array.of(0), dx: Float64Array.of(1), nx: Int32Array.of(4), v0: Float64Array.of(0), dv: Float64Array.of(0), nv: Int32Array.of(1),
      offset: Int32Array.of(0), values: new Float64Array(4), linear: Float64Array.of(1), hasOptions: Int32Array.of(0),
    };
    const want = Float64Array.from(x, (v) => 0 + 1 * Math.expm1(v)); // out[s] = 0 + p (so −0 → +0)
    for (const { name, k } of backends) expect(k.surfaceEval(lin, x, x, new Float64Array(x.length), null), name).toEqual(want);
  });

  it("a NaN move gives NaN in its scenario only", () => {
    const t = randomTables(4, 6);
    const m = 5;
    const r = rand(7);
    const x = Float64Array.from({ length: m * 4 }, () => (r() - 0.5) * 0.6);
    const v = Float64Array.from({ length: m * 4 }, () => (r() - 0.5) * 0.4);
    x[2 * 4 + 1] = NaN;
    v[3 * 4 + 2] = NaN; // underlying 2 has nv > 1 (u % 3 ≠ 0) and options
    for (const { name, k } of backends) {
      const got = k.surfaceEval(t, x, v, new Float64Array(m), null);
      expect(Array.from(got, Number.isNaN), name).toEqual([false, false, true, true, false]);
    }
  });

  it("random tables (1-D and 2-D, linear-only, points off the grid) = es.ts's interpolation bit for bit", () => {
    const U = 10;
    const m = 4001;
    const t = randomTables(U, 8);
    const r = rand(9);
    const x = Float64Array.from({ length: m * U }, () => (r() - 0.5) * (r() < 0.05 ? 3 : 0.8));
    const v = Float64Array.from({ length: m * U }, () => (r() - 0.3) * (r() < 0.05 ? 2 : 0.5));
    const want = surfaceReference(t, x, v, m);
    for (const { name, k } of backends) {
      const per = new Float64Array(m * U);
      expect(k.surfaceEval(t, x, v, new Float64Array(m), per), name).toEqual(want.out);
      expect(per, name).toEqual(want.per);
    }
  });
});

describe("scenarioRows", () => {
  /** The definition written plainly: correlatedNormals, then per row and asset the link, the mirror and the bounds. */
  function reference(k: Kernels, i: ScenarioRowsInputs, seed: bigint, rows: number, mirrors: number) {
    const n = i.n;
    const state = new Uint32Array(8);
    k.rngSeed(state, seed);
    const x = k.correlatedNormals(rows, n, i.l, state, i.nu, new Float64Array(rows * n));
    const link = (u: number, y: number) =>
      i.kind[u] === SpotVolLinkKind.relative ? Math.max(i.floor[u]!, 1 + i.beta[u]! * y) - 1 : i.kind[u] === SpotVolLinkKind.log ? Math.expm1(i.beta[u]! * y) : 0;
    const v = new Float64Array(rows * n);
    const mx = new Float64Array(mirrors * n);
    const mv = new Float64Array(mirrors * n);
    const range = new Float64Array(4 * n).fill(Infinity, 0, 2 * n).fill(-Infinity, 2 * n);
    const fold = (u: number, a: number, b: number) => {
      if (a < range[u]!) range[u] = a;
      if (b < range[n + u]!) range[n + u] = b;
      if (range[2 * n + u]! < a) range[2 * n + u] = a;
      if (range[3 * n + u]! < b) range[3 * n + u] = b;
    };
    for (let s = 0; s < rows; s++) {
      for (let u = 0; u < n; u++) ((v[s * n + u] = link(u, x[s * n + u]!)), fold(u, x[s * n + u]!, v[s * n + u]!));
      if (s < mirrors) for (let u = 0; u < n; u++) ((mx[s * n + u] = 0 - x[s * n + u]!), (mv[s * n + u] = link(u, mx[s * n + u]!)), fold(u, mx[s * n + u]!, mv[s * n + u]!));
    }
    return { x, v, mirrorX: mx, mirrorV: mv, range, state };
  }

  function inputs(n: number, nu: number, kinds: number[]): ScenarioRowsInputs {
    const r = rand(n * 31 + nu);
    const a = Array.from({ length: n }, () => 0.02 + 0.05 * r());
    const cov = new Float64Array(n * n);
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) cov[p * n + q] = a[p]! * a[q]! * (p === q ? 1 : 0.5);
    const l = new Float64Array(n * n);
    backends[0]!.k.cholesky(n, cov, l);
    return {
      n, l, nu,
      kind: Int32Array.from({ length: n }, (_, u) => kinds[u % kinds.length]!),
      // β large enough that relative links hit their floor on the big moves
      beta: Float64Array.from({ length: n }, () => -(3 + 20 * r())),
      floor: Float64Array.from({ length: n }, () => 0.05 + 0.3 * r()),
    };
  }

  it("= correlatedNormals + mirrors + links + bounds, bit for bit (odd/even assets, mixed links, t and Gaussian)", () => {
    const { none, relative, log } = SpotVolLinkKind;
    const cases: [number, number, number[], number, number][] = [
      [7, 4, [relative, log, none], 1001, 600], // odd n: the SIMD build's scalar last asset; mirrors < rows
      [10, 0, [relative], 2000, 2000], // every pair relative (the f64x2 link)
      [6, 5.5, [log, relative], 999, 0], // no mirrors
      [1, 3, [relative], 17, 17],
    ];
    for (const [n, nu, kinds, rows, mirrors] of cases) {
      const i = inputs(n, nu, kinds);
      for (const { name, k } of backends) {
        const want = reference(k, i, 42n, rows, mirrors);
        const state = new Uint32Array(8);
        k.rngSeed(state, 42n);
        const out = {
          x: new Float64Array(rows * n), v: new Float64Array(rows * n), mirrorX: new Float64Array(mirrors * n), mirrorV: new Float64Array(mirrors * n),
          range: new Float64Array(4 * n).fill(Infinity, 0, 2 * n).fill(-Infinity, 2 * n),
        };
        k.scenarioRows(i, state, rows, mirrors, out);
        const label = `${name} n=${n} nu=${nu}`;
        expect(out.x, label).toEqual(want.x);
        expect(out.v, label).toEqual(want.v);
        expect(out.mirrorX, label).toEqual(want.mirrorX);
        expect(out.mirrorV, label).toEqual(want.mirrorV);
        expect(out.range, label).toEqual(want.range);
        expect(state, `${label}: the stream advanced as correlatedNormals advances it`).toEqual(want.state);
        // the floors bind somewhere (the relative link's max is exercised), and every backend gives the js numbers
        if (kinds.includes(relative) && rows > 100) expect(Array.from(want.v).some((y, j) => i.kind[j % n] === relative && y === i.floor[j % n]! - 1), label).toBe(true);
        expect(out.x, label).toEqual(reference(backends[0]!.k, i, 42n, rows, mirrors).x);
        // without stores of the shifts (v, mirrorV null): the same moves and bounds
        k.rngSeed(state, 42n);
        const lean = { ...out, x: new Float64Array(rows * n), v: null, mirrorX: new Float64Array(mirrors * n), mirrorV: null, range: out.range.fill(Infinity, 0, 2 * n).fill(-Infinity, 2 * n) };
        k.scenarioRows(i, state, rows, mirrors, lean);
        expect([lean.x, lean.mirrorX, lean.range], `${label} without shifts`).toEqual([want.x, want.mirrorX, want.range]);
      }
    }
  });

  it("the bounds fold into the running range (a second block only widens it)", () => {
    const i = inputs(4, 4, [SpotVolLinkKind.relative]);
    for (const { name, k } of backends) {
      const state = new Uint32Array(8);
      k.rngSeed(state, 1n);
      const range = Float64Array.of(-9, -9, -9, -9, -9, -9, -9, -9, 9, 9, 9, 9, 9, 9, 9, 9);
      const z = () => new Float64Array(40);
      k.scenarioRows(i, state, 10, 10, { x: z(), v: z(), mirrorX: z(), mirrorV: z(), range });
      expect(range, name).toEqual(Float64Array.of(-9, -9, -9, -9, -9, -9, -9, -9, 9, 9, 9, 9, 9, 9, 9, 9));
    }
  });
});
