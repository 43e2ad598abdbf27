import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedData } from "@offset/kernels/testing";
import { OffsetInputError } from "../errors.js";
import {
  correlationFromCovariance,
  ewmaCovariance,
  findStressWindow,
  ledoitWolf,
  nearestCorrelation,
  nearestPsd,
  sampleCovariance,
  stressedCovariance,
} from "./covariance.js";
import { logReturns, parsePriceCsv, returnColumn } from "./returns.js";
import { ewmaVolatility } from "./volatility.js";
import { symmetricEigen } from "../linalg.js";

// Generated once by /usr/bin/python3 with scikit-learn 1.2.1 (Debian bookworm python3-sklearn) and numpy 1.24.2:
//   X = synth(T, p, seed) (the MINSTD generator below, same arithmetic), LedoitWolf(assume_centered=...).fit(X);
//   real: np.log(P[1:] / P[:-1]) of crypto_daily_close_usd.csv, rows with any NaN dropped (the common window), LedoitWolf().fit(R).
const SKLEARN = {
  a: { T: 50, p: 5, seed: 12345, assumeCentered: false, shrinkage: 0.18453779291213257, diag: [0.1012683704968439,0.10540733085645092,0.09519994339828423], c01: 0.05251608697247583, trace: 0.5144072164449142, covariance: [[0.1012683704968439,0.05251608697247583,0.038291198284736,0.041950872471736955,0.04200996291151534],[0.05251608697247583,0.10540733085645092,0.02222410421733494,0.025528659677933076,0.021639172102623016],[0.038291198284736,0.02222410421733494,0.09519994339828423,0.00920390445699779,0.009020693777200682],[0.041950872471736955,0.025528659677933076,0.00920390445699779,0.10882060951406622,0.002278259713650306],[0.04200996291151534,0.021639172102623016,0.009020693777200682,0.002278259713650306,0.10371096217926894]] },
  b: { T: 20, p: 30, seed: 777, assumeCentered: false, shrinkage: 0.5456498900477834, diag: [0.08802684302495796,0.09156146288066253,0.103699745789851], c01: 0.015531654271662535, trace: 2.8654182020556975 },
  c: { T: 40, p: 4, seed: 99, assumeCentered: true, shrinkage: 0.20393401987183815, diag: [0.0889933565885336,0.09776238184546257,0.11737857795981958], c01: 0.03358017201119666, trace: 0.4006632905917838, covariance: [[0.0889933565885336,0.03358017201119666,0.04053051698105277,0.03334807278866476],[0.03358017201119666,0.09776238184546257,0.03677736138737861,0.021028046528855884],[0.04053051698105277,0.03677736138737861,0.11737857795981958,-0.000511401764234928],[0.03334807278866476,0.021028046528855884,-0.000511401764234928,0.096528974197968]] },
  real: { rows: 1776, first: "2020-04-11", shrinkage: 0.025992617534487828, covariance: [[0.001046146465447612,0.0010239430895270106,0.001079418661287287,0.000882089272264194,0.000919971016200487,0.001127916198938674,0.0010039613372700004,0.00103916123482156],[0.0010239430895270106,0.0017249547178206956,0.0016069682794627102,0.0012024844439313086,0.0012689712575704457,0.0013889228788516227,0.0014097662626024745,0.0014121031273794818],[0.001079418661287287,0.0016069682794627102,0.004416604351586666,0.0015197813409341945,0.0015862833265497282,0.0015620285509809187,0.001727964730605975,0.001499068616059054],[0.000882089272264194,0.0012024844439313086,0.0015197813409341945,0.0019682748427516357,0.001192389532042425,0.0011194889108828874,0.001273229747402914,0.0012390610178074435],[0.000919971016200487,0.0012689712575704457,0.0015862833265497282,0.001192389532042425,0.002991573936918354,0.001443197384525655,0.0015761115208862708,0.0015418871946907236],[0.001127916198938674,0.0013889228788516227,0.0015620285509809187,0.0011194889108828874,0.001443197384525655,0.005419019063637948,0.0016343546050099661,0.001564579567352642],[0.0010039613372700004,0.0014097662626024745,0.001727964730605975,0.001273229747402914,0.0015761115208862708,0.0016343546050099661,0.0025145400741007186,0.0015263010101172038],[0.00103916123482156,0.0014121031273794818,0.001499068616059054,0.0012390610178074435,0.0015418871946907236,0.001564579567352642,0.0015263010101172038,0.0021620452662181335]] },
};

