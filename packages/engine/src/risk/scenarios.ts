// Scenario generators for VaR/ES margin: historical simulation (HS), filtered historical simulation (FHS) and Monte
// Carlo (MC, Gaussian or Student-t copula). Every scenario is a joint move of every asset asked for: a spot log return
// and, through a spot–vol link, a relative implied-vol shift (the `Scenarios` layout of portfolio.ts, row-major
// scenarios × assets, in the order of `assets`). All three are deterministic: HS/FHS are functions of the data, MC of
// its seed (the same numbers on the js and wasm backends, as the kernels' RNG is bit-identical).
//
// Horizon: a scenario is one return of the series it is built from, so the margin horizon is the return horizon
// (logReturns' `horizon`, in rows of the price file: 1 row of a daily file = 1 day, 8 rows of an hourly file = 8 hours,
// overlapping or not as stated on the ReturnSeries). MC covariances are per horizon (the caller scales them).
import { linkedShift, linkRange, SpotVolLinkKind, type Kernels, type ScenarioRowsInputs } from "@offset/kernels";
import { described, fail } from "../errors.js";
import { repairPd } from "../linalg.js";
import type { Scenarios } from "../portfolio.js";
import type { ReturnSeries } from "./returns.js";
import type { SpotVolLink } from "./spot-vol.js";
import { linkFloor, validateSpotVolLink } from "./spot-vol.js";
import { ewmaVolatility, fitGarch, type Innovations } from "./volatility.js";

/** A set of joint scenarios with what a margin report needs to explain them (MC sets derive volShift on first read). */
export interface ScenarioSet extends Scenarios {
  method: "hs" | "fhs" | "mc";
  /** columns of spotLogReturn/volShift, in order */
  assets: string[];
  /** the date each HS/FHS scenario comes from (the end of its return); MC: undefined */
  labels?: string[];
  /** scenario weights (stressed-period weighting); undefined = equal */
  weights?: Float64Array;
  /** 1 for scenarios from the stressed window (HS/FHS with `stressed`), else 0; MC: undefined */
  stressed?: Uint8Array;
  /** FHS: per asset, today's (forecast) volatility used to rescale and the floor applied, per return period */
  volatility?: { forecast: number[]; used: number[] };
  /** MC: index of the base draw of each antithetic scenario (−1 for base draws) is s − half; see `antitheticFrom` */
  antitheticFrom?: number;
  /**
   * The links volShift was filled with (volShift[s,u] = volShiftAt(volLinks, asset u, spotLogReturn[s,u]); null: no
   * vol moves), so every scenario lies on one curve per asset — the ES fast path then tabulates P&L along it (1-D).
   * Undefined when the vol shifts are not known to be a function of the spot move.
   */
  volLinks?: SpotVolLinks | null;
  /**
   * Per asset the least and greatest spot log return and vol shift, set by the generators (the ES fast path's grid
   * bounds, without another pass over the set). Like volLinks it describes the moves as generated: delete it (and
   * volLinks) after changing the moves in place.
   */
  range?: ScenarioRange;
}

/** lo[u], hi[u]: the least and greatest spot log return of asset u; lo[n + u], hi[n + u] of its vol shift. */
export interface ScenarioRange {
  lo: Float64Array;
  hi: Float64Array;
}

/** The vol link applied to every asset, or one per asset (missing assets: no vol move). Default: no vol move. */
export type SpotVolLinks = SpotVolLink | Record<string, SpotVolLink>;

function linkFor(links: SpotVolLinks | undefined, asset: string): SpotVolLink | undefined {
  if (links === undefined) return undefined;
  if (typeof (links as SpotVolLink).beta === "number") return links as SpotVolLink;
  return (links as Record<string, SpotVolLink>)[asset];
}

/** A link's kind (SpotVolLinkKind) as the kernels take it. */
function kindOf(link: SpotVolLink): number {
  return link.volChange === "log" ? SpotVolLinkKind.log : SpotVolLinkKind.relative;
}

