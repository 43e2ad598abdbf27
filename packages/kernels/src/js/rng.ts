// Random numbers, pure-TS twin of assembly/rng.ts: xoshiro256**, Ziggurat normals, gamma, χ², Student-t.
//
// see: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021 (preprint 2018);
//      reference C code xoshiro256starstar.c and splitmix64.c (public domain). Reproduced exactly: the raw stream, jump
//      and long jump are bit-identical to the C code and to the wasm core (see rng.test.ts for the known answers).
//
// 64-bit arithmetic is done on 32-bit halves (int32 locals, shifts, carries by unsigned compare) — no BigInt outside
// rngSeed. State = Uint32Array(8) = [s0.lo, s0.hi, s1.lo, s1.hi, s2.lo, s2.hi, s3.lo, s3.hi] (little-endian u64s,
// the wasm memory layout). Hot loops keep the state in locals and write it back once.
//
// ORDER IN WHICH DRAWS ARE CONSUMED (identical in both backends; every "draw" is one 64-bit output):
// - rngRaw / rngUniform: one draw per element, in order.
// - normal (Ziggurat): per attempt one draw x: layer i = x & 255, u = (x >>> 11)·2^-52 − 1 ∈ [−1, 1).
//     rectangle (|u| < Q[i]): accept u·X[i], nothing more drawn;
//     layer 0, outside the rectangle: tail by Marsaglia's method, 2 draws per tail try (U1 then U2), until accepted;
//     layers 1..255, wedge: one more draw (uniform U for the height); if rejected, a new attempt.
// - gamma(a): Marsaglia–Tsang: repeat { repeat { normal } until 1 + c·x > 0; one uniform draw; squeeze/log tests };
//     for a < 1: gamma(a + 1) first, then one uniform draw U for the boost (× U^(1/a)).
// - rngStudentT: per element, the normal Z first, then W = 2·gamma(nu/2); out = Z / sqrt(W/nu).
// - rngMvtScale: per element, W = 2·gamma(nu/2); out = sqrt((nu − 2)/W).
// - Out-of-range nu (StudentT: not finite or ≤ 0; MvtScale: not finite or ≤ 2, NaN): all outputs NaN, NO draws consumed.
import type { RngState } from "../types.js";
import { ZIGGURAT_TABLE, ZIG_OFF_F, ZIG_OFF_Q, ZIG_OFF_X, ZIG_R, expDet, logDet } from "./ziggurat.js";

const T = ZIGGURAT_TABLE;
const TWO_M31 = 4.656612873077393e-10; // 2^-31
const TWO_M32 = 2.3283064365386963e-10; // 2^-32
const TWO_M52 = 2.220446049250313e-16; // 2^-52
const TWO_M53 = 1.1102230246251565e-16; // 2^-53
const INV_ZIG_R = 1 / ZIG_R;

// ---- seeding and jumps (not hot) ---------------------------------------------------------------------------

const M64 = 0xffffffffffffffffn;

/** splitmix64 seeding (Vigna's recommended way to fill xoshiro's state from one 64-bit seed). BigInt: not hot. */
export function rngSeed(state: RngState, seed: bigint): void {
  let x = BigInt.asUintN(64, seed);
  for (let k = 0; k < 4; k++) {
    x = (x + 0x9e3779b97f4a7c15n) & M64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    z ^= z >> 31n;
    state[2 * k] = Number(z & 0xffffffffn);
    state[2 * k + 1] = Number(z >> 32n);
  }
}

// The reference constants as u32 words, little-endian (lo, hi) per u64.
// JUMP = { 0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c }
const JUMP = new Uint32Array([0x3cfd0aba, 0x180ec6d3, 0xf0c9392c, 0xd5a61266, 0xe03fc9aa, 0xa9582618, 0x29b1661c, 0x39abdc45]);
// LONG_JUMP = { 0x76e15d3efefdcbbf, 0xc5004e441c522fb3, 0x77710069854ee241, 0x39109bb02acbe635 }
const LONG_JUMP = new Uint32Array([0xfefdcbbf, 0x76e15d3e, 0x1c522fb3, 0xc5004e44, 0x854ee241, 0x77710069, 0x2acbe635, 0x39109bb0]);

function jumpWith(state: RngState, poly: Uint32Array): void {
  let j0 = 0, j1 = 0, j2 = 0, j3 = 0, j4 = 0, j5 = 0, j6 = 0, j7 = 0;
  // bit b of u64 word w is bit (b mod 32) of u32 word 2w + (b ≥ 32): walking the u32 words in order walks the bits
  // in the reference order (word 0 bit 0 … word 3 bit 63).
  for (let w = 0; w < 8; w++) {
    const word = poly[w]!;
    for (let b = 0; b < 32; b++) {
      if ((word >>> b) & 1) {
        j0 ^= state[0]!; j1 ^= state[1]!; j2 ^= state[2]!; j3 ^= state[3]!;
        j4 ^= state[4]!; j5 ^= state[5]!; j6 ^= state[6]!; j7 ^= state[7]!;
      }
      next64(state);
    }
  }
  state[0] = j0; state[1] = j1; state[2] = j2; state[3] = j3;
  state[4] = j4; state[5] = j5; state[6] = j6; state[7] = j7;
}