/** MINSTD (Park & Miller 1988): every product < 2^47, so the doubles are exact and equal to the Python generator's. */
function synth(T: number, p: number, seed: number): number[][] {
  let s = seed;
  const u: number[] = [];
  for (let k = 0; k < T * p; k++) {
    s = (s * 48271) % 2147483647;
    u.push(s / 2147483647 - 0.5);
  }
  // a common factor: column 0 added to every other column with weight ½ (exact in binary, as in the Python script)
  return Array.from({ length: T }, (_, t) => Array.from({ length: p }, (_, j) => (j === 0 ? u[t * p]! : u[t * p + j]! + 0.5 * u[t * p]!)));
}

const maxAbs = (m: number[][]) => Math.max(...m.flat().map(Math.abs));
const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((r, i) => r.map((x, j) => Math.abs(x - b[i]![j]!))));

/**
 * The published formula, written independently with plain loops in the paper's notation (Ledoit & Wolf 2004,
 * J. Multivariate Anal. 88, Lemmas 3.2–3.4 and Theorem 3.1): ⟨A, B⟩ = tr(ABᵀ)/p, m = ⟨S, I⟩, d² = ‖S − mI‖²,
 * b̄² = (1/n²)·Σₖ ‖xₖxₖᵀ − S‖², b² = min(b̄², d²), a² = d² − b², Σ* = (b²/d²)·m·I + (a²/d²)·S.
 */
function ledoitWolfByHand(x: number[][], centre: boolean): { shrinkage: number; covariance: number[][] } {
  const n = x.length;
  const p = x[0]!.length;
  const mean = new Array<number>(p).fill(0);
  if (centre) for (const row of x) row.forEach((v, j) => (mean[j] = mean[j]! + v / n));
  const y = x.map((row) => row.map((v, j) => v - mean[j]!));
  const S: number[][] = [];
  for (let i = 0; i < p; i++) {
    S.push([]);
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += y[k]![i]! * y[k]![j]!;
      S[i]!.push(s / n);
    }
  }
  let m = 0;
  for (let i = 0; i < p; i++) m += S[i]![i]! / p;
  let d2 = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) d2 += (S[i]![j]! - (i === j ? m : 0)) ** 2 / p;
  let bbar2 = 0;
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) norm += (y[k]![i]! * y[k]![j]! - S[i]![j]!) ** 2 / p;
    bbar2 += norm / (n * n);
  }
  const b2 = Math.min(bbar2, d2);
  const a2 = d2 - b2;
  return { shrinkage: b2 / d2, covariance: S.map((row, i) => row.map((s, j) => (a2 / d2) * s + (i === j ? (b2 / d2) * m : 0))) };
}

/**
 * The constant-correlation target, written independently from the paper's appendix (Ledoit & Wolf, "Honey, I shrunk
 * the sample covariance matrix", J. Portfolio Management 2004): F, then π̂ = Σᵢⱼ AsyVar(√T·sᵢⱼ), ρ̂ = Σᵢ π̂ᵢᵢ +
 * Σᵢ≠ⱼ (r̄/2)(√(sⱼⱼ/sᵢᵢ)·ϑ̂ᵢᵢ,ᵢⱼ + √(sᵢᵢ/sⱼⱼ)·ϑ̂ⱼⱼ,ᵢⱼ), γ̂ = ‖F − S‖², δ = max(0, min(κ̂/T, 1)), κ̂ = (π̂ − ρ̂)/γ̂.
 */
