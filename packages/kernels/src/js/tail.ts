/**
 * Tail measures by selection (never a full sort): VaR/ES, the k worst scenarios, histograms — the pure-TS twin of
 * `assembly/tail.ts`. Both backends run the same algorithm step for step (same pivots, same pseudo-random sample,
 * same two-lane summation order), so VaR is identical and ES agrees to the last bit in practice (the contract is
 * ≤ 1e-12 relative).
 *
 * ## Definitions (they hold exactly in both backends)
 * - Loss L_i = 0 − pnl_i (written `0 − p`, not `−p`, so a zero P&L is a +0 loss, never −0).
 *   Weights w_i ≥ 0 (null = all 1), W = Σ w_i. Confidence α ∈ (0, 1).
 * - VaR_α = the smallest loss l of the sample with Σ_{L_i ≤ l} w_i ≥ α·W: the lower α-quantile of the weighted loss
 *   distribution. With equal weights it is the ascending order statistic L_(k), k = ⌈n·α⌉ (1-based).
 * - ES_α (Acerbi & Tasche 2002, the coherent version that handles ties and weights):
 *     ES = [ Σ_{L_i > VaR} w_i·L_i + (Σ_{L_i ≤ VaR} w_i − α·W)·VaR ] / ((1 − α)·W)
 *   computed in the algebraically identical form (substitute Σ_{L>VaR} w = W − Σ_{L≤VaR} w)
 *     ES = VaR + Σ_{L_i > VaR} w_i·(L_i − VaR) / ((1 − α)·W),
 *   which has no cancellation and guarantees ES ≥ VaR in floating point.
 *   see: C. Acerbi, D. Tasche, "On the coherence of expected shortfall", J. Banking & Finance 26 (2002) 1487–1503.
 * - Floating-point rule for "Σ w ≥ α·W": a cumulative weight counts as reaching α·W when it is ≥ α·W·(1 − 1e-12)
 *   (QUANTILE_REL_TOL). For equal weights this is the integer rule k = ⌈n·α·(1 − 1e-12)⌉: a product n·α that lies
 *   within 1e-12 (relative) above an integer is that integer. Example: 100 × 0.07 = 7.000000000000001 in binary64,
 *   whose plain ceiling is 8; the rule gives k = 7, the order statistic the decimal α = 0.07 means. The tolerance is
 *   far above the ≈ 2.2e-16 relative error of the binary64 product (and of α's decimal → binary rounding) and far
 *   below any confidence anyone writes with fewer than 12 significant digits.
 * - Domain: n = 0, α ∉ (0, 1) (or NaN), any NaN or ±∞ P&L, any negative or NaN or +∞ weight, W = 0 or W = +∞ →
 *   var = es = NaN. Never a partial answer: an infinite P&L is a broken revaluation, and a margin must never be
 *   silently infinite. Weights must have at least n entries (the engine validates lengths).
 *
 * ## Algorithms
 * - Unweighted: one pass copies the losses into scratch and checks finiteness (|L| ≤ MAX_VALUE rejects NaN and ±∞ in
 *   one comparison); Floyd–Rivest selection of L_(k) (expected n + min(k, n − k) + o(n) comparisons); ES from the
 *   n − k elements that selection leaves above position k − 1.
 *   see: R. W. Floyd, R. L. Rivest, "Algorithm 489: The algorithm SELECT", CACM 18(3) 1975, p. 173.
 * - Unweighted, n ≥ FILTER_MIN_N and a tail of ≤ ~25% (the 99% case): a tail filter first. A stratified sample of
 *   4096 losses gives a threshold thr (its up-th largest, up = the expected count above VaR + 4 standard deviations,
 *   see sampleUpperCount); one pass checks every P&L and keeps only the losses ≥ thr, in index order; if at least
 *   n − k + 1 are kept (thr ≤ VaR: all but ≈ 1e-4 of samples), every dropped loss is < thr ≤ every kept one, so
 *   VaR = the kept loss of ascending rank k − (n − c), selected by Floyd–Rivest on the c kept ones, and ES sums the
 *   kept part above it. Otherwise (a miss, detected exactly) the plain path runs. At 99% the selection works on
 *   ≈ 1.7% of n instead of n, and nothing but the candidates is written.
 *   The published algorithm samples a contiguous window, which assumes randomly ordered input; P&L vectors are not
 *   (grid scenarios are sorted by shock), so the window is first filled by random swaps from a fixed-seed xorshift32
 *   (deterministic, identical in both backends). Ranges of ≤ 600 elements (FR's constant) use a random pivot.
 * - Weighted: quickselect on (loss, weight) pairs permuted together; the pivot is the weighted quantile of a random
 *   sample (Floyd–Rivest's idea with weights, see wSelect), the weight left of the pivot is accumulated by summing
 *   the smaller side of the partition.
 * - Worst case: each selection has a work budget of 8·m + 64 scanned elements (m = its range size, ≈ 3× the expected
 *   work); past it the remaining range is heapsorted (O(m log m)), as introselect does (Musser 1997).
 */
