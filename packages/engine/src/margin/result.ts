/**
 * One result shape for every margin method (standard, scenario grids and their venue presets, VaR/ES).
 * Requirements (IM, MM, components, add-ons) are positive numbers; `excess` is margin equity − requirement
 * (negative = short of margin). Figures are in `currency`; `usd` repeats the headline figures in USD where the
 * currency is not USD (a coin for inverse-settled portfolios).
 */
export interface MarginResult {
  /** the method or preset that produced it, e.g. "derive-pmrm2", "deribit", "standard" */
  method: string;
  /** currency of every figure below (e.g. "USDC" for Derive, "BTC" for Deribit S:PM, "USD") */
  currency: string;
  initialMargin: number;
  maintenanceMargin: number;
  /** mark-to-market value of the account: collateral + positions, before haircuts */
  equity: number;
  /** equity after collateral haircuts, what requirements are compared against (IM and MM may use different haircuts) */
  marginEquity: { initial: number; maintenance: number };
  excess: { initial: number; maintenance: number };
  /** maintenance margin / margin equity (≥ 1 means liquidation); null when margin equity ≤ 0 */
  marginRatio: number | null;
  status: "healthy" | "margin-call" | "liquidation";
  /** every component and add-on by name, positive = adds to the requirement (e.g. worst scenario loss, contingencies) */
  components: MarginComponent[];
  /** the scenario(s) behind the requirement, worst first */
  worst: WorstScenario[];
  /** per-position requirements, for methods that margin positions one by one (standard margin) */
  byPosition?: PositionRequirement[];
  usd?: { initialMargin: number; maintenanceMargin: number; equity: number; excess: { initial: number; maintenance: number } };
}

/** One position's requirement in its settlement currency and in USD. */
export interface PositionRequirement {
  instrument: string;
  currency: string;
  initial: number;
  maintenance: number;
  initialUsd: number;
  maintenanceUsd: number;
}

export interface MarginComponent {
  name: string;
  /** in the result's currency; positive adds to the requirement */
  value: number;
  /** which requirement it enters: IM, MM or both */
  appliesTo: "initial" | "maintenance" | "both";
  description?: string;
}

export interface WorstScenario {
  /** index of the scenario in the method's scenario list */
  index: number;
  /** e.g. "spot −15%, vol up" */
  description: string;
  /** P&L of the portfolio in that scenario (negative = loss), in the result's currency */
  pnl: number;
}

/** Status from the excesses: liquidation below maintenance, margin call below initial. */
export function marginStatus(excess: { initial: number; maintenance: number }): MarginResult["status"] {
  return excess.maintenance < 0 ? "liquidation" : excess.initial < 0 ? "margin-call" : "healthy";
}
