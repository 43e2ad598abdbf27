/**
 * Deribit API v2 objects → Offset inputs. Pure functions over the `result` of a JSON-RPC call; the full envelope
 * `{ jsonrpc, id, result }` is accepted too (an `error` envelope is an error that quotes the venue's message).
 *
 * see: https://docs.deribit.com/api-reference/account-management/private-get_positions
 *      https://docs.deribit.com/api-reference/account-management/private-get_account_summary
 *      https://docs.deribit.com/api-reference/market-data/public-ticker
 *      https://docs.deribit.com/api-reference/market-data/public-get_book_summary_by_currency
 *      https://docs.deribit.com/api-reference/market-data/public-get_instruments
 *
 * Units and signs, venue → Offset:
 *
 * | Deribit field                                  | Deribit unit                                   | Offset                                   |
 * | ---------------------------------------------- | ---------------------------------------------- | ---------------------------------------- |
 * | position `size`, inverse future / perpetual    | USD (contracts × contract_size), signed        | not used: `size_currency` is the coin    |
 * | position `size_currency`, inverse fut. / perp. | coin (= size / mark_price), signed             | `quantity` (sign from `direction`)       |
 * | position `size`, option, linear future / perp. | units of the underlying coin, signed           | `quantity` (sign from `direction`)       |
 * | position `direction`                           | buy / sell / zero                              | sign of `quantity`; zero → position left out |
 * | position `average_price`                       | price currency: coin for inverse options,      | `entryPrice` (same currency)             |
 * |                                                | USD for futures/perps, USDC for linear options |                                          |
 * | account summary `balance`                      | settlement currency (BTC, ETH, USDC)           | `collateral[currency]`                   |
 * | ticker / summary `mark_price`                  | as `average_price`                             | `Quote.markPrice` (same currency)        |
 * | `mark_iv`, `bid_iv`, `ask_iv`                  | PERCENT (65.3)                                 | decimal (0.653); bid/ask 0 = no bid/ask  |
 * | `underlying_price`, `index_price`              | USD                                            | `underlyingPrice`, `indexPrice`          |
 * | `interest_rate`                                | decimal (Deribit marks use 0)                  | `interestRate`                           |
 * | ticker `timestamp`, summary `creation_timestamp` | ms since the epoch                           | `timestamp`                              |
 * | `greeks.delta`, `gamma`                        | per unit of underlying (Black–Scholes, USD)    | `greeks.delta`, `greeks.gamma`           |
 * | `greeks.vega`                                  | USD per vol point (1%)                         | `greeks.vega` (USD per vol point)        |
 * | `greeks.theta`                                 | USD per calendar day                           | `greeks.theta` (USD per day)             |
 * | `greeks.rho`                                   | USD per 1% of rate, as Deribit publishes it    | `greeks.rho` (passed through)            |
 * | `funding_8h` (perpetuals)                      | decimal per 8 h                                | `funding8h`; `current_funding` not kept  |
 * | `open_interest`                                | contracts (USD for inverse futures)            | `openInterest` (passed through)          |
 * | instrument `contract_size`                     | USD (inverse futures/perps) / coin (options)   | `Instrument.contractSize`                |
 * | instrument `expiration_timestamp`              | ms (08:00 UTC); year 3000 for perpetuals       | `Instrument.expiry` (perpetuals: none)   |
 *
 * Collateral is the account summary's `balance`, not `equity` or `margin_balance`. Deribit's balance is the cash
 * balance: option premia paid or received are already in it, and so is the futures P&L realised at each daily
 * settlement (08:00 UTC). `equity` adds the options' mark value and the futures' session P&L, both of which Offset
 * computes itself from the positions — counting them again from `equity` would count them twice. The balance also
 * holds the futures P&L up to the last settlement (`settlement_price`), so a future's or perpetual's `entryPrice`
 * in the book is its `settlement_price` (the P&L still unrealised for the balance is (mark − settlement_price)·q);
 * `average_price` is used only where no settlement price is given, and for options (their premium is in the balance).
 *
 * Book summaries (public/get_book_summary_by_currency) carry less than tickers: no `index_price`, no `greeks`, no
 * `bid_iv`/`ask_iv` on most entries. Their quotes leave those fields out; the snapshot builder then takes the index
 * from a perpetual's mark (or any ticker's `index_price`) and computes Greeks itself from the mark IV (or from the
 * mark price when `mark_iv` is missing too).
 *
 * A batch with one broken entry is an error that names the entry and the field (`deribit.quotes[17].mark_iv`):
 * silently dropping a quote would change the fitted surface without anyone knowing. Entries that are not outright
 * futures, perpetuals or options (spot pairs, combos) are errors too: ask the venue with `kind=future` / `kind=option`.
 */
