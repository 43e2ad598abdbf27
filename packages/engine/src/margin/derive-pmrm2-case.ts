// Import of Derive's golden portfolio cases (the JSON its v2-core suite TestPMRM_2_PortfolioCasesNEW reads:
// { Scenario, Parameters, Result }) into `{ book, market, policy }` for `deriveMargin` — so anyone can rerun a case.
//
// Field mapping (spec "Inputs"): times are seconds to expiry from the suite's "now" REF_TIME = 1630000000, so
// expiry = REF_TIME + Expiry and market.time = REF_TIME (ExiryTs is ignored, as the contract's tests do);
// SVIparam = [a, b, ρ, m, σ, F_svi, τ_svi] (decimal strings or numbers); the perp's value is UnrealisedPerpPNL +
// UnrealisedFunding; collateral haircuts and risk-cancelling flags become the policy's collateral parameters;
// parameter names become the contract's struct fields (BASE_STATIC_DISCOUNT → longBaseStaticDiscount,
// BASE_STATIC_DISCOUNT_NEG → shortBaseStaticDiscount, MIN_VOL_EVAL_SHOCKED → minVolUpShock, …).
// Fields the contract never reads are dropped: MarkVol, MarkDiscount, k, *_mult_*, ConfidenceFactor, *_NORMAL,
// LastEntryPrice, FundingIndex, StableConfidence. `Result` is not read (it is the expected output).
import * as z from "zod";
import { parseWith } from "../validate.js";
import type { DeriveBookInput, DeriveMarketInput, DerivePmrm2ParametersInput, DeriveVolShock } from "./derive-pmrm2.js";

/** The golden cases' "now" (TestPMRM_2_PortfolioCasesNEW: vm.warp(REF_TIME)). */
export const DERIVE_CASE_REF_TIME = 1_630_000_000;

const n = z.number({ message: "a finite number" });
/** a decimal given as a number or a string ("0.0827524527457924") */
const decimal = z.union([n, z.string().regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, { message: "a decimal string" }).transform(Number)], {
  message: "a number or a decimal string",
});
const flag = z.union([z.boolean(), z.literal(0), z.literal(1)], { message: "0/1 or true/false" }).transform((x) => x === true || x === 1);

const caseSchema = z.object({
  Scenario: z.object({
    Cash: n,
    SpotPrice: n,
    SpotConfidence: n,
    NumPerps: n,
    PerpPrice: n,
    PerpConfidence: n,
    UnrealisedPerpPNL: n,
    UnrealisedFunding: n,
    StablePrice: n,
    Collaterals: z.array(
      z.object({ Name: z.string(), Amount: n, Price: n, Confidence: n, IsRiskCancelling: flag, MMHaircut: n, IMHaircut: n }),
    ),
    Options: z.array(z.object({ Expiry: z.number().int({ message: "whole seconds to expiry" }), Strike: n, IsCall: flag, Amount: n })),
    OptionFeeds: z.array(
      z.object({
        FeedExpiry: z.number().int({ message: "whole seconds to expiry" }),
        Forward: n,
        ForwardConfidence: n,
        Rate: n,
        RateConfidence: n,
        OptionVolConfidences: n,
        SVIparam: z.array(decimal).length(7, { message: "7 entries [a, b, rho, m, sigma, forward, tau]" }),
      }),
    ),
  }),
  Parameters: z.object({
    Scenarios: z.array(
      z.object({
        SpotShock: n,
        VolShockDirection: z.enum(["Up", "Down", "None", "LINEAR", "ABS"], { message: '"Up", "Down", "None", "LINEAR" or "ABS"' }),
        DampeningFactor: n,
      }),
    ),
    VolShock: z.object({ VOLRANGEUP: n, VOLRANGEDOWN: n, SHORTTERMPOWER: n, LONGTERMPOWER: n, DTE_FLOOR: n, MIN_VOL_EVAL_SHOCKED: n }),
    Margin: z.object({
      MM_LOSS_FACTOR: n,
      IM_LOSS_FACTOR: n,
      SHORT_RATE_MULTSCALE: n,
      LONG_RATE_MULTSCALE: n,
      SHORT_RATE_ADDSCALE: n,
      LONG_RATE_ADDSCALE: n,
      BASE_STATIC_DISCOUNT: n,
      BASE_STATIC_DISCOUNT_NEG: n,
    }),
    BasisContingency: z.object({ SCENARIO_SPOT_UP: n, SCENARIO_SPOT_DOWN: n, BASIS_CONT_ADD_FACTOR: n, BASIS_CONT_MULT_FACTOR: n }),
    OtherContingency: z.object({
      PEG_LOSS_THRESHOLD: n,
      PEG_LOSS_FACTOR: n,
      CONF_THRESHOLD: n,
      CONF_MARGIN: n,
      MM_PERP_PERCENT: n,
      IM_PERP_PERCENT: n,
      MM_OPTION_PERCENT: n,
      IM_OPTION_PERCENT: n,
    }),
    SkewShock: z.object({
      LINEAR_SCALE_CAP: n,
      LINEAR_CBASE: n,
      ABS_SCALE_CAP: n,
      ABS_CBASE: n,
      MIN_K_STAR: n,
      MIN_WIDTH_SCALE: n,
      VOL_PARAM_STATIC: n,
      VOL_PARAM_SCALE: n,
    }),
  }),
});

export interface DerivePmrm2Case {
  /** Derive's portfolio format, for `deriveMargin` */
  book: DeriveBookInput;
  market: DeriveMarketInput;
  policy: { preset: "derive-pmrm2"; parameters: DerivePmrm2ParametersInput };
}

const VOL_SHOCK: Record<string, DeriveVolShock> = { Up: "up", Down: "down", None: "none", LINEAR: "linear", ABS: "abs" };

