// Scenario-grid aggregation for many accounts (the TS twin of assembly/grid.ts, and the place its definitions live).
//
// The grid margin engine prices every (instrument, shock) pair once per market tick and turns the prices into one
// P&L vector per (instrument, shock plan, currency measure) — shared by every account holding the instrument (DESIGN:
// "aggregate before you loop"). This kernel does the per-account part: for each leg (account × currency group ×
// underlying) the positions' and collateral's P&L per shock, then the scenario scan of the leg's block.
//
// Per leg l, plan p = legPlan[l], K = planK[p] shocks, terms t ∈ [legTerm[l], legTerm[l+1]) in book order:
//   acc[k] = 0, then for each term, c = termCoef[t], V = pool[termVec[t] …]:
//     termScaleVec[t] < 0:  acc[k] = acc[k] + c·V[k]
//     otherwise:            acc[k] = acc[k] + ((c·V[k])·s)·E[k],  s = termScale[t], E = pool[termScaleVec[t] …]
//   (the engine's formulas: an option is q·(V′ − V) with the inverse conversion folded into V; a linear future
//   (q·F)·(e^{x+b·aT} − 1); an inverse future q·(1 − 1/m), and in a USD group ((q·(1 − 1/m))·S)·e^x; collateral
//   (amount·price)·(e^x − 1) — evaluated in exactly that order, so results equal the per-account engine's bits).
// Scan over the plan's scenarios s ∈ [planScen[p], planScen[p+1]) (block order), pnl = acc[scenShock[s]],
// scenKind 0 standard, 1 extreme, 2 skew, 3 basis:
//   gridAt    the first s with the smallest pnl among standard and skew scenarios
//   extreme   max over extreme s of max(0, w_s·(−pnl) − damp) (damp = legDamp[l]); extremeAt = the first s reaching
//             it, −1 when no extreme loss is > 0
//   basis     max(0, max over basis s of −pnl)
// Outputs (GRID_LOSS_STRIDE = 5 doubles per leg): loss[5l] = max(0, −pnl[gridAt]) (NaN without a standard scenario),
// loss[5l+1] = extreme, loss[5l+2] = basis, loss[5l+3] = pnl[gridAt], loss[5l+4] = pnl[extremeAt] (NaN when −1);
// at[2l] = gridAt, at[2l+1] = extremeAt (indices within the block). `scratch` holds ≥ max K doubles.
// NaN inputs propagate to the leg's losses (Math.max and f64.max both return NaN), never an exception.
import type { Black76Inputs, GridAggregateInputs, GridAggregateOutputs, GridFinishInputs, GridFinishOutputs, GridRowsInputs } from "../types.js";

const STANDARD = 0;
const EXTREME = 1;
const SKEW = 2;
const BASIS = 3;

export function gridAggregate(inp: GridAggregateInputs, out: GridAggregateOutputs): GridAggregateOutputs {
  const { legPlan, legTerm, legDamp, planK, planScen, scenShock, scenKind, scenWeight, termCoef, termScale, termVec, termScaleVec, pool } = inp;
  const nLegs = legPlan.length;
  let maxK = 0;
  for (let p = 0; p < planK.length; p++) if (planK[p]! > maxK) maxK = planK[p]!;
  const acc = new Float64Array(maxK);
  const loss = out.loss;
  const at = out.at;
  for (let l = 0; l < nLegs; l++) {
    const p = legPlan[l]!;
    const K = planK[p]!;
    acc.fill(0, 0, K);
    const t1 = legTerm[l + 1]!;
    for (let t = legTerm[l]!; t < t1; t++) {
      const c = termCoef[t]!;
      const v = termVec[t]!;
      const ev = termScaleVec[t]!;
      if (ev < 0) {
        for (let k = 0; k < K; k++) acc[k] = acc[k]! + c * pool[v + k]!;
      } else {
        const s = termScale[t]!;
        for (let k = 0; k < K; k++) acc[k] = acc[k]! + c * pool[v + k]! * s * pool[ev + k]!;
      }
    }
    const damp = legDamp[l]!;
    const s0 = planScen[p]!;
    const s1 = planScen[p + 1]!;
    let gridAt = -1;
    let gridPnl = 0;
    let extremeLoss = 0;
    let extremeAt = -1;
    let extremePnl = NaN;
    let basis = 0;
    for (let s = s0; s < s1; s++) {
      const kind = scenKind[s]!;
      const pnl = acc[scenShock[s]!]!;
      if (kind === STANDARD || kind === SKEW) {
        if (gridAt < 0 || pnl < gridPnl) {
          gridAt = s - s0;
          gridPnl = pnl;
        }
      } else if (kind === EXTREME) {
        const x = Math.max(0, scenWeight[s]! * -pnl - damp);
        if (x > extremeLoss) {
          extremeLoss = x;
          extremeAt = s - s0;
          extremePnl = pnl;
        }
      } else if (kind === BASIS) basis = Math.max(basis, -pnl);
    }
    const o = 5 * l;
    loss[o] = gridAt < 0 ? NaN : Math.max(0, -gridPnl);
    loss[o + 1] = extremeLoss;
    loss[o + 2] = basis;
    loss[o + 3] = gridAt < 0 ? NaN : gridPnl;
    loss[o + 4] = extremePnl;
    at[2 * l] = gridAt;
    at[2 * l + 1] = extremeAt;
  }
  return out;
}