import type { TailResult } from "../types.js";

/** Relative tolerance of the "Σ w ≥ α·W" comparison (see the module comment). */
export const QUANTILE_REL_TOL = 1e-12;
/** Floyd–Rivest: ranges above this size pick their pivot from a recursive sample (the constant of Algorithm 489). */
const FR_CUTOFF = 600;
/** Selection work budget per call: BUDGET_FACTOR·m + BUDGET_SLACK scanned elements before the heapsort fallback. */
const BUDGET_FACTOR = 8;
const BUDGET_SLACK = 64;
/**
 * Tail filter (unweighted, n ≥ FILTER_MIN_N): a stratified random sample of SAMPLE_SIZE losses gives a threshold
 * that lies at or below VaR except with probability ≤ P(Bin(S, p) ≥ ⌈μ + FILTER_Z·σ⌉ + 1), p = (n − k + 1)/n — at
 * FILTER_Z = 4 that is ≤ 1e-4 for every p from 0.1% to 25% (exact binomial tail: 6.3e-5 at p = 1%, S = 4096); one
 * pass keeps only the losses ≥ it, and selection runs on those (≈ 1.7% of n at 99%). A miss is detected exactly
 * (fewer kept than the n − k + 1 losses ≥ VaR) and falls back to selection over all n: it costs time, never bits.
 * S = 4096: 2048 and 8192 measured the same within noise (fewer samples widen the margin, more cost random reads).
 */
const FILTER_MIN_N = 1 << 15;
const SAMPLE_SIZE = 4096;
const FILTER_Z = 4;
/** The filter runs only when the threshold keeps at most this fraction of the sample (else plain selection). */
const FILTER_MAX_FRACTION = 0.25;
/** Seed of the sampling xorshift32, reset at every call so results do not depend on call history (any odd value). */
const RNG_SEED = 0x2545f491;
const MAX = Number.MAX_VALUE;

let rngX = RNG_SEED;
/** xorshift32 (Marsaglia, "Xorshift RNGs", J. Stat. Softw. 8(14) 2003, triple 13/17/5); returns a u32. */
function nextRand(): number {
  let x = rngX;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  rngX = x;
  return x >>> 0;
}

// Reused scratch (grown on demand, never shrunk): the twin allocates nothing per call once warm, like the wasm arena.
let scratchL = new Float64Array(0);
let scratchW = new Float64Array(0);
function ensureScratch(n: number, weighted: boolean): void {
  if (scratchL.length < n) scratchL = new Float64Array(n);
  if (weighted && scratchW.length < n) scratchW = new Float64Array(n);
}

function nanResult(): TailResult {
  return { var: NaN, es: NaN };
}

