// ES margin (margin/es.ts) and its scenario generators (risk/scenarios.ts): edge cases and bad input first, then the
// validation suite of issue 5 (MC vs analytic ES, HS order statistic, FHS and the March 2020 crash, fast path vs full
// revaluation, Euler allocation, determinism across backends).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createJsKernels, type Kernels } from "@offset/kernels";
import { allBackends, sharedData } from "@offset/kernels/testing";
import { createEngine, OffsetInputError } from "../index.js";
import { lnGamma } from "../risk/volatility.js";
import { historicalScenarios, mixScenarioSets, monteCarloScenarios } from "../risk/scenarios.js";
import { logReturns, parsePriceCsv } from "../risk/returns.js";
import { type EsMarginResult, tailWeights } from "./es.js";

const ex = (f: string) => JSON.parse(readFileSync(new URL(`../../../../examples/${f}`, import.meta.url), "utf8"));
const market = ex("market.json");
const exampleBook = ex("book.json");
const model = ex("risk-model.json");

/** z quantiles of the standard normal (scipy.stats.norm.ppf, 17 significant digits). */
const Z: Record<number, number> = { 0.975: 1.959963984540054, 0.99: 2.3263478740408408, 0.995: 2.5758293035489004 };
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/**
 * Standard error of the sample ES at α from n i.i.d. losses (Manistre & Hancock 2005, "Variance of the CTE
 * estimator", N. Am. Actuarial J. 9(2)): SE² ≈ [Var(L | L > VaR) + α·(ES − VaR)²] / (n·(1 − α)), from the sample.
 */
function esStandardError(loss: Float64Array, alpha: number, v: number, es: number): number {
  let m = 0;
  let s = 0;
  let s2 = 0;
  for (const l of loss) if (l > v) ((m++), (s += l), (s2 += l * l));
  const varTail = s2 / m - (s / m) ** 2;
  return Math.sqrt((varTail + alpha * (es - v) ** 2) / (loss.length * (1 - alpha)));
}

/** Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 3rd ed. §6.4). */
function betaInc(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - betaInc(1 - x, b, a);
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 300; m++) {
    for (const num of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + num * d;
      c = 1 + num / c;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return (front * h) / a;
}
const tCdf = (t: number, nu: number) => (t >= 0 ? 1 - 0.5 * betaInc(nu / (nu + t * t), nu / 2, 0.5) : 0.5 * betaInc(nu / (nu + t * t), nu / 2, 0.5));
function tQuantile(p: number, nu: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, nu) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
const tPdf = (t: number, nu: number) => Math.exp(lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(nu * Math.PI) - ((nu + 1) / 2) * Math.log(1 + (t * t) / nu));

/** P&L of a linear book a·x per scenario (x = spot log returns): the delta-normal world of the analytic formulas. */
function linearPnl(x: Float64Array, a: readonly number[], m: number): Float64Array {
  const n = a.length;
  const out = new Float64Array(m);
  for (let s = 0; s < m; s++) {
    let p = 0;
    for (let j = 0; j < n; j++) p += a[j]! * x[s * n + j]!;
    out[s] = p;
  }
  return out;
}

describe("scenario generators: edge cases and bad input", () => {
  const k = createJsKernels();
  it("MC rejects bad input with the field named", () => {
    expect(() => monteCarloScenarios(k, { assets: ["A"], scenarios: 0, seed: 1, covariance: [[1]] })).toThrow("monteCarloScenarios.scenarios");
    expect(() => monteCarloScenarios(k, { assets: ["A"], scenarios: 10, seed: 1, covariance: [[1]], correlation: [[1]] })).toThrow("exactly one");
    expect(() => monteCarloScenarios(k, { assets: ["A"], scenarios: 10, seed: 1, covariance: [[1]], copula: { studentT: 2 } })).toThrow("ν > 2");
    expect(() => monteCarloScenarios(k, { assets: ["A", "B"], scenarios: 10, seed: 1, correlation: [[1, 1.2], [1.2, 1]], vols: [1, 1] })).toThrow("positive-definite");
    // repaired on request: eigenvalue clipping gives a usable correlation
    const r = monteCarloScenarios(k, { assets: ["A", "B"], scenarios: 10, seed: 1, correlation: [[1, 1.2], [1.2, 1]], vols: [1, 1], repair: "clip" });
    expect(r.spotLogReturn.every(Number.isFinite)).toBe(true);
  });
  it("one scenario, odd counts and antithetic pairs", () => {
    const one = monteCarloScenarios(k, { assets: ["A"], scenarios: 1, seed: 7, covariance: [[0.01]] });
    expect(one.count).toBe(1);
    const odd = monteCarloScenarios(k, { assets: ["A", "B"], scenarios: 7, seed: 7, correlation: [[1, 0.5], [0.5, 1]], vols: [0.1, 0.2] });
    expect(odd.antitheticFrom).toBe(4);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) expect(odd.spotLogReturn[(4 + i) * 2 + j]).toBe(-odd.spotLogReturn[i * 2 + j]!);
  });
  it("streams: the same seed gives the same draws whatever the count; the stream size changes them", () => {
    const a = monteCarloScenarios(k, { assets: ["A"], scenarios: 100, seed: 3, covariance: [[1]], antithetic: false, streamSize: 16 });
    const b = monteCarloScenarios(k, { assets: ["A"], scenarios: 40, seed: 3, covariance: [[1]], antithetic: false, streamSize: 16 });
    expect(Array.from(a.spotLogReturn.subarray(0, 40))).toEqual(Array.from(b.spotLogReturn));
    const c = monteCarloScenarios(k, { assets: ["A"], scenarios: 40, seed: 3, covariance: [[1]], antithetic: false, streamSize: 64 });
    // streams 0 agree for the first 16 draws, stream 1 starts 2^128 draws later
    expect(Array.from(c.spotLogReturn.subarray(0, 16))).toEqual(Array.from(b.spotLogReturn.subarray(0, 16)));
    expect(c.spotLogReturn[16]).not.toBe(b.spotLogReturn[16]);
  });
  it("spot–vol link: relative with floor, log form, per asset", () => {
    const sc = monteCarloScenarios(k, { assets: ["A", "B"], scenarios: 50, seed: 1, covariance: [[0.04, 0], [0, 0.04]], spotVol: { A: { beta: -0.4, volChange: "relative" } } });
    for (let s = 0; s < 50; s++) {
      expect(sc.volShift[s * 2]).toBeCloseTo(Math.max(0.05, 1 - 0.4 * sc.spotLogReturn[s * 2]!) - 1, 15);
      expect(sc.volShift[s * 2 + 1]).toBe(0);
    }
    const big = monteCarloScenarios(k, { assets: ["A"], scenarios: 50, seed: 1, covariance: [[100]], spotVol: { beta: -1, volChange: "relative", floor: 0.2 } });
    expect(Math.min(...big.volShift)).toBeCloseTo(-0.8, 15); // floor 0.2 → shift ≥ −0.8
  });
  it("stressed weighting: the stressed rows carry the stated share", () => {
    const r = logReturns(parsePriceCsv("date,A\n2020-01-01,100\n2020-01-02,101\n2020-01-03,99\n2020-01-04,98\n2020-01-05,102\n2020-01-06,103\n"));
    const sc = historicalScenarios(r, { window: 3, stressed: { from: "2020-01-02", to: "2020-01-03" }, stressWeight: 0.25 });
    expect(sc.labels).toEqual(["2020-01-04", "2020-01-05", "2020-01-06", "2020-01-02", "2020-01-03"]);
    expect(Array.from(sc.weights!)).toEqual([0.25, 0.25, 0.25, 0.125, 0.125]);
    const mixed = mixScenarioSets(sc, sc, 0.5);
    expect(mixed.weights!.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 15);
    expect(() => historicalScenarios(r, { stressed: { from: "2021-01-01", to: "2021-02-01" } })).toThrow("historicalScenarios.stressed");
    expect(() => historicalScenarios(r, { assets: ["B"] })).toThrow("historicalScenarios.assets[0]");
  });
  it("tail weights: ties at VaR share the remainder so Σ τ = (1 − α)·W", () => {
    const pnl = Float64Array.from([-5, -3, -3, -3, 0, 1, 2, 3, 4, 5]);
    const t = k.varEs(pnl, null, 0.75); // k = ⌈7.5⌉ = 8th smallest loss = 3
    expect(t.var).toBe(3);
    const tw = tailWeights(pnl, undefined, 0.75, t.var);
    expect(tw.tau.reduce((s, x) => s + x, 0)).toBeCloseTo(2.5, 14);
    let es = 0;
    tw.index.forEach((s, a) => (es += (tw.tau[a]! * -pnl[s]!) / tw.denominator));
    expect(es).toBeCloseTo(t.es, 13);
  });
});

