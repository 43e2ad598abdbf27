import type { Black76Inputs, GridAggregateInputs, GridAggregateOutputs, GridFinishInputs, GridFinishOutputs, GridRowsInputs, BsmInputs, ScenarioRowsInputs, ScenarioRowsOutputs, GreeksOutputs, Kernels, PnlSurfaceTables, PortfolioInputs, PortfolioOutputs, RngState, ScenarioRevaluationInputs, TailResult } from "../types.js";
import { ZIGGURAT_TABLE } from "../js/ziggurat.js";
import { Arena } from "./arena.js";

/** The raw exports of `assembly/index.ts` (pointer tier): numbers are byte offsets into `memory`. */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  zigTablePtr(): number;
  rngSeed(state: number, seedLo: number, seedHi: number): void;
  rngJump(state: number): void;
  rngLongJump(state: number): void;
  rngRaw(state: number, n: number, out: number): void;
  rngUniform(state: number, n: number, out: number): void;
  rngNormal(state: number, n: number, out: number): void;
  rngStudentT(state: number, n: number, nu: number, out: number): void;
  rngMvtScale(state: number, n: number, nu: number, out: number): void;
  cholesky(n: number, a: number, l: number): number;
  correlate(m: number, n: number, l: number, e: number, rowScale: number, out: number): void;
  correlatedNormals(m: number, n: number, l: number, state: number, nu: number, scratchRow: number, out: number): void;
  black76(
    n: number, forward: number, strike: number, t: number, vol: number, rate: number, isCall: number, inverse: number,
    price: number, delta: number, gamma: number, vega: number, theta: number, rho: number,
  ): void;
  black76Price(
    n: number, forward: number, strike: number, t: number, vol: number, rate: number, isCall: number, inverse: number, price: number,
  ): void;
  bsm(
    n: number, spot: number, strike: number, t: number, vol: number, rate: number, q: number, isCall: number,
    price: number, delta: number, gamma: number, vega: number, theta: number, rho: number,
  ): void;
  varEs(n: number, pnl: number, weights: number, confidence: number, scratch: number, scratchW: number, out: number): void;
  worst(n: number, pnl: number, k: number, heap: number, out: number): number;
  histogram(n: number, x: number, weights: number, lo: number, hi: number, bins: number, out: number): void;
  portfolioAggregate(
    n: number, nOptions: number, nUnderlyings: number,
    optionRow: number, underlying: number, inverse: number, quantity: number, forward: number, entryPrice: number, spot: number,
    price: number, delta: number, gamma: number, vega: number, theta: number,
    out: number, sums: number,
  ): number;
  gridAggregate(
    nLegs: number, legPlan: number, legTerm: number, legDamp: number, planK: number, planScen: number,
    scenShock: number, scenKind: number, scenWeight: number, termCoef: number, termScale: number, termVec: number, termScaleVec: number,
    pool: number, scratch: number, outLoss: number, outAt: number,
  ): void;
  gridFinish(
    nAccounts: number,
    instOpt: number, instInv: number, instF: number, instMark: number, instMarkUsd: number,
    posQ: number, posEntry: number, posInst: number, posPerp: number,
    planSom: number, planCombine: number,
    legPlan: number, legU: number, legBlockCount: number, legPos: number, legNet: number, netQ: number, spot: number,
    groupLeg: number, groupCoin: number, groupCcy: number, groupColl: number, groupStable: number, ccyUnit: number,
    collAmount: number, collAsset: number, collHaircut: number, haircutInitial: number, haircutMaintenance: number,
    stableAmount: number, stableAsset: number, assetPrice: number,
    accGroup: number, accOk: number, loss: number, at: number,
    usdMode: number, netShortOption: number, perpetual: number, stablecoinDepeg: number, initialFactor: number, maintenanceFactor: number,
    outIM: number, outMM: number, outEq: number, outExI: number, outExM: number, outWorstPnl: number, outStatus: number, outWorstIndex: number,
  ): number;
  gridRows(
    nPairs: number, pairRow: number, pairPlan: number,
    forward: number, strike: number, t: number, vol: number, rate: number, isCall: number,
    volUp: number, volDown: number, skewStep: number, basisMove: number,
    planK: number, planShock: number, shockX: number, shockEx: number, shockVol: number, shockSkew: number, shockBasis: number,
    cF: number, cK: number, cT: number, cV: number, cR: number, cC: number,
  ): void;
  revalueScenarios(
    m: number, n: number, U: number,
    forward: number, strike: number, t: number, vol: number, rate: number, isCall: number,
    quantity: number, underlying: number, inverse: number, spot: number, baseUsd: number,
    x: number, dv: number, rows: number, scratch: number, mult: number, out: number, perU: number,
  ): void;
  scenarioRows(
    rows: number, mirrorRows: number, n: number, l: number, state: number, nu: number, scratchRow: number,
    kind: number, beta: number, floor: number, x: number, v: number, mx: number, mv: number, range: number,
  ): void;
  surfaceEval(
    m: number, U: number,
    x0: number, dx: number, nx: number, v0: number, dv: number, nv: number, offset: number, values: number, linear: number, hasOptions: number,
    x: number, v: number, out: number, perU: number, coef: number,
  ): void;
}

