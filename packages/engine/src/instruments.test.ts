import { describe, expect, it } from "vitest";
import { OffsetInputError, parseInstrument } from "./index.js";
import { formatCcxtSymbol, formatDeribitName, parseAnyInstrument, parseCcxtSymbol } from "./instruments.js";

describe("parseInstrument (Deribit names)", () => {
  it("reads perpetuals, futures and options, inverse and linear, with 08:00 UTC expiries", () => {
    expect(parseInstrument("BTC-PERPETUAL")).toMatchObject({ underlying: "BTC", kind: "perpetual", settlement: "inverse", settlementCurrency: "BTC" });
    expect(parseInstrument("BTC-27DEC24")).toMatchObject({ kind: "future", expiry: Date.UTC(2024, 11, 27, 8), expiryCode: "27DEC24" });
    expect(parseInstrument("BTC-27DEC24-60000-C")).toMatchObject({ kind: "option", strike: 60000, isCall: true, settlement: "inverse" });
    expect(parseInstrument("SOL_USDC-PERPETUAL")).toMatchObject({ underlying: "SOL", settlement: "linear", settlementCurrency: "USDC" });
    expect(parseInstrument("XRP_USDC-30JUN23-0d625-C")).toMatchObject({ underlying: "XRP", strike: 0.625, isCall: true, expiry: Date.UTC(2023, 5, 30, 8) });
    expect(parseInstrument("ETH-7MAR25-2500-P")).toMatchObject({ strike: 2500, isCall: false, expiry: Date.UTC(2025, 2, 7, 8) });
  });

  it("names a malformed name and says what a good one looks like", () => {
    for (const bad of ["BTC", "BTC-FOO", "BTC-27DEC24-60000", "BTC-27DEC24-60000-X", "BTC-27DEC24--C", "BTC-32DEC24", "btc-PERPETUAL", "BTC-27DEC24-abc-C"]) {
      expect(() => parseInstrument(bad), bad).toThrow(OffsetInputError);
    }
    expect(() => parseInstrument("BTC-31FEB25")).toThrow('expected a real calendar day, got "31FEB25"');
    expect(() => parseInstrument("BTC-27DEC24-60000-X")).toThrow('expected C or P as the last part, got "X"');
  });

  it("spells the canonical name: a leading zero in the day and a '.' strike become Deribit's 7MAR25 and 0d625", () => {
    expect(parseInstrument("ETH-07MAR25-2500-P")).toMatchObject({ name: "ETH-7MAR25-2500-P", expiryCode: "7MAR25" });
    expect(parseInstrument("XRP_USDC-30JUN23-0.625-C").name).toBe("XRP_USDC-30JUN23-0d625-C");
  });
});

// every form in both spellings: [Deribit name, ccxt symbol]
const PAIRS: [string, string][] = [
  ["BTC-PERPETUAL", "BTC/USD:BTC"],
  ["BTC-27DEC24", "BTC/USD:BTC-241227"],
  ["BTC-27DEC24-60000-C", "BTC/USD:BTC-241227-60000-C"],
  ["ETH-7MAR25-2500-P", "ETH/USD:ETH-250307-2500-P"],
  ["SOL_USDC-PERPETUAL", "SOL/USDC:USDC"],
  ["BTC_USDT-PERPETUAL", "BTC/USDT:USDT"],
  ["ETH_USDC-28MAR25", "ETH/USDC:USDC-250328"],
  ["ETH_USDC-28MAR25-3000-P", "ETH/USDC:USDC-250328-3000-P"],
  ["XRP_USDC-30JUN23-0d625-C", "XRP/USDC:USDC-230630-0.625-C"],
];

