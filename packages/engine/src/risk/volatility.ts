// Volatility models on one return series: EWMA (RiskMetrics) and GARCH(1,1) fitted by maximum likelihood with normal
// or Student-t innovations.
//
// Both return a volatility series σ[0..n] aligned with the returns u[0..n−1]: σ[t] is the volatility of u[t] known
// before u[t] is seen, and σ[n] (one more than there are returns) is the forecast for the next, unseen return.
//
// EWMA: σ²ₙ = λ·σ²ₙ₋₁ + (1 − λ)·u²ₙ₋₁ (J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed., 1996, §5.2;
// J. Hull, Risk Management and Financial Institutions, ch. "Volatility", EWMA model). Zero mean, as RiskMetrics
// assumes for daily returns. Start: σ²₀ = `initialVariance`, by default u₀² (Hull's spreadsheet convention: no look
// ahead; the start is forgotten at rate λᵗ, 0.94²⁵⁰ ≈ 2e-7).
//
// GARCH(1,1) (Bollerslev 1986, J. Econometrics 31): u_t = μ + ε_t, ε_t = σ_t·z_t, σ²_t = ω + α·ε²_{t−1} + β·σ²_{t−1},
// z_t i.i.d. N(0,1) or standardised Student-t with ν > 2 degrees of freedom (Bollerslev 1987, Rev. Econ. Stat. 69),
// whose log density at ε with variance σ² is
//     lnΓ((ν+1)/2) − lnΓ(ν/2) − ½·ln(π(ν−2)σ²) − (ν+1)/2 · ln(1 + ε²/((ν−2)σ²)).
// The recursion starts from the backcast σ²₀ = ω + (α + β)·b with b = mean of ε² (the sample variance), as the
// Python `arch` package does (arch uses an exponentially weighted b; the difference is forgotten at rate βᵗ).
// Fit: the returns are divided by their sample standard deviation s (so ω is O(1) and the simplex steps are well
// scaled), the mean log-likelihood is maximised over unconstrained coordinates
//     x = (μ/s, ln ω̃, logit(α+β), logit(α/(α+β)) [, ln(ν − 2)])
// which enforce ω > 0, α, β ≥ 0, α + β < 1, ν > 2, by Nelder–Mead (Nelder & Mead 1965; coefficients 1, 2, ½, ½ as in
// Lagarias et al., SIAM J. Optim. 9(1), 1998), restarted from its best vertex with a fresh simplex until a restart gains
// less than 1e-12 in mean log-likelihood (the standard guard against a collapsed simplex, McKinnon 1998). Then
// ω = s²·ω̃, μ = s·μ̃. No randomness: the same input gives the same bits. Standard errors come from the inverse of
// the numerical Hessian of the log-likelihood in the natural parameters (central differences); they are NaN when the
// Hessian is not negative definite (an estimate on a boundary, e.g. α → 0).
import { described, fail } from "../errors.js";

export type Series = readonly number[] | Float64Array;

/** RiskMetrics decay factors (Technical Document, 4th ed., 1996, §5.3.2): daily 0.94, monthly 0.97. */
export const RISKMETRICS_DAILY_LAMBDA = 0.94;
export const RISKMETRICS_MONTHLY_LAMBDA = 0.97;

function readSeries(path: string, input: unknown, minLength: number): Float64Array {
  if (!(input instanceof Float64Array) && !Array.isArray(input)) fail(path, "an array of returns (numbers or Float64Array)", input);
  const a = input as ArrayLike<unknown>;
  if (a.length < minLength) fail(path, `at least ${minLength} returns`, described(`length ${a.length}`));
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isFinite(x)) fail(`${path}[${i}]`, "a finite number (a log return)", x);
    out[i] = x;
  }
  return out;
}

export interface EwmaOptions {
  /** decay λ in (0, 1): 0.94 daily, 0.97 monthly (RiskMetrics) */
  lambda: number;
  /** σ²₀, the variance before the first return (default: the first return squared) */
  initialVariance?: number;
}

