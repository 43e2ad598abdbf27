// Portfolio margin by Expected Shortfall (the clearing-house method: LCH PAIRS/SMART, Eurex Prisma, OCC STANS):
// scenarios (HS, FHS or MC, risk/scenarios.ts) → P&L of the whole book per scenario (full revaluation, or the fast
// path: per-underlying P&L surfaces evaluated by interpolation) → VaR/ES (kernels' varEs, weighted) → Euler allocation
// → add-ons (liquidity, concentration, anti-procyclicality) → policy (ES alone, or max(grid, ES)) → MarginResult.
//
// Units: USD throughout; P&L positive = gain, losses/margins positive. Shocks are instantaneous (time to expiry
// unchanged), as in portfolio.ts's scenarioPnl: the horizon enters through the size of the moves.
import * as z from "zod";
import { createJsKernels, cubicCoefficients, type Kernels, type PnlSurfaceTables } from "@offset/kernels";
import { fail } from "../errors.js";
import type { Market } from "../market/snapshot.js";
import type { Book } from "../model.js";
import { type ResolvedBook, revaluationInputs, scenarioPnl, type Scenarios } from "../portfolio.js";
import { sampleCovariance, stressedCovariance, ledoitWolf, ewmaCovariance } from "../risk/covariance.js";
import { logReturns, parsePriceCsv, type PriceHistory, type ReturnSeries } from "../risk/returns.js";
import { ewmaVolatility } from "../risk/volatility.js";
import {
  filteredHistoricalScenarios,
  historicalScenarios,
  mixScenarioSets,
  monteCarloScenarios,
  type ScenarioRange,
  type ScenarioSet,
  type SpotVolLinks,
  volShiftAt,
} from "../risk/scenarios.js";
import { parseWith } from "../validate.js";
import { valueBook, type Valuation } from "../valuation.js";
import { gridMargin } from "./grid.js";
import { gridPreset } from "./presets.js";
import { type MarginComponent, type MarginResult, marginStatus, type WorstScenario } from "./result.js";

// ---- full revaluation, chunked ----------------------------------------------------------------------------------

/**
 * Scenarios per scenarioPnl call in `fullPnl`: bounds the scenario columns copied into the wasm arena per call
 * (2 × 65,536 × U doubles); the fused kernel itself holds no scenarios × options rows.
 */
const FULL_CHUNK_SCENARIOS = 1 << 16;

/** Book P&L per scenario by full revaluation (portfolio.ts scenarioPnl, the fused kernel) in chunks of scenarios. */
export function fullPnl(
  k: Kernels, r: ResolvedBook, baseUsd: Float64Array, sc: Scenarios, out = new Float64Array(sc.count), onProgress?: (done: number, total: number) => void,
): Float64Array {
  const U = r.underlyings.length;
  const chunk = FULL_CHUNK_SCENARIOS;
  for (let s = 0; s < sc.count; s += chunk) {
    const e = Math.min(sc.count, s + chunk);
    const part = { count: e - s, spotLogReturn: sc.spotLogReturn.subarray(s * U, e * U), volShift: sc.volShift.subarray(s * U, e * U) };
    out.set(scenarioPnl(k, r, baseUsd, part), s);
    onProgress?.(e, sc.count);
  }
  return out;
}

/**
 * Per-position USD P&L in the scenarios `idx` (rows) — columns: the book's positions in order, then the collateral
 * entries that move with an underlying (`collateralColumns`). The same formulas as scenarioPnl; row sums equal its P&L.
 */
export function positionPnl(k: Kernels, r: ResolvedBook, baseUsd: Float64Array, sc: Scenarios, idx: ArrayLike<number>): { pnl: Float64Array; columns: number } {
  const U = r.underlyings.length;
  const o = r.options;
  const n = o.index.length;
  const P = r.positions.length;
  const coll = r.collateral.filter((c) => c.underlying >= 0);
  const C = P + coll.length;
  const m = idx.length;
  const cols = {
    forward: new Float64Array(m * n),
    strike: new Float64Array(m * n),
    timeToExpiry: new Float64Array(m * n),
    vol: new Float64Array(m * n),
    rate: new Float64Array(m * n),
    isCall: new Int32Array(m * n),
  };
  for (let a = 0; a < m; a++) {
    const s = idx[a]!;
    for (let j = 0; j < n; j++) {
      const u = o.underlying[j]!;
      const at = a * n + j;
      cols.forward[at] = o.forward[j]! * Math.exp(sc.spotLogReturn[s * U + u]!);
      cols.strike[at] = o.strike[j]!;
      cols.timeToExpiry[at] = o.timeToExpiry[j]!;
      cols.vol[at] = Math.max(o.vol[j]! * (1 + sc.volShift[s * U + u]!), 1e-4);
      cols.rate[at] = o.rate[j]!;
      cols.isCall[at] = o.isCall[j]!;
    }
  }
  const price = k.black76Price(cols, false, new Float64Array(m * n));
  const out = new Float64Array(m * C);
  for (let a = 0; a < m; a++) {
    const s = idx[a]!;
    for (let j = 0; j < n; j++) {
      const i = o.index[j]!;
      const p = r.positions[i]!;
      const mult = Math.exp(sc.spotLogReturn[s * U + p.underlying]!);
      const usd = price[a * n + j]!;
      const after = p.inverse ? (usd / (p.forward * mult)) * r.spot[p.underlying]! * mult : usd;
      out[a * C + i] = p.quantity * after - baseUsd[i]!;
    }
    for (let i = 0; i < P; i++) {
      const p = r.positions[i]!;
      if (p.kind === "option") continue;
      const mult = Math.exp(sc.spotLogReturn[s * U + p.underlying]!);
      out[a * C + i] = p.inverse ? p.quantity * (mult - 1) * r.spot[p.underlying]! : p.quantity * p.forward * (mult - 1);
    }
    for (let c = 0; c < coll.length; c++) {
      const e = coll[c]!;
      out[a * C + P + c] = e.amount * e.price * (Math.exp(sc.spotLogReturn[s * U + e.underlying]!) - 1);
    }
  }
  return { pnl: out, columns: C };
}

// ---- fast path: P&L surfaces per underlying ---------------------------------------------------------------------

/**
 * The options of one underlying summed into a P&L table over a uniform grid of spot log returns × relative vol
 * shifts covering the scenarios' range; the linear part (futures, perpetuals, collateral: exactly a·(e^x − 1)) is
 * kept as its coefficient and evaluated exactly. `values[ix·nv + iv]`, USD.
 */
