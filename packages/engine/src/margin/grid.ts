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
import type { Kernels } from "@offset/kernels";
import * as z from "zod";
import { assertFiniteResult, fail } from "../errors.js";
import type { Market } from "../market/snapshot.js";
import type { Book } from "../model.js";
import type { ResolvedBook } from "../portfolio.js";
import { parseWith } from "../validate.js";
import { type Valuation, valueBook } from "../valuation.js";
import { type MarginComponent, type MarginResult, marginStatus, type WorstScenario } from "./result.js";

/** Shocked-down vols never fall below this fraction of the unshocked vol (a vol of 0 has no Black-76 value). */
const VOL_FLOOR_FACTOR = 0.01;
/** Absolute vol floor after skew rotation (decimal): keeps Black-76 defined when a rotation crosses zero. */
const VOL_FLOOR = 1e-4;
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

function describe(b: Block, s: number, names: string[], ref = -1): string {
  const who = b.u >= 0 ? names[b.u]! : `joint (all by beta to ${names[ref]}): ${names[ref]}`;
  const k = b.kind[s]!;
  if (k === BASIS) return `${who} forwards ${b.basis[s]! > 0 ? "up" : "down"} vs spot (basis)`;
  let d = `${who} spot ${pct(b.move[s]!)}, ${VOL_WORDS[b.vol[s]! + 1]}`;
  if (k === SKEW) d += `, skew ${b.skew[s]! > 0 ? "puts up" : "calls up"}`;
  if (k === EXTREME) d += ` (extreme, weight ${Math.round(b.weight[s]! * 1e4) / 1e4})`;
  return d;
}

// ---- the engine ------------------------------------------------------------------------------------------------

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

