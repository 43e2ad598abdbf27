// Elementary functions for the pricing kernels, scalar and f64x2, bit-identical to V8's Math.exp / Math.log.
//
// exp and log are ports of fdlibm (Sun Microsystems 1993, e_exp.c / e_log.c) in the form V8 ships them
// (see: v8/src/base/ieee754.cc — V8 scales exp by 2^k with a multiply and special-cases exp(1) and k = 1024).
// Node's Math.exp / Math.log are exactly these routines (checked bit for bit on 4.8e7 random arguments), and the
// pure-TS twin (packages/kernels/src/js) calls them; porting the same operations here makes every backend return
// the same bits, which is what lets parity tests be exact even where a price is ill-conditioned.
// WebAssembly SIMD has no exp/log: the f64x2 versions below evaluate fdlibm's branches lane-wise and select, with
// the branch conditions taken from the same high-word tests as the scalar code (so lanes agree with it bit for bit).
//
// The normal CDF (normCdf / vnormCdfE) is W. J. Cody's erf/erfc (CALERF, Math. Comp. 23 (1969) 631–637) with an
// exact double-double x²/2 inside the exponential: see packages/kernels/src/js/normal.ts for the method, the
// accuracy (relative ≤ ~7e-16 over [−37.5, 8.3]) and the twin with identical operation order.

// ---- fdlibm constants (hex from fdlibm's comments) ---------------------------------------------------------------
const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3FE62E42 FEE00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3DEA39EF 35793C76
const INVLN2: f64 = 1.44269504088896338700e+00; // 0x3FF71547 652B82FE
const EXP_P1: f64 = 1.66666666666666019037e-01; // 0x3FC55555 5555553E
const EXP_P2: f64 = -2.77777777770155933842e-03; // 0xBF66C16C 16BEBD93
const EXP_P3: f64 = 6.61375632143793436117e-05; // 0x3F11566A AF25DE2C
const EXP_P4: f64 = -1.65339022054652515390e-06; // 0xBEBBBD41 C5D26BF1
const EXP_P5: f64 = 4.13813679705723846039e-08; // 0x3E663769 72BEA4D0
const O_THRESHOLD: f64 = 7.09782712893383973096e+02; // 0x40862E42 FEFA39EF: exp overflows above
const U_THRESHOLD: f64 = -7.45133219101941108420e+02; // 0xC0874910 D52D3051: exp underflows to 0 below
const TWOM1000: f64 = 9.33263618503218878990e-302; // 2^-1000
const TWO1023: f64 = 8.988465674311579539e307; // 2^1023
const E_CONST: f64 = 2.718281828459045; // 0x4005BF0A 8B145769: V8 returns this for exp(1)
const TWO54: f64 = 1.80143985094819840000e+16; // 2^54
const LG1: f64 = 6.666666666666735130e-01; // 0x3FE55555 55555593
const LG2: f64 = 3.999999999940941908e-01; // 0x3FD99999 9997FA04
const LG3: f64 = 2.857142874366239149e-01; // 0x3FD24924 94229359
const LG4: f64 = 2.222219843214978396e-01; // 0x3FCC71C5 1D8E78AF
const LG5: f64 = 1.818357216161805012e-01; // 0x3FC74664 96CB03DE
const LG6: f64 = 1.531383769920937332e-01; // 0x3FC39A09 D078C69F
const LG7: f64 = 1.479819860511658591e-01; // 0x3FC2F112 DF3E5244