/** Advances by 2^128 draws (reference `jump()`). */
export function rngJump(state: RngState): void {
  jumpWith(state, JUMP);
}

/** Advances by 2^192 draws (reference `long_jump()`). */
export function rngLongJump(state: RngState): void {
  jumpWith(state, LONG_JUMP);
}

// ---- one draw on the state array (the non-hot paths: tails, wedges, gamma, jumps) --------------------------

/** High and low words of the last `next64` output. */
let outHi = 0;
let outLo = 0;

/** One xoshiro256** step on the state array; the 64-bit result lands in (outHi, outLo) as int32. */
function next64(s: RngState): void {
  const a0 = s[0]! | 0, a1 = s[1]! | 0;
  const b0 = s[2]! | 0, b1 = s[3]! | 0;
  let c0 = s[4]! | 0, c1 = s[5]! | 0;
  let d0 = s[6]! | 0, d1 = s[7]! | 0;
  // result = rotl(s1 * 5, 7) * 9, with x·5 = x + (x << 2) and x·9 = x + (x << 3)
  let ml = (b0 << 2) + b0 | 0;
  let mh = ((b1 << 2) | (b0 >>> 30)) + b1 + ((ml >>> 0) < (b0 >>> 0) ? 1 : 0) | 0;
  const rl = (ml << 7) | (mh >>> 25);
  const rh = (mh << 7) | (ml >>> 25);
  ml = (rl << 3) + rl | 0;
  mh = ((rh << 3) | (rl >>> 29)) + rh + ((ml >>> 0) < (rl >>> 0) ? 1 : 0) | 0;
  outLo = ml;
  outHi = mh;
  // t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
  const tl = b0 << 17;
  const th = (b1 << 17) | (b0 >>> 15);
  c0 ^= a0; c1 ^= a1;
  d0 ^= b0; d1 ^= b1;
  s[2] = b0 ^ c0; s[3] = b1 ^ c1;
  s[0] = a0 ^ d0; s[1] = a1 ^ d1;
  s[4] = c0 ^ tl; s[5] = c1 ^ th;
  s[6] = (d1 << 13) | (d0 >>> 19);
  s[7] = (d0 << 13) | (d1 >>> 19);
}

/** Uniform in [0, 1): (x >>> 11)·2^-53. */
function uniform1(s: RngState): number {
  next64(s);
  return (outHi >>> 0) * TWO_M32 + (outLo >>> 11) * TWO_M53;
}

/**
 * Completes a Ziggurat attempt that failed the rectangle test (layer `i`, signed uniform `u`), then runs further
 * attempts until one is accepted. Reads and writes the state array.
 */
function zigSlow(s: RngState, i: number, u: number): number {
  for (;;) {
    if (i === 0) {
      // Base layer outside its rectangle: the tail beyond r, Marsaglia (1964): x = −ln U1 / r, y = −ln U2,
      // accept when 2y > x²; U = 1 − uniform ∈ (0, 1] keeps the logs finite.
      let x = 0, y = 0;
      do {
        x = -logDet(1 - uniform1(s)) * INV_ZIG_R;
        y = -logDet(1 - uniform1(s));
      } while (y + y < x * x);
      return u < 0 ? -(ZIG_R + x) : ZIG_R + x;
    }
    // Wedge: height uniform between F[i] (at X[i]) and F[i+1] (at X[i+1]); accept under the curve.
    const x = u * T[ZIG_OFF_X + i]!;
    const fi = T[ZIG_OFF_F + i]!;
    if (fi + uniform1(s) * (T[ZIG_OFF_F + i + 1]! - fi) < expDet(-0.5 * x * x)) return x;
    // New attempt.
    next64(s);
    i = outLo & 255;
    u = (outHi >>> 0) * TWO_M31 + (outLo >>> 11) * TWO_M52 - 1;
    if (Math.abs(u) < T[ZIG_OFF_Q + i]!) return u * T[ZIG_OFF_X + i]!;
  }
}

/** One standard normal from the state array (used by gamma / Student-t). */
function normal1(s: RngState): number {
  next64(s);
  const i = outLo & 255;
  const u = (outHi >>> 0) * TWO_M31 + (outLo >>> 11) * TWO_M52 - 1;
  if (Math.abs(u) < T[ZIG_OFF_Q + i]!) return u * T[ZIG_OFF_X + i]!;
  return zigSlow(s, i, u);
}

