import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createJsKernels } from "@offset/kernels";
import { sharedData } from "@offset/kernels/testing";
import { OffsetInputError } from "../errors.js";
import { logReturns, parsePriceCsv, returnColumn } from "./returns.js";
import { ewmaVolatility, fitGarch, lnGamma, RISKMETRICS_DAILY_LAMBDA, RISKMETRICS_MONTHLY_LAMBDA } from "./volatility.js";

describe("ewmaVolatility", () => {
  const file = sharedData("ewma_reference.json");
  it.skipIf(!file)("Hull's example and the RiskMetrics decays (ewma_reference.json)", () => {
    const ref = JSON.parse(readFileSync(file!, "utf8")) as {
      cases: { inputs: { lambda: number; sigma_prev_daily: number; u_prev: number }; expected: { variance: number; sigma_daily: number }; tolerance_abs: { variance: number; sigma_daily: number } }[];
      riskmetrics_facts: { daily_decay: number; monthly_decay: number };
    };
    const c = ref.cases[0]!;
    const v = ewmaVolatility([c.inputs.u_prev], { lambda: c.inputs.lambda, initialVariance: c.inputs.sigma_prev_daily ** 2 });
    expect(v.length).toBe(2);
    expect(v[0]).toBe(c.inputs.sigma_prev_daily);
    // the reference's tolerances: 1e-12 on the variance, 5e-5 on the vol (Hull rounds it to 1.14%)
    expect(Math.abs(v[1]! ** 2 - c.expected.variance)).toBeLessThan(c.tolerance_abs.variance);
    expect(Math.abs(v[1]! - c.expected.sigma_daily)).toBeLessThan(c.tolerance_abs.sigma_daily);
    expect(RISKMETRICS_DAILY_LAMBDA).toBe(ref.riskmetrics_facts.daily_decay);
    expect(RISKMETRICS_MONTHLY_LAMBDA).toBe(ref.riskmetrics_facts.monthly_decay);
    console.log(`EWMA Hull check: σ² = ${v[1]! ** 2} (0.00013), σ = ${v[1]} (1.14%)`);
  });

  it("the weights decay geometrically: an impulse k steps back weighs (1 − λ)·λᵏ (RiskMetrics eq. 5.1)", () => {
    for (const lambda of [0.94, 0.97]) {
      const u = new Float64Array(100);
      u[60] = 1;
      const v = ewmaVolatility(u, { lambda, initialVariance: 0 });
      // σ²[100] = (1 − λ)·λ^(99 − 60): pow and the recursion round differently, 1e-14 relative
      expect(v[100]! ** 2 / ((1 - lambda) * lambda ** 39)).toBeCloseTo(1, 13);
      expect(v[60]).toBe(0);
      expect(v[61]! ** 2).toBeCloseTo(1 - lambda, 15);
    }
  });

  it("default start u₀² (no look-ahead); constant returns give a constant vol; output length n + 1", () => {
    const v = ewmaVolatility([0.03, -0.01, 0.02], { lambda: 0.94 });
    expect(v.length).toBe(4);
    expect(v[0]).toBeCloseTo(0.03, 16);
    expect(v[1]).toBeCloseTo(0.03, 16);
    expect(v[2]! ** 2).toBeCloseTo(0.94 * 0.0009 + 0.06 * 0.0001, 16);
    const flat = ewmaVolatility(new Array(50).fill(-0.02), { lambda: 0.97 });
    for (const x of flat) expect(x).toBeCloseTo(0.02, 15);
  });

  it("bad input", () => {
    expect(() => ewmaVolatility([], { lambda: 0.94 })).toThrow(/at least 1 returns/);
    expect(() => ewmaVolatility([0.1, NaN], { lambda: 0.94 })).toThrow(/ewmaVolatility.returns\[1\]: expected a finite number/);
    for (const lambda of [0, 1, NaN, -0.5]) expect(() => ewmaVolatility([0.1], { lambda })).toThrow(/ewmaVolatility.lambda/);
    expect(() => ewmaVolatility([0.1], { lambda: 0.9, initialVariance: -1 })).toThrow(/initialVariance/);
    expect(() => ewmaVolatility("0.1" as never, { lambda: 0.9 })).toThrow(OffsetInputError);
  });
});

describe("lnGamma", () => {
  it("known values", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(2)).toBeCloseTo(0, 14);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(lnGamma(2.5)).toBeCloseTo(Math.log(0.75 * Math.sqrt(Math.PI)), 14);
    expect(lnGamma(171) / (170 * Math.log(170) - 170 + 0.5 * Math.log(2 * Math.PI * 170) + 1 / (12 * 170) - 1 / (360 * 170 ** 3))).toBeCloseTo(1, 13); // Stirling series to 1/n³ (next term 1/(1260n⁵) ≈ 1e-14)
  });
});