/**
 * The `wasm` backend, array tier: copies typed arrays into the arena, calls the kernel, copies the results out and
 * releases the arena. Pipelines that should not copy use `exports` and `arena` directly (pointer tier).
 */
export class WasmKernels implements Kernels {
  readonly backend = "wasm" as const;
  readonly arena: Arena;

  constructor(
    readonly exports: WasmExports,
    readonly simd: boolean,
  ) {
    this.arena = new Arena(exports.memory, exports.heapBase());
    this.arena.f64(exports.zigTablePtr(), ZIGGURAT_TABLE.length).set(ZIGGURAT_TABLE);
  }

  /** Runs `body` with the arena released afterwards, whatever happens. */
  private scoped<T>(body: (a: Arena) => T): T {
    const mark = this.arena.mark();
    try {
      return body(this.arena);
    } finally {
      this.arena.release(mark);
    }
  }

  /** Runs an RNG kernel on a copy of `state` in wasm memory and copies the advanced state back. */
  private withState<T>(state: RngState, body: (a: Arena, statePtr: number) => T): T {
    return this.scoped((a) => {
      const sp = a.putU32(state);
      const result = body(a, sp);
      state.set(a.u32(sp, 8));
      return result;
    });
  }

  private fill(state: RngState, out: Float64Array, call: (sp: number, n: number, op: number) => void): Float64Array {
    return this.withState(state, (a, sp) => {
      const op = a.allocF64(out.length);
      call(sp, out.length, op);
      out.set(a.f64(op, out.length));
      return out;
    });
  }

  rngSeed(state: RngState, seed: bigint): void {
    const s = BigInt.asUintN(64, seed);
    this.withState(state, (_a, sp) =>
      this.exports.rngSeed(sp, Number(s & 0xffffffffn) | 0, Number(s >> 32n) | 0),
    );
  }

  rngJump(state: RngState): void {
    this.withState(state, (_a, sp) => this.exports.rngJump(sp));
  }

  rngLongJump(state: RngState): void {
    this.withState(state, (_a, sp) => this.exports.rngLongJump(sp));
  }

  rngRaw(state: RngState, out: Uint32Array): Uint32Array {
    return this.withState(state, (a, sp) => {
      const count = out.length >>> 1;
      const op = a.alloc(count * 8);
      this.exports.rngRaw(sp, count, op);
      out.set(a.u32(op, count * 2));
      return out;
    });
  }

  rngUniform(state: RngState, out: Float64Array): Float64Array {
    return this.fill(state, out, (sp, n, op) => this.exports.rngUniform(sp, n, op));
  }

  rngNormal(state: RngState, out: Float64Array): Float64Array {
    return this.fill(state, out, (sp, n, op) => this.exports.rngNormal(sp, n, op));
  }

  rngStudentT(state: RngState, nu: number, out: Float64Array): Float64Array {
    return this.fill(state, out, (sp, n, op) => this.exports.rngStudentT(sp, n, nu, op));
  }

  rngMvtScale(state: RngState, nu: number, out: Float64Array): Float64Array {
    return this.fill(state, out, (sp, n, op) => this.exports.rngMvtScale(sp, n, nu, op));
  }

  cholesky(n: number, a: Float64Array, l: Float64Array): number {
    return this.scoped((ar) => {
      const ap = ar.putF64(a.subarray(0, n * n));
      const lp = ar.allocF64(n * n);
      const status = this.exports.cholesky(n, ap, lp);
      l.set(ar.f64(lp, n * n));
      return status;
    });
  }

