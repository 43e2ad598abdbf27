// The spot–vol link as scenario generators apply it (applySpotVolLinks) and as the ES fast path evaluates it on its
// curve (volShiftAt): the same function, bit for bit, so 1-D tables built on the curve sit exactly where the scenarios
// are; and the links a set was made with travel with it (ScenarioSet.volLinks), through mixScenarioSets.
import { describe, expect, it } from "vitest";
import { createJsKernels } from "@offset/kernels";
import { applySpotVolLinks, mixScenarioSets, monteCarloScenarios, type ScenarioSet, type SpotVolLinks, volShiftAt } from "./scenarios.js";

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
});
