// Tail measures by selection (never a full sort): VaR/ES, the k worst scenarios, histograms.
//
// The definitions, the floating-point rule and the algorithms are documented once, in the TS twin
// (packages/kernels/src/js/tail.ts); this file runs the same algorithm step for step — same pivots, same xorshift32
// sample, same two-lane summation order — so VaR is identical and ES agrees to the last bit in practice. In short:
// - L_i = 0 − pnl_i; VaR = smallest L with Σ_{L_i ≤ L} w_i ≥ α·W·(1 − 1e-12) (equal weights: L_(k), k = ⌈nα(1−1e-12)⌉);
//   ES = VaR + Σ_{L_i > VaR} w_i (L_i − VaR) / ((1 − α) W)  (Acerbi & Tasche 2002, rearranged without cancellation).
// - n = 0, α ∉ (0, 1), NaN/±∞ P&L, negative/NaN/∞ weight, W = 0 or ∞ → [NaN, NaN].
// - Floyd–Rivest selection (see: Floyd & Rivest, CACM 18(3) 1975, Algorithm 489) with a randomised sample window;
//   weighted quickselect on (loss, weight) pairs with a sampled pivot; heapsort fallback past a work budget of 8·m + 64.
// - Unweighted, n ≥ 2^15, tail ≤ ~25%: the tail filter (stratified sample → threshold ≤ VaR w.p. ≥ 1 − 1e-4, one pass
//   keeping the losses ≥ it in index order, Floyd–Rivest on those; an exactly detected miss runs the plain path).
// SIMD (ASC_FEATURE_SIMD): the copy/negate/check pass, the filter pass, the ES sums run on f64x2;
// lane 0 takes the even offsets and lane 1 the odd ones, which is exactly the two-accumulator order of the TS twin.

/** see js/tail.ts QUANTILE_REL_TOL */
const QUANTILE_REL_TOL: f64 = 1e-12;
/** Floyd–Rivest sampling threshold (the constant of Algorithm 489) */
const FR_CUTOFF: i32 = 600;
const BUDGET_FACTOR: i32 = 8;
const BUDGET_SLACK: i32 = 64;
/** tail filter, see js/tail.ts (FILTER_MIN_N, SAMPLE_SIZE, FILTER_Z, FILTER_MAX_FRACTION) */
const FILTER_MIN_N: i32 = 1 << 15;
const SAMPLE_SIZE: i32 = 4096;
const FILTER_Z: f64 = 4;
const FILTER_MAX_FRACTION: f64 = 0.25;
/** seed of the sampling xorshift32, reset at every call (same as the twin) */
const RNG_SEED: u32 = 0x2545f491;
const LN2: f64 = 0.6931471805599453; // ln 2 rounded to binary64, the value of JS Math.LN2

let rngX: u32 = RNG_SEED;

// xorshift32 (Marsaglia, J. Stat. Softw. 8(14) 2003, triple 13/17/5)
// @ts-ignore: decorator
@inline
function nextRand(): u32 {
  let x = rngX;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rngX = x;
  return x;
}

// @ts-ignore: decorator
@inline
function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
// @ts-ignore: decorator
@inline
function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}
// @ts-ignore: decorator
@inline
function swp(p: usize, i: i32, j: i32): void {
  const x = ld(p, i);
  st(p, i, ld(p, j));
  st(p, j, x);
}
// @ts-ignore: decorator
@inline
function swapPair(a: usize, w: usize, i: i32, j: i32): void {
  swp(a, i, j);
  swp(w, i, j);
}

// @ts-ignore: decorator
@inline
function writeNaN(out: usize): void {
  store<f64>(out, NaN);
  store<f64>(out, NaN, 8);
}

/**
 * Writes [var, es] at out. weights = 0: equal weights. scratch: n f64 (and scratchW: n f64 when weighted).
 * `pnl` and `weights` are read only.
 */
