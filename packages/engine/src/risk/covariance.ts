// Covariance and correlation of asset returns: sample, EWMA, Ledoit–Wolf shrinkage (scaled-identity and
// constant-correlation targets), a stressed window, and repairs of user matrices (nearest correlation, nearest PSD).
//
// `returns` everywhere is rows of observations × columns of assets: nested arrays, a ReturnSeries (logReturns), or
// { data: row-major Float64Array, columns }. Results are nested arrays (n×n), easy to print and to pass back in as a
// MatrixInput.
//
// Sources:
// - Ledoit & Wolf, "A well-conditioned estimator for large-dimensional covariance matrices", J. Multivariate Anal. 88
//   (2004) 365–411: shrink the MLE covariance S (divisor T) towards μ·I, μ = tr(S)/p, with intensity
//   δ = min(b̄², d²)/d², d² = ‖S − μI‖²/p, b̄² = (1/T²) Σₜ ‖xₜxₜᵀ − S‖²/p (Lemma 3.2–3.4, norm ‖A‖² = tr(AAᵀ)).
//   Written as scikit-learn's `ledoit_wolf_shrinkage` computes it (sklearn/covariance/_shrunk_covariance.py):
//   data centred unless assumeCentered, one feature → δ = 0.
// - Ledoit & Wolf, "Honey, I shrunk the sample covariance matrix", J. Portfolio Management 30(4) (2004) 110–119:
//   the constant-correlation target F (fᵢᵢ = sᵢᵢ, fᵢⱼ = r̄·√(sᵢᵢsⱼⱼ), r̄ the mean off-diagonal sample correlation),
//   δ = max(0, min(1, κ/T)), κ = (π̂ − ρ̂)/γ̂ with π̂, ρ̂, γ̂ of the paper's appendix (their covCor.m, 1/T divisor).
// - N. J. Higham, "Computing the nearest correlation matrix — a problem from finance", IMA J. Numer. Anal. 22 (2002)
//   329–343, Algorithm 3.3: alternating projections onto the PSD cone and the unit-diagonal set, with Dykstra's
//   correction on the (non-affine) PSD step. Stop when ‖Y − X‖_F / ‖Y‖_F ≤ tolerance (default 1e-10).
// - N. J. Higham, "Computing a nearest symmetric positive semidefinite matrix", Linear Algebra Appl. 103 (1988):
//   for a symmetric A the Frobenius-nearest PSD matrix keeps the eigenvectors and clips negative eigenvalues to 0.
import { described, fail } from "../errors.js";
import { readSquare, symmetricEigen, type MatrixInput } from "../linalg.js";
import type { ReturnSeries } from "./returns.js";

export type ObservationsInput =
  | readonly (readonly number[])[]
  | { data: Float64Array; columns: number }
  | ReturnSeries;

export interface Observations {
  rows: number;
  columns: number;
  /** row-major rows × columns */
  data: Float64Array;
}