// ---- normal-distribution constants (see js/normal.ts) --------------------------------------------------------------
export const SQRT1_2: f64 = 0.7071067811865476; // 1/√2
export const INV_SQRT_2PI: f64 = 0.3989422804014327; // 1/√(2π)
const SPLITTER: f64 = 134217729; // 2^27 + 1, Dekker's split
// Cody CALERF coefficients: erf on |y| ≤ 0.46875 (A, B), erfc·e^{y²} on (0.46875, 4] (C, D) and beyond (P, Q)
const A0: f64 = 3.1611237438705656, A1: f64 = 113.864154151050156, A2: f64 = 377.485237685302021;
const A3: f64 = 3209.37758913846947, A4: f64 = 0.185777706184603153;
const B0: f64 = 23.6012909523441209, B1: f64 = 244.024637934444173, B2: f64 = 1282.61652607737228;
const B3: f64 = 2844.23683343917062;
const C0: f64 = 0.564188496988670089, C1: f64 = 8.88314979438837594, C2: f64 = 66.1191906371416295;
const C3: f64 = 298.635138197400131, C4: f64 = 881.95222124176909, C5: f64 = 1712.04761263407058;
const C6: f64 = 2051.07837782607147, C7: f64 = 1230.33935479799725, C8: f64 = 2.15311535474403846e-8;
const D0: f64 = 15.7449261107098347, D1: f64 = 117.693950891312499, D2: f64 = 537.181101862009858;
const D3: f64 = 1621.38957456669019, D4: f64 = 3290.79923573345963, D5: f64 = 4362.61909014324716;
const D6: f64 = 3439.36767414372164, D7: f64 = 1230.33935480374942;
const P0: f64 = 0.305326634961232344, P1: f64 = 0.360344899949804439, P2: f64 = 0.125781726111229246;
const P3: f64 = 0.0160837851487422766, P4: f64 = 6.58749161529837803e-4, P5: f64 = 0.0163153871373020978;
const Q0: f64 = 2.56852019228982242, Q1: f64 = 1.87295284992346047, Q2: f64 = 0.527905102951428412;
const Q3: f64 = 0.0605183413124413191, Q4: f64 = 0.00233520497626869185;
const SQRPI: f64 = 0.56418958354775628695; // 1/√π

// =====================================================================================================================
// Scalar
// =====================================================================================================================

