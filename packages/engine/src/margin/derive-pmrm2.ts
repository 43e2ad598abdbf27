// The `derive-pmrm2` margin preset: Derive's portfolio margin (PMRM_2), reimplemented in float64 from the public
// contracts derivexyz/v2-core `PMRMLib_2.sol` / `PMRM_2.sol` / `IPMRMLib_2.sol` and lyra-utils (SVI, Black76), as
// written down in ../shared/specs/derive-pmrm2.md ("the spec"; section numbers below are its headings:
// "Per expiry e" steps 1–9, "Per scenario j", "Contingencies", "Margin").
//
// The model is data, not code: a policy is `{ preset: "derive-pmrm2", parameters }` whose parameter groups are the
// contract's named structs (VolShockParameters, MarginParameters, BasisContingencyParameters,
// OtherContingencyParameters, SkewShockParameters, CollateralParameters, plus the Scenario list), checked against
// the same ranges as the contract's setters (`PMRMLib_2.set*Params`, `PMRM_2.setScenarios`).
//
// Inputs are Derive's portfolio format (its own zod schemas below), because Derive's model reads things Offset's
// generic Book / MarketSnapshot do not carry: a raw-SVI slice per expiry with its own forward and time, a rate per
// expiry, oracle confidences, the perp price and unrealised P&L, collateral haircuts and risk-cancelling flags, and
// times in whole seconds. Amounts are in the units Derive uses: option and perp amounts in underlying, prices and
// values in USD, collateral values divided by the stable (USDC) price, results in USDC.
//
// Flow (one direction, every step a pure function):
//   parse (book, market, policy)  →  resolve: portfolio grouped by expiry, then strike (vols, forward split,
//   discounts, vol-shock multipliers, static discounts, basis contingency, contingencies)  →  P&L per scenario  →
//   worst loss (the contract's index: scenarios.length = the basis contingency)  →  IM, MM  →  MarginResult.
import { normCdf } from "@offset/kernels";
import * as z from "zod";
import { assertFiniteResult, fail } from "../errors.js";
import { parseWith } from "../validate.js";
import { type MarginComponent, type MarginResult, type WorstScenario, marginStatus } from "./result.js";

// ---- constants -----------------------------------------------------------------------------------------------

/** Black76.annualise: a year is 365 days of 86,400 s. */
export const DERIVE_SECONDS_PER_YEAR = 31_536_000;
/** The forward feed's settlement window: in the last 30 minutes part of the forward is fixed (spec step 1). */
export const DERIVE_SETTLEMENT_WINDOW = 1800;
/** Vol-shock scaling reference, 30 days in seconds (spec step 6: base = 30 d / max(t, dteFloor)). */
const THIRTY_DAYS = 30 * 86_400;
/** SVI total variance cap (lyra-utils SVI at the commit the cases were generated with; spec step 3). */
const SVI_MAX_TOTAL_VARIANCE = 144;
/** SVI log-moneyness clamp: |k| ≤ 4·√(a + b·σ) (spec step 3). */
const SVI_K_CLAMP_SCALE = 4;
/** Black-76 total-vol cap: for V = σ√τ ≥ 24 the normalised call is 1 (lyra-utils Black76; spec step 4). */
const MAX_TOTAL_VOL = 24;

// ---- schemas: the policy (parameters are data with the contract's range checks) --------------------------------

/** A finite number satisfying `ok`; `expected` is the error text (it names the contract's rule). */
const num = (expected: string, ok: (x: number) => boolean) =>
  z.number({ message: expected }).refine(ok, { message: expected });
const inRange = (lo: number, hi: number, where: string) => num(`a number in [${lo}, ${hi}] (${where})`, (x) => x >= lo && x <= hi);
const confidence = num("a confidence in [0, 1]", (x) => x >= 0 && x <= 1);
const positiveNum = (what: string) => num(what, (x) => x > 0);

const VOL = "PMRMLib_2.setVolShockParams";
/** IPMRMLib_2.VolShockParameters. `dteFloorDays` is in days (the contract stores seconds). */
export const volShockSchema = z.strictObject({
  /** up-shock range: vol × (1 + volRangeUp·(30 d / max(t, dteFloor))^power) */
  volRangeUp: inRange(0, 10, VOL),
  /** down-shock range: vol × max(0, 1 − volRangeDown·(…)^power) */
  volRangeDown: inRange(0, 10, VOL),
  /** power for expiries within 30 days (the contract's int has no lower bound) */
  shortTermPower: num(`a number ≤ 10 (${VOL})`, (x) => x <= 10),
  /** power for expiries beyond 30 days */
  longTermPower: num(`a number ≤ 10 (${VOL})`, (x) => x <= 10),
  /** floor on time to expiry in the vol-shock scaling, days */
  dteFloorDays: inRange(0, 400, VOL),
  /** vol floor in Up scenarios: max(minVolUpShock, shocked vol) */
  minVolUpShock: inRange(0, 20, VOL),
});

