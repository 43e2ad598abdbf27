import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OffsetInputError } from "../errors.js";
import { parseBook } from "../model.js";
import { bookFromDeribit, instrumentsFromDeribit, quotesFromDeribit } from "./deribit.js";

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const positions = fixture("deribit-get_positions.json");
const summaries = fixture("deribit-get_account_summaries.json");
const tickerOption = fixture("deribit-ticker-option.json");
const tickerPerp = fixture("deribit-ticker-perpetual.json");
const bookSummary = fixture("deribit-book_summary.json");
const instruments = fixture("deribit-get_instruments.json");

describe("bookFromDeribit", () => {
  it("turns private/get_positions into signed quantities in the underlying, with entry prices", () => {
    const book = bookFromDeribit({ positions, accountSummaries: summaries });
    expect(book.positions).toEqual([
      // a short inverse future of −10,000 USD at 50,000 is −0.2 BTC (size_currency), not −10,000
      // futures/perps: the settlement price (the balance holds the P&L up to it); options: the average price
      { instrument: "BTC-27DEC24", quantity: -0.2, entryPrice: 49900 },
      { instrument: "BTC-PERPETUAL", quantity: 0.5, entryPrice: 49950 },
      // options: size is already in BTC; the entry price stays in BTC (inverse option premium)
      { instrument: "BTC-27DEC24-60000-C", quantity: -3, entryPrice: 0.0415 },
      // the flat ETH put (direction "zero") is left out; linear perpetual: size is in SOL
      { instrument: "SOL_USDC-PERPETUAL", quantity: -40, entryPrice: 158.5 },
    ]);
    // collateral is the cash balance (not equity, which holds the options' value); the empty ETH account is left out
    expect(book.collateral).toEqual({ BTC: 1.2, USDC: 25000 });
    // and it is a valid Offset book
    expect(parseBook(book).positions.map((p) => p.quantity)).toEqual([-0.2, 0.5, -3, -40]);
  });

  it("accepts the bare result, the envelope, one envelope per currency, and single account summaries", () => {
    const bare = bookFromDeribit({ positions: positions.result });
    expect(bookFromDeribit({ positions }).positions).toEqual(bare.positions);
    const [btc, ...rest] = positions.result;
    const perCurrency = [{ jsonrpc: "2.0", id: 1, result: [btc] }, { jsonrpc: "2.0", id: 2, result: rest }];
    expect(bookFromDeribit({ positions: perCurrency }).positions).toEqual(bare.positions);
    const one = { jsonrpc: "2.0", id: 3, result: summaries.summaries[0] };
    expect(bookFromDeribit({ positions: [], accountSummaries: one }).collateral).toEqual({ BTC: 1.2 });
    expect(bookFromDeribit({ positions: [], accountSummaries: summaries.summaries }).collateral).toEqual({ BTC: 1.2, USDC: 25000 });
    expect(bookFromDeribit({ positions: [] })).toEqual({ positions: [], collateral: {} });
  });

  it("rebuilds the coin size as size / mark_price when size_currency is missing", () => {
    const p = { ...positions.result[0], size_currency: undefined };
    expect(bookFromDeribit({ positions: [p] }).positions[0]!.quantity).toBeCloseTo(-0.2, 15); // −10000 / 50000, one rounding
  });

  it("names the field path and the value in every error", () => {
    const bad = (patch: object, i = 0) => {
      const list = structuredClone(positions.result);
      Object.assign(list[i], patch);
      return () => bookFromDeribit({ positions: { jsonrpc: "2.0", id: 1, result: list } });
    };
    expect(bad({ size_currency: "abc" })).toThrow('deribit.positions.result[0].size_currency: expected a finite number, got "abc"');
    expect(bad({ direction: "long" })).toThrow('deribit.positions.result[0].direction: expected "buy", "sell" or "zero", got "long"');
    expect(bad({ size_currency: 0.2 })).toThrow('deribit.positions.result[0].size_currency: expected a size whose sign agrees with direction "sell", got 0.2');
    expect(bad({ size: null }, 2)).toThrow("deribit.positions.result[2].size: expected a finite number, got null");
    expect(bad({ instrument_name: "BTC-27DEC24-60000" }, 2)).toThrow('deribit.positions.result[2].instrument_name: expected a Deribit name');
    expect(bad({ kind: "option" })).toThrow('deribit.positions.result[0].kind: expected "future" for BTC-27DEC24, got "option"');
    expect(bad({ average_price: -1 })).toThrow("deribit.positions.result[0].average_price: expected an average price ≥ 0");
    expect(bad({ size_currency: undefined, mark_price: 0 })).toThrow("deribit.positions.result[0].mark_price: expected a mark price > 0 in USD (size_currency is missing");
    expect(() => bookFromDeribit({ positions: { jsonrpc: "2.0", id: 1, error: { code: 13009, message: "unauthorized" } } })).toThrow(
      'deribit.positions.error: expected a successful JSON-RPC response (with a result), got "13009 unauthorized"',
    );
    const dup = { summaries: [summaries.summaries[0], summaries.summaries[0]] };
    expect(() => bookFromDeribit({ positions: [], accountSummaries: dup })).toThrow('deribit.accountSummaries.summaries[1].currency: expected one account summary per currency, got "BTC"');
    expect(() => bookFromDeribit({ positions: [], accountSummaries: [{ currency: "BTC", equity: 1 }] })).toThrow(
      "deribit.accountSummaries[0].balance: expected the account's cash balance, a finite number, got undefined",
    );
    expect(() => bookFromDeribit({ positions: "x" })).toThrow(OffsetInputError);
  });
});

