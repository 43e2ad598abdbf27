// Batch option pricing: Black-76 and generalised Black–Scholes–Merton with Greeks, double-precision normal CDF.
//
// The formulas, units, edge cases and the inverse (coin-settled) transform are documented once, in the pure-TS
// twin packages/kernels/src/js/pricing.ts; this file performs the same IEEE operations in the same order, with
// fdlibm exp/log (./vmath.ts) — so the scalar build, the f64x2 build and the TS twin return identical bits.
// The SIMD build runs two options per iteration (f64x2) and the scalar code for an odd last element; black76 runs
// whole blocks of 64 options as a staged pipeline (see b76Block), and so do black76Price (b76pBlock) and bsm (bsmBlock).
// Domain errors (non-finite inputs, F/S ≤ 0, K/T/σ < 0) give NaN in every output column; nothing traps.

import {
  INV_SQRT_2PI, vf, F_HALF, F_INF, F_INV_SQRT_2PI, F_MINUS_ONE, F_NAN, F_ONE, F_TWO, expF, logF, expNegHalfSq, normCdfE, vexp, vlog, vexpNegHalfSq, vnormCdf,
} from "./vmath";

// ---- scalar (one element; also the odd tail of the SIMD build) ------------------------------------------------------

// @ts-ignore: decorator
@inline function step(u: f64): f64 {
  return u > 0 ? 1.0 : u < 0 ? 0.0 : 0.5;
}

/** The six outputs (price, Δ, Γ, vega, θ, ρ) of option offset o (bytes). */
// @ts-ignore: decorator
@inline function store6(
  o: usize, price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
  x0: f64, x1: f64, x2: f64, x3: f64, x4: f64, x5: f64,
): void {
  store<f64>(price + o, x0);
  store<f64>(delta + o, x1);
  store<f64>(gamma + o, x2);
  store<f64>(vega + o, x3);
  store<f64>(theta + o, x4);
  store<f64>(rho + o, x5);
}

// @ts-ignore: decorator
@inline function b76Valid(F: f64, K: f64, T: f64, v: f64, r: f64): bool {
  return F > 0 && F < Infinity && K >= 0 && K < Infinity && T >= 0 && T < Infinity && v >= 0 && v < Infinity && r - r == 0;
}