describe("esMargin: policy validation", () => {
  it("names the field and what was expected", async () => {
    const e = await createEngine({ backend: "js" });
    expect(() => e.margin(exampleBook, market, { method: "hs" })).toThrow("policy.history");
    expect(() => e.margin(exampleBook, market, { method: "mc" })).toThrow("a risk `model`");
    expect(() => e.margin(exampleBook, market, { method: "mc", model, confidence: 1 } as never)).toThrow(OffsetInputError);
    expect(() => e.margin(exampleBook, market, { method: "mc", model: { ...model, factors: ["BTC"], vols: [0.02], correlation: [[1]] } })).toThrow("an entry for ETH");
    expect(() => e.margin(exampleBook, market, { method: "var" } as never)).toThrow("policy.method");
  });
});

describe("MC ES against closed forms (linear books)", () => {
  const k = createJsKernels();
  const a = [3, -1, 2]; // USD per unit log return, the exposures of a linear book
  const vols = [0.03, 0.04, 0.05];
  const corr = [
    [1, 0.6, 0.3],
    [0.6, 1, 0.5],
    [0.3, 0.5, 1],
  ];
  let sp2 = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sp2 += a[i]! * a[j]! * vols[i]! * vols[j]! * corr[i]![j]!;
  const sp = Math.sqrt(sp2);
  const m = 200_000;

  it.each([
    [0.975, false],
    [0.99, false],
    [0.995, false],
    [0.99, true],
  ])("Gaussian copula, α = %f, antithetic %s: within 3 standard errors of σ_p·φ(z_α)/(1 − α)", (alpha, antithetic) => {
    const sc = monteCarloScenarios(k, { assets: ["A", "B", "C"], correlation: corr, vols, scenarios: m, seed: 2025, antithetic });
    const pnl = linearPnl(sc.spotLogReturn, a, m);
    const t = k.varEs(pnl, null, alpha);
    const exact = (sp * phi(Z[alpha]!)) / (1 - alpha);
    const se = esStandardError(Float64Array.from(pnl, (p) => -p), alpha, t.var, t.es);
    console.log(`Gaussian α=${alpha} antithetic=${antithetic}: ES ${t.es.toFixed(6)} vs ${exact.toFixed(6)} → ${((t.es - exact) / se).toFixed(2)} SE (SE ${(se / exact * 100).toFixed(2)}%)`);
    // 3 standard errors: a false failure has probability ≈ 0.27% per case (the seed is fixed, so the test is stable)
    expect(Math.abs(t.es - exact)).toBeLessThan(3 * se);
  });

  it("t quantile helper reproduces the ν = 4 closed form", () => {
    // ν = 4: t_p = sign·2·√(q − 1), q = cos(arccos(√ψ)/3)/√ψ, ψ = 4p(1 − p) (Shaw 2006, "Sampling Student's T")
    for (const p of [0.975, 0.99, 0.995]) {
      const psi = 4 * p * (1 - p);
      const q = Math.cos(Math.acos(Math.sqrt(psi)) / 3) / Math.sqrt(psi);
      expect(tQuantile(p, 4)).toBeCloseTo(2 * Math.sqrt(q - 1), 11);
    }
  });

  it.each([
    [4, 0.99],
    [5, 0.975],
    [5, 0.995],
  ])("Student-t copula ν = %d, α = %f: within 3 standard errors of the analytic t ES", (nu, alpha) => {
    const sc = monteCarloScenarios(k, { assets: ["A", "B", "C"], correlation: corr, vols, scenarios: m, seed: 99, copula: { studentT: nu } });
    const pnl = linearPnl(sc.spotLogReturn, a, m);
    const t = k.varEs(pnl, null, alpha);
    // unit-variance t margins: a·x = σ_p·√((ν−2)/ν)·T_ν; ES of T_ν = f_ν(t_α)/(1−α)·(ν + t_α²)/(ν − 1)
    const ta = tQuantile(alpha, nu);
    const exact = sp * Math.sqrt((nu - 2) / nu) * (tPdf(ta, nu) / (1 - alpha)) * ((nu + ta * ta) / (nu - 1));
    const se = esStandardError(Float64Array.from(pnl, (p) => -p), alpha, t.var, t.es);
    console.log(`Student-t ν=${nu} α=${alpha}: ES ${t.es.toFixed(6)} vs ${exact.toFixed(6)} → ${((t.es - exact) / se).toFixed(2)} SE (SE ${(se / exact * 100).toFixed(2)}%)`);
    expect(Math.abs(t.es - exact)).toBeLessThan(3 * se);
  });

  it("through engine.margin: a long BTC future's MC ES = the lognormal closed form (Black-76 put identity) within 3 SE", async () => {
    const e = await createEngine({ backend: "js" });
    const q = 10;
    const sigma = 0.03;
    const book = { positions: [{ instrument: "BTC-28MAR25", quantity: q, entryPrice: 100000 }], collateral: {} };
    const S = market.underlyings.BTC.index as number;
    const res = e.margin(book, market, { method: "mc", model: { factors: ["BTC"], vols: [sigma], correlation: [[1]] }, scenarios: m, seed: 5, confidence: 0.99, revaluation: "full" });
    // USD P&L = q·S·(e^x − 1) (inverse future), x ~ N(0, σ²). VaR = qS(1 − K), K = e^{−z_α σ};
    // E[e^x; x < ln K] = K(1 − α) − P, P = Black-76 put (F = e^{σ²/2}, strike K, σ√T = σ, r = 0) → ES = qS(1 − K + P/(1 − α)).
    const K = Math.exp(-Z[0.99]! * sigma);
    const P = e.black76({ forward: Math.exp((sigma * sigma) / 2), strike: K, timeToExpiry: 1, vol: sigma, isCall: false }).price;
    const exact = q * S * (1 - K + P / 0.01);
    console.log(`lognormal future: ES ${res.es.es.toFixed(2)} vs ${exact.toFixed(2)} (${((res.es.es / exact - 1) * 100).toFixed(3)}%)`);
    // SE of the ES estimate for a near-normal tail at n = 200k, α = 0.99 is 0.39% of ES (measured by the Gaussian
    // case above with esStandardError; σ = 3% makes e^x − 1 nearly linear): 3 SE = 1.2%
    expect(Math.abs(res.es.es - exact) / exact).toBeLessThan(0.012);
    expect(res.initialMargin).toBeCloseTo(res.es.es, 6);
    expect(res.maintenanceMargin).toBeCloseTo(0.75 * res.es.es, 6);
  });
});

