// gridAggregate (js/grid.ts, assembly/grid.ts) on every backend: edge cases first (no legs, a leg without terms, no
// extreme loss above the dampener, NaN in a vector, ties), a hand-computed two-leg case, then js/wasm/wasm-simd bit
// parity on random legs (odd and even K, both term forms) against a plain reference written from the definitions.
import { beforeAll, describe, expect, it } from "vitest";
import { allBackends } from "./testing.js";
import type { GridAggregateInputs, GridAggregateOutputs, GridFinishInputs, GridFinishOutputs, Kernels } from "./types.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

const out = (n: number): GridAggregateOutputs => ({ loss: new Float64Array(5 * n).fill(-7), at: new Int32Array(2 * n).fill(-7) });

/** One plan of K = 4 shocks; scenarios: standard on shocks 0,1,2, extreme (w 0.5) on 3, basis on 1. */
function onePlan(): Pick<GridAggregateInputs, "planK" | "planScen" | "scenShock" | "scenKind" | "scenWeight"> {
  return {
    planK: Int32Array.of(4),
    planScen: Int32Array.of(0, 5),
    scenShock: Int32Array.of(0, 1, 2, 3, 1),
    scenKind: Int32Array.of(0, 0, 0, 1, 3),
    scenWeight: Float64Array.of(1, 1, 1, 0.5, 1),
  };
}

/** The definitions of js/grid.ts written plainly (arrays of numbers, no typed-array reuse). */
function reference(i: GridAggregateInputs): { loss: number[]; at: number[] } {
  const loss: number[] = [];
  const at: number[] = [];
  for (let l = 0; l < i.legPlan.length; l++) {
    const p = i.legPlan[l]!;
    const K = i.planK[p]!;
    const acc: number[] = new Array(K).fill(0);
    for (let t = i.legTerm[l]!; t < i.legTerm[l + 1]!; t++) {
      for (let k = 0; k < K; k++) {
        const cv = i.termCoef[t]! * i.pool[i.termVec[t]! + k]!;
        acc[k] = acc[k]! + (i.termScaleVec[t]! < 0 ? cv : cv * i.termScale[t]! * i.pool[i.termScaleVec[t]! + k]!);
      }
    }
    let g = -1;
    let e = 0;
    let ea = -1;
    let ep = NaN;
    let b = 0;
    for (let s = i.planScen[p]!; s < i.planScen[p + 1]!; s++) {
      const x = acc[i.scenShock[s]!]!;
      const j = s - i.planScen[p]!;
      const kind = i.scenKind[s]!;
      if (kind === 0 || kind === 2) {
        if (g < 0 || x < acc[i.scenShock[i.planScen[p]! + g]!]!) g = j;
      } else if (kind === 1) {
        const v = Math.max(0, i.scenWeight[s]! * -x - i.legDamp[l]!);
        if (v > e) [e, ea, ep] = [v, j, x];
      } else b = Math.max(b, -x);
    }
    const gp = g < 0 ? NaN : acc[i.scenShock[i.planScen[p]! + g]!]!;
    loss.push(g < 0 ? NaN : Math.max(0, -gp), e, b, gp, ep);
    at.push(g, ea);
  }
  return { loss, at };
}

