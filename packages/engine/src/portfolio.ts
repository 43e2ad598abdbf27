// A book resolved against a market snapshot: typed columns for one batch kernel call, valuation in settlement
// currency and USD, and full revaluation under joint scenarios (spot log-return and relative vol shift per underlying).
import type { Kernels } from "@offset/kernels";
import { fail } from "./errors.js";
import { type Book, type Market, usdPrice } from "./model.js";

const MS_PER_YEAR = 365 * 86_400_000; // ACT/365 on exact milliseconds (reproduces Deribit marks)

export interface ResolvedBook {
  underlyings: string[];
  positions: ResolvedPosition[];
  /** option columns (one entry per option position, in `optionIndex` order) */
  options: {
    index: Int32Array; // position index of each option
    underlying: Int32Array;
    forward: Float64Array;
    strike: Float64Array;
    timeToExpiry: Float64Array;
    vol: Float64Array;
    rate: Float64Array;
    isCall: Int32Array;
    inverse: Int32Array;
  };
  /** collateral balances with their USD price and the underlying they move with (−1 = none) */
  collateral: { asset: string; amount: number; price: number; underlying: number }[];
  spot: Float64Array;
}

export interface ResolvedPosition {
  name: string;
  underlying: number;
  kind: "option" | "future" | "perpetual";
  inverse: boolean;
  settlementCurrency: string;
  quantity: number;
  forward: number;
  timeToExpiry: number;
}

/** Resolves a book against a market: every instrument gets its forward, time and vol, or a clear error. */
export function resolveBook(book: Book, market: Market): ResolvedBook {
  const underlyings = [...new Set(book.positions.map((p) => p.instrument.underlying))];
  const spot = Float64Array.from(underlyings, (u) => {
    const data = market.underlyings[u];
    if (!data) fail("market.underlyings", `an entry for ${u} (the book holds ${u} instruments)`, Object.keys(market.underlyings));
    return data.spot;
  });
  const positions: ResolvedPosition[] = [];
  const opt = { index: [] as number[], underlying: [] as number[], strike: [] as number[], vol: [] as number[], isCall: [] as number[] };
  book.positions.forEach((p, i) => {
    const ins = p.instrument;
    const u = underlyings.indexOf(ins.underlying);
    const data = market.underlyings[ins.underlying]!;
    let forward = data.spot;
    let t = 0;
    if (ins.expiry !== undefined) {
      t = (ins.expiry - market.asOfMs) / MS_PER_YEAR;
      if (!(t > 0)) fail(`book.positions[${i}].instrument`, `an instrument expiring after the market time ${market.asOf}`, ins.name);
      forward = data.forwards[ins.expiryCode!] ?? data.spot * Math.exp(data.carry * t);
    }
    positions.push({
      name: ins.name,
      underlying: u,
      kind: ins.kind,
      inverse: ins.settlement === "inverse",
      settlementCurrency: ins.settlementCurrency,
      quantity: p.quantity,
      forward,
      timeToExpiry: t,
    });
    if (ins.kind === "option") {
      const smile = data.smiles[ins.expiryCode!] ?? data.smile;
      const k = Math.log(ins.strike! / forward);
      opt.index.push(i);
      opt.underlying.push(u);
      opt.strike.push(ins.strike!);
      opt.vol.push(Math.max(smile.atm + smile.skew * k + smile.curvature * k * k, 0.01));
      opt.isCall.push(ins.isCall ? 1 : 0);
    }
  });
  const idx = Int32Array.from(opt.index);
  const collateral = Object.entries(book.collateral).map(([asset, amount]) => ({
    asset,
    amount,
    price: usdPrice(market, asset, `book.collateral.${asset}`),
    underlying: underlyings.indexOf(asset),
  }));
  return {
    underlyings,
    positions,
    options: {
      index: idx,
      underlying: Int32Array.from(opt.underlying),
      forward: Float64Array.from(idx, (i) => positions[i]!.forward),
      strike: Float64Array.from(opt.strike),
      timeToExpiry: Float64Array.from(idx, (i) => positions[i]!.timeToExpiry),
      vol: Float64Array.from(opt.vol),
      rate: new Float64Array(idx.length).fill(market.rate),
      isCall: Int32Array.from(opt.isCall),
      inverse: Int32Array.from(idx, (i) => (positions[i]!.inverse ? 1 : 0)),
    },
    collateral,
    spot,
  };
}

export interface PositionValue {
  name: string;
  quantity: number;
  /** mark per unit in settlement currency (coin for inverse options, USD(C) for linear; 0 for futures/perps) */
  mark: number;
  settlementCurrency: string;
  /** position value in USD */
  valueUsd: number;
  /** Δ in units of the underlying (forward delta of the USD value); for futures and perps the quantity */
  delta: number;
  /** gamma per unit² of the underlying */
  gamma: number;
  /** USD per vol point (0.01) */
  vega: number;
  /** USD per calendar day */
  theta: number;
}