describe("names both ways: Deribit ⇄ Instrument ⇄ ccxt", () => {
  it("formatDeribitName is the exact inverse of parseInstrument, for every form", () => {
    for (const [name] of PAIRS) {
      const ins = parseInstrument(name);
      expect(formatDeribitName(ins), name).toBe(name);
      expect(parseInstrument(formatDeribitName(ins)), name).toEqual(ins);
    }
  });

  it("formatCcxtSymbol is the exact inverse of parseCcxtSymbol, for every form", () => {
    for (const [, symbol] of PAIRS) {
      const ins = parseCcxtSymbol(symbol);
      expect(formatCcxtSymbol(ins), symbol).toBe(symbol);
      expect(parseCcxtSymbol(formatCcxtSymbol(ins)), symbol).toEqual(ins);
    }
  });

  it("a ccxt symbol and its Deribit name are the same Instrument (canonical name = Deribit's)", () => {
    for (const [name, symbol] of PAIRS) {
      expect(parseCcxtSymbol(symbol), symbol).toEqual(parseInstrument(name));
      expect(formatCcxtSymbol(parseInstrument(name)), name).toBe(symbol);
      expect(formatDeribitName(parseCcxtSymbol(symbol)), symbol).toBe(name);
    }
  });

  it("reads the brief's ccxt examples: inverse when settle = base, linear when settle is a stablecoin", () => {
    expect(parseCcxtSymbol("BTC/USD:BTC-241227-60000-C")).toEqual({
      name: "BTC-27DEC24-60000-C",
      underlying: "BTC",
      kind: "option",
      settlement: "inverse",
      settlementCurrency: "BTC",
      expiry: Date.UTC(2024, 11, 27, 8),
      expiryCode: "27DEC24",
      strike: 60000,
      isCall: true,
    });
    expect(parseCcxtSymbol("BTC/USD:BTC")).toMatchObject({ name: "BTC-PERPETUAL", kind: "perpetual", settlement: "inverse" });
    expect(parseCcxtSymbol("BTC/USD:BTC-241227")).toMatchObject({ name: "BTC-27DEC24", kind: "future", settlement: "inverse" });
    expect(parseCcxtSymbol("BTC/USDT:USDT")).toMatchObject({ name: "BTC_USDT-PERPETUAL", settlement: "linear", settlementCurrency: "USDT" });
    expect(parseCcxtSymbol("ETH/USDC:USDC-250328-3000-P")).toMatchObject({ name: "ETH_USDC-28MAR25-3000-P", settlement: "linear", isCall: false, strike: 3000 });
  });

  it("takes the ccxt market's expiry (ms) as the exact time, on the day the symbol names", () => {
    const at = Date.UTC(2024, 11, 27, 8, 0, 0);
    expect(parseCcxtSymbol("BTC/USD:BTC-241227-60000-C", at).expiry).toBe(at);
    const later = Date.UTC(2024, 11, 27, 16);
    expect(parseCcxtSymbol("BTC/USD:BTC-241227", later)).toMatchObject({ expiry: later, expiryCode: "27DEC24", name: "BTC-27DEC24" });
    expect(() => parseCcxtSymbol("BTC/USD:BTC-241227", Date.UTC(2024, 11, 28, 8))).toThrow(/expiry: expected a time in ms on 2024-12-27 \(UTC\)/);
    expect(() => parseCcxtSymbol("BTC/USD:BTC", at)).toThrow("expected no expiry for a perpetual");
  });

  it("parseAnyInstrument takes either spelling and returns the canonical instrument", () => {
    for (const [name, symbol] of PAIRS) {
      expect(parseAnyInstrument(symbol)).toEqual(parseAnyInstrument(name));
      expect(parseAnyInstrument(symbol).name).toBe(name);
    }
  });

  it("refuses malformed and unsupported ccxt symbols, naming the value and the expected forms", () => {
    const bad = [
      "BTC/USD", // spot, no settlement
      "BTC/USD:BTC-2412-60000-C", // short date
      "BTC/USD:BTC-241232", // no 32 December
      "BTC/USD:BTC-240230", // no 30 February
      "BTC/USD:BTC-241227-60000-X",
      "BTC/USD:BTC-241227-60000", // strike without C/P
      "BTC/USD:BTC-241227-0-C", // zero strike
      "btc/usd:btc",
      "ETH/USD:BTC", // quanto: settles in neither the base nor a stablecoin
      "BTC/USDT:BTC", // inverse with a non-USD quote
      "BTC/USD:USDC", // linear with quote ≠ settle
    ];
    for (const s of bad) expect(() => parseCcxtSymbol(s), s).toThrow(OffsetInputError);
    expect(() => parseCcxtSymbol("BTC/USD")).toThrow('instrument: expected a ccxt symbol: BASE/QUOTE:SETTLE, BASE/QUOTE:SETTLE-YYMMDD or BASE/QUOTE:SETTLE-YYMMDD-STRIKE-C|P, got "BTC/USD"');
    expect(() => parseCcxtSymbol("ETH/USD:BTC")).toThrow(/settlement currency equal to the base ETH \(inverse\) or a stablecoin .*got "BTC"/);
    expect(() => parseCcxtSymbol("BTC/USD:BTC-240230")).toThrow('expected a real calendar day as YYMMDD, got "240230"');
  });

  it("parseAnyInstrument shows both forms for a value that is neither", () => {
    expect(() => parseAnyInstrument("", "book.positions[0].instrument")).toThrow(
      /book\.positions\[0\]\.instrument: expected a Deribit name: .*; or a ccxt symbol: .*, got ""/,
    );
    expect(() => parseAnyInstrument(42 as unknown as string)).toThrow("got 42");
    expect(() => parseAnyInstrument("BTC")).toThrow(/instrument: expected a Deribit name: UND-PERPETUAL.*; or a ccxt symbol: BASE\/QUOTE:SETTLE.*got "BTC"/);
    // an error inside a well-shaped name stays precise
    expect(() => parseAnyInstrument("BTC-FOO")).toThrow('instrument (BTC-FOO): expected an expiry like 28MAR25 (day, month, two-digit year), got "FOO"');
  });
});