import { fail } from "../errors.js";
import { formatDeribitName, formatExpiryCode, type Instrument, parseInstrument } from "../instruments.js";
import type { BookInput } from "../model.js";
import type { Quote } from "../market/quote.js";
import { array, compact, isObject, number, object, type Obj, optionalNumber, string } from "./fields.js";

interface Item {
  value: unknown;
  path: string;
}

/** The `result` of a JSON-RPC envelope, or the value itself when it is not an envelope. */
export function unwrapDeribit(input: unknown, path: string): { value: unknown; path: string } {
  if (isObject(input) && "jsonrpc" in input) {
    if (input.error !== undefined) {
      const e = isObject(input.error) ? input.error : {};
      fail(`${path}.error`, "a successful JSON-RPC response (with a result)", `${String(e.code ?? "")} ${String(e.message ?? JSON.stringify(input.error))}`.trim());
    }
    if (!("result" in input)) fail(`${path}.result`, "the result of the call", undefined);
    return { value: input.result, path: `${path}.result` };
  }
  return { value: input, path };
}

/** Flattens a result array, an envelope, or an array of either (one call per currency) into items with paths. */
function items(input: unknown, path: string, what: string, unwrapKey?: string): Item[] {
  const top = unwrapDeribit(input, path);
  let v = top.value;
  let p = top.path;
  if (unwrapKey && isObject(v) && Array.isArray(v[unwrapKey])) {
    v = v[unwrapKey];
    p = `${p}.${unwrapKey}`;
  }
  if (isObject(v)) return [{ value: v, path: p }];
  const list = array(v, p, what);
  return list.flatMap((entry, i) => {
    const ep = `${p}[${i}]`;
    if (Array.isArray(entry) || (isObject(entry) && ("jsonrpc" in entry || (unwrapKey !== undefined && Array.isArray(entry[unwrapKey]))))) {
      return items(entry, ep, what, unwrapKey);
    }
    return [{ value: entry, path: ep }];
  });
}

function instrumentOf(o: Obj, path: string): Instrument {
  return parseInstrument(string(o, "instrument_name", path, "an instrument name like BTC-28MAR25-100000-C"), `${path}.instrument_name`);
}

export interface DeribitBookInput {
  /** private/get_positions results (one call per currency: pass each result, or their concatenation) */
  positions: unknown;
  /** private/get_account_summary results (one per currency), or private/get_account_summaries' result */
  accountSummaries?: unknown;
}

