// Book valuation after pricing: the pure-TS twin of assembly/portfolio.ts, and the specification of both.
//
// `portfolioValue` = one Black-76 batch over the book's options (USD premia, `inverse = false`), then one pass over
// the positions that turns those per-unit figures into per-position values and Greeks and sums them per underlying.
// The wasm backend runs the same two kernels on columns that stay in its memory between them.
//
// Per position i, with q = quantity, F = forward (for an option: the forward it is marked on), S = spot[underlying]:
//   option (j = optionRow[i] ≥ 0; price, Δ, Γ, ν, θ = the black76 outputs of row j, USD per unit of underlying):
//     mark      = inverse ? price·(1/F) : price      per unit, in the price currency (coin for inverse options)
//     markUsd   = inverse ? mark·S : price           a coin premium is worth S per coin
//     value     = q·mark,  valueUsd = q·markUsd
//     delta     = q·Δ                                units of the underlying (forward delta of the USD value)
//     premium-adjusted delta = inverse ? delta − value : delta     q·(Δ − V/F) = F·d(q·V/F)/dF for coin-settled options
//     gamma     = q·Γ,  vega = q·ν·0.01 (USD per vol point),  theta = q·θ·(1/365) (USD per calendar day)
//   (multiplies by reciprocals rather than divisions: this pass is division-bound; ≤ 1 ulp from the quotients)
//     unrealised P&L = q·(mark − entry)               in the price currency
//   future / perpetual (j = −1): mark = markUsd = F;
//     value = unrealised P&L from the entry price e: inverse (USD notional N = q·F, coin P&L N·(1/e − 1/F))
//             q·F·(1/e − 1/F); linear q·(F − e); 0 when the entry price is unknown (NaN)
//     valueUsd = inverse ? value·S : value;  delta = premium-adjusted delta = q;  gamma = vega = theta = 0
//   entry price NaN means unknown: unrealised P&L is then NaN (the engine reports it as absent).
// Per underlying u (in position order, from 0): Σ delta, Σ premium-adjusted delta, Σ gamma, Σ vega, Σ theta, Σ valueUsd.
// An index out of range (optionRow ∉ [−1, options), underlying ∉ [0, spot.length)) gives a NaN row that is left out
// of the sums; the return value counts such positions (0 for a book the engine resolved).
// The operation order is the specification: the wasm core performs the same IEEE operations in the same order.

import type { GreeksOutputs, PortfolioInputs, PortfolioOutputs } from "../types.js";
import { black76 } from "./pricing.js";

/** vega per 1.00 vol → per vol point; theta per year → per calendar day (the wasm core uses the same doubles) */
const PER_VOL_POINT = 0.01;
const PER_DAY = 1 / 365;

/** Black-76 outputs of the options, reused between calls (grown when a larger book comes; never shrunk). */
let scratch: GreeksOutputs = greeksScratch(0);

function greeksScratch(n: number): GreeksOutputs {
  return { price: new Float64Array(n), delta: new Float64Array(n), gamma: new Float64Array(n), vega: new Float64Array(n), theta: new Float64Array(n), rho: new Float64Array(n) };
}

/** The options' per-unit price and Greeks into `scratch`-sized views (length m). */
function priceOptions(book: PortfolioInputs): GreeksOutputs {
  const m = book.options.forward.length;
  if (scratch.price.length < m) scratch = greeksScratch(Math.max(m, 2 * scratch.price.length));
  const g = scratch.price.length === m ? scratch : {
    price: scratch.price.subarray(0, m),
    delta: scratch.delta.subarray(0, m),
    gamma: scratch.gamma.subarray(0, m),
    vega: scratch.vega.subarray(0, m),
    theta: scratch.theta.subarray(0, m),
    rho: scratch.rho.subarray(0, m),
  };
  return black76(book.options, false, g);
}

export function portfolioValue(book: PortfolioInputs, out: PortfolioOutputs): number {
  const g = priceOptions(book);
  return portfolioAggregate(book, g, out);
}

/** The per-position pass of `portfolioValue` over already computed Black-76 outputs `g` (one row per option). */
export function portfolioAggregate(book: PortfolioInputs, g: GreeksOutputs, out: PortfolioOutputs): number {
  const { optionRow, underlying, inverse, quantity, forward, entryPrice, spot } = book;
  const { price, delta, gamma, vega, theta } = g;
  const n = quantity.length;
  const m = book.options.forward.length;
  const nu = spot.length;
  const { mark: oMark, markUsd: oMarkUsd, value: oValue, valueUsd: oValueUsd, unrealisedPnl: oUpnl } = out;
  const { delta: oDelta, premiumAdjustedDelta: oPad, gamma: oGamma, vega: oVega, theta: oTheta } = out;
  const s = out.sums;
  const sDelta = s.delta, sPad = s.premiumAdjustedDelta, sGamma = s.gamma, sVega = s.vega, sTheta = s.theta, sValueUsd = s.valueUsd;
  sDelta.fill(0, 0, nu);
  sPad.fill(0, 0, nu);
  sGamma.fill(0, 0, nu);
  sVega.fill(0, 0, nu);
  sTheta.fill(0, 0, nu);
  sValueUsd.fill(0, 0, nu);
  let invalid = 0;
  for (let i = 0; i < n; i++) {
    const j = optionRow[i]!;
    const u = underlying[i]!;
    if (j < -1 || j >= m || u < 0 || u >= nu) {
      oMark[i] = oMarkUsd[i] = oValue[i] = oValueUsd[i] = oUpnl[i] = oDelta[i] = oPad[i] = oGamma[i] = oVega[i] = oTheta[i] = NaN;
      invalid++;
      continue;
    }
    const inv = inverse[i] !== 0;
    const q = quantity[i]!;
    const F = forward[i]!;
    const e = entryPrice[i]!;
    const S = spot[u]!;
    let mark: number, markUsd: number, value: number, valueUsd: number, upnl: number;
    let d: number, pad: number, gm: number, v: number, th: number;
    if (j >= 0) {
      const usd = price[j]!;
      mark = inv ? usd * (1 / F) : usd;
      markUsd = inv ? mark * S : usd;
      value = q * mark;
      valueUsd = q * markUsd;
      upnl = e !== e ? NaN : q * (mark - e);
      d = q * delta[j]!;
      pad = inv ? d - value : d;
      gm = q * gamma[j]!;
      v = q * vega[j]! * PER_VOL_POINT;
      th = q * theta[j]! * PER_DAY;
    } else {
      mark = F;
      markUsd = F;
      value = e !== e ? 0 : inv ? q * F * (1 / e - 1 / F) : q * (F - e);
      valueUsd = inv ? value * S : value;
      upnl = e !== e ? NaN : value;
      d = q;
      pad = q;
      gm = 0;
      v = 0;
      th = 0;
    }
    oMark[i] = mark;
    oMarkUsd[i] = markUsd;
    oValue[i] = value;
    oValueUsd[i] = valueUsd;
    oUpnl[i] = upnl;
    oDelta[i] = d;
    oPad[i] = pad;
    oGamma[i] = gm;
    oVega[i] = v;
    oTheta[i] = th;
    sDelta[u] = sDelta[u]! + d;
    sPad[u] = sPad[u]! + pad;
    sGamma[u] = sGamma[u]! + gm;
    sVega[u] = sVega[u]! + v;
    sTheta[u] = sTheta[u]! + th;
    sValueUsd[u] = sValueUsd[u]! + valueUsd;
  }
  return invalid;
}
