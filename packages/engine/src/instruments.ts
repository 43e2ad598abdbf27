// Instrument names, parsed once at the edge into resolved instruments. Deribit conventions:
//   BTC-PERPETUAL, BTC-28MAR25 (inverse, coin-settled), BTC-28MAR25-100000-C (inverse option, premium in BTC),
//   ETH_USDC-PERPETUAL, ETH_USDC-28MAR25-3000-P (linear, USDC-settled), XRP_USDC-30JUN23-0d625-C ('d' = decimal point).
// Expiries are 08:00 UTC on the named day (Deribit's settlement time).
import { fail } from "./errors.js";

export type InstrumentKind = "option" | "future" | "perpetual";

export interface Instrument {
  name: string;
  underlying: string;
  kind: InstrumentKind;
  /** inverse: coin-settled, valued in the underlying coin; linear: settled in `settlementCurrency` (a stablecoin) */
  settlement: "inverse" | "linear";
  settlementCurrency: string;
  /** expiry in ms since the epoch (options and futures) */
  expiry?: number;
  /** the venue's expiry code, e.g. 28MAR25 */
  expiryCode?: string;
  strike?: number;
  isCall?: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Deribit expiry code (e.g. 7MAR25, 28MAR25) → 08:00 UTC of that day, in ms. */
export function parseExpiryCode(code: string, where: string): number {
  const m = /^(\d{1,2})([A-Z]{3})(\d{2})$/.exec(code);
  const month = m ? MONTHS.indexOf(m[2]!) : -1;
  if (!m || month < 0) fail(where, "an expiry like 28MAR25 (day, month, two-digit year)", code);
  const day = Number(m[1]);
  const ms = Date.UTC(2000 + Number(m[3]), month, day, 8);
  if (new Date(ms).getUTCDate() !== day) fail(where, "a real calendar day", code);
  return ms;
}

/** Parses a Deribit instrument name; an unknown or malformed name is an error that names it. */
export function parseInstrument(name: string, where = "instrument"): Instrument {
  if (typeof name !== "string") fail(where, "an instrument name like BTC-28MAR25-100000-C", name);
  const parts = name.split("-");
  const [base, ...rest] = parts;
  const pair = /^([A-Z0-9]+)(?:_([A-Z]+))?$/.exec(base ?? "");
  if (!pair || rest.length === 0 || rest.length === 2 || rest.length > 3) {
    fail(where, "a Deribit name: UND-PERPETUAL, UND-DMMMYY or UND-DMMMYY-STRIKE-C|P (UND may be COIN_USDC)", name);
  }
  const underlying = pair[1]!;
  const linear = pair[2] !== undefined;
  const settlement = linear ? "linear" : "inverse";
  const settlementCurrency = linear ? pair[2]! : underlying;
  const common = { name, underlying, settlement, settlementCurrency } as const;
  if (rest.length === 1 && rest[0] === "PERPETUAL") return { ...common, kind: "perpetual" };
  const expiryCode = rest[0]!;
  const expiry = parseExpiryCode(expiryCode, `${where} (${name})`);
  if (rest.length === 1) return { ...common, kind: "future", expiry, expiryCode };
  const strikeText = rest[1]!.replace("d", ".");
  const strike = Number(strikeText);
  if (!/^\d+(\.\d+)?$/.test(strikeText) || !(strike > 0)) fail(`${where} (${name})`, "a positive strike like 100000 or 0d625", rest[1]);
  const cp = rest[2];
  if (cp !== "C" && cp !== "P") fail(`${where} (${name})`, "C or P as the last part", cp);
  return { ...common, kind: "option", expiry, expiryCode, strike, isCall: cp === "C" };
}
