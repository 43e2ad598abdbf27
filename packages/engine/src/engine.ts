import { type GreeksOutputs, type Kernels, loadKernels } from "@offset/kernels";
import * as z from "zod";
import { described, fail } from "./errors.js";
import { type MatrixInput, type RepairReport, checkSymmetric, readSquare, repairPd } from "./linalg.js";
import {
  type BatchFailure,
  type ExplainOptions,
  type GridExplanation,
  gridMargin,
  gridMarginBatch,
  type GridMarginResult,
  type GridParameters,
  type GridParametersInput,
  type GridState,
  gridState,
  type GridThresholds,
  type ThresholdOptions,
  type WhatIfResult,
} from "./margin/grid.js";
import { type GridPreset, gridPreset } from "./margin/presets.js";
import { type GridBatchState, gridBatch } from "./margin/grid-batch.js";
import { deriveMargin } from "./margin/derive-pmrm2.js";
import { type EsMarginResult, type EsPolicyInput, esMargin } from "./margin/es.js";
import type { MarginResult } from "./margin/result.js";
import { type StandardParametersInput, standardMargin } from "./margin/standard.js";
import { parseMarket } from "./market/snapshot.js";
import { parseBook } from "./model.js";
import { type Valuation, type ValueOptions, valueBook } from "./valuation.js";
import { checkImpliedVolBlack76, impliedVolBlack76 } from "./pricing/implied-vol.js";
import { column, finite, flagColumn, nonNegative, parseWith, positive, scalarIn } from "./validate.js";

export interface EngineOptions {
  /** "wasm" (default): the WebAssembly core, SIMD build when supported. "js": the pure-TypeScript twin. */
  backend?: "wasm" | "js";
  /** With the wasm backend: set false to force the scalar build (benchmarks, debugging). */
  simd?: boolean;
}

export interface BackendInfo {
  name: "wasm" | "js";
  simd: boolean;
}

/** Price and Greeks of one option (units: see packages/engine/README.md). */
export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  rho: number;
}

export interface BsmParams {
  spot: number;
  strike: number;
  /** years (ACT/365) */
  timeToExpiry: number;
  /** annualised, decimal */
  vol: number;
  rate: number;
  dividendYield?: number;
  isCall: boolean;
}

export interface Black76Params {
  forward: number;
  strike: number;
  timeToExpiry: number;
  vol: number;
  rate?: number;
  isCall: boolean;
}

export interface PriceBatchInput {
  forward: Float64Array | readonly number[];
  strike: Float64Array | readonly number[];
  timeToExpiry: Float64Array | readonly number[];
  vol: Float64Array | readonly number[];
  /** one rate for all, or a column (default 0) */
  rate?: number | Float64Array | readonly number[];
  /** one flag for all, or a column */
  isCall: boolean | readonly boolean[] | Int32Array | Uint8Array;
  /** "linear" (default): USD value; "inverse": coin-settled value V/F and its Greeks */
  settlement?: "linear" | "inverse";
}

export type PriceBatchResult = GreeksOutputs;

/** Partial overrides, merged deeply over a preset's parameters (arrays replace). */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * A margin policy: which method, with its named parameters (validated, with range checks).
 * - `{ method: "standard", parameters? }`: the venues' per-instrument baseline (Deribit's formulas by default).
 * - `{ method: "grid", preset: "deribit" | "okx" | "span", mode?: "S:PM" | "X:PM", parameters? }`: the scenario-grid
 *   engine with a venue's parameters (margin/presets.ts), `parameters` merged over them.
 * - `{ preset: "derive-pmrm2", parameters }`: Derive's PMRM_2, on Derive's own portfolio format (book = subaccount,
 *   market = oracle feeds), as `fromDerivePmrm2Case(json)` returns them.
 */
export type MarginPolicy =
  | { method: "standard"; parameters?: StandardParametersInput }
  | { method?: "grid"; preset: "derive-pmrm2"; parameters?: unknown }
  | { method: "grid"; preset: GridPreset; mode?: "S:PM" | "X:PM"; parameters?: DeepPartial<GridParametersInput>; joint?: boolean }
  | EsPolicyInput;

/** A scenario-grid policy (the `joint` flag: compute the reported, uncharged joint beta grid; default true). */
export type GridPolicy = Extract<MarginPolicy, { method: "grid"; preset: GridPreset }>;

