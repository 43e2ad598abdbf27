/**
 * The `Kernels` interface: the hot loops of Offset, implemented twice with identical signatures —
 * `wasm` (AssemblyScript → WebAssembly, scalar or SIMD build) and `js` (the pure-TypeScript twin, which is also
 * the fallback and the test oracle).
 *
 * Conventions shared by every kernel (they mirror the raw WebAssembly ABI in `assembly/index.ts`):
 * - Inputs and outputs are struct-of-arrays columns (`Float64Array`, `Int32Array`). A kernel never allocates
 *   its outputs: the caller passes them (gl-matrix style `out` arguments) and they are returned filled.
 * - Matrices are row-major `Float64Array`s.
 * - Domain errors become NaN per element, never an exception: input validation is the engine's job, at the edge.
 * - P&L sign: positive = gain. Tail measures return losses as positive numbers.
 */

/** xoshiro256** state: 4 × u64 as 8 little-endian u32 words (s0.lo, s0.hi, s1.lo, …), the wasm memory layout. */
export type RngState = Uint32Array;

/** Columns of a Black-76 batch (one entry per option). */
export interface Black76Inputs {
  /** forward price of the underlying for the option's expiry */
  forward: Float64Array;
  strike: Float64Array;
  /** years, ACT/365 */
  timeToExpiry: Float64Array;
  /** annualised, decimal (0.65 = 65%) */
  vol: Float64Array;
  /** continuously compounded discount rate */
  rate: Float64Array;
  /** 1 = call, 0 = put */
  isCall: Int32Array;
}

/** Columns of a generalised Black–Scholes–Merton batch (spot with a continuous carry/dividend yield q). */
export interface BsmInputs {
  spot: Float64Array;
  strike: Float64Array;
  timeToExpiry: Float64Array;
  vol: Float64Array;
  rate: Float64Array;
  dividendYield: Float64Array;
  isCall: Int32Array;
}

/**
 * Price and Greeks, one column each. Units: delta per unit of underlying (of the forward for Black-76, of spot for
 * BSM), gamma per unit², vega per 1.00 vol, theta per year of calendar time (dV/dt = −dV/dT), rho per 1.00 rate.
 * Black-76 rho holds the forward fixed (ρ = −T·V); BSM rho holds q fixed (ρ = ±K·T·e^{−rT}·N(±d2)).
 * With `inverse` (coin-settled) the columns are the value in coin V/F and its derivatives (delta is d(V/F)/dF).
 */
export interface GreeksOutputs {
  price: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho: Float64Array;
}

/**
 * A resolved book for `portfolioValue`: its options' Black-76 inputs (USD premia; one row per option position) and
 * one entry per position in the other columns.
 */
export interface PortfolioInputs {
  options: Black76Inputs;
  /** row of the position in `options`, −1 for futures and perpetuals */
  optionRow: Int32Array;
  /** index into `spot` */
  underlying: Int32Array;
  /** 1 = inverse (coin-settled), 0 = linear */
  inverse: Int32Array;
  /** signed, units of the underlying */
  quantity: Float64Array;
  /** the position's forward, USD (an option's: the forward it is marked on; a perpetual's: the index) */
  forward: Float64Array;
  /** entry price per unit in the price currency (coin for inverse options, USD otherwise); NaN = unknown */
  entryPrice: Float64Array;
  /** index (spot) per underlying, USD */
  spot: Float64Array;
}

/**
 * Per-position values and Greeks (one entry per position) and their sums per underlying (one entry per `spot`).
 * Units as the engine reports them: mark/value in the price/settlement currency (coin for inverse contracts), USD
 * figures at the index; delta and premium-adjusted delta in units of the underlying, gamma per unit², vega in USD per
 * vol point (0.01), theta in USD per calendar day. Futures and perpetuals: value = unrealised P&L from the entry
 * price (0 when unknown). unrealisedPnl is NaN where the entry price is unknown. See js/portfolio.ts for the formulas.
 */
export interface PortfolioOutputs {
  mark: Float64Array;
  markUsd: Float64Array;
  value: Float64Array;
  valueUsd: Float64Array;
  unrealisedPnl: Float64Array;
  delta: Float64Array;
  premiumAdjustedDelta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  /** per underlying, summed in position order (coin collateral is the engine's to add) */
  sums: {
    delta: Float64Array;
    premiumAdjustedDelta: Float64Array;
    gamma: Float64Array;
    vega: Float64Array;
    theta: Float64Array;
    valueUsd: Float64Array;
  };
}