/** VaR and ES of `pnl` at `confidence` (see the module comment for the exact definitions and the domain). */
export function varEs(pnl: Float64Array, weights: Float64Array | null, confidence: number): TailResult {
  const n = pnl.length;
  if (n === 0 || !(confidence > 0 && confidence < 1)) return nanResult();
  ensureScratch(n, weights !== null);
  rngX = RNG_SEED;
  const a = scratchL;
  if (weights === null) {
    // k = ⌈n·α·(1 − tol)⌉ ∈ [1, n] (the product is > 0 and < n, the clamps are belt and braces)
    let k = Math.ceil(confidence * n * (1 - QUANTILE_REL_TOL));
    if (k < 1) k = 1;
    if (k > n) k = n;
    const need = n - k + 1; // VaR = L_(k) is the need-th largest loss
    const up = n >= FILTER_MIN_N ? sampleUpperCount(n, need) : 0;
    if (up > 0) {
      // tail filter: threshold = the sample's up-th largest loss (P(thr > VaR) ≤ P(Bin(S, need/n) ≥ up), tiny)
      if (!sampleLosses(pnl, n, a)) return nanResult(); // a non-finite P&L anywhere → NaN, no need to look further
      frSelect(a, 0, SAMPLE_SIZE - 1, SAMPLE_SIZE - up);
      const negThr = 0 - a[SAMPLE_SIZE - up]!; // p ≤ −thr ⇔ 0 − p ≥ thr (negation is exact; ±0 compare equal)
      // one pass: check every P&L, keep the losses ≥ thr in index order (the SIMD build keeps the same order)
      let c = 0;
      for (let i = 0; i < n; i++) {
        const p = pnl[i]!;
        if (!(Math.abs(p) <= MAX)) return nanResult();
        if (p <= negThr) a[c++] = 0 - p;
      }
      if (c >= need) {
        // every dropped loss is < thr ≤ every kept one, so L_(k) is the kept loss of ascending rank k − (n − c)
        const r = c - need;
        frSelect(a, 0, c - 1, r);
        const v = a[r]!;
        return { var: v, es: v + excessSum(a, r + 1, c, v) / ((1 - confidence) * n) };
      }
      // the sample overshot (thr > VaR): full selection over all losses (already checked finite)
      for (let i = 0; i < n; i++) a[i] = 0 - pnl[i]!;
    } else {
      for (let i = 0; i < n; i++) {
        const l = 0 - pnl[i]!;
        if (!(Math.abs(l) <= MAX)) return nanResult();
        a[i] = l;
      }
    }
    frSelect(a, 0, n - 1, k - 1);
    const v = a[k - 1]!;
    return { var: v, es: v + excessSum(a, k, n, v) / ((1 - confidence) * n) };
  }

  const w = scratchW;
  let w0 = 0;
  let w1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const l0 = 0 - pnl[i]!;
    const l1 = 0 - pnl[i + 1]!;
    const u0 = weights[i]!;
    const u1 = weights[i + 1]!;
    if (!(Math.abs(l0) <= MAX && Math.abs(l1) <= MAX && u0 >= 0 && u1 >= 0)) return nanResult();
    a[i] = l0;
    a[i + 1] = l1;
    w[i] = u0;
    w[i + 1] = u1;
    w0 += u0;
    w1 += u1;
  }
  if (i < n) {
    const l0 = 0 - pnl[i]!;
    const u0 = weights[i]!;
    if (!(Math.abs(l0) <= MAX && u0 >= 0)) return nanResult();
    a[i] = l0;
    w[i] = u0;
    w0 += u0;
  }
  const total = w0 + w1;
  if (!(total > 0 && total <= MAX)) return nanResult();
  const target = confidence * total * (1 - QUANTILE_REL_TOL);
  const p = wSelect(a, w, 0, n - 1, 0, total, target);
  const v = a[p]!;
  let s0 = 0;
  let s1 = 0;
  let j = p + 1;
  for (; j + 1 < n; j += 2) {
    s0 += w[j]! * (a[j]! - v);
    s1 += w[j + 1]! * (a[j + 1]! - v);
  }
  if (j < n) s0 += w[j]! * (a[j]! - v);
  return { var: v, es: v + (s0 + s1) / ((1 - confidence) * total) };
}

/** Largest c with c³ ≤ m (exact: Math.cbrt's last-bit error is corrected, so both backends agree). */
function icbrt(m: number): number {
  let c = Math.floor(Math.cbrt(m));
  while (c * c * c > m) c--;
  while ((c + 1) * (c + 1) * (c + 1) <= m) c++;
  return c;
}

/**
 * Size of the tail filter's threshold rank: the threshold is the up-th largest of SAMPLE_SIZE sampled losses, with
 * up = ⌈μ + FILTER_Z·σ⌉ + 1, μ = S·need/n, σ = √(μ·(1 − need/n)) — the binomial count of sampled losses above VaR
 * plus FILTER_Z standard deviations. Returns 0 (no filter) when up > S·FILTER_MAX_FRACTION: the tail is not small
 * enough for the filter to pay.
 */