export function varEs(n: i32, pnl: usize, weights: usize, confidence: f64, scratch: usize, scratchW: usize, out: usize): void {
  if (n <= 0 || !(confidence > 0 && confidence < 1)) {
    writeNaN(out);
    return;
  }
  rngX = RNG_SEED;
  const a = scratch;
  if (weights == 0) {
    let kf = Math.ceil(confidence * <f64>n * (1 - QUANTILE_REL_TOL));
    if (kf < 1) kf = 1;
    if (kf > <f64>n) kf = <f64>n;
    const k = <i32>kf;
    const need = n - k + 1;
    const up = n >= FILTER_MIN_N ? sampleUpperCount(n, need) : 0;
    if (up > 0) {
      if (!sampleLosses(n, pnl, a)) {
        writeNaN(out);
        return;
      }
      frSelect(a, 0, SAMPLE_SIZE - 1, SAMPLE_SIZE - up);
      const c = filterTail(n, pnl, 0 - ld(a, SAMPLE_SIZE - up), a);
      if (c < 0) {
        writeNaN(out);
        return;
      }
      if (c >= need) {
        const r = c - need;
        frSelect(a, 0, c - 1, r);
        const v = ld(a, r);
        const s = sumExcess(a, r + 1, c, v);
        store<f64>(out, v);
        store<f64>(out, v + s / ((1 - confidence) * <f64>n), 8);
        return;
      }
      copyLosses(n, pnl, a); // the sample overshot: full selection (the P&Ls are known finite by now)
    } else if (!copyLosses(n, pnl, a)) {
      writeNaN(out);
      return;
    }
    frSelect(a, 0, n - 1, k - 1);
    const v = ld(a, k - 1);
    const s = sumExcess(a, k, n, v);
    store<f64>(out, v);
    store<f64>(out, v + s / ((1 - confidence) * <f64>n), 8);
    return;
  }
  const w = scratchW;
  const total = copyWeighted(n, pnl, weights, a, w);
  if (!(total > 0 && total <= f64.MAX_VALUE)) {
    writeNaN(out);
    return;
  }
  const target = confidence * total * (1 - QUANTILE_REL_TOL);
  const p = wSelect(a, w, 0, n - 1, 0, total, target);
  const v = ld(a, p);
  const s = sumWeightedExcess(a, w, p + 1, n, v);
  store<f64>(out, v);
  store<f64>(out, v + s / ((1 - confidence) * total), 8);
}

/** see js/tail.ts sampleUpperCount */
function sampleUpperCount(n: i32, need: i32): i32 {
  const f = <f64>need / <f64>n;
  const mu = <f64>SAMPLE_SIZE * f;
  const up = Math.ceil(mu + FILTER_Z * Math.sqrt(mu * (1 - f))) + 1;
  return up <= <f64>SAMPLE_SIZE * FILTER_MAX_FRACTION ? <i32>up : 0;
}

/** see js/tail.ts sampleLosses: one position per stratum [⌊s·n/S⌋, ⌊(s+1)·n/S⌋); false if a sampled P&L is not finite */
function sampleLosses(n: i32, pnl: usize, a: usize): bool {
  let lo = 0;
  for (let s = 0; s < SAMPLE_SIZE; s++) {
    const hi = <i32>((<i64>(s + 1) * <i64>n) / <i64>SAMPLE_SIZE);
    const l = 0 - ld(pnl, lo + <i32>(nextRand() % <u32>(hi - lo)));
    if (!(abs(l) <= f64.MAX_VALUE)) return false;
    st(a, s, l);
    lo = hi;
  }
  return true;
}

/**
 * The tail filter's pass: a[0..c−1] = the losses 0 − pnl[i] ≥ thr (negThr = −thr), in index order; returns c, or −1
 * if any P&L is NaN or ±∞. SIMD: eight P&Ls per step, four f64x2 compares against −thr and one any_true; the rare
 * step holding a candidate (≈ 15% of steps at 99%) compacts each f64x2 branch-free (bitselect puts the first
 * candidate in lane 0, the store always writes 16 bytes, c advances by the popcount — c ≤ i, so the store stays
 * inside a[0..n−1]), which keeps index order like the twin. Finiteness in the hot loop is one compare, p ≤ MAX
 * (false for NaN and +∞); −∞ passes it but is always a candidate (−∞ ≤ −thr), and candidate steps check p ≥ −MAX.
 * Measured (1M P&Ls, 99%, whole varEs, one interleaved run): scalar compaction per 4 P&Ls 1.19 ms, this 1.10 ms;
 * the pass alone ≈ 0.45 ms, of which ≈ 0.2 ms is the candidate test and compaction.
 */