/** A grid margin with its explanations (`engine.explainMargin`). */
export interface ExplainedGridMargin extends GridMarginResult {
  explanation: GridExplanation;
  thresholds?: GridThresholds;
}

/** An option premium to invert: on a forward (Black-76) or, with `spot`, generalised BSM. */
export interface ImpliedVolParams {
  /** the premium: in USD, or in coin with `settlement: "inverse"` (a Deribit BTC option mark) */
  price: number;
  forward?: number;
  spot?: number;
  strike: number;
  timeToExpiry: number;
  rate?: number;
  dividendYield?: number;
  isCall: boolean;
  settlement?: "linear" | "inverse";
}

export interface SimulateInput {
  /** correlation matrix (unit diagonal); scaled by `vols` when given */
  correlation?: MatrixInput;
  /** covariance matrix (instead of correlation + vols) */
  covariance?: MatrixInput;
  /** per-factor standard deviations applied to a correlation matrix (default 1) */
  vols?: Float64Array | readonly number[];
  /** number of scenarios (rows) */
  scenarios: number;
  /** 64-bit seed: a safe integer or a bigint */
  seed: number | bigint;
  /** "normal" (default) or a Student-t copula with unit-variance margins, nu > 2 */
  distribution?: "normal" | { studentT: number };
  /** what to do when the matrix is not positive definite: "error" (default), "clip" eigenvalues, or "jitter" */
  repair?: "error" | "clip" | "jitter";
}

export interface SimulateResult {
  /** scenarios × factors, row-major */
  shocks: Float64Array;
  scenarios: number;
  factors: number;
  /** present when the matrix had to be repaired */
  repair?: RepairReport;
}

export interface TailOptions {
  /** e.g. 0.99 */
  confidence: number;
  /** scenario weights (≥ 0, not all zero); default equal */
  weights?: Float64Array | readonly number[];
  /** how many worst scenarios to return (default 10) */
  worst?: number;
}

export interface TailSummary {
  confidence: number;
  /** Value at Risk, a positive loss */
  var: number;
  /** Expected Shortfall, a positive loss */
  es: number;
  /** indices of the worst scenarios, worst first */
  worst: Int32Array;
}

const bsmSchema = z.strictObject({
  spot: z.number({ message: "a finite number > 0" }).positive({ message: "a finite number > 0" }),
  strike: z.number({ message: "a finite number ≥ 0" }).nonnegative({ message: "a finite number ≥ 0" }),
  timeToExpiry: z.number({ message: "a finite number ≥ 0 (years)" }).nonnegative({ message: "a finite number ≥ 0 (years)" }),
  vol: z.number({ message: "a finite number ≥ 0 (decimal, 0.65 = 65%)" }).nonnegative({ message: "a finite number ≥ 0 (decimal, 0.65 = 65%)" }),
  rate: z.number({ message: "a finite number" }),
  dividendYield: z.number({ message: "a finite number" }).default(0),
  isCall: z.boolean({ message: "true (call) or false (put)" }),
});

const impliedVolSchema = z
  .strictObject({
    price: z.number({ message: "a finite premium ≥ 0" }).nonnegative({ message: "a finite premium ≥ 0" }),
    forward: bsmSchema.shape.spot.optional(),
    spot: bsmSchema.shape.spot.optional(),
    strike: z.number({ message: "a finite number > 0" }).positive({ message: "a finite number > 0" }),
    timeToExpiry: z.number({ message: "a finite number > 0 (years)" }).positive({ message: "a finite number > 0 (years)" }),
    rate: z.number({ message: "a finite number" }).default(0),
    dividendYield: z.number({ message: "a finite number" }).default(0),
    isCall: bsmSchema.shape.isCall,
    settlement: z.enum(["linear", "inverse"], { message: '"linear" or "inverse"' }).default("linear"),
  })
  .refine((p) => (p.forward === undefined) !== (p.spot === undefined), { message: "exactly one of forward (Black-76) or spot (BSM)", path: ["forward"] });

const black76Schema = z.strictObject({
  forward: z.number({ message: "a finite number > 0" }).positive({ message: "a finite number > 0" }),
  strike: bsmSchema.shape.strike,
  timeToExpiry: bsmSchema.shape.timeToExpiry,
  vol: bsmSchema.shape.vol,
  rate: z.number({ message: "a finite number" }).default(0),
  isCall: bsmSchema.shape.isCall,
});

/**
 * The typed public API over one kernels backend. Create it with `createEngine`; every method is a pure function
 * of its inputs (no hidden state besides the loaded backend), validates at the edge and never returns a NaN.
 */
