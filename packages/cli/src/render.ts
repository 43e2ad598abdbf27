// Tables for people. Numbers are right-aligned with thousands separators; losses and requirements are positive.
import Table from "cli-table3";
import pc from "picocolors";
import type { Greeks, MarginReport } from "@offset/engine";

const usd = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });
const fixed = (x: number, d: number) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const pct = (x: number) => `${x > 0 ? "+" : ""}${(x * 100).toFixed(0)}%`;

function table(head: string[], rows: (string | number)[][], alignLeft = 1): string {
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [] },
    colAligns: head.map((_, i) => (i < alignLeft ? "left" : "right")),
  });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

export function renderMarginReport(r: MarginReport, ctx: { book: string; market: string; ms: number }): string {
  const out: string[] = [];
  out.push(pc.bold("Offset margin report"));
  out.push(`book ${ctx.book}`);
  out.push(`market ${ctx.market} as of ${r.asOf}`);
  out.push(`backend ${r.backend.name}${r.backend.simd ? " (SIMD)" : ""}, computed in ${ctx.ms.toFixed(0)} ms`);
  out.push("");
  out.push(pc.bold("Positions"));
  out.push(
    table(
      ["instrument", "quantity", "mark", "ccy", "value USD", "delta", "gamma", "vega $/pt", "theta $/day"],
      r.positions.map((p) => [
        p.name,
        fixed(p.quantity, 2),
        p.mark === 0 ? "-" : fixed(p.mark, p.settlementCurrency.startsWith("USD") ? 2 : 4),
        p.settlementCurrency,
        usd(p.valueUsd),
        fixed(p.delta, 3),
        p.gamma.toExponential(2),
        usd(p.vega),
        usd(p.theta),
      ]),
    ),
  );
  out.push(table(["collateral", "amount", "value USD"], r.collateral.map((c) => [c.asset, fixed(c.amount, 4), usd(c.valueUsd)])));
  out.push(
    table(
      ["underlying", "delta (incl. coin collateral)", "gamma", "vega $/pt", "theta $/day"],
      r.greeks.map((g) => [g.underlying, fixed(g.delta, 3), g.gamma.toExponential(2), usd(g.vega), usd(g.theta)]),
    ),
  );
  out.push("");
  out.push(pc.bold("Scenario grid") + " (spot ±5/10/15% × implied vol −25%/0/+25%, each underlying alone, summed without offset)");
  out.push(
    table(
      ["underlying", "worst loss USD", "spot move", "vol shift"],
      r.grid.byUnderlying.map((g) => [g.underlying, usd(g.worstLoss), pct(g.worst.spotMove), pct(g.worst.volShift)]),
    ),
  );
  const mc = r.monteCarlo;
  out.push("");
  out.push(
    pc.bold("Monte Carlo") +
      ` (${mc.scenarios.toLocaleString("en-US")} joint scenarios, ${mc.horizonDays}-day horizon, full revaluation)` +
      `: VaR ${(mc.confidence * 100).toFixed(1)}% ${usd(mc.var)} USD, ES ${usd(mc.es)} USD`,
  );
  out.push(
    table(
      ["worst scenario", "P&L USD", ...Object.keys(mc.worst[0]?.moves ?? {})],
      mc.worst.map((w) => [`#${w.index}`, usd(w.pnl), ...Object.values(w.moves).map((m) => `${(m * 100).toFixed(1)}%`)]),
    ),
  );
  out.push("");
  out.push(
    table(
      ["equity USD", "grid requirement", "MC ES requirement", "requirement (max)", "excess"],
      [[usd(r.equityUsd), usd(r.grid.requirement), usd(mc.requirement), usd(r.requirement), (r.excess >= 0 ? pc.green : pc.red)(usd(r.excess))]],
      0,
    ),
  );
  out.push(pc.dim("Preliminary requirements: the venue presets (Deribit, Derive PMRM_2, OKX, SPAN) and IM/MM policies come next."));
  return out.join("\n");
}

export function renderGreeks(g: Greeks): string {
  return table(
    ["price", "delta", "gamma", "vega (per 1.00)", "theta (per year)", "rho (per 1.00)"],
    [[fixed(g.price, 6), fixed(g.delta, 6), g.gamma.toExponential(6), fixed(g.vega, 6), fixed(g.theta, 6), fixed(g.rho, 6)]],
    0,
  );
}
