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
import type { GridAggregateInputs, GridAggregateOutputs } from "../types.js";

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
