// Linear algebra: Cholesky and correlated shocks. Mirrors packages/kernels/src/js/linalg.ts.
//
// Summation order of every correlated value (identical in the TS twin, the scalar build and the SIMD build, so the
// three agree bit for bit): for row r of L (length len = r + 1, P = len >> 1 pairs)
//   acc0 = Σ_{k<P} l[r,2k]·e[2k],  acc1 = Σ_{k<P} l[r,2k+1]·e[2k+1]   (each summed in increasing k, from 0)
//   s = acc0 + acc1;  if len is odd: s = s + l[r,r]·e[r];  out = s·scale
// which is exactly what an f64x2 dot product of the row with e does (lane 0 = even c, lane 1 = odd c).
// Only the lower triangle of L is read (c ≤ r).

import { normalsInto, mvtScaleInto } from "./rng";

/**
 * Cholesky–Banachiewicz, row by row: l[i,j] = (a[i,j] − Σ_{k<j} l[i,k]·l[j,k]) / l[j,j], l[i,i] = sqrt(a[i,i] − Σ l[i,k]²).
 * Reads the lower triangle of `a`; any non-finite entry anywhere in `a` (upper included) or a pivot that is not > 0
 * fails. Returns 0, or k + 1 for the first leading minor of order k + 1 that is not positive definite (or holds a
 * non-finite entry); on failure all of `l` is NaN (never a partial factor that looks usable).
 */
export function cholesky(n: i32, a: usize, l: usize): i32 {
  if (n <= 0) return 0;
  const nn = <usize>n;
  let status: i32 = 0;
  for (let i: usize = 0; i < nn && status == 0; i++) {
    const ri = a + i * nn * 8;
    const li = l + i * nn * 8;
    for (let j: usize = 0; j <= i; j++) {
      const lj = l + j * nn * 8;
      let s = load<f64>(ri + (j << 3));
      for (let k: usize = 0; k < j; k++) s -= load<f64>(li + (k << 3)) * load<f64>(lj + (k << 3));
      if (j < i) {
        // the mirrored upper entry a[j, i] must be finite too (it is not used otherwise)
        const up = load<f64>(a + (j * nn + i) * 8);
        if (!(up - up == 0)) {
          status = <i32>i + 1;
          break;
        }
        store<f64>(li + (j << 3), s / load<f64>(lj + (j << 3)));
      } else {
        if (!(s > 0 && s < Infinity)) {
          status = <i32>i + 1;
          break;
        }
        store<f64>(li + (i << 3), Math.sqrt(s));
      }
    }
    for (let j = i + 1; j < nn; j++) store<f64>(li + (j << 3), 0);
  }
  if (status != 0) {
    for (let k: usize = 0; k < nn * nn; k++) store<f64>(l + (k << 3), NaN);
  }
  return status;
}

/** Canonical dot product of row r of L with e (see the header), scalar. */
@inline function rowDot(lr: usize, e: usize, r: i32): f64 {
  const p = (r + 1) >> 1;
  let acc0: f64 = 0;
  let acc1: f64 = 0;
  for (let k = 0; k < p; k++) {
    const o = <usize>k << 4;
    acc0 += load<f64>(lr + o) * load<f64>(e + o);
    acc1 += load<f64>(lr + o, 8) * load<f64>(e + o, 8);
  }
  let s = acc0 + acc1;
  if ((r & 1) == 0) s += load<f64>(lr + (<usize>r << 3)) * load<f64>(e + (<usize>r << 3));
  return s;
}

/**
 * One scenario: out[r] = scale · Σ_{c≤r} l[r,c]·e[c] for r = n−1 … 0 (descending, so `out` may equal `e`: row r reads
 * e[0..r] only and rows below it are written later). Rows go in pairs (r, r+1), r even, sharing the loads of e.
 */
