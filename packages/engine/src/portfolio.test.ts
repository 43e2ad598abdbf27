import { describe, expect, it } from "vitest";
import { createEngine, OffsetInputError, parseBook, parseInstrument, parseMarket, resolveBook, scenarioPnl, valuePositions } from "./index.js";

const market = parseMarket({
  asOf: "2025-02-20T00:00:00Z",
  underlyings: { BTC: { spot: 100_000, smile: { atm: 0.5 } }, ETH: { spot: 2500, carry: 0.05, smile: { atm: 0.6 } } },
});

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
});

describe("book valuation and scenario P&L", () => {
  it("has zero P&L in the unmoved scenario and the textbook P&L for futures and collateral", async () => {
    const engine = await createEngine();
    const book = parseBook({
      positions: [
        { instrument: "BTC-28MAR25-100000-C", quantity: -3 },
        { instrument: "BTC-28MAR25", quantity: 2 },
        { instrument: "ETH_USDC-PERPETUAL", quantity: -10 },
      ],
      collateral: { BTC: 1, USDC: 5000 },
    });
    const r = resolveBook(book, market);
    const base = valuePositions(engine.kernels, r);
    const m = 0.9; // BTC −10%, ETH +20%
    const pnl = scenarioPnl(engine.kernels, r, base, {
      count: 2,
      spotLogReturn: Float64Array.of(0, 0, Math.log(m), Math.log(1.2)),
      volShift: new Float64Array(4),
    });
    expect(pnl[0]).toBe(0);
    // Inverse future, 2 BTC of USD notional at F: coin P&L 2·(1 − F/F') = 2·(1 − 1/m), worth S' = m·S in USD;
    // the linear ETH perp −10·2500·0.2; the BTC collateral 1·S·(m − 1); the short call revalued by Black-76.
    const call = engine.black76({ forward: 100_000 * m, strike: 100_000, timeToExpiry: r.positions[0]!.timeToExpiry, vol: 0.5, isCall: true });
    const callAfterUsd = (-3 * call.price) / (100_000 * m) * (100_000 * m);
    const expected = callAfterUsd - base[0]!.valueUsd + 2 * (1 - 1 / m) * 100_000 * m - 10 * 2500 * 0.2 + 100_000 * (m - 1);
    expect(pnl[1]).toBeCloseTo(expected, 6);
  });

  it("refuses an expired instrument and an underlying the market lacks", () => {
    expect(() => resolveBook(parseBook({ positions: [{ instrument: "BTC-27DEC24-60000-C", quantity: 1 }] }), market)).toThrow(
      "an instrument expiring after the market time 2025-02-20T00:00:00Z",
    );
    expect(() => resolveBook(parseBook({ positions: [{ instrument: "SOL-PERPETUAL", quantity: 1 }] }), market)).toThrow("an entry for SOL");
  });
});
