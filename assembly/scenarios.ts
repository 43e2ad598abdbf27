// Scenario revaluation of a book: the full-revaluation P&L per scenario (fused, no scenarios × options row arrays in
// the host) and the fast path's P&L-surface interpolation. Definitions, ABI and operation order are documented once
// in the TS twin (packages/kernels/src/js/scenarios.ts); this file performs the same IEEE operations in the same order.
//
// revalueScenarios: per scenario s and option j (u = und[j], x = x[s,u], dv = dv[s,u]):
//   mult = e^x;  F' = F_j·mult;  σ' = max(σ_j·(1 + dv), VOL_FLOOR);  P = Black-76(F', K_j, T_j, σ', r_j, call_j) (USD)
//   after = inverse_j ? (P / (F_j·mult))·S_u·mult : P;     out[s] = Σ_j (q_j·after − base_j)   (j ascending)
//   perU[s·U + u] (perU ≠ 0) = the same sum over the options of underlying u only
// The prices come from pricing.ts's black76Price (its staged f64x2 pipeline in the SIMD build, same bits as the
// scalar build and the twin): rows (F', K, T, σ', r, isCall) for a block of whole scenarios × a chunk of options are
// written into a host-provided scratch, priced in one call, and accumulated. K, T, r, isCall repeat per scenario,
// so they are written once per option chunk; only F' and σ' are rewritten per block.
//
// surfaceEval: the fast path of packages/engine/src/margin/es.ts (surfacePnl): per underlying a P&L table over a
// uniform (x, v) grid, evaluated by tensor-product cubic Lagrange on the 4×4 stencil (a 1-D table: each cell's cubic
// in monomial form by Horner, coefficients as the twin's cubicCoefficients), plus the exact linear part lin_u·expm1(x).
//
// scenarioRows: Monte Carlo scenario rows (correlatedNormals), their antithetic mirrors, spot–vol links and range.

import { correlatedNormals } from "./linalg";
import { black76Price } from "./pricing";
import { expF } from "./vmath";

/** Floor of a shocked implied vol (the engine's, portfolio.ts scenarioPnl): keeps σ' > 0 under large down-shifts. */
const VOL_FLOOR: f64 = 1e-4;

// @ts-ignore: decorator
@inline function f64At(p: usize, i: i32): f64 {
  return load<f64>(p + ((<usize>i) << 3));
}

// @ts-ignore: decorator
@inline function i32At(p: usize, i: i32): i32 {
  return load<i32>(p + ((<usize>i) << 2));
}

/**
 * Book P&L (USD, options only) per scenario by full Black-76 revaluation. `scratch` holds 7·rows f64 + rows i32
 * (rows even, ≥ 2): the block columns F', K, T, σ', r, price, e^x, then isCall. `mult` holds U f64 (e^x of one
 * scenario).
 */
