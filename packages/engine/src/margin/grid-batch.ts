// A held batch state for the scenario-grid margin of many accounts on every market tick (DESIGN: "Node backends:
// recompute … for many accounts on every market tick"; caches are explicit objects the caller holds; aggregate before
// you loop).
//
// Construction (cold, once): every account is parsed, resolved and laid out exactly as `gridMarginBatch` does
// (grid.ts: groups → legs → cached shock plans), then flattened into struct-of-arrays columns:
//   legs   (account × currency group × underlying): plan, term range, currency, underlying
//   terms  (a position or a moving collateral balance of a leg, book order then collateral order): coefficient and
//          the pool offset of its P&L-per-shock vector
//   vectors one per distinct (instrument, shock plan, currency form): the instrument's P&L per unit per shock —
//          shared by every account holding the instrument (a venue lists a few hundred; 10,000 accounts hold ~200k
//          positions in them)
// recompute(market?) (every tick):
//   1. resolves the distinct instruments (not the accounts) on the snapshot: forwards, vols, times, spots;
//   2. per (distinct option, plan) pair its tenor-scaled vols (grid.ts shockScalars), then ONE gridRows kernel call
//      writing every (option, shock) row and ONE black76Price call over them;
//   3. the vectors (price → P&L per unit in the group's measure, the engine's formulas) and the per-tick coefficients
//      (linear futures q·F, collateral amount·price, dampeners) with plain loops;
//   4. ONE gridAggregate kernel call over every leg: P&L per shock and the scenario scan (worst grid, extreme, basis);
//   5. ONE gridFinish kernel call: per account, the scalar rules of grid.ts `finishGroup`/`result` (add-ons, IM/MM,
//      equity, status, worst scenario) into columns. On wasm the columns of 2–5 stay in wasm memory (WasmTick). MarginResult objects only on request (`result(a)`, the per-account engine).
// Every operation is the per-account engine's, in the same order (the kernel twin documents the P&L forms): results
// equal `marginBatch`'s bit for bit (tests). Not supported here: the oracle add-on (it needs per-position Black-76
// deltas; use marginBatch) and the joint grid (off in batches).
import type { Arena, GridAggregateInputs, GridFinishInputs, GridFinishOutputs, GridRowsInputs, Kernels, WasmExports } from "@offset/kernels";
import { fail, OffsetInputError } from "../errors.js";
import { type Market, parseMarket, usdPrice } from "../market/snapshot.js";
import { type Book, parseBook } from "../model.js";
import { resolveBook } from "../portfolio.js";
import { type BatchFailure, buildLayout, computeResolved, type GridMarginResult, type GridParameters, type Layout, rowColumns, shockScalars, type ShockPlan, type UnderlyingGrid } from "./grid.js";

/** Forms of a P&L vector (per unit): options by settlement and group measure, futures by settlement. */
const OPT_INV_COIN = 0; // P′/F′ − mark                      (inverse option, coin group)
const OPT_INV_USD = 1; //  (P′/F′)·S·e^x − mark·S             (inverse option, USD group)
const OPT_LIN = 2; //      P′ − P                             (linear option)
const FUT_INV = 3; //      1 − 1/m, m = e^x or e^{x + b·aT}    (inverse future; USD groups scale by S·e^x in the kernel)
const FUT_LIN = 4; //      m − 1                              (linear future; coefficient q·F)

/** Per-tick coefficients of terms: static q, q·F (linear future), amount·price (collateral). */
const COEF_Q = 0;
const COEF_QF = 1;
const COEF_COLL = 2;

/** Status codes of the `status` column. */
export const BATCH_STATUS = ["healthy", "margin-call", "liquidation"] as const;

class Growable {
  a: number[] = [];
  push(x: number): number {
    this.a.push(x);
    return this.a.length - 1;
  }
  get length(): number {
    return this.a.length;
  }
}

/**
 * The grid margin of many accounts, held by the caller and recomputed per market tick (module comment).
 * Columns are indexed by account; a failed account (bad input at construction) has NaN figures, status 255 and its
 * error in `failures`.
 */
export class GridBatchState {
  readonly size: number;
  readonly failures: BatchFailure[] = [];
  /** account's currency: its group's when it has one group, else USD */
  readonly currency: string[];
  readonly initialMargin: Float64Array;
  readonly maintenanceMargin: Float64Array;
  readonly equity: Float64Array;
  readonly excessInitial: Float64Array;
  readonly excessMaintenance: Float64Array;
  /** 0 healthy, 1 margin call, 2 liquidation (BATCH_STATUS), 255 failed */
  readonly status: Uint8Array;
  /** the account's worst scenario (MarginResult.worst[0]): index within its group's scenarios, P&L in the account currency; −1 and NaN without scenarios */
  readonly worstIndex: Int32Array;
  readonly worstPnl: Float64Array;

