// Market snapshots: what a margin run needs to know about the market at one instant, in Offset JSON.
//
//   { "asOf": "2020-05-14T05:43:53.445Z", "rate": 0,
//     "underlyings": { "BTC": { "index": 9348.1, "carry": 0, "funding8h": 0.0001,
//       "expiries": { "29MAY20": { "forward": 9391.3, "forwardSource": "venue",
//                                  "svi": { "a": …, "b": …, "rho": …, "m": …, "sigma": … },
//                                  "marks": { "BTC-29MAY20-9000-C": { "iv": 0.7352, "forward": 9390.8 } } } } } },
//     "prices": { "USD": 1, "USDC": 1, "USDT": 1 } }
//
// Per underlying: the index (spot) in USD, a forward per expiry (quoted future, the venue's synthetic forward, or
// put–call parity), a raw-SVI slice per expiry fitted to the marks (the surface between and beyond expiries is
// interpolated in total variance by VolSurface), and each listed option's own mark: its IV and, when the venue marked
// it on a forward of its own, that forward (quotes are not simultaneous: Deribit's underlying_price of one expiry
// moves by ±0.1% across a chain fetched over two minutes, which alone moves short-dated marks by 1e-3 BTC).
// A listed option is valued at its own mark; the surface serves strikes and expiries without a quote.
// The JSON is the snapshot itself (plain numbers and strings): JSON.stringify → parseMarket gives identical values.
import * as z from "zod";
import { normPdf } from "@offset/kernels";
import { fail } from "../errors.js";
import { parseExpiryCode, parseInstrument } from "../instruments.js";
import { impliedVolBlack76 } from "../pricing/implied-vol.js";
import { parseWith } from "../validate.js";
import type { Quote } from "./quote.js";
import { fitSvi, type SviFit } from "./svi.js";
import { VolSurface } from "./surface.js";

export const MS_PER_YEAR = 365 * 86_400_000; // ACT/365 on exact milliseconds (reproduces Deribit marks)

const positive = (what: string) => z.number({ message: what }).positive({ message: what });

const sviSchema = z.strictObject({
  a: z.number({ message: "a finite number" }),
  b: z.number({ message: "a finite number ≥ 0" }).nonnegative({ message: "a finite number ≥ 0" }),
  rho: z.number({ message: "a number in (−1, 1)" }).gt(-1, { message: "a number in (−1, 1)" }).lt(1, { message: "a number in (−1, 1)" }),
  m: z.number({ message: "a finite number" }),
  sigma: positive("a finite number > 0"),
});

const expirySchema = z.strictObject({
  /** forward price of the underlying for this expiry, USD */
  forward: positive("a forward price > 0 in USD"),
  /** where the forward came from: a quoted future, the venue's synthetic forward, put–call parity, or carry */
  forwardSource: z.enum(["future", "venue", "parity", "carry", "given"]).default("given"),
  /** raw-SVI total variance slice in k = ln(K/F) (w = σ²·T, T from asOf to this expiry) */
  svi: sviSchema.optional(),
  /** fit quality of `svi`, for reports */
  fit: z.strictObject({ points: z.number().int(), rmseVolPoints: z.number(), maxErrorVolPoints: z.number() }).optional(),
  /**
   * listed options' marks by instrument name: the mark IV (annualised decimal) and, where the venue marked the
   * option on its own forward (Deribit's underlying_price moves between quotes), that forward
   */
  marks: z
    .record(
      z.string(),
      z.strictObject({
        iv: positive("a mark IV > 0 (decimal, 0.65 = 65%)"),
        forward: positive("the forward > 0 the venue marked this option on, USD").optional(),
      }),
    )
    .default({}),
});

const underlyingSchema = z.strictObject({
  /** index (spot) price in USD */
  index: positive("an index price > 0 in USD"),
  /** annualised carry for expiries without a forward: F = index·e^{carry·T} */
  carry: z.number({ message: "a finite number" }).default(0),
  /** perpetual funding rate per 8 hours, decimal */
  funding8h: z.number({ message: "a finite number" }).optional(),
  /** by venue expiry code, e.g. "28MAR25" (08:00 UTC) */
  expiries: z.record(z.string(), expirySchema).default({}),
});

const marketSchema = z.strictObject({
  /** ISO 8601 UTC time of the snapshot */
  asOf: z.iso.datetime({ message: "an ISO 8601 UTC time like 2025-02-20T00:00:00Z", offset: true }),
  /** continuously compounded discount rate for option premia (Deribit marks use 0) */
  rate: z.number({ message: "a finite number" }).default(0),
  underlyings: z.record(z.string(), underlyingSchema),
  /** USD prices of collateral assets that are not underlyings (stablecoins) */
  prices: z.record(z.string(), positive("a USD price > 0")).default({ USD: 1, USDC: 1, USDT: 1 }),
});

export type MarketInput = z.input<typeof marketSchema>;
export type MarketSnapshot = z.output<typeof marketSchema>;
export type ExpiryData = MarketSnapshot["underlyings"][string]["expiries"][string];