export class Engine {
  constructor(readonly kernels: Kernels) {}

  get backend(): BackendInfo {
    return { name: this.kernels.backend, simd: this.kernels.simd };
  }

  /**
   * Mark-to-market of a book (Offset JSON) on a market snapshot (Offset JSON): per position the mark in settlement
   * currency, the value in USD and the Greeks; per account equity, margin equity after `haircuts`, Greeks per
   * underlying. One batch kernel call prices every option.
   */
  value(book: unknown, market: unknown, options: ValueOptions = {}): Valuation {
    return valueBook(this.kernels, parseBook(book), parseMarket(market), options).valuation;
  }

  /**
   * Margin of a book on a market under a policy (data, not code; see `MarginPolicy`): the standard per-instrument
   * baseline, or the scenario-grid engine with a venue preset. Every method returns the same `MarginResult` (grid
   * results add `grid`: per currency group and underlying, the grid, extreme moves, add-ons and the joint grid).
   */
  margin(book: unknown, market: unknown, policy: Extract<MarginPolicy, { method: "grid" }>): GridMarginResult;
  margin(book: unknown, market: unknown, policy: EsPolicyInput): EsMarginResult;
  margin(book: unknown, market: unknown, policy?: MarginPolicy): MarginResult;
  margin(book: unknown, market: unknown, policy: MarginPolicy = { method: "standard" }): MarginResult {
    if (policy === null || typeof policy !== "object") fail("policy", '{ method: "standard" | "grid", … }', policy);
    // Derive's preset reads Derive's own portfolio format (book = subaccount, market = oracle feeds):
    // fromDerivePmrm2Case(json) returns the three objects ready for this call.
    if ((policy as { preset?: unknown }).preset === "derive-pmrm2") return deriveMargin({ book, market, policy });
    if (policy.method === "standard") return standardMargin(this.kernels, parseBook(book), parseMarket(market), policy.parameters ?? {});
    // VaR/ES by historical, filtered historical or Monte Carlo scenarios (margin/es.ts)
    if (policy.method === "hs" || policy.method === "fhs" || policy.method === "mc") return esMargin(this.kernels, parseBook(book), parseMarket(market), policy);
    if (policy.method === "grid") {
      const p = policy as { preset?: unknown; mode?: unknown; parameters?: unknown };
      const parameters = gridPreset(p.preset, p.mode, p.parameters);
      return gridMargin(this.kernels, parseBook(book), parseMarket(market), parameters, { joint: (policy as { joint?: boolean }).joint !== false });
    }
    return fail("policy.method", '"standard", "grid", "hs", "fhs" or "mc"', (policy as { method?: unknown }).method);
  }

  /**
   * Grid margin of many accounts (Offset JSON books) on one market: the accounts' option rows share one Black-76
   * kernel call per chunk; each result is identical to `margin` on the account alone. The joint grid is off unless
   * `policy.joint` is true. A bad account gets `{ account, error }` in its slot and the batch goes on.
   */
  marginBatch(accounts: readonly unknown[], market: unknown, policy: GridPolicy): (GridMarginResult | BatchFailure)[] {
    if (!Array.isArray(accounts)) fail("accounts", "an array of books", accounts);
    return gridMarginBatch(this.kernels, accounts, parseMarket(market), gridParametersOf(policy), { joint: policy.joint === true });
  }

  /**
   * A held batch state for many accounts under a grid policy (joint grid off): `state.recompute(market?)` refreshes
   * every account on a new snapshot with one Black-76 call over the distinct (instrument, shock) rows and one
   * aggregation kernel call over every account; columnar results (IM, MM, equity, status, worst scenario), equal to
   * `marginBatch`'s. MarginResult objects on request (`state.result(a)`). See margin/grid-batch.ts.
   */
  gridBatch(accounts: readonly unknown[], market: unknown, policy: GridPolicy = { method: "grid", preset: "deribit" }): GridBatchState {
    if (!Array.isArray(accounts)) fail("accounts", "an array of books", accounts);
    return gridBatch(this.kernels, accounts, parseMarket(market), gridParametersOf(policy));
  }