/**
 * EWMA volatility: σ[0] = √initialVariance, σ²[t] = λ·σ²[t−1] + (1 − λ)·u[t−1]² for t = 1..n.
 * Returns n + 1 volatilities; the last one is the forecast after the last return.
 */
export function ewmaVolatility(returns: Series, options: EwmaOptions): Float64Array {
  const u = readSeries("ewmaVolatility.returns", returns, 1);
  const lambda = options?.lambda;
  if (typeof lambda !== "number" || !(lambda > 0 && lambda < 1)) fail("ewmaVolatility.lambda", "a decay in (0, 1), e.g. 0.94", lambda);
  const v0 = options.initialVariance ?? u[0]! * u[0]!;
  if (typeof v0 !== "number" || !Number.isFinite(v0) || v0 < 0) fail("ewmaVolatility.initialVariance", "a finite variance ≥ 0", v0);
  const n = u.length;
  const out = new Float64Array(n + 1);
  let v = v0;
  out[0] = Math.sqrt(v);
  const w = 1 - lambda;
  for (let t = 0; t < n; t++) {
    v = lambda * v + w * u[t]! * u[t]!;
    out[t + 1] = Math.sqrt(v);
  }
  return out;
}

export type Innovations = "normal" | "t";

export interface GarchOptions {
  /** innovation law (default "normal") */
  distribution?: Innovations;
  /** "constant" estimates μ (default), "zero" fixes μ = 0 */
  mean?: "constant" | "zero";
  /** Nelder–Mead iteration cap over all restarts (default 20,000) */
  maxIterations?: number;
}

export interface GarchFit {
  distribution: Innovations;
  mu: number;
  omega: number;
  alpha: number;
  beta: number;
  /** degrees of freedom (t only) */
  nu?: number;
  /** α + β */
  persistence: number;
  /** ω / (1 − α − β), per period; Infinity when α + β ≥ 1 − 1e-6 (integrated GARCH, no mean reversion) */
  longRunVariance: number;
  longRunVolatility: number;
  /** total log-likelihood of the returns at the estimate (in the returns' units) */
  logLikelihood: number;
  /** standard errors from the inverse Hessian (NaN where it is not negative definite) */
  standardErrors: { mu: number; omega: number; alpha: number; beta: number; nu?: number };
  /** σ[0..n]: σ[t] is the conditional volatility of return t; σ[n] is the one-step forecast */
  volatility: Float64Array;
  iterations: number;
  /** true when the last restart improved the mean log-likelihood by < 1e-12 before the iteration cap */
  converged: boolean;
  observations: number;
}

const LN_PI = Math.log(Math.PI);
const LN_2PI = Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0: Lanczos (g = 7, 9 terms; Numerical Recipes 3rd ed. §6.1 coefficients), ~1e-15 relative. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const c = LANCZOS;
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * LN_2PI + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
// see: Lanczos coefficients for g = 7, n = 9 (P. Godfrey's set, as in Wikipedia "Lanczos approximation")
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/**
 * Mean GARCH(1,1) log-likelihood of `z` (already scaled) at natural parameters; fills `sig2` (length n + 1) with the
 * variance path. Returns −Infinity outside the admissible set.
 */