export interface PnlSurface {
  underlying: string;
  x0: number;
  dx: number;
  nx: number;
  v0: number;
  dv: number;
  /**
   * 1 when the table is 1-D in x: every scenario has the same vol shift for this underlying, or (volOnCurve) its vol
   * shift is the spot–vol link's function of its spot move
   */
  nv: number;
  /** the nodes lie on the scenarios' spot–vol curve (ScenarioSet.volLinks): v = volShiftAt(link, x) */
  volOnCurve: boolean;
  values: Float64Array;
  /** USD P&L of the linear positions and collateral per unit of (e^x − 1) */
  linear: number;
  /** options of this underlying */
  options: number;
  /**
   * max |interpolated − fully revalued| over the centres of every grid cell (midpoints in x and in v), where the
   * error of piecewise-cubic interpolation peaks: the a-posteriori error estimate of this surface, USD
   */
  errorEstimate: number;
}

export interface SurfaceOptions {
  /** spot nodes per underlying (default 64, ≥ 4) */
  spotNodes?: number;
  /** vol nodes per underlying when vol shifts vary (default 8, ≥ 4) */
  volNodes?: number;
  /** evaluate the cell centres by full revaluation for `errorEstimate` (default true) */
  check?: boolean;
}

/**
 * 4-point Lagrange weights at local coordinate t ∈ [0, 3] over nodes 0..3 (cubic interpolation, error O(h⁴)·f⁗).
 * see: e.g. W. H. Press et al., Numerical Recipes 3rd ed. §3.2 (Neville/Lagrange polynomial interpolation).
 */
function lagrange4(t: number, w: Float64Array): void {
  const a = t - 1;
  const b = t - 2;
  const c = t - 3;
  w[0] = -(a * b * c) / 6;
  w[1] = (t * b * c) / 2;
  w[2] = -(t * a * c) / 2;
  w[3] = (t * a * b) / 6;
}

/**
 * Per underlying u: lo[u], hi[u] the min/max spot log return, lo[U + u], hi[U + u] of the vol shift — the range of
 * scenarios that do not carry theirs (ScenarioSet.range) — in one scenario-major pass (its own small function, so V8
 * optimises the loop as a whole rather than by on-stack replacement inside a long one-shot function: measured 6 ms vs
 * 40–60 ms on 100,000 × 10).
 */
function scenarioRange(sc: Scenarios, U: number): ScenarioRange {
  const lo = new Float64Array(2 * U).fill(Infinity);
  const hi = new Float64Array(2 * U).fill(-Infinity);
  const xs = sc.spotLogReturn;
  const vs = sc.volShift;
  for (let s = 0; s < sc.count; s++) {
    for (let u = 0, i = s * U; u < U; u++, i++) {
      const x = xs[i]!;
      const v = vs[i]!;
      if (x < lo[u]!) lo[u] = x;
      if (x > hi[u]!) hi[u] = x;
      if (v < lo[U + u]!) lo[U + u] = v;
      if (v > hi[U + u]!) hi[U + u] = v;
    }
  }
  return { lo, hi };
}

/** Builds one surface per underlying of the book over the range of `sc` (one fused revalueScenarios call over every node and check point). */
export function buildSurfaces(k: Kernels, r: ResolvedBook, baseUsd: Float64Array, sc: Scenarios, options: SurfaceOptions = {}): PnlSurface[] {
  const U = r.underlyings.length;
  const nxWanted = options.spotNodes ?? 64;
  const nvWanted = options.volNodes ?? 8;
  if (!Number.isSafeInteger(nxWanted) || nxWanted < 4) fail("surface.spotNodes", "an integer ≥ 4", nxWanted);
  if (!Number.isSafeInteger(nvWanted) || nvWanted < 4) fail("surface.volNodes", "an integer ≥ 4", nvWanted);
  const check = options.check !== false;
  const o = r.options;
  const byU: number[][] = Array.from({ length: U }, () => []);
  for (let j = 0; j < o.index.length; j++) byU[o.underlying[j]!]!.push(j);
  const linear = new Float64Array(U);
  for (const p of r.positions) if (p.kind !== "option") linear[p.underlying]! += p.inverse ? p.quantity * r.spot[p.underlying]! : p.quantity * p.forward;
  for (const c of r.collateral) if (c.underlying >= 0) linear[c.underlying]! += c.amount * c.price;

  const surfaces: PnlSurface[] = [];
  // node (and check) points per underlying: (x, v) pairs
  const pts: { xs: Float64Array; vs: Float64Array }[] = [];
  const { lo, hi } = (sc as Partial<ScenarioSet>).range ?? scenarioRange(sc, U);
  // scenarios whose vol shifts are the spot–vol link's function of the spot move lie on one curve per underlying: the
  // table is then 1-D in x, its nodes and checks on the curve (exact for those scenarios, 8× fewer revaluations)
  const links = (sc as Partial<ScenarioSet>).volLinks;
  const assets = (sc as Partial<ScenarioSet>).assets ?? r.underlyings;
  for (let u = 0; u < U; u++) {
    const xlo = lo[u]!;
    let xhi = hi[u]!;
    const vlo = lo[U + u]!;
    const vhi = hi[U + u]!;
    if (!(xhi >= xlo)) fail("scenarios", "finite spot log returns", xlo);
    if (xhi - xlo < 1e-9) xhi = xlo + 1e-9;
    const onCurve = links !== undefined;
    const nx = nxWanted;
    const nv = !onCurve && vhi - vlo > 1e-12 ? nvWanted : 1;
    const dx = (xhi - xlo) / (nx - 1);
    const dv = nv > 1 ? (vhi - vlo) / (nv - 1) : 0;
    const s: PnlSurface = {
      underlying: r.underlyings[u]!, x0: xlo, dx, nx, v0: vlo, dv, nv, volOnCurve: onCurve, values: new Float64Array(nx * nv), linear: linear[u]!,
      options: byU[u]!.length, errorEstimate: 0,
    };
    surfaces.push(s);
    const nodes = nx * nv;
    const checks = check && s.options > 0 ? (nx - 1) * Math.max(1, nv - 1) : 0;
    const xs = new Float64Array(nodes + checks);
    const vs = new Float64Array(nodes + checks);
    for (let ix = 0; ix < nx; ix++) for (let iv = 0; iv < nv; iv++) ((xs[ix * nv + iv] = xlo + ix * dx), (vs[ix * nv + iv] = vlo + iv * dv));
    let c = nodes;
    if (checks > 0) for (let ix = 0; ix < nx - 1; ix++) for (let iv = 0; iv < Math.max(1, nv - 1); iv++) ((xs[c] = xlo + (ix + 0.5) * dx), (vs[c++] = nv > 1 ? vlo + (iv + 0.5) * dv : vlo));
    if (onCurve) for (let q = 0; q < xs.length; q++) vs[q] = volShiftAt(links, assets[u]!, xs[q]!);
    pts.push({ xs, vs });
  }
  // every underlying's node and check points as the rows of one scenario set (q × U; an underlying with fewer points
  // repeats x = v = 0 past its last), revalued by the fused kernel with the P&L split per underlying
  const Q = pts.reduce((q, p, u) => Math.max(q, surfaces[u]!.options > 0 ? p.xs.length : 0), 0);
  const nodes: Scenarios = { count: Q, spotLogReturn: new Float64Array(Q * U), volShift: new Float64Array(Q * U) };
  for (let u = 0; u < U; u++) {
    if (surfaces[u]!.options === 0) continue;
    const { xs, vs } = pts[u]!;
    for (let q = 0; q < xs.length; q++) ((nodes.spotLogReturn[q * U + u] = xs[q]!), (nodes.volShift[q * U + u] = vs[q]!));
  }
  const per = new Float64Array(Q * U);
  if (Q > 0) k.revalueScenarios(revaluationInputs(r, baseUsd, nodes), new Float64Array(Q), per);
  const w = new Float64Array(4);
  const wv = new Float64Array(4);
  for (let u = 0; u < U; u++) {
    const s = surfaces[u]!;
    if (s.options === 0) continue;
    const { xs } = pts[u]!;
    const vals = Float64Array.from({ length: xs.length }, (_, q) => per[q * U + u]!);
    s.values.set(vals.subarray(0, s.nx * s.nv));
    let err = 0;
    for (let q = s.nx * s.nv; q < xs.length; q++) {
      const e = Math.abs(evalSurface(s, xs[q]!, pts[u]!.vs[q]!, w, wv) - vals[q]!);
      if (e > err) err = e;
    }
    s.errorEstimate = err;
  }
  return surfaces;
}