/** Reads observations × assets into a row-major matrix; NaN is allowed only when `allowNaN` (pairwise estimators). */
export function readObservations(path: string, input: unknown, minRows = 2, allowNaN = false): Observations {
  let rows: number;
  let columns: number;
  let data: Float64Array;
  if (Array.isArray(input)) {
    rows = input.length;
    if (rows === 0 || !Array.isArray(input[0]) || input[0].length === 0) fail(path, "rows of observations × columns of assets (non-empty nested arrays)", input);
    columns = (input[0] as unknown[]).length;
    data = new Float64Array(rows * columns);
    for (let i = 0; i < rows; i++) {
      const r = input[i] as unknown;
      if (!Array.isArray(r) || r.length !== columns) fail(`${path}[${i}]`, `a row of ${columns} numbers`, r);
      for (let j = 0; j < columns; j++) {
        const x = r[j];
        if (typeof x !== "number") fail(`${path}[${i}][${j}]`, "a number", x);
        data[i * columns + j] = x;
      }
    }
  } else if (input && typeof input === "object" && (input as { data?: unknown }).data instanceof Float64Array) {
    const o = input as { data: Float64Array; columns: unknown };
    if (!Number.isInteger(o.columns) || (o.columns as number) < 1) fail(`${path}.columns`, "an integer ≥ 1 (assets per row)", o.columns);
    columns = o.columns as number;
    if (o.data.length % columns !== 0) fail(`${path}.data`, `a length that is a multiple of columns = ${columns}`, described(`length ${o.data.length}`));
    rows = o.data.length / columns;
    data = o.data;
  } else {
    fail(path, "nested arrays (rows × assets), a ReturnSeries, or { data: Float64Array, columns }", input);
  }
  if (rows < minRows) fail(path, `at least ${minRows} observations (rows)`, described(`${rows} rows`));
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (Number.isFinite(x) || (allowNaN && Number.isNaN(x))) continue;
    fail(`${path}[${Math.floor(k / columns)}][${k % columns}]`, allowNaN ? "a finite number or NaN (missing)" : "a finite number (no missing values: use logReturns with missing: \"common\")", x);
  }
  return { rows, columns, data };
}

const toNested = (n: number, a: Float64Array): number[][] => Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, i * n + n)));

export interface SampleCovarianceOptions {
  /** divisor T − ddof (default 1: the unbiased estimator; 0 gives the MLE) */
  ddof?: number;
  /** "complete" (default): no NaN allowed; "pairwise": each pair uses the rows where both are present (the result
   *  may then be indefinite: repair it with nearestCorrelation / nearestPsd) */
  missing?: "complete" | "pairwise";
}

/** Sample covariance (means removed). */
export function sampleCovariance(returns: ObservationsInput, options: SampleCovarianceOptions = {}): number[][] {
  const ddof = options.ddof ?? 1;
  if (ddof !== 0 && ddof !== 1) fail("sampleCovariance.ddof", "0 (MLE) or 1 (unbiased)", ddof);
  const missing = options.missing ?? "complete";
  if (missing !== "complete" && missing !== "pairwise") fail("sampleCovariance.missing", '"complete" or "pairwise"', missing);
  const x = readObservations("sampleCovariance.returns", returns, 2, missing === "pairwise");
  const p = x.columns;
  const out = new Float64Array(p * p);
  if (missing === "complete") {
    const c = centred(x);
    crossProduct(c, x.rows, p, out);
    for (let k = 0; k < p * p; k++) out[k] = out[k]! / (x.rows - ddof);
    return toNested(p, out);
  }
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      // means over the pair's common rows (pandas DataFrame.cov convention)
      let n = 0;
      let mi = 0;
      let mj = 0;
      for (let r = 0; r < x.rows; r++) {
        const a = x.data[r * p + i]!;
        const b = x.data[r * p + j]!;
        if (Number.isNaN(a) || Number.isNaN(b)) continue;
        n++;
        mi += a;
        mj += b;
      }
      if (n - ddof < 1) fail(`sampleCovariance.returns (assets ${i}, ${j})`, `at least ${ddof + 1} rows where both are present`, described(`${n} rows`));
      mi /= n;
      mj /= n;
      let s = 0;
      for (let r = 0; r < x.rows; r++) {
        const a = x.data[r * p + i]!;
        const b = x.data[r * p + j]!;
        if (Number.isNaN(a) || Number.isNaN(b)) continue;
        s += (a - mi) * (b - mj);
      }
      out[i * p + j] = out[j * p + i] = s / (n - ddof);
    }
  }
  return toNested(p, out);
}

function centred(x: Observations): Float64Array {
  const { rows, columns: p, data } = x;
  const mean = new Float64Array(p);
  for (let r = 0; r < rows; r++) for (let j = 0; j < p; j++) mean[j] = mean[j]! + data[r * p + j]!;
  for (let j = 0; j < p; j++) mean[j] = mean[j]! / rows;
  const c = new Float64Array(rows * p);
  for (let r = 0; r < rows; r++) for (let j = 0; j < p; j++) c[r * p + j] = data[r * p + j]! - mean[j]!;
  return c;
}

