// The margin report of the main job: valuation, the scenario-grid engine under a venue preset (Deribit X:PM by
// default: spot × vol grid per underlying, extended table, contingencies), a Monte Carlo Expected Shortfall (margin/es.ts), the
// standard-margin baseline, and the margin of the chosen policy. The report shape of the preliminary grid is kept
// (`grid.requirement`, `grid.byUnderlying`), extended with the full grid result (`grid.margin`).
import * as z from "zod";
import type { Engine, MarginPolicy } from "./engine.js";
import { fail } from "./errors.js";
import { type GridMarginResult, gridMargin } from "./margin/grid.js";
import { type GridPreset, gridPreset } from "./margin/presets.js";
import type { MarginResult } from "./margin/result.js";
import { standardMargin } from "./margin/standard.js";
import { parseMarket } from "./market/snapshot.js";
import { parseBook } from "./model.js";
import { type EsMarginResult, esMarginResolved, esPolicySchema, type EsProgress } from "./margin/es.js";
import { type Valuation, valueBook } from "./valuation.js";
import { parseWith } from "./validate.js";

const riskModelSchema = z.strictObject({
  /** factor names: the underlyings, in the order of vols and correlation */
  factors: z.array(z.string()).min(1),
  /** standard deviation of the log return over the horizon, per factor */
  vols: z.array(z.number().positive({ message: "a volatility > 0" })),
  correlation: z.array(z.array(z.number())),
  /** Student-t copula degrees of freedom (> 2), or 0 for Gaussian */
  studentT: z.number().refine((x) => x === 0 || x > 2, { message: "0 (Gaussian) or a number > 2" }).default(0),
  /** relative implied-vol move per unit of spot log return (negative: vol rises in sell-offs) */
  volBeta: z.number().default(0),
  horizonDays: z.number().positive().default(1),
  scenarios: z.number().int().positive().default(100_000),
  seed: z.number().int().nonnegative().default(1),
  confidence: z.number().gt(0).lt(1).default(0.99),
  source: z.string().optional(),
});
export type RiskModelInput = z.input<typeof riskModelSchema>;

/**
 * The default grid (Deribit preset): 9 spot moves over ±16 % × implied vol up / same / down (relative, at 30 days;
 * the engine scales them by tenor), one underlying at a time. For the preset actually used see `grid.margin`.
 */
export const GRID_SPOT_MOVES = [-0.16, -0.12, -0.08, -0.04, 0, 0.04, 0.08, 0.12, 0.16] as const;
export const GRID_VOL_SHIFTS = [0.5, 0, -0.25] as const;

export interface GridResult {
  underlying: string;
  /** this underlying's scan risk (positive, USD): max(grid, extreme move, short-option minimum) */
  worstLoss: number;
  /** the worst point of the standard grid; volShift is the nominal relative shock at 30 days */
  worst: { spotMove: number; volShift: number };
  /** P&L by [spot move][vol state], USD, for a heatmap */
  pnl: number[][];
}

export interface MarginReport {
  backend: { name: string; simd: boolean };
  valuation: Valuation;
  /** the venues' per-instrument baseline (Deribit's formulas), to show what portfolio margin saves */
  standard: MarginResult;
  /** the scenario-grid engine under a preset (X:PM, USD): requirement = its initial margin */
  grid: { requirement: number; byUnderlying: GridResult[]; preset: GridPreset; mode: "S:PM" | "X:PM"; margin: GridMarginResult };
  /** the margin of the policy asked for (default: the grid preset) */
  margin: MarginResult;
  /** Monte Carlo ES of the risk model (margin/es.ts; `margin` is the full ES margin result: measures, contributions, histogram) */
  monteCarlo: { requirement: number; var: number; es: number; confidence: number; scenarios: number; horizonDays: number; revaluation: "fast" | "full"; worst: { index: number; pnl: number; moves: Record<string, number> }[]; margin: EsMarginResult };
  /** the larger of the two, the preliminary portfolio requirement */
  requirement: number;
  excess: number;
}

