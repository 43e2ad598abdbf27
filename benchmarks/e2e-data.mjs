// Deterministic inputs for the end-to-end benchmarks (e2e.mjs): a 1,000-position multi-expiry book with its market
// snapshot, and 300 Deribit-style tickers for a snapshot rebuild. The harness's own generator and its own Black-76
// (it must not depend on the engine it measures). Plain data only: Offset JSON and Deribit public/ticker objects.

import { uniforms } from "./harness.mjs";

export { uniforms }; // the harness's generator (mulberry32), re-exported for the data's users

/**
 * Standard normal CDF in double precision for the harness's own Black-76: W. J. Cody's rational erfc approximations
 * as used by Hart's algorithm 5666, here in the form published by G. West, "Better approximations to cumulative
 * normal functions", Wilmott Magazine, May 2005, Figure 2 (≈1e-15 relative). Only the ticker data depends on it.
 */
function normCdf(x) {
  const ax = Math.abs(x);
  let c;
  if (ax > 37) c = 0;
  else {
    const e = Math.exp(-0.5 * ax * ax);
    if (ax < 7.07106781186547) {
      let b = 3.52624965998911e-2 * ax + 0.700383064443688;
      b = b * ax + 6.37396220353165;
      b = b * ax + 33.912866078383;
      b = b * ax + 112.079291497871;
      b = b * ax + 221.213596169931;
      b = b * ax + 220.206867912376;
      c = e * b;
      b = 8.83883476483184e-2 * ax + 1.75566716318264;
      b = b * ax + 16.064177579207;
      b = b * ax + 86.7807322029461;
      b = b * ax + 296.564248779674;
      b = b * ax + 637.333633378831;
      b = b * ax + 793.826512519948;
      b = b * ax + 440.413735824752;
      c = c / b;
    } else {
      let b = ax + 0.65;
      b = ax + 4 / b;
      b = ax + 3 / b;
      b = ax + 2 / b;
      b = ax + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return x > 0 ? 1 - c : c;
}

/** Undiscounted Black-76 price (rate 0, as Deribit marks), USD. */
function black76(F, K, T, vol, isCall) {
  const s = vol * Math.sqrt(T);
  const d1 = Math.log(F / K) / s + 0.5 * s;
  const d2 = d1 - s;
  return isCall ? F * normCdf(d1) - K * normCdf(d2) : K * normCdf(-d2) - F * normCdf(-d1);
}

const MS_PER_YEAR = 365 * 86_400_000;
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
/** Deribit expiry code of a UTC date: 28MAR25 (day without a leading zero, as the venue writes it). */
function code(y, m, d) {
  return `${d}${MONTHS[m]}${String(y % 100).padStart(2, "0")}`;
}
/** Raw-SVI total variance w(k) = a + b·(ρ(k − m) + √((k − m)² + σ²)). */
function sviW(p, k) {
  return p.a + p.b * (p.rho * (k - p.m) + Math.sqrt((k - p.m) ** 2 + p.sigma ** 2));
}
/** A crypto-like smile for expiry t (years): ATM vol atm, put skew, wings that flatten with t. */
function smile(t, atm) {
  const b = 0.1 * Math.sqrt(t) + 0.02;
  const rho = -0.25;
  const sigma = 0.15;
  const m = 0.02;
  // choose a so that w(0) = atm²·t
  const a = atm * atm * t - b * (rho * -m + Math.sqrt(m * m + sigma * sigma));
  return { a, b, rho, m, sigma };
}

const AS_OF = Date.UTC(2025, 1, 20); // 2025-02-20T00:00:00Z

/**
 * A 1,000-position book over BTC and ETH, 4 expiries each (1 to 7 months): 900 options (80% coin-settled, 20% USDC
 * linear; every second one listed with its own mark IV and mark forward, the others valued on the SVI surface),
 * 100 futures and perpetuals (most with an entry price), and collateral in BTC, ETH and USDC. Returns the Offset
 * JSON of the book and of its market snapshot.
 */
export function bookAndMarket(positions = 1000) {
  const u = uniforms(20250220);
  const unds = [
    { name: "BTC", index: 96_635.61, carry: 0.08, atm: 0.55 },
    { name: "ETH", index: 2_715.77, carry: 0.07, atm: 0.7 },
  ];
  const expiries = [
    [2025, 2, 28],
    [2025, 3, 25],
    [2025, 5, 27],
    [2025, 8, 26],
  ].map(([y, m, d]) => ({ code: code(y, m, d), t: (Date.UTC(y, m, d, 8) - AS_OF) / MS_PER_YEAR }));
  const market = { asOf: new Date(AS_OF).toISOString(), rate: 0, underlyings: {}, prices: { USD: 1, USDC: 1, USDT: 1 } };
  for (const und of unds) {
    const ex = {};
    for (const e of expiries) {
      ex[e.code] = { forward: +(und.index * Math.exp(und.carry * e.t)).toFixed(2), forwardSource: "venue", svi: smile(e.t, und.atm), marks: {} };
    }
    market.underlyings[und.name] = { index: und.index, carry: und.carry, funding8h: 0.0001, expiries: ex };
  }
  const book = { positions: [], collateral: { BTC: 12.5, ETH: 180, USDC: 750_000 } };
  const nOptions = Math.round(positions * 0.9);
  const perSlice = Math.ceil(nOptions / (unds.length * expiries.length));
  let made = 0;
  outer: for (const und of unds) {
    for (const e of expiries) {
      const slice = market.underlyings[und.name].expiries[e.code];
      const F = slice.forward;
      const sd = und.atm * Math.sqrt(e.t);
      const strikeStep = und.name === "BTC" ? 1000 : 25;
      const strikes = perSlice >> 1;
      for (let s = 0; s < strikes; s++) {
        // strikes spread over ±2.5 standard deviations of ln K, on the venue's strike grid, distinct per slice
        const k = -2.5 * sd + (5 * sd * (s + 0.5)) / strikes;
        const K = Math.max(strikeStep, Math.round((F * Math.exp(k)) / strikeStep) * strikeStep + s * 0); // grid strike
        for (const cp of ["C", "P"]) {
          if (made >= nOptions) break outer;
          const linear = made % 5 === 4;
          const root = linear ? `${und.name}_USDC` : und.name;
          const name = `${root}-${e.code}-${K}-${cp}`;
          if (book.positions.some((p) => p.instrument === name)) continue;
          const q = +((u() < 0.5 ? -1 : 1) * (0.1 + 10 * u()) * (und.name === "BTC" ? 1 : 20)).toFixed(1);
          const pos = { instrument: name, quantity: q };
          if (u() < 0.6) pos.entryPrice = linear ? +(50 + 2000 * u()).toFixed(1) : +(0.0005 + 0.05 * u()).toFixed(4);
          book.positions.push(pos);
          if (made % 2 === 0) {
            const vol = Math.sqrt(sviW(slice.svi, Math.log(K / F)) / e.t) * (1 + 0.02 * (u() - 0.5));
            slice.marks[name] = { iv: +vol.toFixed(4), forward: +(F * (1 + 0.001 * (u() - 0.5))).toFixed(2) };
          }
          made++;
        }
      }
    }
  }
  // futures and perpetuals: one perp per underlying and coin/USDC, the rest dated futures
  for (let i = 0; book.positions.length < positions; i++) {
    const und = unds[i % 2];
    const e = expiries[(i >> 1) % expiries.length];
    const kind = i % 10;
    const name = kind < 2 ? (kind === 0 ? `${und.name}-PERPETUAL` : `${und.name}_USDC-PERPETUAL`) : `${und.name}-${e.code}`;
    const q = +((u() < 0.5 ? -1 : 1) * (0.5 + 5 * u()) * (und.name === "BTC" ? 1 : 20)).toFixed(2);
    const pos = { instrument: name, quantity: q };
    if (u() < 0.9) pos.entryPrice = +(und.index * (0.9 + 0.2 * u())).toFixed(1);
    book.positions.push(pos);
  }
  return { book, market };
}

/**
 * ~300 Deribit public/ticker results for one currency (BTC): 7 expiries (1 day … 10 months) × 9–29 strikes (146), calls
 * and puts, plus the dated futures and the perpetual. mark_iv (percent, 2 decimals) from an SVI smile per expiry,
 * mark_price (BTC, 4 decimals, the venue's tick) consistent with it on the quote's own underlying_price (which moves
 * ±0.05% between quotes, as a chain fetched over a minute does); every 8th option comes without mark_iv, so the
 * snapshot builder inverts its IV from the price.
 */
export function deribitTickers() {
  const u = uniforms(300);
  const index = 96_635.61;
  const carry = 0.08;
  const ts = AS_OF - 1000;
  const expiries = [
    [2025, 1, 21, 9],
    [2025, 1, 28, 17],
    [2025, 2, 28, 29],
    [2025, 3, 25, 24],
    [2025, 5, 27, 27],
    [2025, 8, 26, 22],
    [2025, 11, 26, 18],
  ];
  const tickers = [];
  let option = 0;
  for (const [y, m, d, nStrikes] of expiries) {
    const c = code(y, m, d);
    const t = (Date.UTC(y, m, d, 8) - AS_OF) / MS_PER_YEAR;
    const F = index * Math.exp(carry * t);
    const p = smile(t, 0.5 + 0.1 * Math.sqrt(t));
    const sd = Math.sqrt(p.a + p.b * p.sigma);
    const step = t < 0.05 ? 500 : t < 0.3 ? 1000 : 5000;
    for (let s = 0; s < nStrikes; s++) {
      const K = Math.round((F * Math.exp(-2.2 * sd + (4.4 * sd * s) / (nStrikes - 1))) / step) * step;
      for (const cp of ["C", "P"]) {
        const own = F * (1 + 0.001 * (u() - 0.5));
        const ivPct = +(100 * Math.sqrt(sviW(p, Math.log(K / own)) / t)).toFixed(2);
        const usd = black76(own, K, t, ivPct / 100, cp === "C");
        const mark = Math.max(0.0001, +(usd / own).toFixed(4));
        const tk = {
          timestamp: ts + option,
          stats: { volume: 10 * u(), price_change: null, low: null, high: null },
          state: "open",
          settlement_price: mark,
          open_interest: +(100 * u()).toFixed(1),
          min_price: 0.0001,
          max_price: +(mark + 0.05).toFixed(4),
          mark_price: mark,
          mark_iv: ivPct,
          last_price: mark,
          interest_rate: 0,
          instrument_name: `BTC-${c}-${K}-${cp}`,
          index_price: index,
          underlying_index: `BTC-${c}`,
          underlying_price: +own.toFixed(2),
          bid_iv: +(ivPct - 1).toFixed(2),
          ask_iv: +(ivPct + 1).toFixed(2),
          best_bid_price: Math.max(0, +(mark - 0.0005).toFixed(4)),
          best_ask_price: +(mark + 0.0005).toFixed(4),
          best_bid_amount: 5,
          best_ask_amount: 5,
          estimated_delivery_price: index,
          greeks: { delta: 0.5, gamma: 0.00001, vega: 50, theta: -40, rho: 1 },
        };
        if (option % 8 === 7) delete tk.mark_iv; // no mark IV: inverted from mark_price
        tickers.push(tk);
        option++;
      }
    }
    tickers.push({
      timestamp: ts,
      state: "open",
      mark_price: +F.toFixed(2),
      instrument_name: `BTC-${c}`,
      index_price: index,
      open_interest: 1e6,
      estimated_delivery_price: index,
    });
  }
  tickers.push({ timestamp: ts, state: "open", mark_price: index + 12.5, instrument_name: "BTC-PERPETUAL", index_price: index, funding_8h: 0.0001, current_funding: 0, open_interest: 1e9 });
  return tickers;
}

export const E2E_AS_OF = AS_OF;