/**
 * Options part of a surface at (x, v): tensor-product cubic Lagrange on the 4×4 stencil around it; a 1-D table's cell
 * is the same cubic in monomial form, as the kernels' surfaceEval evaluates it.
 */
function evalSurface(s: PnlSurface, x: number, v: number, w: Float64Array, wv: Float64Array): number {
  const tx = (x - s.x0) / s.dx;
  let ix = Math.floor(tx) - 1;
  if (ix < 0) ix = 0;
  else if (ix > s.nx - 4) ix = s.nx - 4;
  const vals = s.values;
  const nv = s.nv;
  if (nv === 1) {
    // the kernels' 1-D cell: the cubic in monomial form
    const tt = tx - ix;
    cubicCoefficients(vals, ix, w, 0);
    return ((w[3]! * tt + w[2]!) * tt + w[1]!) * tt + w[0]!;
  }
  lagrange4(tx - ix, w);
  const tv = (v - s.v0) / s.dv;
  let iv = Math.floor(tv) - 1;
  if (iv < 0) iv = 0;
  else if (iv > nv - 4) iv = nv - 4;
  lagrange4(tv - iv, wv);
  let sum = 0;
  for (let a = 0; a < 4; a++) {
    const row = (ix + a) * nv + iv;
    sum += w[a]! * (wv[0]! * vals[row]! + wv[1]! * vals[row + 1]! + wv[2]! * vals[row + 2]! + wv[3]! * vals[row + 3]!);
  }
  return sum;
}

let twin: Kernels | undefined;
function jsTwin(): Kernels {
  return (twin ??= createJsKernels());
}

/** The surfaces as the kernels' `surfaceEval` tables (one values pool). */
export function surfaceTables(surfaces: readonly PnlSurface[]): PnlSurfaceTables {
  const U = surfaces.length;
  const t: PnlSurfaceTables = {
    x0: new Float64Array(U),
    dx: new Float64Array(U),
    nx: new Int32Array(U),
    v0: new Float64Array(U),
    dv: new Float64Array(U),
    nv: new Int32Array(U),
    offset: new Int32Array(U),
    values: new Float64Array(surfaces.reduce((a, s) => a + s.values.length, 0)),
    linear: new Float64Array(U),
    hasOptions: new Int32Array(U),
  };
  let at = 0;
  for (let u = 0; u < U; u++) {
    const s = surfaces[u]!;
    t.x0[u] = s.x0;
    t.dx[u] = s.dx;
    t.nx[u] = s.nx;
    t.v0[u] = s.v0;
    t.dv[u] = s.dv;
    t.nv[u] = s.nv;
    t.offset[u] = at;
    t.values.set(s.values, at);
    at += s.values.length;
    t.linear[u] = s.linear;
    t.hasOptions[u] = s.options > 0 ? 1 : 0;
  }
  return t;
}

const NO_SHIFTS = new Float64Array(0);

/** Whether evaluating the surfaces reads vol shifts: 2-D tables only (an MC set derives its shifts on first read). */
function readsVolShift(surfaces: readonly PnlSurface[]): boolean {
  return surfaces.some((s) => s.options > 0 && s.nv > 1);
}

/**
 * Book P&L per scenario from the surfaces (the fast path; the kernels' `surfaceEval`: the cubic interpolation of
 * `evalSurface` plus linear·expm1(x) per underlying, summed in underlying order). With `perUnderlying` (count × U)
 * each underlying's share is written too; `idx` evaluates only those scenarios (rows of the output). `k` = the
 * backend (default: the TS twin; every backend gives the same bits). Error per scenario ≤ Σ_u errorEstimate_u as far
 * as the cell centres are representative.
 */
export function surfacePnl(
  surfaces: readonly PnlSurface[], sc: Scenarios, out = new Float64Array(sc.count), perUnderlying?: Float64Array, idx?: ArrayLike<number>, k: Kernels = jsTwin(),
): Float64Array {
  const U = surfaces.length;
  const tables = surfaceTables(surfaces);
  const twoD = readsVolShift(surfaces);
  let x = sc.spotLogReturn;
  let v = twoD ? sc.volShift : NO_SHIFTS;
  const m = idx ? idx.length : sc.count;
  if (idx) {
    x = new Float64Array(m * U);
    v = twoD ? new Float64Array(m * U) : NO_SHIFTS;
    for (let a = 0; a < m; a++) {
      x.set(sc.spotLogReturn.subarray(idx[a]! * U, idx[a]! * U + U), a * U);
      if (twoD) v.set(sc.volShift.subarray(idx[a]! * U, idx[a]! * U + U), a * U);
    }
  }
  return k.surfaceEval(tables, x, v, out.length === m ? out : out.subarray(0, m), perUnderlying ?? null);
}

// ---- risk measures and Euler allocation --------------------------------------------------------------------------

/**
 * The tail's scenario weights τ_s behind ES (Acerbi–Tasche): every scenario with loss > VaR carries its weight, the
 * scenarios at exactly VaR share the remainder (1 − α)·W − Σ_{L>VaR} w in proportion to their weights. Then
 * ES = Σ τ_s·L_s / ((1 − α)·W) exactly, and the Euler (Tasche 1999) contribution of a sub-portfolio i is
 * Σ τ_s·L_{s,i} / ((1 − α)·W): the contributions add up to the ES.
 * see: D. Tasche, "Risk contributions and performance measurement", TU München 1999; C. Acerbi, D. Tasche (2002).
 */
