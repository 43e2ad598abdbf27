import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedData } from "@offset/kernels/testing";
import { parsePriceCsv, priceHistoryFromRows } from "./returns.js";
import { spotVolMultiplier, spotVolRegression, validateSpotVolLink } from "./spot-vol.js";

const dates = Array.from({ length: 8 }, (_, i) => `2024-01-0${i + 1}`);

describe("spotVolRegression", () => {
  it("an exact relative link is recovered (β, R² = 1, SE 0)", () => {
    const spot = [100, 95, 99, 90, 92, 97, 88, 91];
    const vol = [50];
    for (let i = 1; i < spot.length; i++) vol.push(vol[i - 1]! * (1 - 0.8 * Math.log(spot[i]! / spot[i - 1]!)));
    const s = priceHistoryFromRows(spot.map((x) => [x]), { assets: ["BTC"], dates });
    const v = priceHistoryFromRows(vol.map((x) => [x]), { assets: ["DVOL"], dates });
    const r = spotVolRegression(s, v);
    expect(r.beta).toBeCloseTo(-0.8, 13);
    expect(r.intercept).toBeCloseTo(0, 14);
    expect(r.rSquared).toBeCloseTo(1, 13);
    expect(r.standardError).toBeLessThan(1e-12);
    expect(r.observations).toBe(7);
  });

  it("a hand OLS: x = log returns, y = relative vol changes; SE = √(RSS/(n−2)/Sxx)", () => {
    // spot e^0, e^0.1, e^0, e^0.2 → x = 0.1, −0.1, 0.2; vol 100, 90, 99, 99 → y = −0.1, 0.1, 0
    const s = priceHistoryFromRows([[1], [Math.exp(0.1)], [1], [Math.exp(0.2)]], { dates: dates.slice(0, 4) });
    const v = priceHistoryFromRows([[100], [90], [99], [99]], { dates: dates.slice(0, 4) });
    const r = spotVolRegression(s, v);
    // x̄ = 0.2/3, ȳ = 0; Sxx = 0.01 + 0.01 + 0.04 − 3·(0.2/3)² = 0.14/3; Sxy = −0.01 − 0.01 + 0 = −0.02; Syy = 0.02
    // β = −0.02/(0.14/3) = −3/7; RSS = Syy − β·Sxy = 0.02 − 0.06/7 = 0.08/7; SE = √((0.08/7)/(n − 2) / (0.14/3)) = √12/7;
    // R² = 1 − RSS/Syy = 3/7; intercept = ȳ − β·x̄ = (3/7)(0.2/3) = 1/35
    expect(r.beta).toBeCloseTo(-3 / 7, 12);
    expect(r.standardError).toBeCloseTo(Math.sqrt(12) / 7, 12);
    expect(r.rSquared).toBeCloseTo(3 / 7, 12);
    expect(r.intercept).toBeCloseTo(1 / 35, 12);
    expect(r.correlation).toBeCloseTo(-Math.sqrt(3 / 7), 12);
  });

  it("dates are matched by label; a missing vol day drops both changes touching it (counted)", () => {
    const s = priceHistoryFromRows([[100], [101], [99], [98], [100], [103], [104]], { dates: dates.slice(0, 7) });
    const v = priceHistoryFromRows([[60], [59], [null], [62], [61], [63]], { dates: [dates[0]!, dates[1]!, dates[2]!, dates[3]!, dates[5]!, dates[6]!] });
    expect(() => spotVolRegression(s, v)).toThrow(/at least 3 dates/);
    const r = spotVolRegression(priceHistoryFromRows([[100], [101], [99], [98], [100], [103], [104], [102]], { dates }), priceHistoryFromRows([[60], [59], [null], [62], [61], [63], [64]], { dates: [dates[0]!, dates[1]!, dates[2]!, dates[3]!, dates[5]!, dates[6]!, dates[7]!] }));
    // the spot grid 01..08; vol has an empty cell on 03 and no row for 05 → changes ending 02, 07 and 08 are used;
    // 03, 04 (the empty cell) and 05, 06 (the absent row: not spanned) are dropped; up to 07 only 2 remain (an error)
    expect(r.dropped).toBe(4);
    expect(r.observations).toBe(3);
    expect([r.from, r.to]).toEqual(["2024-01-02", "2024-01-08"]);
  });

  const btcFile = sharedData("crypto_daily_close_usd.csv");
  const dvolFile = sharedData("deribit_dvol_btc_daily.csv");
  // Independent check: numpy.linalg.lstsq on the same pairs (Python csv reader, dates where BTC and DVOL have both
  // ends), run once: β = −0.3855635011906151 (SE 0.04326045118259061, R² 0.05499356283134005) relative;
  // β = −0.3624017675361049 (SE 0.04191183026160873, R² 0.05192963627563085) log; n = 1367.
  it.skipIf(!btcFile || !dvolFile)("BTC vs DVOL daily, 2021-03-24..2025-02-19: β matches numpy's least squares", () => {
    const spot = parsePriceCsv(readFileSync(btcFile!, "utf8"), { columns: ["BTC"] });
    const vol = parsePriceCsv(readFileSync(dvolFile!, "utf8"), { columns: ["dvol_close"] });
    const rel = spotVolRegression(spot, vol);
    const log = spotVolRegression(spot, vol, { volChange: "log" });
    // 1e-12: the same sums in a different order
    expect(rel.observations).toBe(1367);
    expect(rel.beta).toBeCloseTo(-0.3855635011906151, 12);
    expect(rel.standardError).toBeCloseTo(0.04326045118259061, 12);
    expect(rel.rSquared).toBeCloseTo(0.05499356283134005, 12);
    expect(log.beta).toBeCloseTo(-0.3624017675361049, 12);
    expect(log.standardError).toBeCloseTo(0.04191183026160873, 12);
    const weekly = spotVolRegression(spot, vol, { horizon: 7 });
    const y2022 = spotVolRegression(spot, vol, { from: "2022-01-01", to: "2022-12-31" });
    const y2024 = spotVolRegression(spot, vol, { from: "2024-01-01", to: "2024-12-31" });
    const fmt = (r: typeof rel) => `β ${r.beta.toFixed(3)} ± ${r.standardError.toFixed(3)}, R² ${r.rSquared.toFixed(3)}, n ${r.observations}`;
    console.log(`DVOL on BTC ${rel.from}..${rel.to}: relative ${fmt(rel)} (${rel.dropped} dropped for DVOL gaps); log ${fmt(log)}; weekly ${fmt(weekly)}; 2022 ${fmt(y2022)}; 2024 ${fmt(y2024)}`);
  });

  it("bad input", () => {
    const s = priceHistoryFromRows([[1], [2], [3]], { dates: dates.slice(0, 3) });
    expect(() => spotVolRegression(s, s, { volChange: "abs" as never })).toThrow(/volChange/);
    expect(() => spotVolRegression(s, s, { horizon: 1.5 })).toThrow(/horizon/);
    expect(() => spotVolRegression(s, s, { spotAsset: "ETH" })).toThrow(/spotAsset: expected one of asset0/);
    expect(() => spotVolRegression(s, s)).toThrow(/at least 3 dates/);
  });
});

describe("spotVolMultiplier", () => {
  it("relative with its floor, log form; validation", () => {
    const link = { beta: -0.4, volChange: "relative" as const };
    expect(spotVolMultiplier(link, -0.2)).toBeCloseTo(1.08, 15); // a 20% (log) sell-off lifts vol by 8%
    expect(spotVolMultiplier(link, 3)).toBe(0.05); // 1 − 1.2 < 0: floored
    expect(spotVolMultiplier({ ...link, floor: 0.5 }, 2)).toBe(0.5);
    expect(spotVolMultiplier({ beta: -0.4, volChange: "log" }, -0.2)).toBeCloseTo(Math.exp(0.08), 15);
    expect(() => validateSpotVolLink({ beta: NaN, volChange: "log" })).toThrow(/spotVolLink.beta/);
    expect(() => validateSpotVolLink({ beta: 1, volChange: "log", floor: 0 })).toThrow(/floor/);
    expect(() => spotVolMultiplier(link, Infinity)).toThrow(/spotLogMove/);
  });
});