// gridFinish: the per-account rules of the grid margin engine after the scan (packages/engine/src/margin/grid.ts
// `addPosition`'s scalar aggregates, `finishGroup`, `result`), in their order, over every account. Per leg l (plan p,
// S = spot[legU[l]], unit = coin group ? 1 : S), members j in book order:
//   option:  value += coin ? q·mark : usdMode ? q·markUsd : q·mark;  som += −q·planSom[p]·unit when q < 0, planSom > 0
//   future:  v = entry NaN ? 0 : inverse ? q·F·(1/entry − 1/F) : q·(F − entry);  value += coin ? v : usdMode ? v·S (inv) : v
//            perp += |q|·perpetual·unit for perpetuals when perpetual > 0
//   scan = combine ? max(grid, extreme) : grid (extremeTotal += extreme otherwise); perUnderlying += max(scan, som);
//   basis += loss[5l+2]; worst: the first leg with the smallest P&L (pnl at gridAt or, when the extreme loss
//   combines and exceeds the grid loss, at extremeAt; times f = 1 for a single group, else the group's USD per unit);
//   netShort += −netQ·netShortOption·unit.
// Per group: add-ons (positive ones, order basis, net short, perpetual, de-peg = Σ stable·price · depeg · (1/unit)),
// risk = max(perUnderlying + addOns, extremeTotal), IM/MM = factor·risk, collateral (coin: amount, usdMode: amount·
// price, else amount; haircut when listed and value > 0), equity = collateral + positions value, status per group;
// per account the f-weighted sums, excess and the worse of the account's and its groups' statuses.
export function gridFinish(i: GridFinishInputs, out: GridFinishOutputs): number {
  const { instOpt, instInv, instF, instMark, instMarkUsd, posQ, posEntry, posInst, posPerp, planSom, planCombine, legPlan, legU, legBlockCount, legPos, legNet, netQ, spot } = i;
  const { groupLeg, groupCoin, groupCcy, groupColl, groupStable, ccyUnit, collAmount, collAsset, collHaircut, haircutInitial, haircutMaintenance, stableAmount, stableAsset, assetPrice, accGroup, accOk, loss, at } = i;
  const usdMode = i.usdMode === 1;
  const netFrac = i.netShortOption;
  const perpFrac = i.perpetual;
  const depeg = i.stablecoinDepeg;
  const initialFactor = i.initialFactor;
  const maintenanceFactor = i.maintenanceFactor;
  const n = accOk.length;
  let bad = -1;
  for (let a = 0; a < n; a++) {
    if (accOk[a] === 0) {
      out.initialMargin[a] = out.maintenanceMargin[a] = out.equity[a] = out.excessInitial[a] = out.excessMaintenance[a] = out.worstPnl[a] = NaN;
      out.status[a] = 255;
      out.worstIndex[a] = -1;
      continue;
    }
    const g0 = accGroup[a]!;
    const g1 = accGroup[a + 1]!;
    const single = g1 - g0 === 1;
    let IM = 0;
    let MM = 0;
    let eq = 0;
    let meI = 0;
    let meM = 0;
    let worstStatus = 0;
    let wPnl = NaN;
    let wIdx = -1;
    for (let g = g0; g < g1; g++) {
      const coin = groupCoin[g] === 1;
      const usdPerUnit = ccyUnit[groupCcy[g]!]!;
      const f = single ? 1 : usdPerUnit;
      let perUnderlyingRisk = 0;
      let extremeTotal = 0;
      let basis = 0;
      let netShort = 0;
      let perp = 0;
      let positionsValue = 0;
      let offset = 0;
      const l1 = groupLeg[g + 1]!;
      for (let l = groupLeg[g]!; l < l1; l++) {
        const p = legPlan[l]!;
        const S = spot[legU[l]!]!;
        const unit = coin ? 1 : S;
        let value = 0;
        let legSom = 0;
        let legPerp = 0;
        const somF = planSom[p]!;
        const j1 = legPos[l + 1]!;
        for (let j = legPos[l]!; j < j1; j++) {
          const q = posQ[j]!;
          const k = posInst[j]!;
          if (instOpt[k] === 1) {
            const v = q * instMark[k]!;
            const vUsd = q * instMarkUsd[k]!;
            value += coin ? v : usdMode ? vUsd : v;
            if (q < 0 && somF > 0) legSom += -q * somF * unit;
          } else {
            const F = instF[k]!;
            const entry = posEntry[j]!;
            const inv = instInv[k] === 1;
            const v = entry !== entry ? 0 : inv ? q * F * (1 / entry - 1 / F) : q * (F - entry);
            const vUsd = inv ? v * S : v;
            value += coin ? v : usdMode ? vUsd : v;
            if (posPerp[j] === 1 && perpFrac > 0) legPerp += Math.abs(q) * perpFrac * unit;
          }
        }
        const o = 5 * l;
        basis += loss[o + 2]!;
        const gridLoss = loss[o]!;
        const extremeLoss = loss[o + 1]!;
        const combine = planCombine[p] === 1;
        const scan = combine ? Math.max(gridLoss, extremeLoss) : gridLoss;
        if (!combine) extremeTotal += extremeLoss;
        perUnderlyingRisk += Math.max(scan, legSom);
        const useExtreme = combine && extremeLoss > gridLoss;
        const worstAt = useExtreme ? at[2 * l + 1]! : at[2 * l]!;
        const pnl = (useExtreme ? loss[o + 4]! : loss[o + 3]!) * f;
        if (wIdx < 0 || pnl < wPnl) {
          wPnl = pnl;
          wIdx = offset + worstAt;
        }
        offset += legBlockCount[l]!;
        positionsValue += value;
        perp += legPerp;
        if (netFrac > 0) for (let q = legNet[l]!; q < legNet[l + 1]!; q++) netShort += -netQ[q]! * netFrac * unit;
      }
      let addOnSum = 0;
      if (basis > 0) addOnSum += basis;
      if (netShort > 0) addOnSum += netShort;
      if (perp > 0) addOnSum += perp;
      if (depeg > 0 && !coin) {
        let stable = 0;
        for (let s = groupStable[g]!; s < groupStable[g + 1]!; s++) stable += stableAmount[s]! * assetPrice[stableAsset[s]!]!;
        if (stable > 0) addOnSum += stable * depeg * (1 / usdPerUnit);
      }
      const risk = Math.max(perUnderlyingRisk + addOnSum, extremeTotal);
      const gIM = initialFactor * risk;
      const gMM = maintenanceFactor * risk;
      let collateral = 0;
      let collIm = 0;
      let collMm = 0;
      for (let c = groupColl[g]!; c < groupColl[g + 1]!; c++) {
        const amount = collAmount[c]!;
        const val = coin ? amount : usdMode ? amount * assetPrice[collAsset[c]!]! : amount;
        const hi = collHaircut[c]!;
        collateral += val;
        if (hi >= 0 && val > 0) {
          collIm += val * (1 - haircutInitial[hi]!);
          collMm += val * (1 - haircutMaintenance[hi]!);
        } else {
          collIm += val;
          collMm += val;
        }
      }
      const gEq = collateral + positionsValue;
      const gMeI = collIm + positionsValue;
      const gMeM = collMm + positionsValue;
      const st = status(gMeI - gIM, gMeM - gMM);
      if (st > worstStatus) worstStatus = st;
      IM += gIM * f;
      MM += gMM * f;
      eq += gEq * f;
      meI += gMeI * f;
      meM += gMeM * f;
    }
    const exI = meI - IM;
    const exM = meM - MM;
    out.initialMargin[a] = IM;
    out.maintenanceMargin[a] = MM;
    out.equity[a] = eq;
    out.excessInitial[a] = exI;
    out.excessMaintenance[a] = exM;
    out.status[a] = Math.max(status(exI, exM), worstStatus);
    out.worstIndex[a] = wIdx;
    out.worstPnl[a] = wPnl;
    if (bad < 0 && !(Number.isFinite(IM) && Number.isFinite(MM) && Number.isFinite(eq))) bad = a;
  }
  return bad;
}