describe("gridAggregate", () => {
  it("no legs: nothing written", () => {
    for (const { k } of backends) {
      const o = out(0);
      k.gridAggregate({ ...onePlan(), legPlan: new Int32Array(0), legTerm: Int32Array.of(0), legDamp: new Float64Array(0), termCoef: new Float64Array(0), termScale: new Float64Array(0), termVec: new Int32Array(0), termScaleVec: new Int32Array(0), pool: new Float64Array(0) }, o);
      expect(o.loss.length).toBe(0);
    }
  });

  it("a leg without terms has zero P&L: grid loss 0 at the first standard scenario, no extreme, no basis", () => {
    for (const { name, k } of backends) {
      const o = out(1);
      k.gridAggregate({ ...onePlan(), legPlan: Int32Array.of(0), legTerm: Int32Array.of(0, 0), legDamp: Float64Array.of(0), termCoef: new Float64Array(0), termScale: new Float64Array(0), termVec: new Int32Array(0), termScaleVec: new Int32Array(0), pool: new Float64Array(0) }, o);
      expect([...o.loss], name).toEqual([0, 0, 0, 0, NaN]);
      expect([...o.at], name).toEqual([0, -1]);
    }
  });

  it("hand-computed: two legs, both term forms, dampener, ties keep the first scenario", () => {
    // pool: V = [−1, 2, −1, −4] at 0, E = [1, 2, 3, 4] at 4, em1 = [0.5, 0.5, 0.5, 0.5] at 8
    const pool = Float64Array.of(-1, 2, -1, -4, 1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5);
    const i: GridAggregateInputs = {
      ...onePlan(),
      legPlan: Int32Array.of(0, 0),
      legTerm: Int32Array.of(0, 2, 3),
      legDamp: Float64Array.of(1, 10),
      // leg 0: 3·V + 2·em1 = [−2, 7, −2, −11]; leg 1: ((−1·V)·2)·E = [2, −8, 6, 32]
      termCoef: Float64Array.of(3, 2, -1),
      termScale: Float64Array.of(0, 0, 2),
      termVec: Int32Array.of(0, 8, 0),
      termScaleVec: Int32Array.of(-1, -1, 4),
      pool,
    };
    for (const { name, k } of backends) {
      const o = k.gridAggregate(i, out(2));
      // leg 0: grid min −2 at scenario 0 (tie with 2: first kept); extreme max(0, 0.5·11 − 1) = 4.5 at 3; basis −7 → 0
      // leg 1: grid min −8 at 1; extreme 0.5·(−32) − 10 < 0 → 0, −1; basis 8
      expect([...o.loss], name).toEqual([2, 4.5, 0, -2, -11, 8, 0, 8, -8, NaN]);
      expect([...o.at], name).toEqual([0, 3, 1, -1]);
    }
  });

  it("NaN in a vector reaches the leg's losses, not the other legs", () => {
    const pool = Float64Array.of(1, NaN, 1, 1, 1, 1, 1, 1);
    const i: GridAggregateInputs = {
      ...onePlan(),
      legPlan: Int32Array.of(0, 0),
      legTerm: Int32Array.of(0, 1, 2),
      legDamp: Float64Array.of(0, 0),
      termCoef: Float64Array.of(-1, -1),
      termScale: Float64Array.of(0, 0),
      termVec: Int32Array.of(0, 4),
      termScaleVec: Int32Array.of(-1, -1),
      pool,
    };
    for (const { name, k } of backends) {
      const o = k.gridAggregate(i, out(2));
      expect(o.loss[2], name).toBeNaN(); // basis scenario on the NaN shock
      expect([...o.loss.subarray(5)], name).toEqual([1, 0.5, 1, -1, -1]);
    }
  });

  it("random legs: every backend equals the plain reference bit for bit (K odd and even, both forms)", () => {
    let seed = 12345;
    const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const plans = [37, 28, 1, 2];
    const planScen = [0];
    const scenShock: number[] = [];
    const scenKind: number[] = [];
    const scenWeight: number[] = [];
    for (const K of plans) {
      const S = K + 5;
      for (let s = 0; s < S; s++) {
        scenShock.push(Math.floor(u() * K));
        scenKind.push(s === 0 ? 0 : Math.floor(u() * 4));
        scenWeight.push(u());
      }
      planScen.push(planScen.at(-1)! + S);
    }
    const pool = Float64Array.from({ length: 4000 }, () => (u() - 0.5) * 1e4);
    const nLegs = 300;
    const legPlan = Int32Array.from({ length: nLegs }, () => Math.floor(u() * plans.length));
    const legTerm = [0];
    const termCoef: number[] = [];
    const termScale: number[] = [];
    const termVec: number[] = [];
    const termScaleVec: number[] = [];
    for (let l = 0; l < nLegs; l++) {
      const K = plans[legPlan[l]!]!;
      const n = Math.floor(u() * 25);
      for (let t = 0; t < n; t++) {
        termCoef.push((u() - 0.5) * 100);
        termScale.push(1000 * u());
        termVec.push(Math.floor(u() * (4000 - K)));
        termScaleVec.push(u() < 0.3 ? Math.floor(u() * (4000 - K)) : -1);
      }
      legTerm.push(legTerm.at(-1)! + n);
    }
    const i: GridAggregateInputs = {
      legPlan, legTerm: Int32Array.from(legTerm), legDamp: Float64Array.from({ length: nLegs }, () => 1000 * u()),
      planK: Int32Array.from(plans), planScen: Int32Array.from(planScen), scenShock: Int32Array.from(scenShock), scenKind: Int32Array.from(scenKind), scenWeight: Float64Array.from(scenWeight),
      termCoef: Float64Array.from(termCoef), termScale: Float64Array.from(termScale), termVec: Int32Array.from(termVec), termScaleVec: Int32Array.from(termScaleVec), pool,
    };
    const ref = reference(i);
    for (const { name, k } of backends) {
      const o = k.gridAggregate(i, out(nLegs));
      // identical bits: the same IEEE operations in the same order (no FMA, SIMD lanes do per-lane mul/add)
      expect([...o.loss], name).toEqual(ref.loss);
      expect([...o.at], name).toEqual(ref.at);
    }
  });
});

