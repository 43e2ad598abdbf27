import { readFileSync } from "node:fs";
import { sharedData } from "@offset/kernels/testing";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { tickerFromChainRow } from "../adapters/deribit-chain.js";
import { createEngine, marketFromQuotes, OffsetInputError, parseMarket, quotesFromDeribit } from "../index.js";

const chain = sharedData("deribit_btc_option_chain_2020-05-14.csv");

describe("market snapshots", () => {
  it.skipIf(!chain)("round-trip: Deribit quotes → snapshot → Offset JSON → snapshot gives identical values", async () => {
    const rows = parse(readFileSync(chain!, "utf8"), { columns: true }) as Record<string, string>[];
    const { market, diagnostics } = marketFromQuotes(quotesFromDeribit(rows.map((r) => tickerFromChainRow(r))));
    const json = JSON.stringify(market);
    expect(JSON.parse(json)).toEqual(market);
    const engine = await createEngine();
    // a book mixing listed options (own marks) and unlisted strikes/expiries (SVI surface, interpolated in time)
    const book = {
      positions: [
        { instrument: "BTC-26JUN20-9000-C", quantity: -3 },
        { instrument: "BTC-26JUN20-9100-P", quantity: 2 },
        { instrument: "BTC-31JUL20-10000-C", quantity: 1 },
        { instrument: "BTC-25SEP20", quantity: -0.5, entryPrice: 9500 },
      ],
      collateral: { BTC: 2 },
    };
    const a = engine.value(book, market);
    const b = engine.value(book, JSON.parse(json));
    expect(b).toEqual(a); // exact: JSON keeps every double (shortest round-trip representation)
    expect(a.positions[1]!.volSource).toBe("surface");
    expect(a.positions[2]!.volSource).toBe("surface");
    // every expiry with enough marks got an SVI slice, free of butterfly arbitrage on this data
    for (const d of diagnostics.filter((x) => x.options >= 10)) expect(d.fit?.butterfly.ok, d.expiry).toBe(true);
    expect(parseMarket(JSON.parse(json)).surfaces.BTC!.arbitrage().calendar.every((c) => c.ok)).toBe(true);
  });

  it("derives the forward by put–call parity when the quotes carry none (coin premia)", () => {
    // Coin-settled call and put at K with F = 10,000, r = 0: C·F − P·F = F − K → C − P = 1 − K/F.
    const F = 10_000;
    const q = (strike: number, type: string, price: number) => ({ instrument: `BTC-26JUN20-${strike}-${type}`, timestamp: 1_590_000_000_000, markPrice: price, indexPrice: 9990 });
    const quotes = [q(9000, "C", 0.15 + (1 - 9000 / F)), q(9000, "P", 0.15), q(10000, "C", 0.12), q(10000, "P", 0.12), q(11000, "C", 0.1), q(11000, "P", 0.1 + (11000 / F - 1))];
    const { market } = marketFromQuotes(quotes, { fit: false });
    expect(market.underlyings.BTC!.expiries["26JUN20"]!.forwardSource).toBe("parity");
    expect(market.underlyings.BTC!.expiries["26JUN20"]!.forward).toBeCloseTo(F, 8);
  });

  it("names bad snapshot fields", () => {
    expect(() => parseMarket({ asOf: "yesterday", underlyings: {} })).toThrow(OffsetInputError);
    expect(() => parseMarket("{}")).toThrow('market: expected an object, got "{}"');
    expect(() => parseMarket({ asOf: "2020-05-14T00:00:00Z", underlyings: { BTC: { index: -1 } } })).toThrow("market.underlyings.BTC.index: expected an index price > 0 in USD, got -1");
    expect(() =>
      parseMarket({ asOf: "2020-05-14T00:00:00Z", underlyings: { BTC: { index: 9000, expiries: { "26JUN20": { forward: 9000, marks: { "BTC-26JUN20-9000-C": { iv: 65 } } } } } } }),
    ).not.toThrow(); // 65 (percent by mistake) is a valid, if absurd, decimal vol: adapters convert venue units
    expect(() => parseMarket({ asOf: "2020-05-14T00:00:00Z", underlyings: { BTC: { index: 9000, expiries: { "13MAY20": { forward: 9000 } } } } })).toThrow(
      "an expiry after asOf",
    );
  });
});
