import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OffsetInputError } from "../errors.js";
import { parseBook } from "../model.js";
import { bookFromCcxt, quotesFromCcxt } from "./ccxt.js";

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const positions = fixture("ccxt-positions.json");
const balance = fixture("ccxt-balance.json");
const balanceDeribit = fixture("ccxt-balance-deribit.json");
const tickers = fixture("ccxt-tickers.json");
const greeks = fixture("ccxt-greeks.json");

describe("bookFromCcxt", () => {
  it("signs contracts by side and multiplies by contractSize; inverse futures go from USD to coin", () => {
    const book = bookFromCcxt({ positions, balance });
    expect(book.positions).toEqual([
      // Deribit via ccxt: `contracts` holds Deribit's USD size; info.size_currency gives the coin size
      // a Deribit future through ccxt: entry = info.settlement_price (the balance holds the P&L up to it)
      { instrument: "BTC-27DEC24", quantity: -0.2, entryPrice: 49900 },
      // a short of 3 contracts of size 0.1 ETH is −0.3 ETH
      { instrument: "ETH_USDC-28MAR25-3000-P", quantity: -0.3, entryPrice: 212.5 },
      // inverse perpetual elsewhere: 5000 contracts × 1 USD / 50,000 = 0.1 BTC
      { instrument: "BTC-PERPETUAL", quantity: 0.1, entryPrice: 48000 },
      // linear: 150 × 0.001 BTC
      { instrument: "BTC_USDT-PERPETUAL", quantity: 0.15, entryPrice: 49000.1 },
      // the 0-contract ETH position is left out
    ]);
    expect(3 * 0.1).not.toBe(0.3); // why the adapter rounds the product to 15 significant digits
    // Balance total per currency; zeros and ccxt's undefined (null in JSON) totals left out
    expect(book.collateral).toEqual({ BTC: 1.2, USDT: 5000 });
    expect(parseBook(book).positions).toHaveLength(4);
  });

  it("uses the cash balance, not ccxt's total (= equity), for a Deribit account summary", () => {
    expect(bookFromCcxt({ positions: [], balance: balanceDeribit }).collateral).toEqual({ BTC: 1.2 });
    expect(() => bookFromCcxt({ positions: [], balance: [balanceDeribit, balance] })).toThrow("ccxt.balance[1].total.BTC: expected one balance per currency (BTC appears twice), got 1.2");
  });

  it("takes exact expiries from ccxt markets", () => {
    const at = Date.UTC(2025, 2, 28, 8);
    const markets = { "ETH/USDC:USDC-250328-3000-P": { symbol: "ETH/USDC:USDC-250328-3000-P", expiry: at, contractSize: 0.1 } };
    expect(bookFromCcxt({ positions: [positions[1]], markets }).positions[0]!.instrument).toBe("ETH_USDC-28MAR25-3000-P");
    const wrongDay = { "ETH/USDC:USDC-250328-3000-P": { expiry: Date.UTC(2025, 2, 29, 8) } };
    expect(() => bookFromCcxt({ positions: [positions[1]], markets: wrongDay })).toThrow("ccxt.positions[0].symbol (ETH/USDC:USDC-250328-3000-P) expiry: expected a time in ms on 2025-03-28 (UTC)");
  });

  it("names the field path and the value in every error", () => {
    const bad = (patch: object, i = 1) => {
      const list = structuredClone(positions);
      Object.assign(list[i], patch);
      return () => bookFromCcxt({ positions: list });
    };
    expect(bad({ side: "sell" })).toThrow('ccxt.positions[1].side: expected "long" or "short", got "sell"');
    expect(bad({ contracts: "3" })).toThrow('ccxt.positions[1].contracts: expected a finite number of contracts, got "3"');
    expect(bad({ contracts: -3, side: "long" })).toThrow('ccxt.positions[1].contracts: expected a count whose sign agrees with side "long", got -3');
    expect(bad({ contractSize: undefined })).toThrow("ccxt.positions[1].contractSize: expected a contract size > 0 in units of the underlying, got undefined");
    expect(bad({ markPrice: null }, 2)).toThrow("ccxt.positions[2].markPrice: expected a mark price > 0 in USD (an inverse contract's coin size is USD / mark), got null");
    expect(bad({ symbol: "BTC-PERPETUAL" })).toThrow('ccxt.positions[1].symbol: expected a ccxt symbol: BASE/QUOTE:SETTLE');
    expect(() => bookFromCcxt({ positions: [], balance: { total: { BTC: "1" } } })).toThrow('ccxt.balance.total.BTC: expected a finite number, got "1"');
    expect(() => bookFromCcxt({ positions: [], balance: {} })).toThrow("ccxt.balance.total: expected balances by currency");
    expect(() => bookFromCcxt({ positions: [], balance: [balance, balance] })).toThrow("ccxt.balance[1].total.BTC: expected one balance per currency (BTC appears twice), got 1.2");
    expect(() => bookFromCcxt(null as never)).toThrow(OffsetInputError);
  });
});