  /**
   * The explicit cache behind what-if checks: the book's per-scenario P&L vectors and aggregates under a grid policy
   * (default Deribit, its mode). Hold it and call `state.whatIf(trades)` (or `engine.whatIf(…, { state })`) as often as
   * needed; each call prices only the trades.
   */
  gridState(book: unknown, market: unknown, policy: GridPolicy = { method: "grid", preset: "deribit" }): GridState {
    return gridState(this.kernels, parseBook(book), parseMarket(market), gridParametersOf(policy), { joint: policy.joint !== false });
  }

  /**
   * Pre-trade check: the grid margin of `book` with `trades` appended (Offset JSON positions), incrementally from the
   * book's cached per-scenario P&L (`options.state`, else a state built now), identical to a full recompute.
   */
  whatIf(book: unknown, market: unknown, trades: unknown, options: { policy?: GridPolicy; state?: GridState } = {}): WhatIfResult {
    const state = options.state ?? this.gridState(book, market, options.policy);
    return state.whatIf(trades);
  }

  /**
   * Grid margin with explanations: per underlying the spot × vol P&L heatmap, each position's contribution to the
   * worst scenario, standalone vs marginal margins and the hedge benefit; the k worst scenarios per currency group;
   * with `thresholds` (default true), margin-call/liquidation levels and distances to liquidation.
   */
  explainMargin(book: unknown, market: unknown, policy: GridPolicy = { method: "grid", preset: "deribit" }, options: ExplainOptions & ThresholdOptions & { thresholds?: boolean } = {}): ExplainedGridMargin {
    const state = this.gridState(book, market, policy);
    const out: ExplainedGridMargin = { ...state.result, explanation: state.explain(options) };
    if (options.thresholds !== false) out.thresholds = state.thresholds(options);
    return out;
  }

  /** Generalised Black–Scholes–Merton price and Greeks of one option. */
  bsm(params: BsmParams): Greeks {
    const p = parseWith(bsmSchema, params, "bsm");
    const out = greeksColumns(1);
    this.kernels.bsm(
      {
        spot: Float64Array.of(p.spot),
        strike: Float64Array.of(p.strike),
        timeToExpiry: Float64Array.of(p.timeToExpiry),
        vol: Float64Array.of(p.vol),
        rate: Float64Array.of(p.rate),
        dividendYield: Float64Array.of(p.dividendYield),
        isCall: Int32Array.of(p.isCall ? 1 : 0),
      },
      out,
    );
    return firstRow(out, "bsm");
  }

  /** Black-76 price and Greeks of one option on a forward (delta per unit of forward). */
  black76(params: Black76Params): Greeks {
    const p = parseWith(black76Schema, params, "black76");
    const out = greeksColumns(1);
    const b = this.priceBatch({ ...p, forward: [p.forward], strike: [p.strike], timeToExpiry: [p.timeToExpiry], vol: [p.vol], rate: p.rate }, out);
    return firstRow(b, "black76");
  }

  /**
   * The implied volatility that reproduces a premium: Black-76 on `forward`, or BSM on `spot` (with `dividendYield`).
   * Robust from deep OTM to deep ITM and for tiny coin premia (`settlement: "inverse"`: the premium is in coin, worth
   * price·F in USD). A premium outside the no-arbitrage bounds is an error that gives the bounds.
   */
  impliedVol(params: ImpliedVolParams): number {
    const p = parseWith(impliedVolSchema, params, "impliedVol");
    const forward = p.forward ?? p.spot! * Math.exp((p.rate - p.dividendYield) * p.timeToExpiry);
    const usd = p.settlement === "inverse" ? p.price * forward : p.price;
    const input = { price: usd, forward, strike: p.strike, timeToExpiry: p.timeToExpiry, rate: p.rate, isCall: p.isCall };
    const check = checkImpliedVolBlack76(input);
    if (!check.ok) {
      const unit = p.settlement === "inverse" ? "coin" : "USD";
      const scale = p.settlement === "inverse" ? 1 / forward : 1;
      fail(
        "impliedVol.price",
        `a premium within the no-arbitrage bounds [${check.lower * scale}, ${check.upper * scale}] ${unit} of this ${p.isCall ? "call" : "put"} (${check.reason})`,
        p.price,
      );
    }
    const vol = impliedVolBlack76(input);
    if (!Number.isFinite(vol)) {
      fail("impliedVol.price", "a premium that determines a finite vol (strictly inside the bounds, not so far OTM that it underflows)", p.price);
    }
    return vol;
  }

