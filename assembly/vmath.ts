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

// Thresholds as doubles: fdlibm's high-word tests hx > 0x3FD62E42 and hx < 0x3E300000 on |x| are exactly
// |x| > 0x3FD62E42_FFFFFFFF and |x| < 0x3E300000_00000000 (= 2^-28), which f64 compares do in one instruction.
const EXP_REDUCE: f64 = 0.34657359123229975; // 0x3FD62E42_FFFFFFFF, just below 0x3FD62E43_00000000 (≈ 0.5·ln2)
const EXP_TINY: f64 = 3.725290298461914e-9; // 2^-28
const MAGIC: f64 = 6755399441055744.0; // 1.5·2^52: k + MAGIC holds the integer k in its low mantissa bits
const MIN_NORMAL: f64 = 2.2250738585072014e-308;

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

// Vector constants live in a static table and are loaded with v128.load64_splat (one vmovddup from memory):
// V8 (TurboFan, x64) otherwise rematerialises every v128.const inside the loop as movq r64, imm64; vmovq xmm, r64;
// vpunpcklqdq — three instructions through the integer unit per constant per use, more than half of vexp.
// Entry 0 is unused (0.0 stays a splat: V8 makes it with one vpxor).
const VF_TABLE = memory.data<f64>([0.0, EXP_REDUCE, 0.5, INVLN2, LN2_HI, LN2_LO, EXP_P4, EXP_P5, EXP_P3, EXP_P2, EXP_P1, 2.0, 1.0, MAGIC, 708.0, TWOM1000, TWO1023, Infinity, O_THRESHOLD, U_THRESHOLD, EXP_TINY, E_CONST, MIN_NORMAL, TWO54, LG2, LG4, LG6, LG1, LG3, LG5, LG7, 0.33333333333333333, -Infinity, NaN, 64.0, SPLITTER, A4, A0, B0, A1, B1, A2, B2, A3, B3, C8, C0, D0, C1, D1, C2, D2, C3, D3, C4, D4, C5, D5, C6, D6, C7, D7, P5, P0, Q0, P1, Q1, P2, Q2, P3, Q3, P4, Q4, SQRPI, SQRT1_2, 0.46875, 4.0, -1.0, INV_SQRT_2PI]);
const VI_TABLE = memory.data<i64>([-9223372036854775808, 0x3FF, 0x4338000000000000, -1021, 1024, 1000, 1, -1023, -54, 0x000FFFFF, 0x95F64, 0x100000, 0xFFFFFFFF, 0x3FF00000, 0x6147A, 0x6B851, 2, 3]);
// indices into VF_TABLE / VI_TABLE
const F_ZERO = 0;
const F_EXP_REDUCE = 1;
export const F_HALF = 2;
const F_INVLN2 = 3;
const F_LN2_HI = 4;
const F_LN2_LO = 5;
const F_EXP_P4 = 6;
const F_EXP_P5 = 7;
const F_EXP_P3 = 8;
const F_EXP_P2 = 9;
const F_EXP_P1 = 10;
export const F_TWO = 11;
export const F_ONE = 12;
const F_MAGIC = 13;
const F_EXP_FAST_MAX = 14;
const F_TWOM1000 = 15;
const F_TWO1023 = 16;
export const F_INF = 17;
const F_O_THRESHOLD = 18;
const F_U_THRESHOLD = 19;
const F_EXP_TINY = 20;
const F_E_CONST = 21;
const F_MIN_NORMAL = 22;
const F_TWO54 = 23;
const F_LG2 = 24;
const F_LG4 = 25;
const F_LG6 = 26;
const F_LG1 = 27;
const F_LG3 = 28;
const F_LG5 = 29;
const F_LG7 = 30;
const F_THIRD = 31;
const F_NEG_INF = 32;
export const F_NAN = 33;
const F_SIXTY_FOUR = 34;
const F_SPLITTER = 35;
const F_A4 = 36;
const F_A0 = 37;
const F_B0 = 38;
const F_A1 = 39;
const F_B1 = 40;
const F_A2 = 41;
const F_B2 = 42;
const F_A3 = 43;
const F_B3 = 44;
const F_C8 = 45;
const F_C0 = 46;
const F_D0 = 47;
const F_C1 = 48;
const F_D1 = 49;
const F_C2 = 50;
const F_D2 = 51;
const F_C3 = 52;
const F_D3 = 53;
const F_C4 = 54;
const F_D4 = 55;
const F_C5 = 56;
const F_D5 = 57;
const F_C6 = 58;
const F_D6 = 59;
const F_C7 = 60;
const F_D7 = 61;
const F_P5 = 62;
const F_P0 = 63;
const F_Q0 = 64;
const F_P1 = 65;
const F_Q1 = 66;
const F_P2 = 67;
const F_Q2 = 68;
const F_P3 = 69;
const F_Q3 = 70;
const F_P4 = 71;
const F_Q4 = 72;
const F_SQRPI = 73;
const F_SQRT1_2 = 74;
const F_CODY_T1 = 75;
const F_CODY_T2 = 76;
export const F_MINUS_ONE = 77;
export const F_INV_SQRT_2PI = 78;
const I_SIGN = 0;
const I_BIAS = 1;
const I_MAGIC_BITS = 2;
const I_M1021 = 3;
const I_P1024 = 4;
const I_P1000 = 5;
const I_ONE = 6;
const I_M1023 = 7;
const I_M54 = 8;
const I_HI_MANT = 9;
const I_X95F64 = 10;
const I_X100000 = 11;
const I_LO32 = 12;
const I_X3FF00000 = 13;
const I_X6147A = 14;
const I_X6B851 = 15;
const I_TWO = 16;
const I_THREE = 17;
/** The f64 constant #i of VF_TABLE in both lanes. */
// @ts-ignore: decorator
@inline export function vf(i: i32): v128 {
  return v128.load64_splat(VF_TABLE + (<usize>i << 3));
}
/** The i64 constant #i of VI_TABLE in both lanes. */
// @ts-ignore: decorator
@inline function vi(i: i32): v128 {
  return v128.load64_splat(VI_TABLE + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function fsplat(x: f64): v128 {
  return f64x2.splat(x);
}


/**
 * Lane-wise e^x, bit-identical to expF on each lane. The fast path (every lane |x| ≤ 708, so 2^k is a normal
 * double) scales with one multiply; otherwise the full fdlibm/V8 special-case logic runs lane-wise.
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  const ax = f64x2.abs(x);
  const reduce = f64x2.gt(ax, vf(F_EXP_REDUCE)); // |x| > 0.5·ln2 (else k = 0)
  const half = v128.or(vf(F_HALF), v128.and(x, vi(I_SIGN))); // copysign(0.5, x)
  // k = (int)(invln2·x ± 0.5); in the 1.5·ln2 band this is ±1, as fdlibm's shortcut, with the same hi/lo bits
  const kf = v128.and(f64x2.trunc(f64x2.add(f64x2.mul(vf(F_INVLN2), x), half)), reduce);
  const hi = f64x2.sub(x, f64x2.mul(kf, vf(F_LN2_HI)));
  const lo = f64x2.mul(kf, vf(F_LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(vf(F_EXP_P4), f64x2.mul(t, vf(F_EXP_P5)));
  p = f64x2.add(vf(F_EXP_P3), f64x2.mul(t, p));
  p = f64x2.add(vf(F_EXP_P2), f64x2.mul(t, p));
  p = f64x2.add(vf(F_EXP_P1), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  // y = 1 − ((lo − r·c/(2 − c)) − hi); for k = 0 this equals fdlibm's 1 − (r·c/(c − 2) − r) bit for bit
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(vf(F_TWO), c));
  const y = f64x2.sub(vf(F_ONE), f64x2.sub(f64x2.sub(lo, q), hi));
  // the integer k from kf's bits: kf + 1.5·2^52 has bit pattern 0x4338000000000000 + k
  const kbits = f64x2.add(kf, vf(F_MAGIC));
  let res: v128;
  if (v128.all_true<i64>(f64x2.le(ax, vf(F_EXP_FAST_MAX)))) {
    // k ∈ [−1021, 1022]: 2^k = bits (k + 1023) << 52 (the magic's high bits shift out)
    res = f64x2.mul(y, i64x2.shl(i64x2.add(kbits, vi(I_BIAS)), 52));
  } else {
    // k ≥ −1021 → ·2^k; k = 1024 → ·2·2^1023; k < −1021 → ·2^(k+1000)·2^−1000 (as V8 does); then the overflow,
    // underflow and NaN lanes
    const k = i64x2.sub(kbits, vi(I_MAGIC_BITS));
    const low = i64x2.lt_s(k, vi(I_M1021));
    const top = i64x2.eq(k, vi(I_P1024));
    let kk = i64x2.add(k, v128.and(low, vi(I_P1000)));
    kk = v128.bitselect(vi(I_ONE), kk, top);
    const s1 = i64x2.shl(i64x2.add(kk, vi(I_BIAS)), 52);
    const s2 = v128.bitselect(vf(F_TWOM1000), v128.bitselect(vf(F_TWO1023), vf(F_ONE), top), low);
    res = f64x2.mul(f64x2.mul(y, s1), s2);
    res = v128.bitselect(vf(F_INF), res, f64x2.gt(x, vf(F_O_THRESHOLD)));
    res = v128.bitselect(fsplat(0.0), res, f64x2.lt(x, vf(F_U_THRESHOLD)));
    res = v128.bitselect(f64x2.add(x, x), res, f64x2.ne(x, x));
  }
  // |x| < 2^-28 → 1 + x; exp(1) → V8's E (neither lane can be an overflow/NaN lane). Both are rare: one test and a
  // predictable branch cost fewer µops than two unconditional selects (the kernels are bound by latency × µops).
  const tiny = f64x2.lt(ax, vf(F_EXP_TINY));
  const one = f64x2.eq(x, vf(F_ONE));
  if (v128.any_true(v128.or(tiny, one))) {
    res = v128.bitselect(f64x2.add(vf(F_ONE), x), res, tiny);
    res = v128.bitselect(vf(F_E_CONST), res, one);
  }
  return res;
}

/**
 * Lane-wise ln x, bit-identical to logF on each lane. Fast path: every lane a positive normal finite double
 * (the subnormal rescaling and the 0 / negative / ∞ / NaN lanes run only when some lane needs them).
 */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  const normal = v128.and(f64x2.ge(x, vf(F_MIN_NORMAL)), f64x2.lt(x, vf(F_INF)));
  const fast = v128.all_true<i64>(normal);
  let xs = x;
  let k0 = vi(I_M1023);
  if (!fast) {
    const sub = f64x2.lt(x, vf(F_MIN_NORMAL)); // subnormal (zero/negative lanes are fixed up at the end)
    xs = v128.bitselect(f64x2.mul(x, vf(F_TWO54)), x, sub);
    k0 = i64x2.add(k0, v128.and(sub, vi(I_M54)));
  }
  const hx = i64x2.shr_u(xs, 32); // high word (sign bit 0 on every lane that survives the fix-ups)
  let k = i64x2.add(k0, i64x2.shr_u(hx, 20));
  const hm = v128.and(hx, vi(I_HI_MANT));
  const i = v128.and(i64x2.add(hm, vi(I_X95F64)), vi(I_X100000));
  const xn = v128.or(v128.and(xs, vi(I_LO32)), i64x2.shl(v128.or(hm, v128.xor(i, vi(I_X3FF00000))), 32));
  k = i64x2.add(k, i64x2.shr_u(i, 20));
  const f = f64x2.sub(xn, vf(F_ONE));
  const dk = f64x2.convert_low_i32x4_s(i32x4.shuffle(k, k, 0, 2, 0, 2));
  const dkHi = f64x2.mul(dk, vf(F_LN2_HI));
  const dkLo = f64x2.mul(dk, vf(F_LN2_LO));
  const ff = f64x2.mul(f, f);
  const s = f64x2.div(f, f64x2.add(vf(F_TWO), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(vf(F_LG2), f64x2.mul(w, f64x2.add(vf(F_LG4), f64x2.mul(w, vf(F_LG6))))));
  const t2 = f64x2.mul(
    z,
    f64x2.add(vf(F_LG1), f64x2.mul(w, f64x2.add(vf(F_LG3), f64x2.mul(w, f64x2.add(vf(F_LG5), f64x2.mul(w, vf(F_LG7))))))),
  );
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(vf(F_HALF), ff);
  const B = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(hfsq, f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), dkLo)), f));
  const C = f64x2.sub(dkHi, f64x2.sub(f64x2.sub(f64x2.mul(s, f64x2.sub(f, R)), dkLo), f));
  const ipos = i64x2.gt_s(v128.or(i64x2.sub(hm, vi(I_X6147A)), i64x2.sub(vi(I_X6B851), hm)), i64x2.splat(0));
  let res = v128.bitselect(B, C, ipos);
  const small = i64x2.lt_s(v128.and(i64x2.add(hm, vi(I_TWO)), vi(I_HI_MANT)), vi(I_THREE));
  if (v128.any_true(small)) {
    // |f| < 2^-20: dk·ln2_hi − ((R − dk·ln2_lo) − f), R = f²(½ − f/3) (covers fdlibm's f = 0 and k = 0 variants)
    const Rs = f64x2.mul(ff, f64x2.sub(vf(F_HALF), f64x2.mul(vf(F_THIRD), f)));
    res = v128.bitselect(f64x2.sub(dkHi, f64x2.sub(f64x2.sub(Rs, dkLo), f)), res, small);
  }
  if (!fast) {
    res = v128.bitselect(vf(F_NEG_INF), res, f64x2.eq(x, fsplat(0.0)));
    res = v128.bitselect(vf(F_NAN), res, f64x2.lt(x, fsplat(0.0)));
    res = v128.bitselect(f64x2.add(x, x), res, v128.or(f64x2.eq(x, vf(F_INF)), f64x2.ne(x, x)));
  }
  return res;
}

