// Tables for people. Numbers are right-aligned with thousands separators; losses and requirements are positive.
import Table from "cli-table3";
import pc from "picocolors";
import type { ExplainedGridMargin, Greeks, MarginReport, MarketSnapshot, SnapshotDiagnostics, Valuation, WhatIfResult } from "@offset/engine";

const usd = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });
const fixed = (x: number, d: number) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (x: number) => `${x > 0 ? "+" : ""}${(x * 100).toFixed(0)}%`;

export function table(head: string[], rows: (string | number)[][], alignLeft = 1): string {
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [] },
    colAligns: head.map((_, i) => (i < alignLeft ? "left" : "right")),
  });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

/** Positions, collateral and Greeks per underlying: the valuation part of every report. */
export function renderValuation(v: Valuation): string {
  const out: string[] = [];
  out.push(
    table(
      ["instrument", "quantity", "mark", "ccy", "iv", "value", "value USD", "delta", "gamma", "vega $/pt", "theta $/day"],
      v.positions.map((p) => [
        p.instrument,
        fixed(p.quantity, 2),
        fixed(p.mark, p.kind === "option" && p.settlement === "inverse" ? 4 : 2),
        p.kind === "option" ? p.settlementCurrency : "USD",
        p.vol === undefined ? "-" : `${(p.vol * 100).toFixed(1)}%${p.volSource === "surface" ? "*" : ""}`,
        p.entryPriceMissing ? "n/a" : fixed(p.value, p.settlement === "inverse" ? 4 : 2),
        p.entryPriceMissing ? "n/a" : usd(p.valueUsd),
        fixed(p.greeks.delta, 3),
        p.greeks.gamma.toExponential(2),
        usd(p.greeks.vega),
        usd(p.greeks.theta),
      ]),
    ),
  );
  if (v.positions.some((p) => p.volSource === "surface")) out.push(pc.dim("* vol from the fitted surface (no mark IV for this option in the market)"));
  if (v.positions.some((p) => p.entryPriceMissing)) out.push(pc.dim("n/a: no entry price, unrealised P&L counted as 0"));
  out.push(
    table(
      ["collateral", "amount", "price USD", "value USD", "haircut", "margin value USD"],
      v.collateral.map((c) => [c.asset, fixed(c.amount, 4), fixed(c.priceUsd, 2), usd(c.valueUsd), pct(c.haircut), usd(c.marginValueUsd)]),
    ),
  );
  out.push(
    table(
      ["underlying", "index", "delta", "delta USD", "prem.-adj. delta", "gamma", "$gamma/1%", "vega $/pt", "theta $/day"],
      v.greeks.map((g) => [
        g.underlying,
        fixed(g.index, 2),
        fixed(g.delta, 3),
        usd(g.deltaUsd),
        fixed(g.premiumAdjustedDelta, 3),
        g.gamma.toExponential(2),
        usd(g.gammaUsd),
        usd(g.vega),
        usd(g.theta),
      ]),
    ),
  );
  out.push(table(["equity USD", "margin equity USD (after haircuts)"], [[usd(v.equityUsd), usd(v.marginEquityUsd)]], 0));
  return out.join("\n");
}

