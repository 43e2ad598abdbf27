// Tail measures by selection (never a full sort): VaR/ES, the k worst scenarios, histograms.

/** Writes [var, es] at out. weights = 0: equal weights. scratch: n f64 (and scratchW: n f64 when weighted). */
export function varEs(n: i32, pnl: usize, weights: usize, confidence: f64, scratch: usize, scratchW: usize, out: usize): void {
  unreachable();
}
/** Indices of the k largest losses, worst first, into out (i32); heap: k i32 scratch. Returns the count. */
export function worst(n: i32, pnl: usize, k: i32, heap: usize, out: usize): i32 {
  unreachable();
  return 0;
}
export function histogram(n: i32, x: usize, weights: usize, lo: f64, hi: f64, bins: i32, out: usize): void {
  unreachable();
}
