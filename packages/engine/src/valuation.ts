// Mark-to-market of a book: every position in its settlement currency and in USD, Greeks per position and per
// underlying (coin and USD), account equity and margin equity after collateral haircuts.
//
// Equity (as the venues define it) = collateral value + unrealised P&L of futures and perpetuals + option value.
// Inverse (coin-settled) contracts are valued in coin and converted at the index; linear ones in their stablecoin.
import type { Kernels } from "@offset/kernels";
import { fail } from "./errors.js";
import type { Market } from "./market/snapshot.js";
import type { Book } from "./model.js";
import { optionGreeks, type ResolvedBook, resolveBook } from "./portfolio.js";

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

/** Values a parsed book on a parsed market with one Black-76 batch call for all options. */
export function valueBook(k: Kernels, book: Book, market: Market, options: ValueOptions = {}): { valuation: Valuation; resolved: ResolvedBook } {
  const haircuts = options.haircuts ?? {};
  for (const [asset, h] of Object.entries(haircuts)) {
    if (typeof h !== "number" || !(h >= 0 && h < 1)) fail(`haircuts.${asset}`, "a haircut in [0, 1)", h);
  }
  const r = resolveBook(book, market);
  const g = optionGreeks(k, r);
  const optionRow = new Map(Array.from(r.options.index, (i, j) => [i, j]));

  // One object shape for every position (no spreads, optional fields present as undefined): V8 keeps the objects
  // fast; conditional spreads made this loop 20× slower than the pricing itself.
  const positions = r.positions.map((p, i): PositionValuation => {
    const S = r.spot[p.underlying]!;
    const q = p.quantity;
    const F = p.forward;
    const e = p.entryPrice;
    const j = optionRow.get(i);
    let mark: number, markUsd: number, value: number, greeks: PositionGreeks;
    if (j === undefined) {
      // futures and perpetuals: unrealised P&L from the entry price (inverse: USD notional N = q·F in coin terms)
      mark = markUsd = F;
      value = e === undefined ? 0 : p.inverse ? q * F * (1 / e - 1 / F) : q * (F - e);
      greeks = greeksOf(q, q, 0, 0, 0, S);
    } else {
      const usd = g.price[j]!;
      mark = p.inverse ? usd / F : usd;
      markUsd = p.inverse ? mark * S : usd;
      value = q * mark;
      const delta = q * g.delta[j]!;
      greeks = greeksOf(delta, p.inverse ? delta - (q * usd) / F : delta, q * g.gamma[j]!, (q * g.vega[j]!) / 100, (q * g.theta[j]!) / 365, S);
    }
    const isOption = j !== undefined;
    return {
      instrument: p.name,
      kind: p.kind,
      settlement: p.inverse ? "inverse" : "linear",
      settlementCurrency: p.settlementCurrency,
      quantity: q,
      mark,
      markUsd,
      vol: p.vol,
      volSource: p.volSource,
      forward: F,
      timeToExpiry: p.timeToExpiry,
      value,
      valueUsd: isOption ? q * markUsd : p.inverse ? value * S : value,
      entryPriceMissing: !isOption && e === undefined ? true : undefined,
      unrealisedPnl: e === undefined ? undefined : isOption ? q * (mark - e) : value,
      greeks,
    };
  });

  const collateral = r.collateral.map((c) => {
    const haircut = haircuts[c.asset] ?? 0;
    const valueUsd = c.amount * c.price;
    // a haircut reduces what positive collateral counts for; a negative balance (a loan) counts in full
    return { asset: c.asset, amount: c.amount, priceUsd: c.price, valueUsd, haircut, marginValueUsd: valueUsd > 0 ? valueUsd * (1 - haircut) : valueUsd };
  });
  const greeks = r.underlyings.map((u, ui) => {
    const S = r.spot[ui]!;
    const coin = r.collateral.find((c) => c.asset === u)?.amount ?? 0;
    const mine = positions.filter((_, i) => r.positions[i]!.underlying === ui).map((p) => p.greeks);
    const sum = (f: (x: PositionGreeks) => number) => mine.reduce((s, x) => s + f(x), 0);
    return {
      underlying: u,
      index: S,
      ...greeksOf(sum((x) => x.delta) + coin, sum((x) => x.premiumAdjustedDelta) + coin, sum((x) => x.gamma), sum((x) => x.vega), sum((x) => x.theta), S),
    };
  });
  const positionsUsd = positions.reduce((s, p) => s + p.valueUsd, 0);
  const valuation: Valuation = {
    asOf: market.snapshot.asOf,
    positions,
    collateral,
    greeks,
    equityUsd: collateral.reduce((s, c) => s + c.valueUsd, 0) + positionsUsd,
    marginEquityUsd: collateral.reduce((s, c) => s + c.marginValueUsd, 0) + positionsUsd,
  };
  for (const [name, v] of [["equityUsd", valuation.equityUsd], ["marginEquityUsd", valuation.marginEquityUsd]] as const) {
    if (!Number.isFinite(v)) throw new Error(`offset: valuation.${name} came out ${v} for validated input; this is a bug`);
  }
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