/**
 * Inputs of `gridAggregate` (definitions and order of operations: js/grid.ts). Legs = account × currency group ×
 * underlying; plans = shock plans (K shocks, a block of scenarios mapped onto them); terms = a position's or a
 * collateral balance's contribution to its leg; `pool` holds the P&L-per-shock vectors the terms point into
 * (offsets in elements).
 */
export interface GridAggregateInputs {
  /** per leg: its plan */
  legPlan: Int32Array;
  /** per leg + 1: the leg's terms are [legTerm[l], legTerm[l + 1]) */
  legTerm: Int32Array;
  /** per leg: extreme-move dampener in the leg's currency */
  legDamp: Float64Array;
  /** per plan: number of shocks K */
  planK: Int32Array;
  /** per plan + 1: the plan's scenarios are [planScen[p], planScen[p + 1]) */
  planScen: Int32Array;
  /** per scenario: its shock (0 ≤ · < K) */
  scenShock: Int32Array;
  /** per scenario: 0 standard, 1 extreme, 2 skew, 3 basis */
  scenKind: Int32Array;
  /** per scenario: weight of an extreme move */
  scenWeight: Float64Array;
  /** per term: coefficient c */
  termCoef: Float64Array;
  /** per term: scale s (used when termScaleVec ≥ 0) */
  termScale: Float64Array;
  /** per term: offset of its vector V in `pool` */
  termVec: Int32Array;
  /** per term: offset of its scale vector E in `pool`, −1 for none */
  termScaleVec: Int32Array;
  pool: Float64Array;
}

/**
 * Inputs of `gridRows` (definitions: js/grid.ts): the Black-76 rows of a grid tick, K rows per (option, shock plan)
 * pair starting at pairRow[q]. The per-pair scalars (tenor-scaled vols, skew step, basis move) come from the engine;
 * the shocks of plan p are the pooled columns' entries [planShock[p], planShock[p] + planK[p]).
 */
export interface GridRowsInputs {
  /** per pair: first row, plan */
  pairRow: Int32Array;
  pairPlan: Int32Array;
  /** per pair: the option's forward, strike, time to expiry, vol, rate, call flag */
  forward: Float64Array;
  strike: Float64Array;
  timeToExpiry: Float64Array;
  vol: Float64Array;
  rate: Float64Array;
  isCall: Int32Array;
  /** per pair: the vol in the up and down states, the vol change per unit of skew shock, basis move × T */
  volUp: Float64Array;
  volDown: Float64Array;
  skewStep: Float64Array;
  basisMove: Float64Array;
  /** per plan: shocks K, offset of its shocks in the pooled columns */
  planK: Int32Array;
  planShock: Int32Array;
  /** pooled shocks: spot log move x, e^x, vol state (1 up, −1 down, 0 same), skew units, basis sign (0: none) */
  shockX: Float64Array;
  shockEx: Float64Array;
  shockVol: Int32Array;
  shockSkew: Int32Array;
  shockBasis: Int32Array;
}

/** Per leg: loss[5l] grid loss, loss[5l+1] extreme loss, loss[5l+2] basis loss (≥ 0), loss[5l+3] P&L at gridAt,
 *  loss[5l+4] P&L at extremeAt (NaN when −1); at[2l] gridAt, at[2l+1] extremeAt. */
export interface GridAggregateOutputs {
  loss: Float64Array;
  at: Int32Array;
}

/**
 * Inputs of `gridFinish` (definitions and order of operations: js/grid.ts): the per-account rules after
 * `gridAggregate` — leg values and add-ons, group risk, IM/MM, collateral with haircuts, equity, status, worst.
 * Flags are 0/1 Int32Arrays; index columns with a trailing "+1" entry are ranges (x[i] … x[i + 1]).
 */