const MARGIN = "PMRMLib_2.setMarginParams";
/** IPMRMLib_2.MarginParameters. */
export const marginParamsSchema = z.strictObject({
  /** multiplies the worst loss for IM */
  imFactor: inRange(0.5, 10, MARGIN),
  /** multiplies the worst loss for MM */
  mmFactor: inRange(0.5, 10, MARGIN),
  /** static discount of a negative expiry value: × exp(+τ(r·shortRateMultScale + shortRateAddScale)) */
  shortRateMultScale: inRange(0, 10, MARGIN),
  /** static discount of a positive expiry value: × exp(−τ(r·longRateMultScale + longRateAddScale)) */
  longRateMultScale: inRange(0, 10, MARGIN),
  shortRateAddScale: inRange(0, 10, MARGIN),
  longRateAddScale: inRange(0, 10, MARGIN),
  /** base static discount for negative expiry values (capped by 1/discount) */
  shortBaseStaticDiscount: inRange(0, 4, MARGIN),
  /** base static discount for positive expiry values */
  longBaseStaticDiscount: inRange(0, 4, MARGIN),
});

const BASIS = "PMRMLib_2.setBasisContingencyParams";
/** IPMRMLib_2.BasisContingencyParameters. */
export const basisContingencySchema = z.strictObject({
  /** spot shock of the basis up scenario, in (1, 3) */
  scenarioSpotUp: num(`a number in (1, 3) (${BASIS})`, (x) => x > 1 && x < 3),
  /** spot shock of the basis down scenario, in [0, 1) */
  scenarioSpotDown: num(`a number in [0, 1) (${BASIS})`, (x) => x >= 0 && x < 1),
  /** basis contingency factor = add + mult·τ */
  basisContAddFactor: inRange(0, 20, BASIS),
  basisContMultFactor: inRange(0, 20, BASIS),
});

const OTHER = "PMRMLib_2.setOtherContingencyParams";
/** IPMRMLib_2.OtherContingencyParameters. */
export const otherContingencySchema = z.strictObject({
  /** below this stable price the IM loss factor grows by (threshold − price)·pegLossFactor */
  pegLossThreshold: inRange(0, 100, OTHER),
  pegLossFactor: inRange(0, 10, OTHER),
  /** oracle confidences below this add (1 − confidence)·confMargin·notional to IM */
  confThreshold: inRange(0, 1, OTHER),
  confMargin: inRange(0, 20, OTHER),
  /** × perp notional |n|·spot, MM (and IM) */
  mmPerpPercent: inRange(0, 3, OTHER),
  /** × perp notional, IM only, on top of the MM one */
  imPerpPercent: inRange(0, 3, OTHER),
  /** × naked shorts (net per strike) × spot, MM (and IM) */
  mmOptionPercent: inRange(0, 2, OTHER),
  /** × naked shorts × spot, IM only, on top of the MM one */
  imOptionPercent: inRange(0, 2, OTHER),
});

const SKEW = "PMRMLib_2.setSkewShockParameters";
/** IPMRMLib_2.SkewShockParameters. */
export const skewShockSchema = z.strictObject({
  /** multiplier cap = linearCBase·√τ + linearBaseCap (LINEAR scenario) */
  linearBaseCap: inRange(0, 10, SKEW),
  absBaseCap: inRange(0, 10, SKEW),
  linearCBase: inRange(-10, 10, SKEW),
  absCBase: inRange(-10, 10, SKEW),
  /** k* = max(minKStar, √τ·widthScale·(volParamStatic + √τ·volParamScale)) */
  minKStar: inRange(0, 10, SKEW),
  widthScale: inRange(0, 10, SKEW),
  volParamStatic: inRange(0, 10, SKEW),
  volParamScale: inRange(-20, 20, SKEW),
});

/** IPMRMLib_2.CollateralParameters (a collateral the policy does not list is not enabled). */
export const collateralParamsSchema = z.strictObject({
  /** shocked with spot in every scenario (e.g. wrapped BTC against BTC options) */
  isRiskCancelling: z.boolean({ message: "true or false" }),
  /** share of the collateral's value taken off MM (and IM) */
  mmHaircut: inRange(0, 1, "PMRMLib_2.setCollateralParameters"),
  /** share taken off IM on top of the MM haircut (the contract checks MMHaircut twice, a typo; we check both) */
  imHaircut: inRange(0, 1, "PMRMLib_2.setCollateralParameters"),
});

export const VOL_SHOCK_DIRECTIONS = ["up", "down", "none", "linear", "abs"] as const;
export type DeriveVolShock = (typeof VOL_SHOCK_DIRECTIONS)[number];

/** IPMRM_2.Scenario. */
export const scenarioSchema = z.strictObject({
  /** spot multiplier (0.85 = spot −15%); must be 1 for the skew scenarios */
  spotShock: num("a spot multiplier ≥ 0", (x) => x >= 0),
  /** "up" / "down" / "none" shock the vols of the expiry; "linear" / "abs" are the skew scenarios */
  volShock: z.enum(VOL_SHOCK_DIRECTIONS, { message: '"up", "down", "none", "linear" or "abs"' }),
  /** multiplies the scenario's P&L (options, perp and collateral); tail scenarios use < 1, some skew rows > 1 */
  dampeningFactor: num("a number ≥ 0", (x) => x >= 0),
});

const scenariosSchema = z
  .array(scenarioSchema, { message: "an array of scenarios" })
  .min(1, { message: "1 to 40 scenarios (PMRM_2.setScenarios)" })
  .max(40, { message: "1 to 40 scenarios (PMRM_2.setScenarios)" })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      if (s.volShock !== "linear" && s.volShock !== "abs") return;
      if (seen.has(s.volShock))
        ctx.addIssue({ code: "custom", path: [i, "volShock"], message: `at most one "${s.volShock}" scenario (PMRM_2.setScenarios)` });
      seen.add(s.volShock);
      if (s.spotShock !== 1)
        ctx.addIssue({ code: "custom", path: [i, "spotShock"], message: "1 for a skew scenario (PMRM_2.setScenarios)" });
    });
  });