/** out = XᵀX (p×p) of a row-major rows × p matrix. */
function crossProduct(x: Float64Array, rows: number, p: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * p;
    for (let i = 0; i < p; i++) {
      const xi = x[o + i]!;
      for (let j = 0; j <= i; j++) out[i * p + j] = out[i * p + j]! + xi * x[o + j]!;
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) out[j * p + i] = out[i * p + j]!;
}

/** Correlation and volatilities (√diagonal) of a covariance matrix; zero-variance assets are an error. */
export function correlationFromCovariance(covariance: MatrixInput): { correlation: number[][]; volatilities: number[] } {
  const { n, a } = readSquare("correlationFromCovariance.covariance", covariance);
  const vol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!(a[i * n + i]! > 0)) fail(`correlationFromCovariance.covariance[${i}][${i}]`, "a variance > 0", a[i * n + i]);
    vol[i] = Math.sqrt(a[i * n + i]!);
  }
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[i * n + j] = i === j ? 1 : a[i * n + j]! / (vol[i]! * vol[j]!);
  return { correlation: toNested(n, c), volatilities: Array.from(vol) };
}

export interface EwmaCovarianceOptions {
  /** decay in (0, 1) (RiskMetrics: 0.94 daily) */
  lambda: number;
  /** Σ₀ before the first return (default: the first return's outer product r₀r₀ᵀ, as ewmaVolatility starts at u₀²) */
  initialCovariance?: MatrixInput;
}

/**
 * EWMA covariance forecast after the last return: Σₜ = λΣₜ₋₁ + (1 − λ)·rₜ₋₁rₜ₋₁ᵀ, zero mean (RiskMetrics Technical
 * Document 1996, §5.2.2). Its diagonal is the square of ewmaVolatility's last element for each asset.
 */
export function ewmaCovariance(returns: ObservationsInput, options: EwmaCovarianceOptions): number[][] {
  const x = readObservations("ewmaCovariance.returns", returns, 1);
  const lambda = options?.lambda;
  if (typeof lambda !== "number" || !(lambda > 0 && lambda < 1)) fail("ewmaCovariance.lambda", "a decay in (0, 1), e.g. 0.94", lambda);
  const p = x.columns;
  let s: Float64Array;
  if (options.initialCovariance !== undefined) {
    const init = readSquare("ewmaCovariance.initialCovariance", options.initialCovariance);
    if (init.n !== p) fail("ewmaCovariance.initialCovariance", `a ${p}×${p} matrix (one row per asset)`, described(`${init.n}×${init.n}`));
    s = init.a;
  } else {
    s = new Float64Array(p * p);
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) s[i * p + j] = x.data[i]! * x.data[j]!;
  }
  const w = 1 - lambda;
  for (let r = 0; r < x.rows; r++) {
    const o = r * p;
    for (let i = 0; i < p; i++) {
      const xi = x.data[o + i]!;
      for (let j = 0; j < p; j++) s[i * p + j] = lambda * s[i * p + j]! + w * xi * x.data[o + j]!;
    }
  }
  return toNested(p, s);
}

export interface LedoitWolfOptions {
  /** true: the data already have mean zero (not centred again); default false */
  assumeCentered?: boolean;
  /** shrinkage target: "identity" (μI, default; scikit-learn's LedoitWolf) or "constant-correlation" */
  target?: "identity" | "constant-correlation";
}

export interface LedoitWolfResult {
  /** (1 − δ)·S + δ·F, S the MLE covariance (divisor T) */
  covariance: number[][];
  /** δ in [0, 1] */
  shrinkage: number;
  target: "identity" | "constant-correlation";
  /** μ = tr(S)/p (identity target) or r̄, the mean sample correlation (constant-correlation target) */
  targetParameter: number;
}