describe("HS: VaR is the order statistic of the kernels' definition", () => {
  it("VaR = L_(⌈nα⌉) (ascending, 1-based) and ES the Acerbi–Tasche mean of the tail, on a 40-return sample", async () => {
    // 41 closes → 40 log returns of a deterministic walk (no ties); labels d001…d041 sort as ISO dates would
    const lines = ["date,BTC"];
    let p = 100;
    for (let i = 1; i <= 41; i++) {
      lines.push(`d${String(i).padStart(3, "0")},${p.toFixed(6)}`);
      p *= Math.exp(0.03 * Math.sin(i * 1.7 + 0.3) + 0.001 * i * (i % 3 === 0 ? -1 : 1));
    }
    const csv = lines.join("\n");
    const e = await createEngine({ backend: "js" });
    const book = { positions: [{ instrument: "BTC-PERPETUAL", quantity: 2 }], collateral: {} };
    const S = market.underlyings.BTC.index as number;
    const r = e.margin(book, market, { method: "hs", history: csv, confidence: 0.95, revaluation: "full" });
    const h = parsePriceCsv(csv).prices[0]!;
    const losses: number[] = [];
    for (let i = 1; i < h.length; i++) losses.push(-2 * S * (h[i]! / h[i - 1]! - 1)); // inverse perp: USD P&L = q·S·(m − 1)
    losses.sort((x, y) => x - y);
    expect(r.es.scenarios).toBe(40);
    // α = 0.95: k = ⌈38⌉ = 38 → VaR = L_(38); ES = mean of L_(39), L_(40) ((1 − α)·n = 2 scenarios exactly)
    expect(r.es.var).toBeCloseTo(losses[37]!, 8);
    expect(r.es.es).toBeCloseTo((losses[38]! + losses[39]!) / 2, 8);
    // α = 0.975: k = 39 → L_(39), ES = L_(40); α = 0.99: k = ⌈39.6⌉ = 40 → VaR = ES = L_(40)
    const at = (c: number) => r.es.measures.find((x) => x.confidence === c)!;
    expect(at(0.975).var).toBeCloseTo(losses[38]!, 8);
    expect(at(0.975).es).toBeCloseTo(losses[39]!, 8);
    expect(at(0.99).var).toBeCloseTo(losses[39]!, 8);
    expect(at(0.99).es).toBeCloseTo(losses[39]!, 8);
    // the worst scenario is dated
    expect(r.worst[0]!.description).toMatch(/^d\d{3}: BTC −/);
  });
});