export function renderMarginReport(r: MarginReport, ctx: { book: string; market: string; ms: number }): string {
  const out: string[] = [];
  out.push(pc.bold("Offset margin report"));
  out.push(`book ${ctx.book}`);
  out.push(`market ${ctx.market} as of ${r.valuation.asOf}`);
  out.push(`backend ${r.backend.name}${r.backend.simd ? " (SIMD)" : ""}, computed in ${ctx.ms.toFixed(0)} ms`);
  out.push("");
  out.push(renderValuation(r.valuation));
  out.push("");
  const gm = r.grid.margin;
  const g0 = gm.grid.groups[0]!;
  out.push(
    pc.bold("Scenario grid") +
      ` (preset ${r.grid.preset}, ${r.grid.mode}: spot × vol up/same/down per underlying with tenor-scaled vol shocks, extreme moves, contingencies; underlyings summed without offset)`,
  );
  out.push(
    table(
      ["underlying", "scan risk USD", "grid worst", "extreme (weighted)", "worst scenario"],
      g0.underlyings.map((u) => [u.underlying, usd(u.risk), usd(u.gridLoss), usd(u.extremeLoss), u.worst.description]),
    ),
  );
  const extras = [...g0.addOns.map((a) => `${a.name} ${usd(a.value)}`), ...(g0.joint ? [`joint grid (by beta) ${usd(g0.joint.loss)} + correlation break ${usd(g0.joint.correlationBreak)} (reported, not charged)`] : [])];
  if (extras.length) out.push(pc.dim(extras.join("; ")));
  out.push(`grid IM ${usd(gm.initialMargin)} USD, MM ${usd(gm.maintenanceMargin)} USD, status ${gm.status}`);
  const mc = r.monteCarlo;
  out.push("");
  out.push(
    pc.bold("Monte Carlo") +
      ` (${mc.scenarios.toLocaleString("en-US")} joint scenarios, ${mc.horizonDays}-day horizon, ${mc.revaluation === "fast" ? "fast path: P&L surfaces per underlying" : "full revaluation"})` +
      `: VaR ${(mc.confidence * 100).toFixed(1)}% ${usd(mc.var)} USD, ES ${usd(mc.es)} USD`,
  );
  out.push(
    table(
      ["worst scenario", "P&L USD", ...Object.keys(mc.worst[0]?.moves ?? {})],
      mc.worst.map((w) => [`#${w.index}`, usd(w.pnl), ...Object.values(w.moves).map((m) => `${(m * 100).toFixed(1)}%`)]),
    ),
  );
  out.push("");
  const saving = r.standard.initialMargin - r.requirement;
  out.push(
    table(
      ["margin equity USD", "standard IM", "standard MM", "grid requirement", "MC ES requirement", "portfolio requirement (max)", "excess", "saving vs standard IM"],
      [
        [
          usd(r.valuation.marginEquityUsd),
          usd(r.standard.initialMargin),
          usd(r.standard.maintenanceMargin),
          usd(r.grid.requirement),
          usd(mc.requirement),
          usd(r.requirement),
          (r.excess >= 0 ? pc.green : pc.red)(usd(r.excess)),
          `${usd(saving)} (${((saving / r.standard.initialMargin) * 100).toFixed(0)}%)`,
        ],
      ],
      0,
    ),
  );
  const m = r.margin;
  const ccy = m.currency;
  out.push("");
  out.push(pc.bold(`Margin (${m.method})`) + ` in ${ccy}${m.usd ? " (USD in brackets)" : ""}`);
  const both = (x: number, y?: number) => (y === undefined ? usd(x) : `${fixed(x, 6)} (${usd(y)})`);
  out.push(
    table(
      ["IM", "MM", "equity", "excess over IM", "excess over MM", "margin ratio", "status"],
      [
        [
          both(m.initialMargin, m.usd?.initialMargin),
          both(m.maintenanceMargin, m.usd?.maintenanceMargin),
          both(m.equity, m.usd?.equity),
          both(m.excess.initial, m.usd?.excess.initial),
          both(m.excess.maintenance, m.usd?.excess.maintenance),
          m.marginRatio === null ? "n/a" : `${(m.marginRatio * 100).toFixed(1)}%`,
          (m.status === "healthy" ? pc.green : pc.red)(m.status),
        ],
      ],
      0,
    ),
  );
  return out.join("\n");
}

export function renderGreeks(g: Greeks): string {
  return table(
    ["price", "delta", "gamma", "vega (per 1.00)", "theta (per year)", "rho (per 1.00)"],
    [[fixed(g.price, 6), fixed(g.delta, 6), g.gamma.toExponential(6), fixed(g.vega, 6), fixed(g.theta, 6), fixed(g.rho, 6)]],
    0,
  );
}

/** Per-expiry view of a snapshot: forward and its source, option count, SVI fit quality and arbitrage checks. */
export function renderSnapshot(m: MarketSnapshot, d: SnapshotDiagnostics[], ms: number, out?: string): string {
  const lines: string[] = [];
  lines.push(pc.bold("Offset market snapshot") + ` as of ${m.asOf}, built in ${ms.toFixed(1)} ms${out ? `, written to ${out}` : ""}`);
  for (const [u, data] of Object.entries(m.underlyings)) {
    lines.push(`${u}: index ${fixed(data.index, 2)}${data.funding8h === undefined ? "" : `, funding ${(data.funding8h * 100).toFixed(4)}% / 8h`}`);
  }
  lines.push(
    table(
      ["underlying", "expiry", "days", "forward", "source", "options", "SVI points", "RMSE vol pts", "max vol pts", "butterfly"],
      d.map((x) => [
        x.underlying,
        x.expiry,
        (x.t * 365).toFixed(2),
        fixed(x.forward, 2),
        x.forwardSource,
        x.options,
        x.fit?.points ?? "-",
        x.fit ? x.fit.rmseVolPoints.toFixed(2) : "-",
        x.fit ? x.fit.maxErrorVolPoints.toFixed(2) : "-",
        x.fit ? (x.fit.butterfly.ok ? "ok" : pc.red(`violated at k=${x.fit.butterfly.at?.toFixed(3)}`)) : "-",
      ]),
    ),
  );
  return lines.join("\n");
}