/** Ledoit–Wolf shrinkage covariance (see the file comment for the two targets and their sources). */
export function ledoitWolf(returns: ObservationsInput, options: LedoitWolfOptions = {}): LedoitWolfResult {
  const assumeCentered = options.assumeCentered ?? false;
  if (typeof assumeCentered !== "boolean") fail("ledoitWolf.assumeCentered", "true or false", assumeCentered);
  const target = options.target ?? "identity";
  if (target !== "identity" && target !== "constant-correlation") fail("ledoitWolf.target", '"identity" or "constant-correlation"', target);
  const x = readObservations("ledoitWolf.returns", returns, target === "identity" && assumeCentered ? 1 : 2);
  const T = x.rows;
  const p = x.columns;
  const c = assumeCentered ? x.data : centred(x);
  const S = new Float64Array(p * p);
  crossProduct(c, T, p, S);
  for (let k = 0; k < p * p; k++) S[k] = S[k]! / T;

  if (target === "identity") {
    let trace = 0;
    for (let i = 0; i < p; i++) trace += S[i * p + i]!;
    const mu = trace / p;
    let shrinkage = 0;
    if (p > 1) {
      // β̄ sums: Σ_ij Σ_t x_ti² x_tj² and Σ_ij (XᵀX)_ij² — scikit-learn's beta_ and delta_
      let b = 0;
      const x2 = new Float64Array(p);
      for (let r = 0; r < T; r++) {
        let rowSq = 0;
        for (let i = 0; i < p; i++) {
          const v = c[r * p + i]! * c[r * p + i]!;
          x2[i] = v;
          rowSq += v;
        }
        b += rowSq * rowSq; // Σ_ij x_ti² x_tj² = (Σ_i x_ti²)²
      }
      let d = 0;
      for (let k = 0; k < p * p; k++) d += S[k]! * S[k]!; // ‖S‖² = Σ (XᵀX/T)²
      const beta = (b / T - d) / (p * T);
      let delta = d - 2 * mu * trace + p * mu * mu; // ‖S − μI‖²
      delta /= p;
      const b2 = Math.min(beta, delta); // b² = min(b̄², d²)
      shrinkage = b2 === 0 ? 0 : b2 / delta;
    }
    const out = new Float64Array(p * p);
    for (let k = 0; k < p * p; k++) out[k] = (1 - shrinkage) * S[k]!;
    for (let i = 0; i < p; i++) out[i * p + i] = out[i * p + i]! + shrinkage * mu;
    return { covariance: toNested(p, out), shrinkage, target, targetParameter: mu };
  }

  // constant-correlation target (Ledoit & Wolf 2004, J. Portfolio Management, appendix; covCor.m)
  const sd = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    if (!(S[i * p + i]! > 0)) fail(`ledoitWolf.returns[*][${i}]`, "an asset whose returns vary (variance > 0)", S[i * p + i]);
    sd[i] = Math.sqrt(S[i * p + i]!);
  }
  let rbar = 0;
  if (p > 1) {
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) if (i !== j) rbar += S[i * p + j]! / (sd[i]! * sd[j]!);
    rbar /= p * (p - 1);
  }
  const F = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) F[i * p + j] = i === j ? S[i * p + i]! : rbar * sd[i]! * sd[j]!;
  // π̂ = Σ_ij π_ij, π_ij = (1/T) Σ_t (y_ti y_tj − s_ij)²;  θ_ii,ij = (1/T) Σ_t (y_ti² − s_ii)(y_ti y_tj − s_ij)
  let pi = 0;
  let rhoOff = 0;
  let piDiag = 0;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let pij = 0;
      let thII = 0; // θ_ii,ij
      let thJJ = 0; // θ_jj,ij
      for (let r = 0; r < T; r++) {
        const yi = c[r * p + i]!;
        const yj = c[r * p + j]!;
        const e = yi * yj - S[i * p + j]!;
        pij += e * e;
        if (i !== j) {
          thII += (yi * yi - S[i * p + i]!) * e;
          thJJ += (yj * yj - S[j * p + j]!) * e;
        }
      }
      pij /= T;
      pi += pij;
      if (i === j) piDiag += pij;
      else rhoOff += (rbar / 2) * ((sd[j]! / sd[i]!) * (thII / T) + (sd[i]! / sd[j]!) * (thJJ / T));
    }
  }
  const rho = piDiag + rhoOff;
  let gamma = 0;
  for (let k = 0; k < p * p; k++) gamma += (F[k]! - S[k]!) ** 2;
  const kappa = gamma > 0 ? (pi - rho) / gamma : 0;
  const shrinkage = gamma > 0 ? Math.max(0, Math.min(1, kappa / T)) : 0;
  const out = new Float64Array(p * p);
  for (let k = 0; k < p * p; k++) out[k] = shrinkage * F[k]! + (1 - shrinkage) * S[k]!;
  return { covariance: toNested(p, out), shrinkage, target, targetParameter: rbar };
}

