// Raw SVI smiles: evaluation, Gatheral's butterfly density, and a deterministic vega-weighted fit per expiry.
//
// Raw SVI (Gatheral 2004, "A parsimonious arbitrage-free implied volatility parameterization with application to the
// valuation of volatility derivatives", Global Derivatives, Madrid), in total implied variance w = σ_imp²·T against
// log-moneyness k = ln(K/F):
//     w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²))
// With u = k − m and r = √(u² + σ²):  w' = b·(ρ + u/r),  w'' = b·σ²/r³.
//
// Fit (Zeliade Systems, "Quasi-explicit calibration of Gatheral's SVI model", white paper ZWP-0005, 2009): with
// y = (k − m)/σ, z = √(y² + 1), the smile is  w = a + d·y + c·z  with d = ρ·b·σ, c = b·σ — linear in (a, d, c) for fixed
// (m, σ). The inner least-squares problem in (a, d, c) is solved exactly (a small convex QP, below); only (m, σ) are
// searched, by Nelder–Mead (Nelder & Mead 1965, with the coefficients and tie rules of Lagarias, Reeds, Wright &
// Wright, "Convergence properties of the Nelder–Mead simplex method in low dimensions", SIAM J. Optim. 9(1), 1998),
// started from the best node of a fixed (m, σ) grid. No randomness: same input, same bits.
//
// Constraints of the inner problem (all in (a, d, c), σ fixed):
//   b ≥ 0, |ρ| ≤ ρmax < 1       ⇔  |d| ≤ ρmax·c
//   b·(1 + |ρ|) ≤ 2             ⇔  c + |d| ≤ 2σ   — Lee's moment formula (R. Lee, "The moment formula for implied
//        volatility at extreme strikes", Math. Finance 14(3), 2004): lim sup w(k)/|k| ≤ 2. It is also exactly what keeps
//        Gatheral's density positive far out: with w ≈ β·|k|, g(k) → 1/4 − β²/16, negative iff β > 2.
//   min_k w = a + b·σ·√(1 − ρ²) ≥ 0   ⇔  a + √(c² − d²) ≥ 0   (so w ≥ 0 everywhere)
// The first two make a kite-shaped polygon in (d, c) (a is free there and is eliminated in closed form); the optimum
// over the polygon is the unconstrained one if inside, else the best point on its four edges. If that optimum breaks
// w ≥ 0, the constrained optimum lies on the cone a = −c·√(1 − ρ²), d = ρ·c (convex objective, convex set), where the
// problem is a 1-D search in ρ with c in closed form.
//
// The objective (options.objective):
//   "vol" (default): Σ weightᵢ·(σ_model − σ_obs)², linearised: dσ = dw/(2σT) = dw/(2√(w·T)), so the total-variance
//       residual is weighted by weightᵢ/(4·wᵢ·T) (T is constant within an expiry and drops out after normalising).
//       Chosen as the default because vol points are what the RMSE reports and what a trader reads. The weight
//       multiplies the squared vol error: weight = vega gives the usual vega-weighted vol fit (wings with no vega
//       count little); weight = vega² would give a price-error fit (price error ≈ vega·dσ).
//   "totalVariance": Σ weightᵢ·(w_model − w_obs)², as in Zeliade's paper; it leans towards the wings (w grows there).
// Either way the inner problem stays linear (the weights are fixed per point), which is why the vol objective is
// linearised rather than exact.

/** Raw SVI parameters for one expiry: total implied variance w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)). */
export interface SviParams {
  a: number;
  b: number;
  rho: number;
  m: number;
  sigma: number;
}

/** One quoted point of a smile: k = ln(K/F), w = σ_imp²·T, and its weight in the fit (e.g. Black-76 vega). */
export interface SviPoint {
  k: number;
  totalVariance: number;
  weight: number;
}

/** Gatheral's butterfly check on a k-grid: ok iff g(k) ≥ 0 there (within rounding), the minimum and where. */
export interface ButterflyCheck {
  ok: boolean;
  minDensity: number;
  /** the k where g is smallest */
  at?: number;
}