/** The preset's parameters: the contract's structs, one group each. */
export const derivePmrm2ParametersSchema = z.strictObject({
  scenarios: scenariosSchema,
  volShock: volShockSchema,
  margin: marginParamsSchema,
  basisContingency: basisContingencySchema,
  otherContingency: otherContingencySchema,
  skewShock: skewShockSchema,
  /** by collateral name */
  collaterals: z.record(z.string(), collateralParamsSchema).default({}),
});

export const derivePmrm2PolicySchema = z.strictObject({
  preset: z.literal("derive-pmrm2", { message: '"derive-pmrm2"' }),
  parameters: derivePmrm2ParametersSchema,
});

export type DerivePmrm2Parameters = z.output<typeof derivePmrm2ParametersSchema>;
export type DerivePmrm2ParametersInput = z.input<typeof derivePmrm2ParametersSchema>;
export type DerivePmrm2Policy = z.output<typeof derivePmrm2PolicySchema>;
export type DeriveScenario = z.output<typeof scenarioSchema>;

// ---- schemas: Derive's portfolio format (book = holdings, market = oracle feeds) ------------------------------

const unixSeconds = num("whole seconds since 1970 (unix time) ≥ 0", (x) => Number.isInteger(x) && x >= 0);

/** A Derive subaccount: cash, a perp, options and collateral balances. */
export const deriveBookSchema = z.strictObject({
  /** USDC cash balance (may be negative: borrowed) */
  cash: z.number({ message: "a finite number (USDC)" }),
  perp: z
    .strictObject({
      /** signed perp position in underlying */
      amount: z.number({ message: "a finite number (signed, in underlying)" }),
      /** perp.getUnsettledAndUnrealizedCash: unrealised P&L and funding, USDC; their sum is the perp's value */
      unrealisedPnl: z.number({ message: "a finite number (USDC)" }).default(0),
      unrealisedFunding: z.number({ message: "a finite number (USDC)" }).default(0),
    })
    .optional(),
  options: z
    .array(
      z.strictObject({
        /** expiry, unix seconds */
        expiry: unixSeconds,
        /** USD; > 0 (the SVI log-moneyness ln(K/F) needs it) */
        strike: positiveNum("a strike > 0 in USD"),
        isCall: z.boolean({ message: "true (call) or false (put)" }),
        /** signed, in underlying (a short is negative) */
        amount: z.number({ message: "a finite number (signed, in underlying)" }),
      }),
    )
    .default([]),
  collaterals: z
    .array(
      z.strictObject({
        name: z.string({ message: "a collateral name" }).min(1, { message: "a collateral name" }),
        /** balance in the collateral's units (Derive balances of collateral are ≥ 0) */
        amount: num("a balance ≥ 0", (x) => x >= 0),
      }),
    )
    .default([]),
});

/** raw SVI in k = ln(K/F_svi): w = a + b(ρ(k−m) + √((k−m)² + σ²)), vol = √(w/τ_svi) (lyra-utils SVI) */
const deriveSviSchema = z.strictObject({
  a: z.number({ message: "a finite number" }),
  b: num("a finite number ≥ 0", (x) => x >= 0),
  rho: num("a number in [−1, 1]", (x) => x >= -1 && x <= 1),
  m: z.number({ message: "a finite number" }),
  sigma: num("a finite number ≥ 0", (x) => x >= 0),
  /** the forward the slice was fitted on */
  forward: positiveNum("a forward > 0 in USD"),
  /** the slice's own time to expiry in years (not the option's t/365 d: the feed's) */
  tau: positiveNum("a time > 0 in years"),
});

/** The oracle feeds a PMRM_2 margin check reads, at one instant. */
export const deriveMarketSchema = z.strictObject({
  /** block.timestamp, unix seconds */
  time: unixSeconds,
  spot: z.strictObject({ price: positiveNum("a spot price > 0 in USD"), confidence }),
  /** required when the book holds perps */
  perp: z.strictObject({ price: positiveNum("a perp price > 0 in USD"), confidence }).optional(),
  /** USD price of the stable coin (USDC) the account is denominated in */
  stable: z.strictObject({ price: positiveNum("a stable price > 0 in USD") }),
  /** collateral spot feeds, USD, by name */
  collaterals: z.record(z.string(), z.strictObject({ price: num("a price ≥ 0 in USD", (x) => x >= 0), confidence })).default({}),
  /** forward, rate and vol feeds, one entry per expiry */
  expiries: z
    .array(
      z.strictObject({
        expiry: unixSeconds,
        forward: positiveNum("a forward > 0 in USD"),
        /**
         * the settled part of the forward inside the settlement window, USD. Default: the mock feed's rule,
         * forward·(1800 − t)/1800 when t < 1800 s, else 0 (spec step 1)
         */
        forwardFixed: num("a number ≥ 0 (USD, at most the forward)", (x) => x >= 0).optional(),
        forwardConfidence: confidence,
        /** continuously compounded, decimal; floored at 0 (spec step 2) */
        rate: z.number({ message: "a finite number" }),
        rateConfidence: confidence,
        /** confidence of the vol feed for this expiry's options */
        volConfidence: confidence,
        svi: deriveSviSchema,
      }),
    )
    .default([]),
});