function sampleUpperCount(n: number, need: number): number {
  const f = need / n;
  const mu = SAMPLE_SIZE * f;
  const up = Math.ceil(mu + FILTER_Z * Math.sqrt(mu * (1 - f))) + 1;
  return up <= SAMPLE_SIZE * FILTER_MAX_FRACTION ? up : 0;
}

/**
 * The tail filter's sample: a[s] = the loss at one position drawn uniformly (xorshift32) from stratum s, the s-th of
 * SAMPLE_SIZE contiguous strata [⌊s·n/S⌋, ⌊(s+1)·n/S⌋) (n ≥ FILTER_MIN_N: every stratum holds ≥ 8 positions).
 * Stratified rather than simple random: the count of sampled losses above VaR is then a sum of independent
 * Bernoullis with mean S·p (up to the ±1 stratum sizes), whose tails are no heavier than those of Bin(S, p)
 * (Hoeffding 1956, Theorem 4), so FILTER_Z's bound holds; on sorted or trending P&L vectors (grid scenarios) it is
 * far tighter, and the reads walk memory forwards. Returns false if a sampled P&L is not finite.
 * see: W. Hoeffding, "On the distribution of the number of successes in independent trials", Ann. Math. Stat. 27
 * (1956) 713–721.
 */
function sampleLosses(pnl: Float64Array, n: number, a: Float64Array): boolean {
  let lo = 0;
  for (let s = 0; s < SAMPLE_SIZE; s++) {
    const hi = Math.floor(((s + 1) * n) / SAMPLE_SIZE); // exact: (s + 1)·n < 2^53 and S is a power of 2
    const l = 0 - pnl[lo + (nextRand() % (hi - lo))]!;
    if (!(Math.abs(l) <= MAX)) return false;
    a[s] = l;
    lo = hi;
  }
  return true;
}

/** Σ_{i=from}^{to−1} (a[i] − v) in two lanes (even/odd offsets from `from`), the order of the SIMD build. */
function excessSum(a: Float64Array, from: number, to: number, v: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = from;
  for (; i + 1 < to; i += 2) {
    s0 += a[i]! - v;
    s1 += a[i + 1]! - v;
  }
  if (i < to) s0 += a[i]! - v;
  return s0 + s1;
}

/**
 * Floyd–Rivest SELECT (Algorithm 489) on a[left..right]: afterwards a[k] holds the value of rank k − left in that
 * range, a[left..k−1] ≤ a[k] ≤ a[k+1..right]. No NaN allowed in the range (the caller checked).
 */