  /**
   * Black-76 prices and Greeks of a batch (struct-of-arrays columns), in one kernel call.
   * `out` may be passed to reuse columns across calls.
   */
  priceBatch(input: PriceBatchInput, out?: PriceBatchResult): PriceBatchResult {
    if (input === null || typeof input !== "object") fail("priceBatch", "an object of columns", input);
    const forward = column("priceBatch.forward", input.forward, positive);
    const n = forward.length;
    const strike = column("priceBatch.strike", input.strike, nonNegative, n);
    const timeToExpiry = column("priceBatch.timeToExpiry", input.timeToExpiry, nonNegative, n);
    const vol = column("priceBatch.vol", input.vol, nonNegative, n);
    const rate =
      input.rate === undefined || typeof input.rate === "number"
        ? new Float64Array(n).fill(scalarIn("priceBatch.rate", input.rate ?? 0, -Infinity, Infinity, "a finite number"))
        : column("priceBatch.rate", input.rate, finite, n);
    const isCall = flagColumn("priceBatch.isCall", input.isCall, n);
    const settlement = input.settlement ?? "linear";
    if (settlement !== "linear" && settlement !== "inverse") fail("priceBatch.settlement", '"linear" or "inverse"', settlement);
    const result = out ?? greeksColumns(n);
    if (result.price.length !== n) fail("priceBatch(out)", `columns of length ${n}`, described(`length ${result.price.length}`));
    this.kernels.black76({ forward, strike, timeToExpiry, vol, rate, isCall }, settlement === "inverse", result);
    return result;
  }

  /**
   * Correlated scenario shocks (scenarios × factors, row-major): z = L·e with L the Cholesky factor of the
   * covariance (or of diag(vols)·C·diag(vols)), e standard normal, or a multivariate t scaled to unit variance.
   * Deterministic for a seed, identical on both backends.
   */
  simulate(input: SimulateInput): SimulateResult {
    if (input === null || typeof input !== "object") fail("simulate", "an object", input);
    const hasCorr = input.correlation !== undefined;
    const hasCov = input.covariance !== undefined;
    if (hasCorr === hasCov) fail("simulate", "exactly one of `correlation` or `covariance`", described(hasCorr ? "both" : "neither"));
    if (hasCov && input.vols !== undefined) fail("simulate.vols", "no vols with a covariance matrix (they are in it)", "vols");
    const which = hasCorr ? "correlation" : "covariance";
    const { n, a } = readSquare(`simulate.${which}`, hasCorr ? input.correlation : input.covariance);
    checkSymmetric(`simulate.${which}`, n, a);
    for (let i = 0; i < n; i++) {
      const d = a[i * n + i]!;
      if (hasCorr ? Math.abs(d - 1) > 1e-12 : d < 0) fail(`simulate.${which}[${i}][${i}]`, hasCorr ? "1 on the diagonal" : "a variance ≥ 0", d);
      if (hasCorr) {
        for (let j = 0; j < n; j++) if (Math.abs(a[i * n + j]!) > 1 + 1e-12) fail(`simulate.correlation[${i}][${j}]`, "a correlation in [−1, 1]", a[i * n + j]);
      }
    }
    const scenarios = input.scenarios;
    if (!Number.isSafeInteger(scenarios) || scenarios < 1) fail("simulate.scenarios", "a positive integer", scenarios);
    const seed = seedOf(input.seed);
    const nu = studentNu(input.distribution);
    const repair = input.repair ?? "error";
    if (repair !== "error" && repair !== "clip" && repair !== "jitter") fail("simulate.repair", '"error", "clip" or "jitter"', repair);

    const l = new Float64Array(n * n);
    let matrix = a;
    let report: RepairReport | undefined;
    const status = this.kernels.cholesky(n, matrix, l);
    if (status !== 0) {
      if (repair === "error") {
        fail(
          `simulate.${which}`,
          `a positive-definite matrix (the leading ${status}×${status} minor is not; pass repair: "clip" or "jitter" to repair it)`,
          described(`${n}×${n} matrix`),
        );
      }
      const fixed = repairPd(n, a, repair, hasCorr, (m) => this.kernels.cholesky(n, m, l) === 0);
      matrix = fixed.matrix;
      report = fixed.report;
      if (this.kernels.cholesky(n, matrix, l) !== 0) fail(`simulate.${which}`, "a matrix that repair can make positive definite", described(`${n}×${n} matrix`));
    }
    if (hasCorr && input.vols !== undefined) {
      const vols = column("simulate.vols", input.vols, nonNegative, n);
      for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) l[r * n + c] = l[r * n + c]! * vols[r]!;
    }
    const state = new Uint32Array(8);
    this.kernels.rngSeed(state, seed);
    const shocks = this.kernels.correlatedNormals(scenarios, n, l, state, nu, new Float64Array(scenarios * n));
    return report ? { shocks, scenarios, factors: n, repair: report } : { shocks, scenarios, factors: n };
  }

  /** VaR, ES and the worst scenarios of a P&L vector (gains positive, losses reported positive). */
  tail(pnl: Float64Array | readonly number[], options: TailOptions): TailSummary {
    const values = column("tail.pnl", pnl, finite);
    if (values.length === 0) fail("tail.pnl", "at least one scenario", described("length 0"));
    if (options === null || typeof options !== "object") fail("tail(options)", "an object with a confidence", options);
    const confidence = options.confidence;
    if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) fail("tail.confidence", "a number strictly between 0 and 1 (e.g. 0.99)", confidence);
    let weights: Float64Array | null = null;
    if (options.weights !== undefined) {
      weights = column("tail.weights", options.weights, nonNegative, values.length);
      if (!weights.some((w) => w > 0)) fail("tail.weights", "at least one weight > 0", described("all zero"));
    }
    const k = options.worst ?? 10;
    if (!Number.isSafeInteger(k) || k < 0) fail("tail.worst", "a non-negative integer", k);
    const { var: v, es } = this.kernels.varEs(values, weights, confidence);
    if (!Number.isFinite(v) || !Number.isFinite(es)) throw new Error(`offset: tail measure came out NaN for validated input (var=${v}, es=${es})`);
    const worst = this.kernels.worst(values, k, new Int32Array(Math.min(k, values.length)));
    return { confidence, var: v, es, worst };
  }
}