/** Lane-wise e^{−x²/2} (twin of expNegHalfSq). */
// @ts-ignore: decorator
@inline export function vexpNegHalfSq(x: v128): v128 {
  // pmin(a, 64) = 64 < a ? 64 : a is min(a, 64) for a = |x| ≥ 0 or NaN (NaN stays NaN), in one minpd instead of
  // f64x2.min's NaN/−0 fix-up sequence
  const a = f64x2.pmin(f64x2.abs(x), vf(F_SIXTY_FOUR));
  const p = f64x2.mul(a, vf(F_SPLITTER));
  const ah = f64x2.sub(p, f64x2.sub(p, a));
  const al = f64x2.sub(a, ah);
  const hi = f64x2.mul(vf(F_HALF), f64x2.mul(ah, ah));
  const lo = f64x2.mul(al, f64x2.add(ah, f64x2.mul(vf(F_HALF), al)));
  const s = f64x2.add(hi, lo);
  const err = f64x2.add(f64x2.sub(hi, s), lo);
  return f64x2.mul(vexp(f64x2.neg(s)), f64x2.sub(vf(F_ONE), err));
}

// @ts-ignore: decorator
@inline function vErfcxFar(y: v128): v128 {
  const ysq = f64x2.div(vf(F_ONE), f64x2.mul(y, y));
  let num = f64x2.mul(vf(F_P5), ysq);
  let den = ysq;
  num = f64x2.mul(f64x2.add(num, vf(F_P0)), ysq);
  den = f64x2.mul(f64x2.add(den, vf(F_Q0)), ysq);
  num = f64x2.mul(f64x2.add(num, vf(F_P1)), ysq);
  den = f64x2.mul(f64x2.add(den, vf(F_Q1)), ysq);
  num = f64x2.mul(f64x2.add(num, vf(F_P2)), ysq);
  den = f64x2.mul(f64x2.add(den, vf(F_Q2)), ysq);
  num = f64x2.mul(f64x2.add(num, vf(F_P3)), ysq);
  den = f64x2.mul(f64x2.add(den, vf(F_Q3)), ysq);
  const frac = f64x2.div(f64x2.mul(ysq, f64x2.add(num, vf(F_P4))), f64x2.add(den, vf(F_Q4)));
  return f64x2.div(f64x2.sub(vf(F_SQRPI), frac), y);
}