function garchMeanLogLik(
  z: Float64Array,
  mu: number,
  omega: number,
  alpha: number,
  beta: number,
  nu: number,
  t: boolean,
  sig2: Float64Array | null,
): number {
  if (!(omega > 0) || !(alpha >= 0) || !(beta >= 0) || !(alpha + beta < 1) || (t && !(nu > 2))) return -Infinity;
  const n = z.length;
  let b = 0;
  for (let i = 0; i < n; i++) b += (z[i]! - mu) * (z[i]! - mu);
  b /= n;
  let v = omega + (alpha + beta) * b;
  let ll = 0;
  if (t) {
    const c = lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * (LN_PI + Math.log(nu - 2));
    const k = (nu + 1) / 2;
    const inv = 1 / (nu - 2);
    for (let i = 0; i < n; i++) {
      if (sig2) sig2[i] = v;
      const e = z[i]! - mu;
      ll += c - 0.5 * Math.log(v) - k * Math.log1p((e * e * inv) / v);
      v = omega + alpha * e * e + beta * v;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (sig2) sig2[i] = v;
      const e = z[i]! - mu;
      ll -= 0.5 * (LN_2PI + Math.log(v) + (e * e) / v);
      v = omega + alpha * e * e + beta * v;
    }
  }
  if (sig2) sig2[n] = v;
  return ll / n;
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

/** Maximum-likelihood GARCH(1,1) (see the file comment for the model, start, transform and optimiser). */
export function fitGarch(returns: Series, options: GarchOptions = {}): GarchFit {
  const raw = readSeries("fitGarch.returns", returns, 30);
  const distribution = options.distribution ?? "normal";
  if (distribution !== "normal" && distribution !== "t") fail("fitGarch.distribution", '"normal" or "t"', distribution);
  const meanModel = options.mean ?? "constant";
  if (meanModel !== "constant" && meanModel !== "zero") fail("fitGarch.mean", '"constant" or "zero"', meanModel);
  const maxIterations = options.maxIterations ?? 20_000;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) fail("fitGarch.maxIterations", "an integer ≥ 1", maxIterations);
  const n = raw.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += raw[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (raw[i]! - mean) ** 2;
  const s = Math.sqrt(ss / n);
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(raw[i]!));
  // a "constant" series has a standard deviation of rounding size only (the mean of n equal doubles is not exact)
  if (!(s > 1e-12 * peak)) fail("fitGarch.returns", "returns that vary (sample variance > 0)", described("a constant series"));
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = raw[i]! / s;
  const t = distribution === "t";
  const withMu = meanModel === "constant";

  // unconstrained coordinates → natural (scaled) parameters
  const natural = (x: ArrayLike<number>) => {
    let k = 0;
    const mu = withMu ? x[k++]! : 0;
    const omega = Math.exp(x[k++]!);
    const p = logistic(x[k++]!);
    const share = logistic(x[k++]!);
    const nu = t ? 2 + Math.exp(x[k++]!) : Infinity;
    return { mu, omega, alpha: p * share, beta: p * (1 - share), nu };
  };
  const objective = (x: Float64Array) => {
    const q = natural(x);
    const ll = garchMeanLogLik(z, q.mu, q.omega, q.alpha, q.beta, q.nu, t, null);
    return Number.isFinite(ll) ? -ll : Infinity;
  };
  // start: α = 0.08, β = 0.90 (typical daily fits), ω̃ from variance targeting (ω̃ = 1 − α − β: unit variance), ν = 8
  const x0: number[] = [];
  if (withMu) x0.push(mean / s);
  x0.push(Math.log(0.02), logit(0.98), logit(0.08 / 0.98));
  if (t) x0.push(Math.log(6));
  const dim = x0.length;

  let x: Float64Array = Float64Array.from(x0);
  let f = objective(x);
  let iterations = 0;
  let converged = false;
  for (let restart = 0; restart < 50 && iterations < maxIterations; restart++) {
    const r = nelderMead(objective, x, 0.5, maxIterations - iterations);
    iterations += r.iterations;
    const gain = f - r.f;
    if (r.f <= f) {
      x = r.x;
      f = r.f;
    }
    if (gain < 1e-12) {
      converged = true;
      break;
    }
  }
  const q = natural(x);
  const sig2 = new Float64Array(n + 1);
  garchMeanLogLik(z, q.mu, q.omega, q.alpha, q.beta, q.nu, t, sig2);
  const volatility = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) volatility[i] = s * Math.sqrt(sig2[i]!);

  // standard errors from the Hessian of the total log-likelihood in the natural scaled parameters
  const theta = withMu ? [q.mu, q.omega, q.alpha, q.beta] : [q.omega, q.alpha, q.beta];
  if (t) theta.push(q.nu);
  const totalLl = (th: number[]) => {
    let k = 0;
    const mu = withMu ? th[k++]! : 0;
    const omega = th[k++]!;
    const alpha = th[k++]!;
    const beta = th[k++]!;
    const nu = t ? th[k++]! : Infinity;
    return n * garchMeanLogLik(z, mu, omega, alpha, beta, nu, t, null);
  };
  const se = hessianStandardErrors(totalLl, theta);
  let k = 0;
  const seMu = withMu ? se[k++]! * s : 0;
  const seOmega = se[k++]! * s * s;
  const seAlpha = se[k++]!;
  const seBeta = se[k++]!;
  const seNu = t ? se[k++]! : undefined;

  const omega = q.omega * s * s;
  const persistence = q.alpha + q.beta;
  // at the stationarity boundary (an integrated GARCH: the optimum pushes α + β to 1) there is no long-run variance
  const longRunVariance = persistence < 1 - 1e-6 ? omega / (1 - persistence) : Infinity;
  // log-likelihood in the returns' units: the density of u = s·z is the density of z divided by s
  const logLikelihood = -n * f - n * Math.log(s);
  const fit: GarchFit = {
    distribution,
    mu: q.mu * s,
    omega,
    alpha: q.alpha,
    beta: q.beta,
    persistence,
    longRunVariance,
    longRunVolatility: Math.sqrt(longRunVariance),
    logLikelihood,
    standardErrors: { mu: seMu, omega: seOmega, alpha: seAlpha, beta: seBeta },
    volatility,
    iterations,
    converged,
    observations: n,
  };
  if (t) {
    fit.nu = q.nu;
    fit.standardErrors.nu = seNu;
  }
  return fit;
}