function filterTail(n: i32, pnl: usize, negThr: f64, a: usize): i32 {
  let c = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const nt = f64x2.splat(negThr);
    const maxv = f64x2.splat(f64.MAX_VALUE);
    const zero = f64x2.splat(0);
    const negMax = f64x2.splat(-f64.MAX_VALUE);
    let ok = i64x2.splat(-1);
    for (; i + 7 < n; i += 8) {
      const q = pnl + (<usize>i << 3);
      const v0 = v128.load(q);
      const v1 = v128.load(q, 16);
      const v2 = v128.load(q, 32);
      const v3 = v128.load(q, 48);
      // NaN and +∞ fail p ≤ MAX; −∞ passes it but is a candidate, checked below
      ok = v128.and(ok, v128.and(v128.and(f64x2.le(v0, maxv), f64x2.le(v1, maxv)), v128.and(f64x2.le(v2, maxv), f64x2.le(v3, maxv))));
      const m0 = f64x2.le(v0, nt);
      const m1 = f64x2.le(v1, nt);
      const m2 = f64x2.le(v2, nt);
      const m3 = f64x2.le(v3, nt);
      if (v128.any_true(v128.or(v128.or(m0, m1), v128.or(m2, m3)))) {
        ok = v128.and(ok, v128.and(v128.and(f64x2.ge(v0, negMax), f64x2.ge(v1, negMax)), v128.and(f64x2.ge(v2, negMax), f64x2.ge(v3, negMax))));
        const l0 = f64x2.sub(zero, v0);
        const l1 = f64x2.sub(zero, v1);
        const l2 = f64x2.sub(zero, v2);
        const l3 = f64x2.sub(zero, v3);
        v128.store(a + (<usize>c << 3), v128.bitselect(l0, v128.shuffle<f64>(l0, l0, 1, 0), m0));
        c += popcnt<i32>(i64x2.bitmask(m0));
        v128.store(a + (<usize>c << 3), v128.bitselect(l1, v128.shuffle<f64>(l1, l1, 1, 0), m1));
        c += popcnt<i32>(i64x2.bitmask(m1));
        v128.store(a + (<usize>c << 3), v128.bitselect(l2, v128.shuffle<f64>(l2, l2, 1, 0), m2));
        c += popcnt<i32>(i64x2.bitmask(m2));
        v128.store(a + (<usize>c << 3), v128.bitselect(l3, v128.shuffle<f64>(l3, l3, 1, 0), m3));
        c += popcnt<i32>(i64x2.bitmask(m3));
      }
    }
    if (!i64x2.all_true(ok)) return -1;
  }
  for (; i < n; i++) {
    const p = ld(pnl, i);
    if (!(abs(p) <= f64.MAX_VALUE)) return -1;
    if (p <= negThr) {
      st(a, c, 0 - p);
      c++;
    }
  }
  return c;
}

/** a[i] = 0 − pnl[i]; false if any loss is NaN or ±∞ (|L| ≤ MAX_VALUE rejects both in one comparison). */
function copyLosses(n: i32, pnl: usize, a: usize): bool {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f64x2.splat(0);
    const maxv = f64x2.splat(f64.MAX_VALUE);
    let ok = i64x2.splat(-1);
    for (; i + 1 < n; i += 2) {
      const off = <usize>i << 3;
      const l = f64x2.sub(zero, v128.load(pnl + off));
      v128.store(a + off, l);
      ok = v128.and(ok, f64x2.le(f64x2.abs(l), maxv));
    }
    if (!i64x2.all_true(ok)) return false;
  }
  for (; i < n; i++) {
    const l = 0 - ld(pnl, i);
    if (!(abs(l) <= f64.MAX_VALUE)) return false;
    st(a, i, l);
  }
  return true;
}