export function revalueScenarios(
  m: i32, n: i32, U: i32,
  forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize,
  quantity: usize, und: usize, inverse: usize, spot: usize, baseUsd: usize,
  x: usize, dv: usize, rows: i32, scratch: usize, mult: usize, out: usize, perU: usize,
): void {
  for (let s = 0; s < m; s++) store<f64>(out + ((<usize>s) << 3), 0.0);
  if (perU != 0) for (let i = 0; i < m * U; i++) store<f64>(perU + ((<usize>i) << 3), 0.0);
  if (n <= 0 || m <= 0 || rows < 2) return;
  const col = (<usize>rows) << 3;
  const cF = scratch;
  const cK = scratch + col;
  const cT = scratch + 2 * col;
  const cV = scratch + 3 * col;
  const cR = scratch + 4 * col;
  const cP = scratch + 5 * col;
  const cM = scratch + 6 * col;
  const cC = scratch + 7 * col;
  for (let j0 = 0; j0 < n; j0 += rows) {
    const L = min(rows, n - j0);
    const B = rows / L; // whole scenarios per block (≥ 1)
    // the columns that do not move with the scenario, for B copies of the chunk
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < L; j++) {
        const at = b * L + j;
        store<f64>(cK + ((<usize>at) << 3), f64At(strike, j0 + j));
        store<f64>(cT + ((<usize>at) << 3), f64At(t, j0 + j));
        store<f64>(cR + ((<usize>at) << 3), f64At(rate, j0 + j));
        store<i32>(cC + ((<usize>at) << 2), i32At(isCall, j0 + j));
      }
    }
    for (let s0 = 0; s0 < m; s0 += B) {
      const bs = min(B, m - s0);
      for (let b = 0; b < bs; b++) {
        const row = (s0 + b) * U;
        for (let u = 0; u < U; u++) store<f64>(mult + ((<usize>u) << 3), expF(f64At(x, row + u)));
        let j = 0;
        if (ASC_FEATURE_SIMD) {
          // two options per f64x2, the scalar loop's operations per lane
          for (; j + 1 < L; j += 2) {
            const jj = j0 + j;
            const u0 = i32At(und, jj);
            const u1 = i32At(und, jj + 1);
            const at = (<usize>(b * L + j)) << 3;
            const mu = gather2(mult, u0, u1);
            v128.store(cM + at, mu);
            v128.store(cF + at, f64x2.mul(v128.load(forward + ((<usize>jj) << 3)), mu));
            const shift = f64x2.add(f64x2.splat(1.0), gather2(dv, row + u0, row + u1));
            v128.store(cV + at, f64x2.max(f64x2.mul(v128.load(vol + ((<usize>jj) << 3)), shift), f64x2.splat(VOL_FLOOR)));
          }
        }
        for (; j < L; j++) {
          const jj = j0 + j;
          const u = i32At(und, jj);
          const at = (<usize>(b * L + j)) << 3;
          const mu = f64At(mult, u);
          store<f64>(cM + at, mu);
          store<f64>(cF + at, f64At(forward, jj) * mu);
          store<f64>(cV + at, max(f64At(vol, jj) * (1 + f64At(dv, row + u)), VOL_FLOOR));
        }
      }
      black76Price(bs * L, cF, cK, cT, cV, cR, cC, 0, cP);
      for (let b = 0; b < bs; b++) {
        const s = s0 + b;
        let sum = f64At(out, s);
        let j = 0;
        if (ASC_FEATURE_SIMD && perU == 0) {
          // each option's term for two options per f64x2 (the scalar loop's operations per lane; the inverse form is
          // computed on both lanes and selected), then added to the sum one by one in option order
          for (; j + 1 < L; j += 2) {
            const jj = j0 + j;
            const at = (<usize>(b * L + j)) << 3;
            const usd = v128.load(cP + at);
            const mu = v128.load(cM + at);
            const S = gather2(spot, i32At(und, jj), i32At(und, jj + 1));
            const coin = f64x2.mul(f64x2.mul(f64x2.div(usd, f64x2.mul(v128.load(forward + ((<usize>jj) << 3)), mu)), S), mu);
            const inv = i64x2.ne(i64x2.extend_low_i32x4_s(v128.load64_zero(inverse + ((<usize>jj) << 2))), i64x2.splat(0));
            const after = v128.bitselect(coin, usd, inv);
            const d = f64x2.sub(f64x2.mul(v128.load(quantity + ((<usize>jj) << 3)), after), v128.load(baseUsd + ((<usize>jj) << 3)));
            sum += f64x2.extract_lane(d, 0);
            sum += f64x2.extract_lane(d, 1);
          }
        }
        for (; j < L; j++) {
          const jj = j0 + j;
          const usd = f64At(cP, b * L + j);
          let after = usd;
          if (i32At(inverse, jj) != 0) {
            // inverse: the coin value V'/F' is worth S' = S·e^x in USD
            const mu = f64At(cM, b * L + j);
            after = (usd / (f64At(forward, jj) * mu)) * f64At(spot, i32At(und, jj)) * mu;
          }
          const d = f64At(quantity, jj) * after - f64At(baseUsd, jj);
          sum += d;
          if (perU != 0) {
            const pu = perU + ((<usize>(s * U + i32At(und, jj))) << 3);
            store<f64>(pu, load<f64>(pu) + d);
          }
        }
        store<f64>(out + ((<usize>s) << 3), sum);
      }
    }
  }
}