function black76One(
  i: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const o = <usize>i << 3;
  const F = load<f64>(forward + o);
  const K = load<f64>(strike + o);
  const T = load<f64>(t + o);
  const v = load<f64>(vol + o);
  const r = load<f64>(rate + o);
  if (!b76Valid(F, K, T, v, r)) {
    store6(o, price, delta, gamma, vega, theta, rho, NaN, NaN, NaN, NaN, NaN, NaN);
    return;
  }
  const w: f64 = load<i32>(isCall + (<usize>i << 2)) != 0 ? 1.0 : -1.0;
  const sqrtT = sqrt(T);
  const s = v * sqrtT;
  const D = expF(-r * T);
  let n1: f64, n2: f64, pdf: f64;
  if (s > 0) {
    const FK = F / K;
    const xs = logF(FK) / s;
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
  const gam = s > 0 ? (D * pdf) / (F * s) : 0.0;
  const veg = D * F * pdf * sqrtT;
  const tht = T > 0 ? r * V - (veg * v) / (2 * T) : 0.0;
  const rh = -T * V;
  if (inverse) {
    const U = V / F;
    const dU = (dlt - U) / F;
    store6(o, price, delta, gamma, vega, theta, rho, U, dU, (gam - 2 * dU) / F, veg / F, tht / F, rh / F);
  } else {
    store6(o, price, delta, gamma, vega, theta, rho, V, dlt, gam, veg, tht, rh);
  }
}

function black76PriceOne(
  i: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32, price: usize,
): void {
  const o = <usize>i << 3;
  const F = load<f64>(forward + o);
  const K = load<f64>(strike + o);
  const T = load<f64>(t + o);
  const v = load<f64>(vol + o);
  const r = load<f64>(rate + o);
  if (!b76Valid(F, K, T, v, r)) {
    store<f64>(price + o, NaN);
    return;
  }
  const w: f64 = load<i32>(isCall + (<usize>i << 2)) != 0 ? 1.0 : -1.0;
  const s = v * sqrt(T);
  const D = expF(-r * T);
  let n1: f64, n2: f64;
  if (s > 0) {
    const FK = F / K;
    const xs = logF(FK) / s;
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
  store<f64>(price + o, inverse ? V / F : V);
}

function bsmOne(
  i: i32, spot: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const o = <usize>i << 3;
  const S = load<f64>(spot + o);
  const K = load<f64>(strike + o);
  const T = load<f64>(t + o);
  const v = load<f64>(vol + o);
  const r = load<f64>(rate + o);
  const y = load<f64>(q + o);
  if (!(b76Valid(S, K, T, v, r) && y - y == 0)) {
    store6(o, price, delta, gamma, vega, theta, rho, NaN, NaN, NaN, NaN, NaN, NaN);
    return;
  }
  const w: f64 = load<i32>(isCall + (<usize>i << 2)) != 0 ? 1.0 : -1.0;
  const sqrtT = sqrt(T);
  const s = v * sqrtT;
  const D = expF(-r * T);
  const Dq = expF(-y * T);
  const SD = Dq * S;
  const KD = D * K;
  let n1: f64, n2: f64, pdf: f64;
  if (s > 0) {
    const xs = (logF(S / K) + (r - y) * T) / s;
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
  store<f64>(price + o, V);
  store<f64>(delta + o, w * Dq * n1);
  store<f64>(gamma + o, s > 0 ? (Dq * pdf) / (S * s) : 0.0);
  store<f64>(vega + o, veg);
  store<f64>(theta + o, T > 0 ? w * (y * SD * n1 - r * KD * n2) - (veg * v) / (2 * T) : 0.0);
  store<f64>(rho + o, w * T * KD * n2);
}

/**
 * e^{−d2²/2} = e^{−d1²/2}·F/K (d1² − d2² = 2·ln F/K): shared with d1's exponential while that is a full-precision
 * normal double, computed directly below (see E_SHARE_MIN in js/pricing.ts, the twin).
 */
const E_SHARE_MIN: f64 = 1e-290;

// ---- f64x2 helpers --------------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function fsplat(x: f64): v128 {
  return f64x2.splat(x);
}

/** Lanes where F > 0, K ≥ 0, T ≥ 0, σ ≥ 0 are finite and r is finite (all-ones) — else 0. */
// @ts-ignore: decorator
@inline function vValid(F: v128, K: v128, T: v128, v: v128, r: v128): v128 {
  const inf = vf(F_INF);
  const zero = fsplat(0.0);
  let m = v128.and(f64x2.gt(F, zero), f64x2.lt(F, inf));
  m = v128.and(m, v128.and(f64x2.ge(K, zero), f64x2.lt(K, inf)));
  m = v128.and(m, v128.and(f64x2.ge(T, zero), f64x2.lt(T, inf)));
  m = v128.and(m, v128.and(f64x2.ge(v, zero), f64x2.lt(v, inf)));
  return v128.and(m, f64x2.eq(f64x2.sub(r, r), zero));
}

/** ±1 from two i32 call flags (1 call, anything else non-zero also call; 0 put). */
// @ts-ignore: decorator
@inline function vSign(isCall: usize, i: i32): v128 {
  const flags = v128.load32x2_s(isCall + (<usize>i << 2));
  return v128.bitselect(vf(F_MINUS_ONE), vf(F_ONE), i64x2.eq(flags, i64x2.splat(0)));
}

// @ts-ignore: decorator
@inline function vStep(u: v128): v128 {
  const zero = fsplat(0.0);
  return v128.bitselect(vf(F_ONE), v128.bitselect(zero, vf(F_HALF), f64x2.lt(u, zero)), f64x2.gt(u, zero));
}

/** Lane-wise e1 > E_SHARE_MIN ? e1·FK : e^{−d2²/2} (the direct exponential only when some lane needs it). */
// @ts-ignore: decorator
@inline function vShareExp(e1: v128, FK: v128, d2: v128): v128 {
  const ok = f64x2.gt(e1, f64x2.splat(E_SHARE_MIN));
  const shared = f64x2.mul(e1, FK);
  return v128.all_true<i64>(ok) ? shared : v128.bitselect(shared, vexpNegHalfSq(d2), ok);
}

// ---- kernel dispatch -------------------------------------------------------------------------------------------------
// The three kernels share one driver: whole blocks (SIMD build), then pairs, then the scalar tail; a block that is not
// all valid and live is redone pair by pair. `kind` is a compile-time constant at every call site (the branches fold
// away), and the parameter list is the union of the kernels': `fwd` is F (Black-76) or S (bsm), `q` is bsm's dividend
// yield column, `inverse` is Black-76's coin-settled flag; the slots a kernel does not have are passed as 0, unused.
const K_B76: i32 = 0; // black76
const K_B76P: i32 = 1; // black76Price
const K_BSM: i32 = 2; // bsm

/** A block's fallback: options i0 … i0 + B76_BLOCK − 1 pair by pair (masked). */
// @ts-ignore: decorator
@inline function blockFallback(
  kind: i32, i0: i32, fwd: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  inverse: i32, price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  if (kind == K_B76) {
    for (let j = 0; j < B76_BLOCK; j += 2) {
      b76PairAt(i0 + j, fwd, strike, t, vol, rate, isCall, inverse, price, delta, gamma, vega, theta, rho);
    }
  } else if (kind == K_B76P) {
    for (let j = 0; j < B76_BLOCK; j += 2) {
      b76pPairAt(i0 + j, fwd, strike, t, vol, rate, isCall, inverse, price);
    }
  } else {
    for (let j = 0; j < B76_BLOCK; j += 2) {
      bsmPairAt(i0 + j, fwd, strike, t, vol, rate, q, isCall, price, delta, gamma, vega, theta, rho);
    }
  }
}

/** Kernel `kind` over n options: blocks, then pairs (SIMD build), then one by one. */
// @ts-ignore: decorator
@inline function drive(
  kind: i32, n: i32, fwd: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  inverse: i32, price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + B76_BLOCK <= n; i += B76_BLOCK) {
      if (kind == K_B76) {
        b76Block(i, fwd, strike, t, vol, rate, isCall, inverse, price, delta, gamma, vega, theta, rho);
      } else if (kind == K_B76P) {
        b76pBlock(i, fwd, strike, t, vol, rate, isCall, inverse, price);
      } else {
        bsmBlock(i, fwd, strike, t, vol, rate, q, isCall, price, delta, gamma, vega, theta, rho);
      }
    }
    if (kind == K_B76) {
      for (; i + 2 <= n; i += 2) {
        b76PairAt(i, fwd, strike, t, vol, rate, isCall, inverse, price, delta, gamma, vega, theta, rho);
      }
    } else if (kind == K_B76P) {
      for (; i + 2 <= n; i += 2) b76pPairAt(i, fwd, strike, t, vol, rate, isCall, inverse, price);
    } else {
      for (; i + 2 <= n; i += 2) bsmPairAt(i, fwd, strike, t, vol, rate, q, isCall, price, delta, gamma, vega, theta, rho);
    }
  }
  for (; i < n; i++) {
    if (kind == K_B76) {
      black76One(i, fwd, strike, t, vol, rate, isCall, inverse, price, delta, gamma, vega, theta, rho);
    } else if (kind == K_B76P) {
      black76PriceOne(i, fwd, strike, t, vol, rate, isCall, inverse, price);
    } else {
      bsmOne(i, fwd, strike, t, vol, rate, q, isCall, price, delta, gamma, vega, theta, rho);
    }
  }
}