export interface GridFinishInputs {
  /** per instrument */
  instOpt: Int32Array;
  instInv: Int32Array;
  instF: Float64Array;
  instMark: Float64Array;
  instMarkUsd: Float64Array;
  /** per position */
  posQ: Float64Array;
  posEntry: Float64Array;
  posInst: Int32Array;
  posPerp: Int32Array;
  /** per plan: short-option minimum fraction; 1 when the extreme loss combines with the grid (no extreme or "grid") */
  planSom: Float64Array;
  planCombine: Int32Array;
  /** per leg */
  legPlan: Int32Array;
  legU: Int32Array;
  legBlockCount: Int32Array;
  /** per leg + 1 */
  legPos: Int32Array;
  legNet: Int32Array;
  /** net short option quantities (< 0) */
  netQ: Float64Array;
  /** per underlying */
  spot: Float64Array;
  /** per group (+1 for ranges) */
  groupLeg: Int32Array;
  groupCoin: Int32Array;
  groupCcy: Int32Array;
  groupColl: Int32Array;
  groupStable: Int32Array;
  /** per currency: USD per unit */
  ccyUnit: Float64Array;
  /** per collateral entry; haircut −1 for none, else an index into haircutInitial/haircutMaintenance */
  collAmount: Float64Array;
  collAsset: Int32Array;
  collHaircut: Int32Array;
  haircutInitial: Float64Array;
  haircutMaintenance: Float64Array;
  stableAmount: Float64Array;
  stableAsset: Int32Array;
  /** per asset: USD price */
  assetPrice: Float64Array;
  /** per account + 1: groups; accOk[a] = 0 for a failed account */
  accGroup: Int32Array;
  accOk: Int32Array;
  /** gridAggregate's outputs */
  loss: Float64Array;
  at: Int32Array;
  /** 1 = X:PM (USD measure) */
  usdMode: number;
  netShortOption: number;
  perpetual: number;
  stablecoinDepeg: number;
  initialFactor: number;
  maintenanceFactor: number;
}

/** Per account; status 0 healthy, 1 margin call, 2 liquidation, 255 failed (figures NaN, worstIndex −1). */
export interface GridFinishOutputs {
  initialMargin: Float64Array;
  maintenanceMargin: Float64Array;
  equity: Float64Array;
  excessInitial: Float64Array;
  excessMaintenance: Float64Array;
  worstPnl: Float64Array;
  status: Int32Array;
  worstIndex: Int32Array;
}

/**
 * Inputs of `revalueScenarios` (definitions and order of operations: js/scenarios.ts): a book's options (n rows) and
 * m joint scenarios over its U underlyings (row-major m × U; m = the output's length).
 */
export interface ScenarioRevaluationInputs {
  /** the options' Black-76 inputs at today's market (USD premia) */
  options: Black76Inputs;
  /** signed, units of the underlying */
  quantity: Float64Array;
  /** index into `spot` and into a scenario row */
  underlying: Int32Array;
  /** 1 = inverse (coin-settled): the coin value is converted at the shocked index */
  inverse: Int32Array;
  /** index (spot) per underlying, USD */
  spot: Float64Array;
  /** each option position's current USD value (quantity × value), subtracted so the unmoved scenario gives 0 */
  baseUsd: Float64Array;
  /** per scenario and underlying: spot (and forward) log return */
  spotLogReturn: Float64Array;
  /** per scenario and underlying: relative implied-vol shift (σ' = σ·(1 + shift), floored at 1e-4) */
  volShift: Float64Array;
}

/** How a scenario's implied vols move with its spot move (per asset; `scenarioRows`, js/scenarios.ts `linkRange`). */
export const SpotVolLinkKind = {
  /** no vol move: v = 0 */
  none: 0,
  /** v = max(floor, 1 + β·x) − 1 */
  relative: 1,
  /** v = e^{β·x} − 1 */
  log: 2,
} as const;

/** Inputs of `scenarioRows`: one stream's block of Monte Carlo scenarios over n assets. */
export interface ScenarioRowsInputs {
  /** assets (columns of every row) */
  n: number;
  /** lower Cholesky factor (n × n, row-major) of the per-horizon covariance of the spot log returns */
  l: Float64Array;
  /** 0: Gaussian copula; ν > 2: Student-t copula with ν degrees of freedom (rows scaled to unit-variance margins) */
  nu: number;
  /** per asset: the spot–vol link (SpotVolLinkKind), its β and the floor of a relative link */
  kind: Int32Array;
  beta: Float64Array;
  floor: Float64Array;
}

