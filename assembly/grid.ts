// Scenario-grid aggregation for many accounts at once: from per-instrument P&L vectors (priced once per market tick,
// shared by every account that holds the instrument) to each leg's (account × currency group × underlying) P&L per
// shock and its scenario scan — the per-account loops of the grid margin engine (packages/engine/src/margin/grid.ts,
// `addPosition` + `finishGroup`), moved out of JS.
//
// Definitions, ABI and layout are documented once in the TS twin (packages/kernels/src/js/grid.ts); this file
// performs the same IEEE operations in the same order, so every backend gives identical bits. Per leg l with plan
// p = legPlan[l], K = planK[p] shocks and terms t ∈ [legTerm[l], legTerm[l+1]):
//   acc[k] = 0;  acc[k] = acc[k] + c·V[k]                 (termScaleVec[t] < 0)
//                acc[k] = acc[k] + ((c·V[k])·s)·E[k]       (otherwise; s = termScale[t], E = pool + termScaleVec[t])
//   with c = termCoef[t], V = pool + termVec[t]. Then over the plan's scenarios s ∈ [planScen[p], planScen[p+1]),
//   pnl = acc[scenShock[s]]: the first minimum over standard/skew scenarios (gridAt), the largest
//   max(0, w·(−pnl) − damp) over extreme ones (strictly larger replaces; extremeAt = −1 when none is > 0), and
//   max(0, −pnl) over basis ones. Outputs per leg: loss[5l] = max(0, −pnl[gridAt]), loss[5l+1] = extreme loss,
//   loss[5l+2] = basis loss, loss[5l+3] = pnl[gridAt], loss[5l+4] = pnl[extremeAt] (NaN when −1); at[2l] = gridAt,
//   at[2l+1] = extremeAt (scenario indices within the plan's block).
// SIMD build: the term accumulation runs two shocks per f64x2 lane pair (the same multiplies and adds per lane, no
// fused operations: identical bits); the scan is scalar (first-minimum semantics, a few dozen scenarios).

const STANDARD: i32 = 0;
const EXTREME: i32 = 1;
const SKEW: i32 = 2;
const BASIS: i32 = 3;

// @ts-ignore: decorator
@inline
function f64At(p: usize, i: i32): f64 {
  return load<f64>(p + ((<usize>i) << 3));
}

// @ts-ignore: decorator
@inline
function i32At(p: usize, i: i32): i32 {
  return load<i32>(p + ((<usize>i) << 2));
}

export function gridAggregate(
  nLegs: i32,
  legPlan: usize, legTerm: usize, legDamp: usize,
  planK: usize, planScen: usize,
  scenShock: usize, scenKind: usize, scenWeight: usize,
  termCoef: usize, termScale: usize, termVec: usize, termScaleVec: usize,
  pool: usize, scratch: usize,
  outLoss: usize, outAt: usize,
): void {
  for (let l = 0; l < nLegs; l++) {
    const p = i32At(legPlan, l);
    const K = i32At(planK, p);
    for (let k = 0; k < K; k++) store<f64>(scratch + ((<usize>k) << 3), 0.0);
    const t1 = i32At(legTerm, l + 1);
    for (let t = i32At(legTerm, l); t < t1; t++) {
      const c = f64At(termCoef, t);
      const v = pool + ((<usize>i32At(termVec, t)) << 3);
      const ev = i32At(termScaleVec, t);
      let k = 0;
      if (ev < 0) {
        if (ASC_FEATURE_SIMD) {
          const cc = f64x2.splat(c);
          for (; k + 1 < K; k += 2) {
            const a = scratch + ((<usize>k) << 3);
            v128.store(a, f64x2.add(v128.load(a), f64x2.mul(cc, v128.load(v + ((<usize>k) << 3)))));
          }
        }
        for (; k < K; k++) {
          const a = scratch + ((<usize>k) << 3);
          store<f64>(a, load<f64>(a) + c * f64At(v, k));
        }
      } else {
        const s = f64At(termScale, t);
        const e = pool + ((<usize>ev) << 3);
        if (ASC_FEATURE_SIMD) {
          const cc = f64x2.splat(c);
          const ss = f64x2.splat(s);
          for (; k + 1 < K; k += 2) {
            const a = scratch + ((<usize>k) << 3);
            const o = (<usize>k) << 3;
            v128.store(a, f64x2.add(v128.load(a), f64x2.mul(f64x2.mul(f64x2.mul(cc, v128.load(v + o)), ss), v128.load(e + o))));
          }
        }
        for (; k < K; k++) {
          const a = scratch + ((<usize>k) << 3);
          store<f64>(a, load<f64>(a) + c * f64At(v, k) * s * f64At(e, k));
        }
      }
    }
    // the scenario scan (finishGroup's rules)
    const damp = f64At(legDamp, l);
    const s1 = i32At(planScen, p + 1);
    const s0 = i32At(planScen, p);
    let gridAt: i32 = -1;
    let gridPnl: f64 = 0;
    let extremeLoss: f64 = 0;
    let extremeAt: i32 = -1;
    let extremePnl: f64 = NaN;
    let basis: f64 = 0;
    for (let s = s0; s < s1; s++) {
      const kind = i32At(scenKind, s);
      const pnl = f64At(scratch, i32At(scenShock, s));
      if (kind == STANDARD || kind == SKEW) {
        if (gridAt < 0 || pnl < gridPnl) {
          gridAt = s - s0;
          gridPnl = pnl;
        }
      } else if (kind == EXTREME) {
        const loss = max<f64>(0, f64At(scenWeight, s) * -pnl - damp);
        if (loss > extremeLoss) {
          extremeLoss = loss;
          extremeAt = s - s0;
          extremePnl = pnl;
        }
      } else if (kind == BASIS) {
        basis = max<f64>(basis, -pnl);
      }
    }
    const lo = outLoss + ((<usize>(5 * l)) << 3);
    store<f64>(lo, gridAt < 0 ? NaN : max<f64>(0, -gridPnl));
    store<f64>(lo + 8, extremeLoss);
    store<f64>(lo + 16, basis);
    store<f64>(lo + 24, gridAt < 0 ? NaN : gridPnl);
    store<f64>(lo + 32, extremePnl);
    const ao = outAt + ((<usize>(2 * l)) << 2);
    store<i32>(ao, gridAt);
    store<i32>(ao + 4, extremeAt);
  }
}
