// Linear algebra, pure-TS twin of assembly/linalg.ts: Cholesky and correlated shocks.
//
// Summation order of every correlated value (the same in the wasm scalar and SIMD builds, so all three backends agree
// bit for bit): for row r of L (length len = r + 1, P = len >> 1 pairs)
//   acc0 = Σ_{k<P} l[r,2k]·e[2k],  acc1 = Σ_{k<P} l[r,2k+1]·e[2k+1]   (each in increasing k, from 0)
//   s = acc0 + acc1;  if len is odd: s = s + l[r,r]·e[r];  out = s·scale
// i.e. an f64x2 dot product (lane 0 = even columns, lane 1 = odd columns). Only the lower triangle of L is read.
import type { RngState } from "../types.js";
import { mvtScaleInto, normalsInto } from "./rng.js";

/**
 * Cholesky–Banachiewicz, row by row (see assembly/linalg.ts). Reads the lower triangle of `a`; a non-finite entry
 * anywhere in `a` or a pivot that is not > 0 fails. Returns 0, or k + 1 for the first leading minor of order k + 1 that
 * is not positive definite (or holds a non-finite entry); on failure `l` is all NaN.
 */
export function cholesky(n: number, a: Float64Array, l: Float64Array): number {
  if (n <= 0) return 0;
  let status = 0;
  for (let i = 0; i < n && status === 0; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      if (j < i) {
        const up = a[rj + i]!;
        if (!(up - up === 0)) {
          status = i + 1;
          break;
        }
        l[ri + j] = s / l[rj + j]!;
      } else {
        if (!(s > 0 && s < Infinity)) {
          status = i + 1;
          break;
        }
        l[ri + i] = Math.sqrt(s);
      }
    }
    for (let j = i + 1; j < n; j++) l[ri + j] = 0;
  }
  if (status !== 0) l.fill(NaN, 0, n * n);
  return status;
}

/**
 * One scenario: out[oo + r] = scale · Σ_{c≤r} l[r,c]·e[eo + c], rows in descending order so that `out` may be `e`
 * (row r reads e[0..r] only; the rows that still need them are written later).
 */
function corrRow(n: number, l: Float64Array, e: Float64Array, eo: number, scale: number, out: Float64Array, oo: number): void {
  for (let r = n - 1; r >= 0; r--) {
    const lr = r * n;
    const p = (r + 1) >> 1;
    let acc0 = 0;
    let acc1 = 0;
    for (let k = 0, c = 0; k < p; k++, c += 2) {
      acc0 += l[lr + c]! * e[eo + c]!;
      acc1 += l[lr + c + 1]! * e[eo + c + 1]!;
    }
    let s = acc0 + acc1;
    if ((r & 1) === 0) s += l[lr + r]! * e[eo + r]!;
    out[oo + r] = scale * s;
  }
}

/** out[i, r] = rowScale[i] · Σ_{c≤r} l[r, c] · e[i, c] (rowScale null = 1). */
export function correlate(m: number, n: number, l: Float64Array, e: Float64Array, rowScale: Float64Array | null, out: Float64Array): Float64Array {
  if (m <= 0 || n <= 0) return out;
  for (let i = 0; i < m; i++) {
    const o = i * n;
    corrRow(n, l, e, o, rowScale === null ? 1 : rowScale[i]!, out, o);
  }
  return out;
}

/**
 * Fused: the same numbers as rngNormal(m·n) → rngMvtScale(m) (when nu > 0) → correlate, and the same draws consumed.
 * nu ≤ 0: scenario by scenario, normals into the row of `out` and correlated in place. nu > 0 or NaN: all normals into
 * `out`, then the m scales (nu out of range → NaN outputs, no scale draws), then each row in place. No allocation:
 * the row scale is drawn just before its row is correlated, after all the normals, which is the stream order.
 */
export function correlatedNormals(m: number, n: number, l: Float64Array, state: RngState, nu: number, out: Float64Array): Float64Array {
  if (m <= 0 || n <= 0) return out;
  if (nu <= 0) {
    for (let i = 0; i < m; i++) {
      const o = i * n;
      normalsInto(state, out, o, o + n);
      corrRow(n, l, out, o, 1, out, o);
    }
    return out;
  }
  normalsInto(state, out, 0, m * n);
  if (!(nu > 2 && nu < Infinity)) {
    out.fill(NaN, 0, m * n);
    return out;
  }
  // Row scale i is drawn just before row i is correlated: the scales still come after all the normals and in order.
  for (let i = 0; i < m; i++) {
    mvtScaleInto(state, nu, SCALE, 0, 1);
    const o = i * n;
    corrRow(n, l, out, o, SCALE[0]!, out, o);
  }
  return out;
}

/** One-element buffer for the t-copula scale of the current row (module-level: no allocation per call). */
const SCALE = new Float64Array(1);
