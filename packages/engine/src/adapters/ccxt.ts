/**
 * ccxt unified structures → Offset inputs. Pure functions over what `exchange.fetchPositions()`,
 * `fetchBalance()`, `fetchTickers()` and `fetchGreeks()` / `fetchAllGreeks()` return; symbols are ccxt unified
 * symbols (BTC/USD:BTC-241227-60000-C), turned into canonical (Deribit-style) names by `parseCcxtSymbol`.
 *
 * see: https://docs.ccxt.com/#/README?id=position-structure, ?id=balance-structure, ?id=ticker-structure,
 *      ?id=greeks-structure, ?id=market-structure (contractSize, expiry)
 *      ccxt ts/src/deribit.ts parseGreeks / parsePosition / parseBalance (how the Deribit fields are mapped)
 *
 * Units and signs, ccxt → Offset:
 *
 * | ccxt field                                    | ccxt unit                                         | Offset                                 |
 * | --------------------------------------------- | ------------------------------------------------- | -------------------------------------- |
 * | Position `contracts`                          | number of contracts, unsigned                     | × `contractSize`, signed by `side`     |
 * | Position `side`                               | "long" / "short"                                  | sign of `quantity`                     |
 * | Position `contractSize`, option / linear      | units of the underlying per contract              | quantity = contracts × contractSize (15 significant digits) |
 * | Position `contractSize`, inverse future/perp  | USD per contract (the quote currency)             | quantity = contracts × size / markPrice |
 * | Position `entryPrice`                         | venue price currency (coin for inverse options)   | `entryPrice` (same currency)           |
 * | Balance `total[currency]`                     | currency units                                    | `collateral[currency]` (zeros left out) |
 * | Ticker `markPrice` (or `info.mark_price`)     | venue price currency                              | `Quote.markPrice`                      |
 * | Ticker `indexPrice`, Greeks `underlyingPrice` | USD                                               | `indexPrice`, `underlyingPrice`        |
 * | Greeks `markImpliedVolatility` (bid, ask)     | THE VENUE'S NUMBER: ccxt does not normalise it    | decimal, by `ivUnit` (see below)       |
 * | Greeks `delta` … `rho`                        | the venue's units                                 | kept only for Deribit (USD/vol pt, USD/day) |
 * | `timestamp`                                   | ms since the epoch                                | `timestamp`                            |
 *
 * Implied volatility: ccxt copies the venue's field (deribit.ts `parseGreeks`: markImpliedVolatility = mark_iv),
 * so a Deribit IV of 65.3 arrives as 65.3 while OKX (`markVol`), Bybit (`markIv`) and Binance (`markIV`) send 0.653.
 * The unit is chosen by `ivUnit`, or from `exchange` ("deribit" → percent, any other id → decimal). With IVs present
 * and neither given, the call is an error, not a guess; a decimal IV above 10 (1000%) is refused as a likely
 * percent. Greeks are kept only when the exchange is Deribit, whose units match `Quote.greeks` (USD per vol point,
 * USD per day); other venues publish them in their own units (OKX: coin), and the snapshot builder computes its
 * own Greeks from the IV anyway.
 *
 * Deribit through ccxt, two known mismatches handled from the raw `info` ccxt keeps:
 * - Position: ccxt puts Deribit's `size` (USD for inverse futures) into `contracts` while `contractSize` is the
 *   instrument's 10 USD, so contracts × contractSize would be 10× too large. When `info.size_currency` is there
 *   (a raw Deribit position), the coin size comes from it, as in `bookFromDeribit`.
 * - Balance: ccxt's Deribit `total` is `equity`, which includes the options' mark value and the futures' session
 *   P&L that Offset computes from the positions. When `info` is a raw Deribit account summary, its `balance` (the
 *   cash balance) is used instead; see deribit.ts for why.
 *
 * A batch with one broken entry is an error naming the entry and field (`ccxt.tickers["BTC/USD:BTC"].markPrice`).
 */
import { fail } from "../errors.js";
import { type Instrument, parseCcxtSymbol } from "../instruments.js";
import type { BookInput } from "../model.js";
import type { Quote } from "../market/quote.js";
import { compact, isObject, number, object, type Obj, optionalNumber, string } from "./fields.js";