/** e^x, fdlibm e_exp.c as in V8 (bit-identical to Math.exp). */
export function expF(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let hx = <u32>(bits >> 32);
  const xsb = hx >> 31;
  hx &= 0x7FFFFFFF;
  if (hx >= 0x40862E42) {
    if (hx >= 0x7FF00000) {
      if (((hx & 0xFFFFF) | <u32>bits) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0.0;
  }
  let hi = 0.0, lo = 0.0;
  let k: i32 = 0;
  if (hx > 0x3FD62E42) {
    if (hx < 0x3FF0A2B2) {
      if (x == 1.0) return E_CONST;
      hi = xsb ? x + LN2_HI : x - LN2_HI;
      lo = xsb ? -LN2_LO : LN2_LO;
      k = 1 - <i32>(xsb << 1);
    } else {
      k = <i32>(INVLN2 * x + (xsb ? -0.5 : 0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3E300000) {
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (EXP_P1 + t * (EXP_P2 + t * (EXP_P3 + t * (EXP_P4 + t * EXP_P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * TWO1023;
    return y * reinterpret<f64>(<u64>(0x3FF + k) << 52);
  }
  return y * reinterpret<f64>(<u64>(0x3FF + k + 1000) << 52) * TWOM1000;
}

/** ln x, fdlibm e_log.c (bit-identical to Math.log in Node 20's V8). */
export function logF(x: f64): f64 {
  let u = reinterpret<u64>(x);
  let hx = <i32>(u >> 32);
  const lx = <u32>u;
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7FFFFFFF) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    u = reinterpret<u64>(x);
    hx = <i32>(u >> 32);
  }
  if (hx >= 0x7FF00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000FFFFF;
  let i = (hx + 0x95F64) & 0x100000;
  x = reinterpret<f64>((u & 0xFFFFFFFF) | (<u64>(hx | (i ^ 0x3FF00000)) << 32));
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000FFFFF & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f == 0) return k == 0 ? 0.0 : dk * LN2_HI + dk * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - R : dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  i = hx - 0x6147A;
  const w = z * z;
  const j = 0x6B851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + R)) : dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  return k == 0 ? f - s * (f - R) : dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/** e^{−x²/2} with x²/2 as an exact double-double (twin of js/normal.ts expNegHalfSq). */
// @ts-ignore: decorator
@inline export function expNegHalfSq(x: f64): f64 {
  const a = min(abs(x), 64.0);
  const p = a * SPLITTER;
  const ah = p - (p - a);
  const al = a - ah;
  const hi = 0.5 * (ah * ah);
  const lo = al * (ah + 0.5 * al);
  const s = hi + lo;
  const err = (hi - s) + lo;
  return expF(-s) * (1.0 - err);
}

function normCdfCentral(x: f64, y: f64): f64 {
  const ysq = y * y;
  let num = A4 * ysq;
  let den = ysq;
  num = (num + A0) * ysq;
  den = (den + B0) * ysq;
  num = (num + A1) * ysq;
  den = (den + B1) * ysq;
  num = (num + A2) * ysq;
  den = (den + B2) * ysq;
  const erf = (y * (num + A3)) / (den + B3);
  return x < 0 ? 0.5 - 0.5 * erf : 0.5 + 0.5 * erf;
}

// @ts-ignore: decorator
@inline function erfcxMid(y: f64): f64 {
  let num = C8 * y;
  let den = y;
  num = (num + C0) * y;
  den = (den + D0) * y;
  num = (num + C1) * y;
  den = (den + D1) * y;
  num = (num + C2) * y;
  den = (den + D2) * y;
  num = (num + C3) * y;
  den = (den + D3) * y;
  num = (num + C4) * y;
  den = (den + D4) * y;
  num = (num + C5) * y;
  den = (den + D5) * y;
  num = (num + C6) * y;
  den = (den + D6) * y;
  return (num + C7) / (den + D7);
}

// @ts-ignore: decorator
@inline function erfcxFar(y: f64): f64 {
  const ysq = 1.0 / (y * y);
  let num = P5 * ysq;
  let den = ysq;
  num = (num + P0) * ysq;
  den = (den + Q0) * ysq;
  num = (num + P1) * ysq;
  den = (den + Q1) * ysq;
  num = (num + P2) * ysq;
  den = (den + Q2) * ysq;
  num = (num + P3) * ysq;
  den = (den + Q3) * ysq;
  return (SQRPI - (ysq * (num + P4)) / (den + Q4)) / y;
}

function normCdfTail(x: f64, y: f64, e: f64): f64 {
  const r = y <= 4.0 ? erfcxMid(y) : erfcxFar(y);
  const tail = 0.5 * r * e;
  return x < 0 ? tail : 1.0 - tail;
}

/** Φ(x) (twin of js/normal.ts normCdf). */
export function normCdf(x: f64): f64 {
  const y = abs(x) * SQRT1_2;
  if (y <= 0.46875) return normCdfCentral(x, y);
  return normCdfTail(x, y, expNegHalfSq(x));
}

/** Φ(x) given e = expNegHalfSq(x) (twin of js/normal.ts normCdfE). */
export function normCdfE(x: f64, e: f64): f64 {
  const y = abs(x) * SQRT1_2;
  if (y <= 0.46875) return normCdfCentral(x, y);
  return normCdfTail(x, y, e);
}

// =====================================================================================================================
// f64x2
// =====================================================================================================================

// @ts-ignore: decorator
@inline function fsplat(x: f64): v128 {
  return f64x2.splat(x);
}
// @ts-ignore: decorator
@inline function isplat(x: i64): v128 {
  return i64x2.splat(x);
}

/** Lane-wise e^x, bit-identical to expF on each lane. */
export function vexp(x: v128): v128 {
  // |x|'s high word: bits 62..32
  const hx = i64x2.shr_u(i64x2.shl(x, 1), 33);
  const reduce = i64x2.gt_s(hx, isplat(0x3FD62E42)); // |x| > 0.5·ln2 (else k = 0)
  const half = v128.or(fsplat(0.5), v128.and(x, isplat(0x8000000000000000))); // copysign(0.5, x)
  // k = (int)(invln2·x ± 0.5); in the 1.5·ln2 band this is ±1, as fdlibm's shortcut, with the same hi/lo bits
  const kf = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(fsplat(INVLN2), x), half)), reduce);
  const hi = f64x2.sub(x, f64x2.mul(kf, fsplat(LN2_HI)));
  const lo = f64x2.mul(kf, fsplat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(fsplat(EXP_P4), f64x2.mul(t, fsplat(EXP_P5)));
  p = f64x2.add(fsplat(EXP_P3), f64x2.mul(t, p));
  p = f64x2.add(fsplat(EXP_P2), f64x2.mul(t, p));
  p = f64x2.add(fsplat(EXP_P1), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  // y = 1 − ((lo − r·c/(2 − c)) − hi); for k = 0 this equals fdlibm's 1 − (r·c/(c − 2) − r) bit for bit
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(fsplat(2.0), c));
  const y = f64x2.sub(fsplat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  // scale by 2^k: k ≥ −1021 → ·2^k; k = 1024 → ·2·2^1023; k < −1021 → ·2^(k+1000)·2^−1000 (as V8 does)
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  const low = i64x2.lt_s(k, isplat(-1021));
  const top = i64x2.eq(k, isplat(1024));
  let kk = i64x2.add(k, v128.and(low, isplat(1000)));
  kk = v128.bitselect(isplat(1), kk, top);
  const s1 = i64x2.shl(i64x2.add(kk, isplat(0x3FF)), 52);
  const s2 = v128.bitselect(fsplat(TWOM1000), v128.bitselect(fsplat(TWO1023), fsplat(1.0), top), low);
  let res = f64x2.mul(f64x2.mul(y, s1), s2);
  // special lanes, in fdlibm's order of precedence (last select wins)
  res = v128.bitselect(f64x2.add(fsplat(1.0), x), res, i64x2.lt_s(hx, isplat(0x3E300000)));
  res = v128.bitselect(fsplat(E_CONST), res, f64x2.eq(x, fsplat(1.0)));
  res = v128.bitselect(fsplat(Infinity), res, f64x2.gt(x, fsplat(O_THRESHOLD)));
  res = v128.bitselect(fsplat(0.0), res, f64x2.lt(x, fsplat(U_THRESHOLD)));
  res = v128.bitselect(f64x2.add(x, x), res, f64x2.ne(x, x));
  return res;
}

/** Lane-wise ln x, bit-identical to logF on each lane. */
export function vlog(x: v128): v128 {
  const hx0 = i64x2.shr_s(x, 32);
  const sub = i64x2.lt_s(hx0, isplat(0x00100000)); // subnormal (and zero/negative, fixed up at the end)
  const xs = v128.bitselect(f64x2.mul(x, fsplat(TWO54)), x, sub);
  const hx = i64x2.shr_s(xs, 32);
  let k = i64x2.add(v128.and(sub, isplat(-54)), i64x2.sub(i64x2.shr_s(hx, 20), isplat(1023)));
  const hm = v128.and(hx, isplat(0x000FFFFF));
  const i = v128.and(i64x2.add(hm, isplat(0x95F64)), isplat(0x100000));
  const xn = v128.or(v128.and(xs, isplat(0xFFFFFFFF)), i64x2.shl(v128.or(hm, v128.xor(i, isplat(0x3FF00000))), 32));
  k = i64x2.add(k, i64x2.shr_s(i, 20));
  const f = f64x2.sub(xn, fsplat(1.0));
  const dk = f64x2.convert_low_i32x4_s(i32x4.shuffle(k, k, 0, 2, 0, 2));
  const dkHi = f64x2.mul(dk, fsplat(LN2_HI));
  const dkLo = f64x2.mul(dk, fsplat(LN2_LO));
  // |f| < 2^-20: dk·ln2_hi − ((R − dk·ln2_lo) − f), R = f²(½ − f/3) (covers fdlibm's f = 0 and k = 0 variants)
  const ff = f64x2.mul(f, f);
  const Rs = f64x2.mul(ff, f64x2.sub(fsplat(0.5), f64x2.mul(fsplat(0.33333333333333333), f)));
  const A = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(Rs, dkLo), f));
  const s = f64x2.div(f, f64x2.add(fsplat(2.0), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(fsplat(LG2), f64x2.mul(w, f64x2.add(fsplat(LG4), f64x2.mul(w, fsplat(LG6))))));
  const t2 = f64x2.mul(
    z,
    f64x2.add(fsplat(LG1), f64x2.mul(w, f64x2.add(fsplat(LG3), f64x2.mul(w, f64x2.add(fsplat(LG5), f64x2.mul(w, fsplat(LG7))))))),
  );
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(fsplat(0.5), ff);
  const B = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), dkLo)), f));
  const C = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(f64x2.mul(s, f64x2.sub(f, R)), dkLo), f));
  const small = i64x2.lt_s(v128.and(i64x2.add(hm, isplat(2)), isplat(0x000FFFFF)), isplat(3));
  const ipos = i64x2.gt_s(v128.or(i64x2.sub(hm, isplat(0x6147A)), i64x2.sub(isplat(0x6B851), hm)), isplat(0));
  let res = v128.bitselect(A, v128.bitselect(B, C, ipos), small);
  res = v128.bitselect(fsplat(-Infinity), res, f64x2.eq(x, fsplat(0.0)));
  res = v128.bitselect(fsplat(NaN), res, f64x2.lt(x, fsplat(0.0)));
  res = v128.bitselect(f64x2.add(x, x), res, v128.or(i64x2.ge_s(hx, isplat(0x7FF00000)), f64x2.ne(x, x)));
  return res;
}