function corrRow(n: i32, l: usize, e: usize, scale: f64, out: usize): void {
  const stride = <usize>n << 3;
  let r = n - 1;
  if ((n & 1) == 1) {
    // the last row alone (its index n − 1 is even)
    store<f64>(out + (<usize>r << 3), scale * rowDot(l + <usize>r * stride, e, r));
    r--;
  }
  // now r is odd: pairs (r − 1, r)
  for (; r > 0; r -= 2) {
    const r0 = r - 1; // even
    const l0 = l + <usize>r0 * stride;
    const l1 = l0 + stride;
    const p = r0 >> 1; // shared pairs k < p (c < r0)
    if (ASC_FEATURE_SIMD) {
      let a0 = f64x2.splat(0);
      let a1 = f64x2.splat(0);
      for (let k = 0; k < p; k++) {
        const o = <usize>k << 4;
        const ev = v128.load(e + o);
        a0 = f64x2.add(a0, f64x2.mul(v128.load(l0 + o), ev));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(l1 + o), ev));
      }
      const oc = <usize>r0 << 3;
      const et = v128.load(e + oc); // [e[r0], e[r0+1]]
      a1 = f64x2.add(a1, f64x2.mul(v128.load(l1 + oc), et)); // row r0+1's last pair
      // [acc0(r0) + acc1(r0), acc0(r0+1) + acc1(r0+1)]
      let v = f64x2.add(v128.shuffle<f64>(a0, a1, 0, 2), v128.shuffle<f64>(a0, a1, 1, 3));
      // row r0's odd tail: + l[r0,r0]·e[r0] (lane 1 gets + 0·e, which leaves it unchanged)
      v = f64x2.add(v, f64x2.mul(f64x2.replace_lane(f64x2.splat(0), 0, load<f64>(l0 + oc)), f64x2.splat(load<f64>(e + oc))));
      v128.store(out + oc, f64x2.mul(v, f64x2.splat(scale)));
    } else {
      let a00: f64 = 0, a01: f64 = 0, a10: f64 = 0, a11: f64 = 0;
      for (let k = 0; k < p; k++) {
        const o = <usize>k << 4;
        const e0 = load<f64>(e + o);
        const e1 = load<f64>(e + o, 8);
        a00 += load<f64>(l0 + o) * e0;
        a01 += load<f64>(l0 + o, 8) * e1;
        a10 += load<f64>(l1 + o) * e0;
        a11 += load<f64>(l1 + o, 8) * e1;
      }
      const oc = <usize>r0 << 3;
      const er0 = load<f64>(e + oc);
      const er1 = load<f64>(e + oc, 8);
      a10 += load<f64>(l1 + oc) * er0;
      a11 += load<f64>(l1 + oc, 8) * er1;
      const s0 = (a00 + a01) + load<f64>(l0 + oc) * er0;
      const s1 = a10 + a11;
      store<f64>(out + oc, scale * s0);
      store<f64>(out + oc, scale * s1, 8);
    }
  }
}

/** [hsum(a), hsum(b)] = [a0 + a1, b0 + b1]: lane 0 + lane 1 of each accumulator, as `acc0 + acc1` in the scalar order. */
@inline function hsum2(a: v128, b: v128): v128 {
  return f64x2.add(v128.shuffle<f64>(a, b, 0, 2), v128.shuffle<f64>(a, b, 1, 3));
}

/** Rows (r0, r0+1), r0 even, of two scenarios (SIMD build). Same arithmetic per value as corrRow. */
@inline function pair2(r0: i32, stride: usize, l: usize, e0: usize, e1: usize, sc0: v128, sc1: v128, out0: usize, out1: usize): void {
  const zero = f64x2.splat(0);
  const l0 = l + <usize>r0 * stride;
  const l1 = l0 + stride;
  const p = r0 >> 1;
  let a0 = zero, a1 = zero, b0 = zero, b1 = zero;
  for (let k = 0; k < p; k++) {
    const o = <usize>k << 4;
    const lv0 = v128.load(l0 + o);
    const lv1 = v128.load(l1 + o);
    const ev = v128.load(e0 + o);
    const fv = v128.load(e1 + o);
    a0 = f64x2.add(a0, f64x2.mul(lv0, ev));
    a1 = f64x2.add(a1, f64x2.mul(lv1, ev));
    b0 = f64x2.add(b0, f64x2.mul(lv0, fv));
    b1 = f64x2.add(b1, f64x2.mul(lv1, fv));
  }
  const oc = <usize>r0 << 3;
  const lt1 = v128.load(l1 + oc);
  const ltail = f64x2.replace_lane(zero, 0, load<f64>(l0 + oc));
  a1 = f64x2.add(a1, f64x2.mul(lt1, v128.load(e0 + oc)));
  b1 = f64x2.add(b1, f64x2.mul(lt1, v128.load(e1 + oc)));
  let v = hsum2(a0, a1);
  let w = hsum2(b0, b1);
  v = f64x2.add(v, f64x2.mul(ltail, f64x2.splat(load<f64>(e0 + oc))));
  w = f64x2.add(w, f64x2.mul(ltail, f64x2.splat(load<f64>(e1 + oc))));
  v128.store(out0 + oc, f64x2.mul(v, sc0));
  v128.store(out1 + oc, f64x2.mul(w, sc1));
}