export interface SviFit {
  params: SviParams;
  /** root mean square of σ_model − σ_obs over all points, in vol points (1 vol point = 0.01 of σ) */
  rmseVolPoints: number;
  /** largest |σ_model − σ_obs| over all points, vol points */
  maxErrorVolPoints: number;
  /** the same RMSE weighted by the points' weights (what the fit minimises, to first order, for objective "vol") */
  weightedRmseVolPoints: number;
  points: number;
  /** Nelder–Mead iterations over (m, σ), the restart's included */
  iterations: number;
  /** inner (m, σ) → (a, d, c) solves, the start grid's 63 included: the cost of the fit is ≈ evaluations × points */
  evaluations: number;
  /** false if the search stopped at maxIterations before its tolerance (the fit is still the best found) */
  converged: boolean;
  /** quoted log-moneyness range */
  kMin: number;
  kMax: number;
  /** Gatheral's density on [kMin − margin, kMax + margin] (reported, never repaired) */
  butterfly: ButterflyCheck;
}

export interface SviFitOptions {
  /** what the weighted least squares measures: "vol" (default, linearised) or "totalVariance"; see the header */
  objective?: "vol" | "totalVariance";
  /**
   * bound on |ρ| (default 0.999): |ρ| < 1 strictly, as the contract and the snapshot schema require; at 0.999 one wing
   * already has slope b·(1 − |ρ|) = 0.001·b, i.e. flat, so the bound costs no realistic fit.
   */
  maxRho?: number;
  /**
   * butterfly-check margin beyond the quoted k-range on each side (default: half the quoted width, at least 0.05):
   * a risk run shocks spot and evaluates the smile past the last quoted strike, so the check covers that extrapolation.
   */
  checkMargin?: number;
  /** Nelder–Mead iteration cap (default 2000; a fit typically takes 60–200) */
  maxIterations?: number;
}

/** w(k) for raw SVI. */
export function sviTotalVariance(p: SviParams, k: number): number {
  const u = k - p.m;
  return p.a + p.b * (p.rho * u + Math.sqrt(u * u + p.sigma * p.sigma));
}

/** Minimum of w over k: a + b·σ·√(1 − ρ²) (at k = m − ρσ/√(1 − ρ²)). */
export function sviMinTotalVariance(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(1 - p.rho * p.rho);
}

/**
 * Gatheral's density function g(k) = (1 − k·w'/(2w))² − (w'²/4)·(1/w + 1/4) + w''/2 (Gatheral & Jacquier,
 * "Arbitrage-free SVI volatility surfaces", Quantitative Finance 14(1), 2014, eq. 2.1 / Lemma 2.2): the risk-neutral
 * density is p(k) = g(k)/√(2πw)·exp(−d₋²/2), so the smile is free of butterfly arbitrage iff g ≥ 0 (and w > 0).
 * Returns −∞ where w ≤ 0 (no density there at all).
 */
export function sviDensity(p: SviParams, k: number): number {
  const u = k - p.m;
  const s2 = p.sigma * p.sigma;
  const r = Math.sqrt(u * u + s2);
  const w = p.a + p.b * (p.rho * u + r);
  if (!(w > 0)) return -Infinity;
  const w1 = p.b * (p.rho + u / r);
  const w2 = (p.b * s2) / (r * r * r);
  const h = 1 - (k * w1) / (2 * w);
  return h * h - 0.25 * w1 * w1 * (1 / w + 0.25) + 0.5 * w2;
}

/**
 * Tolerance of the butterfly check: g is a sum of O(1) terms (for real smiles |k·w'/w|, w'²/w and w'' are at most
 * O(10)), each computed to a few ulps, so rounding moves g by < 1e-13; any g below −1e-10 is a real (if tiny) arbitrage.
 */
export const DENSITY_TOLERANCE = 1e-10;

/**
 * Scans g on `n` equally spaced points of [kLo, kHi] (n ≥ 2), then refines the minimum by golden-section search in the
 * two grid cells around the lowest node (g is smooth; the refinement catches a dip narrower than the grid step).
 */
