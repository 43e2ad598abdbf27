// Standard normal CDF and PDF in double precision (the pure-TS twin of assembly/vmath.ts).
//
// Φ(x) is built on W. J. Cody's rational Chebyshev approximations for erf/erfc
// (W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631–637;
// coefficients and interval split exactly as in his Fortran routine CALERF, netlib specfun, 1985/1987):
//   y = |x|/√2 ≤ 0.46875      Φ = ½ ± ½·erf(y),        erf(y) = y·A(y²)/B(y²)            (degree 4/4)
//   0.46875 < y ≤ 4           Φ(−|x|) = ½·e^{−x²/2}·C(y)/D(y)                         (degree 8/8)
//   y > 4                     Φ(−|x|) = ½·e^{−x²/2}·(1/√π − R(1/y²))/y                  (degree 5/5)
// and Φ(|x|) = 1 − Φ(−|x|). Cody's rational parts have relative error < 1e-17 (his tables), so the accuracy is set
// by e^{−x²/2}. Cody splits y² (y rounded to 1/16) to keep exp's argument exact; we go one step further and never
// form y = x/√2 inside the exponent: the condition number of Φ at x = −38 is x² ≈ 1444, so the half-ulp rounding
// of x/√2 alone would cost ~1.6e-13. Instead x²/2 is formed exactly as a double-double (Dekker's split,
// T. J. Dekker, "A floating-point technique for extending the available precision", Numer. Math. 18 (1971)) and
// e^{−(hi+lo)} = e^{−hi}·(1 − lo) to first order (|lo| ≤ ½ ulp(hi) ≤ 4e-14, the neglected lo² is < 1e-27).
// Result: relative error ≤ ~3e-16·(1 + small) over x ∈ [−37.5, 8.3] (Φ is a normal double there), verified in
// normal.test.ts against 50-digit mpmath values; below −37.5 Φ is subnormal and only absolute accuracy of a few
// subnormal ulps (5e-324) is possible.
//
// Bit-for-bit twin: V8's Math.exp and Math.log are fdlibm's (src/base/ieee754.cc), and the wasm core carries a
// port of exactly those routines (assembly/vmath.ts, scalar and f64x2), so with the same operation order every
// backend returns the same bits here and in the pricing kernels.

/** 1/√2 */
export const SQRT1_2 = 0.7071067811865476;
/** 1/√(2π) = 0.398942280401432677939946059934… */
export const INV_SQRT_2PI = 0.3989422804014327;
/** Dekker's splitter 2^27 + 1: x·C − (x·C − x) keeps the top 26 bits of x, so (hi part)² is exact. */
const SPLITTER = 134217729;

// Cody CALERF, first interval (erf, |y| ≤ 0.46875): A(1..5), B(1..4)
const A0 = 3.1611237438705656, A1 = 113.864154151050156, A2 = 377.485237685302021, A3 = 3209.37758913846947,
  A4 = 0.185777706184603153;
const B0 = 23.6012909523441209, B1 = 244.024637934444173, B2 = 1282.61652607737228, B3 = 2844.23683343917062;
// Cody CALERF, second interval (erfc·e^{y²}, 0.46875 < y ≤ 4): C(1..9), D(1..8)
const C0 = 0.564188496988670089, C1 = 8.88314979438837594, C2 = 66.1191906371416295, C3 = 298.635138197400131,
  C4 = 881.95222124176909, C5 = 1712.04761263407058, C6 = 2051.07837782607147, C7 = 1230.33935479799725,
  C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347, D1 = 117.693950891312499, D2 = 537.181101862009858, D3 = 1621.38957456669019,
  D4 = 3290.79923573345963, D5 = 4362.61909014324716, D6 = 3439.36767414372164, D7 = 1230.33935480374942;
// Cody CALERF, third interval (erfc·e^{y²}·y, y > 4): P(1..6), Q(1..5); SQRPI = 1/√π
const P0 = 0.305326634961232344, P1 = 0.360344899949804439, P2 = 0.125781726111229246, P3 = 0.0160837851487422766,
  P4 = 6.58749161529837803e-4, P5 = 0.0163153871373020978;
const Q0 = 2.56852019228982242, Q1 = 1.87295284992346047, Q2 = 0.527905102951428412, Q3 = 0.0605183413124413191,
  Q4 = 0.00233520497626869185;
const SQRPI = 0.56418958354775628695;

/**
 * e^{−x²/2} with x²/2 carried as an exact double-double (see the header): relative error ≈ 1 ulp for every x.
 * |x| is capped at 64 (e^{−2048} = 0 either way) so that the splitter cannot overflow; NaN stays NaN.
 */
export function expNegHalfSq(x: number): number {
  const a = Math.min(Math.abs(x), 64);
  const p = a * SPLITTER;
  const ah = p - (p - a);
  const al = a - ah;
  const hi = 0.5 * (ah * ah); // exact: ah has ≤ 26 significant bits
  const lo = al * (ah + 0.5 * al); // (a² − ah²)/2, |lo| ≤ 2^-25·hi
  const s = hi + lo;
  const err = (hi - s) + lo; // Fast2Sum: s + err = hi + lo exactly
  return Math.exp(-s) * (1 - err);
}

/** Standard normal density φ(x) = e^{−x²/2}/√(2π), relative error ≈ 2 ulp (0 beyond |x| ≈ 38.6, NaN for NaN). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * expNegHalfSq(x);
}

/** Standard normal CDF Φ(x) (see the header for the method and accuracy). Φ(NaN) = NaN, Φ(±∞) = 1, 0. */
export function normCdf(x: number): number {
  const y = Math.abs(x) * SQRT1_2;
  if (y <= 0.46875) return normCdfCentral(x, y);
  return normCdfTail(x, y, expNegHalfSq(x));
}

/**
 * Φ(x) given e = expNegHalfSq(x), which the pricing kernels already hold for φ(d1); identical bits to normCdf(x).
 * @internal
 */
export function normCdfE(x: number, e: number): number {
  const y = Math.abs(x) * SQRT1_2;
  if (y <= 0.46875) return normCdfCentral(x, y);
  return normCdfTail(x, y, e);
}

function normCdfCentral(x: number, y: number): number {
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

/** y = |x|/√2 > 0.46875 (or NaN); e = e^{−x²/2}. */
function normCdfTail(x: number, y: number, e: number): number {
  let r: number;
  if (y <= 4) {
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
    r = (num + C7) / (den + D7);
  } else {
    const ysq = 1 / (y * y);
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
    r = (SQRPI - (ysq * (num + P4)) / (den + Q4)) / y;
  }
  const tail = 0.5 * r * e; // Φ(−|x|)
  return x < 0 ? tail : 1 - tail;
}