/**
 * Square roots of the diagonal of (−H)⁻¹, H the central-difference Hessian of `f` at `theta`
 * (step hᵢ = 1e-4·max(|θᵢ|, 1e-4): relative steps, the truncation/rounding balance for a smooth f, ε^(1/4) ≈ 1e-4).
 * NaN everywhere when −H is not positive definite or a step leaves the admissible set.
 */
function hessianStandardErrors(f: (th: number[]) => number, theta: number[]): number[] {
  const d = theta.length;
  const h = theta.map((v) => 1e-4 * Math.max(Math.abs(v), 1e-4));
  const at = (di: number, si: number, dj: number, sj: number) => {
    const th = theta.slice();
    th[di] = th[di]! + si * h[di]!;
    th[dj] = th[dj]! + sj * h[dj]!;
    return f(th);
  };
  const f0 = f(theta);
  const H = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const th1 = theta.slice();
    th1[i] = th1[i]! + h[i]!;
    const th2 = theta.slice();
    th2[i] = th2[i]! - h[i]!;
    H[i * d + i] = (f(th1) - 2 * f0 + f(th2)) / (h[i]! * h[i]!);
    for (let j = 0; j < i; j++) {
      const v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h[i]! * h[j]!);
      H[i * d + j] = v;
      H[j * d + i] = v;
    }
  }
  // invert −H by Cholesky (fails ⇔ not positive definite)
  const a = H.map((v) => -v);
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) {
        if (!(sum > 0)) return theta.map(() => NaN);
        L[i * d + i] = Math.sqrt(sum);
      } else L[i * d + j] = sum / L[j * d + j]!;
    }
  }
  // diag(A⁻¹)_i = Σ_k (L⁻¹)_{k i}²
  const out: number[] = [];
  const col = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    // solve L y = e_i
    for (let r = 0; r < d; r++) {
      let sum = r === i ? 1 : 0;
      for (let k = 0; k < r; k++) sum -= L[r * d + k]! * col[k]!;
      col[r] = sum / L[r * d + r]!;
    }
    let v = 0;
    for (let r = 0; r < d; r++) v += col[r]! * col[r]!;
    out.push(Math.sqrt(v));
  }
  return out;
}