/** ccxt Market fields the adapters use (from `exchange.markets`): exact expiry and contract size. */
export interface CcxtMarketLike {
  symbol?: string;
  expiry?: number | null;
  contractSize?: number | null;
}

/** Entries of an array (`[...]`) or of a ccxt dictionary keyed by symbol (`{ "BTC/USD:BTC": {...} }`), with paths. */
function entries(v: unknown, path: string, what: string): { value: unknown; path: string }[] {
  if (Array.isArray(v)) return v.map((value, i) => ({ value, path: `${path}[${i}]` }));
  const o = object(v, path, what);
  return Object.entries(o).map(([k, value]) => ({ value, path: `${path}[${JSON.stringify(k)}]` }));
}

function instrumentOf(o: Obj, path: string, markets: Record<string, CcxtMarketLike> | undefined): Instrument {
  const symbol = string(o, "symbol", path, "a ccxt unified symbol like BTC/USD:BTC-241227-60000-C");
  const expiry = markets?.[symbol]?.expiry ?? undefined;
  return parseCcxtSymbol(symbol, expiry ?? undefined, `${path}.symbol`);
}

export interface CcxtBookInput {
  /** `fetchPositions()` result */
  positions: unknown;
  /** `fetchBalance()` result (or several, one per account/currency, in an array) */
  balance?: unknown;
  /** `exchange.markets`, for exact expiries (optional; without it expiries are 08:00 UTC of the symbol's day) */
  markets?: Record<string, CcxtMarketLike>;
}

/** ccxt positions and balance → an Offset JSON book (see the unit table above). */
export function bookFromCcxt(input: CcxtBookInput): BookInput {
  const root = object(input, "ccxt", "an object { positions, balance?, markets? }");
  const positions: BookInput["positions"] = [];
  for (const { value, path } of entries(root.positions, "ccxt.positions", "an array of ccxt positions")) {
    const p = object(value, path, "a ccxt position");
    const ins = instrumentOf(p, path, input.markets);
    const side = p.side;
    if (side !== "long" && side !== "short") fail(`${path}.side`, '"long" or "short"', side);
    const contracts = number(p, "contracts", path, { what: "a finite number of contracts" });
    if (contracts === 0) continue; // a flat position: nothing to value
    if (contracts < 0 && side === "long") fail(`${path}.contracts`, 'a count whose sign agrees with side "long"', contracts);
    let size: number;
    const info = isObject(p.info) ? p.info : undefined;
    const deribitCoin = info && typeof info.size_currency === "number" && typeof info.instrument_name === "string" ? info.size_currency : undefined;
    if (ins.kind !== "option" && ins.settlement === "inverse") {
      if (deribitCoin !== undefined) {
        if (!Number.isFinite(deribitCoin)) fail(`${path}.info.size_currency`, "a finite coin size", deribitCoin);
        size = Math.abs(deribitCoin); // Deribit via ccxt: `contracts` holds USD; the venue's coin size is exact
      } else {
        const usdPerContract = number(p, "contractSize", path, { positive: true, what: "a contract size > 0 (USD per contract for an inverse contract)" });
        const mark = number(p, "markPrice", path, { positive: true, what: "a mark price > 0 in USD (an inverse contract's coin size is USD / mark)" });
        size = (Math.abs(contracts) * usdPerContract) / mark;
      }
    } else {
      const perContract = number(p, "contractSize", path, { positive: true, what: "a contract size > 0 in units of the underlying" });
      size = decimalProduct(Math.abs(contracts), perContract);
    }
    const average = optionalNumber(p, "entryPrice", path, { nonNegative: true, what: "an entry price ≥ 0 in the instrument's price currency" });
    // Deribit through ccxt: collateral is info.balance, which holds futures P&L up to the last settlement, so a
    // future's reference price is info.settlement_price (as in bookFromDeribit)
    const settled = deribitCoin !== undefined && ins.kind !== "option" && info && typeof info.settlement_price === "number" && info.settlement_price > 0 ? info.settlement_price : undefined;
    const entry = settled ?? average;
    positions.push({ instrument: ins.name, quantity: side === "long" ? size : -size, ...(entry !== undefined && entry > 0 ? { entryPrice: entry } : {}) });
  }

  const collateral: Record<string, number> = {};
  if (root.balance !== undefined) {
    const balances = Array.isArray(root.balance) ? root.balance.map((b, i) => ({ value: b, path: `ccxt.balance[${i}]` })) : [{ value: root.balance, path: "ccxt.balance" }];
    for (const { value, path } of balances) {
      const b = object(value, path, "a ccxt balance structure { total, free, used, info }");
      const deribit = isObject(b.info) && typeof b.info.currency === "string" && typeof b.info.balance === "number" && "equity" in b.info ? b.info : undefined;
      if (deribit) {
        const currency = string(deribit, "currency", `${path}.info`);
        add(collateral, currency, number(deribit, "balance", `${path}.info`), `${path}.info.balance`);
        continue;
      }
      const total = object(b.total, `${path}.total`, "balances by currency ({ BTC: 1.2, ... })");
      for (const [currency, amount] of Object.entries(total)) {
        if (amount === undefined || amount === null) continue; // ccxt leaves unknown totals undefined
        add(collateral, currency, number(total, currency, `${path}.total`), `${path}.total.${currency}`);
      }
    }
    for (const c of Object.keys(collateral)) if (collateral[c] === 0) delete collateral[c];
  }
  return { positions, collateral };
}

