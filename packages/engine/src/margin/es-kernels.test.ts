// The ES revaluation on the kernels (issue: MC ES speed): portfolio.ts scenarioPnl now runs the fused
// `revalueScenarios`, es.ts's fast path runs `surfaceEval`. Both must give the bits the engine gave before, on every
// backend: the references below are the previous implementations, copied verbatim (scenarioPnl's scenarios × options
// rows priced by black76Price, es.ts's evalSurface/surfacePnl loops). Tolerance: none (toEqual compares bits; the
// kernels perform the same IEEE operations in the same order, kernels/src/js/scenarios.ts explains why).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Kernels } from "@offset/kernels";
import { allBackends } from "@offset/kernels/testing";
import { parseMarket } from "../market/snapshot.js";
import { parseBook } from "../model.js";
import { type ResolvedBook, type Scenarios, scenarioPnl } from "../portfolio.js";
import { valueBook } from "../valuation.js";
import { buildSurfaces, esPolicySchema, esScenarios, fullPnl, type PnlSurface, surfacePnl } from "./es.js";

const ex = (f: string) => JSON.parse(readFileSync(new URL(`../../../../examples/${f}`, import.meta.url), "utf8"));

/** portfolio.ts scenarioPnl before the fused kernel (commit c8d2e81), verbatim. */
function scenarioPnlRows(k: Kernels, r: ResolvedBook, baseUsd: Float64Array, sc: Scenarios): Float64Array {
  const U = r.underlyings.length;
  const o = r.options;
  const n = o.index.length;
  const total = sc.count * n;
  const cols = { forward: new Float64Array(total), strike: new Float64Array(total), timeToExpiry: new Float64Array(total), vol: new Float64Array(total), rate: new Float64Array(total), isCall: new Int32Array(total) };
  for (let s = 0; s < sc.count; s++) {
    for (let j = 0; j < n; j++) {
      const u = o.underlying[j]!;
      const at = s * n + j;
      cols.forward[at] = o.forward[j]! * Math.exp(sc.spotLogReturn[s * U + u]!);
      cols.strike[at] = o.strike[j]!;
      cols.timeToExpiry[at] = o.timeToExpiry[j]!;
      cols.vol[at] = Math.max(o.vol[j]! * (1 + sc.volShift[s * U + u]!), 1e-4);
      cols.rate[at] = o.rate[j]!;
      cols.isCall[at] = o.isCall[j]!;
    }
  }
  const price = k.black76Price(cols, false, new Float64Array(total));
  const pnl = new Float64Array(sc.count);
  for (let s = 0; s < sc.count; s++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const i = o.index[j]!;
      const p = r.positions[i]!;
      const m = Math.exp(sc.spotLogReturn[s * U + p.underlying]!);
      const usd = price[s * n + j]!;
      const after = p.inverse ? (usd / (p.forward * m)) * r.spot[p.underlying]! * m : usd;
      sum += p.quantity * after - baseUsd[i]!;
    }
    for (const p of r.positions) {
      if (p.kind === "option") continue;
      const m = Math.exp(sc.spotLogReturn[s * U + p.underlying]!);
      sum += p.inverse ? p.quantity * (m - 1) * r.spot[p.underlying]! : p.quantity * p.forward * (m - 1);
    }
    for (const c of r.collateral) if (c.underlying >= 0) sum += c.amount * c.price * (Math.exp(sc.spotLogReturn[s * U + c.underlying]!) - 1);
    pnl[s] = sum;
  }
  return pnl;
}

/** es.ts surfacePnl/evalSurface before the kernel, verbatim (weights in small arrays), with the 1-D cells' monomial form. */
function surfacePnlLoops(surfaces: readonly PnlSurface[], sc: Scenarios, perUnderlying?: Float64Array): Float64Array {
  const lagrange4 = (t: number, w: Float64Array) => {
    const a = t - 1;
    const b = t - 2;
    const c = t - 3;
    w[0] = -(a * b * c) / 6;
    w[1] = (t * b * c) / 2;
    w[2] = -(t * a * c) / 2;
    w[3] = (t * a * b) / 6;
  };
  const evalSurface = (s: PnlSurface, x: number, v: number, w: Float64Array, wv: Float64Array): number => {
    const tx = (x - s.x0) / s.dx;
    let ix = Math.floor(tx) - 1;
    if (ix < 0) ix = 0;
    else if (ix > s.nx - 4) ix = s.nx - 4;
    lagrange4(tx - ix, w);
    const vals = s.values;
    const nv = s.nv;
    if (nv === 1) {
      // since the kernel: a 1-D cell's cubic in monomial form by Horner (the same cubic; see kernels' cubicCoefficients)
      const [v0, v1, v2, v3] = [vals[ix]!, vals[ix + 1]!, vals[ix + 2]!, vals[ix + 3]!];
      const a1 = (2 * v3 - 9 * v2 + 18 * v1 - 11 * v0) / 6;
      const a2 = (4 * v2 - v3 - 5 * v1 + 2 * v0) / 2;
      const a3 = (v3 - v0 + 3 * (v1 - v2)) / 6;
      const t = tx - ix;
      return ((a3 * t + a2) * t + a1) * t + v0;
    }
    const tv = (v - s.v0) / s.dv;
    let iv = Math.floor(tv) - 1;
    if (iv < 0) iv = 0;
    else if (iv > nv - 4) iv = nv - 4;
    lagrange4(tv - iv, wv);
    let sum = 0;
    for (let a = 0; a < 4; a++) {
      const row = (ix + a) * nv + iv;
      sum += w[a]! * (wv[0]! * vals[row]! + wv[1]! * vals[row + 1]! + wv[2]! * vals[row + 2]! + wv[3]! * vals[row + 3]!);
    }
    return sum;
  };
  const U = surfaces.length;
  const w = new Float64Array(4);
  const wv = new Float64Array(4);
  const out = new Float64Array(sc.count);
  for (let u = 0; u < U; u++) {
    const s = surfaces[u]!;
    for (let a = 0; a < sc.count; a++) {
      const x = sc.spotLogReturn[a * U + u]!;
      let p = s.linear !== 0 ? s.linear * Math.expm1(x) : 0;
      if (s.options > 0) p += evalSurface(s, x, sc.volShift[a * U + u]!, w, wv);
      out[a] = out[a]! + p;
      if (perUnderlying) perUnderlying[a * U + u] = p;
    }
  }
  return out;
}