/**
 * Copies losses and weights into (a, w); returns W = Σ w in two lanes (even, odd), or NaN when a loss is not finite
 * or a weight is negative or NaN (an infinite weight gives W = ∞, which the caller rejects).
 */
function copyWeighted(n: i32, pnl: usize, weights: usize, a: usize, w: usize): f64 {
  let i = 0;
  let w0: f64 = 0;
  let w1: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f64x2.splat(0);
    const maxv = f64x2.splat(f64.MAX_VALUE);
    let ok = i64x2.splat(-1);
    let acc = f64x2.splat(0);
    for (; i + 1 < n; i += 2) {
      const off = <usize>i << 3;
      const l = f64x2.sub(zero, v128.load(pnl + off));
      const u = v128.load(weights + off);
      v128.store(a + off, l);
      v128.store(w + off, u);
      ok = v128.and(ok, v128.and(f64x2.le(f64x2.abs(l), maxv), f64x2.ge(u, zero)));
      acc = f64x2.add(acc, u);
    }
    if (!i64x2.all_true(ok)) return NaN;
    w0 = f64x2.extract_lane(acc, 0);
    w1 = f64x2.extract_lane(acc, 1);
  } else {
    for (; i + 1 < n; i += 2) {
      const l0 = 0 - ld(pnl, i);
      const l1 = 0 - ld(pnl, i + 1);
      const u0 = ld(weights, i);
      const u1 = ld(weights, i + 1);
      if (!(abs(l0) <= f64.MAX_VALUE && abs(l1) <= f64.MAX_VALUE && u0 >= 0 && u1 >= 0)) return NaN;
      st(a, i, l0);
      st(a, i + 1, l1);
      st(w, i, u0);
      st(w, i + 1, u1);
      w0 += u0;
      w1 += u1;
    }
  }
  if (i < n) {
    const l0 = 0 - ld(pnl, i);
    const u0 = ld(weights, i);
    if (!(abs(l0) <= f64.MAX_VALUE && u0 >= 0)) return NaN;
    st(a, i, l0);
    st(w, i, u0);
    w0 += u0;
  }
  return w0 + w1;
}

/** Σ_{i=from}^{to−1} (a[i] − v), lanes = even/odd offsets from `from`. */
function sumExcess(a: usize, from: i32, to: i32, v: f64): f64 {
  let s0: f64 = 0;
  let s1: f64 = 0;
  let i = from;
  if (ASC_FEATURE_SIMD) {
    const vv = f64x2.splat(v);
    let acc = f64x2.splat(0);
    for (; i + 1 < to; i += 2) {
      acc = f64x2.add(acc, f64x2.sub(v128.load(a + (<usize>i << 3)), vv));
    }
    s0 = f64x2.extract_lane(acc, 0);
    s1 = f64x2.extract_lane(acc, 1);
  } else {
    for (; i + 1 < to; i += 2) {
      s0 += ld(a, i) - v;
      s1 += ld(a, i + 1) - v;
    }
  }
  if (i < to) s0 += ld(a, i) - v;
  return s0 + s1;
}

/** Σ_{i=from}^{to−1} w[i]·(a[i] − v), lanes as sumExcess. */
function sumWeightedExcess(a: usize, w: usize, from: i32, to: i32, v: f64): f64 {
  let s0: f64 = 0;
  let s1: f64 = 0;
  let i = from;
  if (ASC_FEATURE_SIMD) {
    const vv = f64x2.splat(v);
    let acc = f64x2.splat(0);
    for (; i + 1 < to; i += 2) {
      const off = <usize>i << 3;
      acc = f64x2.add(acc, f64x2.mul(v128.load(w + off), f64x2.sub(v128.load(a + off), vv)));
    }
    s0 = f64x2.extract_lane(acc, 0);
    s1 = f64x2.extract_lane(acc, 1);
  } else {
    for (; i + 1 < to; i += 2) {
      s0 += ld(w, i) * (ld(a, i) - v);
      s1 += ld(w, i + 1) * (ld(a, i + 1) - v);
    }
  }
  if (i < to) s0 += ld(w, i) * (ld(a, i) - v);
  return s0 + s1;
}

