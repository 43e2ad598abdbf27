// Scenario revaluation of a book — the pure-TS twin of assembly/scenarios.ts, and the specification of both.
//
// revalueScenarios (full revaluation, fused): for scenario s (m = out.length) and option j, with u = underlying[j],
// x = spotLogReturn[s·U + u], dv = volShift[s·U + u] (U = spot.length):
//   mult = e^x;  F' = F_j·mult;  σ' = max(σ_j·(1 + dv), VOL_FLOOR);  P = Black-76 price (USD) at (F', K_j, T_j, σ', r_j)
//   after = inverse_j ? (P / (F_j·mult))·S_u·mult : P      (coin value P/F' is worth S' = S·mult in USD)
//   out[s] = Σ_j (q_j·after − baseUsd_j), summed over j ascending from 0;
//   perUnderlying[s·U + u] (when given) = the same sum over the options of underlying u only (j ascending from 0).
// These are the operations of packages/engine/src/portfolio.ts `scenarioPnl` (its option part) in its order, so the
// result has its bits: the engine adds the linear positions and collateral after it, as scenarioPnl did.
// The price is js/pricing.ts black76Price's code path (`price` below performs the same operations in the same order;
// e^x is Math.exp = fdlibm, which is the wasm core's expF): every backend returns identical bits. The wasm core writes
// (F', K, T, σ', r) rows for a block of scenarios and calls its black76Price; here the price is computed inline, as
// idiomatic TS would, with no row arrays at all.
//
// surfaceEval (the fast path, packages/engine/src/margin/es.ts `surfacePnl`): per underlying u a P&L table
// values[offset[u] + ix·nv[u] + iv] over the uniform grid x = x0[u] + ix·dx[u] (nx[u] ≥ 4 nodes), v = v0[u] + iv·dv[u]
// (nv[u] = 1: 1-D in x, else ≥ 4 nodes), evaluated by tensor-product 4-point Lagrange interpolation on the stencil
// around the point (clamped to the grid's edge cells, i.e. extrapolated by the edge cubic), plus linear[u]·expm1(x).
// A 1-D table's cell (nodes ix..ix+3, local t = tx − ix) is evaluated in monomial form, ((a3·t + a2)·t + a1)·t + a0 with
// `cubicCoefficients` (the same cubic as the Lagrange form, 3 multiply–adds per point instead of the weights):
//   p_u = (linear[u] ≠ 0 ? linear[u]·expm1(x) : 0) + (hasOptions[u] ? table_u(x, v) : nothing)
//   out[s] = Σ_u p_u (u ascending from 0); perUnderlying[s·U + u] = p_u when given. A NaN move gives NaN.
// see: W. H. Press et al., Numerical Recipes 3rd ed. §3.2 (Lagrange interpolation), §3.6 (tensor-product grids).
//
// scenarioRows (Monte Carlo scenario rows, packages/engine/src/risk/scenarios.ts `monteCarloScenarios`): x = rows of
// correlatedNormals, mirror rows 0 − x of the first mirrorRows, and per element (asset u) the vol shift of its link
//   none: v = 0;   relative: v = max(floor[u], 1 + β[u]·x) − 1;   log: v = expm1(β[u]·x)   (Math.max, Math.expm1)
// with the bounds updated per element, rows in the order row 0, mirror row 0, row 1, … (see ScenarioRowsOutputs).
import { SpotVolLinkKind, type PnlSurfaceTables, type RngState, type ScenarioRevaluationInputs, type ScenarioRowsInputs, type ScenarioRowsOutputs } from "../types.js";
import { correlatedNormals } from "./linalg.js";
import { expNegHalfSq, normCdfE } from "./normal.js";
import { black76Valid } from "./pricing.js";

/** Floor of a shocked implied vol (portfolio.ts scenarioPnl's): keeps σ' > 0 under large down-shifts. */
const VOL_FLOOR = 1e-4;
/** js/pricing.ts E_SHARE_MIN (the shared-exponential threshold of N(w·d2)). */
const E_SHARE_MIN = 1e-290;

/** Black-76 price, USD: js/pricing.ts black76Price for one row, same operations in the same order. */
function price(F: number, K: number, T: number, v: number, r: number, call: number): number {
  if (!black76Valid(F, K, T, v, r)) return NaN;
  const w = call !== 0 ? 1 : -1;
  const s = v * Math.sqrt(T);
  const D = Math.exp(-r * T);
  let n1: number, n2: number;
  if (s > 0) {
    const FK = F / K;
    const xs = Math.log(FK) / s;
    const h = 0.5 * s;
    const d1 = xs + h;
    const d2 = xs - h;
    const e1 = expNegHalfSq(d1);
    n1 = normCdfE(w * d1, e1);
    n2 = normCdfE(w * d2, e1 > E_SHARE_MIN ? e1 * FK : expNegHalfSq(d2));
  } else {
    const u = w * (F - K);
    n1 = n2 = u > 0 ? 1 : u < 0 ? 0 : 0.5;
  }
  return w * D * (F * n1 - K * n2);
}