/** The engine's marginStatus (result.ts) as a code: 2 liquidation (maintenance excess < 0), 1 margin call, 0 healthy; NaN → 0. */
function status(initial: number, maintenance: number): number {
  return maintenance < 0 ? 2 : initial < 0 ? 1 : 0;
}

// gridRows: the Black-76 rows of a grid tick (the grid engine's fillOption, packages/engine/src/margin/grid.ts). For
// pair q (plan p, K = planK[p] shocks at o = planShock[p]) and shock k, row r = pairRow[q] + k:
//   v = vol state > 0 ? volUp : < 0 ? volDown : vol;   skew units u ≠ 0: v = max(v − u·skewStep, GRID_VOL_FLOOR)
//   F' = F·(basis = 0 ? e^x : exp(x + basis·basisMove));   strike, time, rate, call flag repeated.
/** Absolute vol floor after skew rotation (decimal): keeps Black-76 defined when a rotation crosses zero. */
export const GRID_VOL_FLOOR = 1e-4;

/**
 * The n rows of one option under one plan (gridRows' definition above), from the plan's shocks at [from, from + n)
 * of x, ex, vol, skew, basis, written at `at`; returns the next row. Shared with the per-account grid engine.
 */
export function writeOptionRows(
  F: number, K: number, T: number, sig: number, rate: number, call: number, up: number, down: number, skewStep: number, basisMove: number,
  x: ArrayLike<number>, ex: ArrayLike<number>, vol: ArrayLike<number>, skew: ArrayLike<number>, basis: ArrayLike<number>, from: number, n: number,
  rows: Black76Inputs, at: number,
): number {
  const { forward: cF, strike: cK, timeToExpiry: cT, vol: cV, rate: cR, isCall: cC } = rows;
  for (let k = from; k < from + n; k++, at++) {
    const vs = vol[k]!;
    let v = vs > 0 ? up : vs < 0 ? down : sig;
    const sk = skew[k]!;
    if (sk !== 0) v = Math.max(v - sk * skewStep, GRID_VOL_FLOOR);
    const b = basis[k]!;
    cF[at] = F * (b === 0 ? ex[k]! : Math.exp(x[k]! + b * basisMove));
    cK[at] = K;
    cT[at] = T;
    cV[at] = v;
    cR[at] = rate;
    cC[at] = call;
  }
  return at;
}

export function gridRows(i: GridRowsInputs, rows: Black76Inputs): Black76Inputs {
  for (let q = 0; q < i.pairRow.length; q++) {
    const p = i.pairPlan[q]!;
    writeOptionRows(
      i.forward[q]!, i.strike[q]!, i.timeToExpiry[q]!, i.vol[q]!, i.rate[q]!, i.isCall[q]!, i.volUp[q]!, i.volDown[q]!, i.skewStep[q]!, i.basisMove[q]!,
      i.shockX, i.shockEx, i.shockVol, i.shockSkew, i.shockBasis, i.planShock[p]!, i.planK[p]!, rows, i.pairRow[q]!,
    );
  }
  return rows;
}
