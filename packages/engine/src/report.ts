// The margin report of the main job: valuation, a per-underlying spot × vol scenario grid and a Monte Carlo
// Expected Shortfall. The venue presets (Deribit, Derive PMRM_2, OKX, SPAN) and the VaR/ES methods with their add-ons
// replace these preliminary requirements in the following work; the report shape stays.
import * as z from "zod";
import type { Engine } from "./engine.js";
import { fail } from "./errors.js";
import type { MarginResult } from "./margin/result.js";
import { standardMargin } from "./margin/standard.js";
import { parseMarket } from "./market/snapshot.js";
import { parseBook } from "./model.js";
import { scenarioPnl, type Scenarios } from "./portfolio.js";
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

/** The grid: spot moves of ±5/10/15% (and 0) × implied vol −25%, unchanged, +25% (relative), one underlying at a time. */
export const GRID_SPOT_MOVES = [-0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15] as const;
export const GRID_VOL_SHIFTS = [-0.25, 0, 0.25] as const;

export interface GridResult {
  underlying: string;
  /** worst loss (positive) over the grid of this underlying */
  worstLoss: number;
  worst: { spotMove: number; volShift: number };
  /** P&L by [spot move][vol shift], for a heatmap */
  pnl: number[][];
}

export interface MarginReport {
  backend: { name: string; simd: boolean };
  valuation: Valuation;
  /** the venues' per-instrument baseline (Deribit's formulas), to show what portfolio margin saves */
  standard: MarginResult;
  grid: { requirement: number; byUnderlying: GridResult[] };
  monteCarlo: { requirement: number; var: number; es: number; confidence: number; scenarios: number; horizonDays: number; worst: { index: number; pnl: number; moves: Record<string, number> }[] };
  /** the larger of the two, the preliminary portfolio requirement */
  requirement: number;
  excess: number;
}

export function marginReport(engine: Engine, bookInput: unknown, marketInput: unknown, riskInput: unknown): MarginReport {
  const book = parseBook(bookInput);
  const market = parseMarket(marketInput);
  const risk = parseWith(riskModelSchema, riskInput, "riskModel");
  const k = engine.kernels;
  const { valuation, resolved } = valueBook(k, book, market);
  const baseUsd = Float64Array.from(valuation.positions, (p) => (p.kind === "option" ? p.valueUsd : 0));
  const U = resolved.underlyings.length;

  // Grid: one underlying moves at a time; requirements add up across underlyings (no cross offset, as the venues do).
  const byUnderlying = resolved.underlyings.map((u, ui): GridResult => {
    const count = GRID_SPOT_MOVES.length * GRID_VOL_SHIFTS.length;
    const sc: Scenarios = { count, spotLogReturn: new Float64Array(count * U), volShift: new Float64Array(count * U) };
    GRID_SPOT_MOVES.forEach((m, i) =>
      GRID_VOL_SHIFTS.forEach((v, j) => {
        const s = i * GRID_VOL_SHIFTS.length + j;
        sc.spotLogReturn[s * U + ui] = Math.log1p(m);
        sc.volShift[s * U + ui] = v;
      }),
    );
    const pnl = scenarioPnl(k, resolved, baseUsd, sc);
    let worstAt = 0;
    for (let s = 1; s < count; s++) if (pnl[s]! < pnl[worstAt]!) worstAt = s;
    return {
      underlying: u,
      worstLoss: Math.max(0, -pnl[worstAt]!),
      worst: { spotMove: GRID_SPOT_MOVES[Math.floor(worstAt / GRID_VOL_SHIFTS.length)]!, volShift: GRID_VOL_SHIFTS[worstAt % GRID_VOL_SHIFTS.length]! },
      pnl: GRID_SPOT_MOVES.map((_, i) => GRID_VOL_SHIFTS.map((__, j) => pnl[i * GRID_VOL_SHIFTS.length + j]!)),
    };
  });
  const gridRequirement = byUnderlying.reduce((s, g) => s + g.worstLoss, 0);

  // Monte Carlo: joint log returns of the risk-model factors, vol moving with spot by volBeta.
  const factorOf = resolved.underlyings.map((u) => {
    const f = risk.factors.indexOf(u);
    if (f < 0) fail("riskModel.factors", `an entry for ${u} (the book holds ${u} instruments)`, risk.factors);
    return f;
  });
  const sqrtH = Math.sqrt(risk.horizonDays);
  const sim = engine.simulate({
    correlation: risk.correlation,
    vols: risk.vols.map((v) => v * sqrtH),
    scenarios: risk.scenarios,
    seed: risk.seed,
    distribution: risk.studentT > 0 ? { studentT: risk.studentT } : "normal",
  });
  const F = sim.factors;
  const sc: Scenarios = { count: risk.scenarios, spotLogReturn: new Float64Array(risk.scenarios * U), volShift: new Float64Array(risk.scenarios * U) };
  for (let s = 0; s < risk.scenarios; s++) {
    for (let ui = 0; ui < U; ui++) {
      const x = sim.shocks[s * F + factorOf[ui]!]!;
      sc.spotLogReturn[s * U + ui] = x;
      sc.volShift[s * U + ui] = Math.max(risk.volBeta * x, -0.9);
    }
  }
  const mcPnl = scenarioPnl(k, resolved, baseUsd, sc);
  const tail = engine.tail(mcPnl, { confidence: risk.confidence, worst: 5 });
  const monteCarlo = {
    requirement: Math.max(0, tail.es),
    var: tail.var,
    es: tail.es,
    confidence: risk.confidence,
    scenarios: risk.scenarios,
    horizonDays: risk.horizonDays,
    worst: Array.from(tail.worst, (s) => ({
      index: s,
      pnl: mcPnl[s]!,
      moves: Object.fromEntries(resolved.underlyings.map((u, ui) => [u, Math.expm1(sc.spotLogReturn[s * U + ui]!)])),
    })),
  };
  const requirement = Math.max(gridRequirement, monteCarlo.requirement);
  return {
    backend: engine.backend,
    valuation,
    standard: standardMargin(k, book, market),
    grid: { requirement: gridRequirement, byUnderlying },
    monteCarlo,
    requirement,
    excess: valuation.marginEquityUsd - requirement,
  };
}