/** Per asset, the link's kind (SpotVolLinkKind), β and floor: the kernels' table (`scenarioRows`, `linkRange`). */
function linkTable(assets: readonly string[], links: SpotVolLinks | undefined): Pick<ScenarioRowsInputs, "kind" | "beta" | "floor"> {
  const U = assets.length;
  const t = { kind: new Int32Array(U).fill(SpotVolLinkKind.none), beta: new Float64Array(U), floor: new Float64Array(U) };
  for (let u = 0; u < U; u++) {
    const link = linkFor(links, assets[u]!);
    if (link === undefined) continue;
    validateSpotVolLink(link, `spotVol.${assets[u]}`);
    t.kind[u] = kindOf(link);
    t.beta[u] = link.beta;
    t.floor[u] = linkFloor(link);
  }
  return t;
}

/**
 * The set with `volShift` derived from its spot moves through the links on first read (then kept; assignable like a
 * plain field). MC sets are made so: their vol shifts are a function of the spot moves, and the fast path, which
 * tabulates P&L along that curve, never reads them — 8 bytes per move neither written nor allocated.
 */
function withDerivedVolShift(sc: Omit<ScenarioSet, "volShift">, t: Pick<ScenarioRowsInputs, "kind" | "beta" | "floor">): ScenarioSet {
  let v: Float64Array | undefined;
  return Object.defineProperty(sc as ScenarioSet, "volShift", {
    enumerable: true,
    configurable: true,
    get: () => {
      if (v === undefined) {
        const n = sc.assets.length;
        v = new Float64Array(sc.count * n);
        linkRange(sc.spotLogReturn, v, sc.count, n, t.kind, t.beta, t.floor, emptyRange(n));
      }
      return v;
    },
    set: (value: Float64Array) => {
      v = value;
    },
  });
}

/** Bounds to fold moves into (ScenarioRowsOutputs' layout: x lo, v lo, x hi, v hi; n each). */
function emptyRange(n: number): Float64Array {
  return new Float64Array(4 * n).fill(Infinity, 0, 2 * n).fill(-Infinity, 2 * n);
}

function rangeOf(bounds: Float64Array, n: number): ScenarioRange {
  return { lo: bounds.subarray(0, 2 * n), hi: bounds.subarray(2 * n, 4 * n) };
}

/**
 * Fills volShift from spotLogReturn through each asset's link — relative max(floor, 1 + βx) − 1, log e^{βx} − 1 — and
 * records the links and the moves' range on the set (the kernels' `linkRange`, one scenario-major pass).
 */
export function applySpotVolLinks(sc: Scenarios & Pick<ScenarioSet, "volLinks" | "range">, assets: readonly string[], links: SpotVolLinks | undefined): void {
  const U = assets.length;
  const t = linkTable(assets, links);
  const bounds = emptyRange(U);
  linkRange(sc.spotLogReturn, sc.volShift, sc.count, U, t.kind, t.beta, t.floor, bounds);
  sc.volLinks = links ?? null;
  sc.range = rangeOf(bounds, U);
}

/** The relative vol shift applySpotVolLinks gives `asset` at spot log move x (the kernels' linkedShift; 0 without a link). */
export function volShiftAt(links: SpotVolLinks | null | undefined, asset: string, x: number): number {
  const link = linkFor(links ?? undefined, asset);
  if (link === undefined) return 0;
  return linkedShift(kindOf(link), link.beta, linkFloor(link), x);
}

/** Rows [start, end) of a return series by count (the last `window` before `end`) or dates. */
export interface WindowOptions {
  /** the assets to take, in the order wanted (default: the series' columns) */
  assets?: string[];
  /** number of returns in the lookback (default: all before `end`) */
  window?: number;
  /** the as-of point: returns up to this date label (inclusive), or row index `endRow` (exclusive); default all */
  asOf?: string;
  endRow?: number;
  /** a stressed period (dates inclusive) whose returns get `stressWeight` of the total probability */
  stressed?: { from: string; to: string };
  /** share of the probability on the stressed scenarios (default 0.25, EMIR RTS 153/2013 art. 28(1)(b)) */
  stressWeight?: number;
  spotVol?: SpotVolLinks;
}

interface Rows {
  cols: number[];
  assets: string[];
  end: number;
  rows: number[];
  stressed: Uint8Array;
  weights: Float64Array | undefined;
}