/** Lane-wise e^{−x²/2} (twin of expNegHalfSq). */
// @ts-ignore: decorator
@inline export function vexpNegHalfSq(x: v128): v128 {
  const a = f64x2.min(f64x2.abs(x), fsplat(64.0));
  const p = f64x2.mul(a, fsplat(SPLITTER));
  const ah = f64x2.sub(p, f64x2.sub(p, a));
  const al = f64x2.sub(a, ah);
  const hi = f64x2.mul(fsplat(0.5), f64x2.mul(ah, ah));
  const lo = f64x2.mul(al, f64x2.add(ah, f64x2.mul(fsplat(0.5), al)));
  const s = f64x2.add(hi, lo);
  const err = f64x2.add(f64x2.sub(hi, s), lo);
  return f64x2.mul(vexp(f64x2.neg(s)), f64x2.sub(fsplat(1.0), err));
}

// @ts-ignore: decorator
@inline function vErfCentral(x: v128, y: v128): v128 {
  const ysq = f64x2.mul(y, y);
  let num = f64x2.mul(fsplat(A4), ysq);
  let den = ysq;
  num = f64x2.mul(f64x2.add(num, fsplat(A0)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(B0)), ysq);
  num = f64x2.mul(f64x2.add(num, fsplat(A1)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(B1)), ysq);
  num = f64x2.mul(f64x2.add(num, fsplat(A2)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(B2)), ysq);
  const erf = f64x2.div(f64x2.mul(y, f64x2.add(num, fsplat(A3))), f64x2.add(den, fsplat(B3)));
  const he = f64x2.mul(fsplat(0.5), erf);
  return v128.bitselect(f64x2.sub(fsplat(0.5), he), f64x2.add(fsplat(0.5), he), f64x2.lt(x, fsplat(0.0)));
}