describe("gridAggregate, the venues' plan layout (the SIMD build's run fast path)", () => {
  // Plans whose standard/skew scenarios and extreme scenarios are contiguous runs with shocks = offsets (Deribit's
  // layout), so wasm-simd scans them by min/max + search; values drawn from a few levels so ties are common, with
  // ±0, NaN in a run (the loop then decides), extreme losses all 0, an extreme run before the grid run, runs of 4–37.
  it("ties, ±0, NaN, zero extreme losses, either run order: every backend equals the plain reference bit for bit", () => {
    let seed = 777;
    const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    // [grid run length, extreme run length, basis scenarios, extreme run first]
    const layouts: [number, number, number, boolean][] = [[27, 8, 2, false], [27, 8, 0, false], [4, 1, 1, false], [5, 3, 0, true], [37, 2, 2, false], [9, 0, 0, false]];
    const planK: number[] = [];
    const planScen = [0];
    const scenShock: number[] = [];
    const scenKind: number[] = [];
    const scenWeight: number[] = [];
    for (const [g, x, b, extremeFirst] of layouts) {
      const runs = extremeFirst ? [[1, x], [0, g]] : [[0, g], [1, x]];
      let k = 0;
      for (const [kind, n] of runs) for (let j = 0; j < n!; j++) (scenShock.push(k++), scenKind.push(kind === 0 && j % 5 === 4 ? 2 : kind!), scenWeight.push(kind === 1 ? [0.05, 0.5, 1][j % 3]! : 1));
      for (let j = 0; j < b; j++) (scenShock.push(j), scenKind.push(3), scenWeight.push(1));
      planK.push(k);
      planScen.push(scenShock.length);
    }
    const levels = [-3, -3, -1, 0, -0, 2, 5, NaN];
    const V = 64;
    const pool = Float64Array.from({ length: V * 40 }, (_, i) => {
      const r = u();
      return i < 20 * 40 ? levels[Math.floor(r * (levels.length - 1))]! : r < 0.01 ? NaN : levels[Math.floor(r * (levels.length - 1))]! * (1 + Math.floor(u() * 3));
    });
    const nLegs = 600;
    const legPlan = Int32Array.from({ length: nLegs }, () => Math.floor(u() * layouts.length));
    const legTerm = [0];
    const termCoef: number[] = [];
    const termScale: number[] = [];
    const termVec: number[] = [];
    const termScaleVec: number[] = [];
    for (let l = 0; l < nLegs; l++) {
      const n = Math.floor(u() * 4);
      for (let t = 0; t < n; t++) {
        termCoef.push([1, -1, 2, 0][Math.floor(u() * 4)]!);
        termScale.push(1);
        termVec.push(Math.floor(u() * V) * 40);
        termScaleVec.push(-1);
      }
      legTerm.push(legTerm.at(-1)! + n);
    }
    const i: GridAggregateInputs = {
      legPlan, legTerm: Int32Array.from(legTerm), legDamp: Float64Array.from({ length: nLegs }, () => [0, 1, 10][Math.floor(u() * 3)]!),
      planK: Int32Array.from(planK), planScen: Int32Array.from(planScen), scenShock: Int32Array.from(scenShock), scenKind: Int32Array.from(scenKind), scenWeight: Float64Array.from(scenWeight),
      termCoef: Float64Array.from(termCoef), termScale: Float64Array.from(termScale), termVec: Int32Array.from(termVec), termScaleVec: Int32Array.from(termScaleVec), pool,
    };
    const ref = reference(i);
    // the case exercises what it claims: ties and NaN inside grid runs, legs whose extreme losses are all 0
    const gridRunNaN = ref.loss.filter((_, j) => j % 5 === 3).filter(Number.isNaN).length;
    expect(gridRunNaN).toBeGreaterThan(0);
    expect(ref.at.filter((a, j) => j % 2 === 1 && a === -1).length).toBeGreaterThan(0);
    for (const { name, k } of backends) {
      const o = k.gridAggregate(i, out(nLegs));
      expect([...o.loss], name).toEqual(ref.loss);
      expect([...o.at], name).toEqual(ref.at);
    }
  });
});

