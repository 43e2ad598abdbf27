// The scenario-grid margin engine: one engine, venue models as data (presets.ts). A book is stress-tested on a grid
// of spot × implied-vol moves per underlying, every option fully repriced (Black-76) in ONE batch kernel call per
// account; the worst loss, extreme moves, contingencies and collateral haircuts make IM and MM.
//
// Model (every figure is a parameter; sources and what could not be verified are in ./README.md):
//   Spot     each underlying u alone: `pricePoints` evenly spaced simple moves in [−range_u, +range_u] (0 included);
//            every forward of u moves with spot (e^x), collateral in u moves with spot where P&L is measured in USD.
//   Vol      relative shock of each option's vol, scaled by tenor (as Deribit and Derive publish it):
//              s(T) = (30 / max(DTE, dteFloorDays))^p,  p = shortTermPower if DTE < 30 else longTermPower
//              up:   σ' = max(minVolUp, σ·(1 + volUp·s(T)))      down: σ' = σ·max(1 − volDown·s(T), VOL_FLOOR_FACTOR)
//            σ is the option's own mark IV, or the SVI surface at its strike. The shock applies to the smile: the
//            shocked smile is σ'(k) = shock(σ(k)); the option keeps its strike (sticky strike, as venues reprice
//            marks). Skew rotation (optional scenarios) adds ±skewRotation·s(T)·k, k = ln(K/F), to the vol at spot
//            moves −range, 0, +range: puts' vols rise while calls' fall, and the reverse.
//   Extreme  extra spot moves (Deribit's extended table −66 %…+500 %, SPAN's ±3× range, OKX's MR6) at one vol state,
//            counted with a weight: `inverse-move` (weight = range/|move|, the fraction Deribit-style venues apply,
//            see README) or a constant (SPAN 35 %), times `factor`, minus a dampener (USD) that only large losses
//            exceed. Extreme losses join the grid's max (Deribit, SPAN) or the max with the total (OKX MR6).
//   Basis    forward/basis contingency: every forward of expiry T moves by e^{±a·T} relative to spot (a = annualised
//            move risk), spot fixed: the loss of the worse tilt. Hits calendar spreads and futures hedged with spot.
//   Add-ons  net short options per (expiry, strike) × fraction of the index; short-option minimum (SPAN) as a floor
//            of the underlying's scan risk; perpetual contingency on |perp notional|; oracle uncertainty on |net
//            delta|; stablecoin de-peg on stablecoin collateral in USD accounts.
//   Rates    static discounting: options discount at the snapshot rate, which no scenario moves (rate risk not
//            modelled); instantaneous shocks (time to expiry unchanged).
//   Currencies  S:PM: one group per settlement currency (positions settled in it + its collateral), P&L measured in
//            that currency (coin for inverse contracts), no haircuts. X:PM: one USD group of every position and every
//            collateral balance, P&L in USD, collateral haircuts (IM and MM separately).
//   Several underlyings  per-underlying grids summed without offset (what the venues do: this is the requirement),
//            and a joint grid where every underlying moves by its beta to a reference (BTC) with a correlation-break
//            charge = correlationBreak × (sum of standalone losses − joint loss), reported next to it.
//   Margin   risk R = max(grid, extreme) + short-option floor + add-ons per group; IM = initialFactor·R,
//            MM = maintenanceFactor·R (Deribit IM = R, MM = 0.8·R; OKX MM = R, IM = 1.3·R).
import { type Kernels, writeOptionRows } from "@offset/kernels";
import * as z from "zod";
import { assertFiniteResult, fail, OffsetInputError } from "../errors.js";
import type { Market } from "../market/snapshot.js";
import { type Book, parseBook } from "../model.js";
import { optionGreeks, type ResolvedBook, type ResolvedPosition, resolveBook } from "../portfolio.js";
import { parseWith } from "../validate.js";
import { type MarginComponent, type MarginResult, marginStatus, type WorstScenario } from "./result.js";

/** Shocked-down vols never fall below this fraction of the unshocked vol (a vol of 0 has no Black-76 value). */
const VOL_FLOOR_FACTOR = 0.01;
const DAYS_PER_YEAR = 365;

// ---- parameters (data with range checks) -----------------------------------------------------------------------

const num = (lo: number, hi: number, what = `a number in [${lo}, ${hi}]`) => z.number({ message: what }).min(lo, { message: what }).max(hi, { message: what });
const volState = z.enum(["up", "same", "down"], { message: '"up", "same" or "down"' });

export const extremeSchema = z.strictObject({
  /** simple spot moves (−0.66 = −66 %), or multiples of the range when `relativeToRange` */
  moves: z.array(num(-10, 10, "a move in [−10, 10] (the effective move must stay above −99 %)")).min(1),
  relativeToRange: z.boolean().default(false),
  volState: volState.default("up"),
  /** `inverse-move`: weight = range/|move| (Deribit-style fraction); `constant`: weight = `weight` */
  weighting: z.enum(["inverse-move", "constant"]).default("constant"),
  weight: num(0, 1).default(1),
  /** multiplies the weight (Deribit's extended_table_factor) */
  factor: num(0, 10).default(1),
  /** USD subtracted from each weighted extreme loss (floored at 0): only large losses count */
  dampenerUsd: num(0, 1e12).default(0),
  /** "grid": extreme losses join the grid's max (Deribit, SPAN); "total": max(grid + add-ons, extreme) (OKX MR6) */
  combine: z.enum(["grid", "total"]).default("grid"),
});

export const underlyingGridSchema = z.strictObject({
  /** maximum spot move of the grid, fraction (0.16 = ±16 %) */
  priceRange: num(0.001, 0.99),
  /** spot points, evenly spaced over ±priceRange, 0 included: an odd count */
  pricePoints: z.number().int().min(3).max(41).refine((n) => n % 2 === 1, { message: "an odd number of points (0 included)" }),
  volStates: z.array(volState).min(1),
  /** relative vol-up shock at 30 days (0.5 = +50 %) */
  volUp: num(0, 10),
  /** relative vol-down shock at 30 days (0.25 = −25 %) */
  volDown: num(0, 1),
  /** tenor-scaling power for expiries within 30 days, and beyond */
  shortTermPower: num(0, 2),
  longTermPower: num(0, 2),
  /** floor on days to expiry in the tenor scaling */
  dteFloorDays: num(0, 365),
  /** the up-shocked vol is at least this (decimal) */
  minVolUp: num(0, 5),
  /** skew rotation at 30 days, vol per unit of log-moneyness; 0 = no skew scenarios */
  skewRotation: num(0, 5).default(0),
  extreme: extremeSchema.optional(),
  /** annualised forward/basis move for the basis contingency (0 = none) */
  basisAnnualMove: num(0, 2).default(0),
  /** short-option minimum per unit of short option, fraction of the index (SPAN's SOM; 0 = none) */
  shortOptionMinimum: num(0, 1).default(0),
  /** beta of the log return to the reference underlying, for the joint grid */
  beta: num(-5, 5).default(1),
});

const haircutSchema = z.strictObject({ initial: num(0, 0.999), maintenance: num(0, 0.999) });

export const gridParametersSchema = z
  .strictObject({
    /** the preset's name, reported as the result's method */
    name: z.string().min(1),
    mode: z.enum(["S:PM", "X:PM"], { message: '"S:PM" or "X:PM"' }),
    /** parameters for underlyings without their own entry */
    default: underlyingGridSchema,
    /** per-underlying overrides of `default` (partial) */
    underlyings: z.record(z.string(), underlyingGridSchema.partial()).default({}),
    addOns: z
      .strictObject({
        /** per unit of net short option per (expiry, strike), fraction of the index (Deribit 0.01) */
        netShortOption: num(0, 1).default(0),
        /** per unit of |perpetual|, fraction of the index */
        perpetual: num(0, 1).default(0),
        /** per underlying: fraction of |net delta| notional charged for oracle/index uncertainty */
        oracle: z.record(z.string(), num(0, 1)).default({}),
        /** fraction of stablecoin collateral charged for a de-peg (USD accounts, X:PM) */
        stablecoinDepeg: num(0, 1).default(0),
        stablecoins: z.array(z.string()).default(["USDC", "USDT", "DAI", "FDUSD", "USDE", "PYUSD"]),
      })
      .default({ netShortOption: 0, perpetual: 0, oracle: {}, stablecoinDepeg: 0, stablecoins: ["USDC", "USDT", "DAI", "FDUSD", "USDE", "PYUSD"] }),
    /** IM = initialFactor × risk, MM = maintenanceFactor × risk */
    initialFactor: num(0.1, 10),
    maintenanceFactor: num(0.1, 10),
    /** collateral haircuts by asset (X:PM); absent = 0 */
    haircuts: z.record(z.string(), haircutSchema).default({}),
    joint: z
      .strictObject({
        reference: z.string().default("BTC"),
        /** share of the diversification benefit (sum of standalone − joint loss) charged back */
        correlationBreak: num(0, 1).default(0.5),
      })
      .default({ reference: "BTC", correlationBreak: 0.5 }),
  })
  .refine((p) => p.initialFactor >= p.maintenanceFactor, { message: "initialFactor ≥ maintenanceFactor (IM ≥ MM)", path: ["initialFactor"] });