export type DeriveBook = z.output<typeof deriveBookSchema>;
export type DeriveBookInput = z.input<typeof deriveBookSchema>;
export type DeriveMarket = z.output<typeof deriveMarketSchema>;
export type DeriveMarketInput = z.input<typeof deriveMarketSchema>;
export type DeriveSvi = z.output<typeof deriveSviSchema>;

// ---- results ---------------------------------------------------------------------------------------------------

/** One expiry after precomputation (PMRMLib_2.addPrecomputes), in the order expiries first appear in the book. */
export interface DeriveExpiryDetail {
  expiry: number;
  secondsToExpiry: number;
  /** years, t / 365 d */
  tau: number;
  forward: number;
  forwardFixed: number;
  forwardVariable: number;
  /** max(rate, 0) */
  rate: number;
  /** exp(−rate⁺·τ) */
  discount: number;
  /** unshocked value of the expiry's options, M_e */
  mtm: number;
  volShockUp: number;
  volShockDown: number;
  staticDiscountPos: number;
  staticDiscountNeg: number;
  /** this expiry's share of the basis (forward) contingency, ≤ 0 */
  basisContingency: number;
  /** Σ_K max(0, −(q_call,K + q_put,K)) */
  nakedShorts: number;
  /** min of portfolio, forward, rate and vol confidences */
  minConfidence: number;
  /** SVI vol per option, in book order within the expiry */
  vols: number[];
}

export interface DeriveScenarioDetail extends DeriveScenario {
  index: number;
  description: string;
  /** P&L of the scenario relative to MtM (negative = loss), dampening and static discounts applied */
  pnl: number;
}

/** Derive's own figures, named as in the golden cases (contingencies as positive amounts here). */
export interface DerivePmrm2Detail {
  /** IM excess: f_IM·L − IM_c − MM_c + MtM + cash (negative = short of margin) — Derive's `IM` */
  im: number;
  /** MM excess: f_MM·L − MM_c + MtM + cash — Derive's `MM` */
  mm: number;
  /** MtM + cash — Derive's `PortfolioMTM` */
  portfolioMtm: number;
  /** Σ_e M_e + collateral + perp value */
  mtm: number;
  cash: number;
  optionMtm: number;
  collateralMtm: number;
  /** unrealised P&L + funding, counted only when the perp position is not 0 */
  perpMtm: number;
  /** B = Σ_e B_e ≤ 0 — Derive's `ForwardContingency` */
  forwardContingency: number;
  /** L = min(B, min_j P&L_j) ≤ 0 */
  worstLoss: number;
  /** the contract's index: 0…n−1 a scenario, n = scenarios.length the basis contingency */
  worstScenario: number;
  lossFactors: { initial: number; maintenance: number };
  /** positive amounts (the golden cases print them negated) */
  contingencies: {
    mmPerp: number;
    imPerp: number;
    /** collateral haircuts */
    mmBase: number;
    imBase: number;
    mmOption: number;
    imOption: number;
    /** oracle confidence contingency (IM only) */
    oracle: number;
  };
  expiries: DeriveExpiryDetail[];
  /** every scenario in the policy's order */
  scenarios: DeriveScenarioDetail[];
}

/** The shared result shape plus Derive's own figures under `derive`. */
export interface DeriveMarginResult extends MarginResult {
  derive: DerivePmrm2Detail;
}

// ---- pricing pieces (pure, scalar) ------------------------------------------------------------------------------

/**
 * SVI vol at `strike` (spec step 3): k = ln(K/F_svi) clamped to ±4·√(a + b·σ); w capped at 144; vol = √(w/τ_svi).
 * NaN when w < 0 or a + b·σ < 0 (the contract reverts there); the caller turns that into an error.
 */
export function deriveSviVol(svi: DeriveSvi, strike: number): number {
  const bound = SVI_K_CLAMP_SCALE * Math.sqrt(svi.a + svi.b * svi.sigma);
  const k = Math.min(bound, Math.max(-bound, Math.log(strike / svi.forward)));
  const km = k - svi.m;
  const w = svi.a + svi.b * (Math.sqrt(km * km + svi.sigma * svi.sigma) + svi.rho * km);
  if (!(w >= 0)) return Number.NaN;
  return Math.sqrt(Math.min(w, SVI_MAX_TOTAL_VARIANCE) / svi.tau);
}

/**
 * Black-76 as lyra-utils prices it (spec step 4), for total vol V = vol·√τ, forward F, strike K > 0, discount D:
 * normalised call c = max(N(d₁) − μN(d₂), 0) with μ = K/F (c = 1 when V ≥ 24, intrinsic max(1 − μ, 0) when V = 0),
 * put p = max(c + μ − 1, 0); call = min(c·F·D, F·D), put = min(p·F·D, K·D). F = 0 (spot shocked to 0) gives the
 * limits: call 0, put K·D.
 */
export function deriveBlack76(totalVol: number, forward: number, strike: number, discount: number, isCall: boolean): number {
  if (forward === 0) return isCall ? 0 : strike * discount;
  const mu = strike / forward;
  let c: number;
  if (totalVol >= MAX_TOTAL_VOL) c = 1;
  else if (totalVol === 0) c = Math.max(1 - mu, 0);
  else {
    const d1 = (0.5 * totalVol * totalVol - Math.log(mu)) / totalVol;
    c = Math.max(normCdf(d1) - mu * normCdf(d1 - totalVol), 0);
  }
  const fd = forward * discount;
  if (isCall) return Math.min(c * fd, fd);
  return Math.min(Math.max(c + mu - 1, 0) * fd, strike * discount);
}