/** e^x of one scenario per underlying (grown on demand; module-level so the hot loop never allocates). */
let mult = new Float64Array(16);

export function revalueScenarios(i: ScenarioRevaluationInputs, out: Float64Array, perUnderlying: Float64Array | null = null): Float64Array {
  const { forward, strike, timeToExpiry, vol, rate, isCall } = i.options;
  const { quantity, underlying, inverse, spot, baseUsd, spotLogReturn, volShift } = i;
  const n = forward.length;
  const U = spot.length;
  const m = out.length;
  if (mult.length < U) mult = new Float64Array(U);
  const e = mult;
  const per = perUnderlying;
  if (per) per.fill(0, 0, m * U);
  for (let s = 0; s < m; s++) {
    const row = s * U;
    for (let u = 0; u < U; u++) e[u] = Math.exp(spotLogReturn[row + u]!);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const u = underlying[j]!;
      const mu = e[u]!;
      const F = forward[j]!;
      const v = Math.max(vol[j]! * (1 + volShift[row + u]!), VOL_FLOOR);
      const usd = price(F * mu, strike[j]!, timeToExpiry[j]!, v, rate[j]!, isCall[j]!);
      const after = inverse[j] !== 0 ? (usd / (F * mu)) * spot[u]! * mu : usd;
      const d = quantity[j]! * after - baseUsd[j]!;
      sum += d;
      if (per) per[row + u] = per[row + u]! + d;
    }
    out[s] = sum;
  }
  return out;
}

/**
 * The cubic through v[at..at+3] (nodes t = 0..3) in monomial form: out[o + k] = a_k of a0 + a1·t + a2·t² + a3·t³, in
 * these operations (surfaceEval's 1-D cells on every backend).
 */
export function cubicCoefficients(v: ArrayLike<number>, at: number, out: Float64Array, o: number): void {
  const v0 = v[at]!;
  const v1 = v[at + 1]!;
  const v2 = v[at + 2]!;
  const v3 = v[at + 3]!;
  out[o] = v0;
  out[o + 1] = (2 * v3 - 9 * v2 + 18 * v1 - 11 * v0) / 6;
  out[o + 2] = (4 * v2 - v3 - 5 * v1 + 2 * v0) / 2;
  out[o + 3] = (v3 - v0 + 3 * (v1 - v2)) / 6;
}

/** 1-D cells' coefficients: 4 per value slot of `values` (cell c of a table at offset o: 4·(o + c)); grown on demand. */
let cells = new Float64Array(256);

export function surfaceEval(t: PnlSurfaceTables, spotLogReturn: Float64Array, volShift: Float64Array, out: Float64Array, perUnderlying: Float64Array | null): Float64Array {
  const U = t.x0.length;
  const m = out.length;
  const vals = t.values;
  if (cells.length < 4 * vals.length) cells = new Float64Array(4 * vals.length);
  const k = cells;
  for (let u = 0; u < U; u++) {
    if (t.hasOptions[u] === 0 || t.nv[u] !== 1) continue;
    for (let c = 0, o = t.offset[u]!; c < t.nx[u]! - 3; c++) cubicCoefficients(vals, o + c, k, 4 * (o + c));
  }
  out.fill(0, 0, m);
  for (let u = 0; u < U; u++) {
    const x0 = t.x0[u]!;
    const dx = t.dx[u]!;
    const nx = t.nx[u]!;
    const v0 = t.v0[u]!;
    const dv = t.dv[u]!;
    const nv = t.nv[u]!;
    const off = t.offset[u]!;
    const lin = t.linear[u]!;
    const opt = t.hasOptions[u] !== 0;
    for (let s = 0; s < m; s++) {
      const x = spotLogReturn[s * U + u]!;
      let p = lin !== 0 ? lin * Math.expm1(x) : 0;
      if (opt) {
        const tx = (x - x0) / dx;
        const tv = nv === 1 ? 0 : (volShift[s * U + u]! - v0) / dv;
        if (tx !== tx || tv !== tv) {
          p += NaN;
        } else {
          let ix = Math.floor(tx) - 1;
          if (ix < 0) ix = 0;
          else if (ix > nx - 4) ix = nx - 4;
          const tt = tx - ix;
          if (nv === 1) {
            const c = 4 * (off + ix);
            p += ((k[c + 3]! * tt + k[c + 2]!) * tt + k[c + 1]!) * tt + k[c]!;
          } else {
            // 4-point Lagrange weights at local coordinate tt ∈ [0, 3] (es.ts lagrange4)
            const a = tt - 1;
            const b = tt - 2;
            const c = tt - 3;
            const w0 = -(a * b * c) / 6;
            const w1 = (tt * b * c) / 2;
            const w2 = -(tt * a * c) / 2;
            const w3 = (tt * a * b) / 6;
            const base = off + ix * nv;
            let iv = Math.floor(tv) - 1;
            if (iv < 0) iv = 0;
            else if (iv > nv - 4) iv = nv - 4;
            const tw = tv - iv;
            const av = tw - 1;
            const bv = tw - 2;
            const cv = tw - 3;
            const q0 = -(av * bv * cv) / 6;
            const q1 = (tw * bv * cv) / 2;
            const q2 = -(tw * av * cv) / 2;
            const q3 = (tw * av * bv) / 6;
            let r = base + iv;
            let e = 0;
            e += w0 * (q0 * vals[r]! + q1 * vals[r + 1]! + q2 * vals[r + 2]! + q3 * vals[r + 3]!);
            r += nv;
            e += w1 * (q0 * vals[r]! + q1 * vals[r + 1]! + q2 * vals[r + 2]! + q3 * vals[r + 3]!);
            r += nv;
            e += w2 * (q0 * vals[r]! + q1 * vals[r + 1]! + q2 * vals[r + 2]! + q3 * vals[r + 3]!);
            r += nv;
            e += w3 * (q0 * vals[r]! + q1 * vals[r + 1]! + q2 * vals[r + 2]! + q3 * vals[r + 3]!);
            p += e;
          }
        }
      }
      out[s] = out[s]! + p;
      if (perUnderlying) perUnderlying[s * U + u] = p;
    }
  }
  return out;
}

