// A volatility surface from raw-SVI slices (one per expiry), interpolated in total implied variance at fixed
// log-moneyness k = ln(K/F(t)):
//
//   t ≤ t₁ (before the first slice):  w(k, t) = w₁(k)·t/t₁           — constant implied vol σ₁(k) back to t = 0
//   tᵢ ≤ t ≤ tᵢ₊₁:                    w(k, t) = wᵢ(k) + (t − tᵢ)/(tᵢ₊₁ − tᵢ)·(wᵢ₊₁(k) − wᵢ(k))   — linear in t
//   t ≥ tₙ (after the last slice):    w(k, t) = wₙ(k)·t/tₙ           — constant implied vol σₙ(k)
//
// Linear interpolation of total variance in t at fixed k keeps the surface free of calendar arbitrage wherever the
// slices are (w non-decreasing in t at fixed forward log-moneyness is the no-calendar-arbitrage condition for
// deterministic rates and no discrete dividends: Gatheral & Jacquier, "Arbitrage-free SVI volatility surfaces",
// Quantitative Finance 14(1), 2014, Lemma 2.1 and §2.2; Gatheral, "The Volatility Surface", Wiley 2006, ch. 3).
// Both extrapolations are increasing in t too. Butterfly-freeness of the slices is NOT in general inherited by the
// interpolated smiles in between (Gatheral & Jacquier §5 interpolate prices for that); arbitrage() reports the slices
// and the consecutive pairs as they are — nothing is repaired.
//
// The caller supplies the forward F(t) for the (K, T) it asks about (vol()), or works in k directly (totalVariance()).
import { sviButterflyCheck, sviTotalVariance, validateSviParams, type SviParams } from "./svi.js";

export interface ExpirySlice {
  /** expiry instant, ms since the epoch */
  expiry: number;
  /** time to expiry in years (> 0) */
  t: number;
  /** forward of this expiry (> 0) */
  forward: number;
  /** raw-SVI total variance in k = ln(K/forward) */
  svi: SviParams;
  /** optional quoted k-range of the fit (SviFit.kMin/kMax): the arbitrage checks then cover it ± a margin */
  kMin?: number;
  kMax?: number;
}

export interface ArbitrageReport {
  /** Gatheral's g(k) ≥ 0 per slice (see sviDensity) */
  butterfly: { expiry: number; ok: boolean; minDensity: number; at?: number }[];
  /** w(k, t₂) − w(k, t₁) ≥ 0 for each consecutive pair; `worst` is its minimum over the grid, `at` where */
  calendar: { from: number; to: number; ok: boolean; worst: number; at?: number }[];
}

export interface ArbitrageOptions {
  /** check every slice on this k-range instead of each slice's own (both bounds required together) */
  kMin?: number;
  kMax?: number;
  /** grid points per check (default 801) */
  points?: number;
}

/**
 * Relative tolerance of the calendar check: each w is a handful of operations (a few ulps), so two slices that agree
 * exactly may differ by ~1e-15 relative; 1e-12 of w is far below any tradable difference (5e-13 relative in vol).
 */
export const CALENDAR_TOLERANCE = 1e-12;

export class VolSurface {
  /** the slices sorted by t (copies) */
  readonly slices: readonly ExpirySlice[];
  private readonly ts: Float64Array;

  /** Validates every slice (throws an Error naming the slice and field) and sorts them by t. */
  constructor(slices: ExpirySlice[]) {
    if (!Array.isArray(slices) || slices.length === 0) throw new Error(`VolSurface: need at least one expiry slice (got ${Array.isArray(slices) ? 0 : typeof slices})`);
    const copies = slices.map((s, i) => {
      const what = `VolSurface: slices[${i}]`;
      if (s === null || typeof s !== "object") throw new Error(`${what} must be an object { expiry, t, forward, svi } (got ${s})`);
      if (typeof s.expiry !== "number" || !Number.isFinite(s.expiry)) throw new Error(`${what}.expiry must be a finite ms timestamp (got ${s.expiry})`);
      if (typeof s.t !== "number" || !(s.t > 0) || !Number.isFinite(s.t)) throw new Error(`${what}.t must be a finite number of years > 0 (got ${s.t})`);
      if (typeof s.forward !== "number" || !(s.forward > 0) || !Number.isFinite(s.forward)) throw new Error(`${what}.forward must be a finite number > 0 (got ${s.forward})`);
      if (s.svi === null || typeof s.svi !== "object") throw new Error(`${what}.svi must be { a, b, rho, m, sigma } (got ${s.svi})`);
      validateSviParams(s.svi, `${what}.svi`);
      if ((s.kMin === undefined) !== (s.kMax === undefined)) throw new Error(`${what}: kMin and kMax go together (got kMin=${s.kMin}, kMax=${s.kMax})`);
      if (s.kMin !== undefined && !(Number.isFinite(s.kMin) && Number.isFinite(s.kMax) && s.kMin <= s.kMax!)) {
        throw new Error(`${what}: kMin ≤ kMax must be finite (got kMin=${s.kMin}, kMax=${s.kMax})`);
      }
      return { ...s, svi: { ...s.svi } };
    });
    copies.sort((x, y) => x.t - y.t);
    for (let i = 1; i < copies.length; i++) {
      if (copies[i]!.t === copies[i - 1]!.t) {
        throw new Error(`VolSurface: two slices at the same t = ${copies[i]!.t} (expiries ${copies[i - 1]!.expiry} and ${copies[i]!.expiry})`);
      }
    }
    this.slices = copies;
    this.ts = Float64Array.from(copies, (s) => s.t);
  }