/** Vol-shock multipliers of an expiry (spec step 6). At t = 0 with a zero DTE floor they are 1 (vols don't matter). */
export function deriveVolShocks(secondsToExpiry: number, p: DerivePmrm2Parameters["volShock"]): { up: number; down: number } {
  const denom = Math.max(secondsToExpiry, p.dteFloorDays * 86_400);
  if (denom === 0) return { up: 1, down: 1 };
  const scale = Math.pow(THIRTY_DAYS / denom, secondsToExpiry <= THIRTY_DAYS ? p.shortTermPower : p.longTermPower);
  return { up: 1 + p.volRangeUp * scale, down: Math.max(0, 1 - p.volRangeDown * scale) };
}

/** Static discounts of an expiry (spec step 7): [pos, neg], neg capped at 1/D. */
export function deriveStaticDiscounts(tau: number, rate: number, discount: number, p: DerivePmrm2Parameters["margin"]): { pos: number; neg: number } {
  const pos = p.longBaseStaticDiscount * Math.exp(-tau * (rate * p.longRateMultScale + p.longRateAddScale));
  const neg = Math.min(1 / discount, p.shortBaseStaticDiscount * Math.exp(tau * (rate * p.shortRateMultScale + p.shortRateAddScale)));
  return { pos, neg };
}

// ---- the portfolio, grouped by expiry then strike ----------------------------------------------------------------

interface ResolvedExpiry extends DeriveExpiryDetail {
  sqrtTau: number;
  strikes: Float64Array;
  amounts: Float64Array;
  isCall: Uint8Array;
  volCol: Float64Array;
}

interface Resolved {
  expiries: ResolvedExpiry[];
  perpAmount: number;
  perpPrice: number;
  /** risk-cancelling collateral value, shocked with spot */
  riskCancellingValue: number;
}

/** Value of an expiry's options at spot shock x with vols multiplied by `volMult`, floored at `minVol` (spec step 5). */
function expiryShockedMtm(e: ResolvedExpiry, x: number, volMult: number, minVol: number): number {
  const forward = e.forwardVariable * x + e.forwardFixed;
  let total = 0;
  for (let i = 0; i < e.strikes.length; i++) {
    const vol = Math.max(minVol, e.volCol[i]! * volMult);
    total += deriveBlack76(vol * e.sqrtTau, forward, e.strikes[i]!, e.discount, e.isCall[i] === 1) * e.amounts[i]!;
  }
  return total;
}

/** Value of an expiry's options under the LINEAR or ABS skew shock, forward unshocked (spec step 9). */
function expirySkewMtm(e: ResolvedExpiry, linear: boolean, p: DerivePmrm2Parameters["skewShock"], where: string): number {
  const forward = e.forwardVariable + e.forwardFixed;
  const cap = linear ? p.linearCBase * e.sqrtTau + p.linearBaseCap : p.absCBase * e.sqrtTau + p.absBaseCap;
  const kStar = Math.max(p.minKStar, e.sqrtTau * p.widthScale * (p.volParamStatic + e.sqrtTau * p.volParamScale));
  // at t = 0 vols do not enter the price (V = 0); elsewhere k* = 0 would divide by zero (the contract reverts)
  if (!(kStar > 0) && e.sqrtTau > 0)
    fail(where, "k* = max(minKStar, √τ·widthScale·(volParamStatic + √τ·volParamScale)) > 0 at every expiry", kStar);
  let total = 0;
  for (let i = 0; i < e.strikes.length; i++) {
    let vol = 0;
    if (e.sqrtTau > 0) {
      const k0 = Math.log(e.strikes[i]! / forward);
      const k = linear ? k0 : Math.abs(k0);
      const x = (k * cap) / kStar;
      // the contract's clamp, written as it is (it differs from clamp(x, −cap, cap) only when cap < 0)
      const mult = 1 + (k >= 0 ? Math.min(cap, x) : Math.max(-cap, x));
      vol = e.volCol[i]! * Math.max(mult, 0);
    }
    total += deriveBlack76(vol * e.sqrtTau, forward, e.strikes[i]!, e.discount, e.isCall[i] === 1) * e.amounts[i]!;
  }
  return total;
}

/**
 * P&L of one scenario relative to MtM (PMRMLib_2.getScenarioPnL; spec "Per scenario j"): per expiry the shocked
 * value, static-discounted by sign (never M_e), minus M_e, times the dampening δ (skew scenarios take −|·| per
 * expiry); plus the perp n·(x − 1)·perpPrice·δ and the risk-cancelling collateral V·(x − 1)·δ.
 */
function scenarioPnl(r: Resolved, s: DeriveScenario, p: DerivePmrm2Parameters): number {
  const x = s.spotShock;
  const d = s.dampeningFactor;
  let pnl = r.perpAmount === 0 ? 0 : r.perpAmount * ((x - 1) * r.perpPrice) * d;
  const skew = s.volShock === "linear" || s.volShock === "abs";
  for (const e of r.expiries) {
    let shocked: number;
    if (skew) shocked = expirySkewMtm(e, s.volShock === "linear", p.skewShock, "policy.parameters.skewShock");
    else if (s.volShock === "up") shocked = expiryShockedMtm(e, x, e.volShockUp, p.volShock.minVolUpShock);
    else if (s.volShock === "down") shocked = expiryShockedMtm(e, x, e.volShockDown, 0);
    else shocked = expiryShockedMtm(e, x, 1, 0);
    shocked *= shocked >= 0 ? e.staticDiscountPos : e.staticDiscountNeg;
    const expiryPnl = (shocked - e.mtm) * d;
    pnl += skew && expiryPnl > 0 ? -expiryPnl : expiryPnl;
  }
  pnl += r.riskCancellingValue * (x - 1) * d;
  return pnl;
}