function frSelect(a: Float64Array, left: number, right: number, k: number): void {
  let budget = BUDGET_FACTOR * (right - left + 1) + BUDGET_SLACK;
  while (right > left) {
    const m = right - left + 1;
    budget -= m;
    if (budget < 0) {
      heapSort(a, left, right);
      return;
    }
    if (m > FR_CUTOFF) {
      // sample window of size s ≈ ½·m^(2/3) around k, shifted by sd so that the pivot lands on k's far side
      // with high probability (Algorithm 489; ln m approximated by ⌊log2 m⌋·ln 2 — it only sizes a heuristic)
      const i = k - left + 1;
      const c = icbrt(m);
      const s = 0.5 * c * c;
      const z = (31 - Math.clz32(m)) * Math.LN2;
      const h = 0.5 * Math.sqrt((z * s * (m - s)) / m);
      const sd = 2 * i < m ? -h : 2 * i > m ? h : 0;
      let nl = Math.floor(k - (i * s) / m + sd);
      let nr = Math.floor(k + ((m - i) * s) / m + sd);
      if (nl < left) nl = left;
      if (nr > right) nr = right;
      for (let p = nl; p <= nr; p++) {
        const q = left + (nextRand() % m);
        const t = a[p]!;
        a[p] = a[q]!;
        a[q] = t;
      }
      frSelect(a, nl, nr, k);
    } else {
      const q = left + (nextRand() % m);
      const t = a[k]!;
      a[k] = a[q]!;
      a[q] = t;
    }
    // partition around t = a[k] (Algorithm 489's sentinel scheme: no bounds checks in the inner scans)
    const t = a[k]!;
    let i = left;
    let j = right;
    a[k] = a[left]!;
    a[left] = t;
    if (a[right]! > t) {
      a[left] = a[right]!;
      a[right] = t;
    }
    while (i < j) {
      const x = a[i]!;
      a[i] = a[j]!;
      a[j] = x;
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) {
      const x = a[left]!;
      a[left] = a[j]!;
      a[j] = x;
    } else {
      j++;
      const x = a[j]!;
      a[j] = a[right]!;
      a[right] = x;
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** In-place ascending heapsort of a[lo..hi] (the bounded fallback of the selections). */
function heapSort(a: Float64Array, lo: number, hi: number): void {
  const m = hi - lo + 1;
  for (let r = (m >> 1) - 1; r >= 0; r--) siftDown(a, lo, r, m);
  for (let end = m - 1; end > 0; end--) {
    const x = a[lo]!;
    a[lo] = a[lo + end]!;
    a[lo + end] = x;
    siftDown(a, lo, 0, end);
  }
}

function siftDown(a: Float64Array, lo: number, root: number, size: number): void {
  const x = a[lo + root]!;
  let r = root;
  for (;;) {
    let c = 2 * r + 1;
    if (c >= size) break;
    if (c + 1 < size && a[lo + c + 1]! > a[lo + c]!) c++;
    if (!(a[lo + c]! > x)) break;
    a[lo + r] = a[lo + c]!;
    r = c;
  }
  a[lo + r] = x;
}

function swapPair(a: Float64Array, w: Float64Array, i: number, j: number): void {
  const x = a[i]!;
  a[i] = a[j]!;
  a[j] = x;
  const y = w[i]!;
  w[i] = w[j]!;
  w[j] = y;
}

/**
 * Weighted quickselect over the pairs (a, w)[left..right] of weight wRange, with weight wBelow left of the range:
 * returns the position p of VaR, the smallest a with wBelow + Σ_{a_i ≤ a} w_i ≥ target, with
 * a[left..p−1] ≤ a[p] ≤ a[p+1..right] (ES reads the part above p).
 * Invariant: wBelow (the weight left of [left, right], all ≤ the range) < target ≤ wBelow + wRange.
 * Pivot: for ranges above FR_CUTOFF, the weighted quantile of a random sample of ½·m^(2/3) pairs (found by this
 * function, recursively), at the target's fraction f of the range weight moved by 3 standard errors
 * (3·√(f(1 − f)/s)) towards the middle, so that the target usually falls in the smaller part — Floyd and Rivest's
 * idea carried over to weights. Smaller ranges: the max, min or median of three random elements (by whether f is in
 * the top, bottom or middle third).
 */
function wSelect(
  a: Float64Array, w: Float64Array, left: number, right: number, wBelow: number, wRange: number, target: number,
): number {
  let budget = BUDGET_FACTOR * (right - left + 1) + BUDGET_SLACK;
  for (;;) {
    if (left >= right) return left;
    const m = right - left + 1;
    budget -= m;
    if (budget < 0) return wHeapScan(a, w, left, right, wBelow, target);
    const f = (target - wBelow) / wRange;
    let q = -1;
    if (m > FR_CUTOFF) {
      const c = icbrt(m);
      const s = Math.floor(0.5 * c * c);
      for (let p = left; p < left + s; p++) swapPair(a, w, p, left + (nextRand() % m));
      const ws = sumRange(w, left, left + s);
      if (ws > 0) {
        const d = 3 * Math.sqrt((f * (1 - f)) / s);
        let fs = f > 0.5 ? f - d : f + d;
        if (fs < 0) fs = 0;
        if (fs > 1) fs = 1;
        q = wSelect(a, w, left, left + s - 1, 0, ws, fs * ws);
      }
    }
    if (q < 0) {
      const r1 = left + (nextRand() % m);
      const r2 = left + (nextRand() % m);
      const r3 = left + (nextRand() % m);
      const x1 = a[r1]!;
      const x2 = a[r2]!;
      const x3 = a[r3]!;
      if (f > 2 / 3) q = x1 >= x2 ? (x1 >= x3 ? r1 : r3) : x2 >= x3 ? r2 : r3;
      else if (f < 1 / 3) q = x1 <= x2 ? (x1 <= x3 ? r1 : r3) : x2 <= x3 ? r2 : r3;
      else q = x1 < x2 ? (x2 < x3 ? r2 : x1 < x3 ? r3 : r1) : x1 < x3 ? r1 : x2 < x3 ? r3 : r2;
    }
    // the same sentinel partition as frSelect, moving weights with their losses
    const t = a[q]!;
    swapPair(a, w, left, q);
    if (a[right]! > t) swapPair(a, w, left, right);
    let i = left;
    let j = right;
    while (i < j) {
      swapPair(a, w, i, j);
      i++;
      j--;
      while (a[i]! < t) i++;
      while (a[j]! > t) j--;
    }
    if (a[left] === t) swapPair(a, w, left, j);
    else {
      j++;
      swapPair(a, w, j, right);
    }
    // a[left..j−1] ≤ t = a[j] ≤ a[j+1..right]; sum the smaller side, derive the other from wRange
    const wp = w[j]!;
    let wl: number;
    let wr: number;
    if (j - left <= right - j) {
      wl = sumRange(w, left, j);
      wr = wRange - wl - wp;
    } else {
      wr = sumRange(w, j + 1, right + 1);
      wl = wRange - wr - wp;
    }
    if (wBelow + wl >= target) {
      if (j === left) return j; // unreachable in exact arithmetic (wl would be 0): guards rounding
      right = j - 1;
      wRange = wl;
    } else if (wBelow + wl + wp >= target) {
      return j;
    } else {
      if (j === right) return j; // likewise unreachable in exact arithmetic
      wBelow = wBelow + wl + wp;
      left = j + 1;
      wRange = wr;
    }
  }
}

/** Σ w[from..to−1] in two lanes (even/odd offsets from `from`), the order of the SIMD build. */
function sumRange(w: Float64Array, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let i = from;
  for (; i + 1 < to; i += 2) {
    s0 += w[i]!;
    s1 += w[i + 1]!;
  }
  if (i < to) s0 += w[i]!;
  return s0 + s1;
}

/** Fallback of wSelect: heapsort the pairs of [left, right] and scan the cumulative weight. */
function wHeapScan(a: Float64Array, w: Float64Array, left: number, right: number, wBelow: number, target: number): number {
  const m = right - left + 1;
  for (let r = (m >> 1) - 1; r >= 0; r--) wSiftDown(a, w, left, r, m);
  for (let end = m - 1; end > 0; end--) {
    swapPair(a, w, left, left + end);
    wSiftDown(a, w, left, 0, end);
  }
  let cum = wBelow;
  for (let p = left; p <= right; p++) {
    cum += w[p]!;
    if (cum >= target) return p;
  }
  return right;
}

function wSiftDown(a: Float64Array, w: Float64Array, lo: number, root: number, size: number): void {
  let r = root;
  for (;;) {
    let c = 2 * r + 1;
    if (c >= size) break;
    if (c + 1 < size && a[lo + c + 1]! > a[lo + c]!) c++;
    if (!(a[lo + c]! > a[lo + r]!)) break;
    swapPair(a, w, lo + r, lo + c);
    r = c;
  }
}

/** Exposed for the tests only: the heapsort fallbacks cannot be reached through the public API on purpose. */
export const _testing = {
  heapSort,
  wHeapScan,
  frSelect,
  FILTER_MIN_N,
  SAMPLE_SIZE,
  sampleUpperCount,
  /** The positions varEs samples for the tail filter at size n (through sampleLosses itself, on losses = indices). */
  sampleIndices(n: number): Float64Array {
    const idx = Float64Array.from({ length: n }, (_, i) => 0 - i);
    const out = new Float64Array(SAMPLE_SIZE);
    rngX = RNG_SEED;
    sampleLosses(idx, n, out);
    return out;
  },
};

/**
 * `worse(i, j)`: scenario i ranks before scenario j in `worst` — a larger loss (smaller P&L), ties to the lower index.
 * A NaN P&L ranks before every number (even a −∞ P&L), so a broken scenario surfaces first instead of hiding.
 */
function worse(pnl: Float64Array, i: number, j: number): boolean {
  const pi = pnl[i]!;
  const pj = pnl[j]!;
  if (pi !== pi) return pj !== pj ? i < j : true;
  if (pj !== pj) return false;
  return pi < pj || (pi === pj && i < j);
}

/**
 * Indices of the k largest losses, worst first (ties: lower index first; NaN P&L counts as the largest loss).
 * k is truncated to an integer and clamped to [0, min(n, out.length)]. One pass with a bounded heap of size k kept in
 * `out` itself (root = the least bad kept), O(n log k); then an in-place heapsort puts the worst first.
 */
export function worst(pnl: Float64Array, k: number, out: Int32Array): Int32Array {
  const n = pnl.length;
  let kk = Math.min(k, n, out.length);
  kk = kk >= 1 ? Math.floor(kk) : 0;
  if (kk === 0) return out.subarray(0, 0);
  for (let i = 0; i < kk; i++) {
    // sift up: the parent must be less bad than the child
    let c = i;
    while (c > 0) {
      const p = (c - 1) >> 1;
      const pi = out[p]!;
      if (!worse(pnl, pi, i)) break;
      out[c] = pi;
      c = p;
    }
    out[c] = i;
  }
  let root = out[0]!;
  let rp = pnl[root]!;
  for (let i = kk; i < n; i++) {
    const x = pnl[i]!;
    // i > every kept index, so an equal P&L never displaces; NaN displaces any number
    if (x < rp || (x !== x && rp === rp)) {
      heapReplaceRoot(pnl, out, kk, i);
      root = out[0]!;
      rp = pnl[root]!;
    }
  }
  for (let end = kk - 1; end > 0; end--) {
    const top = out[0]!;
    heapReplaceRoot(pnl, out, end, out[end]!);
    out[end] = top;
  }
  return out.subarray(0, kk);
}

/** Puts `idx` at the root of the heap h[0..size−1] and sifts it down (children must be worse than parents). */
function heapReplaceRoot(pnl: Float64Array, h: Int32Array, size: number, idx: number): void {
  let r = 0;
  for (;;) {
    let c = 2 * r + 1;
    if (c >= size) break;
    if (c + 1 < size && worse(pnl, h[c]!, h[c + 1]!)) c++;
    const hc = h[c]!;
    if (!worse(pnl, idx, hc)) break;
    h[r] = hc;
    r = c;
  }
  h[r] = idx;
}

/**
 * Histogram of `x` in `out.length` equal-width bins over [lo, hi]: out[b] = count (or Σ weights) of the x with
 * ⌊(x − lo)·bins/(hi − lo)⌋ = b; values below lo go to bin 0, values ≥ hi (and +∞) to the last bin (so hi itself
 * is counted, in the last bin). `out` is overwritten.
 * - NaN x is skipped (its weight too): the counts then sum to n minus the NaN count, which the caller can check;
 *   the engine validates P&L before it gets here. Weights are added as given (a NaN weight makes its bin NaN).
 * - Domain: bins = 0 → no-op; lo, hi not finite, lo ≥ hi, hi − lo overflowing or so small that bins/(hi − lo)
 *   overflows → every bin NaN.
 */
export function histogram(x: Float64Array, weights: Float64Array | null, lo: number, hi: number, out: Float64Array): Float64Array {
  const bins = out.length;
  if (bins === 0) return out;
  const width = hi - lo;
  const scale = bins / width;
  if (!(width > 0 && width <= MAX && scale <= MAX && Math.abs(lo) <= MAX)) return out.fill(NaN);
  out.fill(0);
  const last = bins - 1;
  const n = x.length;
  if (weights === null) {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (v !== v) continue;
      const t = Math.floor((v - lo) * scale);
      const b = (t < 0 ? 0 : t > last ? last : t) | 0;
      out[b]! += 1;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (v !== v) continue;
      const t = Math.floor((v - lo) * scale);
      const b = (t < 0 ? 0 : t > last ? last : t) | 0;
      out[b]! += weights[i]!;
    }
  }
  return out;
}