function constantCorrelationByHand(x: number[][]): { shrinkage: number; covariance: number[][] } {
  const T = x.length;
  const p = x[0]!.length;
  const mean = Array.from({ length: p }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / T);
  const y = (t: number, i: number) => x[t]![i]! - mean[i]!;
  const sMat = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => {
      let v = 0;
      for (let t = 0; t < T; t++) v += y(t, i) * y(t, j);
      return v / T;
    }),
  );
  const s = (i: number, j: number) => sMat[i]![j]!;
  const r = (i: number, j: number) => s(i, j) / Math.sqrt(s(i, i) * s(j, j));
  let rbar = 0;
  for (let i = 0; i < p - 1; i++) for (let j = i + 1; j < p; j++) rbar += (2 / ((p - 1) * p)) * r(i, j);
  const f = (i: number, j: number) => (i === j ? s(i, i) : rbar * Math.sqrt(s(i, i) * s(j, j)));
  const piHat = (i: number, j: number) => {
    let v = 0;
    for (let t = 0; t < T; t++) v += (y(t, i) * y(t, j) - s(i, j)) ** 2;
    return v / T;
  };
  const theta = (k: number, i: number, j: number) => {
    let v = 0;
    for (let t = 0; t < T; t++) v += (y(t, k) ** 2 - s(k, k)) * (y(t, i) * y(t, j) - s(i, j));
    return v / T;
  };
  let pi = 0;
  let rho = 0;
  let gamma = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      pi += piHat(i, j);
      gamma += (f(i, j) - s(i, j)) ** 2;
      if (i === j) rho += piHat(i, i);
      else rho += (rbar / 2) * (Math.sqrt(s(j, j) / s(i, i)) * theta(i, i, j) + Math.sqrt(s(i, i) / s(j, j)) * theta(j, i, j));
    }
  }
  const delta = Math.max(0, Math.min((pi - rho) / gamma / T, 1));
  return { shrinkage: delta, covariance: Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => delta * f(i, j) + (1 - delta) * s(i, j))) };
}