export type GridParameters = z.output<typeof gridParametersSchema>;
export type GridParametersInput = z.input<typeof gridParametersSchema>;
export type UnderlyingGrid = z.output<typeof underlyingGridSchema>;

export function parseGridParameters(input: unknown, root = "policy.parameters"): GridParameters {
  return parseWith(gridParametersSchema, input, root);
}

// ---- result ----------------------------------------------------------------------------------------------------

export interface GridScenarioResult {
  index: number;
  description: string;
  /** P&L in the group's currency (negative = loss), before any weight */
  pnl: number;
}

export interface GridUnderlyingResult {
  underlying: string;
  /** worst loss over the standard grid (and skew scenarios), group currency, ≥ 0 */
  gridLoss: number;
  /** worst weighted, dampened extreme loss, group currency, ≥ 0 */
  extremeLoss: number;
  /** short-option minimum (floor of this underlying's scan risk), group currency */
  shortOptionMinimum: number;
  /** this underlying's scan risk: max(grid, extreme if combined with the grid, short-option minimum) */
  risk: number;
  worst: GridScenarioResult;
  /** P&L of the standard grid by [spot point][vol state], group currency (for heatmaps) */
  pnl: number[][];
  spotMoves: number[];
  volStates: string[];
}

export interface GridGroupResult {
  /** the group's currency: a settlement currency (S:PM) or "USD" (X:PM) */
  currency: string;
  /** USD per unit of the group's currency */
  usdPerUnit: number;
  underlyings: GridUnderlyingResult[];
  /** sum of per-underlying risks (no offset between underlyings: the requirement) */
  perUnderlyingRisk: number;
  /** the joint grid (underlyings moving together by beta) with its correlation-break charge; null with < 2 underlyings */
  joint: { loss: number; correlationBreak: number; risk: number; worst: GridScenarioResult } | null;
  addOns: { name: string; value: number }[];
  /** extreme losses combined as max with the total (OKX MR6) */
  extremeTotal: number;
  risk: number;
  initialMargin: number;
  maintenanceMargin: number;
  equity: number;
  marginEquity: { initial: number; maintenance: number };
  excess: { initial: number; maintenance: number };
  status: MarginResult["status"];
}

export interface GridMarginResult extends MarginResult {
  grid: { preset: string; mode: "S:PM" | "X:PM"; groups: GridGroupResult[] };
}

// ---- scenarios -------------------------------------------------------------------------------------------------

/** Scenario kinds inside a block. */
const STANDARD = 0;
const EXTREME = 1;
const SKEW = 2;
const BASIS = 3;

/**
 * A block of scenarios that moves one underlying (u ≥ 0) or all of a group's underlyings (joint, u = −1).
 * Column arrays by scenario; `x` is the reference log return (× beta per underlying in a joint block).
 */
interface Block {
  u: number;
  count: number;
  kind: Int8Array;
  x: Float64Array;
  vol: Int8Array;
  skew: Int8Array;
  basis: Int8Array;
  weight: Float64Array;
  move: Float64Array;
}

function volSign(s: "up" | "same" | "down"): number {
  return s === "up" ? 1 : s === "down" ? -1 : 0;
}

function buildBlock(u: number, p: UnderlyingGrid, withBasis: boolean, joint: boolean, name = ""): Block {
  const moves: { kind: number; move: number; vol: number; skew: number; basis: number; weight: number }[] = [];
  const half = (p.pricePoints - 1) / 2;
  for (let i = 0; i < p.pricePoints; i++) {
    const move = (p.priceRange * (i - half)) / half;
    for (const v of p.volStates) moves.push({ kind: STANDARD, move, vol: volSign(v), skew: 0, basis: 0, weight: 1 });
  }
  if (!joint) {
    if (p.extreme) {
      const e = p.extreme;
      for (const m of e.moves) {
        const move = e.relativeToRange ? m * p.priceRange : m;
        if (!(move > -0.99)) fail(`policy.parameters.underlyings.${name}.extreme.moves`, "effective moves above −99 % (× priceRange when relativeToRange)", m);
        const w = (e.weighting === "inverse-move" ? Math.min(1, p.priceRange / Math.abs(move)) : e.weight) * e.factor;
        moves.push({ kind: EXTREME, move, vol: volSign(e.volState), skew: 0, basis: 0, weight: w });
      }
    }
    if (p.skewRotation > 0) {
      for (const move of [-p.priceRange, 0, p.priceRange]) for (const sk of [1, -1]) moves.push({ kind: SKEW, move, vol: 0, skew: sk, basis: 0, weight: 1 });
    }
    if (withBasis && p.basisAnnualMove > 0) for (const b of [1, -1]) moves.push({ kind: BASIS, move: 0, vol: 0, skew: 0, basis: b, weight: 1 });
  }
  const n = moves.length;
  const block: Block = {
    u,
    count: n,
    kind: new Int8Array(n),
    x: new Float64Array(n),
    vol: new Int8Array(n),
    skew: new Int8Array(n),
    basis: new Int8Array(n),
    weight: new Float64Array(n),
    move: new Float64Array(n),
  };
  moves.forEach((m, s) => {
    block.kind[s] = m.kind;
    block.move[s] = m.move;
    block.x[s] = Math.log1p(m.move);
    block.vol[s] = m.vol;
    block.skew[s] = m.skew;
    block.basis[s] = m.basis;
    block.weight[s] = m.weight;
  });
  return block;
}