// e^x − 1 as V8's Math.expm1 computes it: fdlibm s_expm1.c as ported in V8's src/base/ieee754.cc (AssemblyScript's
// NativeMath.expm1 follows musl, which evaluates the polynomial in Estrin form and rounds the k ≤ −2 and k ≥ 2 branches
// differently — 1 ulp apart from V8 on ~6% of arguments, measured; this port gives the twin's bits).
// see: fdlibm 5.3 s_expm1.c (Sun Microsystems, 1993), and V8 src/base/ieee754.cc expm1.
const EM1_O_THRESHOLD = reinterpret<f64>(0x40862E42FEFA39EF); // 7.09782712893383973096e+02
const EM1_LN2_HI = reinterpret<f64>(0x3FE62E42FEE00000); // 6.93147180369123816490e-01
const EM1_LN2_LO = reinterpret<f64>(0x3DEA39EF35793C76); // 1.90821492927058770002e-10
const EM1_INVLN2 = reinterpret<f64>(0x3FF71547652B82FE); // 1.44269504088896338700e+00
const EM1_Q1 = reinterpret<f64>(0xBFA11111111110F4); // -3.33333333333331316428e-02
const EM1_Q2 = reinterpret<f64>(0x3F5A01A019FE5585); // 1.58730158725481460165e-03
const EM1_Q3 = reinterpret<f64>(0xBF14CE199EAADBB7); // -7.93650757867487942473e-05
const EM1_Q4 = reinterpret<f64>(0x3ED0CFCA86E65239); // 4.00821782732936239552e-06
const EM1_Q5 = reinterpret<f64>(0xBE8AFDB76E09C32D); // -2.01099218183624371326e-07

function expm1F(x0: f64): f64 {
  let x = x0;
  const bits = reinterpret<u64>(x);
  let hx = <u32>(bits >> 32);
  const xsb = hx & 0x80000000;
  hx &= 0x7FFFFFFF;
  if (hx >= 0x4043687A) { // |x| ≥ 56·ln2
    if (hx >= 0x40862E42) { // |x| ≥ 709.78…
      if (hx >= 0x7FF00000) {
        if (((hx & 0xFFFFF) | <u32>bits) != 0) return x + x; // NaN
        return xsb == 0 ? x : -1.0; // e^{±∞} − 1
      }
      if (x > EM1_O_THRESHOLD) return Infinity; // overflow (fdlibm: huge·huge)
    }
    if (xsb != 0) return -1.0; // x < −56·ln2 (fdlibm: tiny − one)
  }
  let k: i32;
  let c = 0.0;
  if (hx > 0x3FD62E42) { // |x| > 0.5·ln2
    let hi: f64, lo: f64;
    if (hx < 0x3FF0A2B2) { // and |x| < 1.5·ln2
      if (xsb == 0) {
        hi = x - EM1_LN2_HI;
        lo = EM1_LN2_LO;
        k = 1;
      } else {
        hi = x + EM1_LN2_HI;
        lo = -EM1_LN2_LO;
        k = -1;
      }
    } else {
      k = <i32>(EM1_INVLN2 * x + (xsb == 0 ? 0.5 : -0.5)); // C's truncating conversion
      const t = <f64>k;
      hi = x - t * EM1_LN2_HI; // exact
      lo = t * EM1_LN2_LO;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < 0x3C900000) { // |x| < 2^−54
    return x;
  } else {
    k = 0;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1.0 + hxs * (EM1_Q1 + hxs * (EM1_Q2 + hxs * (EM1_Q3 + hxs * (EM1_Q4 + hxs * EM1_Q5))));
  let t = 3.0 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6.0 - x * t));
  if (k == 0) return x - (x * e - hxs);
  const twopk = reinterpret<f64>((<u64>(0x3FF00000 + (k << 20))) << 32);
  e = x * (e - c) - c;
  e -= hxs;
  if (k == -1) return 0.5 * (x - e) - 0.5;
  if (k == 1) {
    if (x < -0.25) return -2.0 * (e - (x + 0.5));
    return 1.0 + 2.0 * (x - e);
  }
  let y: f64;
  if (k <= -2 || k > 56) {
    y = 1.0 - (e - x);
    if (k == 1024) y = y * 2.0 * 8.98846567431158e+307; // 2^1023
    else y = y * twopk;
    return y - 1.0;
  }
  if (k < 20) {
    t = reinterpret<f64>((<u64>(0x3FF00000 - (0x200000 >> k))) << 32); // 1 − 2^−k
    y = t - (e - x);
    y = y * twopk;
  } else {
    t = reinterpret<f64>((<u64>((0x3FF - k) << 20)) << 32); // 2^−k
    y = x - (e + t);
    y += 1.0;
    y = y * twopk;
  }
  return y;
}