describe("quotesFromCcxt", () => {
  it("merges a symbol's ticker and Greeks; Deribit's IV through ccxt is percent and becomes decimal", () => {
    const q = quotesFromCcxt({ tickers, greeks, exchange: "deribit" });
    expect(q).toEqual([
      {
        instrument: "BTC-27DEC24-60000-C",
        timestamp: 1730000000000,
        markPrice: 0.0389,
        indexPrice: 49800.55,
        underlyingPrice: 50350.12,
        markIv: 0.653, // ccxt passed Deribit's 65.3 through
        bidIv: 64.1 / 100,
        // askImpliedVolatility 0 = no ask
        greeks: { delta: 0.325, gamma: 0.00002, vega: 103.5, theta: -34.1, rho: 22.8 },
      },
      // no unified markPrice on this ticker: the venue's info.mark_price
      { instrument: "BTC-PERPETUAL", timestamp: 1730000000500, markPrice: 50000, indexPrice: 49800.55 },
      // Greeks without a ticker: a quote of its own, priced from the Greeks' markPrice
      {
        instrument: "BTC-27DEC24-50000-P",
        timestamp: 1730000000200,
        markPrice: 0.0617,
        underlyingPrice: 50350.12,
        markIv: 0.608,
        bidIv: 0.602,
        askIv: 0.614,
        greeks: { delta: -0.41, gamma: 0.000031, vega: 118.9, theta: -41.2, rho: -30.1 },
      },
    ]);
  });

  it("takes decimal IVs from other venues, drops their Greeks (their own units), and refuses to guess the unit", () => {
    const okx = structuredClone(greeks).map((g: any) => ({ ...g, markImpliedVolatility: g.markImpliedVolatility / 100, bidImpliedVolatility: 0, askImpliedVolatility: undefined }));
    const q = quotesFromCcxt({ greeks: okx, exchange: "okx" });
    expect(q[0]).toEqual({ instrument: "BTC-27DEC24-60000-C", timestamp: 1730000000000, markPrice: 0.0389, underlyingPrice: 50350.12, markIv: 0.653 });
    expect(quotesFromCcxt({ greeks: okx, ivUnit: "decimal" })[1]!.markIv).toBe(0.608);
    expect(() => quotesFromCcxt({ greeks })).toThrow(/ccxt\.ivUnit: expected "percent" or "decimal", or ccxt\.exchange: ccxt passes the venue's IV through .* ccxt\.greeks\[0\]\.markImpliedVolatility is 65\.3/);
    expect(() => quotesFromCcxt({ greeks, exchange: "okx" })).toThrow("ccxt.greeks[0].markImpliedVolatility: expected an implied volatility in decimal, in (0, 10] (is it percent? set ivUnit), got 65.3");
    expect(quotesFromCcxt({ greeks, ivUnit: "percent" })[0]!.markIv).toBe(0.653);
    // tickers alone need no IV unit
    expect(quotesFromCcxt({ tickers })).toHaveLength(2);
  });

  it("throws on the one broken entry of a batch, naming it", () => {
    const t = structuredClone(tickers);
    t["BTC/USD:BTC"].info.mark_price = "n/a";
    expect(() => quotesFromCcxt({ tickers: t })).toThrow('ccxt.tickers["BTC/USD:BTC"].info.mark_price: expected a mark price ≥ 0 (ticker markPrice, or info.mark_price / info.markPrice), got "n/a"');
    delete t["BTC/USD:BTC"].info.mark_price;
    expect(() => quotesFromCcxt({ tickers: t })).toThrow('ccxt.tickers["BTC/USD:BTC"].markPrice: expected a mark price ≥ 0');
    const g = structuredClone(greeks);
    g[1].timestamp = undefined;
    expect(() => quotesFromCcxt({ greeks: g, exchange: "deribit" })).toThrow("ccxt.greeks[1].timestamp: expected a time in ms since the epoch, got undefined");
    expect(() => quotesFromCcxt({ greeks: [{ ...greeks[0], symbol: "BTC/USD:BTC" }], exchange: "deribit" })).toThrow(
      'ccxt.greeks[0].symbol: expected an option\'s symbol (Greeks are for options), got "BTC/USD:BTC"',
    );
    expect(() => quotesFromCcxt({})).toThrow("ccxt: expected tickers, greeks or both");
    expect(() => quotesFromCcxt({ tickers, ivUnit: "pct" as never })).toThrow('ccxt.ivUnit: expected "percent" or "decimal", got "pct"');
  });
});
