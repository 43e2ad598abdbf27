// Random numbers: xoshiro256** (Blackman & Vigna 2018), Ziggurat normals, gamma, χ² and Student-t.
// State layout: 4 × u64 at `state` (little-endian), the same words as the TS twin's Uint32Array(8).
//
// This file mirrors packages/kernels/src/js/rng.ts operation for operation (the TS twin is the oracle): the raw stream
// is bit-identical, and so are normals, gamma and Student-t draws, because both sides use the same Ziggurat table (the
// host copies it to `zigTablePtr()` at load) and the same fdlibm exp/log ports (`expDet`, `logDet` below and in
// packages/kernels/src/js/ziggurat.ts). The order in which draws are consumed is documented at the top of js/rng.ts.
//
// see: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators" (2018), xoshiro256starstar.c.
// see: G. Marsaglia, W. W. Tsang, J. Stat. Softw. 5(8), 2000 (Ziggurat); J. A. Doornik, 2005 (ZIGNOR).
// see: G. Marsaglia, W. W. Tsang, ACM TOMS 26(3), 2000 (gamma).

// ---- the Ziggurat table (filled by the host; layout documented in js/ziggurat.ts) -------------------------------

/** Layers; the table is [X[0..256] | F[0..256] | Q[0..255]]. */
const ZIG_LAYERS: i32 = 256;
/** Table length in f64; must equal ZIG_TABLE_LENGTH in js/ziggurat.ts (770). */
const ZIG_LEN: i32 = 3 * ZIG_LAYERS + 2;
const ZIG: usize = memory.data(ZIG_LEN << 3, 16);
const ZIG_X: usize = ZIG;
const ZIG_F: usize = ZIG + (<usize>(ZIG_LAYERS + 1) << 3);
const ZIG_Q: usize = ZIG + (<usize>(2 * (ZIG_LAYERS + 1)) << 3);
/** r, the start of the tail (js/ziggurat.ts ZIG_R). */
const ZIG_R: f64 = 3.6541528853610088;
const INV_ZIG_R: f64 = 1.0 / ZIG_R;

const TWO_M52: f64 = 2.220446049250313e-16; // 2^-52
const TWO_M53: f64 = 1.1102230246251565e-16; // 2^-53

/** Pointer to the static Ziggurat table the host fills once at load (see packages/kernels/src/js/ziggurat.ts). */
export function zigTablePtr(): usize {
  return ZIG;
}

// ---- deterministic exp / log (fdlibm 5.3 e_exp.c / e_log.c; same operations as js/ziggurat.ts) ----------------

const EXP_O_THRESHOLD: f64 = 7.09782712893383973096e2;
const EXP_U_THRESHOLD: f64 = -7.45133219101941108420e2;
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e0;
const P1: f64 = 1.66666666666666019037e-1;
const P2: f64 = -2.77777777770155933842e-3;
const P3: f64 = 6.61375632143793436117e-5;
const P4: f64 = -1.65339022054652515390e-6;
const P5: f64 = 4.13813679705723846039e-8;
const TWO_M1000: f64 = 9.33263618503218878990e-302;