function gridParametersOf(policy: unknown): GridParameters {
  if (policy === null || typeof policy !== "object") fail("policy", '{ method: "grid", preset: "deribit" | "okx" | "span", … }', policy);
  const p = policy as { method?: unknown; preset?: unknown; mode?: unknown; parameters?: unknown };
  if (p.method !== "grid") fail("policy.method", '"grid"', p.method);
  return gridPreset(p.preset, p.mode, p.parameters);
}

function seedOf(seed: unknown): bigint {
  if (typeof seed === "bigint") {
    if (seed < 0n || seed >= 1n << 64n) fail("simulate.seed", "an integer in [0, 2^64)", seed);
    return seed;
  }
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) fail("simulate.seed", "a non-negative safe integer or a bigint", seed);
  return BigInt(seed);
}

function studentNu(distribution: SimulateInput["distribution"]): number {
  if (distribution === undefined || distribution === "normal") return 0;
  const nu = typeof distribution === "object" && distribution !== null ? distribution.studentT : undefined;
  if (typeof nu !== "number" || !Number.isFinite(nu) || nu <= 2) {
    fail("simulate.distribution", '"normal" or { studentT: nu } with nu > 2 (unit-variance t margins need a finite variance)', distribution);
  }
  return nu;
}

function greeksColumns(n: number): GreeksOutputs {
  return {
    price: new Float64Array(n),
    delta: new Float64Array(n),
    gamma: new Float64Array(n),
    vega: new Float64Array(n),
    theta: new Float64Array(n),
    rho: new Float64Array(n),
  };
}

function firstRow(g: GreeksOutputs, where: string): Greeks {
  const row = { price: g.price[0]!, delta: g.delta[0]!, gamma: g.gamma[0]!, vega: g.vega[0]!, theta: g.theta[0]!, rho: g.rho[0]! };
  for (const [k, v] of Object.entries(row)) {
    if (!Number.isFinite(v)) throw new Error(`offset: ${where}.${k} came out ${v} for validated input; this is a bug`);
  }
  return row;
}

const engines = new Map<string, Promise<Engine>>();

/**
 * Creates (once per backend choice) an engine. Memoised; a failed initialisation is forgotten so it can be retried.
 */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const backend = options.backend ?? "wasm";
  if (backend !== "wasm" && backend !== "js") fail("createEngine.backend", '"wasm" or "js"', backend);
  const key = `${backend}:${options.simd !== false}`;
  let pending = engines.get(key);
  if (!pending) {
    pending = loadKernels({ backend, simd: options.simd !== false }).then((k) => new Engine(k));
    pending.catch(() => engines.delete(key));
    engines.set(key, pending);
  }
  return pending;
}
