// The Ziggurat table for standard normals, and the deterministic exp/log that both backends use inside the samplers.
//
// see: G. Marsaglia, W. W. Tsang, "The Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8), 2000.
// see: J. A. Doornik, "An Improved Ziggurat Method to Generate Normal Random Samples", 2005 (ZIGNOR: the layer index
//      and the uniform must come from independent bits; the rectangle test on the ratio X[i+1]/X[i]).
//
// The table is computed ONCE here, in TypeScript, and the wasm core receives a verbatim copy at load time
// (`WasmKernels` copies it to `zigTablePtr()`), so both backends sample from bit-identical tables. It is computed with
// `expDet`/`logDet` below (not `Math.exp`/`Math.log`, whose last bit differs between JS engines), so the table — and
// every normal drawn from it — is the same in every runtime.

/** Number of layers (a power of two: the layer index is the low 8 bits of a draw). */
export const ZIG_LAYERS = 256;
/**
 * Right end of the base layer, r, for 256 layers of f(x) = exp(−x²/2) (unnormalised density).
 * see: Marsaglia & Tsang (2000) §2; the 256-layer value as used by numpy (`ziggurat_nor_r`) and rand_distr.
 */
export const ZIG_R = 3.6541528853610088;
/** Area of each layer, v = r·f(r) + ∫_r^∞ f(x) dx, for the same 256-layer ziggurat (same sources). */
export const ZIG_V = 0.00492867323399;

/** Offset of X[0..256] in ZIGGURAT_TABLE: layer widths, X[0] = v/f(r) (base layer incl. tail), X[1] = r, X[256] = 0. */
export const ZIG_OFF_X = 0;
/** Offset of F[0..256]: F[i] = f(X[i]) = exp(−X[i]²/2); F[256] = 1. (F[0] is unused: layer 0 has no wedge.) */
export const ZIG_OFF_F = ZIG_LAYERS + 1;
/** Offset of Q[0..255]: Q[i] = X[i+1] / X[i], the quick-accept ratio (|u| < Q[i] ⇒ inside the rectangle). */
export const ZIG_OFF_Q = 2 * (ZIG_LAYERS + 1);
/** Total length in f64 (770); `assembly/rng.ts` reserves exactly this many doubles (ZIG_LEN there). */
export const ZIG_TABLE_LENGTH = 3 * ZIG_LAYERS + 2;

// ---- deterministic exp / log (fdlibm ports, also in assembly/rng.ts, operation for operation) ------------------

const f64buf = new Float64Array(1);
const u32buf = new Uint32Array(f64buf.buffer); // little-endian: [0] = low word, [1] = high word

// see: fdlibm 5.3 e_exp.c (Sun Microsystems, 1993). Constants as published there.
const EXP_O_THRESHOLD = 7.09782712893383973096e2;
const EXP_U_THRESHOLD = -7.45133219101941108420e2;
const LN2_HI = 6.93147180369123816490e-1; // 0x3fe62e42 fee00000: k·LN2_HI is exact for |k| < 2^11
const LN2_LO = 1.90821492927058770002e-10; // 0x3dea39ef 35793c76
const INV_LN2 = 1.44269504088896338700e0;
const P1 = 1.66666666666666019037e-1;
const P2 = -2.77777777770155933842e-3;
const P3 = 6.61375632143793436117e-5;
const P4 = -1.65339022054652515390e-6;
const P5 = 4.13813679705723846039e-8;
const TWO_M1000 = 9.33263618503218878990e-302; // 2^-1000

/**
 * exp(x), fdlibm's algorithm (error < 1 ulp). Deterministic: only IEEE +, −, ×, / and exponent arithmetic, so the
 * AssemblyScript port in assembly/rng.ts returns the same bits. The thresholds that fdlibm tests on the high word are
 * tested on the value here (|x| ≤ ln2/2: no reduction); either choice is a valid branch of the algorithm.
 */
export function expDet(x: number): number {
  if (x !== x) return x;
  if (x > EXP_O_THRESHOLD) return Infinity;
  if (x < EXP_U_THRESHOLD) return 0;
  let k = 0;
  let hi = x;
  let lo = 0;
  if (Math.abs(x) > 0.34657359027997264) {
    // |x| > ln2/2: x = k·ln2 + r, |r| ≤ ln2/2
    k = (INV_LN2 * x + (x < 0 ? -0.5 : 0.5)) | 0;
    hi = x - k * LN2_HI;
    lo = k * LN2_LO;
    x = hi - lo;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - ((lo - (x * c) / (2 - c)) - hi);
  f64buf[0] = y;
  if (k >= -1021) {
    u32buf[1] = (u32buf[1]! + (k << 20)) >>> 0;
    return f64buf[0]!;
  }
  u32buf[1] = (u32buf[1]! + ((k + 1000) << 20)) >>> 0;
  return f64buf[0]! * TWO_M1000;
}

// see: fdlibm 5.3 e_log.c. Constants as published there.
const TWO54 = 1.80143985094819840000e16;
const LG1 = 6.666666666666735130e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

/** log(x), fdlibm's algorithm (error < 1 ulp), deterministic as `expDet`. log(0) = −∞, log(x < 0) = NaN. */
export function logDet(x: number): number {
  f64buf[0] = x;
  let hx = u32buf[1]! | 0;
  const lx = u32buf[0]!;
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022, or negative
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54; // subnormal: scale up
    f64buf[0] = x;
    hx = u32buf[1]! | 0;
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  u32buf[1] = hx | (i ^ 0x3ff00000); // normalise x or x/2 into [sqrt(2)/2, sqrt(2))
  x = f64buf[0]!;
  k += i >> 20;
  const f = x - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : k * LN2_HI + k * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - r : k * LN2_HI - ((r - k * LN2_LO) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f);
  }
  return k === 0 ? f - s * (f - r) : k * LN2_HI - ((s * (f - r) - k * LN2_LO) - f);
}

// ---- the table ---------------------------------------------------------------------------------------------

function buildTable(): Float64Array {
  const t = new Float64Array(ZIG_TABLE_LENGTH);
  const X = ZIG_OFF_X;
  const F = ZIG_OFF_F;
  const Q = ZIG_OFF_Q;
  const fr = expDet(-0.5 * ZIG_R * ZIG_R);
  t[X] = ZIG_V / fr;
  t[X + 1] = ZIG_R;
  t[F] = fr; // unused (layer 0 has no wedge); kept = f(r) for completeness
  t[F + 1] = fr;
  // x_{i+1} = f⁻¹(v/x_i + f(x_i)): every layer has area v (Marsaglia & Tsang 2000, eq. for x_i)
  for (let i = 2; i < ZIG_LAYERS; i++) {
    const xi = Math.sqrt(-2 * logDet(ZIG_V / t[X + i - 1]! + t[F + i - 1]!));
    t[X + i] = xi;
    t[F + i] = expDet(-0.5 * xi * xi);
  }
  t[X + ZIG_LAYERS] = 0;
  t[F + ZIG_LAYERS] = 1;
  for (let i = 0; i < ZIG_LAYERS; i++) t[Q + i] = t[X + i + 1]! / t[X + i]!;
  return t;
}

/**
 * The Ziggurat table shared bit for bit by both backends (the wasm core receives a copy at load), 770 doubles:
 * `[X[0..256] | F[0..256] | Q[0..255]]` at offsets ZIG_OFF_X = 0, ZIG_OFF_F = 257, ZIG_OFF_Q = 514 (see above).
 */
export const ZIGGURAT_TABLE: Float64Array = buildTable();