  correlate(m: number, n: number, l: Float64Array, e: Float64Array, rowScale: Float64Array | null, out: Float64Array): Float64Array {
    return this.scoped((a) => {
      const lp = a.putF64(l.subarray(0, n * n));
      const ep = a.putF64(e.subarray(0, m * n));
      const sp = rowScale ? a.putF64(rowScale.subarray(0, m)) : 0;
      const op = a.allocF64(m * n);
      this.exports.correlate(m, n, lp, ep, sp, op);
      out.set(a.f64(op, m * n));
      return out;
    });
  }

  correlatedNormals(m: number, n: number, l: Float64Array, state: RngState, nu: number, out: Float64Array): Float64Array {
    return this.withState(state, (a, sp) => {
      const lp = a.putF64(l.subarray(0, n * n));
      const scratchRow = nu > 0 ? a.allocF64(m) : 0;
      const op = a.allocF64(m * n);
      this.exports.correlatedNormals(m, n, lp, sp, nu, scratchRow, op);
      out.set(a.f64(op, m * n));
      return out;
    });
  }

  scenarioRows(i: ScenarioRowsInputs, state: RngState, rows: number, mirrorRows: number, out: ScenarioRowsOutputs): void {
    this.withState(state, (a, sp) => {
      const n = i.n;
      const mirrors = Math.max(0, Math.min(mirrorRows, rows));
      const lp = a.putF64(i.l.subarray(0, n * n));
      const scratchRow = i.nu > 0 ? a.allocF64(rows) : 0;
      const links = [a.putI32(i.kind.subarray(0, n)), a.putF64(i.beta.subarray(0, n)), a.putF64(i.floor.subarray(0, n))] as const;
      // pointer 0: the kernel does not store those shifts
      const cols = [a.allocF64(rows * n), out.v ? a.allocF64(rows * n) : 0, a.allocF64(mirrors * n), out.mirrorV ? a.allocF64(mirrors * n) : 0] as const;
      const rp = a.putF64(out.range.subarray(0, 4 * n));
      this.exports.scenarioRows(rows, mirrors, n, lp, sp, i.nu, scratchRow, ...links, ...cols, rp);
      out.x.set(a.f64(cols[0], rows * n));
      out.v?.set(a.f64(cols[1], rows * n));
      out.mirrorX.set(a.f64(cols[2], mirrors * n));
      out.mirrorV?.set(a.f64(cols[3], mirrors * n));
      out.range.set(a.f64(rp, 4 * n));
    });
  }

  black76(inputs: Black76Inputs, inverse: boolean, out: GreeksOutputs): GreeksOutputs {
    return this.scoped((a) => {
      const n = inputs.forward.length;
      const ins = this.putBlack76(a, inputs);
      const outs = allocGreeks(a, n);
      this.exports.black76(n, ...ins, inverse ? 1 : 0, ...outs);
      copyGreeks(a, outs, n, out);
      return out;
    });
  }

  black76Price(inputs: Black76Inputs, inverse: boolean, out: Float64Array): Float64Array {
    return this.scoped((a) => {
      const n = inputs.forward.length;
      const ins = this.putBlack76(a, inputs);
      const op = a.allocF64(n);
      this.exports.black76Price(n, ...ins, inverse ? 1 : 0, op);
      out.set(a.f64(op, n));
      return out;
    });
  }

  bsm(inputs: BsmInputs, out: GreeksOutputs): GreeksOutputs {
    return this.scoped((a) => {
      const n = inputs.spot.length;
      const outs = allocGreeks(a, n);
      this.exports.bsm(
        n,
        a.putF64(inputs.spot),
        a.putF64(inputs.strike),
        a.putF64(inputs.timeToExpiry),
        a.putF64(inputs.vol),
        a.putF64(inputs.rate),
        a.putF64(inputs.dividendYield),
        a.putI32(inputs.isCall),
        ...outs,
      );
      copyGreeks(a, outs, n, out);
      return out;
    });
  }

  private putBlack76(a: Arena, i: Black76Inputs): [number, number, number, number, number, number] {
    return [a.putF64(i.forward), a.putF64(i.strike), a.putF64(i.timeToExpiry), a.putF64(i.vol), a.putF64(i.rate), a.putI32(i.isCall)];
  }