const pct = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(Math.round(x * 1e4) / 100)}%`;
const VOL_WORDS = ["vol down", "vol same", "vol up"];

/** Scenario s of block b for underlying u (−1: the joint block on reference `ref`). */
function describe(b: Block, s: number, names: string[], u: number, ref = -1): string {
  const who = u >= 0 ? names[u]! : `joint (all by beta to ${names[ref]}): ${names[ref]}`;
  const k = b.kind[s]!;
  if (k === BASIS) return `${who} forwards ${b.basis[s]! > 0 ? "up" : "down"} vs spot (basis)`;
  let d = `${who} spot ${pct(b.move[s]!)}, ${VOL_WORDS[b.vol[s]! + 1]}`;
  if (k === SKEW) d += `, skew ${b.skew[s]! > 0 ? "puts up" : "calls up"}`;
  if (k === EXTREME) d += ` (extreme, weight ${Math.round(b.weight[s]! * 1e4) / 1e4})`;
  return d;
}

// ---- the engine ------------------------------------------------------------------------------------------------
//
// Hot path (per account; `marginBatch` runs the same stages for many accounts with one kernel call per chunk):
//   1. layout   groups (currency) → legs (group × underlying) with the leg's positions in book order. Each leg has a
//               cached ShockPlan: the distinct spot/vol/skew/basis shocks its scenarios need (its own block, its share
//               of the joint block — with betas of 1 and equal grids these coincide — and the unmoved "base" shock,
//               which gives the marks). Plans depend only on the parameters, so they are built once per preset.
//   2. rows     every (option, shock) of every leg as typed columns, leg-major, option-major, shock-minor; then ONE
//               black76Price call (per account, or per chunk of accounts).
//   3. P&L      per leg, the positions' P&L per shock accumulated in book order (plain loops, no closures), then the
//               coin collateral of the leg (USD groups); scalar aggregates (values, short-option counts, deltas, perp
//               notionals) accumulated in the same pass.
//   4. finish   per group: block scenario P&L = leg P&L at the scenario's shock; joint P&L = Σ over legs; worst
//               losses, extremes, add-ons recomputed from the aggregates (non-linear ones like net short options per
//               strike from the cached net quantities), IM/MM, equity.
// What-if (GridState.whatIf) keeps stage 3's per-leg vectors and aggregates: a trade's rows are priced alone and its
// contributions are accumulated after the book's (the order a full recompute of book + trades uses), so the result is
// identical to a full recompute bit for bit; stage 4 is rerun for the groups the trades touch.

interface Group {
  currency: string;
  usdPerUnit: number;
  /** measured in coin (inverse contracts valued in coin), else USD */
  coin: boolean;
  positions: number[];
  collateral: { asset: string; amount: number; price: number; underlying: number }[];
  /** book-level underlying indices in this group */
  unds: number[];
}

type Plan = { blocks: Block[]; joint: Block | null; ref: number };

/** The distinct shocks of one leg and how its scenarios (own block, joint block) map onto them. */
interface ShockPlan {
  K: number;
  x: Float64Array;
  /** e^x, e^x − 1 */
  ex: Float64Array;
  em1: Float64Array;
  vol: Int8Array;
  skew: Int8Array;
  basis: Int8Array;
  /** the unmoved shock (x = 0, vol same, no skew, no basis): its prices are the marks */
  base: number;
  block: Block;
  /** block scenario → shock */
  blockMap: Int32Array;
  /** joint scenario → shock (null without a joint block) */
  jointMap: Int32Array | null;
}

/** One leg of an account: the positions of one underlying in one currency group. */
interface Leg {
  u: number;
  pu: UnderlyingGrid;
  plan: ShockPlan;
  /** position indices, book order */
  members: Int32Array;
  /** option members (their rows follow in member order) */
  nOpt: number;
  /** indices into the group's collateral that move with this underlying (USD groups only) */
  coll: Int32Array;
  /** unit of the index in the group's currency: 1 in coin groups, the spot in USD groups */
  unit: number;
  spot: number;
  /** the leg has dated positions (basis scenarios when the parameters have a basis move) */
  dated: boolean;
}

interface Layout {
  r: ResolvedBook;
  p: GridParameters;
  groups: Group[];
  plans: Plan[];
  legs: Leg[][];
  /** option rows of the whole account */
  rows: number;
  /** number of underlyings that have positions (before X:PM collateral-only underlyings) */
  bookUnderlyings: number;
}

/** Accumulated P&L and scalar aggregates of one leg (positions only, book order; collateral added at finish). */
interface LegAcc {
  posPnl: Float64Array;
  /** short-option minimum, group currency */
  som: number;
  /** Σ delta (units), for the oracle add-on */
  delta: number;
  /** Σ position values in the group's measure (equity) */
  value: number;
  /** perpetual contingency, group currency */
  perp: number;
  /** net quantity per (expiry, strike) of this underlying's options, insertion order */
  netKey: Map<string, number>;
  netQ: number[];
}

interface GroupState {
  legs: LegAcc[];
  /** per leg: P&L per shock including the leg's collateral */
  legPnl: Float64Array[];
  /** per block (legs, then joint): P&L per scenario */
  pnls: Float64Array[];
  result: GridGroupResult;
}

export interface GridOptions {
  /** compute the joint (beta) grid, which is reported and not charged; default true (batch: false) */
  joint?: boolean;
}

// caches per validated parameter object (presets are parsed once per call; callers that hold parameters reuse them)
const paramCache = new WeakMap<GridParameters, { under: Map<string, UnderlyingGrid>; blocks: Map<string, Block>; plans: Map<string, ShockPlan> }>();

function cacheOf(p: GridParameters) {
  let c = paramCache.get(p);
  if (!c) paramCache.set(p, (c = { under: new Map(), blocks: new Map(), plans: new Map() }));
  return c;
}

function underlyingParams(p: GridParameters, name: string): UnderlyingGrid {
  const c = cacheOf(p);
  let pu = c.under.get(name);
  if (!pu) c.under.set(name, (pu = { ...p.default, ...(p.underlyings[name] ?? {}) } as UnderlyingGrid));
  return pu;
}

function cachedBlock(p: GridParameters, name: string, withBasis: boolean, joint: boolean): Block {
  const c = cacheOf(p);
  const key = `${joint ? "J" : "U"}|${withBasis ? 1 : 0}|${name}`;
  let b = c.blocks.get(key);
  if (!b) c.blocks.set(key, (b = buildBlock(joint ? -1 : 0, underlyingParams(p, name), withBasis, joint, name)));
  return b;
}

/** The shock plan of underlying `name` (dated positions → basis scenarios) with an optional joint block on `ref`. */
function shockPlan(p: GridParameters, name: string, withBasis: boolean, ref: string | null): ShockPlan {
  const c = cacheOf(p);
  const key = `${withBasis ? 1 : 0}|${ref ?? ""}|${name}`;
  const hit = c.plans.get(key);
  if (hit) return hit;
  const block = cachedBlock(p, name, withBasis, false);
  const joint = ref === null ? null : cachedBlock(p, ref, false, true);
  const xs: number[] = [];
  const vs: number[] = [];
  const sks: number[] = [];
  const bs: number[] = [];
  const index = new Map<string, number>();
  const add = (x: number, v: number, sk: number, b: number): number => {
    const k = `${x}|${v}|${sk}|${b}`;
    let at = index.get(k);
    if (at === undefined) {
      index.set(k, (at = xs.length));
      xs.push(x);
      vs.push(v);
      sks.push(sk);
      bs.push(b);
    }
    return at;
  };
  const blockMap = new Int32Array(block.count);
  for (let s = 0; s < block.count; s++) blockMap[s] = add(block.x[s]!, block.vol[s]!, block.skew[s]!, block.basis[s]!);
  let jointMap: Int32Array | null = null;
  if (joint) {
    const beta = underlyingParams(p, name).beta;
    const refBeta = underlyingParams(p, ref!).beta;
    jointMap = new Int32Array(joint.count);
    // the original joint revaluation: x_u = x_ref · β_u / β_ref
    for (let s = 0; s < joint.count; s++) jointMap[s] = add((joint.x[s]! * beta) / refBeta, joint.vol[s]!, 0, 0);
  }
  const base = add(0, 0, 0, 0);
  const K = xs.length;
  const plan: ShockPlan = {
    K,
    x: Float64Array.from(xs),
    ex: Float64Array.from(xs, Math.exp),
    em1: Float64Array.from(xs, Math.expm1),
    vol: Int8Array.from(vs),
    skew: Int8Array.from(sks),
    basis: Int8Array.from(bs),
    base,
    block,
    blockMap,
    jointMap,
  };
  c.plans.set(key, plan);
  return plan;
}

function makeGroups(r: ResolvedBook, p: GridParameters, market: Market): Group[] {
  // a currency that is one of the book's underlyings converts at that underlying's (possibly shifted) spot
  const priceOf = (asset: string) => {
    const u = r.underlyings.indexOf(asset);
    return u >= 0 ? r.spot[u]! : (market.snapshot.underlyings[asset]?.index ?? market.snapshot.prices[asset] ?? 1);
  };
  if (p.mode === "X:PM") {
    return [{ currency: "USD", usdPerUnit: 1, coin: false, positions: r.positions.map((_, i) => i), collateral: r.collateral, unds: r.underlyings.map((_, u) => u) }];
  }
  const byCcy = new Map<string, Group>();
  const get = (ccy: string) => {
    let g = byCcy.get(ccy);
    if (!g) {
      const coin = market.snapshot.underlyings[ccy] !== undefined;
      byCcy.set(ccy, (g = { currency: ccy, usdPerUnit: priceOf(ccy), coin, positions: [], collateral: [], unds: [] }));
    }
    return g;
  };
  for (let i = 0; i < r.positions.length; i++) {
    const pos = r.positions[i]!;
    const g = get(pos.settlementCurrency);
    g.positions.push(i);
    if (!g.unds.includes(pos.underlying)) g.unds.push(pos.underlying);
  }
  for (const c of r.collateral) get(c.asset).collateral.push(c);
  return [...byCcy.values()];
}

/**
 * X:PM: collateral in a coin that no position references still moves with its spot (equity in USD): such coins
 * become underlyings of their own (a grid with no instruments, only the balance).
 */
function withCollateralUnderlyings(r: ResolvedBook, market: Market): ResolvedBook {
  const extra = r.collateral.filter((c) => c.underlying < 0 && market.snapshot.underlyings[c.asset] !== undefined).map((c) => c.asset);
  if (extra.length === 0) return r;
  const underlyings = [...r.underlyings, ...extra];
  return {
    ...r,
    underlyings,
    spot: Float64Array.from(underlyings, (u, i) => (i < r.spot.length ? r.spot[i]! : market.snapshot.underlyings[u]!.index)),
    collateral: r.collateral.map((c) => (c.underlying >= 0 ? c : { ...c, underlying: underlyings.indexOf(c.asset) })),
  };
}

/** The account's layout: groups, blocks, legs and their shock plans (cached per parameters), option row count. */
function buildLayout(r0: ResolvedBook, market: Market, p: GridParameters, joint: boolean): Layout {
  const r = p.mode === "X:PM" ? withCollateralUnderlyings(r0, market) : r0;
  const groups = makeGroups(r, p, market);
  const plans: Plan[] = [];
  const legs: Leg[][] = [];
  let rows = 0;
  const cols = r.columns;
  for (const g of groups) {
    const U = g.unds.length;
    let ref = -1;
    if (joint && U > 1) {
      ref = g.unds[0]!;
      for (const u of g.unds) if (r.underlyings[u] === p.joint.reference) ref = u;
    }
    const refName = ref >= 0 ? r.underlyings[ref]! : null;
    // members per underlying of the group, book order; dated positions switch the basis scenarios on
    const members: number[][] = g.unds.map(() => []);
    const dated: boolean[] = g.unds.map(() => false);
    const gl: Leg[] = new Array(U);
    for (const i of g.positions) {
      const li = g.unds.indexOf(cols.underlying[i]!);
      members[li]!.push(i);
      if (r.positions[i]!.timeToExpiry > 0) dated[li] = true;
    }
    const blocks: Block[] = new Array(U);
    for (let li = 0; li < U; li++) {
      const u = g.unds[li]!;
      const name = r.underlyings[u]!;
      const plan = shockPlan(p, name, dated[li]!, refName);
      blocks[li] = plan.block;
      const ms = Int32Array.from(members[li]!);
      let nOpt = 0;
      for (let m = 0; m < ms.length; m++) if (cols.optionRow[ms[m]!]! >= 0) nOpt++;
      const coll: number[] = [];
      if (!g.coin) for (let c = 0; c < g.collateral.length; c++) if (g.collateral[c]!.underlying === u) coll.push(c);
      gl[li] = { u, pu: underlyingParams(p, name), plan, members: ms, nOpt, coll: Int32Array.from(coll), unit: g.coin ? 1 : r.spot[u]!, spot: r.spot[u]!, dated: dated[li]! };
      rows += nOpt * plan.K;
    }
    plans.push({ blocks, joint: ref >= 0 ? cachedBlock(p, refName!, false, true) : null, ref });
    legs.push(gl);
  }
  return { r, p, groups, plans, legs, rows, bookUnderlyings: r0.underlyings.length };
}

/** Black-76 input columns for `n` rows. */
interface RowColumns {
  forward: Float64Array;
  strike: Float64Array;
  timeToExpiry: Float64Array;
  vol: Float64Array;
  rate: Float64Array;
  isCall: Int32Array;
}

function rowColumns(n: number): RowColumns {
  return { forward: new Float64Array(n), strike: new Float64Array(n), timeToExpiry: new Float64Array(n), vol: new Float64Array(n), rate: new Float64Array(n), isCall: new Int32Array(n) };
}

/** s(T) per underlying's parameters, memoised by T (a book has few expiries; Math.pow measured costly here). */
const scaleCache = new WeakMap<UnderlyingGrid, Map<number, number>>();

function tenorScale(pu: UnderlyingGrid, T: number): number {
  let m = scaleCache.get(pu);
  if (!m) scaleCache.set(pu, (m = new Map()));
  let sc = m.get(T);
  if (sc === undefined) {
    // times move with every snapshot: bound the cache so a long-running service does not grow it without end
    if (m.size >= 4096) m.clear();
    const dte = T * DAYS_PER_YEAR;
    sc = Math.pow(30 / Math.max(dte, pu.dteFloorDays, 1e-9), dte < 30 ? pu.shortTermPower : pu.longTermPower);
    m.set(T, sc);
  }
  return sc;
}

/**
 * The per-option scalars of its rows under `pu` into out[0..3]: the vol in the up and down states (tenor-scaled,
 * module comment), the vol change per unit of skew shock, the basis move × T.
 */
export function shockScalars(F: number, K: number, T: number, sig: number, pu: UnderlyingGrid, out: Float64Array): void {
  const sc = tenorScale(pu, T);
  out[0] = Math.max(pu.minVolUp, sig * (1 + pu.volUp * sc));
  out[1] = sig * Math.max(1 - pu.volDown * sc, VOL_FLOOR_FACTOR);
  out[2] = pu.skewRotation > 0 ? pu.skewRotation * sc * Math.log(K / F) : 0;
  out[3] = pu.basisAnnualMove * T;
}
const scalars = new Float64Array(4);

/**
 * Writes the K rows of option j (of resolved columns `o`) under `plan` at `at`: shocked forward F·e^{x + b·a·T}, the
 * tenor-scaled shocked vol (module comment), strike/time/rate/type repeated. Returns the next row. The rows of the
 * kernels' `gridRows` (writeOptionRows is its definition), which the batch tick (grid-batch.ts) uses.
 */
function fillOption(o: ResolvedBook["options"], j: number, pu: UnderlyingGrid, plan: ShockPlan, c: RowColumns, at: number): number {
  const F = o.forward[j]!;
  const K = o.strike[j]!;
  const T = o.timeToExpiry[j]!;
  const sig = o.vol[j]!;
  shockScalars(F, K, T, sig, pu, scalars);
  return writeOptionRows(
    F, K, T, sig, o.rate[j]!, o.isCall[j]!, scalars[0]!, scalars[1]!, scalars[2]!, scalars[3]!,
    plan.x, plan.ex, plan.vol, plan.skew, plan.basis, 0, plan.K, c, at,
  );
}

/** Writes every option row of the account at `at` (leg-major, member order, shock-minor). Returns the next row. */
function fillRows(L: Layout, c: RowColumns, at: number): number {
  const o = L.r.options;
  const optionRow = L.r.columns.optionRow;
  for (const gl of L.legs) {
    for (const leg of gl) {
      const ms = leg.members;
      for (let m = 0; m < ms.length; m++) {
        const j = optionRow[ms[m]!]!;
        if (j >= 0) at = fillOption(o, j, leg.pu, leg.plan, c, at);
      }
    }
  }
  return at;
}

function newLegAcc(K: number): LegAcc {
  return { posPnl: new Float64Array(K), som: 0, delta: 0, value: 0, perp: 0, netKey: new Map(), netQ: [] };
}

function cloneLegAcc(a: LegAcc): LegAcc {
  return { posPnl: a.posPnl.slice(), som: a.som, delta: a.delta, value: a.value, perp: a.perp, netKey: new Map(a.netKey), netQ: a.netQ.slice() };
}

/**
 * Adds one position's P&L per shock to `pnl` and its scalar aggregates to `acc` (the one place both the book and a
 * what-if trade go through). Option: `price`/`fwd` are the rows' Black-76 prices (USD) and shocked forwards from
 * `row`; `unitDelta` its Black-76 delta per unit (NaN when the oracle add-on is off). Formulas: the module comment;
 * values as Kernels.portfolioValue computes them (mark = price·(1/F) in coin for inverse options).
 */
function addPosition(
  acc: LegAcc,
  pnl: Float64Array,
  leg: Leg,
  coin: boolean,
  usdMode: boolean,
  p: GridParameters,
  pos: ResolvedPosition,
  F: number,
  entry: number,
  price: Float64Array | null,
  fwd: Float64Array | null,
  row: number,
  unitDelta: number,
): void {
  const plan = leg.plan;
  const n = plan.K;
  const S = leg.spot;
  const q = pos.quantity;
  const inv = pos.inverse;
  const ex = plan.ex;
  if (pos.kind === "option") {
    const usd0 = price![row + plan.base]!;
    const mark = inv ? usd0 * (1 / F) : usd0;
    const markUsd = inv ? mark * S : usd0;
    const value = q * mark;
    const valueUsd = q * markUsd;
    if (inv && coin) {
      const before = mark;
      for (let k = 0; k < n; k++) pnl[k] = pnl[k]! + q * (price![row + k]! / fwd![row + k]! - before);
    } else if (inv) {
      const before = markUsd;
      for (let k = 0; k < n; k++) pnl[k] = pnl[k]! + q * ((price![row + k]! / fwd![row + k]!) * S * ex[k]! - before);
    } else {
      const before = markUsd;
      for (let k = 0; k < n; k++) pnl[k] = pnl[k]! + q * (price![row + k]! - before);
    }
    acc.value += coin ? value : usdMode ? valueUsd : value;
    acc.delta += q * unitDelta;
    if (q < 0 && leg.pu.shortOptionMinimum > 0) acc.som += -q * leg.pu.shortOptionMinimum * leg.unit;
    if (p.addOns.netShortOption > 0) {
      const key = `${pos.timeToExpiry}|${pos.strike}`;
      const at = acc.netKey.get(key);
      if (at === undefined) {
        acc.netKey.set(key, acc.netQ.length);
        acc.netQ.push(q);
      } else acc.netQ[at] = acc.netQ[at]! + q;
    }
  } else {
    const T = pos.timeToExpiry;
    const aT = leg.pu.basisAnnualMove * T;
    const { x, basis } = plan;
    if (inv) {
      for (let k = 0; k < n; k++) {
        const b = basis[k]!;
        const mF = b === 0 ? ex[k]! : Math.exp(x[k]! + b * aT);
        const c = q * (1 - 1 / mF);
        pnl[k] = pnl[k]! + (coin ? c : c * S * ex[k]!);
      }
    } else {
      for (let k = 0; k < n; k++) {
        const b = basis[k]!;
        const mF = b === 0 ? ex[k]! : Math.exp(x[k]! + b * aT);
        pnl[k] = pnl[k]! + q * F * (mF - 1);
      }
    }
    const value = entry !== entry ? 0 : inv ? q * F * (1 / entry - 1 / F) : q * (F - entry);
    const valueUsd = inv ? value * S : value;
    acc.value += coin ? value : usdMode ? valueUsd : value;
    acc.delta += q;
    if (pos.kind === "perpetual" && p.addOns.perpetual > 0) acc.perp += Math.abs(q) * p.addOns.perpetual * leg.unit;
  }
}

/** Black-76 delta per unit of every option of `r` when the oracle add-on needs it (else null). */
function optionDeltas(k: Kernels, r: ResolvedBook, p: GridParameters): Float64Array | null {
  let any = false;
  for (const f of Object.values(p.addOns.oracle)) if (f !== 0) any = true;
  if (!any || r.options.index.length === 0) return null;
  return optionGreeks(k, r).delta;
}

/** Stage 3 for one account: per-leg accumulators from the priced rows (starting at `row0` of `price`/`fwd`). */
function accumulate(L: Layout, price: Float64Array, fwd: Float64Array, row0: number, deltas: Float64Array | null): LegAcc[][] {
  const r = L.r;
  const cols = r.columns;
  const usdMode = L.p.mode === "X:PM";
  let row = row0;
  const out: LegAcc[][] = new Array(L.groups.length);
  for (let gi = 0; gi < L.groups.length; gi++) {
    const g = L.groups[gi]!;
    const gl = L.legs[gi]!;
    const accs: LegAcc[] = new Array(gl.length);
    for (let li = 0; li < gl.length; li++) {
      const leg = gl[li]!;
      const acc = newLegAcc(leg.plan.K);
      const ms = leg.members;
      for (let m = 0; m < ms.length; m++) {
        const i = ms[m]!;
        const j = cols.optionRow[i]!;
        addPosition(acc, acc.posPnl, leg, g.coin, usdMode, L.p, r.positions[i]!, cols.forward[i]!, cols.entryPrice[i]!, price, fwd, row, j >= 0 && deltas ? deltas[j]! : j >= 0 ? NaN : 1);
        if (j >= 0) row += leg.plan.K;
      }
      accs[li] = acc;
    }
    out[gi] = accs;
  }
  return out;
}

const KIND_NAMES = ["grid", "extreme", "skew", "basis"] as const;

/** Stage 4 for one group: scenario P&L, worst losses, add-ons, IM/MM, equity. */
function finishGroup(L: Layout, gi: number, accs: LegAcc[]): GroupState {
  const r = L.r;
  const p = L.p;
  const g = L.groups[gi]!;
  const pl = L.plans[gi]!;
  const gl = L.legs[gi]!;
  const toGroupFromUsd = 1 / g.usdPerUnit;
  const nL = gl.length;
  const legPnl: Float64Array[] = new Array(nL);
  const pnls: Float64Array[] = new Array(nL + (pl.joint ? 1 : 0));
  const unds: GridUnderlyingResult[] = new Array(nL);
  let offset = 0;
  let extremeTotal = 0;
  let perUnderlyingRisk = 0;
  let standalone = 0;
  let basis = 0;
  for (let li = 0; li < nL; li++) {
    const leg = gl[li]!;
    const plan = leg.plan;
    const K = plan.K;
    const lp = accs[li]!.posPnl.slice();
    for (let c = 0; c < leg.coll.length; c++) {
      const cl = g.collateral[leg.coll[c]!]!;
      const v = cl.amount * cl.price;
      for (let k = 0; k < K; k++) lp[k] = lp[k]! + v * plan.em1[k]!;
    }
    legPnl[li] = lp;
    const b = plan.block;
    const pnl = new Float64Array(b.count);
    const map = plan.blockMap;
    for (let s = 0; s < b.count; s++) pnl[s] = lp[map[s]!]!;
    pnls[li] = pnl;
    const pu = leg.pu;
    const damp = pu.extreme ? pu.extreme.dampenerUsd * toGroupFromUsd : 0;
    let gridAt = -1;
    let extremeLoss = 0;
    let extremeAt = -1;
    let worstBasis = 0;
    for (let s = 0; s < b.count; s++) {
      const kind = b.kind[s]!;
      if (kind === STANDARD || kind === SKEW) {
        if (gridAt < 0 || pnl[s]! < pnl[gridAt]!) gridAt = s;
      } else if (kind === EXTREME) {
        const loss = Math.max(0, b.weight[s]! * -pnl[s]! - damp);
        if (loss > extremeLoss) {
          extremeLoss = loss;
          extremeAt = s;
        }
      } else if (kind === BASIS) worstBasis = Math.max(worstBasis, -pnl[s]!);
    }
    basis += worstBasis;
    const gridLoss = Math.max(0, -pnl[gridAt]!);
    const som = accs[li]!.som;
    const combineWithGrid = !pu.extreme || pu.extreme.combine === "grid";
    const scan = combineWithGrid ? Math.max(gridLoss, extremeLoss) : gridLoss;
    if (!combineWithGrid) extremeTotal += extremeLoss;
    const risk = Math.max(scan, som);
    const worstAt = combineWithGrid && extremeLoss > gridLoss ? extremeAt : gridAt;
    const nv = pu.volStates.length;
    const spotMoves: number[] = new Array(pu.pricePoints);
    const heat: number[][] = new Array(pu.pricePoints);
    for (let i = 0; i < pu.pricePoints; i++) {
      spotMoves[i] = b.move[i * nv]!;
      const row: number[] = new Array(nv);
      for (let j = 0; j < nv; j++) row[j] = pnl[i * nv + j]!;
      heat[i] = row;
    }
    unds[li] = {
      underlying: r.underlyings[leg.u]!,
      gridLoss,
      extremeLoss,
      shortOptionMinimum: som,
      risk,
      worst: { index: offset + worstAt, description: describe(b, worstAt, r.underlyings, leg.u), pnl: pnl[worstAt]! },
      spotMoves,
      volStates: pu.volStates.slice(),
      pnl: heat,
    };
    offset += b.count;
    perUnderlyingRisk += risk;
    standalone += gridLoss;
  }

  let joint: GridGroupResult["joint"] = null;
  if (pl.joint) {
    const jb = pl.joint;
    const pnl = new Float64Array(jb.count);
    for (let li = 0; li < nL; li++) {
      const lp = legPnl[li]!;
      const map = gl[li]!.plan.jointMap!;
      for (let s = 0; s < jb.count; s++) pnl[s] = pnl[s]! + lp[map[s]!]!;
    }
    pnls[nL] = pnl;
    let at = 0;
    for (let s = 1; s < pnl.length; s++) if (pnl[s]! < pnl[at]!) at = s;
    const loss = Math.max(0, -pnl[at]!);
    const correlationBreak = p.joint.correlationBreak * Math.max(0, standalone - loss);
    joint = { loss, correlationBreak, risk: loss + correlationBreak, worst: { index: offset + at, description: describe(jb, at, r.underlyings, -1, pl.ref), pnl: pnl[at]! } };
  }

  // add-ons, group currency, from the legs' aggregates (in leg order)
  const addOns: { name: string; value: number }[] = [];
  if (basis > 0) addOns.push({ name: "forward/basis contingency", value: basis });
  let netShort = 0;
  let perp = 0;
  let oracle = 0;
  let positionsValue = 0;
  for (let li = 0; li < nL; li++) {
    const a = accs[li]!;
    const leg = gl[li]!;
    positionsValue += a.value;
    perp += a.perp;
    if (p.addOns.netShortOption > 0) for (let q = 0; q < a.netQ.length; q++) if (a.netQ[q]! < 0) netShort += -a.netQ[q]! * p.addOns.netShortOption * leg.unit;
    const f = p.addOns.oracle[r.underlyings[leg.u]!] ?? 0;
    if (f !== 0) {
      let delta = a.delta;
      for (let c = 0; c < leg.coll.length; c++) delta += g.collateral[leg.coll[c]!]!.amount;
      oracle += Math.abs(delta) * f * leg.unit;
    }
  }
  if (netShort > 0) addOns.push({ name: "net short options contingency", value: netShort });
  if (perp > 0) addOns.push({ name: "perpetual contingency", value: perp });
  if (oracle > 0) addOns.push({ name: "oracle uncertainty", value: oracle });
  if (p.addOns.stablecoinDepeg > 0 && !g.coin) {
    let stable = 0;
    for (const c of g.collateral) if (p.addOns.stablecoins.includes(c.asset) && c.asset !== g.currency && c.amount > 0) stable += c.amount * c.price;
    if (stable > 0) addOns.push({ name: "stablecoin de-peg", value: stable * p.addOns.stablecoinDepeg * toGroupFromUsd });
  }
  let addOnSum = 0;
  for (const a of addOns) addOnSum += a.value;
  const risk = Math.max(perUnderlyingRisk + addOnSum, extremeTotal);
  const initialMargin = assertFiniteResult("margin.initialMargin", p.initialFactor * risk, "grid margin");
  const maintenanceMargin = assertFiniteResult("margin.maintenanceMargin", p.maintenanceFactor * risk, "grid margin");

  let collateral = 0;
  let collIm = 0;
  let collMm = 0;
  for (const c of g.collateral) {
    const val = g.coin ? c.amount : p.mode === "X:PM" ? c.amount * c.price : c.amount;
    const h = p.mode === "X:PM" ? p.haircuts[c.asset] : undefined;
    collateral += val;
    collIm += val > 0 && h ? val * (1 - h.initial) : val;
    collMm += val > 0 && h ? val * (1 - h.maintenance) : val;
  }
  const equity = assertFiniteResult("margin.equity", collateral + positionsValue, "grid margin");
  const marginEquity = { initial: collIm + positionsValue, maintenance: collMm + positionsValue };
  const excess = { initial: marginEquity.initial - initialMargin, maintenance: marginEquity.maintenance - maintenanceMargin };
  return {
    legs: accs,
    legPnl,
    pnls,
    result: {
      currency: g.currency,
      usdPerUnit: g.usdPerUnit,
      underlyings: unds,
      perUnderlyingRisk,
      joint,
      addOns,
      extremeTotal,
      risk,
      initialMargin,
      maintenanceMargin,
      equity,
      marginEquity,
      excess,
      status: marginStatus(excess),
    },
  };
}

const STATUS_RANK = { healthy: 0, "margin-call": 1, liquidation: 2 } as const;

function result(groups: GridGroupResult[], p: GridParameters): GridMarginResult {
  const single = groups.length === 1 ? groups[0]! : null;
  const ccy = single ? single.currency : "USD";
  let initialMargin = 0;
  let maintenanceMargin = 0;
  let equity = 0;
  let meI = 0;
  let meM = 0;
  for (const g of groups) {
    const f = single ? 1 : g.usdPerUnit;
    initialMargin += g.initialMargin * f;
    maintenanceMargin += g.maintenanceMargin * f;
    equity += g.equity * f;
    meI += g.marginEquity.initial * f;
    meM += g.marginEquity.maintenance * f;
  }
  const marginEquity = { initial: meI, maintenance: meM };
  const excess = { initial: marginEquity.initial - initialMargin, maintenance: marginEquity.maintenance - maintenanceMargin };
  // segregated groups are liquidated on their own: the account's status is its worst group's
  let status = marginStatus(excess);
  for (const g of groups) if (STATUS_RANK[g.status] > STATUS_RANK[status]) status = g.status;

  const factors = `IM = ${p.initialFactor} × risk, MM = ${p.maintenanceFactor} × risk`;
  const components: MarginComponent[] = [];
  const worst: WorstScenario[] = [];
  for (const g of groups) {
    const f = single ? 1 : g.usdPerUnit;
    const tag = p.mode === "X:PM" ? "" : ` [${g.currency}-settled]`;
    for (const u of g.underlyings) {
      components.push({ name: `${u.underlying} grid worst loss${tag}`, value: u.gridLoss * f, appliesTo: "both", description: `${u.worst.description}; ${factors}` });
      if (u.extremeLoss > 0) components.push({ name: `${u.underlying} extreme move${tag}`, value: u.extremeLoss * f, appliesTo: "both", description: "weighted, dampened; counts where it exceeds the grid" });
      if (u.shortOptionMinimum > 0) components.push({ name: `${u.underlying} short-option minimum${tag}`, value: u.shortOptionMinimum * f, appliesTo: "both", description: "floor of the underlying's scan risk" });
      worst.push({ index: u.worst.index, description: `${u.worst.description}${tag}`, pnl: u.worst.pnl * f });
    }
    for (const a of g.addOns) components.push({ name: `${a.name}${tag}`, value: a.value * f, appliesTo: "both" });
  }
  worst.sort((a, b) => a.pnl - b.pnl);
  const res: GridMarginResult = {
    method: p.name,
    currency: ccy,
    initialMargin,
    maintenanceMargin,
    equity,
    marginEquity,
    excess,
    marginRatio: marginEquity.maintenance > 0 ? maintenanceMargin / marginEquity.maintenance : null,
    status,
    components,
    worst,
    grid: { preset: p.name, mode: p.mode, groups },
  };
  if (ccy !== "USD") {
    const u = single!.usdPerUnit;
    res.usd = {
      initialMargin: initialMargin * u,
      maintenanceMargin: maintenanceMargin * u,
      equity: equity * u,
      excess: { initial: excess.initial * u, maintenance: excess.maintenance * u },
    };
  }
  return res;
}

/** Rows above which a batch splits its kernel calls (7 columns × 8 bytes × 2^16 rows ≈ 3.7 MB in the wasm arena). */
const CHUNK_ROWS = 1 << 16;

/** An account's computation: layout, priced rows (its own columns, or a slice of a batch's), group states. */
interface Computed {
  L: Layout;
  price: Float64Array;
  fwd: Float64Array;
  row0: number;
  groups: GroupState[];
  result: GridMarginResult;
}

function finish(L: Layout, price: Float64Array, fwd: Float64Array, row0: number, deltas: Float64Array | null): Computed {
  const accs = accumulate(L, price, fwd, row0, deltas);
  const groups: GroupState[] = new Array(accs.length);
  const gr: GridGroupResult[] = new Array(accs.length);
  for (let gi = 0; gi < accs.length; gi++) {
    groups[gi] = finishGroup(L, gi, accs[gi]!);
    gr[gi] = groups[gi]!.result;
  }
  return { L, price, fwd, row0, groups, result: result(gr, L.p) };
}

function computeResolved(k: Kernels, r: ResolvedBook, market: Market, p: GridParameters, joint: boolean): Computed {
  const L = buildLayout(r, market, p, joint);
  const c = rowColumns(L.rows);
  fillRows(L, c, 0);
  const price = L.rows > 0 ? k.black76Price(c, false, new Float64Array(L.rows)) : new Float64Array(0);
  return finish(L, price, c.forward, 0, optionDeltas(k, L.r, p));
}

/** Scenario-grid margin of a parsed book on a parsed market under validated parameters. */
export function gridMargin(k: Kernels, book: Book, market: Market, p: GridParameters, options: GridOptions = {}): GridMarginResult {
  return computeResolved(k, resolveBook(book, market), market, p, options.joint !== false).result;
}

export interface BatchFailure {
  /** index of the account in the batch */
  account: number;
  error: OffsetInputError;
}

/**
 * Grid margin of many accounts on one market: every account's option rows are packed into shared columns and priced
 * with one black76Price call per chunk of ≤ 65,536 rows; each account's result is identical to `gridMargin` on it
 * alone (the kernel is element-wise). An account with bad input gets a BatchFailure in its slot; the rest go on.
 */
export function gridMarginBatch(k: Kernels, books: readonly unknown[], market: Market, p: GridParameters, options: GridOptions = {}): (GridMarginResult | BatchFailure)[] {
  const joint = options.joint === true;
  const n = books.length;
  const out: (GridMarginResult | BatchFailure)[] = new Array(n);
  const layouts: (Layout | null)[] = new Array(n);
  for (let a = 0; a < n; a++) {
    try {
      layouts[a] = buildLayout(resolveBook(parseBook(books[a]), market), market, p, joint);
    } catch (e) {
      if (!(e instanceof OffsetInputError)) throw e;
      layouts[a] = null;
      out[a] = { account: a, error: e };
    }
  }
  let cols = rowColumns(0);
  let price = new Float64Array(0);
  let start = 0;
  while (start < n) {
    // a chunk: accounts [start, end) with ≤ CHUNK_ROWS rows (at least one account)
    let end = start;
    let rows = 0;
    while (end < n && (end === start || rows + (layouts[end]?.rows ?? 0) <= CHUNK_ROWS)) rows += layouts[end++]?.rows ?? 0;
    if (cols.forward.length < rows) {
      cols = rowColumns(Math.max(rows, CHUNK_ROWS));
      price = new Float64Array(cols.forward.length);
    }
    let at = 0;
    for (let a = start; a < end; a++) if (layouts[a]) at = fillRows(layouts[a]!, cols, at);
    const view: RowColumns = {
      forward: cols.forward.subarray(0, rows),
      strike: cols.strike.subarray(0, rows),
      timeToExpiry: cols.timeToExpiry.subarray(0, rows),
      vol: cols.vol.subarray(0, rows),
      rate: cols.rate.subarray(0, rows),
      isCall: cols.isCall.subarray(0, rows),
    };
    if (rows > 0) k.black76Price(view, false, price.subarray(0, rows));
    at = 0;
    for (let a = start; a < end; a++) {
      const L = layouts[a];
      if (!L) continue;
      out[a] = finish(L, price, cols.forward, at, optionDeltas(k, L.r, p)).result;
      at += L.rows;
    }
    start = end;
  }
  return out;
}

// ---- what-if: an explicit state object ----------------------------------------------------------------------------

export interface MarginChange {
  /** currency of the figures: the results' currency when both have the same, else USD */
  currency: string;
  initialMargin: number;
  maintenanceMargin: number;
  equity: number;
  excess: { initial: number; maintenance: number };
}

export interface WhatIfResult {
  before: GridMarginResult;
  /** the margin of the book with the trades appended to its positions (identical to a full recompute) */
  after: GridMarginResult;
  /** after − before */
  change: MarginChange;
  /** false when the trades changed the book's structure (a new underlying, currency group or basis scenarios) and
   *  the state recomputed the whole book instead */
  incremental: boolean;
}

/** after − before, in their common currency (USD when they differ). */
export function marginChange(before: GridMarginResult, after: GridMarginResult): MarginChange {
  const same = before.currency === after.currency;
  const fb = same ? 1 : before.currency === "USD" ? 1 : before.grid.groups[0]!.usdPerUnit;
  const fa = same ? 1 : after.currency === "USD" ? 1 : after.grid.groups[0]!.usdPerUnit;
  return {
    currency: same ? after.currency : "USD",
    initialMargin: after.initialMargin * fa - before.initialMargin * fb,
    maintenanceMargin: after.maintenanceMargin * fa - before.maintenanceMargin * fb,
    equity: after.equity * fa - before.equity * fb,
    excess: { initial: after.excess.initial * fa - before.excess.initial * fb, maintenance: after.excess.maintenance * fa - before.excess.maintenance * fb },
  };
}

/** Trades as positions (Offset JSON), validated with the book schema and reported under `trades[i]`. */
export function parseTrades(trades: unknown): Book {
  if (!Array.isArray(trades)) fail("trades", "an array of { instrument, quantity, entryPrice? }", trades);
  try {
    return parseBook({ positions: trades, collateral: {} });
  } catch (e) {
    if (e instanceof OffsetInputError) throw new OffsetInputError(e.issues.map((i) => ({ ...i, path: i.path.replace(/^book\.positions/, "trades") })));
    throw e;
  }
}

/**
 * A book's grid margin with what a what-if needs, held by the caller (DESIGN: caches are explicit objects): per leg
 * (currency group × underlying) the positions' P&L per shock and the scalar aggregates, per group the result.
 * `whatIf(trades)` prices only the trades' rows and adds their P&L vectors to the book's; no book row is repriced.
 * The state is immutable: what-ifs never change it (use `withTrades` to move on to the new book).
 */
export class GridState {
  /** @internal */
  constructor(
    readonly kernels: Kernels,
    readonly book: Book,
    readonly market: Market,
    readonly parameters: GridParameters,
    /** @internal */ readonly computed: Computed,
    readonly joint: boolean,
  ) {}

  get result(): GridMarginResult {
    return this.computed.result;
  }

  /** The margin after appending `trades` (Offset JSON positions) to the book, and the change. */
  whatIf(trades: unknown): WhatIfResult {
    const before = this.computed.result;
    const tb = parseTrades(trades);
    const inc = tb.positions.length === 0 ? before : this.incremental(tb);
    const after = inc ?? this.full(tb).result;
    return { before, after, change: marginChange(before, after), incremental: inc !== null };
  }

  /** A new state for the book with `trades` appended (a full computation). */
  withTrades(trades: unknown): GridState {
    const tb = parseTrades(trades);
    const book: Book = { positions: [...this.book.positions, ...tb.positions], collateral: this.book.collateral };
    return new GridState(this.kernels, book, this.market, this.parameters, computeResolved(this.kernels, resolveBook(book, this.market), this.market, this.parameters, this.joint), this.joint);
  }

  private full(tb: Book): Computed {
    const book: Book = { positions: [...this.book.positions, ...tb.positions], collateral: this.book.collateral };
    return computeResolved(this.kernels, resolveBook(book, this.market), this.market, this.parameters, this.joint);
  }

  /** The incremental path, or null when the trades change the book's structure. */
  private incremental(tb: Book): GridMarginResult | null {
    const n = tb.positions.length;
    const { L, groups } = this.computed;
    const p = this.parameters;
    const rt = resolveBook(tb, this.market);
    // where each trade goes: (group, leg); any structural change → full recompute
    const gOf = new Int32Array(n);
    const lOf = new Int32Array(n);
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const pos = rt.positions[i]!;
      const u = L.r.underlyings.indexOf(rt.underlyings[pos.underlying]!);
      if (u < 0 || u >= L.bookUnderlyings) return null;
      const gi = p.mode === "X:PM" ? 0 : L.groups.findIndex((g) => g.currency === pos.settlementCurrency);
      if (gi < 0) return null;
      const li = L.groups[gi]!.unds.indexOf(u);
      if (li < 0) return null;
      const leg = L.legs[gi]![li]!;
      if (pos.timeToExpiry > 0 && !leg.dated && leg.pu.basisAnnualMove > 0) return null;
      gOf[i] = gi;
      lOf[i] = li;
      if (pos.kind === "option") rows += leg.plan.K;
    }
    // the trades' rows, priced alone (the kernel is element-wise: the same bits as in the book's batch)
    const c = rowColumns(rows);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const j = rt.columns.optionRow[i]!;
      if (j >= 0) {
        const leg = L.legs[gOf[i]!]![lOf[i]!]!;
        at = fillOption(rt.options, j, leg.pu, leg.plan, c, at);
      }
    }
    const price = rows > 0 ? this.kernels.black76Price(c, false, new Float64Array(rows)) : c.forward;
    const deltas = optionDeltas(this.kernels, rt, p);
    // copy-on-write accumulators of the touched legs; the trades' contributions follow the book's
    const accs: LegAcc[][] = groups.map((g) => g.legs);
    const touched = new Uint8Array(L.groups.length);
    const usdMode = p.mode === "X:PM";
    let row = 0;
    for (let i = 0; i < n; i++) {
      const gi = gOf[i]!;
      const li = lOf[i]!;
      if (!touched[gi]) {
        touched[gi] = 1;
        accs[gi] = accs[gi]!.slice();
      }
      if (accs[gi]![li] === groups[gi]!.legs[li]) accs[gi]![li] = cloneLegAcc(groups[gi]!.legs[li]!);
      const acc = accs[gi]![li]!;
      const leg = L.legs[gi]![li]!;
      const j = rt.columns.optionRow[i]!;
      addPosition(acc, acc.posPnl, leg, L.groups[gi]!.coin, usdMode, p, rt.positions[i]!, rt.columns.forward[i]!, rt.columns.entryPrice[i]!, price, c.forward, row, j >= 0 && deltas ? deltas[j]! : j >= 0 ? NaN : 1);
      if (j >= 0) row += leg.plan.K;
    }
    const out: GridGroupResult[] = new Array(groups.length);
    for (let gi = 0; gi < groups.length; gi++) out[gi] = touched[gi] ? finishGroup(L, gi, accs[gi]!).result : groups[gi]!.result;
    return result(out, p);
  }

  /** Explanations of the book's margin: heatmaps, k worst scenarios, contributions, hedge benefits. */
  explain(options: ExplainOptions = {}): GridExplanation {
    return explainComputed(this.computed, options.worst ?? 5);
  }

  /** Margin-call and liquidation levels, and the distance to liquidation per underlying and by beta. */
  thresholds(options: ThresholdOptions = {}): GridThresholds {
    return thresholdsOf(this.kernels, this.computed, this.market, options);
  }
}

/** The state of a parsed book (see GridState). */
export function gridState(k: Kernels, book: Book, market: Market, p: GridParameters, options: GridOptions = {}): GridState {
  const joint = options.joint !== false;
  return new GridState(k, book, market, p, computeResolved(k, resolveBook(book, market), market, p, joint), joint);
}

// ---- explanations -------------------------------------------------------------------------------------------------

export interface ExplainOptions {
  /** how many worst scenarios per currency group (default 5) */
  worst?: number;
}

export interface ExplainedScenario extends GridScenarioResult {
  underlying: string;
  kind: "grid" | "extreme" | "skew" | "basis" | "joint";
  /** the loss as the requirement counts it (extremes weighted and dampened), group currency, ≥ 0 */
  loss: number;
}

export interface PositionLine {
  /** instrument name, or "collateral <ASSET>" */
  name: string;
  /** P&L in the underlying's worst scenario, group currency */
  pnl: number;
  /** initialFactor × the scan risk of the position alone in this underlying's grid */
  standaloneMargin: number;
  /** initialFactor × (the underlying's scan risk − its scan risk without the position): its marginal contribution */
  marginalMargin: number;
}

export interface UnderlyingExplanation {
  underlying: string;
  /** the spot × vol grid of P&L (group currency): rows = spotMoves, columns = volStates */
  heatmap: { spotMoves: number[]; volStates: string[]; pnl: number[][] };
  /** the scenario behind the underlying's scan risk */
  worst: GridScenarioResult;
  /** per position (and moving collateral), book order; `pnl` sums to `worst.pnl` */
  positions: PositionLine[];
  /** Σ standalone margins − the underlying's portfolio margin (initialFactor × scan risk): what hedging saves */
  hedge: { standalone: number; portfolio: number; benefit: number };
}

export interface GroupExplanation {
  currency: string;
  usdPerUnit: number;
  /** the k worst scenarios of the group (per-underlying blocks and the joint grid), by counted loss */
  worst: ExplainedScenario[];
  underlyings: UnderlyingExplanation[];
}

export interface GridExplanation {
  groups: GroupExplanation[];
}

/** The scan risk of one leg for a P&L-per-shock vector (finishGroup's per-underlying rule) and a short-option minimum. */
function legRisk(leg: Leg, lp: Float64Array, som: number, toGroupFromUsd: number): number {
  const b = leg.plan.block;
  const map = leg.plan.blockMap;
  const pu = leg.pu;
  const damp = pu.extreme ? pu.extreme.dampenerUsd * toGroupFromUsd : 0;
  let grid = -Infinity;
  let extreme = 0;
  for (let s = 0; s < b.count; s++) {
    const kind = b.kind[s]!;
    const pnl = lp[map[s]!]!;
    if (kind === STANDARD || kind === SKEW) grid = Math.max(grid, -pnl);
    else if (kind === EXTREME) extreme = Math.max(extreme, b.weight[s]! * -pnl - damp);
  }
  const gridLoss = Math.max(0, grid);
  const scan = !pu.extreme || pu.extreme.combine === "grid" ? Math.max(gridLoss, extreme) : gridLoss;
  return Math.max(scan, som);
}

function explainComputed(C: Computed, kWorst: number): GridExplanation {
  const { L, price, fwd } = C;
  const r = L.r;
  const p = L.p;
  const cols = r.columns;
  const usdMode = p.mode === "X:PM";
  let row = C.row0;
  const groups: GroupExplanation[] = [];
  for (let gi = 0; gi < L.groups.length; gi++) {
    const g = L.groups[gi]!;
    const gs = C.groups[gi]!;
    const toGroupFromUsd = 1 / g.usdPerUnit;
    const cands: ExplainedScenario[] = [];
    const unds: UnderlyingExplanation[] = [];
    let offset = 0;
    for (let li = 0; li < L.legs[gi]!.length; li++) {
      const leg = L.legs[gi]![li]!;
      const ur = gs.result.underlyings[li]!;
      const b = leg.plan.block;
      const pnl = gs.pnls[li]!;
      const damp = leg.pu.extreme ? leg.pu.extreme.dampenerUsd * toGroupFromUsd : 0;
      for (let s = 0; s < b.count; s++) {
        const kind = b.kind[s]!;
        const loss = kind === EXTREME ? Math.max(0, b.weight[s]! * -pnl[s]! - damp) : Math.max(0, -pnl[s]!);
        cands.push({ underlying: ur.underlying, kind: KIND_NAMES[kind]!, index: offset + s, description: describe(b, s, r.underlyings, leg.u), pnl: pnl[s]!, loss });
      }
      offset += b.count;
      // per position: its own vector (the same accumulation as the book's, from zero)
      const K = leg.plan.K;
      const lp = gs.legPnl[li]!;
      const risk = ur.risk;
      const worstK = leg.plan.blockMap[ur.worst.index - (offset - b.count)]!;
      const lines: PositionLine[] = [];
      let sumStandalone = 0;
      const v = new Float64Array(K);
      const rest = new Float64Array(K);
      const ms = leg.members;
      const line = (name: string, som: number) => {
        for (let k = 0; k < K; k++) rest[k] = lp[k]! - v[k]!;
        const standalone = p.initialFactor * legRisk(leg, v, som, toGroupFromUsd);
        const marginal = p.initialFactor * (risk - legRisk(leg, rest, ur.shortOptionMinimum - som, toGroupFromUsd));
        sumStandalone += standalone;
        lines.push({ name, pnl: v[worstK]!, standaloneMargin: standalone, marginalMargin: marginal });
      };
      for (let m = 0; m < ms.length; m++) {
        const i = ms[m]!;
        const j = cols.optionRow[i]!;
        const acc = newLegAcc(K);
        addPosition(acc, acc.posPnl, leg, g.coin, usdMode, p, r.positions[i]!, cols.forward[i]!, cols.entryPrice[i]!, price, fwd, row, NaN);
        if (j >= 0) row += K;
        v.set(acc.posPnl);
        line(r.positions[i]!.name, acc.som);
      }
      for (let c = 0; c < leg.coll.length; c++) {
        const cl = g.collateral[leg.coll[c]!]!;
        const val = cl.amount * cl.price;
        for (let k = 0; k < K; k++) v[k] = 0 + val * leg.plan.em1[k]!;
        line(`collateral ${cl.asset}`, 0);
      }
      const portfolio = p.initialFactor * risk;
      unds.push({
        underlying: ur.underlying,
        heatmap: { spotMoves: ur.spotMoves, volStates: ur.volStates, pnl: ur.pnl },
        worst: ur.worst,
        positions: lines,
        hedge: { standalone: sumStandalone, portfolio, benefit: sumStandalone - portfolio },
      });
    }
    const pl = L.plans[gi]!;
    if (pl.joint) {
      const pnl = gs.pnls[L.legs[gi]!.length]!;
      for (let s = 0; s < pl.joint.count; s++) {
        cands.push({ underlying: "joint", kind: "joint", index: offset + s, description: describe(pl.joint, s, r.underlyings, -1, pl.ref), pnl: pnl[s]!, loss: Math.max(0, -pnl[s]!) });
      }
    }
    cands.sort((a, b) => b.loss - a.loss || a.pnl - b.pnl || a.index - b.index);
    groups.push({ currency: g.currency, usdPerUnit: g.usdPerUnit, worst: cands.slice(0, kWorst), underlyings: unds });
  }
  return { groups };
}

// ---- thresholds ---------------------------------------------------------------------------------------------------

export interface ThresholdOptions {
  /** compute distances to liquidation (a root find per underlying and direction; default true) */
  distances?: boolean;
}

export interface LiquidationMove {
  /** simple spot move of the underlying (the reference for a beta line) that first takes the account to liquidation */
  move: number;
  /** the index at that move (USD) */
  price: number;
}

export interface DistanceToLiquidation {
  /** the underlying moved; for a beta line, the reference */
  underlying: string;
  /** "alone": only this underlying moves; "beta": every underlying moves by β_u/β_ref × the reference's log return */
  how: "alone" | "beta";
  /** null: no liquidation within the searched range (down to −99 %, up to +1000 %) */
  down: LiquidationMove | null;
  up: LiquidationMove | null;
}

export interface GridThresholds {
  /** currency of the levels (the result's) */
  currency: string;
  /** margin call when margin equity (IM haircuts) falls below `level` = IM; `buffer` = margin equity − IM */
  marginCall: { level: number; marginEquity: number; buffer: number };
  /** liquidation when margin equity (MM haircuts) falls below `level` = MM */
  liquidation: { level: number; marginEquity: number; buffer: number };
  distances: DistanceToLiquidation[];
  method: string;
}

/** Tolerance of the liquidation move (absolute, on the simple move: 1e-5 = 0.001 % of the index). */
const LIQ_TOL = 1e-5;
const SCAN_FIRST = 0.005;
const SCAN_GROWTH = 1.25;
const MAX_DOWN = 0.99;
const MAX_UP = 10;

/** The book of `r` with every underlying's spot and forwards multiplied by `mult[u]` (vols, times, rates kept). */
function shifted(r: ResolvedBook, mult: Float64Array): ResolvedBook {
  const o = r.options;
  const c = r.columns;
  const oF = new Float64Array(o.forward.length);
  for (let j = 0; j < oF.length; j++) oF[j] = o.forward[j]! * mult[o.underlying[j]!]!;
  const cF = new Float64Array(c.forward.length);
  for (let i = 0; i < cF.length; i++) cF[i] = c.forward[i]! * mult[c.underlying[i]!]!;
  const spot = new Float64Array(r.spot.length);
  for (let u = 0; u < spot.length; u++) spot[u] = r.spot[u]! * mult[u]!;
  const options = { ...o, forward: oF };
  return {
    ...r,
    spot,
    options,
    columns: { ...c, options, forward: cF, spot },
    collateral: r.collateral.map((x) => (x.underlying >= 0 ? { ...x, price: x.price * mult[x.underlying]! } : x)),
  };
}

/** min over the groups and the account of margin equity − MM, USD: < 0 means liquidation. */
function headroom(res: GridMarginResult): number {
  let h = res.excess.maintenance * (res.currency === "USD" ? 1 : res.grid.groups[0]!.usdPerUnit);
  for (const g of res.grid.groups) h = Math.min(h, g.excess.maintenance * g.usdPerUnit);
  return h;
}

function thresholdsOf(k: Kernels, C: Computed, market: Market, options: ThresholdOptions): GridThresholds {
  const res = C.result;
  const r = C.L.r;
  const p = C.L.p;
  const U = r.underlyings.length;
  const distances: DistanceToLiquidation[] = [];
  const method =
    `margin recomputed (joint grid off) on the book revalued at each move (spot and every forward of the underlying × (1 + move); ` +
    `vols, times and rates kept: sticky strike); a scan at moves ±${SCAN_FIRST}·${SCAN_GROWTH}^k (down to −${MAX_DOWN * 100} %, up to +${MAX_UP * 100} %) ` +
    `brackets the first move with margin equity − MM < 0 in any group or the account, bisection narrows it to ${LIQ_TOL} (absolute, on the move). ` +
    `A liquidation window narrower than one scan step can be missed.`;
  if (options.distances !== false) {
    const mult = new Float64Array(U);
    const h = (moves: (m: number, out: Float64Array) => void, m: number) => {
      moves(m, mult);
      return headroom(computeResolved(k, shifted(r, mult), market, p, false).result);
    };
    const search = (moves: (m: number, out: Float64Array) => void, dir: 1 | -1, S: number): LiquidationMove | null => {
      const cap = dir < 0 ? MAX_DOWN : MAX_UP;
      if (headroom(res) < 0) return { move: 0, price: S };
      let lo = 0;
      for (let step = SCAN_FIRST; ; step *= SCAN_GROWTH) {
        const hi = Math.min(step, cap);
        if (h(moves, dir * hi) < 0) {
          let a = lo;
          let b = hi;
          while (b - a > LIQ_TOL) {
            const mid = 0.5 * (a + b);
            if (h(moves, dir * mid) < 0) b = mid;
            else a = mid;
          }
          return { move: dir * b, price: S * (1 + dir * b) };
        }
        if (hi >= cap) return null;
        lo = hi;
      }
    };
    for (let u = 0; u < C.L.bookUnderlyings; u++) {
      const alone = (m: number, out: Float64Array) => {
        out.fill(1);
        out[u] = 1 + m;
      };
      distances.push({ underlying: r.underlyings[u]!, how: "alone", down: search(alone, -1, r.spot[u]!), up: search(alone, 1, r.spot[u]!) });
    }
    const ref = r.underlyings.indexOf(p.joint.reference);
    if (ref >= 0 && U > 1) {
      const betas = r.underlyings.map((name) => underlyingParams(p, name).beta);
      const byBeta = (m: number, out: Float64Array) => {
        const x = Math.log1p(m);
        for (let u = 0; u < U; u++) out[u] = Math.exp((x * betas[u]!) / betas[ref]!);
      };
      distances.push({ underlying: r.underlyings[ref]!, how: "beta", down: search(byBeta, -1, r.spot[ref]!), up: search(byBeta, 1, r.spot[ref]!) });
    }
  }
  return {
    currency: res.currency,
    marginCall: { level: res.initialMargin, marginEquity: res.marginEquity.initial, buffer: res.excess.initial },
    liquidation: { level: res.maintenanceMargin, marginEquity: res.marginEquity.maintenance, buffer: res.excess.maintenance },
    distances,
    method,
  };
}

// ---- internals for the held batch state (grid-batch.ts) ---------------------------------------------------------
/** @internal */
export { buildLayout, computeResolved, rowColumns, underlyingParams, STANDARD as SCENARIO_STANDARD };
/** @internal */
export type { Layout, Leg, ShockPlan, RowColumns };