  private market: Market;
  private readonly books: (Book | null)[];
  // instruments
  private readonly uniBook: Book;
  private readonly instF: Float64Array;
  private readonly instMark: Float64Array;
  private readonly instMarkUsd: Float64Array;
  private readonly instInv: Int32Array;
  private readonly instOpt: Int32Array;
  private readonly instU: Int32Array;
  private readonly instT: Float64Array;
  private readonly instBaseRow: Int32Array;
  // underlyings, assets, currencies
  private readonly undNames: string[];
  private readonly spot: Float64Array;
  private readonly assetNames: string[];
  private readonly assetPrice: Float64Array;
  private readonly ccyNames: string[];
  private readonly ccyUnit: Float64Array;
  // plans and vectors
  private readonly plans: ShockPlan[];
  private readonly planPu: UnderlyingGrid[];
  /** option rows: (instrument, plan) pairs */
  private readonly pairInst: Int32Array;
  private readonly pairPlan: Int32Array;
  private readonly pairRow: Int32Array;
  private readonly rows: number;
  /** gridRows inputs: the pairs' plans and rows, the plans' pooled shocks (static); the pairs' option data (per tick) */
  private readonly rowsIn: GridRowsInputs;
  private readonly vecInst: Int32Array;
  private readonly vecPlan: Int32Array;
  private readonly vecForm: Int8Array;
  private readonly vecPair: Int32Array;
  private readonly vecOff: Int32Array;
  /** pool offsets of each plan's e^x and e^x − 1 */
  private readonly planEx: Int32Array;
  // kernel inputs
  private readonly agg: GridAggregateInputs;
  private readonly loss: Float64Array;
  private readonly at: Int32Array;
  // per-tick coefficients
  private readonly dynTerm: Int32Array;
  private readonly dynKind: Int8Array;
  private readonly dynQ: Float64Array;
  private readonly dynRef: Int32Array;
  /** the terms of the ((c·V)·S)·e^x form (inverse futures in USD groups) and their underlyings */
  private readonly scaleTerm: Int32Array;
  private readonly scaleU: Int32Array;
  // legs
  private readonly legCcy: Int32Array;
  private readonly legCoin: Uint8Array;
  private readonly legU: Int32Array;
  private readonly legPos: Int32Array;
  private readonly legNet: Int32Array;
  private readonly legBlockCount: Int32Array;
  private readonly posQ: Float64Array;
  private readonly posEntry: Float64Array;
  private readonly posInst: Int32Array;
  private readonly posPerp: Int32Array;
  private readonly netQ: Float64Array;
  // groups
  private readonly groupLeg: Int32Array;
  private readonly groupCcy: Int32Array;
  private readonly groupCoin: Int32Array;
  private readonly groupColl: Int32Array;
  private readonly collAsset: Int32Array;
  private readonly collAmount: Float64Array;
  private readonly collHaircut: Int32Array;
  private readonly groupStable: Int32Array;
  private readonly stableAmount: Float64Array;
  private readonly stableAsset: Int32Array;
  private readonly accGroup: Int32Array;