/**
 * Rows r0 … r0+3 (r0 even) of two scenarios (SIMD build): 8 accumulators share 4 loads of L and 2 of e per pair of
 * columns. Per row the pairs are still added in increasing k, then the row's extra pairs and odd tail, as in corrRow.
 */
@inline function quad2(r0: i32, stride: usize, l: usize, e0: usize, e1: usize, sc0: v128, sc1: v128, out0: usize, out1: usize): void {
  const zero = f64x2.splat(0);
  const l0 = l + <usize>r0 * stride;
  const l1 = l0 + stride;
  const l2 = l1 + stride;
  const l3 = l2 + stride;
  const p = r0 >> 1;
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  let b0 = zero, b1 = zero, b2 = zero, b3 = zero;
  for (let k = 0; k < p; k++) {
    const o = <usize>k << 4;
    const ev = v128.load(e0 + o);
    const fv = v128.load(e1 + o);
    const lv0 = v128.load(l0 + o);
    a0 = f64x2.add(a0, f64x2.mul(lv0, ev));
    b0 = f64x2.add(b0, f64x2.mul(lv0, fv));
    const lv1 = v128.load(l1 + o);
    a1 = f64x2.add(a1, f64x2.mul(lv1, ev));
    b1 = f64x2.add(b1, f64x2.mul(lv1, fv));
    const lv2 = v128.load(l2 + o);
    a2 = f64x2.add(a2, f64x2.mul(lv2, ev));
    b2 = f64x2.add(b2, f64x2.mul(lv2, fv));
    const lv3 = v128.load(l3 + o);
    a3 = f64x2.add(a3, f64x2.mul(lv3, ev));
    b3 = f64x2.add(b3, f64x2.mul(lv3, fv));
  }
  // pair k = p (columns r0, r0+1) for rows r0+1, r0+2, r0+3
  const oc = <usize>r0 << 3;
  const ep = v128.load(e0 + oc);
  const fp = v128.load(e1 + oc);
  let lv = v128.load(l1 + oc);
  a1 = f64x2.add(a1, f64x2.mul(lv, ep));
  b1 = f64x2.add(b1, f64x2.mul(lv, fp));
  lv = v128.load(l2 + oc);
  a2 = f64x2.add(a2, f64x2.mul(lv, ep));
  b2 = f64x2.add(b2, f64x2.mul(lv, fp));
  lv = v128.load(l3 + oc);
  a3 = f64x2.add(a3, f64x2.mul(lv, ep));
  b3 = f64x2.add(b3, f64x2.mul(lv, fp));
  // pair k = p + 1 (columns r0+2, r0+3) for row r0+3
  const oc2 = oc + 16;
  const eq = v128.load(e0 + oc2);
  const fq = v128.load(e1 + oc2);
  lv = v128.load(l3 + oc2);
  a3 = f64x2.add(a3, f64x2.mul(lv, eq));
  b3 = f64x2.add(b3, f64x2.mul(lv, fq));
  // horizontal sums, then the odd tails of rows r0 (column r0) and r0+2 (column r0+2)
  let v01 = hsum2(a0, a1);
  let w01 = hsum2(b0, b1);
  let v23 = hsum2(a2, a3);
  let w23 = hsum2(b2, b3);
  const t0 = f64x2.replace_lane(zero, 0, load<f64>(l0 + oc));
  const t2 = f64x2.replace_lane(zero, 0, load<f64>(l2 + oc2));
  v01 = f64x2.add(v01, f64x2.mul(t0, f64x2.splat(load<f64>(e0 + oc))));
  w01 = f64x2.add(w01, f64x2.mul(t0, f64x2.splat(load<f64>(e1 + oc))));
  v23 = f64x2.add(v23, f64x2.mul(t2, f64x2.splat(load<f64>(e0 + oc2))));
  w23 = f64x2.add(w23, f64x2.mul(t2, f64x2.splat(load<f64>(e1 + oc2))));
  v128.store(out0 + oc, f64x2.mul(v01, sc0));
  v128.store(out0 + oc2, f64x2.mul(v23, sc0));
  v128.store(out1 + oc, f64x2.mul(w01, sc1));
  v128.store(out1 + oc2, f64x2.mul(w23, sc1));
}