// @ts-ignore: decorator
@inline function vErfcxMid(y: v128): v128 {
  let num = f64x2.mul(fsplat(C8), y);
  let den = y;
  num = f64x2.mul(f64x2.add(num, fsplat(C0)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D0)), y);
  num = f64x2.mul(f64x2.add(num, fsplat(C1)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D1)), y);
  num = f64x2.mul(f64x2.add(num, fsplat(C2)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D2)), y);
  num = f64x2.mul(f64x2.add(num, fsplat(C3)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D3)), y);
  num = f64x2.mul(f64x2.add(num, fsplat(C4)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D4)), y);
  num = f64x2.mul(f64x2.add(num, fsplat(C5)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D5)), y);
  num = f64x2.mul(f64x2.add(num, fsplat(C6)), y);
  den = f64x2.mul(f64x2.add(den, fsplat(D6)), y);
  return f64x2.div(f64x2.add(num, fsplat(C7)), f64x2.add(den, fsplat(D7)));
}

// @ts-ignore: decorator
@inline function vErfcxFar(y: v128): v128 {
  const ysq = f64x2.div(fsplat(1.0), f64x2.mul(y, y));
  let num = f64x2.mul(fsplat(P5), ysq);
  let den = ysq;
  num = f64x2.mul(f64x2.add(num, fsplat(P0)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(Q0)), ysq);
  num = f64x2.mul(f64x2.add(num, fsplat(P1)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(Q1)), ysq);
  num = f64x2.mul(f64x2.add(num, fsplat(P2)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(Q2)), ysq);
  num = f64x2.mul(f64x2.add(num, fsplat(P3)), ysq);
  den = f64x2.mul(f64x2.add(den, fsplat(Q3)), ysq);
  const frac = f64x2.div(f64x2.mul(ysq, f64x2.add(num, fsplat(P4))), f64x2.add(den, fsplat(Q4)));
  return f64x2.div(f64x2.sub(fsplat(SQRPI), frac), y);
}

/**
 * Lane-wise Φ(x). `e` holds expNegHalfSq(x) when `haveE`; otherwise it is computed here, and only when some lane
 * is in a tail interval. Each interval's rational is evaluated only if some lane needs it.
 */
// @ts-ignore: decorator
@inline export function vnormCdf(x: v128, e: v128, haveE: bool): v128 {
  const y = f64x2.mul(f64x2.abs(x), fsplat(SQRT1_2));
  const central = f64x2.le(y, fsplat(0.46875));
  const mid = f64x2.le(y, fsplat(4.0)); // includes the central lanes; NaN lanes fall in the far branch
  let res = fsplat(0.0);
  if (!v128.all_true<i64>(central)) {
    const needFar = !v128.all_true<i64>(mid);
    let r = v128.any_true(v128.andnot(mid, central)) ? vErfcxMid(y) : fsplat(0.0);
    if (needFar) r = v128.bitselect(r, vErfcxFar(y), mid);
    const ee = haveE ? e : vexpNegHalfSq(x);
    const tail = f64x2.mul(f64x2.mul(fsplat(0.5), r), ee);
    res = v128.bitselect(tail, f64x2.sub(fsplat(1.0), tail), f64x2.lt(x, fsplat(0.0)));
  }
  if (v128.any_true(central)) res = v128.bitselect(vErfCentral(x, y), res, central);
  return res;
}