  constructor(
    readonly kernels: Kernels,
    accounts: readonly unknown[],
    market: Market,
    readonly parameters: GridParameters,
  ) {
    const p = parameters;
    for (const [u, f] of Object.entries(p.addOns.oracle)) if (f !== 0) fail(`policy.parameters.addOns.oracle.${u}`, "0 in a held batch (the oracle add-on needs per-position deltas: use marginBatch)", f);
    const n = accounts.length;
    this.size = n;
    this.market = market;
    this.books = new Array(n);
    const layouts: (Layout | null)[] = new Array(n);
    for (let a = 0; a < n; a++) {
      try {
        const b = parseBook(accounts[a]);
        layouts[a] = buildLayout(resolveBook(b, market), market, p, false);
        this.books[a] = b;
      } catch (e) {
        if (!(e instanceof OffsetInputError)) throw e;
        layouts[a] = null;
        this.books[a] = null;
        this.failures.push({ account: a, error: e });
      }
    }
    // ids: instruments (universe book), underlyings, assets, currencies, plans
    const inst = new Map<string, number>();
    const uniPositions: Book["positions"] = [];
    const und = new Map<string, number>();
    const asset = new Map<string, number>();
    const ccy = new Map<string, number>();
    const plan = new Map<ShockPlan, number>();
    const planPu: UnderlyingGrid[] = [];
    const id = (m: Map<string, number>, k: string) => {
      let x = m.get(k);
      if (x === undefined) m.set(k, (x = m.size));
      return x;
    };
    const pair = new Map<number, number>(); // inst * 2^16 + plan → pair id
    const pairInst = new Growable();
    const pairPlan = new Growable();
    const vec = new Map<number, number>(); // (pair-or-inst key, form) → vector id
    const vecInst = new Growable();
    const vecPlan = new Growable();
    const vecForm = new Growable();
    const vecPair = new Growable();
    // legs, terms, positions, groups
    const legPlan = new Growable();
    const legTerm = new Growable();
    legTerm.push(0);
    const legCcy = new Growable();
    const legCoin = new Growable();
    const legU = new Growable();
    const legPos = new Growable();
    legPos.push(0);
    const legNet = new Growable();
    legNet.push(0);
    const legBlock = new Growable();
    const termCoef = new Growable();
    const termVecId = new Growable(); // vector id, or −1 − plan for collateral (em1)
    const termScaleU = new Growable(); // underlying id for the ((c·V)·S)·e^x form, else −1
    const dynTerm = new Growable();
    const dynKind = new Growable();
    const dynQ = new Growable();
    const dynRef = new Growable();
    const posQ = new Growable();
    const posEntry = new Growable();
    const posInst = new Growable();
    const posPerp = new Growable();
    const netQ = new Growable();
    const groupLeg = new Growable();
    groupLeg.push(0);
    const groupCcy = new Growable();
    const groupCoin = new Growable();
    const groupColl = new Growable();
    groupColl.push(0);
    const collAsset = new Growable();
    const collAmount = new Growable();
    const collHaircut = new Growable();
    const groupStable = new Growable();
    groupStable.push(0);
    const stableAmount = new Growable();
    const stableAsset = new Growable();
    const accGroup = new Growable();
    accGroup.push(0);
    const haircutNames: string[] = [];
    const xpm = p.mode === "X:PM";
    for (let a = 0; a < n; a++) {
      const L = layouts[a];
      if (L) {
        const r = L.r;
        const book = this.books[a]!;
        for (let gi = 0; gi < L.groups.length; gi++) {
          const g = L.groups[gi]!;
          const gl = L.legs[gi]!;
          for (let li = 0; li < gl.length; li++) {
            const leg = gl[li]!;
            let pid = plan.get(leg.plan);
            if (pid === undefined) {
              plan.set(leg.plan, (pid = plan.size));
              planPu.push(leg.pu);
            }
            legPlan.push(pid);
            legCcy.push(id(ccy, g.currency));
            legCoin.push(g.coin ? 1 : 0);
            legU.push(id(und, r.underlyings[leg.u]!));
            legBlock.push(leg.plan.block.count);
            const netKey = new Map<string, number>();
            const netVals: number[] = [];
            for (let m = 0; m < leg.members.length; m++) {
              const i = leg.members[m]!;
              const pos = book.positions[i]!;
              const rp = r.positions[i]!;
              let iid = inst.get(rp.name);
              if (iid === undefined) {
                inst.set(rp.name, (iid = inst.size));
                uniPositions.push({ instrument: pos.instrument, quantity: 1 });
              }
              const q = rp.quantity;
              posQ.push(q);
              posEntry.push(r.columns.entryPrice[i]!);
              posInst.push(iid);
              posPerp.push(rp.kind === "perpetual" ? 1 : 0);
              let form: number;
              let key: number;
              if (rp.kind === "option") {
                const pk = iid * 65536 + pid;
                let pr = pair.get(pk);
                if (pr === undefined) {
                  pair.set(pk, (pr = pair.size));
                  pairInst.push(iid);
                  pairPlan.push(pid);
                }
                form = rp.inverse ? (g.coin ? OPT_INV_COIN : OPT_INV_USD) : OPT_LIN;
                key = pr;
                if (p.addOns.netShortOption > 0) {
                  const k = `${pos.instrument.expiry}|${rp.strike}`;
                  const at = netKey.get(k);
                  if (at === undefined) {
                    netKey.set(k, netVals.length);
                    netVals.push(q);
                  } else netVals[at] = netVals[at]! + q;
                }
              } else {
                form = rp.inverse ? FUT_INV : FUT_LIN;
                key = -1 - (iid * 65536 + pid);
              }
              const vk = key * 8 + form;
              let v = vec.get(vk);
              if (v === undefined) {
                vec.set(vk, (v = vec.size));
                vecInst.push(iid);
                vecPlan.push(pid);
                vecForm.push(form);
                vecPair.push(rp.kind === "option" ? key : -1);
              }
              const t = termCoef.push(q);
              termVecId.push(v);
              termScaleU.push(form === FUT_INV && !g.coin ? legU.a[legU.length - 1]! : -1);
              if (form === FUT_LIN) {
                dynTerm.push(t);
                dynKind.push(COEF_QF);
                dynQ.push(q);
                dynRef.push(iid);
              }
            }
            for (const x of netVals) if (x < 0) netQ.push(x);
            for (let c = 0; c < leg.coll.length; c++) {
              const cl = g.collateral[leg.coll[c]!]!;
              const t = termCoef.push(0);
              termVecId.push(-1 - pid);
              termScaleU.push(-1);
              dynTerm.push(t);
              dynKind.push(COEF_COLL);
              dynQ.push(cl.amount);
              dynRef.push(id(asset, cl.asset));
            }
            legTerm.push(termCoef.length);
            legPos.push(posQ.length);
            legNet.push(netQ.length);
          }
          groupLeg.push(legPlan.length);
          groupCcy.push(id(ccy, g.currency));
          groupCoin.push(g.coin ? 1 : 0);
          for (const c of g.collateral) {
            collAsset.push(id(asset, c.asset));
            collAmount.push(c.amount);
            const h = xpm ? p.haircuts[c.asset] : undefined;
            collHaircut.push(h ? haircutNames.push(c.asset) - 1 : -1);
            if (p.addOns.stablecoinDepeg > 0 && !g.coin && p.addOns.stablecoins.includes(c.asset) && c.asset !== g.currency && c.amount > 0) {
              stableAmount.push(c.amount);
              stableAsset.push(id(asset, c.asset));
            }
          }
          groupColl.push(collAsset.length);
          groupStable.push(stableAmount.length);
        }
      }
      accGroup.push(groupCcy.length);
    }
    this.haircuts = haircutNames.map((a) => p.haircuts[a]!);
    // the plans' static vectors first in the pool (e^x, e^x − 1), then one K-vector per instrument vector
    this.plans = [...plan.keys()];
    this.planPu = planPu;
    const P = this.plans.length;
    const planEx = new Int32Array(P);
    const planK = new Int32Array(P);
    const planScen = new Int32Array(P + 1);
    let off = 0;
    let scen = 0;
    for (let q = 0; q < P; q++) {
      const pl = this.plans[q]!;
      planEx[q] = off;
      off += 2 * pl.K;
      planK[q] = pl.K;
      scen += pl.block.count;
      planScen[q + 1] = scen;
    }
    const scenShock = new Int32Array(scen);
    const scenKind = new Int32Array(scen);
    const scenWeight = new Float64Array(scen);
    for (let q = 0; q < P; q++) {
      const pl = this.plans[q]!;
      const b = pl.block;
      for (let s = 0; s < b.count; s++) {
        scenShock[planScen[q]! + s] = pl.blockMap[s]!;
        scenKind[planScen[q]! + s] = b.kind[s]!;
        scenWeight[planScen[q]! + s] = b.weight[s]!;
      }
    }
    const V = vecInst.length;
    const vecOff = new Int32Array(V);
    for (let v = 0; v < V; v++) {
      vecOff[v] = off;
      off += this.plans[vecPlan.a[v]!]!.K;
    }
    const pool = new Float64Array(off);
    for (let q = 0; q < P; q++) {
      const pl = this.plans[q]!;
      pool.set(pl.ex, planEx[q]!);
      pool.set(pl.em1, planEx[q]! + pl.K);
    }
    this.planEx = planEx;
    this.vecInst = Int32Array.from(vecInst.a);
    this.vecPlan = Int32Array.from(vecPlan.a);
    this.vecForm = Int8Array.from(vecForm.a);
    this.vecPair = Int32Array.from(vecPair.a);
    this.vecOff = vecOff;
    this.pairInst = Int32Array.from(pairInst.a);
    this.pairPlan = Int32Array.from(pairPlan.a);
    this.pairRow = new Int32Array(pairInst.length + 1);
    for (let q = 0; q < pairInst.length; q++) this.pairRow[q + 1] = this.pairRow[q]! + this.plans[this.pairPlan[q]!]!.K;
    this.rows = this.pairRow[pairInst.length]!;
    const nPairs = pairInst.length;
    const planShock = new Int32Array(this.plans.length);
    for (let q = 1; q < this.plans.length; q++) planShock[q] = planShock[q - 1]! + this.plans[q - 1]!.K;
    const S = this.plans.reduce((n, pl) => n + pl.K, 0);
    const pooled = <T extends Float64Array | Int32Array>(c: T, col: (pl: ShockPlan) => ArrayLike<number>): T => {
      this.plans.forEach((pl, q) => c.set(col(pl), planShock[q]!));
      return c;
    };
    const perPair = () => new Float64Array(nPairs);
    this.rowsIn = {
      pairRow: this.pairRow.subarray(0, nPairs), pairPlan: this.pairPlan,
      forward: perPair(), strike: perPair(), timeToExpiry: perPair(), vol: perPair(), rate: perPair(), isCall: new Int32Array(nPairs),
      volUp: perPair(), volDown: perPair(), skewStep: perPair(), basisMove: perPair(),
      planK: Int32Array.from(this.plans, (pl) => pl.K), planShock,
      shockX: pooled(new Float64Array(S), (pl) => pl.x), shockEx: pooled(new Float64Array(S), (pl) => pl.ex),
      shockVol: pooled(new Int32Array(S), (pl) => pl.vol), shockSkew: pooled(new Int32Array(S), (pl) => pl.skew), shockBasis: pooled(new Int32Array(S), (pl) => pl.basis),
    };
    const T = termCoef.length;
    const termVec = new Int32Array(T);
    const termScaleVec = new Int32Array(T).fill(-1);
    const legOfTerm = new Int32Array(T);
    for (let l = 0; l < legPlan.length; l++) for (let t = legTerm.a[l]!; t < legTerm.a[l + 1]!; t++) legOfTerm[t] = l;
    for (let t = 0; t < T; t++) {
      const v = termVecId.a[t]!;
      const pid = legPlan.a[legOfTerm[t]!]!;
      termVec[t] = v >= 0 ? vecOff[v]! : planEx[pid]! + this.plans[pid]!.K;
      if (termScaleU.a[t]! >= 0) termScaleVec[t] = planEx[pid]!;
    }
    const nLegs = legPlan.length;
    this.agg = {
      legPlan: Int32Array.from(legPlan.a),
      legTerm: Int32Array.from(legTerm.a),
      legDamp: new Float64Array(nLegs),
      planK,
      planScen,
      scenShock,
      scenKind,
      scenWeight,
      termCoef: Float64Array.from(termCoef.a),
      termScale: new Float64Array(T),
      termVec,
      termScaleVec,
      pool,
    };
    this.loss = new Float64Array(5 * nLegs);
    this.at = new Int32Array(2 * nLegs);
    const scaled: number[] = [];
    for (let t = 0; t < T; t++) if (termScaleU.a[t]! >= 0) scaled.push(t);
    this.scaleTerm = Int32Array.from(scaled);
    this.scaleU = Int32Array.from(scaled, (t) => termScaleU.a[t]!);
    this.dynTerm = Int32Array.from(dynTerm.a);
    this.dynKind = Int8Array.from(dynKind.a);
    this.dynQ = Float64Array.from(dynQ.a);
    this.dynRef = Int32Array.from(dynRef.a);
    this.legCcy = Int32Array.from(legCcy.a);
    this.legCoin = Uint8Array.from(legCoin.a);
    this.legU = Int32Array.from(legU.a);
    this.legPos = Int32Array.from(legPos.a);
    this.legNet = Int32Array.from(legNet.a);
    this.legBlockCount = Int32Array.from(legBlock.a);
    this.posQ = Float64Array.from(posQ.a);
    this.posEntry = Float64Array.from(posEntry.a);
    this.posInst = Int32Array.from(posInst.a);
    this.posPerp = Int32Array.from(posPerp.a);
    this.netQ = Float64Array.from(netQ.a);
    this.groupLeg = Int32Array.from(groupLeg.a);
    this.groupCcy = Int32Array.from(groupCcy.a);
    this.groupCoin = Int32Array.from(groupCoin.a);
    this.groupColl = Int32Array.from(groupColl.a);
    this.collAsset = Int32Array.from(collAsset.a);
    this.collAmount = Float64Array.from(collAmount.a);
    this.collHaircut = Int32Array.from(collHaircut.a);
    this.groupStable = Int32Array.from(groupStable.a);
    this.stableAmount = Float64Array.from(stableAmount.a);
    this.stableAsset = Int32Array.from(stableAsset.a);
    this.accGroup = Int32Array.from(accGroup.a);
    this.uniBook = { positions: uniPositions, collateral: {} };
    const I = inst.size;
    this.instF = new Float64Array(I);
    this.instMark = new Float64Array(I);
    this.instMarkUsd = new Float64Array(I);
    this.instInv = new Int32Array(I);
    this.instOpt = new Int32Array(I);
    this.instU = new Int32Array(I);
    this.instT = new Float64Array(I);
    this.instBaseRow = new Int32Array(I).fill(-1);
    for (let q = 0; q < this.pairInst.length; q++) {
      const i = this.pairInst[q]!;
      if (this.instBaseRow[i]! < 0) this.instBaseRow[i] = this.pairRow[q]! + this.plans[this.pairPlan[q]!]!.base;
    }
    this.undNames = [...und.keys()];
    this.spot = new Float64Array(this.undNames.length);
    this.assetNames = [...asset.keys()];
    this.assetPrice = new Float64Array(this.assetNames.length);
    this.ccyNames = [...ccy.keys()];
    this.ccyUnit = new Float64Array(this.ccyNames.length);
    this.initialMargin = new Float64Array(n);
    this.maintenanceMargin = new Float64Array(n);
    this.equity = new Float64Array(n);
    this.excessInitial = new Float64Array(n);
    this.excessMaintenance = new Float64Array(n);
    this.status = new Uint8Array(n);
    this.worstIndex = new Int32Array(n);
    this.worstPnl = new Float64Array(n);
    this.currency = new Array(n);
    for (let a = 0; a < n; a++) {
      const g0 = this.accGroup[a]!;
      const g1 = this.accGroup[a + 1]!;
      this.currency[a] = layouts[a] ? (g1 - g0 === 1 ? this.ccyNames[this.groupCcy[g0]!]! : "USD") : "";
    }
    const planSom = new Float64Array(P);
    const planCombine = new Int32Array(P);
    for (let q = 0; q < P; q++) {
      const pu = this.planPu[q]!;
      planSom[q] = pu.shortOptionMinimum;
      planCombine[q] = !pu.extreme || pu.extreme.combine === "grid" ? 1 : 0;
    }
    this.fin = {
      instOpt: this.instOpt, instInv: this.instInv, instF: this.instF, instMark: this.instMark, instMarkUsd: this.instMarkUsd,
      posQ: this.posQ, posEntry: this.posEntry, posInst: this.posInst, posPerp: this.posPerp, planSom, planCombine,
      legPlan: this.agg.legPlan, legU: this.legU, legBlockCount: this.legBlockCount, legPos: this.legPos, legNet: this.legNet, netQ: this.netQ, spot: this.spot,
      groupLeg: this.groupLeg, groupCoin: this.groupCoin, groupCcy: this.groupCcy, groupColl: this.groupColl, groupStable: this.groupStable, ccyUnit: this.ccyUnit,
      collAmount: this.collAmount, collAsset: this.collAsset, collHaircut: this.collHaircut,
      haircutInitial: Float64Array.from(this.haircuts, (h) => h.initial), haircutMaintenance: Float64Array.from(this.haircuts, (h) => h.maintenance),
      stableAmount: this.stableAmount, stableAsset: this.stableAsset, assetPrice: this.assetPrice,
      accGroup: this.accGroup, accOk: Int32Array.from(this.books, (b) => (b === null ? 0 : 1)), loss: this.loss, at: this.at,
      usdMode: p.mode === "X:PM" ? 1 : 0, netShortOption: p.addOns.netShortOption, perpetual: p.addOns.perpetual, stablecoinDepeg: p.addOns.stablecoinDepeg,
      initialFactor: p.initialFactor, maintenanceFactor: p.maintenanceFactor,
    };
    this.statusCode = new Int32Array(n);
    this.finOut = {
      initialMargin: this.initialMargin, maintenanceMargin: this.maintenanceMargin, equity: this.equity, excessInitial: this.excessInitial,
      excessMaintenance: this.excessMaintenance, worstPnl: this.worstPnl, status: this.statusCode, worstIndex: this.worstIndex,
    };
    if (kernels.backend === "wasm" && "exports" in kernels && "arena" in kernels) {
      this.wasm = new WasmTick((kernels as { exports: WasmExports }).exports, (kernels as { arena: Arena }).arena, this.agg, this.fin, this.rowsIn, this.rows);
    }
    this.recompute();
  }

