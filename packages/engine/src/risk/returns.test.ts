import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedData } from "@offset/kernels/testing";
import { OffsetInputError } from "../errors.js";
import { logReturns, parsePriceCsv, priceHistoryFromRows, returnColumn, returnsFromCsv } from "./returns.js";

const CSV = "date,AAA,BBB\n2024-01-01,100,\n2024-01-02,110,50\n2024-01-03,99,55\n2024-01-04,,60\n2024-01-05,120,66\n2024-01-06,121,60\n";

describe("parsePriceCsv", () => {
  it("reads the header, dates and prices; an empty cell is NaN", () => {
    const h = parsePriceCsv(CSV);
    expect(h.assets).toEqual(["AAA", "BBB"]);
    expect(h.dates).toEqual(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]);
    expect(Array.from(h.prices[0]!)).toEqual([100, 110, 99, NaN, 120, 121]);
    expect(h.prices[1]![0]).toBeNaN();
  });

  it("CRLF, a byte-order mark, quoted fields, a text column skipped with `columns`", () => {
    const h = parsePriceCsv('\ufeffdate,dvol_close,source\r\n2021-03-24,95.04,"isayggyo/new"\r\n2021-03-25,,"a ""quoted"", note"\r\n2021-03-26,89.74,x\r\n', { columns: ["dvol_close"] });
    expect(h.assets).toEqual(["dvol_close"]);
    expect(Array.from(h.prices[0]!)).toEqual([95.04, NaN, 89.74]);
    expect(() => parsePriceCsv("date,dvol_close,source\n2021-03-24,95.04,isayggyo/new\n")).toThrow(/line 2.source: expected a finite price > 0 or an empty cell, got "isayggyo\/new"/);
  });

  it("bad input names the line, column and value", () => {
    expect(() => parsePriceCsv("")).toThrow(/header/);
    expect(() => parsePriceCsv("date,A\n2024-01-02,1\n2024-01-01,2\n")).toThrow(/line 3.date: expected a label after 2024-01-02/);
    expect(() => parsePriceCsv("date,A\n2024-01-01,1\n2024-01-01,2\n")).toThrow(/no duplicates/);
    expect(() => parsePriceCsv("date,A\n2024-01-01,0\n")).toThrow(/line 2.A: expected a finite price > 0/);
    expect(() => parsePriceCsv("date,A\n2024-01-01,-3\n")).toThrow(OffsetInputError);
    expect(() => parsePriceCsv("date,A\n2024-01-01,1,2\n")).toThrow(/line 2: expected 2 fields, got 3 fields/);
    expect(() => parsePriceCsv(CSV, { columns: ["CCC"] })).toThrow(/columns\[0\]: expected a value column/);
    expect(() => parsePriceCsv(CSV, { dateColumn: "when" })).toThrow(/dateColumn/);
  });
});