/** "spot ×0.85, vol up", "skew (linear)", "spot ×0.34, vol up, dampened ×0.0545" */
export function describeScenario(s: DeriveScenario): string {
  const fmt = (v: number) => String(Number(v.toPrecision(4)));
  if (s.volShock === "linear" || s.volShock === "abs")
    return `skew (${s.volShock})${s.spotShock !== 1 ? `, spot ×${fmt(s.spotShock)}` : ""}${s.dampeningFactor !== 1 ? `, dampened ×${fmt(s.dampeningFactor)}` : ""}`;
  const vol = s.volShock === "none" ? "vol unchanged" : `vol ${s.volShock}`;
  return `spot ×${fmt(s.spotShock)}, ${vol}${s.dampeningFactor !== 1 ? `, dampened ×${fmt(s.dampeningFactor)}` : ""}`;
}

/**
 * Derive PMRM_2 on already-validated inputs (use `deriveMargin` at an API edge): precomputes per expiry,
 * contingencies, every scenario's P&L, the worst loss and its index, IM and MM. Pure.
 */
export function derivePmrm2(book: DeriveBook, market: DeriveMarket, p: DerivePmrm2Parameters): DerivePmrm2Detail {
  const spot = market.spot.price;
  const stable = market.stable.price;
  const perpAmount = book.perp?.amount ?? 0;
  if (perpAmount !== 0 && !market.perp) fail("market.perp", "the perp's price and confidence (the book holds perps)", market.perp);
  const perpPrice = perpAmount !== 0 ? market.perp!.price : 0;
  // PMRM_2._arrangePortfolio: the portfolio confidence is spot's, and the perp's when a perp is held
  const portfolioConf = perpAmount !== 0 ? Math.min(market.spot.confidence, market.perp!.confidence) : market.spot.confidence;
  const oc = p.otherContingency;
  const cc = (c: number, notional: number) => (c < oc.confThreshold ? (1 - c) * oc.confMargin * notional : 0);

  // contingencies ("Contingencies"), accumulated in the contract's order
  const perpNotional = Math.abs(perpAmount) * spot;
  let mmPerp = perpNotional * oc.mmPerpPercent;
  let imPerp = perpNotional * oc.imPerpPercent;
  let oracle = cc(portfolioConf, perpNotional);
  let mmOption = 0;
  let imOption = 0;
  let mmBase = 0;
  let imBase = 0;

  // group options by expiry (order of first appearance), then by strike for the naked-short netting
  const feedIndex = new Map<number, number>();
  market.expiries.forEach((f, i) => {
    if (feedIndex.has(f.expiry)) fail(`market.expiries[${i}].expiry`, "one feed entry per expiry", f.expiry);
    feedIndex.set(f.expiry, i);
  });
  const groups = new Map<number, number[]>();
  const seen = new Set<string>();
  book.options.forEach((o, i) => {
    const key = `${o.expiry}/${o.strike}/${o.isCall ? "C" : "P"}`;
    if (seen.has(key)) fail(`book.options[${i}]`, "one position per option (expiry, strike, call/put), as Derive holds one balance per option", key);
    seen.add(key);
    if (!feedIndex.has(o.expiry)) fail(`book.options[${i}].expiry`, "an expiry with an entry in market.expiries", o.expiry);
    const g = groups.get(o.expiry);
    if (g) g.push(i);
    else groups.set(o.expiry, [i]);
  });

  const expiries: ResolvedExpiry[] = [];
  let optionMtm = 0;
  let forwardContingency = 0;
  for (const [expiry, idx] of groups) {
    const fi = feedIndex.get(expiry)!;
    const feed = market.expiries[fi]!;
    const where = `market.expiries[${fi}]`;
    // step 1: time and the forward split
    const t = Math.max(expiry - market.time, 0);
    const tau = t / DERIVE_SECONDS_PER_YEAR;
    let forwardFixed = t < DERIVE_SETTLEMENT_WINDOW ? (feed.forward * (DERIVE_SETTLEMENT_WINDOW - t)) / DERIVE_SETTLEMENT_WINDOW : 0;
    let forwardVariable = t < DERIVE_SETTLEMENT_WINDOW ? (feed.forward * t) / DERIVE_SETTLEMENT_WINDOW : feed.forward;
    if (feed.forwardFixed !== undefined) {
      if (feed.forwardFixed > feed.forward) fail(`${where}.forwardFixed`, `at most the forward ${feed.forward}`, feed.forwardFixed);
      forwardFixed = feed.forwardFixed;
      forwardVariable = feed.forward - feed.forwardFixed;
    }
    // step 2: floored rate and discount
    const rate = Math.max(feed.rate, 0);
    const discount = Math.exp(-rate * tau);
    const n = idx.length;
    const strikes = new Float64Array(n);
    const amounts = new Float64Array(n);
    const isCall = new Uint8Array(n);
    const volCol = new Float64Array(n);
    const netByStrike = new Map<number, number>();
    let gross = 0;
    for (let j = 0; j < n; j++) {
      const o = book.options[idx[j]!]!;
      strikes[j] = o.strike;
      amounts[j] = o.amount;
      isCall[j] = o.isCall ? 1 : 0;
      // step 3: SVI vol
      const v = deriveSviVol(feed.svi, o.strike);
      if (Number.isNaN(v)) fail(`${where}.svi`, `a slice with total variance ≥ 0 at strike ${o.strike} (a + b·σ ≥ 0, w ≥ 0)`, feed.svi);
      volCol[j] = v;
      netByStrike.set(o.strike, (netByStrike.get(o.strike) ?? 0) + o.amount);
      gross += Math.abs(o.amount);
    }
    const e: ResolvedExpiry = {
      expiry,
      secondsToExpiry: t,
      tau,
      sqrtTau: Math.sqrt(tau),
      forward: feed.forward,
      forwardFixed,
      forwardVariable,
      rate,
      discount,
      mtm: 0,
      volShockUp: 1,
      volShockDown: 1,
      staticDiscountPos: 1,
      staticDiscountNeg: 1,
      basisContingency: 0,
      nakedShorts: 0,
      minConfidence: Math.min(portfolioConf, feed.forwardConfidence, feed.rateConfidence, feed.volConfidence),
      vols: Array.from(volCol),
      strikes,
      amounts,
      isCall,
      volCol,
    };
    // step 5: M_e
    e.mtm = expiryShockedMtm(e, 1, 1, 0);
    optionMtm += e.mtm;
    // step 8: basis contingency, vols unshocked, no static discount
    const up = expiryShockedMtm(e, p.basisContingency.scenarioSpotUp, 1, 0);
    const down = expiryShockedMtm(e, p.basisContingency.scenarioSpotDown, 1, 0);
    e.basisContingency = Math.min(up - e.mtm, down - e.mtm, 0) * (p.basisContingency.basisContAddFactor + p.basisContingency.basisContMultFactor * tau);
    forwardContingency += e.basisContingency;
    // steps 6, 7
    const shocks = deriveVolShocks(t, p.volShock);
    e.volShockUp = shocks.up;
    e.volShockDown = shocks.down;
    const sd = deriveStaticDiscounts(tau, rate, discount, p.margin);
    e.staticDiscountPos = sd.pos;
    e.staticDiscountNeg = sd.neg;
    // naked shorts, netted per strike across calls and puts (PMRMLib_2._addOptionContingency)
    let naked = 0;
    for (const net of netByStrike.values()) if (net < 0) naked -= net;
    e.nakedShorts = naked;
    mmOption += naked * spot * oc.mmOptionPercent;
    imOption += naked * spot * oc.imOptionPercent;
    // oracle contingency of the expiry: gross amounts × spot
    oracle += cc(e.minConfidence, gross * spot);
    expiries.push(e);
  }

  // collaterals: value in stable units, haircuts, confidence with spot's (not the perp's: contract ordering)
  let collateralMtm = 0;
  let riskCancellingValue = 0;
  book.collaterals.forEach((c, i) => {
    const params = p.collaterals[c.name];
    if (!params) fail(`book.collaterals[${i}].name`, `a collateral listed in policy.parameters.collaterals (${Object.keys(p.collaterals).join(", ") || "none"})`, c.name);
    const feed = market.collaterals[c.name];
    if (!feed) fail(`book.collaterals[${i}].name`, "a collateral with a price in market.collaterals", c.name);
    const value = (c.amount * feed.price) / stable;
    collateralMtm += value;
    if (params.isRiskCancelling) riskCancellingValue += value;
    mmBase += value * params.mmHaircut;
    imBase += value * params.imHaircut;
    oracle += cc(Math.min(feed.confidence, market.spot.confidence), value);
  });
  if (new Set(book.collaterals.map((c) => c.name)).size !== book.collaterals.length)
    fail("book.collaterals", "one balance per collateral name", book.collaterals.map((c) => c.name).join(", "));

  const perpMtm = perpAmount !== 0 ? (book.perp!.unrealisedPnl + book.perp!.unrealisedFunding) : 0;
  const mtm = perpMtm + optionMtm + collateralMtm;

  // scenarios and the worst loss: the basis contingency first, a scenario replaces it only when strictly worse
  const resolved: Resolved = { expiries, perpAmount, perpPrice, riskCancellingValue };
  let worstLoss = forwardContingency;
  let worstScenario = p.scenarios.length;
  const scenarios: DeriveScenarioDetail[] = p.scenarios.map((s, index) => {
    const pnl = scenarioPnl(resolved, s, p);
    if (pnl < worstLoss) {
      worstLoss = pnl;
      worstScenario = index;
    }
    return { index, ...s, description: describeScenario(s), pnl };
  });

  // "Margin": the peg-loss add-on is IM only; IM subtracts both contingency sums
  let fIm = p.margin.imFactor;
  if (stable < oc.pegLossThreshold) fIm += (oc.pegLossThreshold - stable) * oc.pegLossFactor;
  const fMm = p.margin.mmFactor;
  const mmC = mmPerp + mmOption + mmBase;
  const imC = imPerp + imOption + imBase + oracle;
  const portfolioMtm = mtm + book.cash;
  const im = fIm * worstLoss - imC - mmC + portfolioMtm;
  const mm = fMm * worstLoss - mmC + portfolioMtm;

  const detail: DerivePmrm2Detail = {
    im: assertFiniteResult("derive.im", im, "IM excess"),
    mm: assertFiniteResult("derive.mm", mm, "MM excess"),
    portfolioMtm,
    mtm,
    cash: book.cash,
    optionMtm,
    collateralMtm,
    perpMtm,
    forwardContingency,
    worstLoss,
    worstScenario,
    lossFactors: { initial: fIm, maintenance: fMm },
    contingencies: { mmPerp, imPerp, mmBase, imBase, mmOption, imOption, oracle },
    expiries: expiries.map(({ sqrtTau: _s, strikes: _k, amounts: _a, isCall: _c, volCol: _v, ...rest }) => rest),
    scenarios,
  };
  return detail;
}

