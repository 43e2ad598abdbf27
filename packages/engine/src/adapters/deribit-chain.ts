// Rows of a Deribit option-chain CSV (one row per option, the public book-summary/ticker fields with their units in
// the column names, as public Deribit data collectors save them — e.g. ../shared/data/deribit_btc_option_chain_*.csv)
// → Deribit ticker objects, so they enter through the same adapter as live API data (quotesFromDeribit).
//
// Columns used: instrument_name, timestamp_ms, mark_price_btc, mark_iv_pct, underlying_price_usd, index_price_usd,
// interest_rate, bid_iv_pct, ask_iv_pct, open_interest_contracts, delta, gamma, vega_usd_per_volpt,
// theta_usd_per_day, rho. Missing optional columns are left out.
import { fail } from "../errors.js";

export type ChainRow = Record<string, string>;

const REQUIRED = ["instrument_name", "timestamp_ms", "mark_price_btc", "mark_iv_pct", "underlying_price_usd"] as const;

/** One CSV row (column name → text) → a public/ticker-shaped object for quotesFromDeribit. */
export function tickerFromChainRow(row: ChainRow, path = "row"): Record<string, unknown> {
  for (const c of REQUIRED) if (row[c] === undefined || row[c] === "") fail(`${path}.${c}`, "a value (required column)", row[c]);
  const num = (c: string) => {
    const text = row[c];
    if (text === undefined || text === "") return undefined;
    const x = Number(text);
    if (!Number.isFinite(x)) fail(`${path}.${c}`, "a number", text);
    return x;
  };
  const greeks = { delta: num("delta"), gamma: num("gamma"), vega: num("vega_usd_per_volpt"), theta: num("theta_usd_per_day"), rho: num("rho") };
  const ticker: Record<string, unknown> = {
    instrument_name: row.instrument_name,
    timestamp: num("timestamp_ms"),
    mark_price: num("mark_price_btc"),
    mark_iv: num("mark_iv_pct"),
    underlying_price: num("underlying_price_usd"),
    index_price: num("index_price_usd"),
    interest_rate: num("interest_rate"),
    bid_iv: num("bid_iv_pct"),
    ask_iv: num("ask_iv_pct"),
    open_interest: num("open_interest_contracts"),
    greeks: Object.fromEntries(Object.entries(greeks).filter(([, v]) => v !== undefined)),
  };
  return Object.fromEntries(Object.entries(ticker).filter(([, v]) => v !== undefined));
}
