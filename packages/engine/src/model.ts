// Books and market snapshots in Offset JSON, validated at the edge and resolved into plain typed objects.
import * as z from "zod";
import { fail } from "./errors.js";
import { type Instrument, parseExpiryCode, parseInstrument } from "./instruments.js";
import { parseWith } from "./validate.js";

const finiteNumber = (what = "a finite number") => z.number({ message: what });
const positiveNumber = (what = "a finite number > 0") => z.number({ message: what }).positive({ message: what });

const bookSchema = z.strictObject({
  positions: z.array(
    z.strictObject({
      instrument: z.string({ message: "an instrument name like BTC-28MAR25-100000-C" }),
      /** signed, in units of the underlying (a short is negative) */
      quantity: finiteNumber("a finite signed quantity in units of the underlying"),
      /** average entry price per unit, in the instrument's price currency (coin for inverse options, USD otherwise) */
      entryPrice: positiveNumber("an entry price > 0 in the instrument's price currency").optional(),
    }),
    { message: "an array of positions" },
  ),
  collateral: z.record(z.string(), finiteNumber("a finite balance"), { message: "balances by asset" }).default({}),
});

/** Smile at one expiry, in log-moneyness k = ln(K/F): σ(k) = max(atm + skew·k + curvature·k², 0.01). */
const smileSchema = z.strictObject({
  atm: positiveNumber("an annualised ATM vol > 0 (decimal, 0.5 = 50%)"),
  skew: finiteNumber().default(0),
  curvature: finiteNumber().default(0),
});

const marketSchema = z.strictObject({
  /** ISO 8601 time of the snapshot (UTC) */
  asOf: z.iso.datetime({ message: "an ISO 8601 UTC time like 2025-02-20T00:00:00Z", offset: true }),
  /** continuously compounded discount rate for option premia (Deribit marks use 0) */
  rate: finiteNumber().default(0),
  underlyings: z.record(
    z.string(),
    z.strictObject({
      spot: positiveNumber("an index price > 0 in USD"),
      /** annualised carry for forwards without a quote: F = spot·e^{carry·T} */
      carry: finiteNumber().default(0),
      /** quoted forwards by expiry code (e.g. "28MAR25") */
      forwards: z.record(z.string(), positiveNumber()).default({}),
      /** smile used where an expiry has none of its own */
      smile: smileSchema,
      /** smiles by expiry code */
      smiles: z.record(z.string(), smileSchema).default({}),
    }),
  ),
  /** USD prices of collateral assets that are not underlyings (stablecoins) */
  prices: z.record(z.string(), positiveNumber("a USD price > 0")).default({ USD: 1, USDC: 1, USDT: 1 }),
});

export type BookInput = z.input<typeof bookSchema>;
export type MarketInput = z.input<typeof marketSchema>;
export type Market = z.output<typeof marketSchema> & { asOfMs: number };

export interface Position {
  instrument: Instrument;
  quantity: number;
  entryPrice?: number;
}

export interface Book {
  positions: Position[];
  collateral: Record<string, number>;
}

export function parseBook(input: unknown): Book {
  const b = parseWith(bookSchema, input, "book");
  return {
    positions: b.positions.map((p, i) => ({
      instrument: parseInstrument(p.instrument, `book.positions[${i}].instrument`),
      quantity: p.quantity,
      ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }),
    })),
    collateral: b.collateral,
  };
}

export function parseMarket(input: unknown): Market {
  const m = parseWith(marketSchema, input, "market");
  for (const [u, data] of Object.entries(m.underlyings)) {
    for (const code of [...Object.keys(data.forwards), ...Object.keys(data.smiles)]) parseExpiryCode(code, `market.underlyings.${u}: expiry code`);
  }
  return { ...m, asOfMs: Date.parse(m.asOf) };
}

/** USD price of an asset: an underlying's index, or a listed price (stablecoins). */
export function usdPrice(market: Market, asset: string, where: string): number {
  const u = market.underlyings[asset];
  if (u) return u.spot;
  const p = market.prices[asset];
  if (p === undefined) fail(where, `an asset with a USD price in the market (underlyings or prices: ${[...Object.keys(market.underlyings), ...Object.keys(market.prices)].join(", ")})`, asset);
  return p;
}