function pickRows(path: string, r: ReturnSeries, o: WindowOptions): Rows {
  if (!r || !(r.data instanceof Float64Array) || !Array.isArray(r.assets)) fail(path, "a ReturnSeries (logReturns / returnsFromCsv)", r);
  const assets = o.assets ?? r.assets;
  const cols = assets.map((a, i) => {
    const c = r.assets.indexOf(a);
    if (c < 0) fail(`${path}.assets[${i}]`, `one of the history's assets (${r.assets.join(", ")})`, a);
    return c;
  });
  let end = r.rows;
  if (o.endRow !== undefined) {
    if (!Number.isSafeInteger(o.endRow) || o.endRow < 1 || o.endRow > r.rows) fail(`${path}.endRow`, `a row in [1, ${r.rows}]`, o.endRow);
    end = o.endRow;
  } else if (o.asOf !== undefined) {
    let e = 0;
    while (e < r.rows && r.dates[e]! <= o.asOf) e++;
    if (e === 0) fail(`${path}.asOf`, `a date on or after the first return (${r.dates[0]})`, o.asOf);
    end = e;
  }
  const window = o.window ?? end;
  if (!Number.isSafeInteger(window) || window < 1) fail(`${path}.window`, "a positive number of returns", window);
  const start = Math.max(0, end - window);
  const rows: number[] = [];
  for (let i = start; i < end; i++) rows.push(i);
  const isStressed: number[] = rows.map(() => 0);
  if (o.stressed !== undefined) {
    const { from, to } = o.stressed;
    if (typeof from !== "string" || typeof to !== "string" || from > to) fail(`${path}.stressed`, "{ from, to } date labels, from ≤ to", o.stressed);
    let found = 0;
    for (let i = 0; i < r.rows; i++) {
      const d = r.dates[i]!;
      if (d < from || d > to) continue;
      found++;
      if (i >= start && i < end) isStressed[i - start] = 1;
      else {
        rows.push(i);
        isStressed.push(1);
      }
    }
    if (found === 0) fail(`${path}.stressed`, "a period with returns in the history", `${from}..${to}`);
  }
  for (let i = 0; i < rows.length; i++) {
    for (const c of cols) {
      const x = r.data[rows[i]! * r.columns + c]!;
      if (!Number.isFinite(x)) fail(`${path}`, `returns for every asset on ${r.dates[rows[i]!]} (use missing: "common")`, described(`${x} for ${r.assets[c]}`));
    }
  }
  const stressed = Uint8Array.from(isStressed);
  let weights: Float64Array | undefined;
  if (o.stressed !== undefined) {
    const sw = o.stressWeight ?? 0.25;
    if (!(sw >= 0 && sw <= 1)) fail(`${path}.stressWeight`, "a share in [0, 1]", sw);
    let ns = 0;
    for (const x of stressed) ns += x;
    const nn = rows.length - ns;
    weights = new Float64Array(rows.length);
    // equal weights within each group; a group that is empty gives its share to the other
    const ws = nn === 0 ? 1 / ns : sw / ns;
    const wn = nn === 0 ? 0 : ns === 0 ? 1 / nn : (1 - sw) / nn;
    for (let i = 0; i < rows.length; i++) weights[i] = stressed[i] ? ws : wn;
  }
  return { cols, assets, end, rows, stressed, weights };
}

function emptySet(method: ScenarioSet["method"], assets: string[], count: number): ScenarioSet {
  const U = assets.length;
  return { method, assets, count, spotLogReturn: new Float64Array(count * U), volShift: new Float64Array(count * U) };
}

/**
 * Historical simulation: every return of the lookback window (and of the stressed period, if any) is a scenario,
 * applied to today's book as it happened. Labels are the return dates.
 */
export function historicalScenarios(returns: ReturnSeries, options: WindowOptions = {}): ScenarioSet {
  const p = pickRows("historicalScenarios", returns, options);
  const U = p.assets.length;
  const sc = emptySet("hs", p.assets, p.rows.length);
  for (let s = 0; s < p.rows.length; s++) {
    const row = p.rows[s]! * returns.columns;
    for (let u = 0; u < U; u++) sc.spotLogReturn[s * U + u] = returns.data[row + p.cols[u]!]!;
  }
  applySpotVolLinks(sc, p.assets, options.spotVol);
  sc.labels = p.rows.map((i) => returns.dates[i]!);
  sc.stressed = p.stressed;
  if (p.weights) sc.weights = p.weights;
  return sc;
}

