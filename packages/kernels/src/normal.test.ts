// Standard normal CDF and PDF (js/normal.ts; the wasm core carries the same routine, checked through the pricing
// parity tests). Edge cases first, then published-precision reference values.
import { describe, expect, it } from "vitest";
import { INV_SQRT_2PI, expNegHalfSq, normCdf, normCdfE, normPdf } from "./js/normal.js";

/** Smallest positive normal double: below it only absolute accuracy (in subnormal ulps) is meaningful. */
const MIN_NORMAL = 2.2250738585072014e-308;
/** Smallest subnormal (one subnormal ulp). */
const MIN_SUBNORMAL = 5e-324;

describe("normCdf / normPdf edge cases", () => {
  it("NaN in, NaN out", () => {
    expect(normCdf(NaN)).toBeNaN();
    expect(normPdf(NaN)).toBeNaN();
    expect(expNegHalfSq(NaN)).toBeNaN();
  });

  it("infinities", () => {
    expect(normCdf(Infinity)).toBe(1);
    expect(normCdf(-Infinity)).toBe(0);
    expect(normPdf(Infinity)).toBe(0);
    expect(normPdf(-Infinity)).toBe(0);
  });

  it("zero and the far tails", () => {
    expect(normCdf(0)).toBe(0.5);
    expect(normCdf(-0)).toBe(0.5);
    expect(normPdf(0)).toBe(INV_SQRT_2PI);
    expect(normCdf(-40)).toBe(0); // Φ(−40) ≈ 3.7e-350 underflows
    expect(normCdf(-1e300)).toBe(0);
    expect(normCdf(1e300)).toBe(1);
    expect(normPdf(1e300)).toBe(0);
    expect(normCdf(9)).toBe(1); // 1 − 1.1e-19 rounds to 1
  });

  it("symmetry: φ(−x) = φ(x) exactly, Φ(x) + Φ(−x) = 1 to an ulp", () => {
    for (let x = 0; x < 9; x += 0.0137) {
      expect(normPdf(-x)).toBe(normPdf(x));
      // 1 ulp of 1 (2.2e-16) plus the two results' own ~1-ulp errors
      expect(Math.abs(normCdf(x) + normCdf(-x) - 1)).toBeLessThanOrEqual(4.5e-16);
    }
  });

  it("monotone (to an ulp) and continuous across Cody's interval boundaries |x|/√2 = 0.46875 and 4", () => {
    for (const b of [0.46875 * Math.SQRT2, 4 * Math.SQRT2]) {
      for (const s of [-1, 1]) {
        let prev = normCdf(s * b - 64 * Number.EPSILON * b);
        for (let k = -63; k <= 64; k++) {
          const x = s * b + k * Number.EPSILON * b;
          const c = normCdf(x);
          // a rounded function is monotone only up to its last bits: allow a 2-ulp step back
          expect(c).toBeGreaterThanOrEqual(prev * (1 - 4.5e-16));
          // neighbouring arguments differ by one ulp of b: Φ moves by its condition number |x·φ(x)/Φ(x)| (≈ 33 at
          // −4√2) times that; anything beyond it plus a few ulps of rounding would be a jump between the rationals
          const cond = Math.abs((x * normPdf(x)) / c);
          expect(Math.abs(c - prev) / c).toBeLessThan(2e-15 + 2 * cond * Number.EPSILON);
          prev = c;
        }
      }
    }
  });

  it("normCdfE(x, expNegHalfSq(x)) is normCdf(x) bit for bit (the kernels' shared-exponential path)", () => {
    for (let x = -39; x < 9; x += 0.0731) expect(normCdfE(x, expNegHalfSq(x))).toBe(normCdf(x));
  });
});

