// Implied volatility for Black-76 (futures/forwards) and BSM (spot with a continuous yield).
//
// Method: the price is undiscounted, reduced to the out-of-the-money option by put–call parity (an in-the-money
// option's time value is its price minus the intrinsic forward value), normalised by √(F·K), and mapped to the
// normalised call with x = −|ln(F/K)| ≤ 0 (the normalised put at x equals the normalised call at −x):
//   b(x, s) = e^{x/2}·N(x/s + s/2) − e^{−x/2}·N(x/s − s/2),   s = σ√T,   0 < b < e^{x/2}
// (P. Jäckel, "Let's be rational", Wilmott 2015, §2, for the normalisation and symmetries; the solver here is a
// simpler safeguarded Newton in the same spirit as his earlier "By implication", Wilmott 2006). b(s) is convex
// below the inflection point s_c = √(2|x|) and concave above it, so:
// - β ≤ b(s_c) (the lower wing, where b is exponentially small): Newton on ln b(s) − ln β, whose derivative is
//   b_s/b — price-relative, so a 1e-200 premium is as easy as a 1e-2 one — started from the asymptotic solution of
//   ln b ≈ −x²/(2s²) − s²/8 + 3·ln s − 2·ln|x| − ln√(2π) (valid for |x|/s ≫ 1);
// - β > b(s_c): Newton on b(s) − β from max(s_c, β·√(2π)); b is concave and increasing there, so the iterates rise
//   monotonically to the root without overshooting.
// Every step is kept inside a bracket [lo, hi] that the iterates shrink (bisection when a step would leave it), so
// the solver always terminates; it stops when a step changes s by less than 4e-16·s.
// b_s = ∂b/∂s = e^{x/2}·φ(d1) = exp(−x²/(2s²) − s²/8)/√(2π) is evaluated in that closed form (no cancellation).
//
// Accuracy. The vol is recovered to ≤ 1e-10 absolute wherever the price carries that information, which is the rule
// the tests use: (i) ε·price/vega ≤ 1e-12 — the price's own half-ulp, mapped through dσ = dV/vega, moves the vol by
// less than 1e-12 (deep in the money the time value drowns in the intrinsic value, and for very high total vol the
// price saturates at its upper bound: there no algorithm can do better than ε·price/vega); (ii) the normalised
// out-of-the-money time value is a normal double (≥ 1e-300), i.e. the option is not so far out of the money that
// its value underflows. In the wings the vol is in fact over-determined (dσ/σ = (b/(s·b_s))·db/b ≈ (s/x)²·db/b).
//
// Out-of-bounds prices: below the discounted intrinsic value or above the upper bound (D·F for a call, D·K for a
// put) no volatility reproduces the price, and impliedVol* return NaN; at exactly the intrinsic value the vol is 0,
// at exactly the upper bound +∞. Invalid inputs (non-finite, F or K ≤ 0, T ≤ 0, negative price) also give NaN.
// `checkImpliedVolBlack76` / `checkImpliedVolBsm` say which case applies and give the bounds, so the API edge can
// turn a NaN into a clear error ("price 12.3 is below the intrinsic value 15.0 of …").

import { normCdf } from "@offset/kernels";

export interface ImpliedVolBlack76Input {
  /** option premium in the price currency (a coin premium p quotes as p·F) */
  price: number;
  forward: number;
  strike: number;
  /** years, ACT/365 */
  timeToExpiry: number;
  /** continuously compounded discount rate (the premium is discounted with e^{−rT}) */
  rate: number;
  isCall: boolean;
}

export interface ImpliedVolBsmInput {
  price: number;
  spot: number;
  strike: number;
  timeToExpiry: number;
  rate: number;
  /** continuous dividend / carry / foreign-rate yield q */
  dividendYield: number;
  isCall: boolean;
}

export type ImpliedVolCheck =
  | { ok: true; lower: number; upper: number }
  | { ok: false; reason: "invalid-input" | "below-intrinsic" | "above-upper-bound"; lower: number; upper: number };

const INV_SQRT_2PI = 0.3989422804014327;
const LN_SQRT_2PI = 0.9189385332046728;
const SQRT_2PI = 2.5066282746310002;
/** Below this the normalised time value is not a full-precision double: treated as unrepresentable (NaN). */
const MIN_NORMALISED = 1e-300;
const MAX_ITER = 100;

/** Discounted no-arbitrage bounds of a Black-76 premium: [D·max(±(F − K), 0), D·F (call) | D·K (put)]. */
export function black76PriceBounds(forward: number, strike: number, timeToExpiry: number, rate: number, isCall: boolean): { lower: number; upper: number } {
  const D = Math.exp(-rate * timeToExpiry);
  const intrinsic = isCall ? forward - strike : strike - forward;
  return { lower: D * Math.max(intrinsic, 0), upper: D * (isCall ? forward : strike) };
}

/** Why impliedVolBlack76 would return NaN (or ok), with the bounds the price must lie in. */
export function checkImpliedVolBlack76(i: ImpliedVolBlack76Input): ImpliedVolCheck {
  const { price, forward: F, strike: K, timeToExpiry: T, rate: r } = i;
  if (!(Number.isFinite(price) && F > 0 && F < Infinity && K > 0 && K < Infinity && T > 0 && T < Infinity && Number.isFinite(r) && price >= 0)) {
    return { ok: false, reason: "invalid-input", lower: NaN, upper: NaN };
  }
  const { lower, upper } = black76PriceBounds(F, K, T, r, i.isCall);
  if (price < lower) return { ok: false, reason: "below-intrinsic", lower, upper };
  if (price > upper) return { ok: false, reason: "above-upper-bound", lower, upper };
  return { ok: true, lower, upper };
}

