// Venue presets of the scenario-grid engine (grid.ts): each is a parameter struct, validated with the engine's range
// checks like any caller's. A caller's `parameters` are merged over the preset (objects deeply, arrays replaced).
// Every figure's source, and what could not be verified, is in ./README.md ("Scenario-grid presets").
import { fail } from "../errors.js";
import { type GridParameters, type GridParametersInput, parseGridParameters } from "./grid.js";

export type GridPreset = "deribit" | "okx" | "span";
export const GRID_PRESETS: readonly GridPreset[] = ["deribit", "okx", "span"];

/**
 * Deribit portfolio margin. Grid: 9 evenly spaced spot points within ±price_range × vol up/same/down; extended table
 * (−66 %, −33 %, +50 %, +100 % … +500 %) at vol up, weighted range/|move| × extended_table_factor, minus the
 * extended dampener; roll (basis) risk from annualised_move_risk; MM = mm_factor × IM.
 * Figures: the model_params of Deribit's `private/pme/simulate` API example (btc_usd, currency btc, general) and the
 * Portfolio Margin support article; see README.
 */
export const DERIBIT: GridParametersInput = {
  name: "deribit",
  mode: "S:PM",
  default: {
    priceRange: 0.16,
    pricePoints: 9,
    volStates: ["up", "same", "down"],
    volUp: 0.5,
    volDown: 0.25,
    shortTermPower: 0.3,
    longTermPower: 0.13,
    dteFloorDays: 1,
    minVolUp: 0.5,
    skewRotation: 0,
    extreme: {
      moves: [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5],
      relativeToRange: false,
      volState: "up",
      weighting: "inverse-move",
      factor: 1,
      dampenerUsd: 100_000,
      combine: "grid",
    },
    basisAnnualMove: 0.075,
    shortOptionMinimum: 0,
    beta: 1,
  },
  underlyings: {},
  addOns: { netShortOption: 0.01, perpetual: 0, oracle: {}, stablecoinDepeg: 0 },
  initialFactor: 1,
  maintenanceFactor: 0.8,
  haircuts: {},
  joint: { reference: "BTC", correlationBreak: 0.5 },
};

/** OKX MR1 tiers (7 price points: 0, ±1/3, ±2/3, ±3/3 of the range) and MR6 tiers, from the 2 Jan 2025 notice. */
const OKX_MR1_TIER2 = ["LTC", "BCH", "EOS", "OKB", "DOT", "BSV", "LINK", "FIL", "ADA", "TRX", "UNI", "XRP"];
const OKX_MR6_TIER2 = ["SOL", "DOGE", "PEPE", "XRP", "BNB", "SHIB", "LTC", "ORDI", "WLD", "BCH", "ADA"];
const okxExtreme = (move: number) => ({ moves: [-move, move], relativeToRange: false, volState: "same" as const, weighting: "constant" as const, weight: 1, factor: 1, dampenerUsd: 0, combine: "total" as const });

function okxUnderlyings(): NonNullable<GridParametersInput["underlyings"]> {
  const out: NonNullable<GridParametersInput["underlyings"]> = {};
  for (const u of ["BTC", "ETH"]) out[u] = { priceRange: 0.12, extreme: okxExtreme(0.24), basisAnnualMove: 0.05 };
  for (const u of new Set([...OKX_MR1_TIER2, ...OKX_MR6_TIER2])) {
    out[u] = {
      priceRange: OKX_MR1_TIER2.includes(u) ? 0.18 : 0.25,
      extreme: okxExtreme(OKX_MR6_TIER2.includes(u) ? 0.36 : 0.5),
      basisAnnualMove: 0.15,
    };
  }
  return out;
}