  portfolioValue(book: PortfolioInputs, out: PortfolioOutputs): number {
    return this.scoped((a) => {
      const n = book.quantity.length;
      const m = book.options.forward.length;
      const nu = book.spot.length;
      // black76 → portfolioAggregate on pointers: the options' prices and Greeks never leave wasm memory
      const ins = this.putBlack76(a, book.options);
      const g = allocGreeks(a, m);
      this.exports.black76(m, ...ins, 0, ...g);
      const op = a.allocF64(PORTFOLIO_COLUMNS * n);
      const sp = a.allocF64(PORTFOLIO_SUMS * nu);
      const invalid = this.exports.portfolioAggregate(
        n, m, nu,
        a.putI32(book.optionRow), a.putI32(book.underlying), a.putI32(book.inverse),
        a.putF64(book.quantity), a.putF64(book.forward), a.putF64(book.entryPrice), a.putF64(book.spot),
        g[0], g[1], g[2], g[3], g[4],
        op, sp,
      );
      // one view per block (after every allocation: a grow would detach it); columns in assembly/portfolio.ts order
      const cols = a.f64(op, PORTFOLIO_COLUMNS * n);
      const per = [out.mark, out.markUsd, out.value, out.valueUsd, out.unrealisedPnl, out.delta, out.premiumAdjustedDelta, out.gamma, out.vega, out.theta];
      if (consecutive(per, n)) new Float64Array(out.mark.buffer, out.mark.byteOffset, PORTFOLIO_COLUMNS * n).set(cols);
      else for (let c = 0; c < PORTFOLIO_COLUMNS; c++) per[c]!.set(cols.subarray(c * n, c * n + n));
      const sums = a.f64(sp, PORTFOLIO_SUMS * nu);
      const s = out.sums;
      const perU = [s.delta, s.premiumAdjustedDelta, s.gamma, s.vega, s.theta, s.valueUsd];
      for (let c = 0; c < PORTFOLIO_SUMS; c++) perU[c]!.set(sums.subarray(c * nu, c * nu + nu));
      return invalid;
    });
  }

  gridAggregate(i: GridAggregateInputs, out: GridAggregateOutputs): GridAggregateOutputs {
    return this.scoped((a) => {
      const n = i.legPlan.length;
      let maxK = 0;
      for (let p = 0; p < i.planK.length; p++) if (i.planK[p]! > maxK) maxK = i.planK[p]!;
      const ptrs = [
        a.putI32(i.legPlan), a.putI32(i.legTerm), a.putF64(i.legDamp), a.putI32(i.planK), a.putI32(i.planScen),
        a.putI32(i.scenShock), a.putI32(i.scenKind), a.putF64(i.scenWeight),
        a.putF64(i.termCoef), a.putF64(i.termScale), a.putI32(i.termVec), a.putI32(i.termScaleVec), a.putF64(i.pool),
      ] as const;
      const scratch = a.allocF64(maxK);
      const lp = a.allocF64(5 * n);
      const ap = a.allocI32(2 * n);
      this.exports.gridAggregate(n, ...ptrs, scratch, lp, ap);
      out.loss.set(a.f64(lp, 5 * n));
      out.at.set(a.i32(ap, 2 * n));
      return out;
    });
  }

  gridRows(i: GridRowsInputs, rows: Black76Inputs): Black76Inputs {
    return this.scoped((a) => {
      const nPairs = i.pairRow.length;
      let R = 0;
      for (let q = 0; q < nPairs; q++) R = Math.max(R, i.pairRow[q]! + i.planK[i.pairPlan[q]!]!);
      const ins = [
        a.putI32(i.pairRow), a.putI32(i.pairPlan), a.putF64(i.forward), a.putF64(i.strike), a.putF64(i.timeToExpiry), a.putF64(i.vol),
        a.putF64(i.rate), a.putI32(i.isCall), a.putF64(i.volUp), a.putF64(i.volDown), a.putF64(i.skewStep), a.putF64(i.basisMove),
        a.putI32(i.planK), a.putI32(i.planShock), a.putF64(i.shockX), a.putF64(i.shockEx), a.putI32(i.shockVol), a.putI32(i.shockSkew), a.putI32(i.shockBasis),
      ] as const;
      const cols = [a.allocF64(R), a.allocF64(R), a.allocF64(R), a.allocF64(R), a.allocF64(R), a.allocI32(R)] as const;
      this.exports.gridRows(nPairs, ...ins, ...cols);
      rows.forward.set(a.f64(cols[0], R));
      rows.strike.set(a.f64(cols[1], R));
      rows.timeToExpiry.set(a.f64(cols[2], R));
      rows.vol.set(a.f64(cols[3], R));
      rows.rate.set(a.f64(cols[4], R));
      rows.isCall.set(a.i32(cols[5], R));
      return rows;
    });
  }