export function tailWeights(pnl: Float64Array, weights: Float64Array | undefined, confidence: number, varLoss: number): { index: Int32Array; tau: Float64Array; denominator: number } {
  const n = pnl.length;
  let W = 0;
  let above = 0;
  let atW = 0;
  const idx: number[] = [];
  for (let s = 0; s < n; s++) {
    const w = weights ? weights[s]! : 1;
    W += w;
    const L = 0 - pnl[s]!;
    if (L > varLoss) ((above += w), idx.push(s));
    else if (L === varLoss) ((atW += w), idx.push(s));
  }
  const denominator = (1 - confidence) * W;
  const rest = Math.max(0, denominator - above);
  const index = Int32Array.from(idx);
  const tau = new Float64Array(index.length);
  for (let a = 0; a < index.length; a++) {
    const s = index[a]!;
    const w = weights ? weights[s]! : 1;
    tau[a] = 0 - pnl[s]! > varLoss ? w : atW > 0 ? (rest * w) / atW : 0;
  }
  return { index, tau, denominator };
}

// ---- the margin method ---------------------------------------------------------------------------------------------

const finitePositive = z.number().positive();
const spotVolSchema = z.strictObject({ beta: z.number(), volChange: z.enum(["relative", "log"]).default("relative"), floor: z.number().gt(0).max(1).optional() });
const dateWindow = z.strictObject({ from: z.string(), to: z.string() });
const perUnderlying = z.union([finitePositive, z.record(z.string(), finitePositive)]);

export const esPolicySchema = z.strictObject({
  method: z.enum(["hs", "fhs", "mc"]),
  /** ES confidence of the margin (VaR/ES are also reported at 97.5, 99 and 99.5 %) */
  confidence: z.number().gt(0).lt(1).default(0.99),
  /** price history: CSV text (`date,ASSET,…`) or a parsed PriceHistory; HS/FHS need it, MC may estimate from it */
  history: z.union([z.string(), z.custom<PriceHistory>((x) => typeof x === "object" && x !== null && Array.isArray((x as PriceHistory).dates))]).optional(),
  /** book underlying → history column, e.g. { BTC: "BTCUSDT" } (default: the same name) */
  columns: z.record(z.string(), z.string()).default({}),
  /** margin horizon in rows of the history (1 day of a daily file; 8 for 8 hours of an hourly file) */
  horizon: z.number().int().positive().default(1),
  /** overlapping horizon returns (default true when horizon > 1: every row is a scenario) */
  overlapping: z.boolean().optional(),
  /** lookback: the last `window` returns (default 1000, or all) up to `asOf` (default the last row) */
  window: z.number().int().positive().optional(),
  asOf: z.string().optional(),
  /** FHS volatility filter */
  vol: z.union([
    z.strictObject({ model: z.literal("ewma"), lambda: z.number().gt(0).lt(1).default(0.94), seedReturns: z.number().int().positive().default(30) }),
    z.strictObject({ model: z.literal("garch"), distribution: z.enum(["normal", "t"]).default("normal") }),
  ]).default({ model: "ewma", lambda: 0.94, seedReturns: 30 }),
  /** MC: a risk model in figures (examples/risk-model.json shape: per-day vols, correlation, tail index, vol beta) */
  model: z
    .strictObject({
      factors: z.array(z.string()).min(1),
      vols: z.array(finitePositive),
      correlation: z.array(z.array(z.number())),
      studentT: z.number().refine((x) => x === 0 || x > 2, { message: "0 (Gaussian) or a number > 2" }).default(0),
      volBeta: z.number().default(0),
      horizonDays: z.number().positive().default(1),
      scenarios: z.number().int().positive().optional(),
      seed: z.number().int().nonnegative().optional(),
      confidence: z.number().gt(0).lt(1).optional(),
      source: z.string().optional(),
    })
    .optional(),
  /** MC from history: the covariance estimator over the lookback (default Ledoit–Wolf) */
  estimator: z
    .union([
      z.strictObject({ method: z.literal("sample") }),
      z.strictObject({ method: z.literal("ewma"), lambda: z.number().gt(0).lt(1).default(0.94) }),
      z.strictObject({ method: z.literal("ledoit-wolf") }),
    ])
    .default({ method: "ledoit-wolf" }),
  /** MC copula (default: the model's studentT, else Gaussian) */
  copula: z.union([z.literal("gaussian"), z.strictObject({ studentT: z.number().gt(2) })]).optional(),
  scenarios: z.number().int().positive().optional(),
  seed: z.union([z.number().int().nonnegative(), z.bigint()]).optional(),
  antithetic: z.boolean().default(true),
  /** spot–vol link for every underlying (default: the model's volBeta, else the DVOL regression β = −0.386) */
  spotVol: z.union([spotVolSchema, z.record(z.string(), spotVolSchema)]).optional(),
  /** "fast" (default): per-underlying P&L surfaces; "full": every option revalued in every scenario */
  revaluation: z.enum(["fast", "full"]).default("fast"),
  surface: z.strictObject({ spotNodes: z.number().int().min(4).optional(), volNodes: z.number().int().min(4).optional(), check: z.boolean().optional() }).default({}),
  /** stressed period: its scenarios get `weight` of the probability (HS/FHS: its returns; MC: its covariance) */
  stressed: z.strictObject({ from: z.string(), to: z.string(), weight: z.number().min(0).max(1).default(0.25) }).optional(),
  addOns: z
    .strictObject({
      /** positions beyond the capacity (USD delta notional liquidated within the horizon) scale their ES by √(T_liq/T) */
      liquidity: z.strictObject({ capacityUsd: perUnderlying, halfSpread: z.number().min(0).default(0.0005), optionHalfSpreadVolPoints: z.number().min(0).default(0.5) }).optional(),
      /** rate × delta notional above the threshold, per underlying */
      concentration: z.strictObject({ thresholdUsd: perUnderlying, rate: z.number().min(0).default(0.02) }).optional(),
      /** anti-procyclicality (EMIR RTS 153/2013 art. 28): buffer share of the ES margin, 10-year floor */
      apc: z.strictObject({ buffer: z.number().min(0).default(0.25), floorYears: z.number().positive().optional(), periodsPerYear: z.number().positive().default(365) }).optional(),
    })
    .default({}),
  /**
   * dynamic margin: the ES margin × today's EWMA(λ) vol / the vol the scenarios carry (per underlying, weighted by
   * the underlyings' positive ES contributions), bounded below by the anti-procyclical bounds (needs `addOns.apc` and
   * a `history`); see dynamicScale and margin/README.md "ES margin: dynamic thresholds"
   */
  dynamic: z.strictObject({ lambda: z.number().gt(0).lt(1).default(0.94), seedReturns: z.number().int().positive().default(30) }).optional(),
  /** IM = max(grid margin of this preset, ES margin) + add-ons; absent: ES margin + add-ons */
  combine: z.strictObject({ grid: z.enum(["deribit", "okx", "span"]), mode: z.enum(["S:PM", "X:PM"]).default("X:PM") }).optional(),
  /** MM = factor × IM */
  maintenanceFactor: z.number().gt(0).max(1).default(0.75),
  worst: z.number().int().min(0).default(10),
  histogramBins: z.number().int().positive().default(40),
  /**
   * progress of long runs: called with the stage, units done and units in all (scenarios) after each chunk of
   * scenario generation (MC: per RNG stream) and revaluation (per 65,536 scenarios). The engine does no I/O: a
   * caller (the CLI) draws the bar. Does not change any result.
   */
  progress: z.custom<EsProgress>((f) => typeof f === "function", { message: "a function (stage, done, total) => void" }).optional(),
});