describe("ledoitWolf (identity target) = scikit-learn's LedoitWolf", () => {
  // 1e-9: the brief's bar. Both sides sum the same products in a different order (numpy's pairwise/BLAS sums vs our
  // loops); the rounding difference is O(T·ε) ≈ 1e-13 relative here.
  for (const key of ["a", "b", "c"] as const) {
    const ref = SKLEARN[key];
    it(`synthetic case ${key}: T = ${ref.T}, p = ${ref.p}, assumeCentered ${ref.assumeCentered}`, () => {
      const x = synth(ref.T, ref.p, ref.seed);
      const lw = ledoitWolf(x, { assumeCentered: ref.assumeCentered });
      expect(Math.abs(lw.shrinkage - ref.shrinkage)).toBeLessThan(1e-9);
      const scale = maxAbs(lw.covariance);
      for (let i = 0; i < 3; i++) expect(Math.abs(lw.covariance[i]![i]! - ref.diag[i]!)).toBeLessThan(1e-9 * scale);
      expect(Math.abs(lw.covariance[0]![1]! - ref.c01)).toBeLessThan(1e-9 * scale);
      const trace = lw.covariance.reduce((s, r, i) => s + r[i]!, 0);
      expect(Math.abs(trace - ref.trace)).toBeLessThan(1e-9 * scale);
      if ("covariance" in ref) expect(maxDiff(lw.covariance, ref.covariance)).toBeLessThan(1e-9 * scale);
      // and the published formula by hand
      const hand = ledoitWolfByHand(x, !ref.assumeCentered);
      expect(Math.abs(lw.shrinkage - hand.shrinkage)).toBeLessThan(1e-12);
      expect(maxDiff(lw.covariance, hand.covariance)).toBeLessThan(1e-12 * scale);
    });
  }

  const csv = sharedData("crypto_daily_close_usd.csv");
  it.skipIf(!csv)("real returns: 8 coins' daily log returns over their common window (crypto_daily_close_usd.csv)", () => {
    const r = logReturns(parsePriceCsv(readFileSync(csv!, "utf8")));
    expect(r.rows).toBe(SKLEARN.real.rows);
    expect(r.dates[0]).toBe(SKLEARN.real.first);
    const lw = ledoitWolf(r);
    expect(Math.abs(lw.shrinkage - SKLEARN.real.shrinkage)).toBeLessThan(1e-9);
    expect(maxDiff(lw.covariance, SKLEARN.real.covariance)).toBeLessThan(1e-9 * maxAbs(lw.covariance));
    const rows = Array.from({ length: r.rows }, (_, i) => Array.from(r.data.subarray(i * r.columns, (i + 1) * r.columns)));
    const hand = ledoitWolfByHand(rows, true);
    expect(Math.abs(lw.shrinkage - hand.shrinkage)).toBeLessThan(1e-12);
  });

  it("a hand-derived case: δ = 7/12", () => {
    // Centred rows (1,1), (1,−1), (−1,1), (−1,−1), (2,2), (−2,−2): XᵀX = [[12, 8], [8, 12]], S = [[2, 4/3], [4/3, 2]],
    // μ = 2, d² = ‖S − 2I‖²/p = (2·16/9)/2 = 16/9; Σₜ‖xₜ‖⁴ = 4·4 + 2·64 = 144, ‖S‖² = 8 + 32/9 = 104/9,
    // b̄² = (144/6 − 104/9)/(p·T) = (112/9)/12 = 28/27 < d² = 48/27, so δ = (28/27)/(48/27) = 7/12;
    // Σ* = (5/12)·S + (7/12)·2I: diagonal 2, off-diagonal 5/9.
    const x = [[1, 1], [1, -1], [-1, 1], [-1, -1], [2, 2], [-2, -2]];
    const lw = ledoitWolf(x, { assumeCentered: true });
    expect(lw.shrinkage).toBeCloseTo(7 / 12, 14);
    expect(lw.covariance[0]![0]).toBeCloseTo(2, 14);
    expect(lw.covariance[0]![1]).toBeCloseTo(5 / 9, 14);
    expect(lw.targetParameter).toBeCloseTo(2, 14);
    // centring changes nothing here (the columns have mean 0)
    expect(ledoitWolf(x).shrinkage).toBeCloseTo(7 / 12, 14);
  });

  it("edge cases: one asset (δ = 0, the MLE variance), S already a multiple of I (δ = 0)", () => {
    const one = ledoitWolf([[1], [2], [4]]);
    expect(one.shrinkage).toBe(0);
    expect(one.covariance[0]![0]).toBeCloseTo(14 / 9, 14); // mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, /3
    const iso = ledoitWolf([[1, 0], [0, 1], [-1, 0], [0, -1]], { assumeCentered: true });
    expect(iso.shrinkage).toBe(0);
    expect(iso.covariance).toEqual([[0.5, 0], [0, 0.5]]);
  });
});