/** Outputs of `scenarioRows` (row-major, n columns). */
export interface ScenarioRowsOutputs {
  /** rows × n spot log returns: correlatedNormals' numbers */
  x: Float64Array;
  /** rows × n relative vol shifts of those moves; null: not stored (they still enter the bounds) */
  v: Float64Array | null;
  /** mirrorRows × n antithetic moves 0 − x of the first mirrorRows rows (0 − x: a zero move stays +0) */
  mirrorX: Float64Array;
  mirrorV: Float64Array | null;
  /**
   * 4n running bounds, updated: [x lo (n), v lo (n), x hi (n), v hi (n)], lo = y < lo ? y : lo and hi = hi < y ? y : hi
   * over row 0, mirror row 0, row 1, mirror row 1, … (so NaN never enters; start from +∞ / −∞)
   */
  range: Float64Array;
}

/**
 * Per-underlying P&L tables of the ES fast path (`surfaceEval`; layout and interpolation: js/scenarios.ts). One
 * entry per underlying in every column but `values`, which holds every table (table u at `offset[u]`, nx·nv values,
 * x-major).
 */
export interface PnlSurfaceTables {
  x0: Float64Array;
  dx: Float64Array;
  /** spot nodes (≥ 4) */
  nx: Int32Array;
  v0: Float64Array;
  dv: Float64Array;
  /** vol nodes: 1 (table 1-D in x) or ≥ 4 */
  nv: Int32Array;
  offset: Int32Array;
  values: Float64Array;
  /** USD P&L of the linear positions and collateral per unit of (e^x − 1) */
  linear: Float64Array;
  /** 0 = the underlying has no options (its table is not read) */
  hasOptions: Int32Array;
}

/** Tail risk of a P&L vector at one confidence level. */
export interface TailResult {
  /** Value at Risk as a positive loss: the smallest l with P(loss ≤ l) ≥ confidence (weighted). */
  var: number;
  /** Expected Shortfall (Acerbi–Tasche): mean loss in the worst (1 − confidence) of the probability mass. */
  es: number;
}

export interface Kernels {
  readonly backend: "js" | "wasm";
  /** true when the SIMD build of the wasm core runs */
  readonly simd: boolean;

  // ---- random numbers ----------------------------------------------------------------------------------------
  /** Seeds xoshiro256** from a 64-bit seed through splitmix64 (the generator authors' recommended seeding). */
  rngSeed(state: RngState, seed: bigint): void;
  /** Advances the state by 2^128 draws: 2^128 non-overlapping streams for parallel work. */
  rngJump(state: RngState): void;
  /** Advances the state by 2^192 draws. */
  rngLongJump(state: RngState): void;
  /** Raw 64-bit outputs as little-endian u32 pairs: out.length = 2·count. */
  rngRaw(state: RngState, out: Uint32Array): Uint32Array;
  /** Uniforms in [0, 1) from the top 53 bits. */
  rngUniform(state: RngState, out: Float64Array): Float64Array;
  /** Standard normals by the 256-layer Ziggurat (Marsaglia & Tsang 2000). */
  rngNormal(state: RngState, out: Float64Array): Float64Array;
  /** Student-t with nu > 0 degrees of freedom (not standardised): Z / sqrt(W/nu), W ~ χ²(nu). */
  rngStudentT(state: RngState, nu: number, out: Float64Array): Float64Array;
  /**
   * Multivariate-t row scales for a t copula with unit-variance margins: out[i] = sqrt((nu − 2) / W_i),
   * W_i ~ χ²(nu), nu > 2. Multiplying a row of correlated normals by out[i] gives a standardised t vector.
   */
  rngMvtScale(state: RngState, nu: number, out: Float64Array): Float64Array;

  // ---- linear algebra ----------------------------------------------------------------------------------------
  /**
   * Cholesky factor of the symmetric n×n matrix `a` into the lower-triangular `l` (upper part zeroed).
   * Returns 0 on success, or k + 1 when the leading minor of order k + 1 is not positive definite.
   */
  cholesky(n: number, a: Float64Array, l: Float64Array): number;
  /**
   * Correlated shocks for m scenarios × n factors: out[i, r] = rowScale[i] · Σ_c l[r, c] · e[i, c]
   * (row-major; rowScale null = 1). `out` must not alias `e`.
   */
  correlate(m: number, n: number, l: Float64Array, e: Float64Array, rowScale: Float64Array | null, out: Float64Array): Float64Array;
  /**
   * Fused pipeline: m·n normals (row-major), then for nu > 0 m t-copula row scales, from `state`; correlated by
   * `l` into `out`. Same numbers as rngNormal + rngMvtScale + correlate; the wasm backend stays in its memory.
   */
  correlatedNormals(m: number, n: number, l: Float64Array, state: RngState, nu: number, out: Float64Array): Float64Array;