/** A validated snapshot with what valuation derives from it once: times, and a vol surface per underlying. */
export interface Market {
  snapshot: MarketSnapshot;
  asOfMs: number;
  /** per underlying; absent where the snapshot has no SVI slice */
  surfaces: Record<string, VolSurface | undefined>;
}

/** Validates Offset JSON (or an already-built snapshot) and prepares it for valuation. */
export function parseMarket(input: unknown): Market {
  const snapshot = parseWith(marketSchema, input, "market");
  const asOfMs = Date.parse(snapshot.asOf);
  const surfaces: Market["surfaces"] = {};
  for (const [u, data] of Object.entries(snapshot.underlyings)) {
    const slices = [];
    for (const [code, e] of Object.entries(data.expiries)) {
      const expiry = parseExpiryCode(code, `market.underlyings.${u}.expiries: expiry code`);
      const t = (expiry - asOfMs) / MS_PER_YEAR;
      if (!(t > 0)) fail(`market.underlyings.${u}.expiries.${code}`, `an expiry after asOf ${snapshot.asOf}`, code);
      if (e.svi) slices.push({ expiry, t, forward: e.forward, svi: e.svi });
    }
    surfaces[u] = slices.length > 0 ? new VolSurface(slices) : undefined;
  }
  return { snapshot, asOfMs, surfaces };
}

/** USD price of an asset: an underlying's index, or a listed price (stablecoins). */
export function usdPrice(market: Market, asset: string, where: string): number {
  const u = market.snapshot.underlyings[asset];
  if (u) return u.index;
  const p = market.snapshot.prices[asset];
  if (p === undefined) {
    const known = [...Object.keys(market.snapshot.underlyings), ...Object.keys(market.snapshot.prices)].join(", ");
    fail(where, `an asset with a USD price in the market (underlyings or prices: ${known})`, asset);
  }
  return p;
}

export interface FromQuotesOptions {
  /** snapshot time; default the latest quote's timestamp */
  asOf?: number | string;
  /** discount rate; default the quotes' interestRate (median), else 0 */
  rate?: number;
  /** USD prices of non-underlying collateral; default USD/USDC/USDT = 1 */
  prices?: Record<string, number>;
  /** fit SVI slices (default true) */
  fit?: boolean;
}

/** What building a snapshot found, for `offset market` and the README. */
export interface SnapshotDiagnostics {
  underlying: string;
  expiry: string;
  t: number;
  forward: number;
  forwardSource: string;
  options: number;
  /** marks whose IV had to be inverted from the price (no markIv in the quote) */
  inverted: number;
  fit?: SviFit;
}

/**
 * Builds a snapshot from normalised venue quotes (see adapters/): index from the quotes' index prices, forwards per
 * expiry (quoted future > venue's underlying price > put–call parity > carry), each option's mark IV (the quote's, or
 * inverted from its mark price), and a vega-weighted raw-SVI fit per expiry with at least 5 marks.
 */
