// Joint spot–volatility moves: an implied-vol shock tied to the spot move, so options see vol rise in sell-offs.
//
// Estimation: ordinary least squares of the implied-vol index change on the spot log return over the same interval,
//     y_t = a + β·x_t + e_t,   x_t = ln(S_t / S_{t−h}),   y_t = V_t / V_{t−h} − 1 ("relative") or ln(V_t / V_{t−h}) ("log"),
// on the spot history's grid, inside the span both histories cover, where both series have a value at both ends (no
// spanning of gaps: a change next to a missing DVOL day, an empty cell or a date absent from the vol file, is dropped
// and counted). β's standard error is the classical OLS one, √(s²/Σ(x − x̄)²) with s² = RSS/(n − 2);
// for overlapping h > 1 returns it is too small (the residuals are autocorrelated), so it is only reported for
// non-overlapping returns (h = 1 or overlapping: false), and NaN otherwise. R² = 1 − RSS/TSS.
// The regression is on contemporaneous changes of an implied-vol index (Deribit DVOL: 30-day implied volatility of
// BTC options, annualised percent); it measures how the level of implied vol moves with spot, not the skew.
//
// Use: a configured or fitted link turns a spot log move x into a vol multiplier:
//     relative: σ' = σ·max(floor, 1 + β·x),   log: σ' = σ·exp(β·x)
// (β < 0 in crypto: vol rises when spot falls). The floor (default 0.05) keeps the relative form positive for
// large rallies.
import { described, fail } from "../errors.js";
import type { PriceHistory } from "./returns.js";

export type VolChange = "relative" | "log";

export interface SpotVolRegressionOptions {
  /** spot column of `spot` (default its first asset) */
  spotAsset?: string;
  /** vol column of `vol` (default its first asset) */
  volAsset?: string;
  /** "relative" (default) or "log" vol change */
  volChange?: VolChange;
  /** first and last date of the PRICE window (inclusive, ISO strings) */
  from?: string;
  to?: string;
  /** rows per change (default 1) */
  horizon?: number;
  /** every row (true) or every h-th from the last (false, default) for h > 1 */
  overlapping?: boolean;
}

export interface SpotVolRegression {
  beta: number;
  /** OLS standard error of β (NaN for overlapping multi-row changes, see the file comment) */
  standardError: number;
  intercept: number;
  rSquared: number;
  /** Pearson correlation of x and y */
  correlation: number;
  /** residual standard deviation √(RSS/(n − 2)) */
  residualStd: number;
  observations: number;
  /** dates with a spot or vol change that were dropped because the other series had no value at one end */
  dropped: number;
  /** first and last end date of the changes used */
  from: string;
  to: string;
  volChange: VolChange;
  horizon: number;
}

/**
 * Regresses implied-vol changes on spot log returns on the spot grid, vol matched by date label (see the file comment).
 * `spot` and `vol` are price histories (parsePriceCsv: the shared crypto CSV and the DVOL CSV read with
 * { columns: ["dvol_close"] }).
 */