  /**
   * Monte Carlo scenario rows: `rows` correlated normals (correlatedNormals(rows, n, l, state, nu)), the antithetic
   * mirrors of the first `mirrorRows` (≤ rows), the vol shift of every move by its asset's spot–vol link, and the
   * running bounds of both — one pass, so the wasm backend never copies the moves back in.
   */
  scenarioRows(inputs: ScenarioRowsInputs, state: RngState, rows: number, mirrorRows: number, out: ScenarioRowsOutputs): void;

  // ---- pricing -----------------------------------------------------------------------------------------------
  /** Black-76 price and Greeks; `inverse` = coin-settled (values divided by the forward). */
  black76(inputs: Black76Inputs, inverse: boolean, out: GreeksOutputs): GreeksOutputs;
  /** Black-76 price only (the repricing hot path). */
  black76Price(inputs: Black76Inputs, inverse: boolean, out: Float64Array): Float64Array;
  /** Generalised Black–Scholes–Merton price and Greeks. */
  bsm(inputs: BsmInputs, out: GreeksOutputs): GreeksOutputs;

  // ---- portfolio ---------------------------------------------------------------------------------------------
  /**
   * Values a resolved book: one Black-76 batch over its options, then per-position values and Greeks and their sums
   * per underlying (two kernels; the wasm backend keeps the Black-76 outputs in its memory between them). Returns the
   * number of positions whose optionRow/underlying index is out of range (their rows are NaN, left out of the sums).
   */
  portfolioValue(book: PortfolioInputs, out: PortfolioOutputs): number;
  /**
   * Scenario-grid aggregation over many accounts' legs: P&L per shock from shared per-instrument vectors, then each
   * leg's worst grid loss, extreme loss and basis loss with their scenario indices (js/grid.ts has the definitions).
   */
  gridAggregate(inputs: GridAggregateInputs, out: GridAggregateOutputs): GridAggregateOutputs;
  /**
   * The Black-76 rows of a grid tick (js/grid.ts has the definitions): per (option, plan) pair K rows of the shocked
   * forward, the state's vol (skew-rotated, floored), strike, time, rate, call flag, into `rows` (≥ the last row).
   */
  gridRows(inputs: GridRowsInputs, rows: Black76Inputs): Black76Inputs;
  /**
   * The per-account rules after gridAggregate (js/grid.ts has the definitions): margin, equity, excess, status and
   * worst scenario per account. Returns the first account whose IM, MM or equity is not finite, or −1.
   */
  gridFinish(inputs: GridFinishInputs, out: GridFinishOutputs): number;

  // ---- scenario revaluation ---------------------------------------------------------------------------------
  /**
   * Options' USD P&L per scenario by full Black-76 revaluation, fused (no scenarios × options rows on the host):
   * out[s] = Σ_j (q_j·value_j(scenario s) − baseUsd_j), m = out.length; `perUnderlying` (m × U) receives the same
   * sum per underlying when given (the ES fast path's surface nodes). js/scenarios.ts has the definitions.
   */
  revalueScenarios(inputs: ScenarioRevaluationInputs, out: Float64Array, perUnderlying?: Float64Array | null): Float64Array;
  /**
   * The ES fast path: P&L per scenario (m = out.length) from per-underlying P&L tables by cubic Lagrange
   * interpolation plus the exact linear part; `perUnderlying` (m × U) receives each underlying's share when given.
   * `volShift` is read by 2-D tables only (it may be empty when every table with options is 1-D).
   */
  surfaceEval(tables: PnlSurfaceTables, spotLogReturn: Float64Array, volShift: Float64Array, out: Float64Array, perUnderlying: Float64Array | null): Float64Array;

  // ---- tails -------------------------------------------------------------------------------------------------
  /** VaR and ES of `pnl` (gains positive) at `confidence` in (0, 1), optionally weighted; O(n) by selection. */
  varEs(pnl: Float64Array, weights: Float64Array | null, confidence: number): TailResult;
  /** Indices of the k largest losses, worst first (ties: lower index first). Returns the filled prefix of `out`. */
  worst(pnl: Float64Array, k: number, out: Int32Array): Int32Array;
  /** Counts (or weights) of `x` in `out.length` equal bins over [lo, hi]; values outside clamp to the end bins. */
  histogram(x: Float64Array, weights: Float64Array | null, lo: number, hi: number, out: Float64Array): Float64Array;
}