/**
 * contracts × contractSize, rounded to 15 significant digits. Both factors are short decimals written by the venue
 * (3 and 0.1), so their exact decimal product has far fewer than 15 digits and the rounding recovers it (−0.3, not
 * the binary −0.30000000000000004); when it does not, the change is below 5e-16 relative.
 */
function decimalProduct(a: number, b: number): number {
  return Number((a * b).toPrecision(15));
}

function add(collateral: Record<string, number>, currency: string, amount: number, path: string): void {
  if (currency in collateral) fail(path, `one balance per currency (${currency} appears twice)`, amount);
  collateral[currency] = amount;
}

export type IvUnit = "percent" | "decimal";

export interface CcxtQuotesInput {
  /** `fetchTickers()` (dictionary by symbol) or an array of tickers */
  tickers?: unknown;
  /** `fetchGreeks()` results: an array or a dictionary by symbol */
  greeks?: unknown;
  /** the ccxt exchange id (e.g. "deribit"): sets the IV unit and whether the venue's Greeks are kept */
  exchange?: string;
  /** the unit of `markImpliedVolatility` & co., overriding the exchange's */
  ivUnit?: IvUnit;
  /** `exchange.markets`, for exact expiries */
  markets?: Record<string, CcxtMarketLike>;
}

/** Venues whose IV unit through ccxt is known (ccxt passes the venue's number through). */
const IV_UNIT: Record<string, IvUnit> = { deribit: "percent" };

