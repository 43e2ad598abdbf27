// Standard margin: the venues' per-instrument (non-portfolio) baseline, so every report can show what portfolio
// margin saves. Each position is margined alone; requirements add up with no offset between positions.
//
// Deribit's published formulas (knowledge base "Margin requirements", options and futures), per unit of underlying,
// in coin for inverse contracts (× the underlying price for linear ones):
//   short call  IM = max(0.15 − OTM/S, 0.10) + mark             MM = 0.075 + mark
//   short put   IM = max(max(0.15 − OTM/S, 0.10) + mark, MM)    MM = max(0.075, 0.075·mark) + mark
//   long option IM = MM = 0 (the premium is paid; the option counts in equity at its mark)
//   future/perp IM = base + slope·|size in coin|,  MM = base + slope·|size in coin| (fractions of the notional)
// OTM = the out-of-the-money amount max(K − S, 0) for a call, max(S − K, 0) for a put; S = the option's underlying
// (forward) price, as Deribit's margin uses the underlying mark price. The figures are parameters: venues change them
// without notice. Sources, and what could not be verified, are in packages/engine/src/margin/README.md.
import * as z from "zod";
import type { Kernels } from "@offset/kernels";
import type { Market } from "../market/snapshot.js";
import type { Book } from "../model.js";
import { parseWith } from "../validate.js";
import { valueBook } from "../valuation.js";
import { type MarginComponent, type MarginResult, marginStatus, type PositionRequirement } from "./result.js";

const fraction = (what: string) => z.number({ message: what }).min(0, { message: what }).max(1, { message: what });

export const standardParametersSchema = z.strictObject({
  option: z
    .strictObject({
      /** initial margin before the OTM reduction, fraction of the underlying (Deribit 0.15) */
      initialBase: fraction("a fraction in [0, 1]").default(0.15),
      /** the floor after the OTM reduction (Deribit 0.10) */
      initialFloor: fraction("a fraction in [0, 1]").default(0.1),
      /** maintenance, fraction of the underlying (Deribit 0.075) */
      maintenance: fraction("a fraction in [0, 1]").default(0.075),
    })
    .default({ initialBase: 0.15, initialFloor: 0.1, maintenance: 0.075 }),
  future: z
    .strictObject({
      initialBase: fraction("a fraction of the notional in [0, 1]").default(0.02),
      maintenanceBase: fraction("a fraction of the notional in [0, 1]").default(0.01),
      /** added per coin of position size (Deribit: 0.005% per BTC) */
      slopePerCoin: fraction("a fraction per coin in [0, 1]").default(0.00005),
    })
    .default({ initialBase: 0.02, maintenanceBase: 0.01, slopePerCoin: 0.00005 }),
  /** collateral haircuts by asset (fraction in [0, 1)); standard margin on Deribit has none */
  haircuts: z.record(z.string(), z.number().min(0).lt(1, { message: "a haircut in [0, 1)" })).default({}),
});

export type StandardParameters = z.output<typeof standardParametersSchema>;
export type StandardParametersInput = z.input<typeof standardParametersSchema>;

/**
 * Standard margin of a book: requirements per position (settlement currency and USD), summed in USD against the
 * margin equity after haircuts. The components list the requirement per settlement currency.
 */
export function standardMargin(k: Kernels, book: Book, market: Market, parametersInput: unknown = {}): MarginResult {
  const p = parseWith(standardParametersSchema, parametersInput, "policy.parameters");
  const { valuation, resolved } = valueBook(k, book, market, { haircuts: p.haircuts });
  const lines = resolved.positions.map((pos, i): PositionRequirement => {
    const v = valuation.positions[i]!;
    const q = Math.abs(pos.quantity);
    const S = pos.forward;
    // per-unit requirement in coin (inverse) or USD (linear): `unit` converts a fraction of S into that currency
    const unit = pos.inverse ? 1 : S;
    let im = 0;
    let mm = 0;
    if (pos.kind === "option") {
      if (pos.quantity < 0) {
        const otm = pos.isCall ? Math.max(pos.strike! - S, 0) : Math.max(S - pos.strike!, 0);
        const o = p.option;
        const base = Math.max(o.initialBase - otm / S, o.initialFloor) * unit + v.mark;
        if (pos.isCall) {
          mm = o.maintenance * unit + v.mark;
          im = base;
        } else {
          mm = Math.max(o.maintenance * unit, o.maintenance * v.mark) + v.mark;
          im = Math.max(base, mm);
        }
      }
    } else {
      const f = p.future;
      const coins = q; // quantities are in coin units of the underlying
      im = (f.initialBase + f.slopePerCoin * coins) * unit;
      mm = (f.maintenanceBase + f.slopePerCoin * coins) * unit;
    }
    const toUsd = pos.inverse ? resolved.spot[pos.underlying]! : 1;
    return { instrument: pos.name, currency: pos.settlementCurrency, initial: q * im, maintenance: q * mm, initialUsd: q * im * toUsd, maintenanceUsd: q * mm * toUsd };
  });
  const byCurrency = new Map<string, { im: number; mm: number }>();
  for (const l of lines) {
    const c = byCurrency.get(l.currency) ?? { im: 0, mm: 0 };
    c.im += l.initialUsd;
    c.mm += l.maintenanceUsd;
    byCurrency.set(l.currency, c);
  }
  const components: MarginComponent[] = [...byCurrency].flatMap(([ccy, c]) => [
    { name: `${ccy}-settled positions (initial)`, value: c.im, appliesTo: "initial" as const },
    { name: `${ccy}-settled positions (maintenance)`, value: c.mm, appliesTo: "maintenance" as const },
  ]);
  const initialMargin = lines.reduce((s, l) => s + l.initialUsd, 0);
  const maintenanceMargin = lines.reduce((s, l) => s + l.maintenanceUsd, 0);
  const equity = valuation.marginEquityUsd;
  const excess = { initial: equity - initialMargin, maintenance: equity - maintenanceMargin };
  return {
    method: "standard",
    currency: "USD",
    initialMargin,
    maintenanceMargin,
    equity: valuation.equityUsd,
    marginEquity: { initial: equity, maintenance: equity },
    excess,
    marginRatio: equity > 0 ? maintenanceMargin / equity : null,
    status: marginStatus(excess),
    components,
    worst: [],
    byPosition: lines,
  };
}