/** exp(x), fdlibm (< 1 ulp); bit-identical to `expDet` in js/ziggurat.ts. */
export function expDet(x: f64): f64 {
  if (x != x) return x;
  if (x > EXP_O_THRESHOLD) return Infinity;
  if (x < EXP_U_THRESHOLD) return 0;
  let k: i32 = 0;
  let hi = x;
  let lo: f64 = 0;
  if (abs<f64>(x) > 0.34657359027997264) {
    k = <i32>(INV_LN2 * x + (x < 0 ? -0.5 : 0.5));
    hi = x - <f64>k * LN2_HI;
    lo = <f64>k * LN2_LO;
    x = hi - lo;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - ((lo - (x * c) / (2 - c)) - hi);
  if (k >= -1021) return reinterpret<f64>(reinterpret<i64>(y) + (<i64>k << 52));
  return reinterpret<f64>(reinterpret<i64>(y) + (<i64>(k + 1000) << 52)) * TWO_M1000;
}

const TWO54: f64 = 1.80143985094819840000e16;
const LG1: f64 = 6.666666666666735130e-1;
const LG2: f64 = 3.999999999940941908e-1;
const LG3: f64 = 2.857142874366239149e-1;
const LG4: f64 = 2.222219843214978396e-1;
const LG5: f64 = 1.818357216161805012e-1;
const LG6: f64 = 1.531383769920937332e-1;
const LG7: f64 = 1.479819860511658591e-1;

/** log(x), fdlibm (< 1 ulp); bit-identical to `logDet` in js/ziggurat.ts. */
export function logDet(x: f64): f64 {
  let bits = reinterpret<u64>(x);
  let hx = <i32>(bits >>> 32);
  const lx = <u32>bits;
  let k: i32 = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | <i32>lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    bits = reinterpret<u64>(x);
    hx = <i32>(bits >>> 32);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = reinterpret<f64>((<u64>(<u32>(hx | (i ^ 0x3ff00000))) << 32) | (bits & 0xffffffff));
  k += i >> 20;
  const f = x - 1;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0) return k == 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - r : dk * LN2_HI - ((r - dk * LN2_LO) - f);
  }
  const s = f / (2 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  if (((hx - 0x6147a) | (0x6b851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
  }
  return k == 0 ? f - s * (f - r) : dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
}

// ---- generator state for the non-hot paths --------------------------------------------------------------------
// Hot loops keep the four words in locals; the rare paths (wedge, tail, gamma, jumps) work on these globals, which a
// kernel loads from `state` on entry and stores back on exit.

let S0: u64 = 0;
let S1: u64 = 0;
let S2: u64 = 0;
let S3: u64 = 0;

@inline function loadState(p: usize): void {
  S0 = load<u64>(p);
  S1 = load<u64>(p, 8);
  S2 = load<u64>(p, 16);
  S3 = load<u64>(p, 24);
}

@inline function storeState(p: usize): void {
  store<u64>(p, S0);
  store<u64>(p, S1, 8);
  store<u64>(p, S2, 16);
  store<u64>(p, S3, 24);
}

/** One xoshiro256** step on the globals (reference `next()`). */
@inline function next(): u64 {
  const s0 = S0;
  const s1 = S1;
  const result = rotl<u64>(s1 * 5, 7) * 9;
  const t = s1 << 17;
  const s2 = S2 ^ s0;
  const s3 = S3 ^ s1;
  S1 = s1 ^ s2;
  S0 = s0 ^ s3;
  S2 = s2 ^ t;
  S3 = rotl<u64>(s3, 45);
  return result;
}

/** Uniform in [0, 1): (x >> 11)·2^-53. */
@inline function uniform1(): f64 {
  return <f64>(<i64>(next() >>> 11)) * TWO_M53;
}

/** Completes a failed rectangle test (layer i, signed uniform u) and runs further attempts; see js/rng.ts zigSlow. */
function zigSlow(i: i32, u: f64): f64 {
  while (true) {
    if (i == 0) {
      let x: f64 = 0;
      let y: f64 = 0;
      do {
        x = -logDet(1 - uniform1()) * INV_ZIG_R;
        y = -logDet(1 - uniform1());
      } while (y + y < x * x);
      return u < 0 ? -(ZIG_R + x) : ZIG_R + x;
    }
    const x = u * load<f64>(ZIG_X + (<usize>i << 3));
    const fi = load<f64>(ZIG_F + (<usize>i << 3));
    if (fi + uniform1() * (load<f64>(ZIG_F + (<usize>(i + 1) << 3)) - fi) < expDet(-0.5 * x * x)) return x;
    const r = next();
    i = <i32>(r & 255);
    u = <f64>(<i64>(r >>> 11)) * TWO_M52 - 1;
    if (abs<f64>(u) < load<f64>(ZIG_Q + (<usize>i << 3))) return u * load<f64>(ZIG_X + (<usize>i << 3));
  }
  return 0; // unreachable
}

function normal1(): f64 {
  const r = next();
  const i = <i32>(r & 255);
  const u = <f64>(<i64>(r >>> 11)) * TWO_M52 - 1;
  if (abs<f64>(u) < load<f64>(ZIG_Q + (<usize>i << 3))) return u * load<f64>(ZIG_X + (<usize>i << 3));
  return zigSlow(i, u);
}

/** Gamma(a, 1), a > 0, Marsaglia & Tsang (2000); see js/rng.ts gamma1. */
function gamma1(a: f64): f64 {
  const boost = a < 1;
  const d = (boost ? a + 1 : a) - 1.0 / 3.0;
  const c = 1 / Math.sqrt(9 * d);
  let g: f64 = 0;
  while (true) {
    let x: f64 = 0;
    let v: f64 = 0;
    do {
      x = normal1();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform1();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || logDet(u) < 0.5 * x2 + d * (1 - v + logDet(v))) {
      g = d * v;
      break;
    }
  }
  if (boost) g *= expDet(logDet(1 - uniform1()) / a);
  return g;
}

// ---- kernels ---------------------------------------------------------------------------------------------------

/** splitmix64 seeding of the four words from seed = seedHi·2^32 + seedLo. */
export function rngSeed(state: usize, seedLo: u32, seedHi: u32): void {
  let x: u64 = (<u64>seedHi << 32) | <u64>seedLo;
  for (let k = 0; k < 4; k++) {
    x += 0x9e3779b97f4a7c15;
    let z = x;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111eb;
    store<u64>(state + (<usize>k << 3), z ^ (z >>> 31));
  }
}

function jumpWith(state: usize, j0: u64, j1: u64, j2: u64, j3: u64): void {
  loadState(state);
  let a: u64 = 0, b: u64 = 0, c: u64 = 0, d: u64 = 0;
  for (let w = 0; w < 4; w++) {
    const word = w == 0 ? j0 : w == 1 ? j1 : w == 2 ? j2 : j3;
    for (let bit: u64 = 0; bit < 64; bit++) {
      if ((word >>> bit) & 1) {
        a ^= S0;
        b ^= S1;
        c ^= S2;
        d ^= S3;
      }
      next();
    }
  }
  S0 = a;
  S1 = b;
  S2 = c;
  S3 = d;
  storeState(state);
}

/** Advances by 2^128 draws (reference `jump()` constants). */
export function rngJump(state: usize): void {
  jumpWith(state, 0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c);
}

/** Advances by 2^192 draws (reference `long_jump()` constants). */
export function rngLongJump(state: usize): void {
  jumpWith(state, 0x76e15d3efefdcbbf, 0xc5004e441c522fb3, 0x77710069854ee241, 0x39109bb02acbe635);
}

export function rngRaw(state: usize, n: i32, out: usize): void {
  let s0 = load<u64>(state), s1 = load<u64>(state, 8), s2 = load<u64>(state, 16), s3 = load<u64>(state, 24);
  for (let k = 0; k < n; k++) {
    store<u64>(out + (<usize>k << 3), rotl<u64>(s1 * 5, 7) * 9);
    const t = s1 << 17;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u64>(s3, 45);
  }
  store<u64>(state, s0); store<u64>(state, s1, 8); store<u64>(state, s2, 16); store<u64>(state, s3, 24);
}

export function rngUniform(state: usize, n: i32, out: usize): void {
  let s0 = load<u64>(state), s1 = load<u64>(state, 8), s2 = load<u64>(state, 16), s3 = load<u64>(state, 24);
  for (let k = 0; k < n; k++) {
    const r = rotl<u64>(s1 * 5, 7) * 9;
    const t = s1 << 17;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u64>(s3, 45);
    store<f64>(out + (<usize>k << 3), <f64>(<i64>(r >>> 11)) * TWO_M53);
  }
  store<u64>(state, s0); store<u64>(state, s1, 8); store<u64>(state, s2, 16); store<u64>(state, s3, 24);
}

/**
 * Standard normals into out[0, n) with the state at `state` (fast path in locals, rare path through the globals).
 * Also used by linalg.ts for the fused correlatedNormals.
 */
export function normalsInto(state: usize, n: i32, out: usize): void {
  let s0 = load<u64>(state), s1 = load<u64>(state, 8), s2 = load<u64>(state, 16), s3 = load<u64>(state, 24);
  let k = 0;
  while (k < n) {
    // fast path only: the rare wedge/tail case leaves this loop, so the hot loop carries no merge from a call
    let i: usize = 0;
    let u: f64 = 0;
    for (; k < n; k++) {
      const r = rotl<u64>(s1 * 5, 7) * 9;
      const t = s1 << 17;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl<u64>(s3, 45);
      // layer = low 8 bits; u = top 53 bits as a signed uniform in [−1, 1) (independent bits, Doornik 2005)
      i = <usize>(r & 255);
      u = <f64>(<i64>(r >>> 11)) * TWO_M52 - 1;
      if (abs<f64>(u) >= load<f64>(ZIG_Q + (i << 3))) break;
      store<f64>(out + (<usize>k << 3), u * load<f64>(ZIG_X + (i << 3)));
    }
    if (k >= n) break;
    S0 = s0; S1 = s1; S2 = s2; S3 = s3;
    store<f64>(out + (<usize>k << 3), zigSlow(<i32>i, u));
    s0 = S0; s1 = S1; s2 = S2; s3 = S3;
    k++;
  }
  store<u64>(state, s0); store<u64>(state, s1, 8); store<u64>(state, s2, 16); store<u64>(state, s3, 24);
}

export function rngNormal(state: usize, n: i32, out: usize): void {
  normalsInto(state, n, out);
}

/** Student-t: Z / sqrt(W/nu), W = 2·Gamma(nu/2); nu not finite or ≤ 0 → NaN, no draws. */
export function rngStudentT(state: usize, n: i32, nu: f64, out: usize): void {
  if (!(nu > 0 && nu < Infinity)) {
    for (let k = 0; k < n; k++) store<f64>(out + (<usize>k << 3), NaN);
    return;
  }
  loadState(state);
  const a = 0.5 * nu;
  for (let k = 0; k < n; k++) {
    const z = normal1();
    const w = 2 * gamma1(a);
    store<f64>(out + (<usize>k << 3), z / Math.sqrt(w / nu));
  }
  storeState(state);
}

/** t-copula row scales sqrt((nu − 2)/W), W ~ χ²(nu); nu not finite or ≤ 2 → NaN, no draws. Returns false then. */
export function mvtScaleInto(state: usize, n: i32, nu: f64, out: usize): bool {
  if (!(nu > 2 && nu < Infinity)) {
    for (let k = 0; k < n; k++) store<f64>(out + (<usize>k << 3), NaN);
    return false;
  }
  loadState(state);
  const a = 0.5 * nu;
  const num = nu - 2;
  for (let k = 0; k < n; k++) store<f64>(out + (<usize>k << 3), Math.sqrt(num / (2 * gamma1(a))));
  storeState(state);
  return true;
}

export function rngMvtScale(state: usize, n: i32, nu: f64, out: usize): void {
  mvtScaleInto(state, n, nu, out);
}