/**
 * Two scenarios at once (SIMD build): rows i and i+1 of e share every load of L. Same arithmetic per value as corrRow.
 * In place is allowed (out0 = e0 and out1 = e1): blocks of rows go from the last row down, each written after all
 * its loads, and a block reads only columns ≤ its last row.
 */
@inline function corrRow2(n: i32, l: usize, e0: usize, e1: usize, sc0: f64, sc1: f64, out0: usize, out1: usize): void {
  const stride = <usize>n << 3;
  let r = n - 1;
  if ((n & 1) == 1) {
    const lr = l + <usize>r * stride;
    store<f64>(out0 + (<usize>r << 3), sc0 * rowDot(lr, e0, r));
    store<f64>(out1 + (<usize>r << 3), sc1 * rowDot(lr, e1, r));
    r--;
  }
  // r + 1 rows remain (an even count): one pair block if it is 2 mod 4, then blocks of four
  const v0 = f64x2.splat(sc0);
  const v1 = f64x2.splat(sc1);
  if (((r + 1) & 2) != 0) {
    pair2(r - 1, stride, l, e0, e1, v0, v1, out0, out1);
    r -= 2;
  }
  for (; r > 0; r -= 4) quad2(r - 3, stride, l, e0, e1, v0, v1, out0, out1);
}

/** out[i, r] = rowScale[i] · Σ_c l[r, c] · e[i, c]; rowScale = 0 means 1. `out` must not alias `e`. */
export function correlate(m: i32, n: i32, l: usize, e: usize, rowScale: usize, out: usize): void {
  if (m <= 0 || n <= 0) return;
  const stride = <usize>n << 3;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 1 < m; i += 2) {
      const sc0 = rowScale ? load<f64>(rowScale + (<usize>i << 3)) : 1.0;
      const sc1 = rowScale ? load<f64>(rowScale + (<usize>i << 3), 8) : 1.0;
      const o = <usize>i * stride;
      corrRow2(n, l, e + o, e + o + stride, sc0, sc1, out + o, out + o + stride);
    }
  }
  for (; i < m; i++) {
    const sc = rowScale ? load<f64>(rowScale + (<usize>i << 3)) : 1.0;
    const o = <usize>i * stride;
    corrRow(n, l, e + o, sc, out + o);
  }
}

/**
 * Fused pipeline, the same numbers as rngNormal(m·n) → rngMvtScale(m) (nu > 0) → correlate:
 * - nu ≤ 0 (Gaussian): scenario by scenario, n normals straight into the row of `out`, correlated in place while
 *   they are in cache (the draws are consumed in the same order as one rngNormal(m·n)).
 * - nu > 0 or NaN: all m·n normals into `out`, then the m row scales into `scratchRow` (NaN when nu is out of range,
 *   with no draws), then every row correlated in place and scaled.
 * The in-place row order makes the kernel allocation- and copy-free: `scratchRow` (m f64, nu > 0 only) is all it needs.
 */
export function correlatedNormals(m: i32, n: i32, l: usize, state: usize, nu: f64, scratchRow: usize, out: usize): void {
  if (m <= 0 || n <= 0) return;
  const stride = <usize>n << 3;
  if (nu <= 0) {
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      // two scenarios at a time: 2n normals, then both rows correlated in place sharing the loads of L
      for (; i + 1 < m; i += 2) {
        const o = out + <usize>i * stride;
        normalsInto(state, n << 1, o);
        corrRow2(n, l, o, o + stride, 1.0, 1.0, o, o + stride);
      }
    }
    for (; i < m; i++) {
      const o = out + <usize>i * stride;
      normalsInto(state, n, o);
      corrRow(n, l, o, 1.0, o);
    }
    return;
  }
  normalsInto(state, m * n, out);
  if (scratchRow == 0 || !mvtScaleInto(state, m, nu, scratchRow)) {
    // nu out of range (or NaN, for which the host passes no scale row): NaN outputs, the normals were consumed
    for (let k: usize = 0; k < <usize>m * <usize>n; k++) store<f64>(out + (k << 3), NaN);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 1 < m; i += 2) {
      const o = out + <usize>i * stride;
      const sc = scratchRow + (<usize>i << 3);
      corrRow2(n, l, o, o + stride, load<f64>(sc), load<f64>(sc, 8), o, o + stride);
    }
  }
  for (; i < m; i++) {
    const o = out + <usize>i * stride;
    corrRow(n, l, o, load<f64>(scratchRow + (<usize>i << 3)), o);
  }
}