/**
 * Nelder–Mead minimisation from `x0` with an axis simplex of side `step` (coefficients 1, 2, ½, ½; Lagarias et al.
 * 1998 ordering). Stops when the simplex's function spread is < 1e-13·(1 + |f|) and its largest coordinate spread
 * < 1e-9, or after `maxIterations`.
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: Float64Array,
  step: number,
  maxIterations: number,
): { x: Float64Array; f: number; iterations: number } {
  const d = x0.length;
  const pts: Float64Array[] = [];
  const fs: number[] = [];
  for (let i = 0; i <= d; i++) {
    const p = Float64Array.from(x0);
    if (i > 0) p[i - 1] = p[i - 1]! + step;
    pts.push(p);
    fs.push(f(p));
  }
  const order = Array.from({ length: d + 1 }, (_, i) => i);
  const centroid = new Float64Array(d);
  const xr = new Float64Array(d);
  const xe = new Float64Array(d);
  const xc = new Float64Array(d);
  let it = 0;
  for (; it < maxIterations; it++) {
    order.sort((a, b) => fs[a]! - fs[b]! || a - b);
    const best = order[0]!;
    const worst = order[d]!;
    const second = order[d - 1]!;
    const fBest = fs[best]!;
    let spread = 0;
    for (let i = 1; i <= d; i++) for (let j = 0; j < d; j++) spread = Math.max(spread, Math.abs(pts[order[i]!]![j]! - pts[best]![j]!));
    if (fs[worst]! - fBest < 1e-13 * (1 + Math.abs(fBest)) && spread < 1e-9) break;
    centroid.fill(0);
    for (let i = 0; i < d; i++) {
      const p = pts[order[i]!]!;
      for (let j = 0; j < d; j++) centroid[j] = centroid[j]! + p[j]! / d;
    }
    const pw = pts[worst]!;
    for (let j = 0; j < d; j++) xr[j] = 2 * centroid[j]! - pw[j]!;
    const fr = f(xr);
    if (fr < fBest) {
      for (let j = 0; j < d; j++) xe[j] = 3 * centroid[j]! - 2 * pw[j]!;
      const fe = f(xe);
      if (fe < fr) {
        pw.set(xe);
        fs[worst] = fe;
      } else {
        pw.set(xr);
        fs[worst] = fr;
      }
      continue;
    }
    if (fr < fs[second]!) {
      pw.set(xr);
      fs[worst] = fr;
      continue;
    }
    if (fr < fs[worst]!) {
      // outside contraction
      for (let j = 0; j < d; j++) xc[j] = 1.5 * centroid[j]! - 0.5 * pw[j]!;
      const fc = f(xc);
      if (fc <= fr) {
        pw.set(xc);
        fs[worst] = fc;
        continue;
      }
    } else {
      // inside contraction
      for (let j = 0; j < d; j++) xc[j] = 0.5 * centroid[j]! + 0.5 * pw[j]!;
      const fc = f(xc);
      if (fc < fs[worst]!) {
        pw.set(xc);
        fs[worst] = fc;
        continue;
      }
    }
    // shrink towards the best vertex
    const pb = pts[best]!;
    for (let i = 0; i <= d; i++) {
      if (i === best) continue;
      const p = pts[i]!;
      for (let j = 0; j < d; j++) p[j] = pb[j]! + 0.5 * (p[j]! - pb[j]!);
      fs[i] = f(p);
    }
  }
  let bi = 0;
  for (let i = 1; i <= d; i++) if (fs[i]! < fs[bi]!) bi = i;
  return { x: Float64Array.from(pts[bi]!), f: fs[bi]!, iterations: it };
}