// ---- exported kernels -----------------------------------------------------------------------------------------------

/**
 * One f64x2 pair of black76. `general` is a compile-time constant at both call sites: false when both lanes are
 * valid with s > 0 (then T > 0 too) — the common case, with no masking — and true otherwise (degenerate s = 0
 * lanes take the step, invalid lanes NaN). Both produce the same bits on the lanes they share.
 */
// @ts-ignore: decorator
@inline function b76Pair(
  general: bool, i: i32, F: v128, K: v128, T: v128, v: v128, r: v128, sqrtT: v128, s: v128, valid: v128, live: v128,
  isCall: usize, inverse: i32, price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const o = <usize>i << 3;
  const zero = fsplat(0.0);
  const w = vSign(isCall, i);
  const D = vexp(f64x2.mul(f64x2.neg(r), T));
  let n1 = zero, n2 = zero, pdf = zero;
  if (!general || v128.any_true(live)) {
    const FK = f64x2.div(F, K);
    const xs = f64x2.div(vlog(FK), s);
    const h = f64x2.mul(vf(F_HALF), s);
    const d1 = f64x2.add(xs, h);
    const d2 = f64x2.sub(xs, h);
    const e1 = vexpNegHalfSq(d1);
    pdf = f64x2.mul(vf(F_INV_SQRT_2PI), e1);
    n1 = vnormCdf(f64x2.mul(w, d1), e1);
    n2 = vnormCdf(f64x2.mul(w, d2), vShareExp(e1, FK, d2));
  }
  if (general) {
    const st = vStep(f64x2.mul(w, f64x2.sub(F, K)));
    n1 = v128.bitselect(n1, st, live);
    n2 = v128.bitselect(n2, st, live);
    pdf = v128.and(pdf, live);
  }
  const wD = f64x2.mul(w, D);
  const V = f64x2.mul(wD, f64x2.sub(f64x2.mul(F, n1), f64x2.mul(K, n2)));
  const dlt = f64x2.mul(wD, n1);
  let gam = f64x2.div(f64x2.mul(D, pdf), f64x2.mul(F, s));
  const veg = f64x2.mul(f64x2.mul(f64x2.mul(D, F), pdf), sqrtT);
  let tht = f64x2.sub(f64x2.mul(r, V), f64x2.div(f64x2.mul(veg, v), f64x2.mul(vf(F_TWO), T)));
  const rh = f64x2.mul(f64x2.neg(T), V);
  if (general) {
    gam = v128.and(gam, live);
    tht = v128.and(tht, f64x2.gt(T, zero));
  }
  let o0 = V, o1 = dlt, o2 = gam, o3 = veg, o4 = tht, o5 = rh;
  if (inverse) {
    const U = f64x2.div(V, F);
    const dU = f64x2.div(f64x2.sub(dlt, U), F);
    o0 = U;
    o1 = dU;
    o2 = f64x2.div(f64x2.sub(gam, f64x2.mul(vf(F_TWO), dU)), F);
    o3 = f64x2.div(veg, F);
    o4 = f64x2.div(tht, F);
    o5 = f64x2.div(rh, F);
  }
  if (general) {
    const nan = vf(F_NAN);
    o0 = v128.bitselect(o0, nan, valid);
    o1 = v128.bitselect(o1, nan, valid);
    o2 = v128.bitselect(o2, nan, valid);
    o3 = v128.bitselect(o3, nan, valid);
    o4 = v128.bitselect(o4, nan, valid);
    o5 = v128.bitselect(o5, nan, valid);
  }
  v128.store(price + o, o0);
  v128.store(delta + o, o1);
  v128.store(gamma + o, o2);
  v128.store(vega + o, o3);
  v128.store(theta + o, o4);
  v128.store(rho + o, o5);
}