/** Stages reported to `EsPolicy.progress`, in the order they run (stressed/floor stages only when configured). */
export type EsStage = "scenarios" | "stressed scenarios" | "revaluation" | "floor scenarios" | "floor revaluation";
export type EsProgress = (stage: EsStage, done: number, total: number) => void;

export type EsPolicyInput = z.input<typeof esPolicySchema>;
export type EsPolicy = z.output<typeof esPolicySchema>;

export interface EsMeasure {
  confidence: number;
  var: number;
  es: number;
}

export interface EsDetails {
  method: "hs" | "fhs" | "mc";
  revaluation: "fast" | "full";
  confidence: number;
  var: number;
  es: number;
  /** VaR/ES at 97.5, 99, 99.5 % (and the policy's confidence) */
  measures: EsMeasure[];
  scenarios: number;
  weighted: boolean;
  horizon: string;
  /** HS/FHS: first and last scenario dates of the lookback; asOf */
  window?: { from: string; to: string; asOf: string };
  /** FHS: today's vol forecast and the vol used after the floor, per underlying and period */
  volatility?: { underlying: string; forecast: number; used: number }[];
  /** Euler contributions (USD); Σ byUnderlying = es; Σ byPosition = es − residual (fast path interpolation error) */
  contributions: { byUnderlying: { underlying: string; es: number }[]; byPosition: { instrument: string; es: number }[]; residual: number };
  /** spot moves (simple returns) per underlying in each of the worst scenarios, in `worst` order */
  worstMoves: Record<string, number>[];
  /** fast path: per underlying the surface's error estimate (USD, per scenario) */
  surfaces?: { underlying: string; nodes: [number, number]; errorEstimate: number }[];
  histogram: { lo: number; hi: number; counts: number[] };
  /** the ES margin before add-ons, its floor, and the grid margin when composed */
  esMargin: number;
  floorEs?: number;
  /** policy.dynamic: the vol ratio per underlying, the factor, the static ES margin and the lower bound applied */
  dynamic?: { factor: number; staticMargin: number; bound: number; byUnderlying: { underlying: string; today: number; scenarios: number; ratio: number }[] };
  gridMargin?: number;
}

export interface EsMarginResult extends MarginResult {
  es: EsDetails;
}

/** The ES margin of a book under an `{ method: "hs" | "fhs" | "mc", … }` policy (see esPolicySchema). */
export function esMargin(k: Kernels, book: Book, market: Market, policyInput: unknown): EsMarginResult {
  const policy = parseWith(esPolicySchema, policyInput, "policy");
  const { valuation, resolved } = valueBook(k, book, market);
  return esMarginResolved(k, book, market, valuation, resolved, policy);
}

function historyReturns(policy: EsPolicy, assets: string[]): ReturnSeries | undefined {
  if (policy.history === undefined) return undefined;
  const h = typeof policy.history === "string" ? parsePriceCsv(policy.history) : policy.history;
  const cols = assets.map((a) => policy.columns[a] ?? a);
  for (const [i, c] of cols.entries()) if (!h.assets.includes(c)) fail("policy.columns", `a history column for ${assets[i]} (history has ${h.assets.join(", ")})`, c);
  const overlapping = policy.overlapping ?? policy.horizon > 1;
  const r = logReturns(h, { horizon: policy.horizon, overlapping, assets: cols, missing: "common" });
  return { ...r, assets: assets.slice() };
}

function linksOf(policy: EsPolicy): SpotVolLinks {
  if (policy.spotVol) return policy.spotVol as SpotVolLinks;
  // default: the BTC DVOL regression (risk/spot-vol.ts, README "Risk models"), relative form
  return { beta: policy.model?.volBeta ?? -0.386, volChange: "relative" };
}

function covFrom(returns: ReturnSeries, rows: { start: number; end: number }, est: EsPolicy["estimator"]): number[][] {
  const n = returns.columns;
  const data = returns.data.subarray(rows.start * n, rows.end * n);
  const input = { data, columns: n };
  if (est.method === "sample") return sampleCovariance(input, { ddof: 1 });
  if (est.method === "ewma") return ewmaCovariance(input, { lambda: est.lambda });
  return ledoitWolf(input).covariance;
}

function lookback(returns: ReturnSeries, policy: EsPolicy): { start: number; end: number } {
  let end = returns.rows;
  if (policy.asOf !== undefined) {
    end = 0;
    while (end < returns.rows && returns.dates[end]! <= policy.asOf) end++;
  }
  const window = policy.window ?? 1000;
  return { start: Math.max(0, end - window), end };
}