export interface MarginReportOptions {
  /** progress of the report's Monte Carlo ES (see EsPolicy.progress); the engine does no I/O */
  progress?: EsProgress;
}

export function marginReport(engine: Engine, bookInput: unknown, marketInput: unknown, riskInput: unknown, policy?: MarginPolicy, options: MarginReportOptions = {}): MarginReport {
  const book = parseBook(bookInput);
  const market = parseMarket(marketInput);
  const risk = parseWith(riskModelSchema, riskInput, "riskModel");
  const k = engine.kernels;
  const { valuation, resolved } = valueBook(k, book, market);

  // Grid: the scenario-grid engine, one underlying at a time, summed without offset (as the venues do).
  const gp = policy?.method === "grid" ? policy : { method: "grid" as const, preset: "deribit" as const, mode: "X:PM" as const };
  // the report's grid is in USD across currencies (X:PM); `margin` carries the policy as asked (e.g. S:PM)
  const gridParams = gridPreset(gp.preset, "X:PM", gp.parameters);
  const gridResult = gridMargin(k, book, market, gridParams);
  const group = gridResult.grid.groups[0]!;
  const byUnderlying = group.underlyings.map((u): GridResult => {
    const p = { ...gridParams.default, ...(gridParams.underlyings[u.underlying] ?? {}) };
    const shift = (s: string) => (s === "up" ? p.volUp : s === "down" ? -p.volDown : 0);
    let bi = 0;
    let bj = 0;
    u.pnl.forEach((row, i) => row.forEach((x, j) => x < u.pnl[bi]![bj]! && ((bi = i), (bj = j))));
    return { underlying: u.underlying, worstLoss: u.risk, worst: { spotMove: u.spotMoves[bi]!, volShift: shift(u.volStates[bj]!) }, pnl: u.pnl };
  });
  const gridRequirement = gridResult.initialMargin;

  // Monte Carlo ES (margin/es.ts): the risk model's factors as a Gaussian or Student-t copula, vol moving with spot by
  // volBeta, antithetic draws, the fast path (P&L surfaces per underlying) with its error estimate.
  for (const u of resolved.underlyings) if (!risk.factors.includes(u)) fail("riskModel.factors", `an entry for ${u} (the book holds ${u} instruments)`, risk.factors);
  const esPolicy = parseWith(
    esPolicySchema,
    {
      method: "mc",
      model: { factors: risk.factors, vols: risk.vols, correlation: risk.correlation, studentT: risk.studentT, volBeta: risk.volBeta, horizonDays: risk.horizonDays },
      scenarios: risk.scenarios,
      seed: risk.seed,
      confidence: risk.confidence,
      worst: 5,
      ...(options.progress ? { progress: options.progress } : {}),
    },
    "riskModel",
  );
  const esResult = esMarginResolved(k, book, market, valuation, resolved, esPolicy);
  const monteCarlo = {
    requirement: Math.max(0, esResult.es.es),
    var: esResult.es.var,
    es: esResult.es.es,
    confidence: risk.confidence,
    scenarios: risk.scenarios,
    horizonDays: risk.horizonDays,
    /** "fast": P&L surfaces per underlying (error estimate in margin.es); "full": every option in every scenario */
    revaluation: esPolicy.revaluation,
    worst: esResult.worst.map((w, i) => ({ index: w.index, pnl: w.pnl, moves: esResult.es.worstMoves[i]! })),
    margin: esResult,
  };
  const requirement = Math.max(gridRequirement, monteCarlo.requirement);
  return {
    backend: engine.backend,
    valuation,
    standard: standardMargin(k, book, market),
    grid: { requirement: gridRequirement, byUnderlying, preset: gridParams.name as GridPreset, mode: gridParams.mode, margin: gridResult },
    margin: policy === undefined ? gridResult : engine.margin(bookInput, marketInput, policy),
    monteCarlo,
    requirement,
    excess: valuation.marginEquityUsd - requirement,
  };
}