// Reference values: 50-significant-digit values of Φ(x) and φ(x) at the exact double x, computed with mpmath 1.3.0:
//   python3 -c "import mpmath; mpmath.mp.dps = 50; print(float(mpmath.ncdf(x)), float(mpmath.npdf(x)))"
// (scipy.special.ndtr 1.17.1 was compared too: it agrees to ≤ 2.3e-13 relative but not better in the far left tail
// — e.g. 1.1e-13 at x = −37, 5.7e-14 at −30 — because it rounds x/√2 before the exponential, and it returns 0 at
// −38; so mpmath, not ndtr, is the reference.) The x include Cody's interval boundaries ±0.46875·√2 and ±4·√2.
const REFERENCE: [x: number, cdf: number, pdf: number][] = [
  [-38.0, 2.88542835e-316, 1.097221052e-314], // subnormal: absolute check only
  [-37.5, 4.605353009581955e-308, 1.7282337322841054e-306],
  [-37.0, 5.725571222524577e-300, 2.1200065515246056e-298],
  [-35.0, 1.1249107064724062e-268, 3.940396277136024e-267],
  [-30.0, 4.906713927148187e-198, 1.4736461348785476e-196],
  [-25.0, 3.056696706382561e-138, 7.653929736419392e-137],
  [-20.0, 2.7536241186062337e-89, 5.520948362159764e-88],
  [-15.0, 3.670966199312751e-51, 5.530709549844416e-50],
  [-10.0, 7.619853024160525e-24, 7.694598626706419e-23],
  [-8.0, 6.220960574271784e-16, 5.052271083536892e-15],
  [-6.0, 9.86587645037698e-10, 6.075882849823285e-9],
  [-5.656854249492381, 7.708628950139992e-9, 4.489503922787479e-8],
  [-5.0, 2.866515718791939e-7, 1.4867195147342977e-6],
  [-4.5, 3.3976731247300603e-6, 1.5983741106905475e-5],
  [-4.0, 3.1671241833119924e-5, 0.00013383022576488534],
  [-3.5, 0.00023262907903552504, 0.00087268269504576],
  [-3.0, 0.0013498980316300946, 0.0044318484119380075],
  [-2.5, 0.006209665325776135, 0.017528300493568537],
  [-2.0, 0.02275013194817921, 0.05399096651318805],
  [-1.5, 0.06680720126885807, 0.12951759566589172],
  [-1.0, 0.15865525393145705, 0.24197072451914334],
  [-0.6629126073623883, 0.253693263391031, 0.32024623468295915],
  [-0.5, 0.3085375387259869, 0.35206532676429947],
  [-0.25, 0.4012936743170763, 0.3866681168028492],
  [-0.001, 0.49960105778608893, 0.39894208093034234],
  [0.0, 0.5, 0.3989422804014327],
  [0.001, 0.500398942213911, 0.39894208093034234],
  [0.25, 0.5987063256829237, 0.3866681168028492],
  [0.5, 0.6914624612740131, 0.35206532676429947],
  [0.6629126073623883, 0.746306736608969, 0.32024623468295915],
  [1.0, 0.8413447460685429, 0.24197072451914334],
  [1.5, 0.9331927987311419, 0.12951759566589172],
  [2.0, 0.9772498680518208, 0.05399096651318805],
  [3.0, 0.9986501019683699, 0.0044318484119380075],
  [4.0, 0.9999683287581669, 0.00013383022576488534],
  [5.0, 0.9999997133484281, 1.4867195147342977e-6],
  [5.656854249492381, 0.999999992291371, 4.489503922787479e-8],
  [6.0, 0.9999999990134123, 6.075882849823285e-9],
  [7.0, 0.9999999999987201, 9.134720408364594e-12],
  [8.0, 0.9999999999999993, 5.052271083536892e-15],
  [8.3, 1.0, 4.3816394355093325e-16],
];

// Tolerance: 2e-15 relative (≈ 9 ulps). The error budget is Cody's rationals (< 1e-17 by his tables), fdlibm exp
// (< 1 ulp) and ~4 roundings in the assembly; on a dense mpmath grid of 24,001 points over [−38, 8.3] the measured
// maximum is 7.2e-16 for Φ and 4.4e-16 for φ. The brief's target is ~1e-14, so this is a tighter regression guard.
const REL_TOL = 2e-15;

describe("normCdf / normPdf against 50-digit references (mpmath)", () => {
  it.each(REFERENCE)("x = %d", (x, cdf, pdf) => {
    const c = normCdf(x);
    const p = normPdf(x);
    if (cdf < MIN_NORMAL) {
      // subnormal results: a few roundings at subnormal granularity
      expect(Math.abs(c - cdf)).toBeLessThanOrEqual(2 * MIN_SUBNORMAL);
    } else {
      expect(Math.abs(c - cdf) / cdf).toBeLessThanOrEqual(REL_TOL);
    }
    expect(Math.abs(p - pdf) / pdf).toBeLessThanOrEqual(REL_TOL);
  });

  it("upper tail through the complement: 1 − Φ(x) = Φ(−x) to the absolute precision of doubles near 1", () => {
    for (const [x, cdf] of REFERENCE) {
      if (x <= 0) continue;
      const mirror = REFERENCE.find(([y]) => y === -x);
      if (mirror) expect(Math.abs(normCdf(x) - (1 - mirror[1]))).toBeLessThanOrEqual(2.3e-16);
      expect(cdf).toBeGreaterThan(0.5);
    }
  });
});
