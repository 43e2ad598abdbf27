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
// SIMD build: the term accumulation runs shock-major in register blocks (8 shocks in four f64x2 accumulators over the
// leg's terms, then pairs, then single shocks) — per shock the same multiplies and adds in the same term order, no
// fused operations: identical bits; the scan is scalar (first-minimum semantics, a few dozen scenarios).

import { expF } from "./vmath";

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

// SIMD build, the scan's fast path: in the venues' plans the standard/skew scenarios are one contiguous run whose
// shocks are the scenarios' own offsets (scenShock[s] = s − s0) — 27 of Deribit's 35–37 — and so are the extreme ones
// (8). The first minimum of the first run is the first shock equal to the run's minimum, and the extreme charge's
// first strict maximum of max(0, w·(−pnl) − damp) (from 0) the first loss equal to the largest one when that is > 0:
// f64x2 min/max over the run, then a search, instead of a compare-and-branch per scenario (measured: the scan was
// ≈ 3 ms of an 18 ms tick). Same results as the loop, which keeps the first strictly smaller (larger) value, i.e. the
// first index equal to the extreme value (±0 compare equal in both; losses are never −0); a run holding a NaN (where
// the loop's rules differ) takes the loop. Plans are described lazily per call (the first PLAN_MAX of them; plans
// without such runs take the loop).
const PLAN_MAX = 64;
const DESC = 20; // bytes per plan: state (0 unknown, 1 runs, 2 loop), grid run [g0, g1), extreme run [x0, x1)
const PLAN_DESC = memory.data(PLAN_MAX * DESC, 16);

/** The run of scenarios of kinds a or b (offsets within the plan) with shocks = offsets: [start, end), or [−1, −1). */
function kindRun(s0: i32, s1: i32, scenShock: usize, scenKind: usize, a: i32, b: i32, out: usize): bool {
  let r0 = -1;
  let r1 = -1;
  for (let s = s0; s < s1; s++) {
    const kind = i32At(scenKind, s);
    if (kind == a || kind == b) {
      if (r0 < 0) r0 = s - s0;
      else if (r1 >= 0) return false; // a second run
      if (i32At(scenShock, s) != s - s0) return false;
    } else if (r0 >= 0 && r1 < 0) {
      r1 = s - s0;
    }
  }
  if (r0 >= 0 && r1 < 0) r1 = s1 - s0;
  store<i32>(out, r0);
  store<i32>(out, r1, 4);
  return true;
}

/** Describes plan p (its two runs) into PLAN_DESC; returns the state. */
function describePlan(p: i32, s0: i32, s1: i32, scenShock: usize, scenKind: usize): i32 {
  const d = PLAN_DESC + <usize>p * DESC;
  const ok = kindRun(s0, s1, scenShock, scenKind, STANDARD, SKEW, d + 4) && kindRun(s0, s1, scenShock, scenKind, EXTREME, EXTREME, d + 12);
  const state = ok && load<i32>(d, 8) - load<i32>(d, 4) >= 4 ? 1 : 2;
  store<i32>(d, state);
  return state;
}

/** Index of the first minimum of the n ≥ 4 values at v, or −1 if one of them is NaN. */
// @ts-ignore: decorator
@inline function firstMinIndex(v: usize, n: i32): i32 {
  let m0 = v128.load(v);
  let m1 = v128.load(v, 16);
  let nan = v128.or(f64x2.ne(m0, m0), f64x2.ne(m1, m1));
  let i = 4;
  for (; i + 3 < n; i += 4) {
    const a = v128.load(v + ((<usize>i) << 3));
    const b = v128.load(v + ((<usize>i) << 3), 16);
    m0 = f64x2.min(m0, a);
    m1 = f64x2.min(m1, b);
    nan = v128.or(nan, v128.or(f64x2.ne(a, a), f64x2.ne(b, b)));
  }
  const mm = f64x2.min(m0, m1);
  let m = min<f64>(f64x2.extract_lane(mm, 0), f64x2.extract_lane(mm, 1));
  for (; i < n; i++) {
    const x = f64At(v, i);
    if (x != x) return -1;
    m = min<f64>(m, x);
  }
  if (v128.any_true(nan)) return -1;
  for (let j = 0; j < n; j++) if (f64At(v, j) == m) return j;
  return -1; // unreachable: m is one of the values
}