  private readonly haircuts: { initial: number; maintenance: number }[];
  private readonly scalars = new Float64Array(4);
  private cols = rowColumns(0);
  private price: Float64Array = new Float64Array(0);
  /** gridFinish's inputs (the state's columns) and outputs (its public columns; status as codes, copied to `status`) */
  private readonly fin: GridFinishInputs;
  private readonly finOut: GridFinishOutputs;
  private readonly statusCode: Int32Array;
  /** wasm backends: the tick's columns in wasm memory (pointer tier, no per-call copies); null on js */
  private readonly wasm: WasmTick | null = null;

  /** The market the figures are on. */
  get snapshot(): Market {
    return this.market;
  }

  /**
   * Recomputes every account on `next` (Offset JSON or a parsed market; default: the current one). Positions and collateral
   * are the state's; an instrument that expired or lost its market data throws (build a new state).
   */
  recompute(next?: unknown): this {
    const market = next === undefined ? this.market : isParsedMarket(next) ? next : parseMarket(next);
    const p = this.parameters;
    const snap = market.snapshot;
    // 1. instruments, underlyings, assets, currencies on the snapshot
    const ur = resolveBook(this.uniBook, market);
    const I = this.instF.length;
    for (let i = 0; i < I; i++) {
      const rp = ur.positions[i]!;
      this.instF[i] = ur.columns.forward[i]!;
      this.instInv[i] = rp.inverse ? 1 : 0;
      this.instOpt[i] = rp.kind === "option" ? 1 : 0;
      this.instT[i] = rp.timeToExpiry;
      this.instU[i] = this.undNames.indexOf(ur.underlyings[rp.underlying]!);
    }
    for (let u = 0; u < this.undNames.length; u++) {
      const d = snap.underlyings[this.undNames[u]!];
      if (!d) fail("market.underlyings", `an entry for ${this.undNames[u]} (the batch holds it)`, Object.keys(snap.underlyings));
      this.spot[u] = d.index;
    }
    for (let a = 0; a < this.assetNames.length; a++) this.assetPrice[a] = usdPrice(market, this.assetNames[a]!, `batch collateral ${this.assetNames[a]}`);
    for (let c = 0; c < this.ccyNames.length; c++) {
      const x = this.ccyNames[c]!;
      this.ccyUnit[c] = x === "USD" && p.mode === "X:PM" ? 1 : (snap.underlyings[x]?.index ?? snap.prices[x] ?? 1);
    }
    this.market = market;
    // wasm: the tick's columns live in wasm memory (begin() maps them; every write below goes there, no copies)
    const w = this.wasm;
    if (w) {
      const mark = w.arena.mark();
      try {
        w.begin(this.agg, this.fin);
        this.cols = w.cols;
        this.price = w.price;
        this.tick(ur);
      } finally {
        w.arena.release(mark);
        w.end();
      }
      return this;
    }
    this.tick(ur);
    return this;
  }