/** The volatility filter of FHS. */
export type VolFilter =
  /** EWMA (RiskMetrics): λ default 0.94; σ²₀ = the mean square of the first `seedReturns` (default 30) returns */
  | { model: "ewma"; lambda?: number; seedReturns?: number }
  /** GARCH(1,1) fitted by ML on the returns up to the as-of point (zero mean), normal or t innovations */
  | { model: "garch"; distribution?: Innovations };

export interface FilteredOptions extends WindowOptions {
  vol?: VolFilter;
  /** per-asset lowest volatility used to rescale (per return period), e.g. the 10-year anti-procyclicality floor */
  volFloor?: readonly number[];
}

/**
 * Filtered historical simulation (Barone-Adesi, Giannopoulos & Vosper 1999; Hull & White 1998): each asset's return
 * is devolatised by its conditional volatility at the time, z_t = r_t / σ_t, and rescaled to today's forecast:
 * scenario = z_t · σ_{T+1}, σ_{T+1} the forecast after the last return of the as-of point (EWMA's σ[n], GARCH's
 * σ[n]). The filter runs over every return up to the as-of point (not only the lookback window) so σ_t is warm.
 * see: G. Barone-Adesi, K. Giannopoulos, L. Vosper, "VaR without correlations for portfolios of derivative
 * securities", J. Futures Markets 19(5) 1999; J. Hull, A. White, "Incorporating volatility updating into the
 * historical simulation method for value-at-risk", J. Risk 1(1) 1998.
 */
export function filteredHistoricalScenarios(returns: ReturnSeries, options: FilteredOptions = {}): ScenarioSet {
  const p = pickRows("filteredHistoricalScenarios", returns, options);
  const U = p.assets.length;
  const vol = options.vol ?? { model: "ewma" as const };
  const forecast: number[] = [];
  const used: number[] = [];
  const sigmas: Float64Array[] = [];
  for (let u = 0; u < U; u++) {
    const col = new Float64Array(p.end);
    for (let i = 0; i < p.end; i++) col[i] = returns.data[i * returns.columns + p.cols[u]!]!;
    let sigma: Float64Array;
    if (vol.model === "ewma") {
      const lambda = vol.lambda ?? 0.94;
      const m = Math.min(vol.seedReturns ?? 30, p.end);
      let v0 = 0;
      for (let i = 0; i < m; i++) v0 += col[i]! * col[i]!;
      sigma = ewmaVolatility(col, { lambda, initialVariance: v0 / m });
    } else if (vol.model === "garch") {
      sigma = fitGarch(col, { distribution: vol.distribution ?? "normal", mean: "zero" }).volatility;
    } else {
      return fail("filteredHistoricalScenarios.vol.model", '"ewma" or "garch"', (vol as { model?: unknown }).model);
    }
    const f = sigma[p.end]!;
    const floor = options.volFloor?.[u] ?? 0;
    if (!(floor >= 0)) fail(`filteredHistoricalScenarios.volFloor[${u}]`, "a volatility ≥ 0", floor);
    forecast.push(f);
    used.push(Math.max(f, floor));
    sigmas.push(sigma);
  }
  const sc = emptySet("fhs", p.assets, p.rows.length);
  for (let s = 0; s < p.rows.length; s++) {
    const i = p.rows[s]!;
    for (let u = 0; u < U; u++) {
      const r = returns.data[i * returns.columns + p.cols[u]!]!;
      // a stressed row after the as-of point has no filtered vol in this run: it is filtered by the last one
      const st = sigmas[u]![Math.min(i, p.end)]!;
      sc.spotLogReturn[s * U + u] = st > 0 ? (r / st) * used[u]! : 0;
    }
  }
  applySpotVolLinks(sc, p.assets, options.spotVol);
  sc.labels = p.rows.map((i) => returns.dates[i]!);
  sc.stressed = p.stressed;
  if (p.weights) sc.weights = p.weights;
  sc.volatility = { forecast, used };
  return sc;
}