// ---- the API edge -------------------------------------------------------------------------------------------------

export interface DeriveMarginInput {
  /** Derive's portfolio format (see `deriveBookSchema`) */
  book: unknown;
  /** Derive's oracle feeds (see `deriveMarketSchema`) */
  market: unknown;
  /** `{ preset: "derive-pmrm2", parameters }` */
  policy: unknown;
}

export const parseDeriveBook = (input: unknown): DeriveBook => parseWith(deriveBookSchema, input, "book");
export const parseDeriveMarket = (input: unknown): DeriveMarket => parseWith(deriveMarketSchema, input, "market");
export const parseDerivePmrm2Policy = (input: unknown): DerivePmrm2Policy => parseWith(derivePmrm2PolicySchema, input, "policy");

/**
 * Derive PMRM_2 margin of a book on a market under a `derive-pmrm2` policy, validated at the edge, as the shared
 * `MarginResult` (figures in USDC) with Derive's own figures under `derive`.
 *
 * Mapping: equity = MtM + cash (Derive's PortfolioMTM); the excesses are Derive's IM and MM; requirements are
 * equity − excess. Derive takes collateral haircuts as a contingency ("base contingency"), so they are components
 * here, and `marginEquity` is the equity for both IM and MM. The basis (forward) contingency is not added: it is
 * a candidate worst loss, listed in `worst` with the contract's index `scenarios.length`.
 */