/** One f64x2 pair of black76 at option i, any inputs (dispatches to b76Pair's masked or unmasked form). */
// @ts-ignore: decorator
@inline function b76PairAt(
  i: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const o = <usize>i << 3;
  const F = v128.load(forward + o);
  const K = v128.load(strike + o);
  const T = v128.load(t + o);
  const v = v128.load(vol + o);
  const r = v128.load(rate + o);
  const valid = vValid(F, K, T, v, r);
  const sqrtT = f64x2.sqrt(T);
  const s = f64x2.mul(v, sqrtT);
  const live = f64x2.gt(s, fsplat(0.0));
  if (v128.all_true<i64>(v128.and(valid, live))) {
    b76Pair(false, i, F, K, T, v, r, sqrtT, s, valid, live, isCall, inverse, price, delta, gamma, vega, theta, rho);
  } else {
    b76Pair(true, i, F, K, T, v, r, sqrtT, s, valid, live, isCall, inverse, price, delta, gamma, vega, theta, rho);
  }
}

// Block pipeline of the SIMD black76. One option's work is a single long dependency chain — sqrt → F/K → log → /s →
// e^{−d1²/2} (its own exp) → the normal CDF → the Greeks, ~350 cycles of latency per pair — and one pair's loop body
// is ~1000 instructions, more than the out-of-order window (224–256 µops on Zen 2/3 and recent Intel): the CPU could
// not overlap two pairs, and the kernel ran at the chain's latency, not at its throughput (measured: stubbing out
// every exp/log/Φ left 11 ms of the 58 ms). So the work is cut into stages, each a short loop over a block of
// B76_BLOCK options whose iterations are independent, through a small static scratch (L1-resident): successive
// iterations of a stage overlap in the window. The stages perform exactly b76Pair's operations, so the bits are
// the same. A block with any invalid or s = 0 lane (rare) is redone by the masked per-pair path.
const B76_BLOCK = 64; // options per block (32 f64x2 pairs); the scratch is 6 columns × 512 bytes
const B76_COL = B76_BLOCK << 3;
const B76_SCRATCH = memory.data(6 * B76_COL, 16);
const S_D1: usize = 0; // d1
const S_D2: usize = 1 * B76_COL; // d2
const S_FK: usize = 2 * B76_COL; // F/K
const S_E1: usize = 3 * B76_COL; // e^{−d1²/2}
const S_E2: usize = 4 * B76_COL; // e^{−d2²/2}
const S_DF: usize = 5 * B76_COL; // e^{−rT}

/**
 * Stage 1 of every block pipeline: validity and s > 0 over the block, d1 and d2 into the scratch, and for Black-76
 * F/K as well (S_FK). `bsm` is a compile-time constant: true for bsm (`fwd` is the spot S; q is checked finite and
 * enters d1 as (r − q)·T; S_FK is left for stage 2), false for black76 / black76Price (`q` unused). Returns whether
 * every lane of the block is valid with s > 0 (else the caller redoes the block per pair, masked).
 */