// Cody's first two rationals in one Horner scheme, with per-lane coefficients (see vnormCdf). Row k of a block holds
// (num_k, den_k), each a v128 with lane 0's and lane 1's coefficient; the block is chosen by the two lanes' intervals
// (bit 0: lane 0 central, bit 1: lane 1 central). The central rational (degree 4/4 in y²) is padded in front to the
// mid one's 8 steps with zeros and a 1: (0 + 0)·z = 0 for three steps, then (0 + A4)·z = A4·z and (0 + 1)·z = z are
// exactly its first terms, so every lane gets the bits of its own rational (erf's factor y is applied at the end).
const CODY_BLOCK = 288; // 9 rows × (num, den) × 16 bytes
const CODY_TABLE = memory.data<f64>([
  // block 0: lane 0 mid, lane 1 mid
  C8, C8, 1.0, 1.0, C0, C0, D0, D0, C1, C1, D1, D1, C2, C2, D2, D2, C3, C3, D3, D3, C4, C4, D4, D4, C5, C5, D5, D5, C6, C6, D6, D6, C7, C7, D7, D7,
  // block 1: lane 0 central, lane 1 mid
  0.0, C8, 0.0, 1.0, 0.0, C0, 0.0, D0, 0.0, C1, 0.0, D1, 0.0, C2, 0.0, D2, A4, C3, 1.0, D3, A0, C4, B0, D4, A1, C5, B1, D5, A2, C6, B2, D6, A3, C7, B3, D7,
  // block 2: lane 0 mid, lane 1 central
  C8, 0.0, 1.0, 0.0, C0, 0.0, D0, 0.0, C1, 0.0, D1, 0.0, C2, 0.0, D2, 0.0, C3, A4, D3, 1.0, C4, A0, D4, B0, C5, A1, D5, B1, C6, A2, D6, B2, C7, A3, D7, B3,
  // block 3: lane 0 central, lane 1 central
  0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, A4, A4, 1.0, 1.0, A0, A0, B0, B0, A1, A1, B1, B1, A2, A2, B2, B2, A3, A3, B3, B3,
], 16);