export interface MonteCarloOptions {
  assets: string[];
  /** covariance of the log returns over the margin horizon (assets × assets) … */
  covariance?: readonly (readonly number[])[];
  /** … or a correlation matrix with per-asset volatilities over the horizon */
  correlation?: readonly (readonly number[])[];
  vols?: readonly number[];
  /** "gaussian" (default) or a Student-t copula with unit-variance margins, ν > 2 */
  copula?: "gaussian" | { studentT: number };
  scenarios: number;
  seed: number | bigint;
  /** pair every draw with its negation (default true): odd scenario counts keep one unpaired draw */
  antithetic?: boolean;
  /** scenarios per RNG stream (default 65,536): stream c starts c jumps of 2^128 after the seed */
  streamSize?: number;
  /** matrices that are not positive definite: "error" (default) or repaired by eigenvalue clipping / jitter */
  repair?: "error" | "clip" | "jitter";
  spotVol?: SpotVolLinks;
  /** called after each stream with (draws generated, draws in all): progress for long runs; no effect on the draws */
  onProgress?: (done: number, total: number) => void;
}

/** Scenarios per RNG stream by default. */
export const MC_STREAM_SIZE = 65_536;

/**
 * Monte Carlo scenarios: x = L·e (Gaussian copula) or x = √((ν−2)/W)·L·e, W ~ χ²(ν) (multivariate t with
 * unit-variance margins, so the covariance is the one given), L the Cholesky factor of the covariance. Draws come in
 * streams of `streamSize` scenarios, stream c seeded at `seed` advanced by c jumps (2^128 draws each), so a run is
 * reproducible for its seed and stream size whatever the scenario count. With antithetic variates the first
 * ⌈m/2⌉ scenarios are draws and scenario ⌈m/2⌉ + i is the negation of draw i (`antitheticFrom` = ⌈m/2⌉).
 */
export function monteCarloScenarios(k: Kernels, o: MonteCarloOptions): ScenarioSet {
  const path = "monteCarloScenarios";
  if (!o || !Array.isArray(o.assets) || o.assets.length === 0) fail(`${path}.assets`, "a non-empty list of asset names", o?.assets);
  const n = o.assets.length;
  const m = o.scenarios;
  if (!Number.isSafeInteger(m) || m < 1) fail(`${path}.scenarios`, "a positive integer", m);
  const hasCov = o.covariance !== undefined;
  if (hasCov === (o.correlation !== undefined)) fail(path, "exactly one of `covariance` or `correlation` (+ vols)", described(hasCov ? "both" : "neither"));
  const src = (hasCov ? o.covariance : o.correlation)!;
  const a = new Float64Array(n * n);
  if (!Array.isArray(src) || src.length !== n) fail(`${path}.${hasCov ? "covariance" : "correlation"}`, `a ${n}×${n} matrix`, src);
  for (let i = 0; i < n; i++) {
    const row = src[i];
    if (!Array.isArray(row) || row.length !== n) fail(`${path}.matrix[${i}]`, `a row of ${n} numbers`, row);
    for (let j = 0; j < n; j++) {
      const x = row[j];
      if (typeof x !== "number" || !Number.isFinite(x)) fail(`${path}.matrix[${i}][${j}]`, "a finite number", x);
      a[i * n + j] = x;
    }
  }
  if (!hasCov) {
    if (!Array.isArray(o.vols) || o.vols.length !== n) fail(`${path}.vols`, `${n} volatilities (per horizon)`, o.vols);
    for (let i = 0; i < n; i++) if (!(o.vols[i]! >= 0 && Number.isFinite(o.vols[i]))) fail(`${path}.vols[${i}]`, "a volatility ≥ 0", o.vols[i]);
  }
  let nu = 0;
  if (o.copula !== undefined && o.copula !== "gaussian") {
    nu = (o.copula as { studentT?: number })?.studentT ?? NaN;
    if (!(nu > 2 && Number.isFinite(nu))) fail(`${path}.copula`, '"gaussian" or { studentT: ν } with ν > 2', o.copula);
  }
  const streamSize = o.streamSize ?? MC_STREAM_SIZE;
  if (!Number.isSafeInteger(streamSize) || streamSize < 1) fail(`${path}.streamSize`, "a positive integer", streamSize);
  let seed: bigint;
  if (typeof o.seed === "bigint" && o.seed >= 0n && o.seed < 1n << 64n) seed = o.seed;
  else if (typeof o.seed === "number" && Number.isSafeInteger(o.seed) && o.seed >= 0) seed = BigInt(o.seed);
  else return fail(`${path}.seed`, "a non-negative safe integer or a bigint < 2^64", o.seed);

  const l = new Float64Array(n * n);
  let matrix: Float64Array = a;
  if (k.cholesky(n, matrix, l) !== 0) {
    const repair = o.repair ?? "error";
    if (repair === "error") fail(`${path}.matrix`, 'a positive-definite matrix (or repair: "clip" | "jitter")', described(`${n}×${n} matrix`));
    matrix = repairPd(n, a, repair, !hasCov, (x) => k.cholesky(n, x, l) === 0).matrix;
    if (k.cholesky(n, matrix, l) !== 0) fail(`${path}.matrix`, "a matrix that repair can make positive definite", described(`${n}×${n} matrix`));
  }
  if (!hasCov) for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) l[r * n + c] = l[r * n + c]! * o.vols![r]!;

  const antithetic = o.antithetic !== false;
  const draws = antithetic ? Math.ceil(m / 2) : m;
  const links = linkTable(o.assets, o.spotVol);
  const x = new Float64Array(m * n);
  const sc = withDerivedVolShift({ method: "mc", assets: o.assets.slice(), count: m, spotLogReturn: x }, links);
  const inputs: ScenarioRowsInputs = { n, l, nu, ...links };
  const bounds = emptyRange(n);
  const stream = new Uint32Array(8);
  const state = new Uint32Array(8);
  k.rngSeed(stream, seed);
  // base draw s (< draws) is row s; its antithetic mirror 0 − x (a zero draw stays +0) is row draws + s
  for (let first = 0; first < draws; first += streamSize) {
    const rows = Math.min(streamSize, draws - first);
    const mirrors = antithetic ? Math.max(0, Math.min(rows, m - draws - first)) : 0;
    const base = [first * n, (first + rows) * n] as const;
    const mirror = [(draws + first) * n, (draws + first + mirrors) * n] as const;
    state.set(stream);
    k.rngJump(stream);
    k.scenarioRows(inputs, state, rows, mirrors, { x: x.subarray(...base), v: null, mirrorX: x.subarray(...mirror), mirrorV: null, range: bounds });
    o.onProgress?.(first + rows, draws);
  }
  if (antithetic) sc.antitheticFrom = draws;
  sc.volLinks = o.spotVol ?? null;
  sc.range = rangeOf(bounds, n);
  return sc;
}