/** Builds the policy's scenario set in the book's underlying order; `floor` = the 10-year-lookback set of the APC floor. */
export function esScenarios(k: Kernels, underlyings: string[], policy: EsPolicy, floorYears?: number): ScenarioSet {
  const links = linksOf(policy);
  const returns = historyReturns(policy, underlyings);
  const floorWindow = floorYears !== undefined ? Math.round(floorYears * (policy.addOns.apc?.periodsPerYear ?? 365)) : undefined;
  const stressed = policy.stressed;
  if (policy.method === "hs" || policy.method === "fhs") {
    if (!returns) return fail("policy.history", `a price history (CSV text or PriceHistory) for ${policy.method.toUpperCase()}`, undefined);
    const common = {
      assets: underlyings,
      window: floorWindow ?? policy.window ?? 1000,
      spotVol: links,
      ...(policy.asOf !== undefined ? { asOf: policy.asOf } : {}),
      ...(stressed && floorWindow === undefined ? { stressed: { from: stressed.from, to: stressed.to }, stressWeight: stressed.weight } : {}),
    };
    if (policy.method === "hs") return historicalScenarios(returns, common);
    if (floorWindow === undefined) return filteredHistoricalScenarios(returns, { ...common, vol: policy.vol });
    // FHS floor: today's window, rescaled to at least the 10-year sample volatility of each asset
    const lb = lookback(returns, policy);
    const from = Math.max(0, lb.end - floorWindow);
    const volFloor = underlyings.map((_, u) => {
      let s = 0;
      let s2 = 0;
      const m = lb.end - from;
      for (let i = from; i < lb.end; i++) ((s += returns.data[i * returns.columns + u]!), (s2 += returns.data[i * returns.columns + u]! ** 2));
      return Math.sqrt(Math.max(0, (s2 - (s * s) / m) / (m - 1)));
    });
    return filteredHistoricalScenarios(returns, { ...common, window: policy.window ?? 1000, vol: policy.vol, volFloor });
  }
  // Monte Carlo
  const scenarios = policy.scenarios ?? policy.model?.scenarios ?? 100_000;
  const seed = policy.seed ?? policy.model?.seed ?? 1;
  const copula = policy.copula ?? (policy.model && policy.model.studentT > 0 ? { studentT: policy.model.studentT } : "gaussian");
  const progress = policy.progress;
  const mc = (cov: number[][], s: number, sd: number | bigint, stage: EsStage) =>
    monteCarloScenarios(k, {
      assets: underlyings, covariance: cov, copula, scenarios: s, seed: sd, antithetic: policy.antithetic, spotVol: links, repair: "clip",
      ...(progress ? { onProgress: (done: number, total: number) => progress(stage, done, total) } : {}),
    });
  let cov: number[][];
  if (returns && (floorWindow !== undefined || !policy.model)) {
    const lb = lookback(returns, policy);
    cov = covFrom(returns, floorWindow !== undefined ? { start: Math.max(0, lb.end - floorWindow), end: lb.end } : lb, policy.estimator);
  } else if (policy.model) {
    const md = policy.model;
    const h = Math.sqrt(md.horizonDays);
    const f = underlyings.map((u) => {
      const i = md.factors.indexOf(u);
      if (i < 0) fail("policy.model.factors", `an entry for ${u} (the book holds ${u} instruments)`, md.factors);
      return i;
    });
    cov = f.map((i) => f.map((j) => md.vols[i]! * h * md.vols[j]! * h * md.correlation[i]![j]!));
  } else {
    return fail("policy", "a risk `model` (figures) or a `history` to estimate one from, for MC", undefined);
  }
  const base = mc(cov, scenarios, seed, floorWindow !== undefined ? "floor scenarios" : "scenarios");
  if (!stressed || floorWindow !== undefined) return base;
  if (!returns) return fail("policy.history", "a price history to estimate the stressed covariance from", undefined);
  const sCov = stressedCovariance(returns, { window: { from: stressed.from, to: stressed.to } }).covariance;
  // the stressed draws use an independent stream family: seed + 1 (documented; any distinct seed would do)
  const st = mc(sCov, scenarios, BigInt(seed) + 1n, "stressed scenarios");
  return mixScenarioSets(base, st, stressed.weight);
}

const REPORTED = [0.975, 0.99, 0.995];

/**
 * The dynamic-threshold factor (policy.dynamic). Per underlying u:
 *   today_u     = the EWMA(λ) volatility forecast after the last 1-row log return up to `asOf` (ewmaVolatility, σ²₀ the
 *                 mean square of the first `seedReturns` returns) × √horizon (HS/FHS: horizon rows; MC: the model's
 *                 horizonDays, i.e. a daily history is assumed),
 *   scenarios_u = the (weighted) standard deviation of u's spot log return over the scenario set: the vol the ES
 *                 was computed with,
 *   ratio_u     = today_u / scenarios_u;
 * factor = Σ_u c_u·ratio_u / Σ_u c_u with c_u = max(0, ES contribution of u) (equal weights when no c_u > 0).
 * FHS scenarios already carry today's vol, so its factor is ≈ 1 by construction; HS and MC move with it.
 */
function dynamicScale(underlyings: string[], policy: EsPolicy, sc: ScenarioSet, undEs: Float64Array): NonNullable<EsDetails["dynamic"]> & { factor: number } {
  const d = policy.dynamic!;
  if (policy.history === undefined) return fail("policy.history", "a price history for today's EWMA vol (policy.dynamic)", undefined);
  const h = typeof policy.history === "string" ? parsePriceCsv(policy.history) : policy.history;
  const cols = underlyings.map((a) => policy.columns[a] ?? a);
  const daily = logReturns(h, { horizon: 1, overlapping: false, assets: cols, missing: "common" });
  let end = daily.rows;
  if (policy.asOf !== undefined) {
    end = 0;
    while (end < daily.rows && daily.dates[end]! <= policy.asOf) end++;
  }
  if (end < d.seedReturns) fail("policy.dynamic.seedReturns", `at most the ${end} returns up to asOf`, d.seedReturns);
  const horizon = sc.method === "mc" ? (policy.model?.horizonDays ?? policy.horizon) : policy.horizon;
  const U = underlyings.length;
  const w = sc.weights;
  const byUnderlying = underlyings.map((underlying, u) => {
    const col = new Float64Array(end);
    for (let i = 0; i < end; i++) col[i] = daily.data[i * U + u]!;
    let v0 = 0;
    for (let i = 0; i < d.seedReturns; i++) v0 += col[i]! * col[i]!;
    const vol = ewmaVolatility(col, { lambda: d.lambda, initialVariance: v0 / d.seedReturns });
    const today = vol[end]! * Math.sqrt(horizon);
    let W = 0;
    let s1 = 0;
    for (let s = 0; s < sc.count; s++) ((W += w ? w[s]! : 1), (s1 += (w ? w[s]! : 1) * sc.spotLogReturn[s * U + u]!));
    const mean = s1 / W;
    let s2 = 0;
    for (let s = 0; s < sc.count; s++) s2 += (w ? w[s]! : 1) * (sc.spotLogReturn[s * U + u]! - mean) ** 2;
    const scen = Math.sqrt(s2 / W);
    return { underlying, today, scenarios: scen, ratio: scen > 0 ? today / scen : 1 };
  });
  let cw = 0;
  let acc = 0;
  for (let u = 0; u < U; u++) ((cw += Math.max(0, undEs[u]!)), (acc += Math.max(0, undEs[u]!) * byUnderlying[u]!.ratio));
  const factor = cw > 0 ? acc / cw : byUnderlying.reduce((a, x) => a + x.ratio, 0) / U;
  return { factor, staticMargin: 0, bound: 0, byUnderlying };
}

/**
 * Book P&L per scenario by the policy's revaluation; with `policy.progress` the fast path evaluates its surfaces in
 * chunks of FULL_CHUNK_SCENARIOS (the same bits: every scenario is evaluated on its own) to report progress.
 */