  /** Steps 2–5 on the resolved instruments (the wasm path has mapped its columns). */
  private tick(ur: ReturnType<typeof resolveBook>): void {
    const I = this.instF.length;
    const w = this.wasm;
    const agg = w ? w.agg : this.agg;
    // 2. one Black-76 call over every (distinct option, shock) row
    const R = this.rows;
    if (this.cols.forward.length !== R) {
      this.cols = rowColumns(R);
      this.price = new Float64Array(R);
    }
    const cols = this.cols;
    const optRow = ur.columns.optionRow;
    const o = ur.options;
    const ri = this.rowsIn;
    const scal = this.scalars;
    for (let q = 0; q < this.pairInst.length; q++) {
      const j = optRow[this.pairInst[q]!]!;
      const F = o.forward[j]!;
      const K = o.strike[j]!;
      const T = o.timeToExpiry[j]!;
      const sig = o.vol[j]!;
      ri.forward[q] = F;
      ri.strike[q] = K;
      ri.timeToExpiry[q] = T;
      ri.vol[q] = sig;
      ri.rate[q] = o.rate[j]!;
      ri.isCall[q] = o.isCall[j]!;
      shockScalars(F, K, T, sig, this.planPu[this.pairPlan[q]!]!, scal);
      ri.volUp[q] = scal[0]!;
      ri.volDown[q] = scal[1]!;
      ri.skewStep[q] = scal[2]!;
      ri.basisMove[q] = scal[3]!;
    }
    if (R > 0) {
      if (w) w.gridRows(ri);
      else this.kernels.gridRows(ri, cols);
    }
    const price = R > 0 ? (w ? w.black76Price() : this.kernels.black76Price(cols, false, this.price)) : this.price;
    const fwd = cols.forward;
    // marks per option instrument (the base shock's price; engine: mark = inverse ? usd0·(1/F) : usd0)
    for (let i = 0; i < I; i++) {
      if (!this.instOpt[i]) continue;
      const usd0 = price[this.instBaseRow[i]!]!;
      const F = this.instF[i]!;
      const S = this.spot[this.instU[i]!]!;
      const mark = this.instInv[i] ? usd0 * (1 / F) : usd0;
      this.instMark[i] = mark;
      this.instMarkUsd[i] = this.instInv[i] ? mark * S : usd0;
    }
    // 3. vectors (grid.ts addPosition's expressions per unit)
    const pool = agg.pool;
    for (let v = 0; v < this.vecOff.length; v++) {
      const i = this.vecInst[v]!;
      const pl = this.plans[this.vecPlan[v]!]!;
      const K = pl.K;
      const o = this.vecOff[v]!;
      const S = this.spot[this.instU[i]!]!;
      const ex = pl.ex;
      switch (this.vecForm[v]) {
        case OPT_INV_COIN: {
          const row = this.pairRow[this.vecPair[v]!]!;
          const before = this.instMark[i]!;
          for (let k = 0; k < K; k++) pool[o + k] = price[row + k]! / fwd[row + k]! - before;
          break;
        }
        case OPT_INV_USD: {
          const row = this.pairRow[this.vecPair[v]!]!;
          const before = this.instMarkUsd[i]!;
          for (let k = 0; k < K; k++) pool[o + k] = (price[row + k]! / fwd[row + k]!) * S * ex[k]! - before;
          break;
        }
        case OPT_LIN: {
          const row = this.pairRow[this.vecPair[v]!]!;
          const before = this.instMarkUsd[i]!;
          for (let k = 0; k < K; k++) pool[o + k] = price[row + k]! - before;
          break;
        }
        default: {
          const aT = this.planPu[this.vecPlan[v]!]!.basisAnnualMove * this.instT[i]!;
          const x = pl.x;
          const basis = pl.basis;
          const inv = this.vecForm[v] === FUT_INV;
          for (let k = 0; k < K; k++) {
            const b = basis[k]!;
            const mF = b === 0 ? ex[k]! : Math.exp(x[k]! + b * aT);
            pool[o + k] = inv ? 1 - 1 / mF : mF - 1;
          }
        }
      }
    }
    // per-tick coefficients and dampeners
    const coef = agg.termCoef;
    for (let d = 0; d < this.dynTerm.length; d++) {
      const kind = this.dynKind[d]!;
      coef[this.dynTerm[d]!] = kind === COEF_QF ? this.dynQ[d]! * this.instF[this.dynRef[d]!]! : this.dynQ[d]! * this.assetPrice[this.dynRef[d]!]!;
    }
    const termScale = agg.termScale;
    for (let d = 0; d < this.scaleTerm.length; d++) termScale[this.scaleTerm[d]!] = this.spot[this.scaleU[d]!]!;
    const nLegs = this.legCcy.length;
    const damp = agg.legDamp;
    for (let l = 0; l < nLegs; l++) {
      const pu = this.planPu[this.agg.legPlan[l]!]!;
      damp[l] = pu.extreme ? pu.extreme.dampenerUsd * (1 / this.ccyUnit[this.legCcy[l]!]!) : 0;
    }
    // 4. one aggregation kernel call over every leg
    // 5. per account: finishGroup's and result's scalar rules, in their order (the gridFinish kernel)
    let bad: number;
    if (w) {
      w.gridAggregate();
      bad = w.gridFinish(this.fin, this.finOut);
    } else {
      this.kernels.gridAggregate(this.agg, { loss: this.loss, at: this.at });
      bad = this.kernels.gridFinish(this.fin, this.finOut);
    }
    const sc = this.statusCode;
    const status = this.status;
    for (let a = 0; a < sc.length; a++) status[a] = sc[a]!;
    if (bad >= 0) {
      throw new Error(`offset: batch account ${bad}: margin came out ${this.initialMargin[bad]}/${this.maintenanceMargin[bad]}/${this.equity[bad]} (grid margin); this is a bug or an unchecked input`);
    }
  }