export function marketFromQuotes(quotes: readonly Quote[], options: FromQuotesOptions = {}): { market: MarketSnapshot; diagnostics: SnapshotDiagnostics[] } {
  if (!Array.isArray(quotes) || quotes.length === 0) fail("quotes", "a non-empty array of quotes", quotes);
  const asOfMs =
    options.asOf === undefined ? Math.max(...quotes.map((q) => q.timestamp)) : typeof options.asOf === "string" ? Date.parse(options.asOf) : options.asOf;
  if (!Number.isFinite(asOfMs)) fail("options.asOf", "a time in ms or an ISO 8601 string", options.asOf);
  const rate = options.rate ?? median(quotes.flatMap((q) => (q.interestRate === undefined ? [] : [q.interestRate]))) ?? 0;

  interface Group {
    index: number[];
    funding?: number;
    futures: Map<string, number>;
    options: Map<string, OptionQuote[]>;
  }
  const groups = new Map<string, Group>();
  quotes.forEach((q, i) => {
    const ins = parseInstrument(q.instrument, `quotes[${i}].instrument`);
    if (!(q.markPrice >= 0 && Number.isFinite(q.markPrice))) fail(`quotes[${i}].markPrice`, "a finite price ≥ 0", q.markPrice);
    let g = groups.get(ins.underlying);
    if (!g) groups.set(ins.underlying, (g = { index: [], futures: new Map(), options: new Map() }));
    if (q.indexPrice !== undefined && q.indexPrice > 0) g.index.push(q.indexPrice);
    if (ins.kind === "perpetual") {
      if (q.funding8h !== undefined) g.funding = q.funding8h;
      if (q.indexPrice === undefined) g.index.push(q.markPrice);
    } else if (ins.kind === "future") {
      g.futures.set(ins.expiryCode!, q.markPrice);
    } else {
      const list = g.options.get(ins.expiryCode!) ?? [];
      list.push({ quote: q, strike: ins.strike!, isCall: ins.isCall!, inverse: ins.settlement === "inverse" });
      g.options.set(ins.expiryCode!, list);
    }
  });

  const diagnostics: SnapshotDiagnostics[] = [];
  const underlyings: MarketSnapshot["underlyings"] = {};
  for (const [u, g] of groups) {
    const index = median(g.index);
    if (index === undefined) fail(`quotes (${u})`, `an index price for ${u} (indexPrice on a quote, or a perpetual)`, "none");
    const expiries: MarketSnapshot["underlyings"][string]["expiries"] = {};
    const codes = new Set([...g.futures.keys(), ...g.options.keys()]);
    for (const code of codes) {
      const expiry = parseExpiryCode(code, `quotes (${u}) expiry`);
      const t = (expiry - asOfMs) / MS_PER_YEAR;
      if (!(t > 0)) continue; // expired at the snapshot time: nothing to value
      const opts = g.options.get(code) ?? [];
      const venueForward = median(opts.flatMap((o) => (o.quote.underlyingPrice ? [o.quote.underlyingPrice] : [])));
      const parity = parityForward(opts, rate, t);
      const [forward, forwardSource] =
        g.futures.get(code) !== undefined
          ? [g.futures.get(code)!, "future" as const]
          : venueForward !== undefined
            ? [venueForward, "venue" as const]
            : parity !== undefined
              ? [parity, "parity" as const]
              : [index, "carry" as const]; // snapshots from quotes carry 0: no information about the basis
      const marks: ExpiryData["marks"] = {};
      const points = [];
      let inverted = 0;
      for (const o of opts) {
        let iv = o.quote.markIv;
        if (iv === undefined || !(iv > 0)) {
          // coin-settled marks are in coin: the USD premium is markPrice·F
          const usd = o.inverse ? o.quote.markPrice * forward : o.quote.markPrice;
          iv = impliedVolBlack76({ price: usd, forward, strike: o.strike, timeToExpiry: t, rate, isCall: o.isCall });
          inverted++;
          if (!(iv > 0 && Number.isFinite(iv))) continue; // a mark at or outside the bounds carries no vol
        }
        const own = o.quote.underlyingPrice;
        marks[o.quote.instrument] = own !== undefined && own !== forward ? { iv, forward: own } : { iv };
        const k = Math.log(o.strike / (own ?? forward)); // the mark's moneyness on the forward it was marked on
        const sqrtT = Math.sqrt(t);
        const d1 = -k / (iv * sqrtT) + 0.5 * iv * sqrtT;
        points.push({ k, totalVariance: iv * iv * t, weight: forward * normPdf(d1) * sqrtT });
      }
      const entry: ExpiryData = { forward, forwardSource, marks };
      const distinct = new Set(points.map((p) => p.k)).size;
      let fit: SviFit | undefined;
      if (options.fit !== false && distinct >= 5) {
        // calls and puts at one strike share one vol point: keep one (the venue marks both at one IV)
        const byK = new Map(points.map((p) => [p.k, p]));
        fit = fitSvi([...byK.values()], t);
        entry.svi = fit.params;
        entry.fit = { points: fit.points, rmseVolPoints: fit.rmseVolPoints, maxErrorVolPoints: fit.maxErrorVolPoints };
      }
      expiries[code] = entry;
      diagnostics.push({ underlying: u, expiry: code, t, forward, forwardSource, options: opts.length, inverted, ...(fit ? { fit } : {}) });
    }
    underlyings[u] = { index, carry: 0, ...(g.funding === undefined ? {} : { funding8h: g.funding }), expiries };
  }
  const market: MarketSnapshot = {
    asOf: new Date(asOfMs).toISOString(),
    rate,
    underlyings,
    prices: options.prices ?? { USD: 1, USDC: 1, USDT: 1 },
  };
  return { market, diagnostics };
}

interface OptionQuote {
  quote: Quote;
  strike: number;
  isCall: boolean;
  inverse: boolean;
}

/** Forward by put–call parity, F = K + (C − P)/D, from the strikes quoted both ways nearest the money (median of 3). */
function parityForward(opts: OptionQuote[], rate: number, t: number): number | undefined {
  const byStrike = new Map<number, { c?: number; p?: number; coin: boolean }>();
  for (const o of opts) {
    const e = byStrike.get(o.strike) ?? { coin: o.inverse };
    if (o.isCall) e.c = o.quote.markPrice;
    else e.p = o.quote.markPrice;
    byStrike.set(o.strike, e);
  }
  const D = Math.exp(-rate * t);
  // For coin premia C·F − P·F = D·(F − K) → F = K / (1 − (C − P)/D) (requires C − P < D).
  const candidates = [...byStrike].flatMap(([K, e]) => {
    if (e.c === undefined || e.p === undefined) return [];
    const diff = (e.c - e.p) / D;
    const F = e.coin ? K / (1 - diff) : K + diff;
    return F > 0 && Number.isFinite(F) ? [{ K, F, gap: Math.abs(e.c - e.p) }] : [];
  });
  candidates.sort((a, b) => a.gap - b.gap);
  return median(candidates.slice(0, 3).map((c) => c.F));
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : 0.5 * (s[mid - 1]! + s[mid]!);
}
