// Book valuation after pricing: per-position values and Greeks from the options' Black-76 outputs, and their sums per
// underlying — the per-position arithmetic of a mark-to-market in one pass, so a valuation is two kernel calls
// (black76, then this) over columns that stay in wasm memory between them.
//
// The definitions (units, signs, the inverse transform, what a missing entry price means) are documented once, in the
// TS twin (packages/kernels/src/js/portfolio.ts); this file performs the same IEEE operations in the same order, so
// every backend gives identical bits. In short, per position i with q = quantity, F = forward, S = spot[underlying]:
//   option (row j = optionRow[i] ≥ 0; price/Greeks are USD per unit, from a non-inverse black76 call):
//     mark = inverse ? price·(1/F) : price, markUsd = inverse ? mark·S : price, value = q·mark, valueUsd = q·markUsd,
//     delta = q·Δ, premium-adjusted delta = inverse ? delta − value : delta, gamma = q·Γ, vega = q·ν·0.01 (per vol
//     point), theta = q·θ·(1/365) (per day), unrealised P&L = q·(mark − entry);
//   future/perpetual (row −1): mark = markUsd = F, value = unrealised P&L from the entry price (inverse: q·F·(1/e − 1/F),
//     linear: q·(F − e); 0 without an entry price), valueUsd = inverse ? value·S : value, delta = q, the rest 0.
//   entry price NaN = unknown: unrealised P&L is NaN (the host reads "absent").
// An index out of range (row ∉ [−1, nOptions), underlying ∉ [0, nUnderlyings)) → a NaN row, left out of the sums,
// and counted in the return value (the host treats a non-zero count as a bug: it built the indices itself).
//
// Output layout (column-major blocks, host-allocated):
//   out  (PORTFOLIO_COLUMNS × n):  mark, markUsd, value, valueUsd, unrealisedPnl, delta, premiumAdjustedDelta,
//                                  gamma, vega, theta — column c of position i at out + 8·(c·n + i)
//   sums (PORTFOLIO_SUMS × nUnderlyings): delta, premiumAdjustedDelta, gamma, vega, theta, valueUsd — summed in
//                                  position order from 0 (the twin's order)
// The loop is scalar in both builds: it is a few multiplies per position next to black76's exp/log/N(·), and its
// gathers (row, underlying) would cost a SIMD version more than they save.

/** vega per 1.00 vol → per vol point (0.01), and theta per year → per calendar day: multiplies, not divisions
 *  (a division costs ~4× a multiply and this pass is division-bound); the twin uses the same two doubles */
const PER_VOL_POINT: f64 = 0.01;
const PER_DAY: f64 = 1.0 / 365.0;

const COL_MARK: i32 = 0;
const COL_MARK_USD: i32 = 1;
const COL_VALUE: i32 = 2;
const COL_VALUE_USD: i32 = 3;
const COL_UPNL: i32 = 4;
const COL_DELTA: i32 = 5;
const COL_PA_DELTA: i32 = 6;
const COL_GAMMA: i32 = 7;
const COL_VEGA: i32 = 8;
const COL_THETA: i32 = 9;
const PORTFOLIO_COLUMNS: i32 = 10;

const SUM_DELTA: i32 = 0;
const SUM_PA_DELTA: i32 = 1;
const SUM_GAMMA: i32 = 2;
const SUM_VEGA: i32 = 3;
const SUM_THETA: i32 = 4;
const SUM_VALUE_USD: i32 = 5;
const PORTFOLIO_SUMS: i32 = 6;

// @ts-ignore: decorator
@inline
function put(out: usize, n: i32, c: i32, i: i32, x: f64): void {
  store<f64>(out + ((<usize>(c * n + i)) << 3), x);
}

// @ts-ignore: decorator
@inline
function add(sums: usize, nu: i32, c: i32, u: i32, x: f64): void {
  const p = sums + ((<usize>(c * nu + u)) << 3);
  store<f64>(p, load<f64>(p) + x);
}

/** Returns the number of positions with an index out of range (0 for a well-formed book). */
export function portfolioAggregate(
  n: i32, nOptions: i32, nUnderlyings: i32,
  optionRow: usize, underlying: usize, inverse: usize, quantity: usize, forward: usize, entryPrice: usize, spot: usize,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize,
  out: usize, sums: usize,
): i32 {
  for (let k = 0; k < PORTFOLIO_SUMS * nUnderlyings; k++) store<f64>(sums + ((<usize>k) << 3), 0.0);
  let invalid = 0;
  for (let i = 0; i < n; i++) {
    const j = load<i32>(optionRow + ((<usize>i) << 2));
    const u = load<i32>(underlying + ((<usize>i) << 2));
    if (j < -1 || j >= nOptions || u < 0 || u >= nUnderlyings) {
      for (let c = 0; c < PORTFOLIO_COLUMNS; c++) put(out, n, c, i, NaN);
      invalid++;
      continue;
    }
    const inv = load<i32>(inverse + ((<usize>i) << 2)) != 0;
    const q = load<f64>(quantity + ((<usize>i) << 3));
    const F = load<f64>(forward + ((<usize>i) << 3));
    const e = load<f64>(entryPrice + ((<usize>i) << 3));
    const S = load<f64>(spot + ((<usize>u) << 3));
    let mark: f64, markUsd: f64, value: f64, valueUsd: f64, upnl: f64;
    let d: f64, pad: f64, g: f64, v: f64, th: f64;
    if (j >= 0) {
      const o = (<usize>j) << 3;
      const usd = load<f64>(price + o);
      mark = inv ? usd * (1.0 / F) : usd;
      markUsd = inv ? mark * S : usd;
      value = q * mark;
      valueUsd = q * markUsd;
      upnl = e != e ? NaN : q * (mark - e);
      d = q * load<f64>(delta + o);
      pad = inv ? d - value : d;
      g = q * load<f64>(gamma + o);
      v = q * load<f64>(vega + o) * PER_VOL_POINT;
      th = q * load<f64>(theta + o) * PER_DAY;
    } else {
      mark = F;
      markUsd = F;
      value = e != e ? 0.0 : inv ? q * F * (1.0 / e - 1.0 / F) : q * (F - e);
      valueUsd = inv ? value * S : value;
      upnl = e != e ? NaN : value;
      d = q;
      pad = q;
      g = 0.0;
      v = 0.0;
      th = 0.0;
    }
    put(out, n, COL_MARK, i, mark);
    put(out, n, COL_MARK_USD, i, markUsd);
    put(out, n, COL_VALUE, i, value);
    put(out, n, COL_VALUE_USD, i, valueUsd);
    put(out, n, COL_UPNL, i, upnl);
    put(out, n, COL_DELTA, i, d);
    put(out, n, COL_PA_DELTA, i, pad);
    put(out, n, COL_GAMMA, i, g);
    put(out, n, COL_VEGA, i, v);
    put(out, n, COL_THETA, i, th);
    add(sums, nUnderlyings, SUM_DELTA, u, d);
    add(sums, nUnderlyings, SUM_PA_DELTA, u, pad);
    add(sums, nUnderlyings, SUM_GAMMA, u, g);
    add(sums, nUnderlyings, SUM_VEGA, u, v);
    add(sums, nUnderlyings, SUM_THETA, u, th);
    add(sums, nUnderlyings, SUM_VALUE_USD, u, valueUsd);
  }
  return invalid;
}
