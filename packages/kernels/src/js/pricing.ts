// Batch Black-76 and generalised Black–Scholes–Merton pricing with Greeks: the pure-TS twin of assembly/pricing.ts.
// The operation order here is the specification: the wasm core (scalar and f64x2) performs the same IEEE operations
// in the same order with fdlibm exp/log (which V8's Math.exp/Math.log are), so all three backends agree bit for bit.
//
// Formulas (Black 1976; Merton 1973; e.g. Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., ch. 1):
//   s = σ√T, d1 = ln(F/K)/s + s/2, d2 = ln(F/K)/s − s/2, D = e^{−rT}, w = +1 call / −1 put
//   Black-76: V = w·D·(F·N(w·d1) − K·N(w·d2)); Δ = w·D·N(w·d1); Γ = D·φ(d1)/(F·s); vega = D·F·φ(d1)·√T;
//             θ = dV/dt = r·V − vega·σ/(2T); ρ = ∂V/∂r at fixed F = −T·V.
//   BSM (spot S, yield q): the same with F = S·e^{(r−q)T}, ln(F/K) = ln(S/K) + (r − q)T, written with Dq = e^{−qT}:
//             V = w·(Dq·S·N(w·d1) − D·K·N(w·d2)); Δ = w·Dq·N(w·d1); Γ = Dq·φ(d1)/(S·s); vega = Dq·S·φ(d1)·√T;
//             θ = w·(q·Dq·S·N(w·d1) − r·D·K·N(w·d2)) − vega·σ/(2T); ρ = ∂V/∂r at fixed q = w·T·D·K·N(w·d2).
//   N(w·d) is evaluated directly (never as 1 − N(d)), so out-of-the-money tails keep their relative accuracy;
//   φ(d1) and the tails of N(w·d1), N(w·d2) share one exponential (see E_SHARE_MIN).
//
// Inverse (coin-settled) Black-76, `inverse = true`: the columns hold U = V/F (value in coin) and its exact
// derivatives with respect to F: ∂U/∂F = Δ/F − V/F² = (Δ − U)/F (coin per unit of F), ∂²U/∂F² =
// Γ/F − 2Δ/F² + 2V/F³ = (Γ − 2·∂U/∂F)/F, and vega/F, θ/F, ρ/F (F is held fixed for those, so they just scale).
//
// Edge cases (identical in every backend):
// - any of F (or S), K, T, σ not finite, F ≤ 0, K < 0, T < 0, σ < 0, or r (q) not finite → NaN in every column.
//   r and q may be negative. F = 0 is a domain error too (a zero forward has no log-moneyness and no coin value).
// - K = 0: the call is worth D·F (BSM: Dq·S) and the put 0; d1 = d2 = +∞ flow through the formulas without NaN.
// - s = σ√T = 0 (T = 0 or σ = 0): the deterministic payoff. N(w·d1) and N(w·d2) become the step h(u) of
//   u = w·(F − K) (BSM: u = w·(Dq·S − D·K)), with h(0) = ½ AT THE MONEY (the average of the one-sided limits, so
//   the ATM delta is ±½·D), φ-terms are 0: V = D·max(w(F − K), 0) (T = 0: the undiscounted intrinsic, D = 1),
//   Δ = w·D·h, Γ = vega = 0, θ = r·V for Black-76 (the carry of the discounted intrinsic) when T > 0, and
//   θ = 0 at T = 0 (the Greeks of the expiring payoff), ρ = −T·V (BSM: w·T·D·K·h).
// No kernel throws: the loop writes NaN and moves on.

import type { Black76Inputs, BsmInputs, GreeksOutputs } from "../types.js";
import { INV_SQRT_2PI, expNegHalfSq, normCdfE } from "./normal.js";

/**
 * e^{−d2²/2} = e^{−d1²/2}·F/K (since d1² − d2² = 2·ln(F/K)): the tail of N(d2) reuses d1's exponential with one
 * multiply while e^{−d1²/2} is a normal double with full precision (> 1e-290); below that (|d1| > 36.5, or K = 0)
 * it is computed directly. The relative error of the product (~ε·d²) is that of d2 itself, so nothing is lost.
 */
const E_SHARE_MIN = 1e-290;

/** The Black-76 domain (the wasm core's b76Valid): F > 0, K, T, σ ≥ 0, all finite, r finite. Else NaN outputs. */
export function black76Valid(F: number, K: number, T: number, v: number, r: number): boolean {
  return F > 0 && F < Infinity && K >= 0 && K < Infinity && T >= 0 && T < Infinity && v >= 0 && v < Infinity && r - r === 0;
}

/** The step N(±∞) of a degenerate (s = 0) option: 1 in the money, 0 out of it, ½ at the money. */
function step(u: number): number {
  return u > 0 ? 1 : u < 0 ? 0 : 0.5;
}