// @ts-ignore: decorator
@inline function blockStage1(
  bsm: bool, i0: i32, fwd: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize,
): bool {
  const sc = B76_SCRATCH;
  const zero = fsplat(0.0);
  let ok = i64x2.splat(-1);
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const o = <usize>(i0 + j) << 3;
    const so = <usize>j << 3;
    const F = v128.load(fwd + o);
    const K = v128.load(strike + o);
    const T = v128.load(t + o);
    const v = v128.load(vol + o);
    const r = v128.load(rate + o);
    if (bsm) {
      const y = v128.load(q + o);
      const s = f64x2.mul(v, f64x2.sqrt(T));
      const valid = v128.and(vValid(F, K, T, v, r), f64x2.eq(f64x2.sub(y, y), zero));
      ok = v128.and(ok, v128.and(valid, f64x2.gt(s, zero)));
      const xs = f64x2.div(f64x2.add(vlog(f64x2.div(F, K)), f64x2.mul(f64x2.sub(r, y), T)), s);
      blockStoreD(so, xs, s);
    } else {
      const s = f64x2.mul(v, f64x2.sqrt(T));
      ok = v128.and(ok, v128.and(vValid(F, K, T, v, r), f64x2.gt(s, zero)));
      const FK = f64x2.div(F, K);
      const xs = f64x2.div(vlog(FK), s);
      blockStoreD(so, xs, s);
      v128.store(sc + S_FK + so, FK);
    }
  }
  return v128.all_true<i64>(ok);
}

/** d1 = xs + s/2 and d2 = xs − s/2 into the scratch at pair offset so. */
// @ts-ignore: decorator
@inline function blockStoreD(so: usize, xs: v128, s: v128): void {
  const h = f64x2.mul(vf(F_HALF), s);
  v128.store(B76_SCRATCH + S_D1 + so, f64x2.add(xs, h));
  v128.store(B76_SCRATCH + S_D2 + so, f64x2.sub(xs, h));
}

/**
 * Stage 2 of the Black-76 pipelines (black76, black76Price): e^{−d1²/2} (S_E1), then the shared/direct e^{−d2²/2}
 * (S_E2) — independent chains — and e^{−rT} (S_DF).
 */
// @ts-ignore: decorator
@inline function b76Stage2(i0: i32, t: usize, rate: usize): void {
  const sc = B76_SCRATCH;
  const zero = fsplat(0.0);
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const o = <usize>(i0 + j) << 3;
    const so = <usize>j << 3;
    const e1 = vexpNegHalfSq(v128.load(sc + S_D1 + so));
    v128.store(sc + S_E1 + so, e1);
    v128.store(sc + S_E2 + so, vShareExp(e1, v128.load(sc + S_FK + so), v128.load(sc + S_D2 + so)));
    // e^{−rT} = 1 exactly when r·T = ±0 in both lanes (zero rates are common for crypto books; fdlibm returns
    // 1 + x = 1 for x = ±0, so the shortcut has the same bits); otherwise one vexp
    const x = f64x2.mul(f64x2.neg(v128.load(rate + o)), v128.load(t + o));
    v128.store(sc + S_DF + so, v128.all_true<i64>(f64x2.eq(x, zero)) ? vf(F_ONE) : vexp(x));
  }
}

/** N(w·d) for the pair at scratch addresses dAt (d) and eAt (e^{−d²/2}). */
// @ts-ignore: decorator
@inline function blockNormCdf(w: v128, dAt: usize, eAt: usize): v128 {
  return vnormCdf(f64x2.mul(w, v128.load(dAt)), v128.load(eAt));
}

/** Stage 3 of black76 and bsm: N(w·d1), N(w·d2) over d1, d2 in the scratch (in place). */
// @ts-ignore: decorator
@inline function blockStage3(i0: i32, isCall: usize): void {
  const sc = B76_SCRATCH;
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const so = <usize>j << 3;
    const w = vSign(isCall, i0 + j);
    v128.store(sc + S_D1 + so, blockNormCdf(w, sc + S_D1 + so, sc + S_E1 + so));
    v128.store(sc + S_D2 + so, blockNormCdf(w, sc + S_D2 + so, sc + S_E2 + so));
  }
}