const LINK_RELATIVE = SpotVolLinkKind.relative;
const LINK_LOG = SpotVolLinkKind.log;

/** The vol shift of spot move x under link kind k (SpotVolLinkKind): scenarioRows' definition, for every caller. */
export function linkedShift(k: number, beta: number, floor: number, x: number): number {
  return k === LINK_RELATIVE ? Math.max(floor, 1 + beta * x) - 1 : k === LINK_LOG ? Math.expm1(beta * x) : 0;
}

/**
 * v = the links' vol shifts of the rows `x` (rows × n), with `range` (4n, ScenarioRowsOutputs' layout) updated row by
 * row: scenarioRows for one block of given moves (historical scenarios). A small function of its own so V8 optimises
 * the loop as a whole (not by on-stack replacement inside a long caller).
 */
export function linkRange(
  x: Float64Array, v: Float64Array, rows: number, n: number, kind: Int32Array, beta: Float64Array, floor: Float64Array, range: Float64Array,
): void {
  for (let s = 0, i = 0; s < rows; s++) {
    for (let u = 0; u < n; u++, i++) {
      const xi = x[i]!;
      const vi = linkedShift(kind[u]!, beta[u]!, floor[u]!, xi);
      v[i] = vi;
      bound(range, n, u, xi, vi);
    }
  }
}

/** Folds one move (x, v) of asset u into the bounds. */
function bound(range: Float64Array, n: number, u: number, x: number, v: number): void {
  if (x < range[u]!) range[u] = x;
  if (v < range[n + u]!) range[n + u] = v;
  if (range[2 * n + u]! < x) range[2 * n + u] = x;
  if (range[3 * n + u]! < v) range[3 * n + u] = v;
}

export function scenarioRows(i: ScenarioRowsInputs, state: RngState, rows: number, mirrorRows: number, out: ScenarioRowsOutputs): void {
  const n = i.n;
  correlatedNormals(rows, n, i.l, state, i.nu, out.x);
  linkMirror(out, rows, Math.min(mirrorRows, rows), n, i.kind, i.beta, i.floor);
}

/** scenarioRows after the draws: mirrors, vol shifts and bounds in one pass (its own function for V8, as linkRange). */
function linkMirror(out: ScenarioRowsOutputs, rows: number, mirrorRows: number, n: number, kind: Int32Array, beta: Float64Array, floor: Float64Array): void {
  const { x, v, mirrorX, mirrorV, range } = out;
  for (let s = 0, i = 0; s < rows; s++) {
    const row = i;
    for (let u = 0; u < n; u++, i++) {
      const xi = x[i]!;
      const vi = linkedShift(kind[u]!, beta[u]!, floor[u]!, xi);
      if (v !== null) v[i] = vi;
      bound(range, n, u, xi, vi);
    }
    if (s < mirrorRows) {
      for (let u = 0, j = row; u < n; u++, j++) {
        const xi = 0 - x[j]!;
        const vi = linkedShift(kind[u]!, beta[u]!, floor[u]!, xi);
        mirrorX[j] = xi;
        if (mirrorV !== null) mirrorV[j] = vi;
        bound(range, n, u, xi, vi);
      }
    }
  }
}
