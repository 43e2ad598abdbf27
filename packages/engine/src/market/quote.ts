/**
 * A venue quote normalised into Offset's units, the common currency between the venue adapters
 * (src/adapters/deribit.ts, src/adapters/ccxt.ts) and the market snapshot builder (src/market/snapshot.ts).
 * Adapters convert on the way in (Deribit IV percent → decimal, ccxt symbols → Deribit-style names), so the
 * snapshot builder sees one shape whatever the source.
 */
export interface Quote {
  /** canonical (Deribit-style) instrument name, e.g. BTC-29MAY20-9000-C, BTC-PERPETUAL, ETH_USDC-27JUN25 */
  instrument: string;
  /** quote time, ms since the epoch (UTC) */
  timestamp: number;
  /**
   * mark price per unit of underlying in the instrument's price currency: coin for inverse (coin-settled) options
   * (0.0123 BTC), USD for futures/perpetuals and for linear options
   */
  markPrice: number;
  /** mark implied volatility, annualised decimal (options only) */
  markIv?: number;
  bidIv?: number;
  askIv?: number;
  /** the forward (or synthetic future) the venue prices this expiry's options on, USD */
  underlyingPrice?: number;
  /** the underlying's index (spot) price, USD */
  indexPrice?: number;
  /** the venue's discount rate for this quote (Deribit: 0) */
  interestRate?: number;
  /** perpetual funding: the current 8-hour funding rate as a decimal (0.0001 = 0.01%) */
  funding8h?: number;
  openInterest?: number;
  /** the venue's own Greeks when it publishes them (delta per unit, vega USD per vol point, theta USD per day) */
  greeks?: { delta?: number; gamma?: number; vega?: number; theta?: number; rho?: number };
}