/** 4-point Lagrange weights at t over nodes 0..3 (es.ts lagrange4; see the twin). */
// @ts-ignore: decorator
@inline function lagrangeAt(t: f64, k: i32): f64 {
  const a = t - 1;
  const b = t - 2;
  const c = t - 3;
  if (k == 0) return -(a * b * c) / 6;
  if (k == 1) return (t * b * c) / 2;
  if (k == 2) return -(t * a * c) / 2;
  return (t * a * b) / 6;
}

/** Options part of one surface at (tx, tv) (grid coordinates; tv unused when nv = 1), the twin's operations. */
// @ts-ignore: decorator
@inline function surfaceAt(vals: usize, coef: usize, NX: i32, NV: i32, tx: f64, tv: f64): f64 {
  // clamp in f64 (as the twin does), then convert: |tx| may exceed the i32 range far outside the grid
  let fx = Math.floor(tx) - 1;
  if (fx < 0) fx = 0;
  else if (fx > <f64>(NX - 4)) fx = <f64>(NX - 4);
  const ix = <i32>fx;
  const tt = tx - fx;
  if (NV == 1) {
    const c = coef + ((<usize>ix) << 5);
    return ((load<f64>(c, 24) * tt + load<f64>(c, 16)) * tt + load<f64>(c, 8)) * tt + load<f64>(c);
  }
  const w0 = lagrangeAt(tt, 0), w1 = lagrangeAt(tt, 1), w2 = lagrangeAt(tt, 2), w3 = lagrangeAt(tt, 3);
  let fv = Math.floor(tv) - 1;
  if (fv < 0) fv = 0;
  else if (fv > <f64>(NV - 4)) fv = <f64>(NV - 4);
  const iv = <i32>fv;
  const tw = tv - fv;
  const q0 = lagrangeAt(tw, 0), q1 = lagrangeAt(tw, 1), q2 = lagrangeAt(tw, 2), q3 = lagrangeAt(tw, 3);
  let r = ix * NV + iv;
  let e: f64 = 0;
  e += w0 * (q0 * f64At(vals, r) + q1 * f64At(vals, r + 1) + q2 * f64At(vals, r + 2) + q3 * f64At(vals, r + 3));
  r += NV;
  e += w1 * (q0 * f64At(vals, r) + q1 * f64At(vals, r + 1) + q2 * f64At(vals, r + 2) + q3 * f64At(vals, r + 3));
  r += NV;
  e += w2 * (q0 * f64At(vals, r) + q1 * f64At(vals, r + 1) + q2 * f64At(vals, r + 2) + q3 * f64At(vals, r + 3));
  r += NV;
  e += w3 * (q0 * f64At(vals, r) + q1 * f64At(vals, r + 1) + q2 * f64At(vals, r + 2) + q3 * f64At(vals, r + 3));
  return e;
}

// ---- SIMD build: two scenarios per f64x2 (lanes s, s + 1 of one underlying), the twin's operations lane by lane ----

// @ts-ignore: decorator
@inline function splat(x: f64): v128 {
  return f64x2.splat(x);
}

/** (p[i0], p[i1]) for f64 element indices i0, i1 of p */
// @ts-ignore: decorator
@inline function gather2(p: usize, i0: i32, i1: i32): v128 {
  return v128.load64_lane(p + ((<usize>i1) << 3), v128.load64_zero(p + ((<usize>i0) << 3)), 1);
}

// f64x2 constants loaded with v128.load64_splat from a static table (V8 rebuilds a v128.const through the integer
// unit at every use; see vmath.ts VF_TABLE)
const SE_CONST = memory.data<f64>([0.0, 1.0, 2.0, 3.0, 6.0]);
// @ts-ignore: decorator
@inline function cst(i: i32): v128 {
  return v128.load64_splat(SE_CONST + ((<usize>i) << 3));
}

/**
 * Lagrange weights of both lanes at t into W (4 × v128): lagrangeAt's operations, −((a·b)·c)/6, ((t·b)·c)/2,
 * −((t·a)·c)/2, ((t·a)·b)/6, with a·b, t·b, t·a formed once.
 */
// @ts-ignore: decorator
@inline function weights2(t: v128, W: usize): void {
  const a = f64x2.sub(t, cst(1));
  const b = f64x2.sub(t, cst(2));
  const c = f64x2.sub(t, cst(3));
  const ta = f64x2.mul(t, a);
  v128.store(W, f64x2.div(f64x2.neg(f64x2.mul(f64x2.mul(a, b), c)), cst(4)));
  v128.store(W, f64x2.div(f64x2.mul(f64x2.mul(t, b), c), cst(2)), 16);
  v128.store(W, f64x2.div(f64x2.neg(f64x2.mul(ta, c)), cst(2)), 32);
  v128.store(W, f64x2.div(f64x2.mul(ta, b), cst(4)), 48);
}
const SE_W = memory.data(64, 16);
const SE_Q = memory.data(64, 16);