/**
 * OKX portfolio margin, per risk unit (underlying), in USD: MR1 spot shock (7 points × 3 vol states), MR4 basis risk
 * (approximated by the forward-tilt contingency with OKX's annualised move risk), MR6 extreme move (max with the
 * total); MM = max(MR1 + MR4, MR6), IM = 1.3 × MM. Not modelled: MR2 theta decay, MR3 vega term structure, MR5
 * interest rate, MR7 minimum charge, MR8 borrowing, MR9 stablecoin de-peg (tiers not verified; the engine's de-peg
 * add-on can be set). Vol-shock sizes are not published in what we found: Deribit's are used (README).
 */
export const OKX: GridParametersInput = {
  name: "okx",
  mode: "X:PM",
  default: {
    priceRange: 0.25,
    pricePoints: 7,
    volStates: ["up", "same", "down"],
    volUp: 0.5,
    volDown: 0.25,
    shortTermPower: 0.3,
    longTermPower: 0.13,
    dteFloorDays: 1,
    minVolUp: 0,
    skewRotation: 0,
    extreme: okxExtreme(0.5),
    basisAnnualMove: 0.3,
    shortOptionMinimum: 0,
    beta: 1,
  },
  underlyings: okxUnderlyings(),
  addOns: { netShortOption: 0, perpetual: 0, oracle: {}, stablecoinDepeg: 0 },
  initialFactor: 1.3,
  maintenanceFactor: 1,
  haircuts: {},
  joint: { reference: "BTC", correlationBreak: 0.5 },
};

/**
 * CME SPAN's standard 16 scenarios per combined commodity (underlying): price unchanged, ±1/3, ±2/3, ±3/3 of the
 * price scan range × volatility up / down (14), and two extreme moves of ±3 × the range at unchanged vol, 35 % of
 * the loss counted. Scan risk = max(worst scenario, short-option minimum). The scan ranges, vol scan range and SOM
 * for crypto are set by the clearing house per product: the defaults here are placeholders (README).
 */
export const SPAN: GridParametersInput = {
  name: "span",
  mode: "X:PM",
  default: {
    priceRange: 0.16,
    pricePoints: 7,
    volStates: ["up", "down"],
    volUp: 0.35,
    volDown: 0.35,
    shortTermPower: 0,
    longTermPower: 0,
    dteFloorDays: 0,
    minVolUp: 0,
    skewRotation: 0,
    extreme: { moves: [3, -3], relativeToRange: true, volState: "same", weighting: "constant", weight: 0.35, factor: 1, dampenerUsd: 0, combine: "grid" },
    basisAnnualMove: 0,
    shortOptionMinimum: 0.01,
    beta: 1,
  },
  underlyings: {},
  addOns: { netShortOption: 0, perpetual: 0, oracle: {}, stablecoinDepeg: 0 },
  initialFactor: 1.1,
  maintenanceFactor: 1,
  haircuts: {},
  joint: { reference: "BTC", correlationBreak: 0.5 },
};

const PRESETS: Record<GridPreset, GridParametersInput> = { deribit: DERIBIT, okx: OKX, span: SPAN };

function isPlain(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/** Deep merge of plain objects (arrays and scalars in `over` replace). */
export function mergeParameters(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeParameters(base[k], v);
  return out;
}

/** The validated parameters of a preset, with a mode and the caller's overrides merged over it. */
export function gridPreset(preset: unknown, mode?: unknown, parameters?: unknown): GridParameters {
  if (typeof preset !== "string" || !(GRID_PRESETS as readonly string[]).includes(preset)) fail("policy.preset", GRID_PRESETS.map((p) => `"${p}"`).join(", "), preset);
  if (mode !== undefined && mode !== "S:PM" && mode !== "X:PM") fail("policy.mode", '"S:PM" or "X:PM"', mode);
  if (parameters !== undefined && !isPlain(parameters)) fail("policy.parameters", "an object of parameter overrides", parameters);
  const base = PRESETS[preset as GridPreset];
  const merged = mergeParameters(mode === undefined ? base : { ...base, mode }, parameters);
  return parseGridParameters(merged);
}