/** The forward of a BSM underlying, S·e^{(r−q)T}. */
function bsmForward(i: ImpliedVolBsmInput): number {
  return i.spot * Math.exp((i.rate - i.dividendYield) * i.timeToExpiry);
}

function bsmAsBlack76(i: ImpliedVolBsmInput): ImpliedVolBlack76Input {
  return { price: i.price, forward: bsmForward(i), strike: i.strike, timeToExpiry: i.timeToExpiry, rate: i.rate, isCall: i.isCall };
}

/** As checkImpliedVolBlack76, for a BSM quote (bounds: [max(±(S·e^{−qT} − K·e^{−rT}), 0), S·e^{−qT} | K·e^{−rT}]). */
export function checkImpliedVolBsm(i: ImpliedVolBsmInput): ImpliedVolCheck {
  if (!(i.spot > 0 && Number.isFinite(i.dividendYield))) return { ok: false, reason: "invalid-input", lower: NaN, upper: NaN };
  return checkImpliedVolBlack76(bsmAsBlack76(i));
}

/** Black-76 implied volatility (annualised, decimal); NaN when no vol reproduces the price (see the header). */
export function impliedVolBlack76(i: ImpliedVolBlack76Input): number {
  const { price, forward: F, strike: K, timeToExpiry: T, rate: r } = i;
  if (!(Number.isFinite(price) && F > 0 && F < Infinity && K > 0 && K < Infinity && T > 0 && T < Infinity && Number.isFinite(r) && price >= 0)) {
    return NaN;
  }
  const P = price / Math.exp(-r * T); // undiscounted
  const intrinsic = Math.max(i.isCall ? F - K : K - F, 0);
  const upper = i.isCall ? F : K;
  if (P < intrinsic || P > upper) return NaN;
  if (P === upper) return Infinity;
  const otm = P - intrinsic; // the out-of-the-money option's value, by put–call parity
  const x = -Math.abs(Math.log(F / K));
  const beta = otm / Math.sqrt(F * K);
  if (!(beta > 0)) return 0;
  const s = solveNormalised(x, beta);
  return s / Math.sqrt(T);
}

/** BSM implied volatility: the Black-76 problem on the forward S·e^{(r−q)T}. */
export function impliedVolBsm(i: ImpliedVolBsmInput): number {
  if (!(i.spot > 0 && i.spot < Infinity && Number.isFinite(i.dividendYield))) return NaN;
  return impliedVolBlack76(bsmAsBlack76(i));
}

/** Normalised out-of-the-money call b(x, s), x ≤ 0. */
export function normalisedBlack(x: number, s: number): number {
  const xs = x / s;
  const h = 0.5 * s;
  return Math.exp(0.5 * x) * normCdf(xs + h) - Math.exp(-0.5 * x) * normCdf(xs - h);
}

/** ∂b/∂s = exp(−x²/(2s²) − s²/8)/√(2π). */
function normalisedVega(x: number, s: number): number {
  const xs = x / s;
  return INV_SQRT_2PI * Math.exp(-0.5 * xs * xs - 0.125 * s * s);
}

/** s > 0 with b(x, s) = beta, for x ≤ 0 and 0 < beta < e^{x/2}; NaN if beta is not a full-precision double. */
function solveNormalised(x: number, beta: number): number {
  const bmax = Math.exp(0.5 * x);
  if (beta >= bmax) return Infinity;
  if (beta < MIN_NORMALISED) return NaN;
  const ax = -x;
  const sc = Math.sqrt(2 * ax);
  const bc = sc > 0 ? normalisedBlack(x, sc) : 0;
  const lower = beta <= bc;
  let lo = lower ? 0 : sc;
  let hi = lower ? sc : Infinity;
  // upper start: b(s) ≤ s·e^{x/2}/√(2π) (b_s peaks at s_c), so max(s_c, β√(2π)) is at or left of the root
  let s = lower ? lowerWingGuess(ax, beta, sc) : Math.max(sc, beta * SQRT_2PI);
  const lnBeta = Math.log(beta);
  for (let it = 0; it < MAX_ITER; it++) {
    const b = normalisedBlack(x, s);
    const vega = normalisedVega(x, s);
    if (b > beta) hi = Math.min(hi, s);
    else if (b < beta) lo = Math.max(lo, s);
    else return s;
    // Newton on ln b − ln β in the lower wing, on b − β above the inflection point
    const step = lower ? -((Math.log(b) - lnBeta) * b) / vega : -(b - beta) / vega;
    let next = s + step;
    if (!(next > lo && next < hi)) {
      // leave no bracket: bisect (geometrically when the bracket spans orders of magnitude)
      next = hi === Infinity ? 2 * s : lo > 0 ? Math.sqrt(lo * hi) : 0.5 * hi;
      if (lo > 0 && hi / lo < 4) next = 0.5 * (lo + hi);
    }
    if (Math.abs(next - s) <= 4e-16 * s) return next;
    s = next;
  }
  return s;
}

/**
 * Start for the lower wing: the root of the asymptotic expansion b ≈ exp(−x²/(2s²) − s²/8)·s³/(x²·√(2π)) by a few
 * fixed-point steps, clamped into (0, s_c].
 */
function lowerWingGuess(ax: number, beta: number, sc: number): number {
  const L = -Math.log(beta);
  let s = ax / Math.sqrt(2 * L);
  for (let k = 0; k < 3; k++) {
    const q = L - 0.125 * s * s + 3 * Math.log(s) - 2 * Math.log(ax) - LN_SQRT_2PI;
    if (!(q > 0)) break;
    s = ax / Math.sqrt(2 * q);
  }
  return s > 0 && s < sc ? s : 0.5 * sc;
}