/** floor(t) − 1 clamped to [0, hi] as the twin's branches do (t not NaN, hi ≥ 0). */
// @ts-ignore: decorator
@inline function cell2(t: v128, hi: f64): v128 {
  const f = f64x2.sub(f64x2.floor(t), cst(1));
  const H = splat(hi);
  return v128.bitselect(cst(0), v128.bitselect(H, f, f64x2.gt(f, H)), f64x2.lt(f, cst(0)));
}

/** Σ_k q_k·(vals[r0 + k], vals[r1 + k]) in the twin's order (((q0·v0 + q1·v1) + q2·v2) + q3·v3). */
// @ts-ignore: decorator
@inline function row2(vals: usize, r0: i32, r1: i32, q0: v128, q1: v128, q2: v128, q3: v128): v128 {
  let e = f64x2.add(f64x2.mul(q0, gather2(vals, r0, r1)), f64x2.mul(q1, gather2(vals, r0 + 1, r1 + 1)));
  e = f64x2.add(e, f64x2.mul(q2, gather2(vals, r0 + 2, r1 + 2)));
  return f64x2.add(e, f64x2.mul(q3, gather2(vals, r0 + 3, r1 + 3)));
}

/** Options part of one surface for two scenarios at grid coordinates (tx, tv) (no NaN lanes): surfaceAt per lane. */
// @ts-ignore: decorator
@inline function surfaceAt2(vals: usize, coef: usize, NX: i32, NV: i32, tx: v128, tv: v128): v128 {
  const fx = cell2(tx, <f64>(NX - 4));
  const tt = f64x2.sub(tx, fx);
  // fx is integral and within [0, NX − 4]: the saturating conversion is exact, without the trapping one's checks
  const ix = i32x4.trunc_sat_f64x2_s_zero(fx);
  const i0 = i32x4.extract_lane(ix, 0);
  const i1 = i32x4.extract_lane(ix, 1);
  if (NV == 1) {
    // both lanes' cells (a0, a1 | a2, a3), transposed to (a_k of lane 0, a_k of lane 1)
    const c0 = coef + ((<usize>i0) << 5);
    const c1 = coef + ((<usize>i1) << 5);
    const lo0 = v128.load(c0), hi0 = v128.load(c0, 16), lo1 = v128.load(c1), hi1 = v128.load(c1, 16);
    let e = f64x2.add(f64x2.mul(v128.shuffle<f64>(hi0, hi1, 1, 3), tt), v128.shuffle<f64>(hi0, hi1, 0, 2));
    e = f64x2.add(f64x2.mul(e, tt), v128.shuffle<f64>(lo0, lo1, 1, 3));
    return f64x2.add(f64x2.mul(e, tt), v128.shuffle<f64>(lo0, lo1, 0, 2));
  }
  weights2(tt, SE_W);
  const w0 = v128.load(SE_W), w1 = v128.load(SE_W, 16), w2 = v128.load(SE_W, 32), w3 = v128.load(SE_W, 48);
  const fv = cell2(tv, <f64>(NV - 4));
  const tw = f64x2.sub(tv, fv);
  weights2(tw, SE_Q);
  const q0 = v128.load(SE_Q), q1 = v128.load(SE_Q, 16), q2 = v128.load(SE_Q, 32), q3 = v128.load(SE_Q, 48);
  let r0 = i0 * NV + <i32>f64x2.extract_lane(fv, 0);
  let r1 = i1 * NV + <i32>f64x2.extract_lane(fv, 1);
  let e = f64x2.mul(w0, row2(vals, r0, r1, q0, q1, q2, q3)); // 0 + w0·row = w0·row (the twin starts e at 0)
  e = f64x2.add(cst(0), e);
  r0 += NV;
  r1 += NV;
  e = f64x2.add(e, f64x2.mul(w1, row2(vals, r0, r1, q0, q1, q2, q3)));
  r0 += NV;
  r1 += NV;
  e = f64x2.add(e, f64x2.mul(w2, row2(vals, r0, r1, q0, q1, q2, q3)));
  r0 += NV;
  r1 += NV;
  return f64x2.add(e, f64x2.mul(w3, row2(vals, r0, r1, q0, q1, q2, q3)));
}

