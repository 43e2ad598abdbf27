// Mark-to-market of a book: every position in its settlement currency and in USD, Greeks per position and per
// underlying (coin and USD), account equity and margin equity after collateral haircuts.
//
// Equity (as the venues define it) = collateral value + unrealised P&L of futures and perpetuals + option value.
// Inverse (coin-settled) contracts are valued in coin and converted at the index; linear ones in their stablecoin.
import type { Kernels, PortfolioOutputs } from "@offset/kernels";
import { fail } from "./errors.js";
import type { Market } from "./market/snapshot.js";
import type { Book } from "./model.js";
import { type ResolvedBook, resolveBook } from "./portfolio.js";

/** Greeks of a position or an underlying. Coin figures are the USD ones divided by the index. */
export interface PositionGreeks {
  /** units of the underlying (forward delta of the USD value; the quantity for futures/perps) */
  delta: number;
  /** delta of the value in the settlement currency: for coin-settled options Δ − V/F (premium-adjusted) */
  premiumAdjustedDelta: number;
  /** per unit² of the underlying */
  gamma: number;
  /** USD per vol point (0.01) */
  vega: number;
  /** USD per calendar day */
  theta: number;
  deltaUsd: number;
  premiumAdjustedDeltaUsd: number;
  /** change of deltaUsd for a 1% move of the index: Γ·S²/100 ("dollar gamma" per 1%) */
  gammaUsd: number;
  vegaCoin: number;
  thetaCoin: number;
}

export interface PositionValuation {
  instrument: string;
  kind: "option" | "future" | "perpetual";
  settlement: "inverse" | "linear";
  settlementCurrency: string;
  quantity: number;
  /** mark per unit in the price currency: coin for inverse options, USD(C) for linear options and futures/perps */
  mark: number;
  /** mark per unit in USD */
  markUsd: number;
  /** the implied vol used (options) and where it came from */
  vol?: number | undefined;
  volSource?: "mark" | "surface" | undefined;
  forward: number;
  timeToExpiry: number;
  /** option value (q·mark) or, for futures/perps, unrealised P&L from the entry price; settlement currency */
  value: number;
  valueUsd: number;
  /** futures/perps without an entry price: their value is unknown and counted as 0 */
  entryPriceMissing?: boolean | undefined;
  /** P&L since entry in the settlement currency, where the entry price is known (options: q·(mark − entry)) */
  unrealisedPnl?: number | undefined;
  greeks: PositionGreeks;
}

export interface Valuation {
  asOf: string;
  positions: PositionValuation[];
  collateral: { asset: string; amount: number; priceUsd: number; valueUsd: number; haircut: number; marginValueUsd: number }[];
  /** per underlying, positions and coin collateral together */
  greeks: ({ underlying: string; index: number } & PositionGreeks)[];
  /** collateral + unrealised futures P&L + option value, USD */
  equityUsd: number;
  /** equity with collateral after haircuts, USD (what margin is compared against) */
  marginEquityUsd: number;
}

export interface ValueOptions {
  /** collateral haircuts by asset, in [0, 1) (0.1 = collateral counts at 90%) */
  haircuts?: Record<string, number>;
}

/**
 * The valuation of a resolved book as typed columns — what a backend recomputes on every tick for an account it holds
 * (no objects per position). `positions` is `Kernels.portfolioValue`'s output (ResolvedBook.positions order; units in
 * PortfolioOutputs); `underlyings` holds the per-underlying sums with coin collateral added to delta and
 * premium-adjusted delta (ResolvedBook.underlyings order); `valueUsd` there is the positions' value only.
 */
export interface ValuationColumns {
  positions: PortfolioOutputs;
  underlyings: { delta: Float64Array; premiumAdjustedDelta: Float64Array; gamma: Float64Array; vega: Float64Array; theta: Float64Array; valueUsd: Float64Array };
  collateral: Valuation["collateral"];
  /** collateral + unrealised futures P&L + option value, USD */
  equityUsd: number;
  /** equity with collateral after haircuts, USD */
  marginEquityUsd: number;
}

/** Output columns for `Kernels.portfolioValue`: n positions, U underlyings, carved from one buffer. */
export function portfolioOutputs(n: number, U: number): PortfolioOutputs {
  const block = new Float64Array(10 * n + 6 * U);
  const col = (c: number) => block.subarray(c * n, (c + 1) * n);
  const sum = (c: number) => block.subarray(10 * n + c * U, 10 * n + (c + 1) * U);
  return {
    mark: col(0),
    markUsd: col(1),
    value: col(2),
    valueUsd: col(3),
    unrealisedPnl: col(4),
    delta: col(5),
    premiumAdjustedDelta: col(6),
    gamma: col(7),
    vega: col(8),
    theta: col(9),
    sums: { delta: sum(0), premiumAdjustedDelta: sum(1), gamma: sum(2), vega: sum(3), theta: sum(4), valueUsd: sum(5) },
  };
}

function checkHaircuts(haircuts: Record<string, number>): void {
  for (const [asset, h] of Object.entries(haircuts)) {
    if (typeof h !== "number" || !(h >= 0 && h < 1)) fail(`haircuts.${asset}`, "a haircut in [0, 1)", h);
  }
}

/**
 * Values a resolved book in one kernel call (`Kernels.portfolioValue`: the options' Black-76 batch, then the
 * per-position values, Greeks and per-underlying sums), plus collateral and equity. `out` (from `portfolioOutputs`)
 * can be reused between calls for the same book size; the result's `positions` is then `out` itself.
 */