/**
 * Gamma(a, 1) for a > 0, Marsaglia & Tsang (2000), "A simple method for generating gamma variables",
 * ACM TOMS 26(3): d = a − 1/3, c = 1/sqrt(9d), v = (1 + c·x)³; squeeze u < 1 − 0.0331·x⁴, else
 * log u < x²/2 + d(1 − v + log v). For a < 1: Gamma(a) = Gamma(a + 1)·U^(1/a) (same paper, §6).
 */
function gamma1(s: RngState, a: number): number {
  const boost = a < 1;
  const d = (boost ? a + 1 : a) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  let g = 0;
  for (;;) {
    let x = 0, v = 0;
    do {
      x = normal1(s);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform1(s);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || logDet(u) < 0.5 * x2 + d * (1 - v + logDet(v))) {
      g = d * v;
      break;
    }
  }
  // U^(1/a) = exp(log(U)/a) with U = 1 − uniform ∈ (0, 1]
  if (boost) g *= expDet(logDet(1 - uniform1(s)) / a);
  return g;
}

// ---- bulk kernels -----------------------------------------------------------------------------------------

/** Raw 64-bit outputs as (lo, hi) u32 pairs. */
export function rngRaw(state: RngState, out: Uint32Array): Uint32Array {
  const count = out.length >>> 1;
  let a0 = state[0]! | 0, a1 = state[1]! | 0, b0 = state[2]! | 0, b1 = state[3]! | 0;
  let c0 = state[4]! | 0, c1 = state[5]! | 0, d0 = state[6]! | 0, d1 = state[7]! | 0;
  for (let k = 0; k < count; k++) {
    let ml = (b0 << 2) + b0 | 0;
    let mh = ((b1 << 2) | (b0 >>> 30)) + b1 + ((ml >>> 0) < (b0 >>> 0) ? 1 : 0) | 0;
    const rl = (ml << 7) | (mh >>> 25);
    const rh = (mh << 7) | (ml >>> 25);
    ml = (rl << 3) + rl | 0;
    mh = ((rh << 3) | (rl >>> 29)) + rh + ((ml >>> 0) < (rl >>> 0) ? 1 : 0) | 0;
    out[2 * k] = ml;
    out[2 * k + 1] = mh;
    const tl = b0 << 17, th = (b1 << 17) | (b0 >>> 15);
    c0 ^= a0; c1 ^= a1; d0 ^= b0; d1 ^= b1;
    b0 ^= c0; b1 ^= c1; a0 ^= d0; a1 ^= d1;
    c0 ^= tl; c1 ^= th;
    const r0 = (d1 << 13) | (d0 >>> 19);
    d1 = (d0 << 13) | (d1 >>> 19);
    d0 = r0;
  }
  state[0] = a0; state[1] = a1; state[2] = b0; state[3] = b1;
  state[4] = c0; state[5] = c1; state[6] = d0; state[7] = d1;
  return out;
}

/** Uniforms in [0, 1): (x >>> 11)·2^-53, one draw each. */
export function rngUniform(state: RngState, out: Float64Array): Float64Array {
  const n = out.length;
  let a0 = state[0]! | 0, a1 = state[1]! | 0, b0 = state[2]! | 0, b1 = state[3]! | 0;
  let c0 = state[4]! | 0, c1 = state[5]! | 0, d0 = state[6]! | 0, d1 = state[7]! | 0;
  for (let k = 0; k < n; k++) {
    let ml = (b0 << 2) + b0 | 0;
    let mh = ((b1 << 2) | (b0 >>> 30)) + b1 + ((ml >>> 0) < (b0 >>> 0) ? 1 : 0) | 0;
    const rl = (ml << 7) | (mh >>> 25);
    const rh = (mh << 7) | (ml >>> 25);
    ml = (rl << 3) + rl | 0;
    mh = ((rh << 3) | (rl >>> 29)) + rh + ((ml >>> 0) < (rl >>> 0) ? 1 : 0) | 0;
    out[k] = (mh >>> 0) * TWO_M32 + (ml >>> 11) * TWO_M53;
    const tl = b0 << 17, th = (b1 << 17) | (b0 >>> 15);
    c0 ^= a0; c1 ^= a1; d0 ^= b0; d1 ^= b1;
    b0 ^= c0; b1 ^= c1; a0 ^= d0; a1 ^= d1;
    c0 ^= tl; c1 ^= th;
    const r0 = (d1 << 13) | (d0 >>> 19);
    d1 = (d0 << 13) | (d1 >>> 19);
    d0 = r0;
  }
  state[0] = a0; state[1] = a1; state[2] = b0; state[3] = b1;
  state[4] = c0; state[5] = c1; state[6] = d0; state[7] = d1;
  return out;
}