/**
 * Lane-wise Φ(x) given e = e^{−x²/2} (only read on tail lanes), bit-identical to normCdfE on each lane.
 * The central (|x|/√2 ≤ 0.46875) and mid (≤ 4) intervals share one 8-step Horner evaluation with per-lane
 * coefficients from CODY_TABLE, so there is one division and no data-dependent branch for them: on the benchmark's
 * data (strikes ±60%, 1 day – 2 years) d1 is central in ~62% of lanes and the two lanes of a pair fall in different
 * intervals ~47% of the time, which made the former "evaluate each interval that some lane needs" both do two
 * rationals and mispredict. Only the far interval (y > 4, or NaN: ~0.3% of lanes there) is a branch.
 * The two results are combined as base + (±u): central ½ ∓ ½q (base ½), tail lanes ½q·e (base 0, x < 0) or
 * 1 − ½q·e (base 1), where a + (−b) is exactly a − b.
 */
// @ts-ignore: decorator
@inline export function vnormCdf(x: v128, e: v128): v128 {
  const y = f64x2.mul(f64x2.abs(x), vf(F_SQRT1_2));
  const central = f64x2.le(y, vf(F_CODY_T1));
  const tab = CODY_TABLE + <usize>(v128.bitmask<i64>(central) * CODY_BLOCK);
  const z = v128.bitselect(f64x2.mul(y, y), y, central);
  let num = f64x2.mul(v128.load(tab), z);
  let den = f64x2.mul(v128.load(tab, 16), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 32)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 48)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 64)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 80)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 96)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 112)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 128)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 144)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 160)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 176)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 192)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 208)), z);
  num = f64x2.mul(f64x2.add(num, v128.load(tab, 224)), z);
  den = f64x2.mul(f64x2.add(den, v128.load(tab, 240)), z);
  // central: y·(num + A3)/(den + B3) = erf(y); mid: 1·(num + C7)/(den + D7) = erfc(y)·e^{y²}
  const mult = v128.bitselect(y, vf(F_ONE), central);
  let q = f64x2.div(f64x2.mul(mult, f64x2.add(num, v128.load(tab, 256))), f64x2.add(den, v128.load(tab, 272)));
  const mid = f64x2.le(y, vf(F_CODY_T2)); // NaN lanes fall in the far branch
  if (!v128.all_true<i64>(mid)) q = v128.bitselect(q, vErfcxFar(y), mid);
  const hq = f64x2.mul(vf(F_HALF), q);
  const u = v128.bitselect(hq, f64x2.mul(hq, e), central);
  const neg = f64x2.lt(x, f64x2.splat(0.0));
  const base = v128.bitselect(vf(F_HALF), v128.andnot(vf(F_ONE), neg), central);
  // flip u's sign where central == neg (central x < 0: ½ − ½q; tail x ≥ 0: 1 − ½q·e)
  return f64x2.add(base, v128.xor(u, v128.andnot(vi(I_SIGN), v128.xor(central, neg))));
}