/** ccxt tickers and Greeks → normalised quotes, one per symbol (a symbol's Greeks complete its ticker). */
export function quotesFromCcxt(input: CcxtQuotesInput): Quote[] {
  const root = object(input, "ccxt", "an object { tickers?, greeks?, exchange?, ivUnit?, markets? }");
  if (input.ivUnit !== undefined && input.ivUnit !== "percent" && input.ivUnit !== "decimal") fail("ccxt.ivUnit", '"percent" or "decimal"', input.ivUnit);
  if (input.exchange !== undefined && typeof input.exchange !== "string") fail("ccxt.exchange", "a ccxt exchange id like deribit", input.exchange);
  const exchange = input.exchange?.toLowerCase();
  const ivUnit: IvUnit | undefined = input.ivUnit ?? (exchange === undefined ? undefined : (IV_UNIT[exchange] ?? "decimal"));
  const keepGreeks = exchange === "deribit";
  if (root.tickers === undefined && root.greeks === undefined) fail("ccxt", "tickers, greeks or both", Object.keys(root));

  const quotes = new Map<string, Quote>();
  const order: string[] = [];
  const get = (ins: Instrument, timestamp: number): Quote => {
    let q = quotes.get(ins.name);
    if (!q) {
      q = { instrument: ins.name, timestamp, markPrice: Number.NaN };
      quotes.set(ins.name, q);
      order.push(ins.name);
    }
    return q;
  };

  if (root.tickers !== undefined) {
    for (const { value, path } of entries(root.tickers, "ccxt.tickers", "ccxt tickers (array or dictionary by symbol)")) {
      const t = object(value, path, "a ccxt ticker");
      const ins = instrumentOf(t, path, input.markets);
      const q = get(ins, number(t, "timestamp", path, { positive: true, what: "a time in ms since the epoch" }));
      q.markPrice = markPriceOf(t, path);
      const index = optionalNumber(t, "indexPrice", path, { positive: true, what: "an index price > 0 in USD" });
      if (index !== undefined) q.indexPrice = index;
    }
  }

  if (root.greeks !== undefined) {
    for (const { value, path } of entries(root.greeks, "ccxt.greeks", "ccxt Greeks (array or dictionary by symbol)")) {
      const g = object(value, path, "a ccxt Greeks structure");
      const ins = instrumentOf(g, path, input.markets);
      if (ins.kind !== "option") fail(`${path}.symbol`, "an option's symbol (Greeks are for options)", g.symbol);
      const q = get(ins, number(g, "timestamp", path, { positive: true, what: "a time in ms since the epoch" }));
      q.timestamp = Math.max(q.timestamp, number(g, "timestamp", path));
      if (!Number.isFinite(q.markPrice)) q.markPrice = number(g, "markPrice", path, { nonNegative: true, what: "a mark price ≥ 0 (no ticker for this symbol)" });
      const under = optionalNumber(g, "underlyingPrice", path, { positive: true, what: "an underlying (forward) price > 0 in USD" });
      if (under !== undefined) q.underlyingPrice = under;
      const iv = (key: string, zeroIsNone: boolean): number | undefined => {
        const v = optionalNumber(g, key, path, { nonNegative: true, what: "an implied volatility ≥ 0" });
        if (v === undefined || (v === 0 && zeroIsNone)) return undefined;
        if (ivUnit === undefined) {
          fail("ccxt.ivUnit", `"percent" or "decimal", or ccxt.exchange: ccxt passes the venue's IV through (Deribit 65.3, OKX/Bybit/Binance 0.653) and ${path}.${key} is ${v}`, undefined);
        }
        const dec = ivUnit === "percent" ? v / 100 : v;
        if (!(dec > 0) || dec > 10) fail(`${path}.${key}`, `an implied volatility in ${ivUnit === "percent" ? "percent, in (0, 1000]" : "decimal, in (0, 10] (is it percent? set ivUnit)"}`, v);
        return dec;
      };
      const mark = iv("markImpliedVolatility", false);
      const bid = iv("bidImpliedVolatility", true);
      const ask = iv("askImpliedVolatility", true);
      if (mark !== undefined) q.markIv = mark;
      if (bid !== undefined) q.bidIv = bid;
      if (ask !== undefined) q.askIv = ask;
      if (keepGreeks) {
        const greeks = compact({
          delta: optionalNumber(g, "delta", path),
          gamma: optionalNumber(g, "gamma", path),
          vega: optionalNumber(g, "vega", path),
          theta: optionalNumber(g, "theta", path),
          rho: optionalNumber(g, "rho", path),
        });
        if (Object.keys(greeks).length > 0) q.greeks = greeks;
      }
    }
  }
  return order.map((name) => compact(quotes.get(name)!));
}

/** Ticker mark price: the unified `markPrice`, else the venue's raw field (`info.mark_price`, `info.markPrice`). */
function markPriceOf(t: Obj, path: string): number {
  const what = "a mark price ≥ 0 (ticker markPrice, or info.mark_price / info.markPrice)";
  if (t.markPrice !== undefined && t.markPrice !== null) return number(t, "markPrice", path, { nonNegative: true, what });
  const info = isObject(t.info) ? t.info : undefined;
  for (const key of ["mark_price", "markPrice", "markPx"]) {
    const v = info?.[key];
    if (v === undefined || v === null) continue;
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v; // some venues send numbers as strings
    if (typeof n !== "number" || !Number.isFinite(n) || n < 0) fail(`${path}.info.${key}`, what, v);
    return n;
  }
  return fail(`${path}.markPrice`, what, t.markPrice);
}