export function sviButterflyCheck(p: SviParams, kLo: number, kHi: number, n = 801): ButterflyCheck {
  if (!(kHi > kLo) || !Number.isFinite(kLo) || !Number.isFinite(kHi)) {
    throw new Error(`sviButterflyCheck: k-range must be finite with kLo < kHi (got [${kLo}, ${kHi}])`);
  }
  const step = (kHi - kLo) / (n - 1);
  let best = Infinity;
  let at = kLo;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const k = i === n - 1 ? kHi : kLo + i * step;
    const g = sviDensity(p, k);
    if (g < best || (i === 0 && Number.isNaN(g))) {
      best = g;
      at = k;
      j = i;
    }
  }
  if (Number.isFinite(best)) {
    const refined = goldenMin((k) => sviDensity(p, k), Math.max(kLo, kLo + (j - 1) * step), Math.min(kHi, kLo + (j + 1) * step));
    if (refined.f < best) {
      best = refined.f;
      at = refined.x;
    }
  }
  return { ok: best >= -DENSITY_TOLERANCE, minDensity: best, at };
}

/** Checks a parameter set against the raw-SVI bounds; throws an Error naming the parameter and value. */
export function validateSviParams(p: SviParams, what = "svi"): void {
  for (const key of ["a", "b", "rho", "m", "sigma"] as const) {
    if (typeof p[key] !== "number" || !Number.isFinite(p[key])) throw new Error(`${what}.${key} must be a finite number (got ${p[key]})`);
  }
  if (p.b < 0) throw new Error(`${what}.b must be ≥ 0 (got ${p.b})`);
  if (!(Math.abs(p.rho) < 1)) throw new Error(`${what}.rho must be in (−1, 1) (got ${p.rho})`);
  if (!(p.sigma > 0)) throw new Error(`${what}.sigma must be > 0 (got ${p.sigma})`);
  const wMin = sviMinTotalVariance(p);
  // rounding: wMin is a difference of O(|a|) terms, so allow a few ulps of |a| below zero
  if (wMin < -4 * Number.EPSILON * Math.abs(p.a)) {
    throw new Error(`${what}: a + b·σ·√(1 − ρ²) must be ≥ 0 so that w ≥ 0 (got ${wMin} from a=${p.a}, b=${p.b}, rho=${p.rho}, sigma=${p.sigma})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The fit

const DEFAULT_MAX_RHO = 0.999;
/** Lee's bound on the wing slopes of total variance: b·(1 + |ρ|) ≤ 2 (see header). */
const LEE_SLOPE = 2;

/** Scratch state of one fit: the points as typed arrays, and the inner solution of the last evaluation. */
class Fitter {
  readonly n: number;
  readonly k: Float64Array;
  readonly w: Float64Array;
  /** normalised effective weights on the total-variance residual (sum 1) */
  readonly om: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  readonly kMin: number;
  readonly kMax: number;
  readonly kMid: number;
  readonly range: number;
  readonly lnSigmaLo: number;
  readonly lnSigmaHi: number;
  readonly maxRho: number;
  evaluations = 0;
  /** the kite's vertices (d, c): (0, 0), (ρmax·cSide, cSide), (0, 2σ), (−ρmax·cSide, cSide) — filled per call */
  private readonly vx = new Float64Array(4);
  private readonly vy = new Float64Array(4);
  // inner solution of the last evaluate()
  a = 0;
  d = 0;
  c = 0;

  constructor(k: Float64Array, w: Float64Array, om: Float64Array, maxRho: number) {
    this.n = k.length;
    this.k = k;
    this.w = w;
    this.om = om;
    this.y = new Float64Array(this.n);
    this.z = new Float64Array(this.n);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < this.n; i++) {
      lo = Math.min(lo, k[i]!);
      hi = Math.max(hi, k[i]!);
    }
    this.kMin = lo;
    this.kMax = hi;
    this.kMid = 0.5 * (lo + hi);
    this.range = hi - lo;
    // σ (the smile's ATM rounding, in k units) searched over [1e-4, 10] quoted widths: below, the smile is a V at the
    // quoted resolution; above, it is a parabola over the quoted range (σ and b then trade off without changing the fit).
    this.lnSigmaLo = Math.log(1e-4 * this.range);
    this.lnSigmaHi = Math.log(10 * this.range);
    this.maxRho = maxRho;
  }

  private m = 0;
  private sigma = 1;

  /**
   * m and σ from the search variables x0 = (m − kMid)/range, x1 = ln σ, clamped to the box (into this.m, this.sigma);
   * returns the distance outside the box. m stays within one quoted width beyond either end of the quoted range.
   */
  private box(x0: number, x1: number): number {
    const c0 = Math.min(1.5, Math.max(-1.5, x0));
    const c1 = Math.min(this.lnSigmaHi, Math.max(this.lnSigmaLo, x1));
    this.m = this.kMid + c0 * this.range;
    this.sigma = Math.exp(c1);
    return Math.abs(x0 - c0) + Math.abs(x1 - c1);
  }

  /** The Nelder–Mead objective: the inner optimum's weighted squared error, ×(1 + distance outside the box). */
  objective(x0: number, x1: number): number {
    const outside = this.box(x0, x1);
    return this.evaluate(this.m, this.sigma) * (1 + outside);
  }

  params(x0: number, x1: number): SviParams {
    this.box(x0, x1);
    const { m, sigma } = this;
    this.evaluate(m, sigma);
    const c = this.c;
    const b = c / sigma;
    let rho = c > 0 ? this.d / c : 0;
    // the QP keeps |d| ≤ ρmax·c up to rounding; clamp the last ulps so the result passes |ρ| < 1 validation
    rho = Math.min(this.maxRho, Math.max(-this.maxRho, rho));
    return { a: this.a, b, rho, m, sigma };
  }

  /**
   * Solves the inner problem for fixed (m, σ) (see header) into this.a/d/c and returns Σ ωᵢ·(wᵢ(model) − wᵢ)², the
   * residual recomputed directly (not from the moments, which would cancel catastrophically near a perfect fit).
   */
  evaluate(m: number, sigma: number): number {
    this.evaluations++;
    const { n, k, w, om, y, z } = this;
    const inv = 1 / sigma;
    let ym = 0;
    let zm = 0;
    let wm = 0;
    for (let i = 0; i < n; i++) {
      const yi = (k[i]! - m) * inv;
      const zi = Math.sqrt(yi * yi + 1);
      y[i] = yi;
      z[i] = zi;
      const o = om[i]!;
      ym += o * yi;
      zm += o * zi;
      wm += o * w[i]!;
    }
    // centred second moments (two passes: accurate when y is far from 0)
    let cyy = 0;
    let cyz = 0;
    let czz = 0;
    let cyw = 0;
    let czw = 0;
    let cww = 0;
    for (let i = 0; i < n; i++) {
      const o = om[i]!;
      const dy = y[i]! - ym;
      const dz = z[i]! - zm;
      const dw = w[i]! - wm;
      cyy += o * dy * dy;
      cyz += o * dy * dz;
      czz += o * dz * dz;
      cyw += o * dy * dw;
      czw += o * dz * dw;
      cww += o * dw * dw;
    }
    // a eliminated (a = wm − d·ym − c·zm): minimise Q(d, c) = [d c]·C·[d c]ᵀ − 2·[d c]·[cyw czw]ᵀ (+ cww) over the kite
    //   |d| ≤ ρmax·c,  c + |d| ≤ 2σ
    const rmax = this.maxRho;
    const cTop = LEE_SLOPE * sigma; // vertex (0, 2σ)
    const cSide = cTop / (1 + rmax); // vertices (±ρmax·cSide, cSide)
    let d = 0;
    let c = 0;
    const det = cyy * czz - cyz * cyz;
    let inside = false;
    if (det > 1e-14 * (cyy * czz)) {
      // 1e-14: relative conditioning below which the 2×2 solve has lost all but ~2 digits; fall back to the edges
      d = (czz * cyw - cyz * czw) / det;
      c = (cyy * czw - cyz * cyw) / det;
      inside = Math.abs(d) <= rmax * c && c + Math.abs(d) <= cTop;
    }
    if (!inside) {
      // the optimum is on the boundary: best point of each edge (a 1-D clamped quadratic each)
      let best = Infinity;
      const vx = this.vx;
      const vy = this.vy;
      vx[1] = rmax * cSide;
      vx[3] = -rmax * cSide;
      vy[1] = cSide;
      vy[2] = cTop;
      vy[3] = cSide;
      for (let e = 0; e < 4; e++) {
        const d0 = vx[e]!;
        const c0 = vy[e]!;
        const dd = vx[(e + 1) & 3]! - d0;
        const dc = vy[(e + 1) & 3]! - c0;
        // Q(t) = α·t² + β·t + Q(0) along (d0, c0) + t·(dd, dc)
        const alpha = cyy * dd * dd + 2 * cyz * dd * dc + czz * dc * dc;
        const beta = 2 * (cyy * d0 * dd + cyz * (d0 * dc + c0 * dd) + czz * c0 * dc) - 2 * (cyw * dd + czw * dc);
        let t = alpha > 0 ? -beta / (2 * alpha) : beta < 0 ? 1 : 0;
        t = Math.min(1, Math.max(0, t));
        const de = d0 + t * dd;
        const ce = c0 + t * dc;
        const q = cyy * de * de + 2 * cyz * de * ce + czz * ce * ce - 2 * (cyw * de + czw * ce);
        if (q < best) {
          best = q;
          d = de;
          c = ce;
        }
      }
    }
    let a = wm - d * ym - c * zm;
    this.a = a;
    this.d = d;
    this.c = c;
    if (a + Math.sqrt(Math.max(0, c * c - d * d)) < 0) {
      // w ≥ 0 binds (rare: kept out of this hot function so it stays small for the JIT)
      this.coneSolve(sigma, ym, zm, wm, cyy + ym * ym, cyz + ym * zm, czz + zm * zm, cyw + ym * wm, czw + zm * wm);
      a = this.a;
      d = this.d;
      c = this.c;
    }
    let f = 0;
    for (let i = 0; i < n; i++) {
      const r = a + d * y[i]! + c * z[i]! - w[i]!;
      f += om[i]! * r * r;
    }
    return f;
  }

  /**
   * The inner optimum on the cone a = −c·s, d = ρ·c, s = √(1 − ρ²) (where w ≥ 0 binds): model w = c·φ, φ = ρ·y + z − s,
   * c in closed form for each ρ, ρ by a coarse scan (41 nodes) and golden section in the best node's bracket (the cost
   * in ρ need not be unimodal). Arguments: σ, the weighted means of y, z, w and the raw second moments (Σω = 1).
   */
  private coneSolve(sigma: number, ym: number, zm: number, wm: number, syy: number, syz: number, szz: number, syw: number, szw: number): void {
    const rmax = this.maxRho;
    const cTop = LEE_SLOPE * sigma;
    const coneC = (rho: number): number => {
      const s = Math.sqrt(1 - rho * rho);
      const A = rho * rho * syy + szz + s * s + 2 * rho * syz - 2 * rho * s * ym - 2 * s * zm;
      const B = rho * syw + szw - s * wm;
      return A > 0 ? Math.min(cTop / (1 + Math.abs(rho)), Math.max(0, B / A)) : 0;
    };
    const coneCost = (rho: number): number => {
      const s = Math.sqrt(1 - rho * rho);
      const A = rho * rho * syy + szz + s * s + 2 * rho * syz - 2 * rho * s * ym - 2 * s * zm;
      const B = rho * syw + szw - s * wm;
      const cc = coneC(rho);
      return cc * cc * A - 2 * cc * B;
    };
    const nodes = 40;
    let bestR = 0;
    let bestF = Infinity;
    let bestJ = 0;
    for (let j = 0; j <= nodes; j++) {
      const r = -rmax + (2 * rmax * j) / nodes;
      const f = coneCost(r);
      if (f < bestF) {
        bestF = f;
        bestR = r;
        bestJ = j;
      }
    }
    const h = (2 * rmax) / nodes;
    const g = goldenMin(coneCost, Math.max(-rmax, -rmax + (bestJ - 1) * h), Math.min(rmax, -rmax + (bestJ + 1) * h));
    if (g.f < bestF) bestR = g.x;
    const c = coneC(bestR);
    this.c = c;
    this.d = bestR * c;
    this.a = -c * Math.sqrt(1 - bestR * bestR);
  }
}

/** Golden-section minimisation on [lo, hi] to |bracket| < 1e-12·(1 + |x|) or 80 steps (0.618^80 ≈ 2e-17). */
function goldenMin(f: (x: number) => number, lo: number, hi: number): { x: number; f: number } {
  const invPhi = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let x1 = b - invPhi * (b - a);
  let x2 = a + invPhi * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let it = 0; it < 80 && b - a > 1e-12 * (1 + Math.abs(a)); it++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - invPhi * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + invPhi * (b - a);
      f2 = f(x2);
    }
  }
  return f1 <= f2 ? { x: x1, f: f1 } : { x: x2, f: f2 };
}

/**
 * Nelder–Mead in 2-D (Lagarias et al. 1998: reflection 1, expansion 2, contraction ½, shrink ½). Stops when the simplex
 * is smaller than xtol in every coordinate, or when the vertex values agree to ftolRel relatively (a flat valley:
 * moving further changes the fit by nothing measurable), or after maxIter iterations.
 */
function nelderMead2(
  f: (x0: number, x1: number) => number,
  start: [number, number],
  steps: [number, number],
  maxIter: number,
): { x0: number; x1: number; f: number; iterations: number; converged: boolean; byValue: boolean } {
  // xtol 1e-10 in (m/width, ln σ): the inner solve is exact, so (a, b, ρ) inherit this relative precision
  // ftolRel 1e-10: vertex values equal to 10 digits, i.e. the vol RMSE settled to ~5e-11 of itself; on the Deribit
  // chains 1e-12 gave the same fits to 1e-4 vol points for ~10% more evaluations
  const xtol = 1e-10;
  const ftolRel = 1e-10;
  const px = [start[0], start[0] + steps[0], start[0]];
  const py = [start[1], start[1], start[1] + steps[1]];
  const fv = [f(px[0]!, py[0]!), f(px[1]!, py[1]!), f(px[2]!, py[2]!)];
  let it = 0;
  let converged = false;
  let byValue = false;
  for (; it < maxIter; it++) {
    // order the three vertices best, good, worst (ties keep index order)
    let b = 0;
    let g = 1;
    let wI = 2;
    if (fv[g]! < fv[b]!) [b, g] = [g, b];
    if (fv[wI]! < fv[g]!) [g, wI] = [wI, g];
    if (fv[g]! < fv[b]!) [b, g] = [g, b];
    const fb = fv[b]!;
    const fw = fv[wI]!;
    const size = Math.max(Math.abs(px[g]! - px[b]!), Math.abs(px[wI]! - px[b]!), Math.abs(py[g]! - py[b]!), Math.abs(py[wI]! - py[b]!));
    if (fw - fb <= ftolRel * fb && fb > 0) {
      converged = byValue = true;
      break;
    }
    if (size <= xtol) {
      converged = true;
      break;
    }
    const cx = 0.5 * (px[b]! + px[g]!);
    const cy = 0.5 * (py[b]! + py[g]!);
    const rx = 2 * cx - px[wI]!;
    const ry = 2 * cy - py[wI]!;
    const fr = f(rx, ry);
    if (fr < fb) {
      const ex = 3 * cx - 2 * px[wI]!;
      const ey = 3 * cy - 2 * py[wI]!;
      const fe = f(ex, ey);
      if (fe < fr) {
        px[wI] = ex;
        py[wI] = ey;
        fv[wI] = fe;
      } else {
        px[wI] = rx;
        py[wI] = ry;
        fv[wI] = fr;
      }
      continue;
    }
    if (fr < fv[g]!) {
      px[wI] = rx;
      py[wI] = ry;
      fv[wI] = fr;
      continue;
    }
    if (fr < fw) {
      // outside contraction
      const ox = cx + 0.5 * (rx - cx);
      const oy = cy + 0.5 * (ry - cy);
      const fo = f(ox, oy);
      if (fo <= fr) {
        px[wI] = ox;
        py[wI] = oy;
        fv[wI] = fo;
        continue;
      }
    } else {
      // inside contraction
      const ix = cx + 0.5 * (px[wI]! - cx);
      const iy = cy + 0.5 * (py[wI]! - cy);
      const fi = f(ix, iy);
      if (fi < fw) {
        px[wI] = ix;
        py[wI] = iy;
        fv[wI] = fi;
        continue;
      }
    }
    // shrink towards the best vertex
    for (const v of [g, wI]) {
      px[v] = px[b]! + 0.5 * (px[v]! - px[b]!);
      py[v] = py[b]! + 0.5 * (py[v]! - py[b]!);
      fv[v] = f(px[v]!, py[v]!);
    }
  }
  let bi = 0;
  for (let i = 1; i < 3; i++) if (fv[i]! < fv[bi]!) bi = i;
  return { x0: px[bi]!, x1: py[bi]!, f: fv[bi]!, iterations: it, converged, byValue };
}

const MIN_POINTS = 5;

/**
 * Fits raw SVI to one expiry's smile (see the header for the method). `t` is the expiry's time in years (used for the
 * vol-point metrics and the "vol" objective). Throws an Error naming the offending input on NaN/∞, t ≤ 0, a
 * non-positive total variance, a negative weight, or fewer than 5 points with positive weight / 2 distinct k.
 */
export function fitSvi(points: SviPoint[], t: number, options: SviFitOptions = {}): SviFit {
  if (typeof t !== "number" || !(t > 0) || !Number.isFinite(t)) throw new Error(`fitSvi: t must be a finite number of years > 0 (got ${t})`);
  if (!Array.isArray(points)) throw new Error(`fitSvi: points must be an array of { k, totalVariance, weight } (got ${typeof points})`);
  const objective = options.objective ?? "vol";
  if (objective !== "vol" && objective !== "totalVariance") throw new Error(`fitSvi: options.objective must be "vol" or "totalVariance" (got ${String(objective)})`);
  const maxRho = options.maxRho ?? DEFAULT_MAX_RHO;
  if (!(maxRho > 0 && maxRho < 1)) throw new Error(`fitSvi: options.maxRho must be in (0, 1) (got ${maxRho})`);
  const maxIterations = options.maxIterations ?? 2000;
  if (!(maxIterations >= 1)) throw new Error(`fitSvi: options.maxIterations must be ≥ 1 (got ${maxIterations})`);
  points.forEach((p, i) => {
    if (p === null || typeof p !== "object") throw new Error(`fitSvi: points[${i}] must be an object { k, totalVariance, weight } (got ${p})`);
    if (typeof p.k !== "number" || !Number.isFinite(p.k)) throw new Error(`fitSvi: points[${i}].k must be a finite number (got ${p.k})`);
    if (typeof p.totalVariance !== "number" || !(p.totalVariance > 0) || !Number.isFinite(p.totalVariance)) {
      throw new Error(`fitSvi: points[${i}].totalVariance must be a finite number > 0 (got ${p.totalVariance})`);
    }
    if (typeof p.weight !== "number" || !(p.weight >= 0) || !Number.isFinite(p.weight)) {
      throw new Error(`fitSvi: points[${i}].weight must be a finite number ≥ 0 (got ${p.weight})`);
    }
  });
  const used = points.filter((p) => p.weight > 0);
  if (used.length < MIN_POINTS) {
    throw new Error(`fitSvi: need at least ${MIN_POINTS} points with weight > 0 to fit 5 SVI parameters (got ${used.length} of ${points.length})`);
  }
  const n = used.length;
  const k = new Float64Array(n);
  const w = new Float64Array(n);
  const om = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = used[i]!;
    k[i] = p.k;
    w[i] = p.totalVariance;
    om[i] = objective === "vol" ? p.weight / p.totalVariance : p.weight;
    total += om[i]!;
  }
  for (let i = 0; i < n; i++) om[i] = om[i]! / total;
  const fitter = new Fitter(k, w, om, maxRho);
  if (!(fitter.range > 0)) throw new Error(`fitSvi: the points must span at least two distinct k (all at k = ${fitter.kMin})`);

  // start: best node of a 9 × 7 grid — m over the quoted range ± ¼ width, σ from 0.003 to 3 widths (half-decades)
  let sx0 = 0;
  let sx1 = 0;
  let sf = Infinity;
  for (let i = 0; i <= 8; i++) {
    const x0 = -0.75 + (1.5 * i) / 8;
    for (let j = 0; j <= 6; j++) {
      const x1 = Math.log(fitter.range) + Math.LN10 * ((j - 5) / 2);
      const f = fitter.objective(x0, x1);
      if (f < sf) {
        sf = f;
        sx0 = x0;
        sx1 = x1;
      }
    }
  }
  // initial simplex steps: a grid cell (3/16 of a width in m, half a decade in σ). A run that ends with a collapsed
  // simplex whose vertex values still disagree (or at the cap) is restarted once from its best point with a fresh
  // simplex a tenth that size — the standard guard against Nelder–Mead stalling at a non-stationary point (McKinnon,
  // SIAM J. Optim. 9(1), 1998; Lagarias et al. 1998). On the Deribit chains every run ends on the value test and the
  // restart never changed a fit beyond 1e-4 vol points, so it is not paid there (it cost ~30% more evaluations).
  const steps: [number, number] = [0.1875, 0.5 * Math.LN10];
  const obj = (a: number, b: number) => fitter.objective(a, b);
  let r = nelderMead2(obj, [sx0, sx1], steps, maxIterations);
  let iterations = r.iterations;
  let converged = r.converged;
  if (!r.byValue) {
    const r2 = nelderMead2(obj, [r.x0, r.x1], [0.1 * steps[0], 0.1 * steps[1]], Math.max(1, maxIterations - iterations));
    iterations += r2.iterations;
    converged = r2.converged;
    if (r2.f <= r.f) r = r2;
  }
  const params = fitter.params(r.x0, r.x1);

  // metrics in vol points over all points (weight-0 points included)
  let se = 0;
  let swe = 0;
  let sw = 0;
  let maxErr = 0;
  for (const p of points) {
    const model = sviTotalVariance(params, p.k);
    const e = 100 * (Math.sqrt(Math.max(0, model) / t) - Math.sqrt(p.totalVariance / t));
    se += e * e;
    swe += p.weight * e * e;
    sw += p.weight;
    maxErr = Math.max(maxErr, Math.abs(e));
  }
  let kMin = Infinity;
  let kMax = -Infinity;
  for (const p of points) {
    kMin = Math.min(kMin, p.k);
    kMax = Math.max(kMax, p.k);
  }
  const margin = options.checkMargin ?? Math.max(0.05, 0.5 * (kMax - kMin));
  if (!(margin >= 0)) throw new Error(`fitSvi: options.checkMargin must be ≥ 0 (got ${margin})`);
  return {
    params,
    rmseVolPoints: Math.sqrt(se / points.length),
    maxErrorVolPoints: maxErr,
    weightedRmseVolPoints: Math.sqrt(swe / sw),
    points: points.length,
    iterations,
    evaluations: fitter.evaluations,
    converged,
    kMin,
    kMax,
    butterfly: sviButterflyCheck(params, kMin - margin, kMax + margin),
  };
}