export function black76(inputs: Black76Inputs, inverse: boolean, out: GreeksOutputs): GreeksOutputs {
  const { forward, strike, timeToExpiry, vol, rate, isCall } = inputs;
  const { price, delta, gamma, vega, theta, rho } = out;
  const n = forward.length;
  for (let i = 0; i < n; i++) {
    const F = forward[i]!;
    const K = strike[i]!;
    const T = timeToExpiry[i]!;
    const v = vol[i]!;
    const r = rate[i]!;
    if (!black76Valid(F, K, T, v, r)) {
      price[i] = delta[i] = gamma[i] = vega[i] = theta[i] = rho[i] = NaN;
      continue;
    }
    const w = isCall[i] !== 0 ? 1 : -1;
    const sqrtT = Math.sqrt(T);
    const s = v * sqrtT;
    const D = Math.exp(-r * T);
    let n1: number, n2: number, pdf: number;
    if (s > 0) {
      const FK = F / K;
      const xs = Math.log(FK) / s;
      const h = 0.5 * s;
      const d1 = xs + h;
      const d2 = xs - h;
      const e1 = expNegHalfSq(d1);
      pdf = INV_SQRT_2PI * e1;
      n1 = normCdfE(w * d1, e1);
      n2 = normCdfE(w * d2, e1 > E_SHARE_MIN ? e1 * FK : expNegHalfSq(d2));
    } else {
      n1 = n2 = step(w * (F - K));
      pdf = 0;
    }
    const wD = w * D;
    const V = wD * (F * n1 - K * n2);
    const dlt = wD * n1;
    const gam = s > 0 ? (D * pdf) / (F * s) : 0;
    const veg = D * F * pdf * sqrtT;
    const tht = T > 0 ? r * V - (veg * v) / (2 * T) : 0;
    const rh = -T * V;
    if (inverse) {
      const U = V / F;
      const dU = (dlt - U) / F;
      price[i] = U;
      delta[i] = dU;
      gamma[i] = (gam - 2 * dU) / F;
      vega[i] = veg / F;
      theta[i] = tht / F;
      rho[i] = rh / F;
    } else {
      price[i] = V;
      delta[i] = dlt;
      gamma[i] = gam;
      vega[i] = veg;
      theta[i] = tht;
      rho[i] = rh;
    }
  }
  return out;
}

export function black76Price(inputs: Black76Inputs, inverse: boolean, out: Float64Array): Float64Array {
  const { forward, strike, timeToExpiry, vol, rate, isCall } = inputs;
  const n = forward.length;
  for (let i = 0; i < n; i++) {
    const F = forward[i]!;
    const K = strike[i]!;
    const T = timeToExpiry[i]!;
    const v = vol[i]!;
    const r = rate[i]!;
    if (!black76Valid(F, K, T, v, r)) {
      out[i] = NaN;
      continue;
    }
    const w = isCall[i] !== 0 ? 1 : -1;
    const s = v * Math.sqrt(T);
    const D = Math.exp(-r * T);
    let n1: number, n2: number;
    if (s > 0) {
      const FK = F / K;
      const xs = Math.log(FK) / s;
      const h = 0.5 * s;
      const d1 = xs + h;
      const d2 = xs - h;
      const e1 = expNegHalfSq(d1);
      n1 = normCdfE(w * d1, e1);
      n2 = normCdfE(w * d2, e1 > E_SHARE_MIN ? e1 * FK : expNegHalfSq(d2));
    } else {
      n1 = n2 = step(w * (F - K));
    }
    const V = w * D * (F * n1 - K * n2);
    out[i] = inverse ? V / F : V;
  }
  return out;
}

export function bsm(inputs: BsmInputs, out: GreeksOutputs): GreeksOutputs {
  const { spot, strike, timeToExpiry, vol, rate, dividendYield, isCall } = inputs;
  const { price, delta, gamma, vega, theta, rho } = out;
  const n = spot.length;
  for (let i = 0; i < n; i++) {
    const S = spot[i]!;
    const K = strike[i]!;
    const T = timeToExpiry[i]!;
    const v = vol[i]!;
    const r = rate[i]!;
    const q = dividendYield[i]!;
    if (
      !(S > 0 && S < Infinity && K >= 0 && K < Infinity && T >= 0 && T < Infinity && v >= 0 && v < Infinity && r - r === 0 && q - q === 0)
    ) {
      price[i] = delta[i] = gamma[i] = vega[i] = theta[i] = rho[i] = NaN;
      continue;
    }
    const w = isCall[i] !== 0 ? 1 : -1;
    const sqrtT = Math.sqrt(T);
    const s = v * sqrtT;
    const D = Math.exp(-r * T);
    const Dq = Math.exp(-q * T);
    const SD = Dq * S;
    const KD = D * K;
    let n1: number, n2: number, pdf: number;
    if (s > 0) {
      const xs = (Math.log(S / K) + (r - q) * T) / s;
      const h = 0.5 * s;
      const d1 = xs + h;
      const d2 = xs - h;
      const e1 = expNegHalfSq(d1);
      pdf = INV_SQRT_2PI * e1;
      n1 = normCdfE(w * d1, e1);
      n2 = normCdfE(w * d2, e1 > E_SHARE_MIN ? e1 * (SD / KD) : expNegHalfSq(d2));
    } else {
      n1 = n2 = step(w * (SD - KD));
      pdf = 0;
    }
    const V = w * (SD * n1 - KD * n2);
    const veg = SD * pdf * sqrtT;
    price[i] = V;
    delta[i] = w * Dq * n1;
    gamma[i] = s > 0 ? (Dq * pdf) / (S * s) : 0;
    vega[i] = veg;
    theta[i] = T > 0 ? w * (q * SD * n1 - r * KD * n2) - (veg * v) / (2 * T) : 0;
    rho[i] = w * T * KD * n2;
  }
  return out;
}