describe("quotesFromDeribit", () => {
  it("normalises a public/ticker option: IV percent → decimal, Greeks as published, 0 bid/ask IV = none", () => {
    expect(quotesFromDeribit([tickerOption])).toEqual([
      {
        instrument: "BTC-27DEC24-60000-C",
        timestamp: 1730000000000,
        markPrice: 0.0389, // BTC per BTC of underlying
        markIv: 0.653, // 65.3 % → 0.653
        bidIv: 64.1 / 100, // one correctly rounded division (0.6409999999999999), nothing more

        // ask_iv 0: Deribit's "no ask", left out
        underlyingPrice: 50350.12,
        indexPrice: 49800.55,
        interestRate: 0,
        openInterest: 1520.4,
        greeks: { delta: 0.325, gamma: 0.00002, vega: 103.5, theta: -34.1, rho: 22.8 },
      },
    ]);
  });

  it("keeps funding_8h for a perpetual, and accepts the bare result", () => {
    const [q] = quotesFromDeribit(tickerPerp.result);
    expect(q).toEqual({ instrument: "BTC-PERPETUAL", timestamp: 1730000000500, markPrice: 50000, indexPrice: 49800.55, openInterest: 502331250, funding8h: 0.0000855 });
  });

  it("reads book summaries: creation_timestamp, mark_iv; no index, no Greeks, no bid/ask IV", () => {
    const q = quotesFromDeribit(bookSummary);
    expect(q.map((x) => x.instrument)).toEqual(["BTC-27DEC24-60000-C", "BTC-27DEC24", "BTC-PERPETUAL"]);
    expect(q[0]).toEqual({ instrument: "BTC-27DEC24-60000-C", timestamp: 1730000001000, markPrice: 0.0389, markIv: 0.653, underlyingPrice: 50350.12, interestRate: 0, openInterest: 1520.4 });
    expect(q[1]).toEqual({ instrument: "BTC-27DEC24", timestamp: 1730000001000, markPrice: 50350.12, openInterest: 220000000 });
    expect(q[2]!.funding8h).toBe(0.0000855);
    expect(q.some((x) => x.indexPrice !== undefined || x.greeks !== undefined)).toBe(false);
  });

  it("mixes tickers and summaries in one batch, and throws on the one broken entry, naming it", () => {
    expect(quotesFromDeribit([tickerOption, tickerPerp, ...bookSummary])).toHaveLength(5);
    const broken = structuredClone(bookSummary);
    broken[0].mark_iv = "65.3";
    expect(() => quotesFromDeribit(broken)).toThrow('deribit.quotes[0].mark_iv: expected an implied volatility in percent (Deribit), > 0, got "65.3"');
    broken[0].mark_iv = 65.3;
    delete broken[2].creation_timestamp;
    expect(() => quotesFromDeribit(broken)).toThrow("deribit.quotes[2].timestamp: expected a time in ms (ticker `timestamp` or book summary `creation_timestamp`), got undefined");
    const combo = { ...bookSummary[1], instrument_name: "BTC-FS-27DEC24_PERP" };
    expect(() => quotesFromDeribit([combo])).toThrow("deribit.quotes[0].instrument_name");
    const t = structuredClone(tickerOption);
    t.result.greeks.vega = null;
    t.result.mark_price = -1;
    expect(() => quotesFromDeribit(t)).toThrow("deribit.quotes.result.mark_price: expected a mark price ≥ 0 (coin for inverse options, USD otherwise), got -1");
  });
});

describe("instrumentsFromDeribit", () => {
  it("gives canonical instruments with contract size, settlement and the exact expiry; combos left out", () => {
    const list = instrumentsFromDeribit(instruments);
    expect(list).toEqual([
      { name: "BTC-PERPETUAL", underlying: "BTC", kind: "perpetual", settlement: "inverse", settlementCurrency: "BTC", contractSize: 10 },
      { name: "BTC-27DEC24", underlying: "BTC", kind: "future", settlement: "inverse", settlementCurrency: "BTC", contractSize: 10, expiry: Date.UTC(2024, 11, 27, 8), expiryCode: "27DEC24" },
      {
        name: "BTC-27DEC24-60000-C",
        underlying: "BTC",
        kind: "option",
        settlement: "inverse",
        settlementCurrency: "BTC",
        contractSize: 1,
        expiry: Date.UTC(2024, 11, 27, 8),
        expiryCode: "27DEC24",
        strike: 60000,
        isCall: true,
      },
      {
        name: "XRP_USDC-30JUN23-0d625-C",
        underlying: "XRP",
        kind: "option",
        settlement: "linear",
        settlementCurrency: "USDC",
        contractSize: 1000,
        expiry: Date.UTC(2023, 5, 30, 8),
        expiryCode: "30JUN23",
        strike: 0.625,
        isCall: true,
      },
    ]);
  });

  it("handles a name the parser cannot read from the fields alone, and refuses fields that contradict the name", () => {
    const odd = { ...instruments.result[2], instrument_name: "BTC-27DEC24-60000-C-W" };
    expect(instrumentsFromDeribit([odd])[0]).toMatchObject({ name: "BTC-27DEC24-60000-C-W", kind: "option", strike: 60000, contractSize: 1 });
    const wrong = { ...instruments.result[2], strike: 65000 };
    expect(() => instrumentsFromDeribit([wrong])).toThrow('deribit.instruments[0]: expected fields that describe BTC-27DEC24-60000-C (they describe BTC-27DEC24-65000-C), got "BTC-27DEC24-60000-C"');
    expect(() => instrumentsFromDeribit([{ ...instruments.result[1], contract_size: 0 }])).toThrow("deribit.instruments[0].contract_size: expected a contract size > 0");
    expect(() => instrumentsFromDeribit([{ ...instruments.result[2], option_type: "C" }])).toThrow('deribit.instruments[0].option_type: expected "call" or "put", got "C"');
  });
});