export type CovarianceEstimator =
  | { method: "sample"; ddof?: number }
  | { method: "ewma"; lambda: number }
  | ({ method: "ledoit-wolf" } & LedoitWolfOptions);

function estimate(path: string, x: Observations, est: CovarianceEstimator): number[][] {
  const input = { data: x.data, columns: x.columns };
  switch (est?.method) {
    case "sample":
      return sampleCovariance(input, { ddof: est.ddof ?? 1 });
    case "ewma":
      return ewmaCovariance(input, { lambda: est.lambda });
    case "ledoit-wolf":
      return ledoitWolf(input, est).covariance;
    default:
      return fail(`${path}.method`, '"sample", "ewma" or "ledoit-wolf"', (est as { method?: unknown })?.method);
  }
}

export interface StressedCovarianceOptions {
  /** the stress window: row indices [start, end) of the returns, or dates (inclusive, needs a ReturnSeries) */
  window: { start: number; end: number } | { from: string; to: string };
  /** estimator inside the window (default sample covariance) */
  estimator?: CovarianceEstimator;
}

export interface StressedCovariance {
  covariance: number[][];
  /** the rows used, [start, end) */
  start: number;
  end: number;
  /** the first and last return dates of the window (ReturnSeries input only) */
  from?: string;
  to?: string;
}

/**
 * Covariance over a chosen stress window (Basel's stressed VaR calibrates on "a continuous 12-month period of
 * significant financial stress", BCBS 2009 §718(LXXVI)(i)): the rows are picked, then the estimator runs on them.
 * Use findStressWindow to pick the window from the data.
 */
export function stressedCovariance(returns: ObservationsInput, options: StressedCovarianceOptions): StressedCovariance {
  const x = readObservations("stressedCovariance.returns", returns, 2);
  const w = options?.window as Record<string, unknown> | undefined;
  let start: number;
  let end: number;
  const dates = (returns as ReturnSeries).dates;
  if (w && typeof w.from === "string" && typeof w.to === "string") {
    if (!Array.isArray(dates)) fail("stressedCovariance.window", "row indices { start, end } (dates need a ReturnSeries)", w);
    start = dates.findIndex((d) => d >= (w.from as string));
    let last = -1;
    for (let i = dates.length - 1; i >= 0; i--) if (dates[i]! <= (w.to as string)) { last = i; break; }
    end = last + 1;
    if (start < 0 || end - start < 2) fail("stressedCovariance.window", "a date range holding at least 2 returns", w);
  } else if (w && Number.isInteger(w.start) && Number.isInteger(w.end)) {
    start = w.start as number;
    end = w.end as number;
    if (start < 0 || end > x.rows || end - start < 2) fail("stressedCovariance.window", `0 ≤ start, end ≤ ${x.rows}, end − start ≥ 2`, w);
  } else {
    fail("stressedCovariance.window", "{ start, end } row indices or { from, to } dates", w);
  }
  const sub = { rows: end - start, columns: x.columns, data: x.data.subarray(start * x.columns, end * x.columns) };
  const covariance = estimate("stressedCovariance.estimator", sub, options.estimator ?? { method: "sample" });
  const out: StressedCovariance = { covariance, start, end };
  if (Array.isArray(dates)) {
    out.from = dates[start];
    out.to = dates[end - 1];
  }
  return out;
}