/** Options i0 … i0 + B76_BLOCK − 1 of black76 (see the block pipeline above). */
function b76Block(
  i0: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const sc = B76_SCRATCH;
  // stage 1: validity, d1, d2, F/K; a block with an invalid or s = 0 lane is redone per pair
  if (!blockStage1(false, i0, forward, strike, t, vol, rate, 0)) {
    blockFallback(K_B76, i0, forward, strike, t, vol, rate, 0, isCall, inverse, price, delta, gamma, vega, theta, rho);
    return;
  }
  // stage 2: the exponentials
  b76Stage2(i0, t, rate);
  // stage 3: N(w·d1), N(w·d2) (over d1, d2 in the scratch)
  blockStage3(i0, isCall);
  // stage 4: price and Greeks (b76Pair's unmasked form)
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const i = i0 + j;
    const o = <usize>i << 3;
    const so = <usize>j << 3;
    const T = v128.load(t + o);
    const sqrtT = f64x2.sqrt(T);
    const v = v128.load(vol + o);
    const pdf = f64x2.mul(vf(F_INV_SQRT_2PI), v128.load(sc + S_E1 + so));
    b76Out(
      o, v128.load(forward + o), v128.load(strike + o), T, v, v128.load(rate + o), sqrtT, f64x2.mul(v, sqrtT),
      vSign(isCall, i), v128.load(sc + S_DF + so), v128.load(sc + S_D1 + so), v128.load(sc + S_D2 + so), pdf,
      inverse, price, delta, gamma, vega, theta, rho,
    );
  }
}

/** The unmasked outputs of one pair from N(w·d1), N(w·d2), φ(d1) (b76Pair's tail, same operations). */
// @ts-ignore: decorator
@inline function b76Out(
  o: usize, F: v128, K: v128, T: v128, v: v128, r: v128, sqrtT: v128, s: v128, w: v128, D: v128, n1: v128, n2: v128,
  pdf: v128, inverse: i32, price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const wD = f64x2.mul(w, D);
  const V = f64x2.mul(wD, f64x2.sub(f64x2.mul(F, n1), f64x2.mul(K, n2)));
  const dlt = f64x2.mul(wD, n1);
  const gam = f64x2.div(f64x2.mul(D, pdf), f64x2.mul(F, s));
  const veg = f64x2.mul(f64x2.mul(f64x2.mul(D, F), pdf), sqrtT);
  const tht = f64x2.sub(f64x2.mul(r, V), f64x2.div(f64x2.mul(veg, v), f64x2.mul(vf(F_TWO), T)));
  const rh = f64x2.mul(f64x2.neg(T), V);
  if (inverse) {
    const U = f64x2.div(V, F);
    const dU = f64x2.div(f64x2.sub(dlt, U), F);
    v128.store(price + o, U);
    v128.store(delta + o, dU);
    v128.store(gamma + o, f64x2.div(f64x2.sub(gam, f64x2.mul(vf(F_TWO), dU)), F));
    v128.store(vega + o, f64x2.div(veg, F));
    v128.store(theta + o, f64x2.div(tht, F));
    v128.store(rho + o, f64x2.div(rh, F));
  } else {
    v128.store(price + o, V);
    v128.store(delta + o, dlt);
    v128.store(gamma + o, gam);
    v128.store(vega + o, veg);
    v128.store(theta + o, tht);
    v128.store(rho + o, rh);
  }
}

export function black76(
  n: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  drive(K_B76, n, forward, strike, t, vol, rate, 0, isCall, inverse, price, delta, gamma, vega, theta, rho);
}

/** One f64x2 pair of black76Price at option i, any inputs (the masked per-pair path; the blocks' fallback). */
// @ts-ignore: decorator
@inline function b76pPairAt(
  i: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32, price: usize,
): void {
  const zero = fsplat(0.0);
  const o = <usize>i << 3;
  const F = v128.load(forward + o);
  const K = v128.load(strike + o);
  const T = v128.load(t + o);
  const v = v128.load(vol + o);
  const r = v128.load(rate + o);
  const valid = vValid(F, K, T, v, r);
  const w = vSign(isCall, i);
  const s = f64x2.mul(v, f64x2.sqrt(T));
  const D = vexp(f64x2.mul(f64x2.neg(r), T));
  const live = f64x2.gt(s, zero);
  const st = vStep(f64x2.mul(w, f64x2.sub(F, K)));
  let n1 = st, n2 = st;
  if (v128.any_true(live)) {
    const FK = f64x2.div(F, K);
    const xs = f64x2.div(vlog(FK), s);
    const h = f64x2.mul(vf(F_HALF), s);
    const d1 = f64x2.add(xs, h);
    const d2 = f64x2.sub(xs, h);
    const e1 = vexpNegHalfSq(d1);
    n1 = v128.bitselect(vnormCdf(f64x2.mul(w, d1), e1), st, live);
    n2 = v128.bitselect(vnormCdf(f64x2.mul(w, d2), vShareExp(e1, FK, d2)), st, live);
  }
  let V = f64x2.mul(f64x2.mul(w, D), f64x2.sub(f64x2.mul(F, n1), f64x2.mul(K, n2)));
  if (inverse) V = f64x2.div(V, F);
  v128.store(price + o, v128.bitselect(V, vf(F_NAN), valid));
}