function revalue(k: Kernels, r: ResolvedBook, baseUsd: Float64Array, sc: Scenarios, policy: EsPolicy, stage: EsStage): { pnl: Float64Array; surfaces?: PnlSurface[] } {
  const progress = policy.progress;
  const report = progress ? (done: number, total: number) => progress(stage, done, total) : undefined;
  if (policy.revaluation !== "fast") return { pnl: fullPnl(k, r, baseUsd, sc, undefined, report) };
  const surfaces = buildSurfaces(k, r, baseUsd, sc, policy.surface);
  if (!report) return { pnl: surfacePnl(surfaces, sc, undefined, undefined, undefined, k), surfaces };
  const U = r.underlyings.length;
  const pnl = new Float64Array(sc.count);
  const twoD = readsVolShift(surfaces);
  for (let s = 0; s < sc.count; s += FULL_CHUNK_SCENARIOS) {
    const e = Math.min(sc.count, s + FULL_CHUNK_SCENARIOS);
    const volShift = twoD ? sc.volShift.subarray(s * U, e * U) : NO_SHIFTS;
    const part = { count: e - s, spotLogReturn: sc.spotLogReturn.subarray(s * U, e * U), volShift };
    surfacePnl(surfaces, part, pnl.subarray(s, e), undefined, undefined, k);
    report(e, sc.count);
  }
  return { pnl, surfaces };
}