describe("fast path vs full revaluation, Euler allocation", () => {
  it("option book, MC 20k: max |fast − full| within the surfaces' error estimate; ES differs by less; contributions add up", async () => {
    const e = await createEngine({ backend: "wasm" });
    const policy = { method: "mc" as const, model, scenarios: 20_000, seed: 11 };
    const fast = e.margin(exampleBook, market, { ...policy, revaluation: "fast" });
    const full = e.margin(exampleBook, market, { ...policy, revaluation: "full" });
    const bound = fast.es.surfaces!.reduce((s, x) => s + x.errorEstimate, 0);
    // the per-scenario difference needs the P&L vectors: recompute them through the exported pieces
    const { esScenarios, buildSurfaces, surfacePnl, fullPnl, esPolicySchema } = await import("./es.js");
    const { valueBook } = await import("../valuation.js");
    const { parseBook } = await import("../model.js");
    const { parseMarket } = await import("../market/snapshot.js");
    const { valuation, resolved } = valueBook(e.kernels, parseBook(exampleBook), parseMarket(market));
    const base = Float64Array.from(valuation.positions, (p) => (p.kind === "option" ? p.valueUsd : 0));
    const sc = esScenarios(e.kernels, resolved.underlyings, esPolicySchema.parse(policy));
    const a = surfacePnl(buildSurfaces(e.kernels, resolved, base, sc), sc);
    const b = fullPnl(e.kernels, resolved, base, sc);
    let maxErr = 0;
    let scale = 0;
    for (let s = 0; s < sc.count; s++) ((maxErr = Math.max(maxErr, Math.abs(a[s]! - b[s]!))), (scale = Math.max(scale, Math.abs(b[s]!))));
    console.log(`fast path: max |fast − full| ${maxErr.toExponential(3)} USD (max |P&L| ${scale.toFixed(0)}), estimate Σ ${bound.toExponential(3)}, ES ${fast.es.es.toFixed(4)} vs ${full.es.es.toFixed(4)}`);
    // cubic interpolation errors peak near cell centres, where the estimate is measured; the stencil near the range ends
    // can do slightly worse, hence the factor 2 (measured ratio maxErr/estimate ≈ 0.3–1)
    expect(maxErr).toBeLessThanOrEqual(2 * bound);
    // ES is monotone and translation-equivariant, so |ES(a) − ES(b)| ≤ max_s |a_s − b_s| exactly
    expect(Math.abs(fast.es.es - full.es.es)).toBeLessThanOrEqual(maxErr + 1e-9 * full.es.es);
    expect(Math.abs(fast.es.es - full.es.es) / full.es.es).toBeLessThan(1e-5);
    // Euler: by underlying = ES (fast: from the surfaces; full: from positions), by position + residual = ES
    for (const r of [fast, full] as EsMarginResult[]) {
      const byU = r.es.contributions.byUnderlying.reduce((s, x) => s + x.es, 0);
      const byP = r.es.contributions.byPosition.reduce((s, x) => s + x.es, 0);
      expect(byU).toBeCloseTo(r.es.es, 6);
      expect(byP + r.es.contributions.residual).toBeCloseTo(r.es.es, 6);
    }
    expect(Math.abs(full.es.contributions.residual)).toBeLessThan(1e-9 * full.es.es);
    expect(Math.abs(fast.es.contributions.residual)).toBeLessThanOrEqual(maxErr);
  });

  it("scenarios on the spot–vol curve get 1-D tables on it; the same moves without volLinks get 2-D tables; both within their estimates", async () => {
    const e = await createEngine({ backend: "wasm" });
    const { esScenarios, buildSurfaces, surfacePnl, fullPnl, esPolicySchema } = await import("./es.js");
    const { valueBook } = await import("../valuation.js");
    const { parseBook } = await import("../model.js");
    const { parseMarket } = await import("../market/snapshot.js");
    const { valuation, resolved } = valueBook(e.kernels, parseBook(exampleBook), parseMarket(market));
    const base = Float64Array.from(valuation.positions, (p) => (p.kind === "option" ? p.valueUsd : 0));
    const sc = esScenarios(e.kernels, resolved.underlyings, esPolicySchema.parse({ method: "mc", model, scenarios: 20_000, seed: 5 }));
    expect(sc.volLinks).toBeTruthy(); // the sample model links vols to spot
    const full = fullPnl(e.kernels, resolved, base, sc);
    const free = { ...sc, volLinks: undefined }; // same moves, not known to lie on a curve
    for (const [set, curve] of [[sc, true], [free, false]] as const) {
      const surfaces = buildSurfaces(e.kernels, resolved, base, set);
      for (const s of surfaces.filter((x) => x.options > 0)) {
        expect(s.volOnCurve, s.underlying).toBe(curve);
        expect(s.nv, s.underlying).toBe(curve ? 1 : 8);
      }
      const fast = surfacePnl(surfaces, set);
      let maxErr = 0;
      for (let s = 0; s < set.count; s++) maxErr = Math.max(maxErr, Math.abs(fast[s]! - full[s]!));
      // the factor 2 as above (cell-centre estimate vs the stencil near the range ends)
      expect(maxErr, curve ? "curve" : "2-D").toBeLessThanOrEqual(2 * surfaces.reduce((a, x) => a + x.errorEstimate, 0));
    }
  });

  it("weighted (stressed) ES: contributions still add up; histogram mass = total weight", async () => {
    const csv = sharedData("crypto_daily_close_usd.csv");
    if (!csv) return;
    const e = await createEngine({ backend: "js" });
    const r = e.margin(exampleBook, market, { method: "hs", history: readFileSync(csv, "utf8"), window: 500, asOf: "2025-02-19", stressed: { from: "2020-02-15", to: "2020-04-15", weight: 0.25 }, revaluation: "full" });
    expect(r.es.weighted).toBe(true);
    expect(r.es.contributions.byPosition.reduce((s, x) => s + x.es, 0)).toBeCloseTo(r.es.es, 6);
    expect(r.es.histogram.counts.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    const unweighted = e.margin(exampleBook, market, { method: "hs", history: readFileSync(csv, "utf8"), window: 500, asOf: "2025-02-19", revaluation: "full" });
    console.log(`HS 500d ES ${unweighted.es.es.toFixed(0)} → with 25% on Feb–Apr 2020 ${r.es.es.toFixed(0)}`);
    expect(r.es.es).toBeGreaterThan(unweighted.es.es);
  });
});

describe("determinism across backends", () => {
  it("MC scenarios and the ES margin are identical on js, wasm and wasm-simd", async () => {
    const backends = await allBackends();
    const sets = backends.map(({ k }) => monteCarloScenarios(k as Kernels, { assets: ["BTC", "ETH"], correlation: model.correlation, vols: model.vols, copula: { studentT: 4 }, scenarios: 70_001, seed: 42n, spotVol: { beta: -0.386, volChange: "relative" } }));
    for (const s of sets.slice(1)) {
      expect(s.spotLogReturn).toEqual(sets[0]!.spotLogReturn);
      expect(s.volShift).toEqual(sets[0]!.volShift);
    }
    const results = [];
    for (const b of ["js", "wasm"] as const) results.push((await createEngine({ backend: b })).margin(exampleBook, market, { method: "mc", model, scenarios: 30_000, seed: 8 }));
    // same scenarios; prices agree to ~1e-15 relative between backends (identical Black-76 bits are the kernels'
    // contract), ES through selection to the last bits: 1e-12 relative
    expect(Math.abs(results[0]!.es.es - results[1]!.es.es) / results[0]!.es.es).toBeLessThan(1e-12);
    expect(results[0]!.worst.map((w) => w.index)).toEqual(results[1]!.worst.map((w) => w.index));
  });
});

describe("FHS on BTC/ETH daily history: the March 2020 crash", () => {
  it("the FHS margin jumps the day after 2020-03-12; HS barely moves", async () => {
    const file = sharedData("crypto_daily_close_usd.csv");
    if (!file) return;
    const history = parsePriceCsv(readFileSync(file, "utf8"), { columns: ["BTC", "ETH"] });
    const e = await createEngine();
    const book = { positions: [{ instrument: "BTC-PERPETUAL", quantity: 1 }, { instrument: "ETH_USDC-PERPETUAL", quantity: 20, entryPrice: 2800 }], collateral: {} };
    const rets = logReturns(history, {});
    const days = rets.dates.filter((d) => d >= "2020-03-05" && d <= "2020-03-20");
    const rows = days.map((d) => {
      const fhs = e.margin(book, market, { method: "fhs", history, asOf: d, window: 1000 });
      const hs = e.margin(book, market, { method: "hs", history, asOf: d, window: 1000 });
      const i = rets.dates.indexOf(d);
      return {
        "as of close": d,
        "BTC return": +(Math.expm1(rets.data[i * 2]!) * 100).toFixed(2),
        "ETH return": +(Math.expm1(rets.data[i * 2 + 1]!) * 100).toFixed(2),
        "BTC σ next day %": +(fhs.es.volatility![0]!.forecast * 100).toFixed(2),
        "FHS ES 99% USD": Math.round(fhs.es.es),
        "HS ES 99% USD": Math.round(hs.es.es),
      };
    });
    console.table(rows);
    const at = (d: string) => rows.find((r) => r["as of close"] === d)!;
    // the largest day-over-day rise of the window is the day after the crash (03-08's −9%/−16% raised it by ~35%)
    const rises = rows.slice(1).map((r, i) => ({ d: r["as of close"], x: r["FHS ES 99% USD"] / rows[i]!["FHS ES 99% USD"] }));
    expect(rises.reduce((m, r) => (r.x > m.x ? r : m)).d).toBe("2020-03-12");
    // the 2020-03-12 return (BTC −39%) enters the EWMA: the margin for 03-13 is more than 1.8× the one for 03-12
    expect(at("2020-03-12")["FHS ES 99% USD"]).toBeGreaterThan(1.8 * at("2020-03-11")["FHS ES 99% USD"]);
    // HS over 1000 days: one more bad day among 1000 moves its 99% ES far less than FHS
    expect(at("2020-03-12")["HS ES 99% USD"] / at("2020-03-11")["HS ES 99% USD"]).toBeLessThan(at("2020-03-12")["FHS ES 99% USD"] / at("2020-03-11")["FHS ES 99% USD"]);
  });
});

describe("progress callback (EsPolicy.progress): reported per chunk, results unchanged", () => {
  it("MC fast and full: stages in order, done rises to total, the same bits as without the callback", async () => {
    const e = await createEngine({ backend: "js" });
    // 140,001 scenarios: 70,001 draws = 2 RNG streams of 65,536; revaluation in 3 chunks of 65,536
    for (const revaluation of ["fast", "full"] as const) {
      const policy = { method: "mc" as const, model, scenarios: 140_001, seed: 3, revaluation, worst: 3 };
      const events: [string, number, number][] = [];
      const withBar = e.margin(exampleBook, market, { ...policy, progress: (stage, done, total) => events.push([stage, done, total]) });
      const without = e.margin(exampleBook, market, policy);
      expect(withBar.es.es).toBe(without.es.es);
      expect(withBar.initialMargin).toBe(without.initialMargin);
      expect(events).toEqual([
        ["scenarios", 65_536, 70_001],
        ["scenarios", 70_001, 70_001],
        ["revaluation", 65_536, 140_001],
        ["revaluation", 131_072, 140_001],
        ["revaluation", 140_001, 140_001],
      ]);
    }
  });

  it("the report's Monte Carlo ES reports through marginReport's options; a non-function is rejected", async () => {
    const e = await createEngine({ backend: "js" });
    const stages = new Set<string>();
    const { marginReport } = await import("../index.js");
    marginReport(e, exampleBook, market, { ...model, scenarios: 2_000 }, undefined, { progress: (s) => stages.add(s) });
    expect([...stages]).toEqual(["scenarios", "revaluation"]);
    expect(() => e.margin(exampleBook, market, { method: "mc", model, scenarios: 100, progress: 1 as never })).toThrow(/policy\.progress: expected a function/);
  });
});

describe("dynamic thresholds (policy.dynamic): the margin moves with today's EWMA vol within the APC bounds", () => {
  // a synthetic daily BTC history: 600 Gaussian returns of 2% (Box–Muller over a fixed LCG), the last `tail` of
  // them multiplied by `k` — the same HS scenarios up to the tail, a different EWMA forecast
  function history(k: number, tail: number): string {
    let state = 12345;
    const uni = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0), (state + 0.5) / 4294967296);
    let p = 50000;
    const lines = ["date,BTC"];
    const day = Date.UTC(2020, 0, 1);
    for (let i = 0; i <= 600; i++) {
      lines.push(`${new Date(day + i * 86400000).toISOString().slice(0, 10)},${p}`);
      const z = Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni());
      p *= Math.exp(0.02 * z * (i >= 600 - tail ? k : 1));
    }
    return lines.join("\n");
  }
  const book = { positions: [{ instrument: "BTC-PERPETUAL", quantity: 1 }], collateral: {} };
  const policy = (csv: string, dynamic: boolean) => ({
    method: "hs" as const, history: csv, window: 500, revaluation: "full" as const,
    addOns: { apc: { buffer: 0.25, floorYears: 1 } }, ...(dynamic ? { dynamic: {} } : {}),
  });

  it("needs the APC bounds; the factor is today's EWMA vol over the scenarios' vol (independent recomputation)", async () => {
    const e = await createEngine({ backend: "js" });
    const csv = history(2, 20);
    expect(() => e.margin(book, market, { method: "hs", history: csv, dynamic: {} })).toThrow(/policy\.addOns\.apc/);
    const r = e.margin(book, market, policy(csv, true));
    const rets = logReturns(parsePriceCsv(csv), {});
    const u = Array.from(rets.data);
    const v0 = u.slice(0, 30).reduce((a, x) => a + x * x, 0) / 30;
    const today = (await import("../risk/volatility.js")).ewmaVolatility(u, { lambda: 0.94, initialVariance: v0 }).at(-1)!;
    const win = u.slice(-500);
    const m = win.reduce((a, x) => a + x, 0) / 500;
    const sd = Math.sqrt(win.reduce((a, x) => a + (x - m) ** 2, 0) / 500);
    // same formulas, different summation order: 1e-12 relative
    expect(r.es.dynamic!.factor).toBeCloseTo(today / sd, 12);
    expect(r.es.dynamic!.byUnderlying[0]!.today).toBeCloseTo(today, 14);
  });

  it("rises with today's vol, and never falls below max(floor ES, (1 − buffer) × static ES margin)", async () => {
    const e = await createEngine({ backend: "js" });
    const rows = [0.2, 1, 2, 3].map((k) => {
      const csv = history(k, 20);
      const s = e.margin(book, market, policy(csv, false));
      const d = e.margin(book, market, policy(csv, true));
      return { k, factor: d.es.dynamic!.factor, static: s.es.esMargin, dynamic: d.es.esMargin, bound: d.es.dynamic!.bound, floor: d.es.floorEs!, im: d.initialMargin };
    });
    console.table(rows);
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i]!.factor).toBeGreaterThan(rows[i - 1]!.factor);
      expect(rows[i]!.dynamic).toBeGreaterThan(rows[i - 1]!.dynamic);
    }
    for (const x of rows) {
      expect(x.dynamic).toBeGreaterThanOrEqual(x.floor);
      expect(x.dynamic).toBeGreaterThanOrEqual(0.75 * x.static);
      expect(x.dynamic).toBe(Math.max(x.static * x.factor, x.bound));
      // IM = dynamic ES margin + 25% buffer on it (no grid, no other add-ons)
      expect(x.im).toBeCloseTo(1.25 * x.dynamic, 8);
    }
    // calm (k = 0.2): today's vol is far below the window's, the bound binds; 3× vol: the margin is above the static one
    expect(rows[0]!.dynamic).toBe(rows[0]!.bound);
    expect(rows[3]!.dynamic).toBeGreaterThan(rows[3]!.static);
  });
});