export function deriveMargin(input: DeriveMarginInput): DeriveMarginResult {
  if (input === null || typeof input !== "object") fail("deriveMargin", "an object { book, market, policy }", input);
  const book = parseDeriveBook(input.book);
  const market = parseDeriveMarket(input.market);
  const policy = parseDerivePmrm2Policy(input.policy);
  return toMarginResult(derivePmrm2(book, market, policy.parameters), policy.parameters);
}

function toMarginResult(d: DerivePmrm2Detail, p: DerivePmrm2Parameters): DeriveMarginResult {
  const c = d.contingencies;
  const lossIm = -d.lossFactors.initial * d.worstLoss;
  const lossMm = -d.lossFactors.maintenance * d.worstLoss;
  const worstWhat = d.worstScenario === p.scenarios.length ? "basis contingency" : `scenario ${d.worstScenario} (${d.scenarios[d.worstScenario]!.description})`;
  const components: MarginComponent[] = [
    { name: "worst loss × MM factor", value: lossMm, appliesTo: "maintenance", description: `${worstWhat}: ${d.worstLoss} × ${d.lossFactors.maintenance}` },
    { name: "worst loss × IM factor", value: lossIm, appliesTo: "initial", description: `${worstWhat}: ${d.worstLoss} × ${d.lossFactors.initial} (imFactor + peg-loss add-on)` },
    { name: "perp contingency", value: c.mmPerp, appliesTo: "both", description: "|perps| × spot × mmPerpPercent" },
    { name: "perp contingency (IM add-on)", value: c.imPerp, appliesTo: "initial", description: "|perps| × spot × imPerpPercent" },
    { name: "collateral haircuts", value: c.mmBase, appliesTo: "both", description: "Σ collateral value × mmHaircut (Derive's base contingency)" },
    { name: "collateral haircuts (IM add-on)", value: c.imBase, appliesTo: "initial", description: "Σ collateral value × imHaircut" },
    { name: "naked short options", value: c.mmOption, appliesTo: "both", description: "shorts net per strike × spot × mmOptionPercent" },
    { name: "naked short options (IM add-on)", value: c.imOption, appliesTo: "initial", description: "shorts net per strike × spot × imOptionPercent" },
    { name: "oracle confidence", value: c.oracle, appliesTo: "initial", description: "(1 − confidence) × confMargin × notional below confThreshold" },
  ];
  const candidates: WorstScenario[] = d.scenarios.map((s) => ({ index: s.index, description: s.description, pnl: s.pnl }));
  candidates.unshift({ index: p.scenarios.length, description: "basis (forward) contingency", pnl: d.forwardContingency });
  // worst first; ties keep the contract's order (basis first, then scenarios by index): sort is stable
  const worst = candidates.sort((a, b) => a.pnl - b.pnl);
  const equity = d.portfolioMtm;
  const initialMargin = equity - d.im;
  const maintenanceMargin = equity - d.mm;
  const excess = { initial: d.im, maintenance: d.mm };
  return {
    method: "derive-pmrm2",
    currency: "USDC",
    initialMargin,
    maintenanceMargin,
    equity,
    marginEquity: { initial: equity, maintenance: equity },
    excess,
    marginRatio: equity > 0 ? maintenanceMargin / equity : null,
    status: marginStatus(excess),
    components,
    worst,
    derive: d,
  };
}