/**
 * Options i0 … i0 + B76_BLOCK − 1 of black76Price: b76Block's pipeline (same scratch, same stages 1–3; see there)
 * with the price as the only output, written in stage 3. Same operations as b76pPairAt on live lanes, same bits.
 */
function b76pBlock(
  i0: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32, price: usize,
): void {
  const sc = B76_SCRATCH;
  // stage 1: validity, d1, d2, F/K; a block with an invalid or s = 0 lane is redone per pair
  if (!blockStage1(false, i0, forward, strike, t, vol, rate, 0)) {
    blockFallback(K_B76P, i0, forward, strike, t, vol, rate, 0, isCall, inverse, price, 0, 0, 0, 0, 0);
    return;
  }
  // stage 2: the exponentials (as in b76Block)
  b76Stage2(i0, t, rate);
  // stage 3: N(w·d1), N(w·d2) and the price w·D·(F·N(w·d1) − K·N(w·d2)) [/ F]
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const i = i0 + j;
    const o = <usize>i << 3;
    const so = <usize>j << 3;
    const w = vSign(isCall, i);
    const n1 = blockNormCdf(w, sc + S_D1 + so, sc + S_E1 + so);
    const n2 = blockNormCdf(w, sc + S_D2 + so, sc + S_E2 + so);
    const F = v128.load(forward + o);
    let V = f64x2.mul(f64x2.mul(w, v128.load(sc + S_DF + so)), f64x2.sub(f64x2.mul(F, n1), f64x2.mul(v128.load(strike + o), n2)));
    if (inverse) V = f64x2.div(V, F);
    v128.store(price + o, V);
  }
}

export function black76Price(
  n: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32, price: usize,
): void {
  drive(K_B76P, n, forward, strike, t, vol, rate, 0, isCall, inverse, price, 0, 0, 0, 0, 0);
}

/** One f64x2 pair of bsm at option i, any inputs (the masked per-pair path; the blocks' fallback). */
// @ts-ignore: decorator
@inline function bsmPairAt(
  i: i32, spot: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const zero = fsplat(0.0);
  const nan = vf(F_NAN);
  const o = <usize>i << 3;
  const S = v128.load(spot + o);
  const K = v128.load(strike + o);
  const T = v128.load(t + o);
  const v = v128.load(vol + o);
  const r = v128.load(rate + o);
  const y = v128.load(q + o);
  const valid = v128.and(vValid(S, K, T, v, r), f64x2.eq(f64x2.sub(y, y), zero));
  const w = vSign(isCall, i);
  const sqrtT = f64x2.sqrt(T);
  const s = f64x2.mul(v, sqrtT);
  const D = vexp(f64x2.mul(f64x2.neg(r), T));
  const Dq = vexp(f64x2.mul(f64x2.neg(y), T));
  const SD = f64x2.mul(Dq, S);
  const KD = f64x2.mul(D, K);
  const live = f64x2.gt(s, zero);
  const st = vStep(f64x2.mul(w, f64x2.sub(SD, KD)));
  let n1 = st, n2 = st, pdf = zero;
  if (v128.any_true(live)) {
    const xs = f64x2.div(f64x2.add(vlog(f64x2.div(S, K)), f64x2.mul(f64x2.sub(r, y), T)), s);
    const h = f64x2.mul(vf(F_HALF), s);
    const d1 = f64x2.add(xs, h);
    const d2 = f64x2.sub(xs, h);
    const e1 = vexpNegHalfSq(d1);
    pdf = v128.and(f64x2.mul(vf(F_INV_SQRT_2PI), e1), live);
    n1 = v128.bitselect(vnormCdf(f64x2.mul(w, d1), e1), st, live);
    n2 = v128.bitselect(vnormCdf(f64x2.mul(w, d2), vShareExp(e1, f64x2.div(SD, KD), d2)), st, live);
  }
  const V = f64x2.mul(w, f64x2.sub(f64x2.mul(SD, n1), f64x2.mul(KD, n2)));
  const veg = f64x2.mul(f64x2.mul(SD, pdf), sqrtT);
  const dlt = f64x2.mul(f64x2.mul(w, Dq), n1);
  const gam = v128.and(f64x2.div(f64x2.mul(Dq, pdf), f64x2.mul(S, s)), live);
  const carry = f64x2.mul(w, f64x2.sub(f64x2.mul(f64x2.mul(y, SD), n1), f64x2.mul(f64x2.mul(r, KD), n2)));
  const tht = v128.and(
    f64x2.sub(carry, f64x2.div(f64x2.mul(veg, v), f64x2.mul(vf(F_TWO), T))),
    f64x2.gt(T, zero),
  );
  const rh = f64x2.mul(f64x2.mul(f64x2.mul(w, T), KD), n2);
  v128.store(price + o, v128.bitselect(V, nan, valid));
  v128.store(delta + o, v128.bitselect(dlt, nan, valid));
  v128.store(gamma + o, v128.bitselect(gam, nan, valid));
  v128.store(vega + o, v128.bitselect(veg, nan, valid));
  v128.store(theta + o, v128.bitselect(tht, nan, valid));
  v128.store(rho + o, v128.bitselect(rh, nan, valid));
}