/** Deribit positions and account summaries → an Offset JSON book (see the unit table above). */
export function bookFromDeribit(input: DeribitBookInput): BookInput {
  const root = object(input, "deribit", "an object { positions, accountSummaries? }");
  const positions: BookInput["positions"] = [];
  for (const { value, path } of items(root.positions, "deribit.positions", "an array of private/get_positions results")) {
    const p = object(value, path, "a position (private/get_positions result entry)");
    const ins = instrumentOf(p, path);
    const kind = p.kind;
    if (kind !== undefined && kind !== (ins.kind === "option" ? "option" : "future")) {
      fail(`${path}.kind`, `"${ins.kind === "option" ? "option" : "future"}" for ${ins.name}`, kind);
    }
    const direction = p.direction;
    if (direction !== "buy" && direction !== "sell" && direction !== "zero") fail(`${path}.direction`, '"buy", "sell" or "zero"', direction);
    const sizeInCoin = ins.kind !== "option" && ins.settlement === "inverse";
    let field = "size";
    let amount: number;
    if (sizeInCoin) {
      const sc = optionalNumber(p, "size_currency", path);
      if (sc !== undefined) {
        field = "size_currency";
        amount = sc;
      } else {
        // Deribit's size_currency is size / mark_price; rebuild it when an older payload leaves it out
        const usd = number(p, "size", path);
        const mark = number(p, "mark_price", path, { positive: true, what: "a mark price > 0 in USD (size_currency is missing: the coin size is size / mark_price)" });
        amount = usd / mark;
      }
    } else {
      amount = number(p, "size", path);
    }
    if (direction === "zero" || amount === 0) continue; // a flat position: nothing to value
    if ((direction === "buy" && amount < 0) || (direction === "sell" && amount > 0)) {
      fail(`${path}.${field}`, `a size whose sign agrees with direction "${direction}"`, amount);
    }
    const quantity = direction === "buy" ? Math.abs(amount) : -Math.abs(amount);
    const avg = optionalNumber(p, "average_price", path, { nonNegative: true, what: "an average price ≥ 0 in the instrument's price currency" });
    // Futures/perps: the collateral (`balance`) already holds their P&L up to the last daily settlement, so the
    // reference price for the P&L still unrealised is `settlement_price`, not `average_price` (see the header).
    const settled = ins.kind === "option" ? undefined : optionalNumber(p, "settlement_price", path, { nonNegative: true, what: "a settlement price ≥ 0 in USD" });
    const entry = settled !== undefined && settled > 0 ? settled : avg;
    positions.push({ instrument: ins.name, quantity, ...(entry !== undefined && entry > 0 ? { entryPrice: entry } : {}) });
  }

  const collateral: Record<string, number> = {};
  if (root.accountSummaries !== undefined) {
    for (const { value, path } of items(root.accountSummaries, "deribit.accountSummaries", "private/get_account_summary results", "summaries")) {
      const s = object(value, path, "an account summary (private/get_account_summary result)");
      const currency = string(s, "currency", path, "a currency code like BTC");
      const balance = number(s, "balance", path, { what: "the account's cash balance, a finite number" });
      if (currency in collateral) fail(`${path}.currency`, "one account summary per currency", currency);
      collateral[currency] = balance;
    }
    // zero balances are left out: an empty account adds nothing and would need a USD price for nothing
    for (const c of Object.keys(collateral)) if (collateral[c] === 0) delete collateral[c];
  }
  return { positions, collateral };
}

/** public/ticker results and public/get_book_summary_by_currency entries → normalised quotes. */
export function quotesFromDeribit(tickersOrBookSummaries: unknown): Quote[] {
  return items(tickersOrBookSummaries, "deribit.quotes", "an array of public/ticker results or book summary entries").map(({ value, path }) => {
    const o = object(value, path, "a ticker or book summary");
    const ins = instrumentOf(o, path);
    const isTicker = o.timestamp !== undefined;
    if (!isTicker && o.creation_timestamp === undefined) fail(`${path}.timestamp`, "a time in ms (ticker `timestamp` or book summary `creation_timestamp`)", undefined);
    const timestamp = number(o, isTicker ? "timestamp" : "creation_timestamp", path, { positive: true, what: "a time in ms since the epoch" });
    const q: Quote = {
      instrument: ins.name,
      timestamp,
      markPrice: number(o, "mark_price", path, { nonNegative: true, what: "a mark price ≥ 0 (coin for inverse options, USD otherwise)" }),
      underlyingPrice: optionalNumber(o, "underlying_price", path, { positive: true, what: "an underlying (forward) price > 0 in USD" }),
      indexPrice: optionalNumber(o, "index_price", path, { positive: true, what: "an index price > 0 in USD" }),
      interestRate: optionalNumber(o, "interest_rate", path),
      openInterest: optionalNumber(o, "open_interest", path, { nonNegative: true }),
    };
    if (ins.kind === "option") {
      const iv = (key: string, zeroIsNone: boolean) => {
        const v = optionalNumber(o, key, path, { nonNegative: zeroIsNone, positive: !zeroIsNone, what: `an implied volatility in percent (Deribit), ${zeroIsNone ? "≥ 0 (0 = none)" : "> 0"}` });
        return v === undefined || v === 0 ? undefined : v / 100; // Deribit IV is percent: 65.3 → 0.653
      };
      q.markIv = iv("mark_iv", false);
      q.bidIv = iv("bid_iv", true); // Deribit sends 0 when there is no bid
      q.askIv = iv("ask_iv", true);
      if (o.greeks !== undefined && o.greeks !== null) {
        const gp = `${path}.greeks`;
        const g = object(o.greeks, gp, "an object { delta, gamma, vega, theta, rho }");
        const greeks = compact({
          delta: optionalNumber(g, "delta", gp),
          gamma: optionalNumber(g, "gamma", gp),
          vega: optionalNumber(g, "vega", gp), // USD per vol point
          theta: optionalNumber(g, "theta", gp), // USD per day
          rho: optionalNumber(g, "rho", gp),
        });
        if (Object.keys(greeks).length > 0) q.greeks = greeks;
      }
    } else if (ins.kind === "perpetual") {
      q.funding8h = optionalNumber(o, "funding_8h", path);
    }
    return compact(q);
  });
}