/**
 * A mixture of two scenario sets over the same assets (e.g. today's MC and a stressed-covariance MC): the first gets
 * (1 − w) of the probability, the second w, equal (or their own relative) weights within each.
 */
export function mixScenarioSets(base: ScenarioSet, stressed: ScenarioSet, w: number): ScenarioSet {
  if (base.assets.join() !== stressed.assets.join()) fail("mixScenarioSets", "sets over the same assets", stressed.assets);
  if (!(w >= 0 && w <= 1)) fail("mixScenarioSets.weight", "a share in [0, 1]", w);
  const U = base.assets.length;
  const count = base.count + stressed.count;
  const out = emptySet(base.method, base.assets, count);
  out.spotLogReturn.set(base.spotLogReturn);
  out.spotLogReturn.set(stressed.spotLogReturn, base.count * U);
  out.volShift.set(base.volShift);
  out.volShift.set(stressed.volShift, base.count * U);
  const weights = new Float64Array(count);
  const fill = (set: ScenarioSet, at: number, share: number) => {
    let total = 0;
    for (let s = 0; s < set.count; s++) total += set.weights ? set.weights[s]! : 1;
    for (let s = 0; s < set.count; s++) weights[at + s] = ((set.weights ? set.weights[s]! : 1) / total) * share;
  };
  fill(base, 0, 1 - w);
  fill(stressed, base.count, w);
  out.weights = weights;
  out.stressed = new Uint8Array(count).fill(1, base.count);
  if (base.volLinks !== undefined && base.volLinks === stressed.volLinks) out.volLinks = base.volLinks;
  const [a, b] = [base.range, stressed.range];
  if (a && b) out.range = { lo: a.lo.map((y, i) => (b.lo[i]! < y ? b.lo[i]! : y)), hi: a.hi.map((y, i) => (y < b.hi[i]! ? b.hi[i]! : y)) };
  if (base.labels && stressed.labels) out.labels = [...base.labels, ...stressed.labels];
  return out;
}