/** Values every position with one Black-76 batch call for all options. */
export function valuePositions(k: Kernels, r: ResolvedBook): PositionValue[] {
  const o = r.options;
  const n = o.index.length;
  const g = { price: new Float64Array(n), delta: new Float64Array(n), gamma: new Float64Array(n), vega: new Float64Array(n), theta: new Float64Array(n), rho: new Float64Array(n) };
  k.black76(o, false, g);
  const out: PositionValue[] = r.positions.map((p) => ({
    name: p.name,
    quantity: p.quantity,
    mark: 0,
    settlementCurrency: p.settlementCurrency,
    valueUsd: 0,
    delta: p.quantity,
    gamma: 0,
    vega: 0,
    theta: 0,
  }));
  for (let j = 0; j < n; j++) {
    const p = r.positions[o.index[j]!]!;
    const v = out[o.index[j]!]!;
    const usd = g.price[j]!;
    v.mark = p.inverse ? usd / p.forward : usd;
    // An inverse option's coin premium is worth coin × spot in USD; a linear one is worth its USD(C) price.
    v.valueUsd = p.quantity * (p.inverse ? v.mark * r.spot[p.underlying]! : usd);
    v.delta = p.quantity * g.delta[j]!;
    v.gamma = p.quantity * g.gamma[j]!;
    v.vega = (p.quantity * g.vega[j]!) / 100;
    v.theta = (p.quantity * g.theta[j]!) / 365;
  }
  return out;
}

/**
 * Joint scenarios over the book's underlyings: for scenario s and underlying u, the spot (and every forward of u)
 * moves by e^{x[s,u]} and every implied vol of u by the factor (1 + dv[s,u]). Row-major s × U.
 */
export interface Scenarios {
  count: number;
  spotLogReturn: Float64Array;
  volShift: Float64Array;
}

/**
 * USD P&L of the book (positions and collateral) in each scenario, by full revaluation of every option in one
 * batch kernel call (scenarios × options). Instantaneous shocks: time to expiry is unchanged.
 */
export function scenarioPnl(k: Kernels, r: ResolvedBook, base: PositionValue[], sc: Scenarios): Float64Array {
  const U = r.underlyings.length;
  const o = r.options;
  const n = o.index.length;
  const total = sc.count * n;
  const cols = {
    forward: new Float64Array(total),
    strike: new Float64Array(total),
    timeToExpiry: new Float64Array(total),
    vol: new Float64Array(total),
    rate: new Float64Array(total),
    isCall: new Int32Array(total),
  };
  for (let s = 0; s < sc.count; s++) {
    for (let j = 0; j < n; j++) {
      const u = o.underlying[j]!;
      const at = s * n + j;
      cols.forward[at] = o.forward[j]! * Math.exp(sc.spotLogReturn[s * U + u]!);
      cols.strike[at] = o.strike[j]!;
      cols.timeToExpiry[at] = o.timeToExpiry[j]!;
      cols.vol[at] = Math.max(o.vol[j]! * (1 + sc.volShift[s * U + u]!), 1e-4);
      cols.rate[at] = o.rate[j]!;
      cols.isCall[at] = o.isCall[j]!;
    }
  }
  const price = k.black76Price(cols, false, new Float64Array(total));
  const pnl = new Float64Array(sc.count);
  for (let s = 0; s < sc.count; s++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const p = r.positions[o.index[j]!]!;
      const m = Math.exp(sc.spotLogReturn[s * U + p.underlying]!);
      const usd = price[s * n + j]!;
      // inverse: coin value V'/F' converted at the shocked spot S' = S·m
      const after = p.inverse ? (usd / (p.forward * m)) * r.spot[p.underlying]! * m : usd;
      sum += p.quantity * after - base[o.index[j]!]!.valueUsd;
    }
    r.positions.forEach((p) => {
      if (p.kind === "option") return;
      const m = Math.exp(sc.spotLogReturn[s * U + p.underlying]!);
      // linear: q·(F' − F); inverse with USD notional q·F: coin P&L q·F·(1/F − 1/F') = q·(1 − 1/m), worth ×S' in USD
      sum += p.inverse ? p.quantity * (1 - 1 / m) * r.spot[p.underlying]! * m : p.quantity * p.forward * (m - 1);
    });
    for (const c of r.collateral) {
      if (c.underlying >= 0) sum += c.amount * c.price * (Math.exp(sc.spotLogReturn[s * U + c.underlying]!) - 1);
    }
    pnl[s] = sum;
  }
  return pnl;
}