/**
 * Options i0 … i0 + B76_BLOCK − 1 of bsm: b76Block's staged pipeline (same scratch; see there) — d1, d2 → the
 * exponentials e^{−d1²/2}, e^{−rT}, e^{−qT}, e^{−d2²/2} → N(w·d1), N(w·d2) → price and Greeks — performing
 * bsmPairAt's operations on all-live pairs (no masks), so the bits are the same. A block with an invalid or s = 0
 * lane is redone by bsmPairAt.
 */
function bsmBlock(
  i0: i32, spot: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  const sc = B76_SCRATCH;
  // stage 1: validity, d1, d2; a block with an invalid or s = 0 lane is redone per pair
  if (!blockStage1(true, i0, spot, strike, t, vol, rate, q)) {
    blockFallback(K_BSM, i0, spot, strike, t, vol, rate, q, isCall, 0, price, delta, gamma, vega, theta, rho);
    return;
  }
  // stage 2: the exponentials (S_DF holds e^{−rT}, S_FK e^{−qT})
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const o = <usize>(i0 + j) << 3;
    const so = <usize>j << 3;
    const T = v128.load(t + o);
    const D = vexp(f64x2.mul(f64x2.neg(v128.load(rate + o)), T));
    const Dq = vexp(f64x2.mul(f64x2.neg(v128.load(q + o)), T));
    const SD = f64x2.mul(Dq, v128.load(spot + o));
    const KD = f64x2.mul(D, v128.load(strike + o));
    const e1 = vexpNegHalfSq(v128.load(sc + S_D1 + so));
    v128.store(sc + S_E1 + so, e1);
    v128.store(sc + S_E2 + so, vShareExp(e1, f64x2.div(SD, KD), v128.load(sc + S_D2 + so)));
    v128.store(sc + S_DF + so, D);
    v128.store(sc + S_FK + so, Dq);
  }
  // stage 3: N(w·d1), N(w·d2) (over d1, d2 in the scratch)
  blockStage3(i0, isCall);
  // stage 4: price and Greeks (bsmPairAt's operations with every lane live and valid)
  for (let j = 0; j < B76_BLOCK; j += 2) {
    const i = i0 + j;
    const o = <usize>i << 3;
    const so = <usize>j << 3;
    const S = v128.load(spot + o);
    const T = v128.load(t + o);
    const v = v128.load(vol + o);
    const r = v128.load(rate + o);
    const y = v128.load(q + o);
    const w = vSign(isCall, i);
    const sqrtT = f64x2.sqrt(T);
    const s = f64x2.mul(v, sqrtT);
    const D = v128.load(sc + S_DF + so);
    const Dq = v128.load(sc + S_FK + so);
    const SD = f64x2.mul(Dq, S);
    const KD = f64x2.mul(D, v128.load(strike + o));
    const n1 = v128.load(sc + S_D1 + so);
    const n2 = v128.load(sc + S_D2 + so);
    const pdf = f64x2.mul(vf(F_INV_SQRT_2PI), v128.load(sc + S_E1 + so));
    const V = f64x2.mul(w, f64x2.sub(f64x2.mul(SD, n1), f64x2.mul(KD, n2)));
    const veg = f64x2.mul(f64x2.mul(SD, pdf), sqrtT);
    const carry = f64x2.mul(w, f64x2.sub(f64x2.mul(f64x2.mul(y, SD), n1), f64x2.mul(f64x2.mul(r, KD), n2)));
    v128.store(price + o, V);
    v128.store(delta + o, f64x2.mul(f64x2.mul(w, Dq), n1));
    v128.store(gamma + o, f64x2.div(f64x2.mul(Dq, pdf), f64x2.mul(S, s)));
    v128.store(vega + o, veg);
    v128.store(theta + o, f64x2.sub(carry, f64x2.div(f64x2.mul(veg, v), f64x2.mul(vf(F_TWO), T))));
    v128.store(rho + o, f64x2.mul(f64x2.mul(f64x2.mul(w, T), KD), n2));
  }
}

export function bsm(
  n: i32, spot: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  drive(K_BSM, n, spot, strike, t, vol, rate, q, isCall, 0, price, delta, gamma, vega, theta, rho);
}
