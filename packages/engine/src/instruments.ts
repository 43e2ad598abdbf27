// Instrument names, parsed once at the edge into resolved instruments, in both the venues' spellings:
//
//   Deribit (canonical)            ccxt unified symbol              kind, settlement
//   BTC-PERPETUAL                  BTC/USD:BTC                      perpetual, inverse (coin-settled)
//   BTC-27DEC24                    BTC/USD:BTC-241227               future, inverse
//   BTC-27DEC24-60000-C            BTC/USD:BTC-241227-60000-C       option, inverse (premium in BTC)
//   SOL_USDC-PERPETUAL             SOL/USDC:USDC                    perpetual, linear (USDC-settled)
//   ETH_USDC-28MAR25-3000-P        ETH/USDC:USDC-250328-3000-P      option, linear
//   XRP_USDC-30JUN23-0d625-C       XRP/USDC:USDC-230630-0.625-C     Deribit writes a decimal point as 'd'
//
// Expiries are 08:00 UTC on the named day (Deribit's settlement time; ccxt's yymmdd names the same day, and its
// market `expiry` field, when given, overrides the time of day). The canonical name of an instrument is its
// Deribit-style name: `Instrument.name`, `Quote.instrument` and book positions use it whatever the source.
// see: Deribit instrument naming, https://docs.deribit.com (BTC-DMMMYY-STRIKE-K); ccxt unified symbols,
//      https://docs.ccxt.com/#/README?id=contract-naming-conventions (BASE/QUOTE:SETTLE-YYMMDD-STRIKE-TYPE)
import { fail, OffsetInputError } from "./errors.js";

export type InstrumentKind = "option" | "future" | "perpetual";