/** Two accounts (one failed) and one of two groups (coin BTC; USD with a haircut, a stablecoin, a perpetual). */
function finishCase(): GridFinishInputs {
  return {
    // instruments: 0 BTC inverse option, 1 BTC inverse perpetual, 2 linear future
    instOpt: Int32Array.of(1, 0, 0), instInv: Int32Array.of(1, 1, 0), instF: Float64Array.of(100_500, 100_000, 101_000),
    instMark: Float64Array.of(0.05, 0, 0), instMarkUsd: Float64Array.of(5_000, 0, 0),
    // positions: leg 0 (coin group): short option, perpetual; leg 1 (USD group): linear future (no entry: NaN), option
    posQ: Float64Array.of(-2, 3, 1.5, 1), posEntry: Float64Array.of(NaN, 95_000, NaN, NaN), posInst: Int32Array.of(0, 1, 2, 0), posPerp: Int32Array.of(0, 1, 0, 0),
    planSom: Float64Array.of(0.01, 0), planCombine: Int32Array.of(1, 0),
    legPlan: Int32Array.of(0, 1, 0), legU: Int32Array.of(0, 0, 0), legBlockCount: Int32Array.of(4, 4, 4),
    legPos: Int32Array.of(0, 2, 4, 4), legNet: Int32Array.of(0, 1, 1, 1), netQ: Float64Array.of(-2), spot: Float64Array.of(100_000),
    groupLeg: Int32Array.of(0, 1, 2, 3), groupCoin: Int32Array.of(1, 0, 1), groupCcy: Int32Array.of(0, 1, 0), groupColl: Int32Array.of(0, 1, 3, 3),
    groupStable: Int32Array.of(0, 0, 1, 1), ccyUnit: Float64Array.of(100_000, 1),
    collAmount: Float64Array.of(1.5, 20_000, 10_000), collAsset: Int32Array.of(0, 1, 2), collHaircut: Int32Array.of(-1, 0, -1),
    haircutInitial: Float64Array.of(0.05), haircutMaintenance: Float64Array.of(0.03),
    stableAmount: Float64Array.of(10_000), stableAsset: Int32Array.of(2), assetPrice: Float64Array.of(100_000, 1, 0.999),
    accGroup: Int32Array.of(0, 2, 2, 3), accOk: Int32Array.of(1, 0, 1),
    loss: Float64Array.of(0.3, 0.4, 0.01, -0.3, -0.2, 9_000, 12_000, 50, -9_000, -6_000, 0.2, 0, 0, -0.2, NaN),
    at: Int32Array.of(1, 3, 2, 3, 0, -1),
    usdMode: 1, netShortOption: 0.001, perpetual: 0.002, stablecoinDepeg: 0.05, initialFactor: 1, maintenanceFactor: 0.8,
  };
}

const finishOut = (n: number): GridFinishOutputs => ({
  initialMargin: new Float64Array(n).fill(-7), maintenanceMargin: new Float64Array(n).fill(-7), equity: new Float64Array(n).fill(-7),
  excessInitial: new Float64Array(n).fill(-7), excessMaintenance: new Float64Array(n).fill(-7), worstPnl: new Float64Array(n).fill(-7),
  status: new Int32Array(n).fill(-7), worstIndex: new Int32Array(n).fill(-7),
});