/**
 * Imports one golden case (parsed JSON, or its text) as `{ book, market, policy }`. Only the case's shape is
 * checked here; ranges (the contract's parameter checks, confidences in [0, 1], prices > 0, …) are checked by
 * `deriveMargin`, which is where a case the contract would reject fails.
 */
export function fromDerivePmrm2Case(json: unknown): DerivePmrm2Case {
  const c = parseWith(caseSchema, typeof json === "string" ? JSON.parse(json) : json, "derivePmrm2Case");
  const s = c.Scenario;
  const P = c.Parameters;
  const collateralParams: DerivePmrm2ParametersInput["collaterals"] = {};
  for (const col of s.Collaterals)
    collateralParams[col.Name] = { isRiskCancelling: col.IsRiskCancelling, mmHaircut: col.MMHaircut, imHaircut: col.IMHaircut };
  const book: DeriveBookInput = {
    cash: s.Cash,
    perp: { amount: s.NumPerps, unrealisedPnl: s.UnrealisedPerpPNL, unrealisedFunding: s.UnrealisedFunding },
    options: s.Options.map((o) => ({ expiry: DERIVE_CASE_REF_TIME + o.Expiry, strike: o.Strike, isCall: o.IsCall, amount: o.Amount })),
    collaterals: s.Collaterals.map((col) => ({ name: col.Name, amount: col.Amount })),
  };
  const market: DeriveMarketInput = {
    time: DERIVE_CASE_REF_TIME,
    spot: { price: s.SpotPrice, confidence: s.SpotConfidence },
    // the perp feed is read only when a perp is held (PMRM_2._arrangePortfolio); cases without perps carry 0 there
    ...(s.NumPerps !== 0 ? { perp: { price: s.PerpPrice, confidence: s.PerpConfidence } } : {}),
    stable: { price: s.StablePrice },
    collaterals: Object.fromEntries(s.Collaterals.map((col) => [col.Name, { price: col.Price, confidence: col.Confidence }])),
    expiries: s.OptionFeeds.map((f) => {
      const [a, b, rho, m, sigma, forward, tau] = f.SVIparam as [number, number, number, number, number, number, number];
      return {
        expiry: DERIVE_CASE_REF_TIME + f.FeedExpiry,
        forward: f.Forward,
        forwardConfidence: f.ForwardConfidence,
        rate: f.Rate,
        rateConfidence: f.RateConfidence,
        volConfidence: f.OptionVolConfidences,
        svi: { a, b, rho, m, sigma, forward, tau },
      };
    }),
  };
  const parameters: DerivePmrm2ParametersInput = {
    scenarios: P.Scenarios.map((x) => ({ spotShock: x.SpotShock, volShock: VOL_SHOCK[x.VolShockDirection]!, dampeningFactor: x.DampeningFactor })),
    volShock: {
      volRangeUp: P.VolShock.VOLRANGEUP,
      volRangeDown: P.VolShock.VOLRANGEDOWN,
      shortTermPower: P.VolShock.SHORTTERMPOWER,
      longTermPower: P.VolShock.LONGTERMPOWER,
      dteFloorDays: P.VolShock.DTE_FLOOR,
      minVolUpShock: P.VolShock.MIN_VOL_EVAL_SHOCKED,
    },
    margin: {
      imFactor: P.Margin.IM_LOSS_FACTOR,
      mmFactor: P.Margin.MM_LOSS_FACTOR,
      shortRateMultScale: P.Margin.SHORT_RATE_MULTSCALE,
      longRateMultScale: P.Margin.LONG_RATE_MULTSCALE,
      shortRateAddScale: P.Margin.SHORT_RATE_ADDSCALE,
      longRateAddScale: P.Margin.LONG_RATE_ADDSCALE,
      shortBaseStaticDiscount: P.Margin.BASE_STATIC_DISCOUNT_NEG,
      longBaseStaticDiscount: P.Margin.BASE_STATIC_DISCOUNT,
    },
    basisContingency: {
      scenarioSpotUp: P.BasisContingency.SCENARIO_SPOT_UP,
      scenarioSpotDown: P.BasisContingency.SCENARIO_SPOT_DOWN,
      basisContAddFactor: P.BasisContingency.BASIS_CONT_ADD_FACTOR,
      basisContMultFactor: P.BasisContingency.BASIS_CONT_MULT_FACTOR,
    },
    otherContingency: {
      pegLossThreshold: P.OtherContingency.PEG_LOSS_THRESHOLD,
      pegLossFactor: P.OtherContingency.PEG_LOSS_FACTOR,
      confThreshold: P.OtherContingency.CONF_THRESHOLD,
      confMargin: P.OtherContingency.CONF_MARGIN,
      mmPerpPercent: P.OtherContingency.MM_PERP_PERCENT,
      imPerpPercent: P.OtherContingency.IM_PERP_PERCENT,
      mmOptionPercent: P.OtherContingency.MM_OPTION_PERCENT,
      imOptionPercent: P.OtherContingency.IM_OPTION_PERCENT,
    },
    skewShock: {
      linearBaseCap: P.SkewShock.LINEAR_SCALE_CAP,
      absBaseCap: P.SkewShock.ABS_SCALE_CAP,
      linearCBase: P.SkewShock.LINEAR_CBASE,
      absCBase: P.SkewShock.ABS_CBASE,
      minKStar: P.SkewShock.MIN_K_STAR,
      widthScale: P.SkewShock.MIN_WIDTH_SCALE,
      volParamStatic: P.SkewShock.VOL_PARAM_STATIC,
      volParamScale: P.SkewShock.VOL_PARAM_SCALE,
    },
    collaterals: collateralParams,
  };
  return { book, market, policy: { preset: "derive-pmrm2", parameters } };
}