describe("logReturns", () => {
  const h = parsePriceCsv(CSV);

  it("missing: common (default) — the late listing cuts the start, an interior gap drops the returns touching it", () => {
    const r = logReturns(h);
    // returns end on rows 1..5; row 1 lacks BBB (not listed on row 0), rows 3 and 4 touch AAA's gap on row 3
    expect(r.dates).toEqual(["2024-01-03", "2024-01-06"]);
    expect(r.droppedRows).toBe(3);
    expect(r.columns).toBe(2);
    expect(r.data[0]).toBeCloseTo(Math.log(99 / 110), 15);
    expect(r.data[1]).toBeCloseTo(Math.log(55 / 50), 15);
    expect(r.data[2]).toBeCloseTo(Math.log(121 / 120), 15);
    expect(r.data[3]).toBeCloseTo(Math.log(60 / 66), 15);
    expect([r.horizon, r.overlapping, r.missing, r.fill]).toEqual([1, false, "common", "none"]);
  });

  it("missing: pairwise keeps every row with some return, NaN where an asset has none", () => {
    const r = logReturns(h, { missing: "pairwise" });
    expect(r.dates).toEqual(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]);
    expect(r.droppedRows).toBe(0);
    const a = returnColumn(r, "AAA");
    expect(a[0]).toBeCloseTo(Math.log(1.1), 15);
    expect(a[2]).toBeNaN();
    expect(a[3]).toBeNaN();
    expect(returnColumn(r, 1)[0]).toBeNaN();
  });

  it('fill: "previous" carries a price across an interior gap, never back before a listing', () => {
    const r = logReturns(h, { fill: "previous" });
    expect(r.filledPrices).toEqual([1, 0]);
    expect(r.dates).toEqual(["2024-01-03", "2024-01-04", "2024-01-05", "2024-01-06"]);
    const a = returnColumn(r, "AAA");
    expect(a[1]).toBe(0); // the gap day: price carried, return 0
    expect(a[2]).toBeCloseTo(Math.log(120 / 99), 15); // the move lands on the next row
  });

  it("horizons: non-overlapping anchored at the last row; overlapping every row", () => {
    const p = priceHistoryFromRows([[1], [2], [4], [8], [16], [32], [64]], { assets: ["X"] });
    const non = logReturns(p, { horizon: 2 });
    expect(non.dates).toEqual(["2", "4", "6"]); // rows 6, 4, 2 (from the last)
    for (const x of non.data) expect(x).toBeCloseTo(2 * Math.LN2, 15);
    const non3 = logReturns(p, { horizon: 4 });
    expect(non3.dates).toEqual(["6"]); // row 6 − 4 = 2; row 2 − 4 < 0
    const ov = logReturns(p, { horizon: 3, overlapping: true });
    expect(ov.dates).toEqual(["3", "4", "5", "6"]);
    expect(ov.overlapping).toBe(true);
    expect(logReturns(p, { horizon: 1, overlapping: true }).overlapping).toBe(false); // h = 1: the distinction is void
  });

  it("from/to window, asset subset and order; array input with null for no price", () => {
    const r = logReturns(h, { assets: ["BBB"], from: "2024-01-03", to: "2024-01-05" });
    expect(r.assets).toEqual(["BBB"]);
    expect(r.dates).toEqual(["2024-01-04", "2024-01-05"]);
    const p = priceHistoryFromRows([[1, null], [2, 3], [NaN, 4]]);
    expect(p.assets).toEqual(["asset0", "asset1"]);
    expect(logReturns(p, { missing: "pairwise" }).rows).toBe(2);
    expect(logReturns(p).rows).toBe(0);
  });

  it("bad input", () => {
    expect(() => logReturns(h, { horizon: 0 })).toThrow(/returns.horizon: expected an integer ≥ 1/);
    expect(() => logReturns(h, { horizon: 6 })).toThrow(/returns.window: expected more than 6 price rows/);
    expect(() => logReturns(h, { assets: ["ZZZ"] })).toThrow(/returns.assets\[0\]: expected one of AAA, BBB, got "ZZZ"/);
    expect(() => logReturns(h, { missing: "drop" as never })).toThrow(/returns.missing/);
    expect(() => logReturns(h, { fill: "linear" as never })).toThrow(/returns.fill/);
    expect(() => priceHistoryFromRows([[1, 2], [3]])).toThrow(/prices\[1\]: expected a row of 2 prices/);
    expect(() => priceHistoryFromRows([[1, -2]])).toThrow(/prices\[0\]\[1\]: expected a finite price > 0/);
    expect(() => priceHistoryFromRows([[1]], { assets: ["a", "b"] })).toThrow(/assets: expected 1 names/);
  });
});

describe("the shared price files", () => {
  const daily = sharedData("crypto_daily_close_usd.csv");
  it.skipIf(!daily)("daily closes: 8 coins share 1,776 returns from 2020-04-11 (SOL lists 2020-04-10); BTC alone has 4,314", () => {
    const text = readFileSync(daily!, "utf8");
    const all = returnsFromCsv(text);
    expect(all.assets).toEqual(["BTC", "ETH", "SOL", "BNB", "XRP", "DOGE", "ADA", "LTC"]);
    expect(all.rows).toBe(1776);
    expect(all.dates[0]).toBe("2020-04-11");
    expect(all.dates.at(-1)).toBe("2025-02-19");
    const btc = returnsFromCsv(text, { assets: ["BTC"] });
    expect(btc.rows).toBe(4314); // 4,315 closes (README), no gaps
    // the README's stress facts: BTC −0.4647 on 2020-03-12
    const i = btc.dates.indexOf("2020-03-12");
    expect(btc.data[i]).toBeCloseTo(-0.4647, 4);
    const weekly = returnsFromCsv(text, { assets: ["BTC"], horizon: 7 });
    expect(weekly.dates.at(-1)).toBe("2025-02-19");
    expect(weekly.rows).toBe(Math.floor(4314 / 7));
  });

  const hourly = sharedData("binance_hourly_close_usdt_2019_2021.csv");
  it.skipIf(!hourly)("hourly closes: the 12 missing hours (7 runs) cost 19 BTC returns, or none with fill: previous", () => {
    const text = readFileSync(hourly!, "utf8");
    const h = parsePriceCsv(text);
    expect(h.dates.length).toBe(891 * 24); // 2019-01-01T00 .. 2021-06-09T23
    const btc = logReturns(h, { assets: ["BTCUSDT"] });
    // runs of 1, 3, 1, 1, 1, 2, 3 missing hours: a run of k removes k + 1 returns → 19
    expect(btc.rows).toBe(h.dates.length - 1 - 19);
    const filled = logReturns(h, { assets: ["BTCUSDT"], fill: "previous" });
    expect(filled.filledPrices).toEqual([12]);
    expect(filled.rows).toBe(h.dates.length - 1);
    const four = logReturns(h);
    expect(four.dates[0]!.startsWith("2020-08-02T00")).toBe(true); // BNB and ADA start 2020-08-01T23:00
    console.log(`hourly file: ${btc.rows} BTC returns (19 lost to 12 missing hours); 4 pairs common: ${four.rows} from ${four.dates[0]}, ${four.droppedRows} rows dropped`);
  });
});