/**
 * The window of `length` consecutive rows with the largest realised variance of the portfolio `weights`
 * (default equal weights): Σₜ (wᵀrₜ)² over the window, zero mean. Ties go to the earliest window.
 */
export function findStressWindow(returns: ObservationsInput, options: { length: number; weights?: readonly number[] }): { start: number; end: number; variance: number; from?: string; to?: string } {
  const x = readObservations("findStressWindow.returns", returns, 2);
  const L = options?.length;
  if (!Number.isInteger(L) || L < 2 || L > x.rows) fail("findStressWindow.length", `an integer in [2, ${x.rows}] (rows per window)`, L);
  const p = x.columns;
  const w = options.weights ?? new Array<number>(p).fill(1 / p);
  if (!Array.isArray(w) || w.length !== p || w.some((v) => typeof v !== "number" || !Number.isFinite(v))) fail("findStressWindow.weights", `${p} finite weights`, w);
  const sq = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let v = 0;
    for (let j = 0; j < p; j++) v += w[j]! * x.data[r * p + j]!;
    sq[r] = v * v;
  }
  let best = -1;
  let bestStart = 0;
  let run = 0;
  for (let r = 0; r < x.rows; r++) {
    run += sq[r]!;
    if (r >= L) run -= sq[r - L]!;
    if (r >= L - 1 && run > best * (1 + 1e-12)) {
      best = run;
      bestStart = r - L + 1;
    }
  }
  // the variance of the chosen window, summed afresh (the running sum drifts by rounding)
  let v = 0;
  for (let r = bestStart; r < bestStart + L; r++) v += sq[r]!;
  const out: { start: number; end: number; variance: number; from?: string; to?: string } = { start: bestStart, end: bestStart + L, variance: v / L };
  const dates = (returns as ReturnSeries).dates;
  if (Array.isArray(dates)) {
    out.from = dates[bestStart];
    out.to = dates[bestStart + L - 1];
  }
  return out;
}

export interface NearestCorrelationOptions {
  /** stop when ‖Y − X‖_F / ‖Y‖_F ≤ tolerance (default 1e-10) */
  tolerance?: number;
  /** iteration cap (default 10,000) */
  maxIterations?: number;
  /** eigenvalue floor of the PSD projection (default 0: the nearest PSD correlation; > 0 asks for a positive-definite
   *  result, Higham 2002 §3.2's variant, e.g. 1e-8 so that a Cholesky factorisation succeeds) */
  minEigenvalue?: number;
}

export interface NearestCorrelationResult {
  matrix: number[][];
  iterations: number;
  converged: boolean;
  /** ‖result − input‖_F */
  distance: number;
  /** smallest eigenvalues of the input and of the result */
  inputMinEigenvalue: number;
  minEigenvalue: number;
}

function readSymmetric(path: string, matrix: unknown): { n: number; a: Float64Array } {
  const { n, a } = readSquare(path, matrix);
  let scale = 0;
  for (let k = 0; k < n * n; k++) scale = Math.max(scale, Math.abs(a[k]!));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(a[i * n + j]! - a[j * n + i]!) > 1e-12 * Math.max(scale, 1)) fail(`${path}[${i}][${j}]`, `a symmetric matrix (equal to ${path}[${j}][${i}] = ${a[j * n + i]})`, a[i * n + j]);
      // exact symmetry from here on (the average of the two entries)
      a[i * n + j] = a[j * n + i] = 0.5 * (a[i * n + j]! + a[j * n + i]!);
    }
  }
  return { n, a };
}

