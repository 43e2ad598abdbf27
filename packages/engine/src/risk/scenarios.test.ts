// The spot–vol link as scenario generators apply it (applySpotVolLinks) and as the ES fast path evaluates it on its
// curve (volShiftAt): the same function, bit for bit, so 1-D tables built on the curve sit exactly where the scenarios
// are; the links a set was made with travel with it (ScenarioSet.volLinks), through mixScenarioSets; and every
// generator records the range of its moves (ScenarioSet.range, the fast path's grid bounds) as a scan of the set finds it.
import { describe, expect, it } from "vitest";
import { createJsKernels, type Kernels } from "@offset/kernels";
import { allBackends } from "@offset/kernels/testing";
import { logReturns } from "./returns.js";
import {
  applySpotVolLinks, filteredHistoricalScenarios, historicalScenarios, mixScenarioSets, monteCarloScenarios, type ScenarioSet, type SpotVolLinks, volShiftAt,
} from "./scenarios.js";

const assets = ["BTC", "ETH", "SOL"];
const links: SpotVolLinks[] = [
  { beta: -0.386, volChange: "relative" }, // one link for every asset
  { BTC: { beta: -0.4, volChange: "relative", floor: 0.2 }, ETH: { beta: -0.3, volChange: "log" } }, // SOL: none
];

describe("applySpotVolLinks / volShiftAt", () => {
  it("give the same bits for every asset and move (relative with its floor binding, log, no link), and record the links", () => {
    const m = 400;
    const x = Float64Array.from({ length: m * assets.length }, (_, i) => Math.sin(i * 12.9898) * (i % 7 === 0 ? 4 : 0.3));
    for (const l of links) {
      const sc = { count: m, spotLogReturn: x, volShift: new Float64Array(x.length).fill(NaN) } as ScenarioSet;
      applySpotVolLinks(sc, assets, l);
      for (let s = 0; s < m; s++) for (let u = 0; u < assets.length; u++) expect(sc.volShift[s * 3 + u]).toBe(volShiftAt(l, assets[u]!, x[s * 3 + u]!));
      expect(sc.volLinks).toBe(l);
      // the floor binds for large moves of the relative form (1 + βx < floor): the case the curve must follow too
      if (l === links[0]) expect(Math.min(...sc.volShift)).toBeCloseTo(0.05 - 1, 12);
    }
    const none = { count: 1, spotLogReturn: Float64Array.of(0.1, 0.2, 0.3), volShift: new Float64Array(3) } as ScenarioSet;
    applySpotVolLinks(none, assets, undefined);
    expect(none.volLinks).toBeNull(); // no vol moves: still a (flat) curve
    expect([...none.volShift]).toEqual([0, 0, 0]);
  });

  it("MC sets carry their links; a mixture keeps them only when both parts share them", () => {
    const k = createJsKernels();
    const o = { assets, correlation: [[1, 0.5, 0.4], [0.5, 1, 0.6], [0.4, 0.6, 1]], vols: [0.03, 0.04, 0.05], scenarios: 50, seed: 3, spotVol: links[0] };
    const a = monteCarloScenarios(k, o);
    const b = monteCarloScenarios(k, { ...o, seed: 4 });
    expect(a.volLinks).toBe(links[0]);
    expect(mixScenarioSets(a, b, 0.25).volLinks).toBe(links[0]);
    expect(mixScenarioSets(a, monteCarloScenarios(k, { ...o, spotVol: links[1] }), 0.25).volLinks).toBeUndefined();
  });

  it("an MC set derives its vol shifts from its spot moves on first read (applySpotVolLinks' bits), and they stay assignable", async () => {
    for (const { name, k } of await allBackends()) {
      for (const l of [...links, undefined]) {
        const sc = monteCarloScenarios(k, { assets, correlation: [[1, 0.5, 0.4], [0.5, 1, 0.6], [0.4, 0.6, 1]], vols: [0.3, 0.4, 0.5], scenarios: 501, seed: 5, spotVol: l });
        const want = { count: sc.count, spotLogReturn: sc.spotLogReturn, volShift: new Float64Array(sc.count * 3) } as ScenarioSet;
        applySpotVolLinks(want, assets, l);
        expect(sc.volShift, name).toEqual(want.volShift);
        expect(sc.volShift, "kept once derived").toBe(sc.volShift);
        const mine = new Float64Array(sc.count * 3).fill(0.1);
        sc.volShift = mine;
        expect(sc.volShift).toBe(mine);
        expect({ ...sc }.volShift, "spreads like a field").toBe(mine);
      }
    }
  });
});

/** The range by a plain scan of the set (strict compares from ±∞, scenario by scenario). */
function scanRange(sc: ScenarioSet): { lo: number[]; hi: number[] } {
  const U = sc.assets.length;
  const lo = new Array<number>(2 * U).fill(Infinity);
  const hi = new Array<number>(2 * U).fill(-Infinity);
  for (let s = 0; s < sc.count; s++) {
    for (let u = 0; u < U; u++) {
      const [x, v] = [sc.spotLogReturn[s * U + u]!, sc.volShift[s * U + u]!];
      if (x < lo[u]!) lo[u] = x;
      if (v < lo[U + u]!) lo[U + u] = v;
      if (x > hi[u]!) hi[u] = x;
      if (v > hi[U + u]!) hi[U + u] = v;
    }
  }
  return { lo, hi };
}

describe("ScenarioSet.range", () => {
  it("MC (antithetic or not, odd counts, several streams), HS, FHS and mixtures record the range a scan finds", async () => {
    const backends: { name: string; k: Kernels }[] = await allBackends();
    const o = { assets, correlation: [[1, 0.5, 0.4], [0.5, 1, 0.6], [0.4, 0.6, 1]], vols: [0.03, 0.04, 0.05], scenarios: 2001, seed: 9, spotVol: links[1] };
    const sets: [string, ScenarioSet][] = [];
    for (const { name, k } of backends) {
      sets.push([`${name} MC`, monteCarloScenarios(k, o)]);
      sets.push([`${name} MC t, streams of 300, no antithetic`, monteCarloScenarios(k, { ...o, copula: { studentT: 4 }, streamSize: 300, antithetic: false })]);
      sets.push([`${name} MC 1 scenario`, monteCarloScenarios(k, { ...o, scenarios: 1 })]);
    }
    const dates = Array.from({ length: 300 }, (_, i) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10));
    const prices = assets.map((_, a) => Float64Array.from({ length: 300 }, (_, i) => 100 * Math.exp(0.05 * Math.sin(i * (a + 1) * 0.7) + 0.001 * i)));
    const r = logReturns({ dates, assets, prices });
    sets.push(["HS", historicalScenarios(r, { spotVol: links[0] })]);
    sets.push(["FHS", filteredHistoricalScenarios(r, { spotVol: links[1] })]);
    sets.push(["mixture", mixScenarioSets(sets[0]![1], monteCarloScenarios(createJsKernels(), { ...o, seed: 10 }), 0.25)]);
    for (const [label, sc] of sets) {
      const want = scanRange(sc);
      expect(Array.from(sc.range!.lo), label).toEqual(want.lo);
      expect(Array.from(sc.range!.hi), label).toEqual(want.hi);
    }
    // the same MC set on every backend
    const mc = sets.filter(([l]) => l.endsWith(" MC")).map(([, sc]) => sc);
    for (const sc of mc) expect(sc.range, "range on every backend").toEqual(mc[0]!.range);
  });
});