/** A figure in a group's currency: coin amounts with 4 decimals, USD-like ones rounded. */
const amount = (x: number, coin: boolean) => (coin ? fixed(x, 4) : usd(x));
const move = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x * 100).toFixed(2)}%`;

/** Explanations of a grid margin: heatmap of the worst underlying, contributions, hedge benefits, worst scenarios, thresholds. */
export function renderExplanation(r: ExplainedGridMargin): string {
  const out: string[] = [];
  out.push(pc.bold(`Why this margin (${r.method}, ${r.grid.mode})`));
  for (const [gi, g] of r.explanation.groups.entries()) {
    const gr = r.grid.groups[gi]!;
    const coin = g.currency !== "USD" && g.currency !== "USDC" && g.currency !== "USDT";
    if (g.underlyings.length === 0) continue;
    // the underlying with the largest scan risk
    let wi = 0;
    gr.underlyings.forEach((u, i) => (u.risk > gr.underlyings[wi]!.risk ? (wi = i) : 0));
    const u = g.underlyings[wi]!;
    out.push(`${g.currency} group: P&L grid of ${u.underlying} (the largest scan risk), ${g.currency}`);
    out.push(table(["spot move", ...u.heatmap.volStates.map((v) => `vol ${v}`)], u.heatmap.spotMoves.map((m, i) => [pct(m), ...u.heatmap.pnl[i]!.map((x) => amount(x, coin))])));
    const top = [...u.positions].sort((a, b) => Math.abs(b.pnl) - Math.abs(a.pnl)).slice(0, 5);
    out.push(`contributions to ${u.worst.description} (P&L ${amount(u.worst.pnl, coin)} ${g.currency}), top ${top.length}:`);
    out.push(table(["position", `P&L ${g.currency}`, "standalone IM", "marginal IM"], top.map((p) => [p.name, amount(p.pnl, coin), amount(p.standaloneMargin, coin), amount(p.marginalMargin, coin)])));
    out.push(
      table(
        ["underlying", "Σ standalone IM", "portfolio IM", "hedge benefit"],
        g.underlyings.map((x) => [x.underlying, amount(x.hedge.standalone, coin), amount(x.hedge.portfolio, coin), amount(x.hedge.benefit, coin)]),
      ),
    );
    out.push(table(["worst scenarios", "kind", `P&L ${g.currency}`, "counted loss"], g.worst.map((w) => [w.description, w.kind, amount(w.pnl, coin), amount(w.loss, coin)])));
  }
  const t = r.thresholds;
  if (t) {
    const coin = t.currency !== "USD";
    out.push(
      `margin call below ${amount(t.marginCall.level, coin)} ${t.currency} of margin equity (buffer ${amount(t.marginCall.buffer, coin)}); ` +
        `liquidation below ${amount(t.liquidation.level, coin)} (buffer ${amount(t.liquidation.buffer, coin)})`,
    );
    out.push(
      table(
        ["distance to liquidation", "down", "index", "up", "index"],
        t.distances.map((d) => [
          d.how === "alone" ? `${d.underlying} alone` : `${d.underlying}, others by beta`,
          d.down ? move(d.down.move) : "none to −99%",
          d.down ? fixed(d.down.price, 2) : "-",
          d.up ? move(d.up.move) : "none to +1000%",
          d.up ? fixed(d.up.price, 2) : "-",
        ]),
      ),
    );
  }
  return out.join("\n");
}

/** A what-if: the margin before and after the trades, and the change. */
export function renderWhatIf(w: WhatIfResult, trades: { instrument: string; quantity: number }[], us: number): string {
  const a = w.before;
  const b = w.after;
  const c = w.change;
  const coin = c.currency !== "USD";
  const f = (x: number) => amount(x, coin);
  const conv = (r: typeof a, x: number) => (r.currency === c.currency ? x : x * (r.currency === "USD" ? 1 : r.grid.groups[0]!.usdPerUnit));
  const out: string[] = [];
  out.push(pc.bold("Offset what-if") + ` (${a.method}, ${a.grid.mode}): ${trades.map((t) => `${t.instrument} ${t.quantity > 0 ? "+" : ""}${t.quantity}`).join(", ")}`);
  out.push(
    table(
      ["", `IM ${c.currency}`, "MM", "equity", "excess over IM", "excess over MM", "status"],
      [
        ["before", f(conv(a, a.initialMargin)), f(conv(a, a.maintenanceMargin)), f(conv(a, a.equity)), f(conv(a, a.excess.initial)), f(conv(a, a.excess.maintenance)), a.status],
        ["after", f(conv(b, b.initialMargin)), f(conv(b, b.maintenanceMargin)), f(conv(b, b.equity)), f(conv(b, b.excess.initial)), f(conv(b, b.excess.maintenance)), (b.status === "healthy" ? pc.green : pc.red)(b.status)],
        ["change", f(c.initialMargin), f(c.maintenanceMargin), f(c.equity), f(c.excess.initial), f(c.excess.maintenance), ""],
      ],
      1,
    ),
  );
  out.push(pc.dim(`${w.incremental ? "incremental (the trades' scenario P&L added to the book's cached vectors)" : "full recompute (the trades change the book's structure)"}, ${us.toFixed(0)} µs (one call, JIT warm-up included); option premia are not debited from collateral`));
  return out.join("\n");
}
