// Batch option pricing: Black-76 and generalised Black–Scholes–Merton with Greeks, double-precision normal CDF.

export function black76(
  n: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  unreachable();
}
export function black76Price(
  n: i32, forward: usize, strike: usize, t: usize, vol: usize, rate: usize, isCall: usize, inverse: i32, price: usize,
): void {
  unreachable();
}
export function bsm(
  n: i32, spot: usize, strike: usize, t: usize, vol: usize, rate: usize, q: usize, isCall: usize,
  price: usize, delta: usize, gamma: usize, vega: usize, theta: usize, rho: usize,
): void {
  unreachable();
}