export function spotVolRegression(spot: PriceHistory, vol: PriceHistory, options: SpotVolRegressionOptions = {}): SpotVolRegression {
  const volChange = options.volChange ?? "relative";
  if (volChange !== "relative" && volChange !== "log") fail("spotVolRegression.volChange", '"relative" or "log"', volChange);
  const h = options.horizon ?? 1;
  if (!Number.isInteger(h) || h < 1) fail("spotVolRegression.horizon", "an integer ≥ 1", h);
  const overlapping = (options.overlapping ?? false) && h > 1;
  const sCol = pickColumn("spotVolRegression.spotAsset", spot, options.spotAsset);
  const vCol = pickColumn("spotVolRegression.volAsset", vol, options.volAsset);
    const vIndex = new Map<string, number>();
  vol.dates.forEach((d, i) => vIndex.set(d, i));
  const dates: string[] = [];
  const S: number[] = [];
  const V: number[] = [];
  // the spot file's grid is the grid: inside the span both files cover, a label absent from the vol file is a missing
  // vol value (not spanned), like an empty cell
  const lo = spot.dates[0]! > vol.dates[0]! ? spot.dates[0]! : vol.dates[0]!;
  const hi = spot.dates.at(-1)! < vol.dates.at(-1)! ? spot.dates.at(-1)! : vol.dates.at(-1)!;
  for (let i = 0; i < spot.dates.length; i++) {
    const d = spot.dates[i]!;
    if (d < lo || d > hi) continue;
    if ((options.from !== undefined && d < options.from) || (options.to !== undefined && d > options.to)) continue;
    const j = vIndex.get(d);
    dates.push(d);
    S.push(sCol[i]!);
    V.push(j === undefined ? NaN : vCol[j]!);
  }
  const ends: number[] = [];
  if (overlapping || h === 1) for (let i = h; i < dates.length; i++) ends.push(i);
  else for (let i = dates.length - 1; i >= h; i -= h) ends.unshift(i);
  const xs: number[] = [];
  const ys: number[] = [];
  const used: string[] = [];
  let dropped = 0;
  for (const i of ends) {
    const x = Math.log(S[i]! / S[i - h]!);
    const y = volChange === "log" ? Math.log(V[i]! / V[i - h]!) : V[i]! / V[i - h]! - 1;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      dropped++;
      continue;
    }
    xs.push(x);
    ys.push(y);
    used.push(dates[i]!);
  }
  const n = xs.length;
  if (n < 3) fail("spotVolRegression", "at least 3 dates where both spot and vol changes exist", described(`${n} in ${options.from ?? "start"}..${options.to ?? "end"}`));
  let mx = 0;
  let my = 0;
  for (let k = 0; k < n; k++) {
    mx += xs[k]!;
    my += ys[k]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < n; k++) {
    const dx = xs[k]! - mx;
    const dy = ys[k]! - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (!(sxx > 0)) fail("spotVolRegression", "spot returns that vary", described("constant spot"));
  const beta = sxy / sxx;
  const intercept = my - beta * mx;
  const rss = Math.max(0, syy - beta * sxy);
  const s2 = rss / (n - 2);
  return {
    beta,
    standardError: overlapping ? NaN : Math.sqrt(s2 / sxx),
    intercept,
    rSquared: syy > 0 ? 1 - rss / syy : 0,
    correlation: syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0,
    residualStd: Math.sqrt(s2),
    observations: n,
    dropped,
    from: used[0]!,
    to: used[n - 1]!,
    volChange,
    horizon: h,
  };
}

function pickColumn(path: string, history: PriceHistory, name: string | undefined): Float64Array {
  if (!history || !Array.isArray(history.assets) || !Array.isArray(history.prices) || !Array.isArray(history.dates) || history.dates.length === 0) fail(path.replace(/\.\w+$/, ""), "a non-empty PriceHistory { dates, assets, prices }", history);
  const j = name === undefined ? 0 : history.assets.indexOf(name);
  if (j < 0) fail(path, `one of ${history.assets.join(", ")}`, name);
  return history.prices[j]!;
}

/** A spot–vol link: β per unit of spot log return, in the relative or log form, with the relative form's floor. */
export interface SpotVolLink {
  beta: number;
  volChange: VolChange;
  /** lowest multiplier of the relative form (default 0.05) */
  floor?: number;
}

/** Checks a configured link (β finite; floor in (0, 1]). */
export function validateSpotVolLink(link: SpotVolLink, path = "spotVolLink"): void {
  if (!link || typeof link !== "object") fail(path, "{ beta, volChange }", link);
  if (typeof link.beta !== "number" || !Number.isFinite(link.beta)) fail(`${path}.beta`, "a finite number (vol change per unit spot log return)", link.beta);
  if (link.volChange !== "relative" && link.volChange !== "log") fail(`${path}.volChange`, '"relative" or "log"', link.volChange);
  if (link.floor !== undefined && !(typeof link.floor === "number" && link.floor > 0 && link.floor <= 1)) fail(`${path}.floor`, "a multiplier in (0, 1]", link.floor);
}

/** A relative link's floor (default 0.05: vol falls by at most 95 %). */
export function linkFloor(link: SpotVolLink): number {
  return link.floor ?? 0.05;
}

/** The vol multiplier for a spot log move x: max(floor, 1 + βx) (relative) or exp(βx) (log). */
export function spotVolMultiplier(link: SpotVolLink, spotLogMove: number): number {
  validateSpotVolLink(link);
  if (typeof spotLogMove !== "number" || !Number.isFinite(spotLogMove)) fail("spotVolMultiplier.spotLogMove", "a finite log return", spotLogMove);
  return link.volChange === "log" ? Math.exp(link.beta * spotLogMove) : Math.max(linkFloor(link), 1 + link.beta * spotLogMove);
}