/** P_S: eigenvalues below `floor` raised to it (floor 0 = the Frobenius projection onto the PSD cone). */
function projectPsd(n: number, a: Float64Array, floor: number, out: Float64Array): void {
  const { values, vectors } = symmetricEigen(n, a);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k]! * Math.max(values[k]!, floor) * vectors[j * n + k]!;
      out[i * n + j] = out[j * n + i] = s;
    }
  }
}

const minEig = (n: number, a: Float64Array) => Math.min(...symmetricEigen(n, a).values);

/**
 * Nearest correlation matrix in the Frobenius norm (Higham 2002, alternating projections with Dykstra's correction):
 * repairs a user correlation matrix that is not PSD. The input must be symmetric; its diagonal is replaced by ones.
 */
export function nearestCorrelation(matrix: MatrixInput, options: NearestCorrelationOptions = {}): NearestCorrelationResult {
  const tol = options.tolerance ?? 1e-10;
  if (typeof tol !== "number" || !(tol > 0 && tol < 1)) fail("nearestCorrelation.tolerance", "a number in (0, 1)", tol);
  const maxIt = options.maxIterations ?? 10_000;
  if (!Number.isInteger(maxIt) || maxIt < 1) fail("nearestCorrelation.maxIterations", "an integer ≥ 1", maxIt);
  const floor = options.minEigenvalue ?? 0;
  if (typeof floor !== "number" || !(floor >= 0 && floor < 1)) fail("nearestCorrelation.minEigenvalue", "a number in [0, 1)", floor);
  const { n, a } = readSymmetric("nearestCorrelation.matrix", matrix);
  const inputMinEigenvalue = minEig(n, a);
  const dS = new Float64Array(n * n);
  const Y = Float64Array.from(a);
  const R = new Float64Array(n * n);
  const X = new Float64Array(n * n);
  let it = 0;
  let converged = false;
  while (it < maxIt) {
    it++;
    for (let k = 0; k < n * n; k++) R[k] = Y[k]! - dS[k]!;
    projectPsd(n, R, floor, X);
    for (let k = 0; k < n * n; k++) dS[k] = X[k]! - R[k]!;
    let diff = 0;
    let norm = 0;
    for (let k = 0; k < n * n; k++) {
      const y = (k % (n + 1) === 0) ? 1 : X[k]!; // P_U: unit diagonal
      diff += (y - X[k]!) ** 2;
      norm += y * y;
      Y[k] = y;
    }
    if (Math.sqrt(diff / norm) <= tol) {
      converged = true;
      break;
    }
  }
  let dist = 0;
  for (let k = 0; k < n * n; k++) dist += (Y[k]! - a[k]!) ** 2;
  return { matrix: toNested(n, Y), iterations: it, converged, distance: Math.sqrt(dist), inputMinEigenvalue, minEigenvalue: minEig(n, Y) };
}

/**
 * Nearest symmetric positive-semidefinite matrix in the Frobenius norm (Higham 1988): negative eigenvalues clipped to
 * `minEigenvalue` (default 0). The diagonal is not kept (use nearestCorrelation for correlation matrices).
 */
export function nearestPsd(matrix: MatrixInput, options: { minEigenvalue?: number } = {}): { matrix: number[][]; distance: number; inputMinEigenvalue: number; clipped: number } {
  const floor = options.minEigenvalue ?? 0;
  if (typeof floor !== "number" || !Number.isFinite(floor) || floor < 0) fail("nearestPsd.minEigenvalue", "a finite number ≥ 0", floor);
  const { n, a } = readSymmetric("nearestPsd.matrix", matrix);
  const { values } = symmetricEigen(n, a);
  const out = new Float64Array(n * n);
  projectPsd(n, a, floor, out);
  let dist = 0;
  for (let k = 0; k < n * n; k++) dist += (out[k]! - a[k]!) ** 2;
  return { matrix: toNested(n, out), distance: Math.sqrt(dist), inputMinEigenvalue: Math.min(...values), clipped: values.filter((v) => v < floor).length };
}
