// Linear algebra: Cholesky and correlated shocks.

export function cholesky(n: i32, a: usize, l: usize): i32 {
  unreachable();
  return 0;
}
/** out[i, r] = rowScale[i] · Σ_c l[r, c] · e[i, c]; rowScale = 0 means 1. */
export function correlate(m: i32, n: i32, l: usize, e: usize, rowScale: usize, out: usize): void {
  unreachable();
}
/** Fused: normals into `scratch` (m·n), t row scales into `scratchRow` (m, when nu > 0), then correlate. */
export function correlatedNormals(m: i32, n: i32, l: usize, state: usize, nu: f64, scratch: usize, scratchRow: usize, out: usize): void {
  unreachable();
}