/** p_u of scenario s (the twin's per-element operations; NaN moves give NaN). */
// @ts-ignore: decorator
@inline function surfaceOne(
  s: i32, u: i32, U: i32, x0: usize, dxs: usize, nxs: usize, v0: usize, dvs: usize, nvs: usize, off: usize, values: usize, lin: usize, hasOpt: usize,
  x: usize, dv: usize, coef: usize,
): f64 {
  const xv = f64At(x, s * U + u);
  const l = f64At(lin, u);
  let p: f64 = l != 0 ? l * expm1F(xv) : 0;
  if (i32At(hasOpt, u) != 0) {
    const NV = i32At(nvs, u);
    const tx = (xv - f64At(x0, u)) / f64At(dxs, u);
    const tv = NV == 1 ? 0.0 : (f64At(dv, s * U + u) - f64At(v0, u)) / f64At(dvs, u);
    // a NaN move gives NaN (the twin's array index would be NaN too), never a clamped finite value
    const o = <usize>i32At(off, u);
    p += tx != tx || tv != tv ? NaN : surfaceAt(values + (o << 3), coef + (o << 5), i32At(nxs, u), NV, tx, tv);
  }
  return p;
}

/**
 * Fast-path P&L per scenario from per-underlying surfaces (see the twin for the layout). `perU` (m × U) = 0 to skip.
 * Per underlying u: x0[u], dx[u], nx[u], v0[u], dvs[u], nv[u], off[u] (offset of its table in `values`),
 * lin[u], hasOpt[u] (0: linear part only). Scenario-major (each scenario's row of moves read once, in order);
 * out[s] = Σ_u p_u from 0 in u order, as the twin's underlying-major loop adds them. The SIMD build evaluates two
 * scenarios per f64x2 (a pair with a NaN move is done per lane).
 */
export function surfaceEval(
  m: i32, U: i32,
  x0: usize, dxs: usize, nxs: usize, v0: usize, dvs: usize, nvs: usize, off: usize, values: usize, lin: usize, hasOpt: usize,
  x: usize, dv: usize, out: usize, perU: usize, coef: usize,
): void {
  // 1-D tables: each cell's cubic in monomial form, at coef + 32·(offset + cell) (the twin's cubicCells)
  for (let u = 0; u < U; u++) {
    if (i32At(hasOpt, u) == 0 || i32At(nvs, u) != 1) continue;
    const o = <usize>i32At(off, u);
    const cells = i32At(nxs, u) - 3;
    for (let c = 0; c < cells; c++) {
      const p = values + ((o + <usize>c) << 3);
      const q = coef + ((o + <usize>c) << 5);
      const v0 = load<f64>(p), v1 = load<f64>(p, 8), v2 = load<f64>(p, 16), v3 = load<f64>(p, 24);
      store<f64>(q, v0);
      store<f64>(q, (((2 * v3 - 9 * v2) + 18 * v1) - 11 * v0) / 6, 8);
      store<f64>(q, (((4 * v2 - v3) - 5 * v1) + 2 * v0) / 2, 16);
      store<f64>(q, ((v3 - v0) + 3 * (v1 - v2)) / 6, 24);
    }
  }
  if (ASC_FEATURE_SIMD) {
    // blocks of scenarios, underlying by underlying within a block (each table's parameters and branches hoisted out
    // of the pair loop; out[s] still gains p_0, p_1, … in u order from 0, as the twin adds them)
    for (let s0 = 0; s0 < m; s0 += SE_BLOCK) {
      const s1 = min(m, s0 + SE_BLOCK);
      for (let s = s0; s < s1; s++) store<f64>(out + ((<usize>s) << 3), 0.0);
      for (let u = 0; u < U; u++) surfaceBlock2(s0, s1, u, U, x0, dxs, nxs, v0, dvs, nvs, off, values, lin, hasOpt, x, dv, out, perU, coef);
    }
    return;
  }
  for (let s = 0; s < m; s++) {
    let sum: f64 = 0;
    for (let u = 0; u < U; u++) {
      const p = surfaceOne(s, u, U, x0, dxs, nxs, v0, dvs, nvs, off, values, lin, hasOpt, x, dv, coef);
      sum += p;
      if (perU != 0) store<f64>(perU + ((<usize>(s * U + u)) << 3), p);
    }
    store<f64>(out + ((<usize>s) << 3), sum);
  }
}