describe("ledoitWolf (constant-correlation target)", () => {
  it("equals the paper's formulas written independently (synthetic, T = 50, p = 5 and T = 20, p = 30)", () => {
    for (const [T, p, seed] of [[50, 5, 12345], [20, 30, 777], [40, 4, 99]] as const) {
      const x = synth(T, p, seed);
      const lw = ledoitWolf(x, { target: "constant-correlation" });
      const hand = constantCorrelationByHand(x);
      // 1e-12: same formulas, summation orders differ (rounding O(T·ε))
      expect(Math.abs(lw.shrinkage - hand.shrinkage)).toBeLessThan(1e-12);
      expect(maxDiff(lw.covariance, hand.covariance)).toBeLessThan(1e-12 * maxAbs(hand.covariance));
      expect(lw.shrinkage).toBeGreaterThanOrEqual(0);
      expect(lw.shrinkage).toBeLessThanOrEqual(1);
      // the target keeps the sample variances: the diagonal is unchanged
      const s = sampleCovariance(x, { ddof: 0 });
      for (let i = 0; i < p; i++) expect(lw.covariance[i]![i]).toBeCloseTo(s[i]![i]!, 14);
    }
  });

  const csv = sharedData("crypto_daily_close_usd.csv");
  it.skipIf(!csv)("real returns (8 coins, common window): the independent formulas agree; the shrunk matrix is positive definite", () => {
    const r = logReturns(parsePriceCsv(readFileSync(csv!, "utf8")));
    const lw = ledoitWolf(r, { target: "constant-correlation" });
    const rows = Array.from({ length: r.rows }, (_, i) => Array.from(r.data.subarray(i * r.columns, (i + 1) * r.columns)));
    const hand = constantCorrelationByHand(rows);
    expect(Math.abs(lw.shrinkage - hand.shrinkage)).toBeLessThan(1e-12);
    expect(Math.min(...symmetricEigen(8, Float64Array.from(lw.covariance.flat())).values)).toBeGreaterThan(0);
    console.log(`Ledoit–Wolf on 8 coins (${r.rows} days from ${r.dates[0]}): identity δ = ${ledoitWolf(r).shrinkage.toFixed(5)}, constant-correlation δ = ${lw.shrinkage.toFixed(5)}, r̄ = ${lw.targetParameter.toFixed(4)}`);
  });

  it("one asset or equal correlations: nothing to shrink (δ = 0)", () => {
    expect(ledoitWolf([[1], [2], [4]], { target: "constant-correlation" }).shrinkage).toBe(0);
    // two assets always have a "constant" correlation: F = S
    expect(ledoitWolf(synth(30, 2, 5), { target: "constant-correlation" }).shrinkage).toBe(0);
  });
});

describe("sampleCovariance, correlation, EWMA covariance", () => {
  it("hand values, both divisors; correlation and volatilities", () => {
    const x = [[1, 2], [3, 6], [5, 7]]; // means 3, 5; deviations (−2,−3), (0,1), (2,2)
    expect(sampleCovariance(x)).toEqual([[4, 5], [5, 7]]); // Σ dx² = 8, Σ dxdy = 6 + 0 + 4 = 10, Σ dy² = 14; /2
    const mle = sampleCovariance(x, { ddof: 0 });
    expect(mle[0]![1]).toBeCloseTo(10 / 3, 15);
    const { correlation, volatilities } = correlationFromCovariance(sampleCovariance(x));
    expect(volatilities).toEqual([2, Math.sqrt(7)]);
    expect(correlation[0]![1]).toBeCloseTo(5 / (2 * Math.sqrt(7)), 15);
    expect(correlation[1]![1]).toBe(1);
    // Float64Array input with the column count gives the same
    expect(sampleCovariance({ data: Float64Array.from(x.flat()), columns: 2 })).toEqual([[4, 5], [5, 7]]);
  });

  it("pairwise: each pair uses its common rows (equal to the complete estimate on those rows)", () => {
    const x = [[1, NaN, 2], [2, 1, 3], [4, 2, 1], [3, 5, NaN], [0, 1, 1]];
    const pw = sampleCovariance(x, { missing: "pairwise" });
    const rowsWith = (a: number, b: number) => x.filter((r) => !Number.isNaN(r[a]!) && !Number.isNaN(r[b]!)).map((r) => [r[a]!, r[b]!]);
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
      expect(pw[a]![b]).toBeCloseTo(sampleCovariance(rowsWith(a, b))[0]![1]!, 14);
      expect(pw[b]![a]).toBe(pw[a]![b]);
    }
    expect(() => sampleCovariance(x)).toThrow(/finite number \(no missing values/);
  });

  it("EWMA covariance: the diagonal is ewmaVolatility's forecast squared; a known 2-step update", () => {
    const x = synth(200, 3, 42);
    const cov = ewmaCovariance(x, { lambda: 0.94 });
    for (let j = 0; j < 3; j++) {
      const vol = ewmaVolatility(x.map((r) => r[j]!), { lambda: 0.94 });
      expect(cov[j]![j]).toBeCloseTo(vol[200]! ** 2, 15);
    }
    // Σ₀ = I, returns (1, 0), (0, 2), λ = 0.5: Σ₁ = ½I + ½[[1,0],[0,0]] = diag(1, ½); Σ₂ = ½Σ₁ + ½[[0,0],[0,4]] = diag(½, 9/4)
    expect(ewmaCovariance([[1, 0], [0, 2]], { lambda: 0.5, initialCovariance: [[1, 0], [0, 1]] })).toEqual([[0.5, 0], [0, 2.25]]);
    expect(() => ewmaCovariance(x, { lambda: 1 })).toThrow(OffsetInputError);
    expect(() => ewmaCovariance([[1, 0]], { lambda: 0.9, initialCovariance: [[1]] })).toThrow(/a 2×2 matrix/);
  });

  it("bad input: named field, value, expectation", () => {
    expect(() => sampleCovariance([[1, 2]])).toThrow(/at least 2 observations/);
    expect(() => sampleCovariance([[1, 2], [3]])).toThrow(/sampleCovariance.returns\[1\]: expected a row of 2 numbers/);
    expect(() => sampleCovariance([[1, 2], [3, Infinity]])).toThrow(/returns\[1\]\[1\]: expected a finite number/);
    expect(() => sampleCovariance({ data: new Float64Array(5), columns: 2 })).toThrow(/multiple of columns = 2/);
    expect(() => sampleCovariance([[1, 2], [3, 4]], { ddof: 2 })).toThrow(/ddof/);
    expect(() => ledoitWolf([[1, 2], [3, 4]], { target: "shrug" as never })).toThrow(/ledoitWolf.target/);
    expect(() => correlationFromCovariance([[1, 0], [0, 0]])).toThrow(/variance > 0/);
  });
});