/** Σ w[from..to−1], lanes as sumExcess. */
function sumRange(w: usize, from: i32, to: i32): f64 {
  let s0: f64 = 0;
  let s1: f64 = 0;
  let i = from;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; i + 1 < to; i += 2) acc = f64x2.add(acc, v128.load(w + (<usize>i << 3)));
    s0 = f64x2.extract_lane(acc, 0);
    s1 = f64x2.extract_lane(acc, 1);
  } else {
    for (; i + 1 < to; i += 2) {
      s0 += ld(w, i);
      s1 += ld(w, i + 1);
    }
  }
  if (i < to) s0 += ld(w, i);
  return s0 + s1;
}

/** Largest c with c³ ≤ m (exact, so both backends size the sample alike whatever cbrt's last bit). */
function icbrt(m: i32): f64 {
  const mf = <f64>m;
  let c = Math.floor(Math.cbrt(mf));
  while (c * c * c > mf) c -= 1;
  while ((c + 1) * (c + 1) * (c + 1) <= mf) c += 1;
  return c;
}

/** Floyd–Rivest SELECT on a[left..right] for position k (see the twin's frSelect). */
function frSelect(a: usize, left: i32, right: i32, k: i32): void {
  let budget = BUDGET_FACTOR * (right - left + 1) + BUDGET_SLACK;
  while (right > left) {
    const m = right - left + 1;
    budget -= m;
    if (budget < 0) {
      heapSort(a, left, right);
      return;
    }
    if (m > FR_CUTOFF) {
      const mf = <f64>m;
      const i = k - left + 1;
      const c = icbrt(m);
      const s = 0.5 * c * c;
      const z = <f64>(31 - clz<i32>(m)) * LN2;
      const h = 0.5 * Math.sqrt((z * s * (mf - s)) / mf);
      const sd = 2 * i < m ? -h : 2 * i > m ? h : 0;
      let nl = <i32>Math.floor(<f64>k - (<f64>i * s) / mf + sd);
      let nr = <i32>Math.floor(<f64>k + (<f64>(m - i) * s) / mf + sd);
      if (nl < left) nl = left;
      if (nr > right) nr = right;
      for (let p = nl; p <= nr; p++) {
        const q = left + <i32>(nextRand() % <u32>m);
        swp(a, p, q);
      }
      frSelect(a, nl, nr, k);
    } else {
      const q = left + <i32>(nextRand() % <u32>m);
      swp(a, k, q);
    }
    const t = ld(a, k);
    let i = left;
    let j = right;
    st(a, k, ld(a, left));
    st(a, left, t);
    if (ld(a, right) > t) {
      st(a, left, ld(a, right));
      st(a, right, t);
    }
    while (i < j) {
      swp(a, i, j);
      i++;
      j--;
      while (ld(a, i) < t) i++;
      while (ld(a, j) > t) j--;
    }
    if (ld(a, left) == t) {
      swp(a, left, j);
    } else {
      j++;
      swp(a, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function heapSort(a: usize, lo: i32, hi: i32): void {
  const m = hi - lo + 1;
  for (let r = (m >> 1) - 1; r >= 0; r--) siftDown(a, lo, r, m);
  for (let end = m - 1; end > 0; end--) {
    swp(a, lo, lo + end);
    siftDown(a, lo, 0, end);
  }
}

function siftDown(a: usize, lo: i32, root: i32, size: i32): void {
  const x = ld(a, lo + root);
  let r = root;
  while (true) {
    let c = 2 * r + 1;
    if (c >= size) break;
    if (c + 1 < size && ld(a, lo + c + 1) > ld(a, lo + c)) c++;
    if (!(ld(a, lo + c) > x)) break;
    st(a, lo + r, ld(a, lo + c));
    r = c;
  }
  st(a, lo + r, x);
}

/** Weighted quickselect (see the twin's wSelect, sampled pivot included): position of VaR in the permuted pairs. */
function wSelect(a: usize, w: usize, left: i32, right: i32, wBelow: f64, wRange: f64, target: f64): i32 {
  let budget = BUDGET_FACTOR * (right - left + 1) + BUDGET_SLACK;
  while (true) {
    if (left >= right) return left;
    const m = right - left + 1;
    budget -= m;
    if (budget < 0) return wHeapScan(a, w, left, right, wBelow, target);
    const f = (target - wBelow) / wRange;
    let q = -1;
    if (m > FR_CUTOFF) {
      const c = icbrt(m);
      const s = <i32>Math.floor(0.5 * c * c);
      for (let p = left; p < left + s; p++) swapPair(a, w, p, left + <i32>(nextRand() % <u32>m));
      const ws = sumRange(w, left, left + s);
      if (ws > 0) {
        const d = 3 * Math.sqrt((f * (1 - f)) / <f64>s);
        let fs = f > 0.5 ? f - d : f + d;
        if (fs < 0) fs = 0;
        if (fs > 1) fs = 1;
        q = wSelect(a, w, left, left + s - 1, 0, ws, fs * ws);
      }
    }
    if (q < 0) {
      const r1 = left + <i32>(nextRand() % <u32>m);
      const r2 = left + <i32>(nextRand() % <u32>m);
      const r3 = left + <i32>(nextRand() % <u32>m);
      const x1 = ld(a, r1);
      const x2 = ld(a, r2);
      const x3 = ld(a, r3);
      if (f > 2.0 / 3.0) q = x1 >= x2 ? (x1 >= x3 ? r1 : r3) : x2 >= x3 ? r2 : r3;
      else if (f < 1.0 / 3.0) q = x1 <= x2 ? (x1 <= x3 ? r1 : r3) : x2 <= x3 ? r2 : r3;
      else q = x1 < x2 ? (x2 < x3 ? r2 : x1 < x3 ? r3 : r1) : x1 < x3 ? r1 : x2 < x3 ? r3 : r2;
    }
    const t = ld(a, q);
    swapPair(a, w, left, q);
    if (ld(a, right) > t) swapPair(a, w, left, right);
    let i = left;
    let j = right;
    while (i < j) {
      swapPair(a, w, i, j);
      i++;
      j--;
      while (ld(a, i) < t) i++;
      while (ld(a, j) > t) j--;
    }
    if (ld(a, left) == t) swapPair(a, w, left, j);
    else {
      j++;
      swapPair(a, w, j, right);
    }
    const wp = ld(w, j);
    let wl: f64;
    let wr: f64;
    if (j - left <= right - j) {
      wl = sumRange(w, left, j);
      wr = wRange - wl - wp;
    } else {
      wr = sumRange(w, j + 1, right + 1);
      wl = wRange - wr - wp;
    }
    if (wBelow + wl >= target) {
      if (j == left) return j;
      right = j - 1;
      wRange = wl;
    } else if (wBelow + wl + wp >= target) {
      return j;
    } else {
      if (j == right) return j;
      wBelow = wBelow + wl + wp;
      left = j + 1;
      wRange = wr;
    }
  }
  return 0;
}

function wHeapScan(a: usize, w: usize, left: i32, right: i32, wBelow: f64, target: f64): i32 {
  const m = right - left + 1;
  for (let r = (m >> 1) - 1; r >= 0; r--) wSiftDown(a, w, left, r, m);
  for (let end = m - 1; end > 0; end--) {
    swapPair(a, w, left, left + end);
    wSiftDown(a, w, left, 0, end);
  }
  let cum = wBelow;
  for (let p = left; p <= right; p++) {
    cum += ld(w, p);
    if (cum >= target) return p;
  }
  return right;
}

function wSiftDown(a: usize, w: usize, lo: i32, root: i32, size: i32): void {
  let r = root;
  while (true) {
    let c = 2 * r + 1;
    if (c >= size) break;
    if (c + 1 < size && ld(a, lo + c + 1) > ld(a, lo + c)) c++;
    if (!(ld(a, lo + c) > ld(a, lo + r))) break;
    swapPair(a, w, lo + r, lo + c);
    r = c;
  }
}

// ---- worst ---------------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline
function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline
function sti(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/** Scenario i ranks before j: smaller P&L (larger loss), ties to the lower index; a NaN P&L ranks first. */
// @ts-ignore: decorator
@inline
function worse(pnl: usize, i: i32, j: i32): bool {
  const pi = ld(pnl, i);
  const pj = ld(pnl, j);
  if (pi != pi) return pj != pj ? i < j : true;
  if (pj != pj) return false;
  return pi < pj || (pi == pj && i < j);
}

function heapReplaceRoot(pnl: usize, h: usize, size: i32, idx: i32): void {
  let r = 0;
  while (true) {
    let c = 2 * r + 1;
    if (c >= size) break;
    if (c + 1 < size && worse(pnl, ldi(h, c), ldi(h, c + 1))) c++;
    const hc = ldi(h, c);
    if (!worse(pnl, idx, hc)) break;
    sti(h, r, hc);
    r = c;
  }
  sti(h, r, idx);
}

/**
 * Indices of the k largest losses, worst first (ties: lower index first; NaN P&L counts as the largest loss), into
 * out (i32); heap: k i32 scratch (root = the least bad kept). k ≤ 0 → 0; k > n → n. Returns the count.
 */
export function worst(n: i32, pnl: usize, k: i32, heap: usize, out: usize): i32 {
  const kk = k < n ? k : n;
  if (kk <= 0) return 0;
  for (let i = 0; i < kk; i++) {
    let c = i;
    while (c > 0) {
      const p = (c - 1) >> 1;
      const hp = ldi(heap, p);
      if (!worse(pnl, hp, i)) break;
      sti(heap, c, hp);
      c = p;
    }
    sti(heap, c, i);
  }
  let rp = ld(pnl, ldi(heap, 0));
  for (let i = kk; i < n; i++) {
    const x = ld(pnl, i);
    if (x < rp || (x != x && rp == rp)) {
      heapReplaceRoot(pnl, heap, kk, i);
      rp = ld(pnl, ldi(heap, 0));
    }
  }
  // pop the least bad kept into the back of out, worst ends at out[0]
  for (let end = kk - 1; end > 0; end--) {
    const top = ldi(heap, 0);
    heapReplaceRoot(pnl, heap, end, ldi(heap, end));
    sti(out, end, top);
  }
  sti(out, 0, ldi(heap, 0));
  return kk;
}

// ---- histogram -----------------------------------------------------------------------------------------------

/**
 * out[b] = count (or Σ weights) of x with ⌊(x − lo)·bins/(hi − lo)⌋ = b, clamped to [0, bins − 1]; NaN x skipped;
 * bins ≤ 0 → no-op; non-finite lo/hi, lo ≥ hi or an overflowing width/scale → every bin NaN (see the twin).
 */
export function histogram(n: i32, x: usize, weights: usize, lo: f64, hi: f64, bins: i32, out: usize): void {
  if (bins <= 0) return;
  const width = hi - lo;
  const scale = <f64>bins / width;
  if (!(width > 0 && width <= f64.MAX_VALUE && scale <= f64.MAX_VALUE && abs(lo) <= f64.MAX_VALUE)) {
    for (let b = 0; b < bins; b++) st(out, b, NaN);
    return;
  }
  memory.fill(out, 0, <usize>bins << 3);
  // No SIMD here: the vector bin arithmetic (f64x2 sub/mul/floor/clamp, then lane extraction) measured slower
  // than this scalar loop (1M values, 100 bins: 4.1 ms vs 3.5 ms), which is bound by the read-modify-write of the
  // bins, not by the arithmetic.
  const last = <f64>(bins - 1);
  if (weights == 0) {
    for (let i = 0; i < n; i++) {
      const v = ld(x, i);
      if (v != v) continue;
      const t = Math.floor((v - lo) * scale);
      const p = out + (<usize>(<i32>(t < 0 ? 0 : t > last ? last : t)) << 3);
      store<f64>(p, load<f64>(p) + 1);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = ld(x, i);
      if (v != v) continue;
      const t = Math.floor((v - lo) * scale);
      const p = out + (<usize>(<i32>(t < 0 ? 0 : t > last ? last : t)) << 3);
      store<f64>(p, load<f64>(p) + ld(weights, i));
    }
  }
}