/** Scenarios per block of the SIMD surfaceEval (even; 2 KB of out, its rows of moves stay in L1/L2 across the U passes). */
const SE_BLOCK: i32 = 256;

/** SIMD surfaceEval: underlying u's p over scenarios [s0, s1), added to out (and written to perU), two per f64x2. */
// @ts-ignore: decorator
@inline function surfaceBlock2(
  s0: i32, s1: i32, u: i32, U: i32,
  x0: usize, dxs: usize, nxs: usize, v0: usize, dvs: usize, nvs: usize, off: usize, values: usize, lin: usize, hasOpt: usize,
  x: usize, dv: usize, out: usize, perU: usize, coef: usize,
): void {
  const l = f64At(lin, u);
  const opt = i32At(hasOpt, u) != 0;
  const NV = i32At(nvs, u);
  const NX = i32At(nxs, u);
  const X0 = splat(f64At(x0, u));
  const DX = splat(f64At(dxs, u));
  const V0 = splat(f64At(v0, u));
  const DV = splat(f64At(dvs, u));
  const o = <usize>i32At(off, u);
  const vals = values + (o << 3);
  const cf = coef + (o << 5);
  let s = s0;
  for (; s + 1 < s1; s += 2) {
    const a0 = s * U + u;
    const a1 = a0 + U;
    let p = l != 0 ? f64x2.replace_lane(splat(l * expm1F(f64At(x, a0))), 1, l * expm1F(f64At(x, a1))) : splat(0);
    if (opt) {
      const tx = f64x2.div(f64x2.sub(gather2(x, a0, a1), X0), DX);
      const tv = NV == 1 ? splat(0) : f64x2.div(f64x2.sub(gather2(dv, a0, a1), V0), DV);
      if (v128.all_true<i64>(v128.and(f64x2.eq(tx, tx), f64x2.eq(tv, tv)))) {
        p = f64x2.add(p, surfaceAt2(vals, cf, NX, NV, tx, tv));
      } else {
        p = f64x2.replace_lane(
          splat(surfaceOne(s, u, U, x0, dxs, nxs, v0, dvs, nvs, off, values, lin, hasOpt, x, dv, coef)), 1,
          surfaceOne(s + 1, u, U, x0, dxs, nxs, v0, dvs, nvs, off, values, lin, hasOpt, x, dv, coef),
        );
      }
    }
    const at = out + ((<usize>s) << 3);
    v128.store(at, f64x2.add(v128.load(at), p));
    if (perU != 0) {
      store<f64>(perU + ((<usize>a0) << 3), f64x2.extract_lane(p, 0));
      store<f64>(perU + ((<usize>a1) << 3), f64x2.extract_lane(p, 1));
    }
  }
  if (s < s1) {
    const p = surfaceOne(s, u, U, x0, dxs, nxs, v0, dvs, nvs, off, values, lin, hasOpt, x, dv, coef);
    store<f64>(out + ((<usize>s) << 3), f64At(out, s) + p);
    if (perU != 0) store<f64>(perU + ((<usize>(s * U + u)) << 3), p);
  }
}

// ---- Monte Carlo scenario rows -----------------------------------------------------------------------------------

const LINK_RELATIVE: i32 = 1;
const LINK_LOG: i32 = 2;

/** The vol shift of spot move x under link kind k: the twin's `linkedShift` (Math.max = f64.max here: no ±0 or NaN case differs). */
// @ts-ignore: decorator
@inline function linked(k: i32, beta: f64, floor: f64, x: f64): f64 {
  return k == LINK_RELATIVE ? max(floor, 1.0 + beta * x) - 1.0 : k == LINK_LOG ? expm1F(beta * x) : 0.0;
}

/** Folds one move (x, v) of asset u into the bounds at `range` (4n f64): the twin's `bound` (strict compares). */
// @ts-ignore: decorator
@inline function bound(range: usize, n: i32, u: i32, x: f64, v: f64): void {
  const pl = range + ((<usize>u) << 3);
  const pv = pl + ((<usize>n) << 3);
  const ph = pv + ((<usize>n) << 3);
  const pw = ph + ((<usize>n) << 3);
  if (x < load<f64>(pl)) store<f64>(pl, x);
  if (v < load<f64>(pv)) store<f64>(pv, v);
  if (load<f64>(ph) < x) store<f64>(ph, x);
  if (load<f64>(pw) < v) store<f64>(pw, v);
}