describe("stressed covariance", () => {
  it("a row window equals the estimator on that slice; dates select by return date", () => {
    const x = synth(100, 3, 7);
    const s = stressedCovariance(x, { window: { start: 20, end: 60 } });
    expect(s.covariance).toEqual(sampleCovariance(x.slice(20, 60)));
    const lw = stressedCovariance(x, { window: { start: 20, end: 60 }, estimator: { method: "ledoit-wolf" } });
    expect(lw.covariance).toEqual(ledoitWolf(x.slice(20, 60)).covariance);
    expect(() => stressedCovariance(x, { window: { start: 50, end: 51 } })).toThrow(/end − start ≥ 2/);
    expect(() => stressedCovariance(x, { window: { from: "2020-01-01", to: "2020-02-01" } })).toThrow(/dates need a ReturnSeries/);
  });

  it("findStressWindow: the largest realised variance; a planted burst is found", () => {
    const x = synth(300, 2, 11).map((r, t) => (t >= 150 && t < 170 ? r.map((v) => 5 * v) : r));
    const w = findStressWindow(x, { length: 20 });
    expect([w.start, w.end]).toEqual([150, 170]);
  });

  const csv = sharedData("crypto_daily_close_usd.csv");
  it.skipIf(!csv)("BTC+ETH since 2018, 90-day window: the stress window holds the COVID crash (2020-03-12)", () => {
    const r = logReturns(parsePriceCsv(readFileSync(csv!, "utf8")), { assets: ["BTC", "ETH"], from: "2018-01-01" });
    const w = findStressWindow(r, { length: 90 });
    expect(w.from! <= "2020-03-12" && w.to! >= "2020-03-12").toBe(true);
    const s = stressedCovariance(r, { window: { from: w.from!, to: w.to! } });
    expect([s.start, s.end]).toEqual([w.start, w.end]);
    const full = sampleCovariance(r);
    expect(s.covariance[0]![0]).toBeGreaterThan(full[0]![0]!);
    const vol = (v: number) => (Math.sqrt(v * 365) * 100).toFixed(0);
    console.log(`stress window BTC+ETH (90 days): ${w.from}..${w.to}, BTC vol ${vol(s.covariance[0]![0]!)}% vs ${vol(full[0]![0]!)}% over 2018–2025 (annualised √365)`);
    void returnColumn;
  });
});