  /** The full MarginResult of account `a` on the current market (the per-account engine, as marginBatch). */
  result(a: number): GridMarginResult | BatchFailure {
    const b = this.books[a];
    if (b === undefined) throw new RangeError(`account ${a} is not in the batch (0 … ${this.size - 1})`);
    if (b === null) return this.failures.find((f) => f.account === a)!;
    return computeResolved(this.kernels, resolveBook(b, this.market), this.market, this.parameters, false).result;
  }
}

function isParsedMarket(m: unknown): m is Market {
  return typeof m === "object" && m !== null && "snapshot" in m && "asOfMs" in m && "surfaces" in m;
}

/** A held batch state for `accounts` (Offset JSON books) on a parsed market under validated grid parameters. */
export function gridBatch(k: Kernels, accounts: readonly unknown[], market: Market, p: GridParameters): GridBatchState {
  return new GridBatchState(k, accounts, market, p);
}

/**
 * The wasm backends' tick columns in wasm memory (the pointer tier of packages/kernels/src/wasm/kernels.ts): the
 * Black-76 row columns and prices, the gridAggregate and gridFinish inputs and outputs, laid out once. Each tick
 * reserves them at the arena's top for its duration and releases them after (so a state that is dropped leaks
 * nothing). The static columns (legs, plans, scenarios, term offsets, positions, groups, collateral, the static
 * coefficients and pool vectors) are copied in only when the bytes may have been overwritten since the last tick:
 * another allocation happened (`Arena.allocations` moved) or the region starts elsewhere. On a held state ticking
 * alone they are not copied; the large per-tick columns are written in place by the tick (the same expressions as the
 * js path, so the same bits), the small per-instrument/underlying/asset ones copied in before gridFinish, its outputs
 * copied out. Views are made after the reservation (a memory grow detaches them) and used only within the tick.
 */