  /** Total implied variance w(k, t) (t ≥ 0 years, k = ln(K/F(t))), interpolated as in the header. */
  totalVariance(k: number, t: number): number {
    if (typeof k !== "number" || Number.isNaN(k)) throw new Error(`VolSurface.totalVariance: k must be a number (got ${k})`);
    if (typeof t !== "number" || !(t >= 0) || !Number.isFinite(t)) throw new Error(`VolSurface.totalVariance: t must be a finite number of years ≥ 0 (got ${t})`);
    const ts = this.ts;
    const n = ts.length;
    const s = this.slices;
    if (t <= ts[0]!) return sviTotalVariance(s[0]!.svi, k) * (t / ts[0]!); // t/t₁ = 1 exactly at t₁
    if (t >= ts[n - 1]!) return sviTotalVariance(s[n - 1]!.svi, k) * (t / ts[n - 1]!);
    // binary search for consecutive lo, hi with ts[lo] ≤ t < ts[hi] (at ts[lo] the weight of hi is exactly 0)
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! <= t) lo = mid;
      else hi = mid;
    }
    const t0 = ts[lo]!;
    const t1 = ts[hi]!;
    const w0 = sviTotalVariance(s[lo]!.svi, k);
    const w1 = sviTotalVariance(s[hi]!.svi, k);
    return w0 + ((t - t0) / (t1 - t0)) * (w1 - w0);
  }

  /** Implied vol at strike K and time t (years > 0), given the forward F(t) of that expiry: √(w(ln(K/F), t)/t). */
  vol(strike: number, t: number, forward: number): number {
    if (typeof strike !== "number" || !(strike > 0) || !Number.isFinite(strike)) throw new Error(`VolSurface.vol: strike must be a finite number > 0 (got ${strike})`);
    if (typeof forward !== "number" || !(forward > 0) || !Number.isFinite(forward)) throw new Error(`VolSurface.vol: forward must be a finite number > 0 (got ${forward})`);
    if (typeof t !== "number" || !(t > 0) || !Number.isFinite(t)) throw new Error(`VolSurface.vol: t must be a finite number of years > 0 (got ${t})`);
    return Math.sqrt(this.totalVariance(Math.log(strike / forward), t) / t);
  }

  /**
   * Butterfly check per slice (Gatheral's g ≥ 0) and calendar check per consecutive pair (w(k, tᵢ₊₁) ≥ w(k, tᵢ)) on
   * dense k-grids. The range of a slice is options.kMin..kMax if given, else its quoted range kMin..kMax ± half its
   * width (at least 0.05), else ±max(0.1, 6·√w(0)) around k = 0 (six ATM standard deviations of ln K). A pair is
   * checked on the union of its two ranges.
   */
  arbitrage(options: ArbitrageOptions = {}): ArbitrageReport {
    const n = options.points ?? 801;
    if (!(Number.isInteger(n) && n >= 2)) throw new Error(`VolSurface.arbitrage: points must be an integer ≥ 2 (got ${n})`);
    if ((options.kMin === undefined) !== (options.kMax === undefined)) {
      throw new Error(`VolSurface.arbitrage: kMin and kMax go together (got kMin=${options.kMin}, kMax=${options.kMax})`);
    }
    if (options.kMin !== undefined && !(Number.isFinite(options.kMin) && Number.isFinite(options.kMax) && options.kMin < options.kMax!)) {
      throw new Error(`VolSurface.arbitrage: need finite kMin < kMax (got kMin=${options.kMin}, kMax=${options.kMax})`);
    }
    const ranges = this.slices.map((s): [number, number] => {
      if (options.kMin !== undefined) return [options.kMin, options.kMax!];
      if (s.kMin !== undefined && s.kMax !== undefined) {
        const margin = Math.max(0.05, 0.5 * (s.kMax - s.kMin));
        return [s.kMin - margin, s.kMax + margin];
      }
      const h = Math.max(0.1, 6 * Math.sqrt(Math.max(0, sviTotalVariance(s.svi, 0))));
      return [-h, h];
    });
    const butterfly = this.slices.map((s, i) => {
      const [lo, hi] = ranges[i]!;
      return { expiry: s.expiry, ...sviButterflyCheck(s.svi, lo, hi, n) };
    });
    const calendar: ArbitrageReport["calendar"] = [];
    for (let i = 0; i + 1 < this.slices.length; i++) {
      const s0 = this.slices[i]!;
      const s1 = this.slices[i + 1]!;
      const lo = Math.min(ranges[i]![0], ranges[i + 1]![0]);
      const hi = Math.max(ranges[i]![1], ranges[i + 1]![1]);
      let worst = Infinity;
      let at = lo;
      let ok = true;
      for (let j = 0; j < n; j++) {
        const k = j === n - 1 ? hi : lo + ((hi - lo) * j) / (n - 1);
        const w0 = sviTotalVariance(s0.svi, k);
        const w1 = sviTotalVariance(s1.svi, k);
        const gap = w1 - w0;
        if (gap < worst) {
          worst = gap;
          at = k;
        }
        if (gap < -CALENDAR_TOLERANCE * Math.abs(w0)) ok = false;
      }
      calendar.push({ from: s0.expiry, to: s1.expiry, ok, worst, at });
    }
    return { butterfly, calendar };
  }
}