/**
 * public/get_instruments results → canonical instruments, with the venue's contract size, settlement and exact
 * expiry (`expiration_timestamp`). The name is the venue's `instrument_name` (what positions and tickers carry); when
 * the parser reads that name, its reading must agree with the fields. Spot pairs and combos are left out.
 */
export function instrumentsFromDeribit(getInstrumentsResult: unknown): Instrument[] {
  const out: Instrument[] = [];
  for (const { value, path } of items(getInstrumentsResult, "deribit.instruments", "an array of public/get_instruments results")) {
    const o = object(value, path, "an instrument (public/get_instruments result entry)");
    const name = string(o, "instrument_name", path);
    const kindField = o.kind;
    if (kindField !== "future" && kindField !== "option") {
      if (typeof kindField === "string") continue; // spot, future_combo, option_combo: not positions Offset values
      fail(`${path}.kind`, '"future", "option", "spot", "future_combo" or "option_combo"', kindField);
    }
    const underlying = string(o, "base_currency", path, "the underlying currency, e.g. BTC");
    const settlementCurrency = typeof o.settlement_currency === "string" ? o.settlement_currency : string(o, "counter_currency", path, "a settlement or counter currency");
    const type = o.instrument_type ?? o.future_type;
    let settlement: Instrument["settlement"];
    if (type === "reversed") settlement = "inverse";
    else if (type === "linear") settlement = "linear";
    else if (type === undefined) settlement = settlementCurrency === underlying ? "inverse" : "linear";
    else fail(`${path}.instrument_type`, '"reversed" (inverse) or "linear"', type);
    const perpetual = kindField === "future" && o.settlement_period === "perpetual";
    const ins: Instrument = {
      name,
      underlying,
      kind: kindField === "option" ? "option" : perpetual ? "perpetual" : "future",
      settlement,
      settlementCurrency: settlement === "inverse" ? underlying : settlementCurrency,
      contractSize: number(o, "contract_size", path, { positive: true, what: "a contract size > 0 (USD for inverse futures, coin for options)" }),
    };
    if (!perpetual) {
      ins.expiry = number(o, "expiration_timestamp", path, { positive: true, what: "an expiry time in ms" });
      ins.expiryCode = formatExpiryCode(ins.expiry);
    }
    if (ins.kind === "option") {
      ins.strike = number(o, "strike", path, { positive: true });
      const t = o.option_type;
      if (t !== "call" && t !== "put") fail(`${path}.option_type`, '"call" or "put"', t);
      ins.isCall = t === "call";
    }
    // the parser's reading of the venue's name, when it has one, must describe the same contract
    let parsed: Instrument | undefined;
    try {
      parsed = parseInstrument(name);
    } catch {
      parsed = undefined; // a name the parser cannot read: the fields above are the whole truth
    }
    if (parsed) {
      const canonical = formatDeribitName(ins);
      const sameDay = parsed.expiry === undefined || (ins.expiry !== undefined && formatExpiryCode(parsed.expiry) === ins.expiryCode);
      if (parsed.name !== canonical || !sameDay) fail(`${path}`, `fields that describe ${name} (they describe ${canonical})`, name);
      ins.name = parsed.name;
    }
    out.push(ins);
  }
  return out;
}