class WasmTick {
  private readonly nLegs: number;
  private readonly nAccounts: number;
  private readonly R: number;
  private readonly total: number;
  private readonly off = new Map<string, number>();
  private readonly len = new Map<string, number>();
  private readonly i32s = new Set<string>();
  private base = -1;
  private seen = -1;
  agg!: GridAggregateInputs;
  fin!: GridFinishInputs;
  cols!: ReturnType<typeof rowColumns>;
  price!: Float64Array;

  constructor(
    private readonly exports: WasmExports,
    readonly arena: Arena,
    src: GridAggregateInputs,
    fin: GridFinishInputs,
    private readonly rowsIn: GridRowsInputs,
    rows: number,
  ) {
    const n = src.legPlan.length;
    let maxK = 0;
    for (let p = 0; p < src.planK.length; p++) if (src.planK[p]! > maxK) maxK = src.planK[p]!;
    this.nLegs = n;
    this.nAccounts = fin.accOk.length;
    this.R = rows;
    let o = 0;
    const add = (name: string, length: number, i32: boolean) => {
      this.off.set(name, o);
      this.len.set(name, length);
      if (i32) this.i32s.add(name);
      o += ((length * (i32 ? 4 : 8) + 15) >> 4) << 4; // 16-byte aligned (v128 loads)
    };
    for (const c of AGG_COLUMNS) add(c, src[c].length, src[c] instanceof Int32Array);
    for (const c of FIN_COLUMNS) if (c !== "legPlan" && c !== "loss" && c !== "at") add(c, fin[c].length, fin[c] instanceof Int32Array);
    for (const c of ROWS_COLUMNS) add(`r.${c}`, rowsIn[c].length, rowsIn[c] instanceof Int32Array);
    for (const c of ["forward", "strike", "timeToExpiry", "vol", "rate", "price"]) add(c, rows, false);
    add("isCall", rows, true);
    add("scratch", maxK, false);
    add("loss", 5 * n, false);
    add("at", 2 * n, true);
    for (const c of FIN_F64_OUT) add(c, this.nAccounts, false);
    for (const c of FIN_I32_OUT) add(c, this.nAccounts, true);
    this.total = o;
  }

  private view(c: string): Float64Array & Int32Array {
    const p = this.base + this.off.get(c)!;
    const n = this.len.get(c)!;
    return (this.i32s.has(c) ? this.arena.i32(p, n) : this.arena.f64(p, n)) as Float64Array & Int32Array;
  }

  private copyIn(c: string, src: Float64Array | Int32Array): void {
    (this.view(c) as Float64Array | Int32Array).set(src);
  }

  private ptr(c: string): number {
    return this.base + this.off.get(c)!;
  }

  /** Reserves the region (the caller releases it to its mark after the tick), maps the views, restores the statics if needed. */
  begin(src: GridAggregateInputs, fin: GridFinishInputs): void {
    const before = this.arena.allocations;
    const at = this.arena.alloc(this.total);
    const intact = at === this.base && before === this.seen;
    this.base = at;
    const agg = {} as Record<string, unknown>;
    for (const c of AGG_COLUMNS) agg[c] = this.view(c);
    this.agg = agg as unknown as GridAggregateInputs;
    const f = { ...fin } as Record<string, unknown>;
    for (const c of FIN_COLUMNS) f[c] = c === "legPlan" ? this.agg.legPlan : this.view(c);
    this.fin = f as unknown as GridFinishInputs;
    this.cols = { forward: this.view("forward"), strike: this.view("strike"), timeToExpiry: this.view("timeToExpiry"), vol: this.view("vol"), rate: this.view("rate"), isCall: this.view("isCall") };
    this.price = this.view("price");
    if (!intact) {
      // every input but the per-tick ones the tick writes in place; the small per-tick finish inputs are copied by gridFinish
      for (const c of AGG_COLUMNS) if (c !== "legDamp" && c !== "termScale") this.agg[c].set(src[c] as Float64Array & Int32Array);
      for (const c of FIN_COLUMNS) if (!FIN_TICK.has(c) && c !== "legPlan" && c !== "loss" && c !== "at") this.fin[c].set(fin[c] as Float64Array & Int32Array);
      for (const c of ROWS_COLUMNS) if (!ROWS_TICK.has(c)) this.copyIn(`r.${c}`, this.rowsIn[c]);
    }
  }