/** A GARCH(1,1) path from the kernels' xoshiro256** normals (or t draws, standardised to unit variance). */
function simulateGarch(n: number, p: { mu: number; omega: number; alpha: number; beta: number; nu?: number }, seed: bigint): Float64Array {
  const k = createJsKernels();
  const state = new Uint32Array(8);
  k.rngSeed(state, seed);
  const z = new Float64Array(n + 500);
  if (p.nu === undefined) k.rngNormal(state, z);
  else {
    k.rngStudentT(state, p.nu, z);
    const scale = Math.sqrt((p.nu - 2) / p.nu);
    for (let i = 0; i < z.length; i++) z[i] = z[i]! * scale;
  }
  const out = new Float64Array(n);
  let v = p.omega / (1 - p.alpha - p.beta);
  for (let i = 0; i < z.length; i++) {
    const e = Math.sqrt(v) * z[i]!;
    if (i >= 500) out[i - 500] = p.mu + e; // 500 burn-in steps forget the start
    v = p.omega + p.alpha * e * e + p.beta * v;
  }
  return out;
}

describe("fitGarch", () => {
  // Recovery tolerance: 4 standard errors of the fit's own inverse-Hessian (asymptotic) standard errors. For a correct
  // MLE the estimation error is ≈ N(0, SE²), so |θ̂ − θ| > 4·SE has probability 6e-5 per parameter; with a fixed seed
  // the check is deterministic, and it fails for a wrong likelihood (bias of many SE at n = 20,000). The SEs are also
  // required to be small (the data pin the parameters down), so the test cannot pass by inflating them.
  it("recovers known parameters (normal innovations, n = 20,000)", () => {
    const truth = { mu: 0.0005, omega: 1e-5, alpha: 0.1, beta: 0.85 };
    const fit = fitGarch(simulateGarch(20_000, truth, 20240601n));
    expect(fit.converged).toBe(true);
    for (const key of ["mu", "omega", "alpha", "beta"] as const) {
      expect(Math.abs(fit[key] - truth[key])).toBeLessThan(4 * fit.standardErrors[key]);
    }
    expect(fit.standardErrors.alpha).toBeLessThan(0.01);
    expect(fit.standardErrors.beta).toBeLessThan(0.02);
    expect(fit.volatility.length).toBe(20_001);
    expect(fit.persistence).toBeCloseTo(fit.alpha + fit.beta, 15);
    console.log(`GARCH normal recovery: ω ${fit.omega.toExponential(3)} ± ${fit.standardErrors.omega.toExponential(1)}, α ${fit.alpha.toFixed(4)} ± ${fit.standardErrors.alpha.toFixed(4)}, β ${fit.beta.toFixed(4)} ± ${fit.standardErrors.beta.toFixed(4)} (truth 1e-5, 0.1, 0.85)`);
  });

  it("recovers known parameters (Student-t innovations, ν = 5, n = 20,000)", () => {
    const truth = { mu: 0, omega: 2e-5, alpha: 0.08, beta: 0.9, nu: 5 };
    const fit = fitGarch(simulateGarch(20_000, truth, 77n), { distribution: "t" });
    expect(fit.converged).toBe(true);
    for (const key of ["mu", "omega", "alpha", "beta", "nu"] as const) {
      expect(Math.abs(fit[key]! - truth[key])).toBeLessThan(4 * fit.standardErrors[key]!);
    }
    expect(fit.standardErrors.nu).toBeLessThan(0.5);
    // the normal fit of the same t data has a lower likelihood (nested model, ν → ∞)
    expect(fitGarch(simulateGarch(20_000, truth, 77n)).logLikelihood).toBeLessThan(fit.logLikelihood);
    console.log(`GARCH t recovery: α ${fit.alpha.toFixed(4)} ± ${fit.standardErrors.alpha.toFixed(4)}, β ${fit.beta.toFixed(4)} ± ${fit.standardErrors.beta.toFixed(4)}, ν ${fit.nu!.toFixed(3)} ± ${fit.standardErrors.nu!.toFixed(3)} (truth 0.08, 0.9, 5)`);
  });

  it("the volatility path follows the recursion; the fit is deterministic; mean: zero fixes μ", () => {
    const r = simulateGarch(3000, { mu: 0, omega: 1e-5, alpha: 0.05, beta: 0.9 }, 5n);
    const fit = fitGarch(r, { mean: "zero" });
    expect(fit.mu).toBe(0);
    expect(fit.standardErrors.mu).toBe(0);
    const v = fit.volatility;
    for (const t of [1, 100, 2999, 3000]) {
      expect(v[t]! ** 2 / (fit.omega + fit.alpha * r[t - 1]! ** 2 + fit.beta * v[t - 1]! ** 2)).toBeCloseTo(1, 12);
    }
    const again = fitGarch(r, { mean: "zero" });
    expect(again.alpha).toBe(fit.alpha);
    expect(again.volatility).toEqual(fit.volatility);
  });

  // Cross-check against an independent optimiser on the same likelihood: scipy 1.10 (Debian python3-scipy)
  // L-BFGS-B with bounds, then Nelder–Mead (xatol 1e-10, fatol 1e-15), best of three starts, on BTC daily log returns
  // 2018-01-02..2025-02-19 (n = 2606) scaled by their standard deviation, constant mean, the same backcast start.
  // Figures written here once (script: a loop over the returns in Python, as the file comment of volatility.ts).
  const SCIPY = {
    normal: { mu: 0.0014033711765561586, omega: 6.868743555216224e-5, alpha: 0.09967739338054013, beta: 0.8518124899183483, logLikelihood: 5159.893676702073 },
    t: { mu: 0.0007313571425689446, omega: 1.4478796054071934e-5, alpha: 0.07623526095224417, beta: 0.9237647390477531, nu: 3.1323610163847775, logLikelihood: 5485.242007849261 },
  };
  const csv = sharedData("crypto_daily_close_usd.csv");
  it.skipIf(!csv)("BTC daily 2018–2025: the same optimum as scipy (normal and t)", () => {
    const r = returnColumn(logReturns(parsePriceCsv(readFileSync(csv!, "utf8")), { assets: ["BTC"], from: "2018-01-01" }), 0);
    expect(r.length).toBe(2606);
    for (const dist of ["normal", "t"] as const) {
      const fit = fitGarch(r, { distribution: dist });
      const ref = SCIPY[dist];
      // the log-likelihood is what both maximise: ours is at least as high, and equal to 1e-8 (relative 2e-12)
      expect(fit.logLikelihood).toBeGreaterThan(ref.logLikelihood - 1e-8);
      expect(fit.logLikelihood - ref.logLikelihood).toBeLessThan(1e-6);
      // parameters: the two optimisers stop at slightly different points of a flat optimum; 1e-4 absolute on α, β
      // (their SEs are ~0.015) and 1e-3 relative on ω, ν, μ
      expect(Math.abs(fit.alpha - ref.alpha)).toBeLessThan(1e-4);
      expect(Math.abs(fit.beta - ref.beta)).toBeLessThan(1e-4);
      expect(Math.abs(fit.omega / ref.omega - 1)).toBeLessThan(1e-3);
      expect(Math.abs(fit.mu / ref.mu - 1)).toBeLessThan(1e-3);
      if (dist === "t") {
        expect(Math.abs(fit.nu! / SCIPY.t.nu - 1)).toBeLessThan(1e-3);
        // a fact of this sample: with fat tails the fit sits on the stationarity boundary (IGARCH), where the
        // Hessian standard errors do not exist and there is no long-run variance
        expect(fit.persistence).toBeGreaterThan(1 - 1e-6);
        expect(fit.longRunVariance).toBe(Infinity);
        expect(fit.standardErrors.alpha).toBeNaN();
      } else expect(Math.sqrt(fit.longRunVariance * 365)).toBeCloseTo(0.719, 3);
      const ann = (x: number) => `${(x * Math.sqrt(365) * 100).toFixed(1)}%`;
      console.log(
        `GARCH(1,1)-${dist} BTC 2018-01-02..2025-02-19 (n ${fit.observations}): μ ${fit.mu.toExponential(3)}, ω ${fit.omega.toExponential(3)}, α ${fit.alpha.toFixed(4)}, β ${fit.beta.toFixed(4)}` +
          (fit.nu ? `, ν ${fit.nu.toFixed(3)}` : "") +
          `, α+β ${fit.persistence.toFixed(6)}, lnL ${fit.logLikelihood.toFixed(3)}, SE α ${fit.standardErrors.alpha.toFixed(4)} β ${fit.standardErrors.beta.toFixed(4)}, forecast vol ${ann(fit.volatility[fit.observations]!)} (annualised √365), ${fit.iterations} NM iterations`,
      );
    }
  });

  it("bad input", () => {
    expect(() => fitGarch([0.01, 0.02])).toThrow(/at least 30 returns/);
    expect(() => fitGarch(new Array(40).fill(0.01))).toThrow(/returns that vary/);
    expect(() => fitGarch(new Array(40).fill(0).map((_, i) => (i % 2 ? 0.01 : -0.01)), { distribution: "cauchy" as never })).toThrow(/fitGarch.distribution/);
    expect(() => fitGarch(new Array(40).fill(0).map((_, i) => (i % 2 ? 0.01 : -0.01)), { mean: "ar1" as never })).toThrow(/fitGarch.mean/);
    expect(() => fitGarch([...new Array(39).fill(0.01), NaN])).toThrow(/fitGarch.returns\[39\]/);
  });
});