export interface Instrument {
  /** canonical (Deribit-style) name, e.g. BTC-28MAR25-100000-C */
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
  /**
   * the venue's contract multiplier, when known (from a venue's instrument list): USD per contract for inverse
   * futures and perpetuals, units of the underlying per contract for options and linear contracts
   */
  contractSize?: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Settlement currencies that make a contract linear (a USD stablecoin, or USD itself). */
export const STABLECOINS: readonly string[] = ["USDC", "USDT", "USD", "DAI", "FDUSD", "USDE", "PYUSD"];

const DERIBIT_FORMS = "a Deribit name: UND-PERPETUAL, UND-DMMMYY or UND-DMMMYY-STRIKE-C|P (UND may be COIN_USDC)";
const CCXT_FORMS = "a ccxt symbol: BASE/QUOTE:SETTLE, BASE/QUOTE:SETTLE-YYMMDD or BASE/QUOTE:SETTLE-YYMMDD-STRIKE-C|P";

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

/** The Deribit expiry code of a time's UTC day: 7MAR25 (no leading zero), 28MAR25. */
export function formatExpiryCode(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear() % 100).padStart(2, "0")}`;
}

/** Strike as Deribit writes it: 60000, 0d625 ('d' for the decimal point). */
function formatStrike(strike: number, sep: "d" | "."): string {
  const text = String(strike);
  if (!/^\d+(\.\d+)?$/.test(text)) fail("instrument.strike", "a positive strike written without an exponent", strike);
  return sep === "d" ? text.replace(".", "d") : text;
}

function parseStrike(text: string | undefined, where: string): number {
  const plain = (text ?? "").replace("d", ".");
  const strike = Number(plain);
  if (!/^\d+(\.\d+)?$/.test(plain) || !(strike > 0)) fail(where, "a positive strike like 100000 or 0d625", text);
  return strike;
}

/** Parses a Deribit instrument name; an unknown or malformed name is an error that names it. */
export function parseInstrument(name: string, where = "instrument"): Instrument {
  if (typeof name !== "string") fail(where, "an instrument name like BTC-28MAR25-100000-C", name);
  // Books and quote batches repeat names; parsing (regexes, calendar checks, canonical re-spelling) costs ~3 µs, a
  // cache hit ~0.05 µs. Only successes are cached, and each caller gets its own copy.
  const cached = parsedNames.get(name);
  if (cached) return { ...cached };
  const ins = parseUncached(name, where);
  if (parsedNames.size >= PARSED_NAMES_MAX) parsedNames.clear();
  parsedNames.set(name, ins);
  return { ...ins };
}

const PARSED_NAMES_MAX = 50_000;
const parsedNames = new Map<string, Instrument>();

function parseUncached(name: string, where: string): Instrument {
  const parts = name.split("-");
  const [base, ...rest] = parts;
  const pair = /^([A-Z0-9]+)(?:_([A-Z]+))?$/.exec(base ?? "");
  if (!pair || rest.length === 0 || rest.length === 2 || rest.length > 3) fail(where, DERIBIT_FORMS, name);
  const underlying = pair[1]!;
  const linear = pair[2] !== undefined;
  const settlement = linear ? "linear" : "inverse";
  const settlementCurrency = linear ? pair[2]! : underlying;
  const common = { underlying, settlement, settlementCurrency } as const;
  let ins: Instrument;
  if (rest.length === 1 && rest[0] === "PERPETUAL") {
    ins = { name, ...common, kind: "perpetual" };
  } else {
    const expiry = parseExpiryCode(rest[0]!, `${where} (${name})`);
    const expiryCode = formatExpiryCode(expiry); // 07MAR25 → 7MAR25, the code Deribit writes
    if (rest.length === 1) {
      ins = { name, ...common, kind: "future", expiry, expiryCode };
    } else {
      const strike = parseStrike(rest[1], `${where} (${name})`);
      const cp = rest[2];
      if (cp !== "C" && cp !== "P") fail(`${where} (${name})`, "C or P as the last part", cp);
      ins = { name, ...common, kind: "option", expiry, expiryCode, strike, isCall: cp === "C" };
    }
  }
  ins.name = formatDeribitName(ins); // canonical spelling (7MAR25, 0d625)
  return ins;
}

/** The Deribit name of an instrument: the exact inverse of `parseInstrument` on canonical names. */
export function formatDeribitName(ins: Instrument): string {
  const root = ins.settlement === "linear" ? `${ins.underlying}_${ins.settlementCurrency}` : ins.underlying;
  if (ins.kind === "perpetual") return `${root}-PERPETUAL`;
  if (ins.expiry === undefined) fail(`instrument (${ins.name})`, `an expiry for a ${ins.kind}`, ins.expiry);
  const code = formatExpiryCode(ins.expiry);
  if (ins.kind === "future") return `${root}-${code}`;
  return `${root}-${code}-${formatStrike(ins.strike!, "d")}-${ins.isCall ? "C" : "P"}`;
}

/**
 * Parses a ccxt unified symbol (BTC/USD:BTC-241227-60000-C) into the same `Instrument` as its Deribit name.
 * Settlement is inverse when SETTLE is the base (then QUOTE must be USD), linear when SETTLE is a stablecoin
 * (then QUOTE must be SETTLE); quanto contracts are refused. `expiryMs` (the ccxt market's `expiry` field) sets the
 * exact expiry time; it must fall on the day the symbol names. Without it the expiry is 08:00 UTC of that day.
 */
export function parseCcxtSymbol(symbol: string, expiryMs?: number, where = "instrument"): Instrument {
  if (typeof symbol !== "string") fail(where, "a ccxt symbol like BTC/USD:BTC-241227-60000-C", symbol);
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)(?:-(\d{6})(?:-([0-9.]+)-([CP]))?)?$/.exec(symbol);
  if (!m) fail(where, CCXT_FORMS, symbol);
  const [, base, quote, settle, yymmdd, strikeText, cp] = m as unknown as [string, string, string, string, string?, string?, string?];
  let settlement: Instrument["settlement"];
  if (settle === base) {
    if (quote !== "USD") fail(`${where} (${symbol})`, "USD as the quote of a coin-settled (inverse) contract", quote);
    settlement = "inverse";
  } else if (STABLECOINS.includes(settle)) {
    if (quote !== settle) fail(`${where} (${symbol})`, `the quote equal to the settlement currency ${settle} (linear contract)`, quote);
    settlement = "linear";
  } else {
    fail(`${where} (${symbol})`, `a settlement currency equal to the base ${base} (inverse) or a stablecoin (${STABLECOINS.join(", ")})`, settle);
  }
  const common = { name: "", underlying: base, settlement, settlementCurrency: settle };
  let ins: Instrument;
  if (yymmdd === undefined) {
    if (expiryMs !== undefined) fail(`${where} (${symbol})`, "no expiry for a perpetual", expiryMs);
    ins = { ...common, kind: "perpetual" };
  } else {
    const y = 2000 + Number(yymmdd.slice(0, 2));
    const mo = Number(yymmdd.slice(2, 4)) - 1;
    const d = Number(yymmdd.slice(4, 6));
    const day = Date.UTC(y, mo, d, 8);
    const check = new Date(day);
    if (mo < 0 || mo > 11 || check.getUTCMonth() !== mo || check.getUTCDate() !== d) fail(`${where} (${symbol})`, "a real calendar day as YYMMDD", yymmdd);
    let expiry = day;
    if (expiryMs !== undefined) {
      const sameDay = Number.isFinite(expiryMs) && Math.floor(expiryMs / 86_400_000) === Math.floor(day / 86_400_000);
      if (!sameDay) fail(`${where} (${symbol}) expiry`, `a time in ms on ${new Date(day).toISOString().slice(0, 10)} (UTC), the day the symbol names`, expiryMs);
      expiry = expiryMs;
    }
    const expiryCode = formatExpiryCode(expiry);
    if (strikeText === undefined) {
      ins = { ...common, kind: "future", expiry, expiryCode };
    } else {
      const strike = Number(strikeText);
      if (!/^\d+(\.\d+)?$/.test(strikeText) || !(strike > 0)) fail(`${where} (${symbol})`, "a positive strike like 60000 or 0.625", strikeText);
      ins = { ...common, kind: "option", expiry, expiryCode, strike, isCall: cp === "C" };
    }
  }
  ins.name = formatDeribitName(ins);
  return ins;
}

/** The ccxt unified symbol of an instrument: the exact inverse of `parseCcxtSymbol` on canonical symbols. */
export function formatCcxtSymbol(ins: Instrument): string {
  const root = ins.settlement === "inverse" ? `${ins.underlying}/USD:${ins.underlying}` : `${ins.underlying}/${ins.settlementCurrency}:${ins.settlementCurrency}`;
  if (ins.kind === "perpetual") return root;
  if (ins.expiry === undefined) fail(`instrument (${ins.name})`, `an expiry for a ${ins.kind}`, ins.expiry);
  const d = new Date(ins.expiry);
  const yymmdd = `${String(d.getUTCFullYear() % 100).padStart(2, "0")}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
  if (ins.kind === "future") return `${root}-${yymmdd}`;
  return `${root}-${yymmdd}-${formatStrike(ins.strike!, ".")}-${ins.isCall ? "C" : "P"}`;
}

/**
 * Accepts a Deribit name or a ccxt unified symbol (told apart by the '/' only ccxt writes) and returns the
 * canonical instrument (Deribit-style name). Anything else is an error that names the value and shows both forms.
 */
export function parseAnyInstrument(nameOrSymbol: string, where = "instrument", expiryMs?: number): Instrument {
  if (typeof nameOrSymbol !== "string" || nameOrSymbol.length === 0) fail(where, `${DERIBIT_FORMS}; or ${CCXT_FORMS}`, nameOrSymbol);
  if (nameOrSymbol.includes("/")) return parseCcxtSymbol(nameOrSymbol, expiryMs, where);
  try {
    return parseInstrument(nameOrSymbol, where);
  } catch (e) {
    // a name of no known shape: show both spellings (errors inside a well-shaped name stay as they are)
    if (e instanceof OffsetInputError && e.issues.length === 1 && e.issues[0]!.expected === DERIBIT_FORMS) fail(where, `${DERIBIT_FORMS}; or ${CCXT_FORMS}`, nameOrSymbol);
    throw e;
  }
}