describe("ES revaluation on the kernels = the previous engine code, bit for bit", async () => {
  const backends = await allBackends();
  const book = parseBook(ex("book.json"));
  const market = parseMarket(ex("market.json"));
  const model = ex("risk-model.json");

  it("example book (options, futures/perps, collateral), MC t-copula 3,001 scenarios: scenarioPnl, fullPnl, surfacePnl", () => {
    for (const { name, k } of backends) {
      const { valuation, resolved } = valueBook(k, book, market);
      const base = Float64Array.from(valuation.positions, (p) => (p.kind === "option" ? p.valueUsd : 0));
      const sc = esScenarios(k, resolved.underlyings, esPolicySchema.parse({ method: "mc", model, scenarios: 3_001, seed: 5, copula: { studentT: 4 } }));
      const want = scenarioPnlRows(k, resolved, base, sc);
      expect(scenarioPnl(k, resolved, base, sc), name).toEqual(want);
      expect(fullPnl(k, resolved, base, sc), name).toEqual(want);
      const surfaces = buildSurfaces(k, resolved, base, sc);
      const per = new Float64Array(sc.count * resolved.underlyings.length);
      const perWant = new Float64Array(per.length);
      expect(surfacePnl(surfaces, sc, undefined, per, undefined, k), name).toEqual(surfacePnlLoops(surfaces, sc, perWant));
      expect(per, name).toEqual(perWant);
      // the tail subset (idx) path: rows of the full evaluation
      const idx = [7, 0, 3000, 1234];
      const sub = surfacePnl(surfaces, sc, new Float64Array(idx.length), undefined, idx, k);
      expect(Array.from(sub), name).toEqual(idx.map((s) => surfacePnlLoops(surfaces, sc)[s]));
    }
  });

  it("a 200-option book over 4 underlyings with inverse and linear options, extreme moves (vol floor, −90%/+150%)", () => {
    // synthetic resolved book straight into scenarioPnl (no market needed): the columns scenarioPnl reads
    let seed = 12345;
    const r = () => ((seed = (seed * 1103515245 + 12345) >>> 0), seed / 4294967296);
    const U = 4;
    const n = 200;
    const spot = Float64Array.of(60_000, 3_000, 150, 0.5);
    const positions = Array.from({ length: n + 6 }, (_, i) => {
      const u = i % U;
      const opt = i < n;
      const F = spot[u]! * (1 + 0.02 * r());
      return { name: `p${i}`, underlying: u, kind: opt ? ("option" as const) : i % 2 ? ("future" as const) : ("perpetual" as const), inverse: r() < 0.5, settlementCurrency: "USD", quantity: (r() - 0.4) * 10, forward: F, timeToExpiry: 0.01 + r(), strike: F * (0.6 + 0.8 * r()), isCall: r() < 0.5, vol: 0.3 + r() };
    });
    const opts = positions.filter((p) => p.kind === "option");
    const resolved = {
      underlyings: ["A", "B", "C", "D"],
      spot,
      positions,
      options: {
        index: Int32Array.from(opts, (_, j) => j),
        underlying: Int32Array.from(opts, (p) => p.underlying),
        forward: Float64Array.from(opts, (p) => p.forward),
        strike: Float64Array.from(opts, (p) => p.strike),
        timeToExpiry: Float64Array.from(opts, (p) => p.timeToExpiry),
        vol: Float64Array.from(opts, (p) => p.vol),
        rate: Float64Array.from(opts, () => 0.01),
        isCall: Int32Array.from(opts, (p) => (p.isCall ? 1 : 0)),
      },
      columns: { quantity: Float64Array.from(positions, (p) => p.quantity), inverse: Int32Array.from(positions, (p) => (p.inverse ? 1 : 0)) },
      collateral: [{ asset: "A", amount: 2, price: 60_000, underlying: 0 }, { asset: "USDC", amount: 1e5, price: 1, underlying: -1 }],
    } as unknown as ResolvedBook;
    const base = Float64Array.from(positions, () => (r() - 0.5) * 1e4);
    const m = 999;
    const sc = { count: m, spotLogReturn: Float64Array.from({ length: m * U }, (_, i) => (i < 8 ? [Math.log(0.1), Math.log(2.5)][i % 2]! : (r() - 0.5) * 0.5)), volShift: Float64Array.from({ length: m * U }, (_, i) => (i % 97 === 0 ? -2 : (r() - 0.5))) };
    for (const { name, k } of backends) expect(scenarioPnl(k, resolved, base, sc), name).toEqual(scenarioPnlRows(k, resolved, base, sc));
  });
});