  gridFinish(i: GridFinishInputs, out: GridFinishOutputs): number {
    return this.scoped((a) => {
      const n = i.accOk.length;
      const ins = [
        a.putI32(i.instOpt), a.putI32(i.instInv), a.putF64(i.instF), a.putF64(i.instMark), a.putF64(i.instMarkUsd),
        a.putF64(i.posQ), a.putF64(i.posEntry), a.putI32(i.posInst), a.putI32(i.posPerp),
        a.putF64(i.planSom), a.putI32(i.planCombine),
        a.putI32(i.legPlan), a.putI32(i.legU), a.putI32(i.legBlockCount), a.putI32(i.legPos), a.putI32(i.legNet), a.putF64(i.netQ), a.putF64(i.spot),
        a.putI32(i.groupLeg), a.putI32(i.groupCoin), a.putI32(i.groupCcy), a.putI32(i.groupColl), a.putI32(i.groupStable), a.putF64(i.ccyUnit),
        a.putF64(i.collAmount), a.putI32(i.collAsset), a.putI32(i.collHaircut), a.putF64(i.haircutInitial), a.putF64(i.haircutMaintenance),
        a.putF64(i.stableAmount), a.putI32(i.stableAsset), a.putF64(i.assetPrice),
        a.putI32(i.accGroup), a.putI32(i.accOk), a.putF64(i.loss), a.putI32(i.at),
      ] as const;
      const f = [a.allocF64(n), a.allocF64(n), a.allocF64(n), a.allocF64(n), a.allocF64(n), a.allocF64(n)] as const;
      const sp = a.allocI32(n);
      const wp = a.allocI32(n);
      const bad = this.exports.gridFinish(
        n, ...ins, i.usdMode, i.netShortOption, i.perpetual, i.stablecoinDepeg, i.initialFactor, i.maintenanceFactor, ...f, sp, wp,
      );
      const cols = [out.initialMargin, out.maintenanceMargin, out.equity, out.excessInitial, out.excessMaintenance, out.worstPnl];
      for (let c = 0; c < 6; c++) cols[c]!.set(a.f64(f[c]!, n));
      out.status.set(a.i32(sp, n));
      out.worstIndex.set(a.i32(wp, n));
      return bad;
    });
  }

  revalueScenarios(i: ScenarioRevaluationInputs, out: Float64Array, perUnderlying: Float64Array | null = null): Float64Array {
    return this.scoped((a) => {
      const m = out.length;
      const n = i.options.forward.length;
      const U = i.spot.length;
      const ins = this.putBlack76(a, i.options);
      const cols = [a.putF64(i.quantity), a.putI32(i.underlying), a.putI32(i.inverse), a.putF64(i.spot), a.putF64(i.baseUsd)] as const;
      const xp = a.putF64(i.spotLogReturn.subarray(0, m * U));
      const vp = a.putF64(i.volShift.subarray(0, m * U));
      // block scratch: 7 f64 columns + 1 i32 column of REVAL_ROWS rows (assembly/scenarios.ts), e^x per underlying
      const scratch = a.alloc(REVAL_ROWS * 8 * 7 + REVAL_ROWS * 4);
      const mult = a.allocF64(U);
      const op = a.allocF64(m);
      const pp = perUnderlying ? a.allocF64(m * U) : 0;
      this.exports.revalueScenarios(m, n, U, ...ins, ...cols, xp, vp, REVAL_ROWS, scratch, mult, op, pp);
      out.set(a.f64(op, m));
      if (perUnderlying) perUnderlying.set(a.f64(pp, m * U));
      return out;
    });
  }