/**
 * The extreme run's charge: over j < n, loss_j = max(0, w_j·(−pnl_j) − damp) (w at w, pnl at v); writes the first
 * strict maximum's index (−1 when no loss is > 0) and loss to out (i32, f64 at +8). Returns false on a NaN loss.
 */
// @ts-ignore: decorator
@inline function extremeRun(v: usize, w: usize, n: i32, damp: f64, out: usize): bool {
  const zero = f64x2.splat(0.0);
  const dd = f64x2.splat(damp);
  let m = zero;
  let nan = zero;
  let j = 0;
  for (; j + 1 < n; j += 2) {
    const loss = f64x2.max(zero, f64x2.sub(f64x2.mul(v128.load(w + ((<usize>j) << 3)), f64x2.neg(v128.load(v + ((<usize>j) << 3)))), dd));
    m = f64x2.max(m, loss);
    nan = v128.or(nan, f64x2.ne(loss, loss));
  }
  let best = max<f64>(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
  for (; j < n; j++) {
    const loss = max<f64>(0, f64At(w, j) * -f64At(v, j) - damp);
    if (loss != loss) return false;
    best = max<f64>(best, loss);
  }
  if (v128.any_true(nan)) return false;
  let at = -1;
  if (best > 0) {
    for (let k = 0; k < n; k++) {
      if (max<f64>(0, f64At(w, k) * -f64At(v, k) - damp) == best) {
        at = k;
        break;
      }
    }
  }
  store<i32>(out, at);
  store<f64>(out, best, 8);
  return true;
}
const EXT_OUT = memory.data(16, 16);

export function gridAggregate(
  nLegs: i32,
  legPlan: usize, legTerm: usize, legDamp: usize,
  planK: usize, planScen: usize,
  scenShock: usize, scenKind: usize, scenWeight: usize,
  termCoef: usize, termScale: usize, termVec: usize, termScaleVec: usize,
  pool: usize, scratch: usize,
  outLoss: usize, outAt: usize,
): void {
  if (ASC_FEATURE_SIMD) memory.fill(PLAN_DESC, 0, PLAN_MAX * DESC);
  for (let l = 0; l < nLegs; l++) {
    const p = i32At(legPlan, l);
    const K = i32At(planK, p);
    const t0 = i32At(legTerm, l);
    const t1 = i32At(legTerm, l + 1);
    if (ASC_FEATURE_SIMD) {
      // register-blocked: 8 shocks in 4 f64x2 accumulators held across the leg's terms (one store per chunk, not
      // one load + store per term); per shock the same adds in the same term order as the scalar loop: same bits
      let k = 0;
      for (; k + 7 < K; k += 8) {
        const ko = (<usize>k) << 3;
        let a0 = f64x2.splat(0.0);
        let a1 = f64x2.splat(0.0);
        let a2 = f64x2.splat(0.0);
        let a3 = f64x2.splat(0.0);
        for (let t = t0; t < t1; t++) {
          const cc = f64x2.splat(f64At(termCoef, t));
          const v = pool + ((<usize>i32At(termVec, t)) << 3) + ko;
          const ev = i32At(termScaleVec, t);
          if (ev < 0) {
            a0 = f64x2.add(a0, f64x2.mul(cc, v128.load(v)));
            a1 = f64x2.add(a1, f64x2.mul(cc, v128.load(v, 16)));
            a2 = f64x2.add(a2, f64x2.mul(cc, v128.load(v, 32)));
            a3 = f64x2.add(a3, f64x2.mul(cc, v128.load(v, 48)));
          } else {
            const ss = f64x2.splat(f64At(termScale, t));
            const e = pool + ((<usize>ev) << 3) + ko;
            a0 = f64x2.add(a0, f64x2.mul(f64x2.mul(f64x2.mul(cc, v128.load(v)), ss), v128.load(e)));
            a1 = f64x2.add(a1, f64x2.mul(f64x2.mul(f64x2.mul(cc, v128.load(v, 16)), ss), v128.load(e, 16)));
            a2 = f64x2.add(a2, f64x2.mul(f64x2.mul(f64x2.mul(cc, v128.load(v, 32)), ss), v128.load(e, 32)));
            a3 = f64x2.add(a3, f64x2.mul(f64x2.mul(f64x2.mul(cc, v128.load(v, 48)), ss), v128.load(e, 48)));
          }
        }
        const a = scratch + ko;
        v128.store(a, a0);
        v128.store(a, a1, 16);
        v128.store(a, a2, 32);
        v128.store(a, a3, 48);
      }
      for (; k + 1 < K; k += 2) {
        const ko = (<usize>k) << 3;
        let a0 = f64x2.splat(0.0);
        for (let t = t0; t < t1; t++) {
          const cc = f64x2.splat(f64At(termCoef, t));
          const v = pool + ((<usize>i32At(termVec, t)) << 3) + ko;
          const ev = i32At(termScaleVec, t);
          if (ev < 0) a0 = f64x2.add(a0, f64x2.mul(cc, v128.load(v)));
          else a0 = f64x2.add(a0, f64x2.mul(f64x2.mul(f64x2.mul(cc, v128.load(v)), f64x2.splat(f64At(termScale, t))), v128.load(pool + ((<usize>ev) << 3) + ko)));
        }
        v128.store(scratch + ko, a0);
      }
      for (; k < K; k++) {
        let acc: f64 = 0.0;
        for (let t = t0; t < t1; t++) {
          const c = f64At(termCoef, t);
          const v = pool + ((<usize>i32At(termVec, t)) << 3);
          const ev = i32At(termScaleVec, t);
          if (ev < 0) acc = acc + c * f64At(v, k);
          else acc = acc + c * f64At(v, k) * f64At(termScale, t) * f64At(pool + ((<usize>ev) << 3), k);
        }
        store<f64>(scratch + ((<usize>k) << 3), acc);
      }
    } else {
      for (let k = 0; k < K; k++) store<f64>(scratch + ((<usize>k) << 3), 0.0);
      for (let t = t0; t < t1; t++) {
        const c = f64At(termCoef, t);
        const v = pool + ((<usize>i32At(termVec, t)) << 3);
        const ev = i32At(termScaleVec, t);
        if (ev < 0) {
          for (let k = 0; k < K; k++) {
            const a = scratch + ((<usize>k) << 3);
            store<f64>(a, load<f64>(a) + c * f64At(v, k));
          }
        } else {
          const s = f64At(termScale, t);
          const e = pool + ((<usize>ev) << 3);
          for (let k = 0; k < K; k++) {
            const a = scratch + ((<usize>k) << 3);
            store<f64>(a, load<f64>(a) + c * f64At(v, k) * s * f64At(e, k));
          }
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
    // the scenarios [gs, ge) and [xs, xe) are done (the fast path's runs), the loop does the rest
    let gs = s1;
    let ge = s1;
    let xs = s1;
    let xe = s1;
    if (ASC_FEATURE_SIMD && p < PLAN_MAX) {
      const d = PLAN_DESC + <usize>p * DESC;
      let state = load<i32>(d);
      if (state == 0) state = describePlan(p, s0, s1, scenShock, scenKind);
      if (state == 1) {
        const g0 = load<i32>(d, 4);
        const g1 = load<i32>(d, 8);
        const i = firstMinIndex(scratch + ((<usize>g0) << 3), g1 - g0);
        if (i >= 0) {
          gridAt = g0 + i;
          gridPnl = f64At(scratch, g0 + i);
          gs = s0 + g0;
          ge = s0 + g1;
        }
        const x0 = load<i32>(d, 12);
        const x1 = load<i32>(d, 16);
        if (x0 >= 0 && extremeRun(scratch + ((<usize>x0) << 3), scenWeight + ((<usize>(s0 + x0)) << 3), x1 - x0, damp, EXT_OUT)) {
          const at = load<i32>(EXT_OUT);
          extremeLoss = load<f64>(EXT_OUT, 8);
          if (at >= 0) {
            extremeAt = x0 + at;
            extremePnl = f64At(scratch, x0 + at);
          }
          xs = s0 + x0;
          xe = s0 + x1;
        }
      }
    }
    for (let s = s0; s < s1; s++) {
      if (s == gs) s = ge;
      if (s == xs) s = xe;
      if (s == gs) s = ge; // the extreme run may precede the grid run
      if (s >= s1) break;
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

// gridFinish: the per-account rules after the scan (definitions and order: the TS twin, packages/kernels/src/js/grid.ts
// `gridFinish`), the same IEEE operations in the same order. Returns the first account whose IM, MM or equity is not
// finite, or −1.

// @ts-ignore: decorator
@inline
function statusCode(initial: f64, maintenance: f64): i32 {
  return maintenance < 0 ? 2 : initial < 0 ? 1 : 0;
}

// @ts-ignore: decorator
@inline
function isFiniteF64(x: f64): bool {
  return x - x == 0;
}

export function gridFinish(
  nAccounts: i32,
  instOpt: usize, instInv: usize, instF: usize, instMark: usize, instMarkUsd: usize,
  posQ: usize, posEntry: usize, posInst: usize, posPerp: usize,
  planSom: usize, planCombine: usize,
  legPlan: usize, legU: usize, legBlockCount: usize, legPos: usize, legNet: usize, netQ: usize, spot: usize,
  groupLeg: usize, groupCoin: usize, groupCcy: usize, groupColl: usize, groupStable: usize, ccyUnit: usize,
  collAmount: usize, collAsset: usize, collHaircut: usize, haircutInitial: usize, haircutMaintenance: usize,
  stableAmount: usize, stableAsset: usize, assetPrice: usize,
  accGroup: usize, accOk: usize, loss: usize, at: usize,
  usdModeFlag: i32, netFrac: f64, perpFrac: f64, depeg: f64, initialFactor: f64, maintenanceFactor: f64,
  outIM: usize, outMM: usize, outEq: usize, outExI: usize, outExM: usize, outWorstPnl: usize, outStatus: usize, outWorstIndex: usize,
): i32 {
  const usdMode = usdModeFlag == 1;
  let bad: i32 = -1;
  for (let a = 0; a < nAccounts; a++) {
    const ao = (<usize>a) << 3;
    const ai = (<usize>a) << 2;
    if (i32At(accOk, a) == 0) {
      store<f64>(outIM + ao, NaN);
      store<f64>(outMM + ao, NaN);
      store<f64>(outEq + ao, NaN);
      store<f64>(outExI + ao, NaN);
      store<f64>(outExM + ao, NaN);
      store<f64>(outWorstPnl + ao, NaN);
      store<i32>(outStatus + ai, 255);
      store<i32>(outWorstIndex + ai, -1);
      continue;
    }
    const g0 = i32At(accGroup, a);
    const g1 = i32At(accGroup, a + 1);
    const single = g1 - g0 == 1;
    let IM: f64 = 0;
    let MM: f64 = 0;
    let eq: f64 = 0;
    let meI: f64 = 0;
    let meM: f64 = 0;
    let worstStatus: i32 = 0;
    let wPnl: f64 = NaN;
    let wIdx: i32 = -1;
    for (let g = g0; g < g1; g++) {
      const coin = i32At(groupCoin, g) == 1;
      const usdPerUnit = f64At(ccyUnit, i32At(groupCcy, g));
      const f: f64 = single ? 1 : usdPerUnit;
      let perUnderlyingRisk: f64 = 0;
      let extremeTotal: f64 = 0;
      let basis: f64 = 0;
      let netShort: f64 = 0;
      let perp: f64 = 0;
      let positionsValue: f64 = 0;
      let offset: i32 = 0;
      const l1 = i32At(groupLeg, g + 1);
      for (let l = i32At(groupLeg, g); l < l1; l++) {
        const p = i32At(legPlan, l);
        const S = f64At(spot, i32At(legU, l));
        const unit: f64 = coin ? 1 : S;
        let value: f64 = 0;
        let legSom: f64 = 0;
        let legPerp: f64 = 0;
        const somF = f64At(planSom, p);
        const j1 = i32At(legPos, l + 1);
        for (let j = i32At(legPos, l); j < j1; j++) {
          const q = f64At(posQ, j);
          const k = i32At(posInst, j);
          if (i32At(instOpt, k) == 1) {
            const v = q * f64At(instMark, k);
            const vUsd = q * f64At(instMarkUsd, k);
            value += coin ? v : usdMode ? vUsd : v;
            if (q < 0 && somF > 0) legSom += -q * somF * unit;
          } else {
            const F = f64At(instF, k);
            const entry = f64At(posEntry, j);
            const inv = i32At(instInv, k) == 1;
            const v: f64 = entry != entry ? 0 : inv ? q * F * (1 / entry - 1 / F) : q * (F - entry);
            const vUsd = inv ? v * S : v;
            value += coin ? v : usdMode ? vUsd : v;
            if (i32At(posPerp, j) == 1 && perpFrac > 0) legPerp += abs<f64>(q) * perpFrac * unit;
          }
        }
        const lo = loss + ((<usize>(5 * l)) << 3);
        basis += load<f64>(lo + 16);
        const gridLoss = load<f64>(lo);
        const extremeLoss = load<f64>(lo + 8);
        const combine = i32At(planCombine, p) == 1;
        const scan = combine ? max<f64>(gridLoss, extremeLoss) : gridLoss;
        if (!combine) extremeTotal += extremeLoss;
        perUnderlyingRisk += max<f64>(scan, legSom);
        const useExtreme = combine && extremeLoss > gridLoss;
        const worstAt = useExtreme ? i32At(at, 2 * l + 1) : i32At(at, 2 * l);
        const pnl = (useExtreme ? load<f64>(lo + 32) : load<f64>(lo + 24)) * f;
        if (wIdx < 0 || pnl < wPnl) {
          wPnl = pnl;
          wIdx = offset + worstAt;
        }
        offset += i32At(legBlockCount, l);
        positionsValue += value;
        perp += legPerp;
        if (netFrac > 0) {
          const q1 = i32At(legNet, l + 1);
          for (let q = i32At(legNet, l); q < q1; q++) netShort += -f64At(netQ, q) * netFrac * unit;
        }
      }
      let addOnSum: f64 = 0;
      if (basis > 0) addOnSum += basis;
      if (netShort > 0) addOnSum += netShort;
      if (perp > 0) addOnSum += perp;
      if (depeg > 0 && !coin) {
        let stable: f64 = 0;
        const s1 = i32At(groupStable, g + 1);
        for (let s = i32At(groupStable, g); s < s1; s++) stable += f64At(stableAmount, s) * f64At(assetPrice, i32At(stableAsset, s));
        if (stable > 0) addOnSum += stable * depeg * (1 / usdPerUnit);
      }
      const risk = max<f64>(perUnderlyingRisk + addOnSum, extremeTotal);
      const gIM = initialFactor * risk;
      const gMM = maintenanceFactor * risk;
      let collateral: f64 = 0;
      let collIm: f64 = 0;
      let collMm: f64 = 0;
      const c1 = i32At(groupColl, g + 1);
      for (let c = i32At(groupColl, g); c < c1; c++) {
        const amount = f64At(collAmount, c);
        const val = coin ? amount : usdMode ? amount * f64At(assetPrice, i32At(collAsset, c)) : amount;
        const hi = i32At(collHaircut, c);
        collateral += val;
        if (hi >= 0 && val > 0) {
          collIm += val * (1 - f64At(haircutInitial, hi));
          collMm += val * (1 - f64At(haircutMaintenance, hi));
        } else {
          collIm += val;
          collMm += val;
        }
      }
      const gEq = collateral + positionsValue;
      const gMeI = collIm + positionsValue;
      const gMeM = collMm + positionsValue;
      const st = statusCode(gMeI - gIM, gMeM - gMM);
      if (st > worstStatus) worstStatus = st;
      IM += gIM * f;
      MM += gMM * f;
      eq += gEq * f;
      meI += gMeI * f;
      meM += gMeM * f;
    }
    const exI = meI - IM;
    const exM = meM - MM;
    store<f64>(outIM + ao, IM);
    store<f64>(outMM + ao, MM);
    store<f64>(outEq + ao, eq);
    store<f64>(outExI + ao, exI);
    store<f64>(outExM + ao, exM);
    const st = statusCode(exI, exM);
    store<i32>(outStatus + ai, st > worstStatus ? st : worstStatus);
    store<i32>(outWorstIndex + ai, wIdx);
    store<f64>(outWorstPnl + ao, wPnl);
    if (bad < 0 && !(isFiniteF64(IM) && isFiniteF64(MM) && isFiniteF64(eq))) bad = a;
  }
  return bad;
}

// gridRows: the Black-76 rows of a grid tick (definitions: the twin, packages/kernels/src/js/grid.ts), the same IEEE
// operations (e^x through vmath's expF, fdlibm as V8's Math.exp).
const GRID_VOL_FLOOR: f64 = 1e-4;

export function gridRows(
  nPairs: i32, pairRow: usize, pairPlan: usize,
  forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize,
  volUp: usize, volDown: usize, skewStep: usize, basisMove: usize,
  planK: usize, planShock: usize, shockX: usize, shockEx: usize, shockVol: usize, shockSkew: usize, shockBasis: usize,
  cF: usize, cK: usize, cT: usize, cV: usize, cR: usize, cC: usize,
): void {
  for (let q = 0; q < nPairs; q++) {
    const p = i32At(pairPlan, q);
    const o = i32At(planShock, p);
    const n = i32At(planK, p);
    const F = f64At(forward, q);
    const K = f64At(strike, q);
    const T = f64At(t, q);
    const sig = f64At(vol, q);
    const r = f64At(rate, q);
    const call = i32At(isCall, q);
    const up = f64At(volUp, q);
    const down = f64At(volDown, q);
    const step = f64At(skewStep, q);
    const aT = f64At(basisMove, q);
    let at = i32At(pairRow, q);
    for (let k = o; k < o + n; k++, at++) {
      const vs = i32At(shockVol, k);
      let v = vs > 0 ? up : vs < 0 ? down : sig;
      const sk = i32At(shockSkew, k);
      if (sk != 0) v = max<f64>(v - <f64>sk * step, GRID_VOL_FLOOR);
      const b = i32At(shockBasis, k);
      const ao = (<usize>at) << 3;
      store<f64>(cF + ao, F * (b == 0 ? f64At(shockEx, k) : expF(f64At(shockX, k) + <f64>b * aT)));
      store<f64>(cK + ao, K);
      store<f64>(cT + ao, T);
      store<f64>(cV + ao, v);
      store<f64>(cR + ao, r);
      store<i32>(cC + ((<usize>at) << 2), call);
    }
  }
}