export function valueColumns(k: Kernels, r: ResolvedBook, options: ValueOptions = {}, out?: PortfolioOutputs): ValuationColumns {
  const haircuts = options.haircuts ?? {};
  checkHaircuts(haircuts);
  const n = r.positions.length;
  const U = r.underlyings.length;
  const c = out ?? portfolioOutputs(n, U);
  const invalid = k.portfolioValue(r.columns, c);
  if (invalid !== 0) throw new Error(`offset: portfolioValue found ${invalid} positions with an index out of range; this is a bug`);
  const s = c.sums;
  // copies (U entries): `out` may be reused by the caller, and collateral is added to the deltas below
  const underlyings = {
    delta: s.delta.slice(0, U),
    premiumAdjustedDelta: s.premiumAdjustedDelta.slice(0, U),
    gamma: s.gamma.slice(0, U),
    vega: s.vega.slice(0, U),
    theta: s.theta.slice(0, U),
    valueUsd: s.valueUsd.slice(0, U),
  };
  let collateralUsd = 0;
  let collateralMarginUsd = 0;
  const collateral = r.collateral.map((x) => {
    const haircut = haircuts[x.asset] ?? 0;
    const valueUsd = x.amount * x.price;
    // a haircut reduces what positive collateral counts for; a negative balance (a loan) counts in full
    const marginValueUsd = valueUsd > 0 ? valueUsd * (1 - haircut) : valueUsd;
    collateralUsd += valueUsd;
    collateralMarginUsd += marginValueUsd;
    // coin collateral moves with its underlying: it adds to that underlying's delta
    if (x.underlying >= 0) {
      underlyings.delta[x.underlying] = underlyings.delta[x.underlying]! + x.amount;
      underlyings.premiumAdjustedDelta[x.underlying] = underlyings.premiumAdjustedDelta[x.underlying]! + x.amount;
    }
    return { asset: x.asset, amount: x.amount, priceUsd: x.price, valueUsd, haircut, marginValueUsd };
  });
  // the kernel's per-underlying sums of the positions' USD values, in underlying order
  let positionsUsd = 0;
  for (let u = 0; u < U; u++) positionsUsd += underlyings.valueUsd[u]!;
  const equityUsd = collateralUsd + positionsUsd;
  const marginEquityUsd = collateralMarginUsd + positionsUsd;
  for (const [name, v] of [["equityUsd", equityUsd], ["marginEquityUsd", marginEquityUsd]] as const) {
    if (!Number.isFinite(v)) throw new Error(`offset: valuation.${name} came out ${v} for validated input; this is a bug`);
  }
  return { positions: c, underlyings, collateral, equityUsd, marginEquityUsd };
}

/** Values a parsed book on a parsed market (`valueColumns`), as one object per position for reports. */
export function valueBook(k: Kernels, book: Book, market: Market, options: ValueOptions = {}): { valuation: Valuation; resolved: ResolvedBook } {
  checkHaircuts(options.haircuts ?? {});
  const r = resolveBook(book, market);
  const v = valueColumns(k, r, options);
  const c = v.positions;
  // One object shape for every position (no spreads, optional fields present as undefined): V8 keeps the objects
  // fast; conditional spreads made this loop 20× slower than the pricing itself.
  const positions = r.positions.map((p, i): PositionValuation => {
    const isOption = p.kind === "option";
    return {
      instrument: p.name,
      kind: p.kind,
      settlement: p.inverse ? "inverse" : "linear",
      settlementCurrency: p.settlementCurrency,
      quantity: p.quantity,
      mark: c.mark[i]!,
      markUsd: c.markUsd[i]!,
      vol: p.vol,
      volSource: p.volSource,
      forward: p.forward,
      timeToExpiry: p.timeToExpiry,
      value: c.value[i]!,
      valueUsd: c.valueUsd[i]!,
      entryPriceMissing: !isOption && p.entryPrice === undefined ? true : undefined,
      unrealisedPnl: p.entryPrice === undefined ? undefined : c.unrealisedPnl[i]!,
      greeks: greeksOf(c.delta[i]!, c.premiumAdjustedDelta[i]!, c.gamma[i]!, c.vega[i]!, c.theta[i]!, r.spot[p.underlying]!),
    };
  });
  const u = v.underlyings;
  const greeks = r.underlyings.map((name, ui) => {
    const S = r.spot[ui]!;
    return { underlying: name, index: S, ...greeksOf(u.delta[ui]!, u.premiumAdjustedDelta[ui]!, u.gamma[ui]!, u.vega[ui]!, u.theta[ui]!, S) };
  });
  const valuation: Valuation = {
    asOf: market.snapshot.asOf,
    positions,
    collateral: v.collateral,
    greeks,
    equityUsd: v.equityUsd,
    marginEquityUsd: v.marginEquityUsd,
  };
  return { valuation, resolved: r };
}

function greeksOf(delta: number, premiumAdjustedDelta: number, gamma: number, vega: number, theta: number, S: number): PositionGreeks {
  return {
    delta,
    premiumAdjustedDelta,
    gamma,
    vega,
    theta,
    deltaUsd: delta * S,
    premiumAdjustedDeltaUsd: premiumAdjustedDelta * S,
    gammaUsd: (gamma * S * S) / 100,
    vegaCoin: vega / S,
    thetaCoin: theta / S,
  };
}