describe("nearestCorrelation / nearestPsd (Higham 2002 / 1988)", () => {
  const file = sharedData("nearest_correlation_reference.json");
  it.skipIf(!file)("the 6×6 R Matrix::nearPD example: nearest correlation within 1e-6 of R (nearest_correlation_reference.json)", () => {
    const ref = JSON.parse(readFileSync(file!, "utf8")) as { cases: { input: number[][]; expected: { matrix: number[][]; frobenius_distance: number }; tolerance: { elementwise_abs: number } }[] };
    const c = ref.cases[0]!;
    const r = nearestCorrelation(c.input);
    expect(r.converged).toBe(true);
    // the reference's own tolerance (1e-6): R's nearPD zeroes eigenvalues below 1e-6·λmax and stops on the ∞-norm
    const err = maxDiff(r.matrix, c.expected.matrix);
    expect(err).toBeLessThan(c.tolerance.elementwise_abs);
    expect(Math.abs(r.distance - c.expected.frobenius_distance)).toBeLessThan(1e-6);
    expect(r.inputMinEigenvalue).toBeCloseTo(-0.06262479207871471, 12);
    // unit diagonal exactly, PSD to the convergence tolerance (its smallest eigenvalue is 0 in exact arithmetic)
    r.matrix.forEach((row, i) => expect(row[i]).toBe(1));
    expect(r.minEigenvalue).toBeGreaterThan(-1e-9);
    console.log(`nearestCorrelation 6×6: ${r.iterations} iterations, max |Δ| vs R nearPD ${err.toExponential(2)}, distance ${r.distance} (R ${c.expected.frobenius_distance})`);
  });

  it.skipIf(!file)("the same example: nearest PSD within 1e-6 of R (and of breeze's published matrix)", () => {
    const ref = JSON.parse(readFileSync(file!, "utf8")) as { cases: { input: number[][]; expected: { matrix: number[][]; frobenius_distance: number } }[] };
    const c = ref.cases[1]!;
    const r = nearestPsd(c.input);
    // R's do2eigen step lifts the zero eigenvalue to 1e-8·λmax and rescales the diagonal: differences of O(1e-8)
    const err = maxDiff(r.matrix, c.expected.matrix);
    expect(err).toBeLessThan(1e-6);
    expect(Math.abs(r.distance - c.expected.frobenius_distance)).toBeLessThan(1e-6);
    expect(r.clipped).toBe(1);
    console.log(`nearestPsd 6×6: max |Δ| vs R nearPD ${err.toExponential(2)}`);
  });

  it("a valid correlation matrix is returned as is; minEigenvalue > 0 gives a positive-definite result", () => {
    const ok = [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]];
    const r = nearestCorrelation(ok);
    expect(r.iterations).toBe(1);
    expect(maxDiff(r.matrix, ok)).toBeLessThan(1e-14);
    // the classic invalid 3×3: ρ12 = ρ23 = 0.9, ρ13 = −0.9
    const bad = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]];
    const pd = nearestCorrelation(bad, { minEigenvalue: 1e-6 });
    expect(pd.converged).toBe(true);
    // the PSD step leaves every eigenvalue ≥ 1e-6; resetting the diagonal moves them by at most ‖Y − X‖ ≤ 1e-10·‖Y‖
    expect(pd.minEigenvalue).toBeGreaterThan(1e-6 - 1e-9);
    const psd = nearestCorrelation(bad);
    expect(psd.minEigenvalue).toBeGreaterThan(-1e-9);
    expect(psd.distance).toBeLessThan(pd.distance + 1e-9); // the floor can only cost distance
  });

  it("bad input", () => {
    expect(() => nearestCorrelation([[1, 0.5], [0.4, 1]])).toThrow(/symmetric matrix/);
    expect(() => nearestCorrelation([[1, 0.5]])).toThrow(OffsetInputError);
    expect(() => nearestCorrelation([[1, NaN], [NaN, 1]])).toThrow(/finite number/);
    expect(() => nearestCorrelation([[1]], { tolerance: 0 })).toThrow(/tolerance/);
    expect(() => nearestPsd([[1]], { minEigenvalue: -1 })).toThrow(/minEigenvalue/);
  });
});