/** linked() of two adjacent assets u, u + 1 (c = u·8) at moves xv: one f64x2 expression when both links are relative. */
// @ts-ignore: decorator
@inline function linked2(kind: usize, beta: usize, floor: usize, u: i32, c: usize, xv: v128): v128 {
  const k0 = i32At(kind, u);
  const k1 = i32At(kind, u + 1);
  if (k0 == LINK_RELATIVE && k1 == LINK_RELATIVE) {
    return f64x2.sub(f64x2.max(v128.load(floor + c), f64x2.add(cst(1), f64x2.mul(v128.load(beta + c), xv))), cst(1));
  }
  const a = linked(k0, f64At(beta, u), f64At(floor, u), f64x2.extract_lane(xv, 0));
  return f64x2.replace_lane(splat(a), 1, linked(k1, f64At(beta, u + 1), f64At(floor, u + 1), f64x2.extract_lane(xv, 1)));
}

/** bound() of two adjacent assets (c = u·8): pmin(lo, y) = y < lo ? y : lo and pmax(hi, y) = hi < y ? y : hi per lane. */
// @ts-ignore: decorator
@inline function bound2(range: usize, n: i32, c: usize, xv: v128, vv: v128): void {
  const pl = range + c;
  const pv = pl + ((<usize>n) << 3);
  const ph = pv + ((<usize>n) << 3);
  const pw = ph + ((<usize>n) << 3);
  v128.store(pl, f64x2.pmin(v128.load(pl), xv));
  v128.store(pv, f64x2.pmin(v128.load(pv), vv));
  v128.store(ph, f64x2.pmax(v128.load(ph), xv));
  v128.store(pw, f64x2.pmax(v128.load(pw), vv));
}

/**
 * Monte Carlo scenario rows (the twin's scenarioRows): `rows` rows of correlatedNormals into x, then in one pass per
 * row its vol shifts into v, its mirror 0 − x into mx / mv (rows below mirrorRows) and the bounds — per asset in the
 * twin's order (row s, then mirror row s), so the bounds are the twin's bits. The SIMD build takes two assets per
 * f64x2. `scratchRow` as correlatedNormals (rows f64 when nu > 0); kind (i32), beta, floor per asset; range 4n f64;
 * v = 0 / mv = 0: those shifts are not stored (they still enter the bounds).
 */
export function scenarioRows(
  rows: i32, mirrorRows: i32, n: i32, l: usize, state: usize, nu: f64, scratchRow: usize,
  kind: usize, beta: usize, floor: usize, x: usize, v: usize, mx: usize, mv: usize, range: usize,
): void {
  correlatedNormals(rows, n, l, state, nu, scratchRow, x);
  const mirrors = min(mirrorRows, rows);
  for (let s = 0; s < rows; s++) {
    const row = (<usize>s * <usize>n) << 3;
    const mirror = s < mirrors;
    let u = 0;
    if (ASC_FEATURE_SIMD) {
      for (; u + 1 < n; u += 2) {
        const c = (<usize>u) << 3;
        const at = row + c;
        const xv = v128.load(x + at);
        const vv = linked2(kind, beta, floor, u, c, xv);
        if (v != 0) v128.store(v + at, vv);
        bound2(range, n, c, xv, vv);
        if (mirror) {
          const mxv = f64x2.sub(cst(0), xv);
          const mvv = linked2(kind, beta, floor, u, c, mxv);
          v128.store(mx + at, mxv);
          if (mv != 0) v128.store(mv + at, mvv);
          bound2(range, n, c, mxv, mvv);
        }
      }
    }
    for (; u < n; u++) {
      const at = row + ((<usize>u) << 3);
      const k = i32At(kind, u);
      const b = f64At(beta, u);
      const f = f64At(floor, u);
      const xi = load<f64>(x + at);
      const vi = linked(k, b, f, xi);
      if (v != 0) store<f64>(v + at, vi);
      bound(range, n, u, xi, vi);
      if (mirror) {
        const mxi = 0.0 - xi;
        const mvi = linked(k, b, f, mxi);
        store<f64>(mx + at, mxi);
        if (mv != 0) store<f64>(mv + at, mvi);
        bound(range, n, u, mxi, mvi);
      }
    }
  }
}