/** Scenario-grid margin of a parsed book on a parsed market under validated parameters. */
export function gridMargin(k: Kernels, book: Book, market: Market, p: GridParameters): GridMarginResult {
  const { valuation, resolved } = valueBook(k, book, market);
  const r = p.mode === "X:PM" ? withCollateralUnderlyings(resolved, market) : resolved;
  const groups = makeGroups(r, valuation, p, market);
  const paramsOf = r.underlyings.map((u) => ({ ...p.default, ...(p.underlyings[u] ?? {}) }) as UnderlyingGrid);

  // blocks per group: one per underlying, plus a joint block where the group has several underlyings
  const plan = groups.map((g) => {
    const hasDated = (u: number) => g.positions.some((i) => r.positions[i]!.underlying === u && r.positions[i]!.timeToExpiry > 0);
    const blocks = g.unds.map((u) => buildBlock(u, paramsOf[u]!, hasDated(u), false, r.underlyings[u]));
    let joint: Block | null = null;
    if (g.unds.length > 1) {
      const ref = g.unds.find((u) => r.underlyings[u] === p.joint.reference) ?? g.unds[0]!;
      joint = buildBlock(-1, paramsOf[ref]!, false, true);
    }
    return { blocks, joint, ref: joint ? (g.unds.find((u) => r.underlyings[u] === p.joint.reference) ?? g.unds[0]!) : -1 };
  });

  // one kernel call over every (scenario, option) row of every block of every group
  const pnls = revalue(k, r, valuation, groups, plan, paramsOf);

  const out = groups.map((g, gi) => aggregate(g, plan[gi]!, pnls[gi]!, r, valuation, p, paramsOf));
  return result(out, p, valuation);
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

function makeGroups(r: ResolvedBook, v: Valuation, p: GridParameters, market: Market): Group[] {
  const priceOf = (asset: string) => market.snapshot.underlyings[asset]?.index ?? market.snapshot.prices[asset] ?? 1;
  if (p.mode === "X:PM") {
    return [
      {
        currency: "USD",
        usdPerUnit: 1,
        coin: false,
        positions: r.positions.map((_, i) => i),
        collateral: r.collateral,
        unds: r.underlyings.map((_, u) => u),
      },
    ];
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
  r.positions.forEach((pos, i) => {
    const g = get(pos.settlementCurrency);
    g.positions.push(i);
    if (!g.unds.includes(pos.underlying)) g.unds.push(pos.underlying);
  });
  for (const c of r.collateral) get(c.asset).collateral.push(c);
  void v;
  return [...byCcy.values()];
}

type Plan = { blocks: Block[]; joint: Block | null; ref: number };

/**
 * P&L (group currency) of every scenario of every block, by full revaluation: the option rows of all blocks are laid
 * out in one set of columns and priced by one black76Price call. Per block, the rows are scenario-major
 * (s·n + j) over the block's options.
 */
function revalue(k: Kernels, r: ResolvedBook, v: Valuation, groups: Group[], plan: Plan[], paramsOf: UnderlyingGrid[]): Float64Array[][] {
  const o = r.options;
  const optRow = new Int32Array(r.positions.length).fill(-1);
  for (let j = 0; j < o.index.length; j++) optRow[o.index[j]!] = j;

  // per block: the option rows it revalues (indices into r.options)
  const blockOpts: Int32Array[][] = groups.map((g, gi) => {
    const all = (b: Block) => Int32Array.from(g.positions.filter((i) => optRow[i]! >= 0 && (b.u < 0 || r.positions[i]!.underlying === b.u)).map((i) => optRow[i]!));
    const pl = plan[gi]!;
    return [...pl.blocks, ...(pl.joint ? [pl.joint] : [])].map(all);
  });
  let total = 0;
  groups.forEach((_, gi) => {
    const pl = plan[gi]!;
    [...pl.blocks, ...(pl.joint ? [pl.joint] : [])].forEach((b, bi) => (total += b.count * blockOpts[gi]![bi]!.length));
  });
  const cols = {
    forward: new Float64Array(total),
    strike: new Float64Array(total),
    timeToExpiry: new Float64Array(total),
    vol: new Float64Array(total),
    rate: new Float64Array(total),
    isCall: new Int32Array(total),
  };
  // per option: tenor scaling s(T) and log-moneyness, once
  const nO = o.index.length;
  const scale = new Float64Array(nO);
  const logK = new Float64Array(nO);
  for (let j = 0; j < nO; j++) {
    const pu = paramsOf[o.underlying[j]!]!;
    const dte = o.timeToExpiry[j]! * DAYS_PER_YEAR;
    scale[j] = Math.pow(30 / Math.max(dte, pu.dteFloorDays, 1e-9), dte < 30 ? pu.shortTermPower : pu.longTermPower);
    logK[j] = Math.log(o.strike[j]! / o.forward[j]!);
  }
  const beta = paramsOf.map((q) => q.beta);
  let at = 0;
  groups.forEach((_, gi) => {
    const pl = plan[gi]!;
    const refBeta = pl.ref >= 0 ? beta[pl.ref]! : 1;
    [...pl.blocks, ...(pl.joint ? [pl.joint] : [])].forEach((b, bi) => {
      const opts = blockOpts[gi]![bi]!;
      for (let s = 0; s < b.count; s++) {
        const vs = b.vol[s]!;
        const sk = b.skew[s]!;
        const bs = b.basis[s]!;
        for (let q = 0; q < opts.length; q++) {
          const j = opts[q]!;
          const u = o.underlying[j]!;
          const pu = paramsOf[u]!;
          const T = o.timeToExpiry[j]!;
          const x = b.u >= 0 ? b.x[s]! : (b.x[s]! * beta[u]!) / refBeta;
          const sig = o.vol[j]!;
          const sc = scale[j]!;
          let vol = vs > 0 ? Math.max(pu.minVolUp, sig * (1 + pu.volUp * sc)) : vs < 0 ? sig * Math.max(1 - pu.volDown * sc, VOL_FLOOR_FACTOR) : sig;
          if (sk !== 0) vol = Math.max(vol - sk * pu.skewRotation * sc * logK[j]!, VOL_FLOOR);
          cols.forward[at] = o.forward[j]! * Math.exp(x + bs * pu.basisAnnualMove * T);
          cols.strike[at] = o.strike[j]!;
          cols.timeToExpiry[at] = T;
          cols.vol[at] = vol;
          cols.rate[at] = o.rate[j]!;
          cols.isCall[at] = o.isCall[j]!;
          at++;
        }
      }
    });
  });
  const price = total > 0 ? k.black76Price(cols, false, new Float64Array(total)) : new Float64Array(0);

  // P&L per scenario
  at = 0;
  return groups.map((g, gi) => {
    const pl = plan[gi]!;
    const refBeta = pl.ref >= 0 ? beta[pl.ref]! : 1;
    return [...pl.blocks, ...(pl.joint ? [pl.joint] : [])].map((b, bi) => {
      const opts = blockOpts[gi]![bi]!;
      const pnl = new Float64Array(b.count);
      const nonOpt = g.positions.filter((i) => optRow[i]! < 0 && (b.u < 0 || r.positions[i]!.underlying === b.u));
      const coll = g.coin ? [] : g.collateral.filter((c) => c.underlying >= 0 && (b.u < 0 || c.underlying === b.u) && g.unds.includes(c.underlying));
      for (let s = 0; s < b.count; s++) {
        let sum = 0;
        const xOf = (u: number) => (b.u >= 0 ? b.x[s]! : (b.x[s]! * beta[u]!) / refBeta);
        for (let q = 0; q < opts.length; q++) {
          const j = opts[q]!;
          const i = o.index[j]!;
          const pos = r.positions[i]!;
          const pv = v.positions[i]!;
          const u = pos.underlying;
          const x = xOf(u);
          const mF = Math.exp(x + b.basis[s]! * paramsOf[u]!.basisAnnualMove * pos.timeToExpiry);
          const usd = price[at++]!;
          let after: number, before: number;
          if (pos.inverse) {
            const coinAfter = usd / (pos.forward * mF);
            if (g.coin) {
              after = coinAfter;
              before = pv.mark;
            } else {
              after = coinAfter * r.spot[u]! * Math.exp(x);
              before = pv.markUsd;
            }
          } else {
            after = usd;
            before = pv.markUsd;
          }
          sum += pos.quantity * (after - before);
        }
        for (const i of nonOpt) {
          const pos = r.positions[i]!;
          const u = pos.underlying;
          const x = xOf(u);
          const mF = Math.exp(x + b.basis[s]! * paramsOf[u]!.basisAnnualMove * pos.timeToExpiry);
          if (pos.inverse) {
            const coin = pos.quantity * (1 - 1 / mF);
            sum += g.coin ? coin : coin * r.spot[u]! * Math.exp(x);
          } else {
            sum += pos.quantity * pos.forward * (mF - 1);
          }
        }
        for (const c of coll) sum += c.amount * c.price * Math.expm1(xOf(c.underlying));
        pnl[s] = sum;
      }
      return pnl;
    });
  });
}

function aggregate(g: Group, pl: Plan, pnls: Float64Array[], r: ResolvedBook, v: Valuation, p: GridParameters, paramsOf: UnderlyingGrid[]): GridGroupResult {
  const unitOf = (u: number) => (g.coin ? 1 : r.spot[u]!); // index in the group's currency per 1 (coin groups: fraction of 1 coin)
  const toGroupFromUsd = 1 / g.usdPerUnit;
  // scenario indices: blocks are concatenated in order (per underlying, then joint)
  let offset = 0;
  let extremeTotal = 0;
  const unds = pl.blocks.map((b, bi): GridUnderlyingResult => {
    const pnl = pnls[bi]!;
    const pu = paramsOf[b.u]!;
    let gridAt = -1;
    let extremeLoss = 0;
    let extremeAt = -1;
    for (let s = 0; s < b.count; s++) {
      const kind = b.kind[s]!;
      if (kind === STANDARD || kind === SKEW) {
        if (gridAt < 0 || pnl[s]! < pnl[gridAt]!) gridAt = s;
      } else if (kind === EXTREME) {
        const damp = pu.extreme!.dampenerUsd * toGroupFromUsd;
        const loss = Math.max(0, b.weight[s]! * -pnl[s]! - damp);
        if (loss > extremeLoss) {
          extremeLoss = loss;
          extremeAt = s;
        }
      }
    }
    const gridLoss = Math.max(0, -pnl[gridAt]!);
    // short-option minimum: per unit of short option, a fraction of the index (in the group's currency)
    let som = 0;
    if (pu.shortOptionMinimum > 0) {
      for (const i of g.positions) {
        const pos = r.positions[i]!;
        if (pos.underlying === b.u && pos.kind === "option" && pos.quantity < 0) som += -pos.quantity * pu.shortOptionMinimum * unitOf(b.u);
      }
    }
    const combineWithGrid = !pu.extreme || pu.extreme.combine === "grid";
    const scan = combineWithGrid ? Math.max(gridLoss, extremeLoss) : gridLoss;
    if (!combineWithGrid) extremeTotal += extremeLoss;
    const risk = Math.max(scan, som);
    const worstAt = combineWithGrid && extremeLoss > gridLoss ? extremeAt : gridAt;
    const res: GridUnderlyingResult = {
      underlying: r.underlyings[b.u]!,
      gridLoss,
      extremeLoss,
      shortOptionMinimum: som,
      risk,
      worst: { index: offset + worstAt, description: describe(b, worstAt, r.underlyings), pnl: pnl[worstAt]! },
      spotMoves: Array.from({ length: pu.pricePoints }, (_, i) => b.move[i * pu.volStates.length]!),
      volStates: [...pu.volStates],
      pnl: Array.from({ length: pu.pricePoints }, (_, i) => Array.from({ length: pu.volStates.length }, (__, j) => pnl[i * pu.volStates.length + j]!)),
    };
    offset += b.count;
    return res;
  });
  const perUnderlyingRisk = unds.reduce((s, x) => s + x.risk, 0);

  let joint: GridGroupResult["joint"] = null;
  if (pl.joint) {
    const pnl = pnls[pl.blocks.length]!;
    let at = 0;
    for (let s = 1; s < pnl.length; s++) if (pnl[s]! < pnl[at]!) at = s;
    const loss = Math.max(0, -pnl[at]!);
    const standalone = unds.reduce((s, x) => s + x.gridLoss, 0);
    const correlationBreak = p.joint.correlationBreak * Math.max(0, standalone - loss);
    joint = { loss, correlationBreak, risk: loss + correlationBreak, worst: { index: offset + at, description: describe(pl.joint, at, r.underlyings, pl.ref), pnl: pnl[at]! } };
  }

  // add-ons, group currency
  const addOns: { name: string; value: number }[] = [];
  // basis: worst of the two tilts per underlying
  let basis = 0;
  pl.blocks.forEach((b, bi) => {
    const pnl = pnls[bi]!;
    let worst = 0;
    for (let s = 0; s < b.count; s++) if (b.kind[s] === BASIS) worst = Math.max(worst, -pnl[s]!);
    basis += worst;
  });
  if (basis > 0) addOns.push({ name: "forward/basis contingency", value: basis });
  if (p.addOns.netShortOption > 0) {
    const net = new Map<string, { q: number; u: number }>();
    for (const i of g.positions) {
      const pos = r.positions[i]!;
      if (pos.kind !== "option") continue;
      const key = `${pos.underlying}|${pos.timeToExpiry}|${pos.strike}`;
      const e = net.get(key) ?? { q: 0, u: pos.underlying };
      e.q += pos.quantity;
      net.set(key, e);
    }
    let c = 0;
    for (const e of net.values()) if (e.q < 0) c += -e.q * p.addOns.netShortOption * unitOf(e.u);
    if (c > 0) addOns.push({ name: "net short options contingency", value: c });
  }
  if (p.addOns.perpetual > 0) {
    let c = 0;
    for (const i of g.positions) {
      const pos = r.positions[i]!;
      if (pos.kind === "perpetual") c += Math.abs(pos.quantity) * p.addOns.perpetual * unitOf(pos.underlying);
    }
    if (c > 0) addOns.push({ name: "perpetual contingency", value: c });
  }
  let oracle = 0;
  for (const u of g.unds) {
    const f = p.addOns.oracle[r.underlyings[u]!] ?? 0;
    if (f === 0) continue;
    let delta = 0;
    for (const i of g.positions) if (r.positions[i]!.underlying === u) delta += v.positions[i]!.greeks.delta;
    if (!g.coin) for (const c of g.collateral) if (c.underlying === u) delta += c.amount;
    oracle += Math.abs(delta) * f * unitOf(u);
  }
  if (oracle > 0) addOns.push({ name: "oracle uncertainty", value: oracle });
  if (p.addOns.stablecoinDepeg > 0 && !g.coin) {
    let stable = 0;
    for (const c of g.collateral) if (p.addOns.stablecoins.includes(c.asset) && c.asset !== g.currency && c.amount > 0) stable += c.amount * c.price;
    if (stable > 0) addOns.push({ name: "stablecoin de-peg", value: stable * p.addOns.stablecoinDepeg * toGroupFromUsd });
  }
  const addOnSum = addOns.reduce((s, a) => s + a.value, 0);
  const risk = Math.max(perUnderlyingRisk + addOnSum, extremeTotal);
  const initialMargin = assertFiniteResult("margin.initialMargin", p.initialFactor * risk, "grid margin");
  const maintenanceMargin = assertFiniteResult("margin.maintenanceMargin", p.maintenanceFactor * risk, "grid margin");

  // equity in the group's currency
  let positionsValue = 0;
  for (const i of g.positions) {
    const pv = v.positions[i]!;
    positionsValue += g.coin ? pv.value : p.mode === "X:PM" ? pv.valueUsd : pv.value;
  }
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
  const equity = collateral + positionsValue;
  const marginEquity = { initial: collIm + positionsValue, maintenance: collMm + positionsValue };
  const excess = { initial: marginEquity.initial - initialMargin, maintenance: marginEquity.maintenance - maintenanceMargin };
  return {
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
  };
}

const STATUS_RANK = { healthy: 0, "margin-call": 1, liquidation: 2 } as const;

function result(groups: GridGroupResult[], p: GridParameters, v: Valuation): GridMarginResult {
  const single = groups.length === 1 ? groups[0]! : null;
  const ccy = single ? single.currency : "USD";
  const f = (g: GridGroupResult) => (single ? 1 : g.usdPerUnit);
  const sum = (pick: (g: GridGroupResult) => number) => groups.reduce((s, g) => s + pick(g) * f(g), 0);
  const initialMargin = sum((g) => g.initialMargin);
  const maintenanceMargin = sum((g) => g.maintenanceMargin);
  const equity = sum((g) => g.equity);
  const marginEquity = { initial: sum((g) => g.marginEquity.initial), maintenance: sum((g) => g.marginEquity.maintenance) };
  const excess = { initial: marginEquity.initial - initialMargin, maintenance: marginEquity.maintenance - maintenanceMargin };
  // segregated groups are liquidated on their own: the account's status is its worst group's
  const status = groups.reduce<MarginResult["status"]>((s, g) => (STATUS_RANK[g.status] > STATUS_RANK[s] ? g.status : s), marginStatus(excess));

  const factors = `IM = ${p.initialFactor} × risk, MM = ${p.maintenanceFactor} × risk`;
  const components: MarginComponent[] = [];
  const worst: WorstScenario[] = [];
  for (const g of groups) {
    const tag = p.mode === "X:PM" ? "" : ` [${g.currency}-settled]`;
    for (const u of g.underlyings) {
      components.push({ name: `${u.underlying} grid worst loss${tag}`, value: u.gridLoss * f(g), appliesTo: "both", description: `${u.worst.description}; ${factors}` });
      if (u.extremeLoss > 0) components.push({ name: `${u.underlying} extreme move${tag}`, value: u.extremeLoss * f(g), appliesTo: "both", description: "weighted, dampened; counts where it exceeds the grid" });
      if (u.shortOptionMinimum > 0) components.push({ name: `${u.underlying} short-option minimum${tag}`, value: u.shortOptionMinimum * f(g), appliesTo: "both", description: "floor of the underlying's scan risk" });
      worst.push({ index: u.worst.index, description: `${u.worst.description}${tag}`, pnl: u.worst.pnl * f(g) });
    }
    for (const a of g.addOns) components.push({ name: `${a.name}${tag}`, value: a.value * f(g), appliesTo: "both" });
  }
  worst.sort((a, b) => a.pnl - b.pnl);
  const usdOf = (g: GridGroupResult, x: number) => x * g.usdPerUnit;
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
    const g = single!;
    res.usd = {
      initialMargin: usdOf(g, initialMargin),
      maintenanceMargin: usdOf(g, maintenanceMargin),
      equity: usdOf(g, equity),
      excess: { initial: usdOf(g, excess.initial), maintenance: usdOf(g, excess.maintenance) },
    };
  }
  void v;
  return res;
}