function pct(x: number): string {
  const v = Math.expm1(x) * 100;
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)}%`;
}

function valueOf(table: number | Record<string, number>, u: string): number | undefined {
  return typeof table === "number" ? table : table[u];
}

/** ES margin on an already valued book (the report and engine share it). */
export function esMarginResolved(k: Kernels, book: Book, market: Market, valuation: Valuation, r: ResolvedBook, policy: EsPolicy): EsMarginResult {
  const U = r.underlyings.length;
  const baseUsd = Float64Array.from(valuation.positions, (p) => (p.kind === "option" ? p.valueUsd : 0));
  const sc = esScenarios(k, r.underlyings, policy);
  const alpha = policy.confidence;
  const weights = sc.weights;

  const { pnl, surfaces } = revalue(k, r, baseUsd, sc, policy, "revaluation");
  for (let s = 0; s < pnl.length; s++) if (!Number.isFinite(pnl[s]!)) throw new Error(`offset: ES revaluation produced ${pnl[s]} in scenario ${s}; this is a bug`);
  const w = weights ?? null;
  const t = k.varEs(pnl, w, alpha);
  const measures = [...new Set([...REPORTED, alpha])].sort().map((c) => ({ confidence: c, ...k.varEs(pnl, w, c) }));

  // Euler allocation over the tail scenarios
  const tw = tailWeights(pnl, weights, alpha, t.var);
  const pp = positionPnl(k, r, baseUsd, sc, tw.index);
  const P = r.positions.length;
  const coll = r.collateral.filter((c) => c.underlying >= 0);
  const posEs = new Float64Array(pp.columns);
  for (let a = 0; a < tw.index.length; a++) for (let c = 0; c < pp.columns; c++) posEs[c] = posEs[c]! + (tw.tau[a]! * (0 - pp.pnl[a * pp.columns + c]!)) / tw.denominator;
  const undEs = new Float64Array(U);
  if (surfaces) {
    const per = new Float64Array(tw.index.length * U);
    surfacePnl(surfaces, sc, new Float64Array(tw.index.length), per, tw.index, k);
    for (let a = 0; a < tw.index.length; a++) for (let u = 0; u < U; u++) undEs[u] = undEs[u]! + (tw.tau[a]! * (0 - per[a * U + u]!)) / tw.denominator;
  } else {
    for (let i = 0; i < P; i++) undEs[r.positions[i]!.underlying] = undEs[r.positions[i]!.underlying]! + posEs[i]!;
    for (let c = 0; c < coll.length; c++) undEs[coll[c]!.underlying] = undEs[coll[c]!.underlying]! + posEs[P + c]!;
  }
  let sumPos = 0;
  for (const x of posEs) sumPos += x;
  let sumUnd = 0;
  for (const x of undEs) sumUnd += x;

  // anti-procyclicality floor: the same method on the long lookback
  const apc = policy.addOns.apc;
  let floorEs: number | undefined;
  if (apc?.floorYears !== undefined) {
    const fsc = esScenarios(k, r.underlyings, policy, apc.floorYears);
    const fp = revalue(k, r, baseUsd, fsc, policy, "floor revaluation").pnl;
    floorEs = k.varEs(fp, fsc.weights ?? null, alpha).es;
  }
  const esCore = Math.max(0, t.es);
  const components: MarginComponent[] = [
    { name: `ES ${(alpha * 100).toFixed(1)}% (${sc.method.toUpperCase()}, ${sc.count} scenarios)`, value: esCore, appliesTo: "both", description: `VaR ${t.var.toFixed(2)} USD` },
  ];
  let esMarginValue = esCore;
  if (floorEs !== undefined) {
    const lift = Math.max(0, floorEs - esCore);
    components.push({ name: `anti-procyclicality floor (${apc!.floorYears}-year lookback)`, value: lift, appliesTo: "both", description: `ES on the long lookback ${floorEs.toFixed(2)} USD` });
    esMarginValue += lift;
  }
  // dynamic thresholds (policy.dynamic): the margin moves with today's EWMA vol, never below
  // max(10-year floor ES, (1 − buffer) × the static ES margin): a calm market can release at most the APC buffer
  let dynamic: EsDetails["dynamic"];
  if (policy.dynamic) {
    if (!apc) fail("policy.addOns.apc", "the anti-procyclicality bounds (buffer, floorYears) for policy.dynamic", undefined);
    const dyn = dynamicScale(r.underlyings, policy, sc, undEs);
    const bound = Math.max(floorEs ?? 0, (1 - apc!.buffer) * esMarginValue);
    const value = Math.max(esMarginValue * dyn.factor, bound);
    dynamic = { ...dyn, staticMargin: esMarginValue, bound };
    components.push({
      name: `dynamic EWMA vol (×${dyn.factor.toFixed(3)}, λ ${policy.dynamic.lambda})`,
      value: value - esMarginValue,
      appliesTo: "both",
      description: `${dyn.byUnderlying.map((x) => `${x.underlying} σ today ${x.today.toFixed(4)} / scenarios ${x.scenarios.toFixed(4)}`).join("; ")}; bound ${bound.toFixed(2)} USD`,
    });
    esMarginValue = value;
  }
  if (apc && apc.buffer > 0) {
    const b = apc.buffer * esMarginValue;
    components.push({ name: `anti-procyclicality buffer (${(apc.buffer * 100).toFixed(0)}%)`, value: b, appliesTo: "initial", description: "released in stress" });
  }
  const bufferValue = apc && apc.buffer > 0 ? apc.buffer * esMarginValue : 0;

  let gridIm: number | undefined;
  if (policy.combine) {
    gridIm = gridMargin(k, book, market, gridPreset(policy.combine.grid, policy.combine.mode, undefined)).initialMargin;
    components.push({ name: `grid margin (${policy.combine.grid} ${policy.combine.mode})`, value: gridIm, appliesTo: "both", description: "IM = max(grid, ES margin) + add-ons" });
  }

  // add-ons per underlying from delta notional
  const deltaUsd = new Float64Array(U);
  const halfSpreadCost = new Float64Array(U);
  const liq = policy.addOns.liquidity;
  valuation.positions.forEach((p, i) => {
    const u = r.positions[i]!.underlying;
    deltaUsd[u] = deltaUsd[u]! + p.greeks.deltaUsd;
    if (liq) {
      halfSpreadCost[u] =
        halfSpreadCost[u]! + (p.kind === "option" ? Math.abs(p.greeks.vega) * liq.optionHalfSpreadVolPoints : Math.abs(p.quantity * r.positions[i]!.forward) * liq.halfSpread);
    }
  });
  let addOns = 0;
  if (liq) {
    let total = 0;
    const parts: string[] = [];
    for (let u = 0; u < U; u++) {
      const cap = valueOf(liq.capacityUsd, r.underlyings[u]!);
      const D = Math.abs(deltaUsd[u]!);
      const ratio = cap === undefined ? 1 : Math.max(1, D / cap);
      // √(T_liq/T): liquidating D at `cap` per horizon takes T_liq = T·D/cap
      const scale = (Math.sqrt(ratio) - 1) * Math.max(0, undEs[u]!);
      total += scale + halfSpreadCost[u]!;
      if (scale > 0 || halfSpreadCost[u]! > 0) parts.push(`${r.underlyings[u]}: √(T_liq/T) = ${Math.sqrt(ratio).toFixed(3)}, spread ${halfSpreadCost[u]!.toFixed(2)}`);
    }
    components.push({ name: "liquidity add-on", value: total, appliesTo: "both", description: parts.join("; ") || "within capacity" });
    addOns += total;
  }
  const conc = policy.addOns.concentration;
  if (conc) {
    let total = 0;
    for (let u = 0; u < U; u++) {
      const thr = valueOf(conc.thresholdUsd, r.underlyings[u]!);
      if (thr !== undefined) total += conc.rate * Math.max(0, Math.abs(deltaUsd[u]!) - thr);
    }
    components.push({ name: "concentration add-on", value: total, appliesTo: "both", description: `${conc.rate} × delta notional above threshold` });
    addOns += total;
  }

  const core = Math.max(gridIm ?? 0, esMarginValue);
  const initialMargin = core + bufferValue + addOns;
  const maintenanceMargin = policy.maintenanceFactor * (core + addOns);
  components.push({ name: `maintenance factor ${policy.maintenanceFactor}`, value: maintenanceMargin, appliesTo: "maintenance", description: "MM = factor × (IM before the APC buffer)" });
  const equity = valuation.marginEquityUsd;
  const excess = { initial: equity - initialMargin, maintenance: equity - maintenanceMargin };

  const kw = Math.min(policy.worst, pnl.length);
  const worstIdx = k.worst(pnl, kw, new Int32Array(kw));
  const worst: WorstScenario[] = Array.from(worstIdx, (s) => {
    const moves = r.underlyings.map((u, ui) => `${u} ${pct(sc.spotLogReturn[s * U + ui]!)} (vol ${pct(Math.log1p(sc.volShift[s * U + ui]!))})`).join(", ");
    const what = sc.labels ? sc.labels[s]! : sc.antitheticFrom !== undefined && s >= sc.antitheticFrom ? `draw ${s} (antithetic of ${s - sc.antitheticFrom})` : `draw ${s}`;
    return { index: s, description: `${what}: ${moves}`, pnl: pnl[s]! };
  });

  let lo = Infinity;
  let hi = -Infinity;
  for (const x of pnl) ((lo = x < lo ? x : lo), (hi = x > hi ? x : hi));
  if (hi <= lo) hi = lo + 1;
  const counts = k.histogram(pnl, w, lo, hi, new Float64Array(policy.histogramBins));

  const lbDates = sc.labels;
  const es: EsDetails = {
    method: sc.method,
    revaluation: policy.revaluation,
    confidence: alpha,
    var: t.var,
    es: t.es,
    measures,
    scenarios: sc.count,
    worstMoves: Array.from(worstIdx, (sIdx) => Object.fromEntries(r.underlyings.map((u, ui) => [u, Math.expm1(sc.spotLogReturn[sIdx * U + ui]!)]))),
    weighted: weights !== undefined,
    horizon: sc.method === "mc" ? `${policy.model?.horizonDays ?? policy.horizon} day(s) (model)` : `${policy.horizon} row(s) of the history${policy.horizon > 1 ? ((policy.overlapping ?? true) ? ", overlapping" : ", non-overlapping") : ""}`,
    contributions: {
      byUnderlying: r.underlyings.map((u, i) => ({ underlying: u, es: undEs[i]! })),
      byPosition: [...r.positions.map((p, i) => ({ instrument: p.name, es: posEs[i]! })), ...coll.map((c, j) => ({ instrument: `collateral ${c.asset}`, es: posEs[P + j]! }))],
      residual: sumUnd - sumPos,
    },
    histogram: { lo, hi, counts: Array.from(counts) },
    esMargin: esMarginValue,
  };
  if (lbDates && lbDates.length > 0) es.window = { from: lbDates[0]!, to: lbDates[lbDates.length - 1]!, asOf: policy.asOf ?? lbDates[lbDates.length - 1]! };
  if (sc.volatility) es.volatility = r.underlyings.map((u, i) => ({ underlying: u, forecast: sc.volatility!.forecast[i]!, used: sc.volatility!.used[i]! }));
  if (surfaces) es.surfaces = surfaces.map((s) => ({ underlying: s.underlying, nodes: [s.nx, s.nv], errorEstimate: s.errorEstimate }));
  if (floorEs !== undefined) es.floorEs = floorEs;
  if (dynamic) es.dynamic = dynamic;
  if (gridIm !== undefined) es.gridMargin = gridIm;
  return {
    method: sc.method,
    currency: "USD",
    initialMargin,
    maintenanceMargin,
    equity: valuation.equityUsd,
    marginEquity: { initial: equity, maintenance: equity },
    excess,
    marginRatio: equity > 0 ? maintenanceMargin / equity : null,
    status: marginStatus(excess),
    components,
    worst,
    es,
  };
}