  /** After the caller released the region: no allocation since → the bytes above the arena's top are still ours. */
  end(): void {
    this.seen = this.arena.allocations;
  }

  /** Copies the pairs' per-tick data in and writes the Black-76 rows into the resident row columns. */
  gridRows(src: GridRowsInputs): void {
    for (const c of ROWS_TICK) this.copyIn(`r.${c}`, src[c]);
    const r = (c: keyof GridRowsInputs) => this.ptr(`r.${c}`);
    this.exports.gridRows(
      src.pairRow.length, r("pairRow"), r("pairPlan"), r("forward"), r("strike"), r("timeToExpiry"), r("vol"), r("rate"), r("isCall"),
      r("volUp"), r("volDown"), r("skewStep"), r("basisMove"), r("planK"), r("planShock"), r("shockX"), r("shockEx"), r("shockVol"), r("shockSkew"), r("shockBasis"),
      this.ptr("forward"), this.ptr("strike"), this.ptr("timeToExpiry"), this.ptr("vol"), this.ptr("rate"), this.ptr("isCall"),
    );
  }

  black76Price(): Float64Array {
    this.exports.black76Price(this.R, this.ptr("forward"), this.ptr("strike"), this.ptr("timeToExpiry"), this.ptr("vol"), this.ptr("rate"), this.ptr("isCall"), 0, this.ptr("price"));
    return this.price;
  }

  gridAggregate(): void {
    const p = (c: string) => this.ptr(c);
    this.exports.gridAggregate(
      this.nLegs, p("legPlan"), p("legTerm"), p("legDamp"), p("planK"), p("planScen"), p("scenShock"), p("scenKind"), p("scenWeight"),
      p("termCoef"), p("termScale"), p("termVec"), p("termScaleVec"), p("pool"), p("scratch"), p("loss"), p("at"),
    );
  }

  /** Copies the per-tick finish inputs in, runs gridFinish on the resident columns, copies the outputs out. */
  gridFinish(src: GridFinishInputs, out: GridFinishOutputs): number {
    for (const c of FIN_TICK) this.fin[c].set(src[c] as Float64Array & Int32Array);
    const p = (c: string) => this.ptr(c);
    const bad = this.exports.gridFinish(
      this.nAccounts,
      p("instOpt"), p("instInv"), p("instF"), p("instMark"), p("instMarkUsd"), p("posQ"), p("posEntry"), p("posInst"), p("posPerp"),
      p("planSom"), p("planCombine"), p("legPlan"), p("legU"), p("legBlockCount"), p("legPos"), p("legNet"), p("netQ"), p("spot"),
      p("groupLeg"), p("groupCoin"), p("groupCcy"), p("groupColl"), p("groupStable"), p("ccyUnit"),
      p("collAmount"), p("collAsset"), p("collHaircut"), p("haircutInitial"), p("haircutMaintenance"), p("stableAmount"), p("stableAsset"), p("assetPrice"),
      p("accGroup"), p("accOk"), p("loss"), p("at"),
      src.usdMode, src.netShortOption, src.perpetual, src.stablecoinDepeg, src.initialFactor, src.maintenanceFactor,
      p("initialMargin"), p("maintenanceMargin"), p("equity"), p("excessInitial"), p("excessMaintenance"), p("worstPnl"), p("status"), p("worstIndex"),
    );
    for (const c of FIN_F64_OUT) out[c].set(this.view(c));
    for (const c of FIN_I32_OUT) out[c].set(this.view(c));
    return bad;
  }
}

const ROWS_COLUMNS = [
  "pairRow", "pairPlan", "forward", "strike", "timeToExpiry", "vol", "rate", "isCall", "volUp", "volDown", "skewStep", "basisMove",
  "planK", "planShock", "shockX", "shockEx", "shockVol", "shockSkew", "shockBasis",
] as const satisfies readonly (keyof GridRowsInputs)[];
/** gridRows inputs the tick changes (per pair) */
const ROWS_TICK: ReadonlySet<keyof GridRowsInputs> = new Set<keyof GridRowsInputs>([
  "forward", "strike", "timeToExpiry", "vol", "rate", "isCall", "volUp", "volDown", "skewStep", "basisMove",
]);
const AGG_COLUMNS = [
  "legPlan", "legTerm", "legDamp", "planK", "planScen", "scenShock", "scenKind", "scenWeight", "termCoef", "termScale", "termVec", "termScaleVec", "pool",
] as const;
type FinColumn = { [K in keyof GridFinishInputs]: GridFinishInputs[K] extends number ? never : K }[keyof GridFinishInputs];
const FIN_COLUMNS: readonly FinColumn[] = [
  "instOpt", "instInv", "instF", "instMark", "instMarkUsd", "posQ", "posEntry", "posInst", "posPerp", "planSom", "planCombine",
  "legPlan", "legU", "legBlockCount", "legPos", "legNet", "netQ", "spot", "groupLeg", "groupCoin", "groupCcy", "groupColl", "groupStable", "ccyUnit",
  "collAmount", "collAsset", "collHaircut", "haircutInitial", "haircutMaintenance", "stableAmount", "stableAsset", "assetPrice", "accGroup", "accOk", "loss", "at",
];
/** gridFinish inputs the tick changes (small: per instrument, underlying, currency, asset) */
const FIN_TICK: ReadonlySet<FinColumn> = new Set<FinColumn>(["instOpt", "instInv", "instF", "instMark", "instMarkUsd", "spot", "ccyUnit", "assetPrice"]);
const FIN_F64_OUT = ["initialMargin", "maintenanceMargin", "equity", "excessInitial", "excessMaintenance", "worstPnl"] as const;
const FIN_I32_OUT = ["status", "worstIndex"] as const;