/**
 * Standard normals into out[start, end) (the Ziggurat fast path with the state in locals; the rare wedge/tail path
 * syncs the state array and calls `zigSlow`). Shared by rngNormal and the fused correlatedNormals in linalg.ts.
 */
export function normalsInto(state: RngState, out: Float64Array, start: number, end: number): void {
  let a0 = state[0]! | 0, a1 = state[1]! | 0, b0 = state[2]! | 0, b1 = state[3]! | 0;
  let c0 = state[4]! | 0, c1 = state[5]! | 0, d0 = state[6]! | 0, d1 = state[7]! | 0;
  let k = start;
  while (k < end) {
    // fast path only: the rare wedge/tail case leaves this loop (as in assembly/rng.ts)
    let i = 0;
    let u = 0;
    for (; k < end; k++) {
      let ml = (b0 << 2) + b0 | 0;
      let mh = ((b1 << 2) | (b0 >>> 30)) + b1 + ((ml >>> 0) < (b0 >>> 0) ? 1 : 0) | 0;
      const rl = (ml << 7) | (mh >>> 25);
      const rh = (mh << 7) | (ml >>> 25);
      ml = (rl << 3) + rl | 0;
      mh = ((rh << 3) | (rl >>> 29)) + rh + ((ml >>> 0) < (rl >>> 0) ? 1 : 0) | 0;
      const tl = b0 << 17, th = (b1 << 17) | (b0 >>> 15);
      c0 ^= a0; c1 ^= a1; d0 ^= b0; d1 ^= b1;
      b0 ^= c0; b1 ^= c1; a0 ^= d0; a1 ^= d1;
      c0 ^= tl; c1 ^= th;
      const r0 = (d1 << 13) | (d0 >>> 19);
      d1 = (d0 << 13) | (d1 >>> 19);
      d0 = r0;
      // layer = low 8 bits; u = top 53 bits as a signed uniform in [−1, 1) (independent bits, Doornik 2005)
      i = ml & 255;
      u = (mh >>> 0) * TWO_M31 + (ml >>> 11) * TWO_M52 - 1;
      if (Math.abs(u) >= T[ZIG_OFF_Q + i]!) break;
      out[k] = u * T[ZIG_OFF_X + i]!;
    }
    if (k >= end) break;
    state[0] = a0; state[1] = a1; state[2] = b0; state[3] = b1;
    state[4] = c0; state[5] = c1; state[6] = d0; state[7] = d1;
    out[k] = zigSlow(state, i, u);
    a0 = state[0]! | 0; a1 = state[1]! | 0; b0 = state[2]! | 0; b1 = state[3]! | 0;
    c0 = state[4]! | 0; c1 = state[5]! | 0; d0 = state[6]! | 0; d1 = state[7]! | 0;
    k++;
  }
  state[0] = a0; state[1] = a1; state[2] = b0; state[3] = b1;
  state[4] = c0; state[5] = c1; state[6] = d0; state[7] = d1;
}

/** Standard normals (256-layer Ziggurat). */
export function rngNormal(state: RngState, out: Float64Array): Float64Array {
  normalsInto(state, out, 0, out.length);
  return out;
}

/** Student-t, nu > 0 (finite): Z / sqrt(W/nu), W = 2·Gamma(nu/2) ~ χ²(nu). Otherwise NaN, no draws. */
export function rngStudentT(state: RngState, nu: number, out: Float64Array): Float64Array {
  const n = out.length;
  if (!(nu > 0 && nu < Infinity)) {
    out.fill(NaN);
    return out;
  }
  const a = 0.5 * nu;
  for (let k = 0; k < n; k++) {
    const z = normal1(state);
    const w = 2 * gamma1(state, a);
    out[k] = z / Math.sqrt(w / nu);
  }
  return out;
}

/** t-copula row scales sqrt((nu − 2)/W), W ~ χ²(nu), nu > 2 (finite). Otherwise NaN, no draws. */
export function rngMvtScale(state: RngState, nu: number, out: Float64Array): Float64Array {
  mvtScaleInto(state, nu, out, 0, out.length);
  return out;
}

/** rngMvtScale into out[start, end). Returns false (and writes NaN) when nu is out of range. */
export function mvtScaleInto(state: RngState, nu: number, out: Float64Array, start: number, end: number): boolean {
  if (!(nu > 2 && nu < Infinity)) {
    out.fill(NaN, start, end);
    return false;
  }
  const a = 0.5 * nu;
  const num = nu - 2;
  for (let k = start; k < end; k++) out[k] = Math.sqrt(num / (2 * gamma1(state, a)));
  return true;
}