  surfaceEval(t: PnlSurfaceTables, spotLogReturn: Float64Array, volShift: Float64Array, out: Float64Array, perUnderlying: Float64Array | null): Float64Array {
    return this.scoped((a) => {
      const m = out.length;
      const U = t.x0.length;
      const ptrs = [
        a.putF64(t.x0), a.putF64(t.dx), a.putI32(t.nx), a.putF64(t.v0), a.putF64(t.dv), a.putI32(t.nv),
        a.putI32(t.offset), a.putF64(t.values), a.putF64(t.linear), a.putI32(t.hasOptions),
      ] as const;
      const xp = a.putF64(spotLogReturn.subarray(0, m * U));
      // the vol shifts are read only by 2-D tables (nv > 1 with options): skip copying them otherwise
      let twoD = false;
      for (let u = 0; u < U; u++) if (t.nv[u]! > 1 && t.hasOptions[u] !== 0) twoD = true;
      const vp = twoD ? a.putF64(volShift.subarray(0, m * U)) : xp;
      const op = a.allocF64(m);
      const pp = perUnderlying ? a.allocF64(m * U) : 0;
      const coef = a.allocF64(4 * t.values.length);
      this.exports.surfaceEval(m, U, ...ptrs, xp, vp, op, pp, coef);
      out.set(a.f64(op, m));
      if (perUnderlying) perUnderlying.set(a.f64(pp, m * U));
      return out;
    });
  }

  varEs(pnl: Float64Array, weights: Float64Array | null, confidence: number): TailResult {
    return this.scoped((a) => {
      const n = pnl.length;
      const pp = a.putF64(pnl);
      const wp = weights ? a.putF64(weights) : 0;
      const scratch = a.allocF64(n);
      const scratchW = weights ? a.allocF64(n) : 0;
      const op = a.allocF64(2);
      this.exports.varEs(n, pp, wp, confidence, scratch, scratchW, op);
      const r = a.f64(op, 2);
      return { var: r[0]!, es: r[1]! };
    });
  }

  worst(pnl: Float64Array, k: number, out: Int32Array): Int32Array {
    return this.scoped((a) => {
      const kk = Math.max(0, Math.min(k, pnl.length, out.length));
      const pp = a.putF64(pnl);
      const heap = a.allocI32(kk);
      const op = a.allocI32(kk);
      const count = this.exports.worst(pnl.length, pp, kk, heap, op);
      out.set(a.i32(op, count));
      return out.subarray(0, count);
    });
  }

  histogram(x: Float64Array, weights: Float64Array | null, lo: number, hi: number, out: Float64Array): Float64Array {
    return this.scoped((a) => {
      const xp = a.putF64(x);
      const wp = weights ? a.putF64(weights) : 0;
      const op = a.allocF64(out.length);
      this.exports.histogram(x.length, xp, wp, lo, hi, out.length, op);
      out.set(a.f64(op, out.length));
      return out;
    });
  }
}

type GreekPtrs = [number, number, number, number, number, number];

/** Rows per priced block of revalueScenarios (whole scenarios × an option chunk; scratch ≈ 120 KB, L2-resident). */
const REVAL_ROWS = 2048;

/** Column counts of portfolioAggregate's output blocks (assembly/portfolio.ts documents their order). */
const PORTFOLIO_COLUMNS = 10;
const PORTFOLIO_SUMS = 6;

/** True when the columns lie back to back in one buffer, in order (as the engine allocates them): one copy, not ten. */
function consecutive(cols: Float64Array[], n: number): boolean {
  const first = cols[0]!;
  for (let c = 0; c < cols.length; c++) {
    const x = cols[c]!;
    if (x.buffer !== first.buffer || x.length !== n || x.byteOffset !== first.byteOffset + c * n * 8) return false;
  }
  return true;
}

function allocGreeks(a: Arena, n: number): GreekPtrs {
  return [a.allocF64(n), a.allocF64(n), a.allocF64(n), a.allocF64(n), a.allocF64(n), a.allocF64(n)];
}

function copyGreeks(a: Arena, p: GreekPtrs, n: number, out: GreeksOutputs): void {
  out.price.set(a.f64(p[0], n));
  out.delta.set(a.f64(p[1], n));
  out.gamma.set(a.f64(p[2], n));
  out.vega.set(a.f64(p[3], n));
  out.theta.set(a.f64(p[4], n));
  out.rho.set(a.f64(p[5], n));
}

/** Instantiates the core (no imports besides `env.abort`, which the stub runtime calls only in debug builds). */
export async function instantiateWasmKernels(bytes: BufferSource, simd: boolean): Promise<WasmKernels> {
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`offset wasm core: abort at ${line}:${column}`);
      },
      seed: () => Date.now(),
    },
  });
  return new WasmKernels(instance.exports as unknown as WasmExports, simd);
}