describe("gridFinish", () => {
  it("a failed account: NaN figures, status 255, no worst scenario; every backend gives the same bits", () => {
    const results = backends.map(({ k }) => {
      const o = finishOut(3);
      return { bad: k.gridFinish(finishCase(), o), o };
    });
    const r0 = results[0]!;
    expect(r0.bad).toBe(-1);
    expect(r0.o.status[1]).toBe(255);
    expect(r0.o.worstIndex[1]).toBe(-1);
    expect(r0.o.initialMargin[1]).toBeNaN();
    // account 2, one coin group: risk = max(grid 0.2, SOM 0) + basis 0 + … (no options, no add-ons) → IM 0.2 (factor 1)
    expect(r0.o.initialMargin[2]).toBe(0.2);
    expect(r0.o.maintenanceMargin[2]).toBe(0.8 * 0.2);
    expect(r0.o.worstIndex[2]).toBe(0);
    expect(r0.o.worstPnl[2]).toBe(-0.2);
    for (const r of results.slice(1)) {
      expect(r.bad).toBe(r0.bad);
      for (const c of ["initialMargin", "maintenanceMargin", "equity", "excessInitial", "excessMaintenance", "worstPnl", "status", "worstIndex"] as const) {
        expect([...r.o[c]], c).toEqual([...r0.o[c]]);
      }
    }
  });

  it("a non-finite margin is reported by the first account's index", () => {
    for (const { name, k } of backends) {
      const i = finishCase();
      i.loss[10] = Infinity; // account 2's grid loss
      expect(k.gridFinish(i, finishOut(3)), name).toBe(2);
    }
  });
});

describe("gridRows", () => {
  it("random pairs over three plans (vol states, skew units, basis signs): every backend writes the same rows as a plain reference", () => {
    let seed = 4242;
    const u = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const planK = Int32Array.of(37, 1, 12);
    const planShock = Int32Array.of(0, 37, 38);
    const S = 50;
    const shockX = Float64Array.from({ length: S }, () => (u() - 0.5) * 2);
    const shockEx = Float64Array.from(shockX, Math.exp);
    const shockVol = Int32Array.from({ length: S }, () => Math.floor(u() * 3) - 1);
    const shockSkew = Int32Array.from({ length: S }, () => (u() < 0.3 ? Math.floor(u() * 5) - 2 : 0));
    const shockBasis = Int32Array.from({ length: S }, () => (u() < 0.2 ? (u() < 0.5 ? -1 : 1) : 0));
    const nPairs = 200;
    const pairPlan = Int32Array.from({ length: nPairs }, () => Math.floor(u() * 3));
    const pairRow = new Int32Array(nPairs);
    for (let q = 1; q < nPairs; q++) pairRow[q] = pairRow[q - 1]! + planK[pairPlan[q - 1]!]!;
    const R = pairRow[nPairs - 1]! + planK[pairPlan[nPairs - 1]!]!;
    const f = (lo: number, hi: number) => Float64Array.from({ length: nPairs }, () => lo + (hi - lo) * u());
    const i = {
      pairRow, pairPlan, forward: f(100, 1e5), strike: f(50, 2e5), timeToExpiry: f(0, 2), vol: f(0.05, 2), rate: f(0, 0.05),
      isCall: Int32Array.from({ length: nPairs }, () => (u() < 0.5 ? 1 : 0)), volUp: f(0.5, 3), volDown: f(0.01, 1), skewStep: f(-0.5, 0.5), basisMove: f(0, 0.2),
      planK, planShock, shockX, shockEx, shockVol, shockSkew, shockBasis,
    };
    i.vol[3] = NaN; // propagates to its rows' vols (not to others)
    const rows = () => ({ forward: new Float64Array(R), strike: new Float64Array(R), timeToExpiry: new Float64Array(R), vol: new Float64Array(R), rate: new Float64Array(R), isCall: new Int32Array(R) });
    const want = rows();
    for (let q = 0; q < nPairs; q++) {
      const p = pairPlan[q]!;
      for (let k = 0; k < planK[p]!; k++) {
        const s = planShock[p]! + k;
        const r = pairRow[q]! + k;
        let v = shockVol[s]! > 0 ? i.volUp[q]! : shockVol[s]! < 0 ? i.volDown[q]! : i.vol[q]!;
        if (shockSkew[s] !== 0) v = Math.max(v - shockSkew[s]! * i.skewStep[q]!, 1e-4);
        want.forward[r] = i.forward[q]! * (shockBasis[s] === 0 ? shockEx[s]! : Math.exp(shockX[s]! + shockBasis[s]! * i.basisMove[q]!));
        [want.strike[r], want.timeToExpiry[r], want.vol[r], want.rate[r], want.isCall[r]] = [i.strike[q]!, i.timeToExpiry[q]!, v, i.rate[q]!, i.isCall[q]!];
      }
    }
    for (const { name, k } of backends) expect(k.gridRows(i, rows()), name).toEqual(want);
  });
});
