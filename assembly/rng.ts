// Random numbers: xoshiro256** (Blackman & Vigna 2018), Ziggurat normals, χ² and Student-t.
// State layout: 4 × u64 at `state` (little-endian), the same words as the TS twin's Uint32Array(8).

export function rngSeed(state: usize, seedLo: u32, seedHi: u32): void {
  unreachable(); // TODO
}
export function rngJump(state: usize): void {
  unreachable();
}
export function rngLongJump(state: usize): void {
  unreachable();
}
export function rngRaw(state: usize, n: i32, out: usize): void {
  unreachable();
}
export function rngUniform(state: usize, n: i32, out: usize): void {
  unreachable();
}
/** Pointer to the static Ziggurat table the host fills once at load (see packages/kernels/src/js/ziggurat.ts). */
export function zigTablePtr(): usize {
  unreachable();
  return 0;
}
export function rngNormal(state: usize, n: i32, out: usize): void {
  unreachable();
}
export function rngStudentT(state: usize, n: i32, nu: f64, out: usize): void {
  unreachable();
}
export function rngMvtScale(state: usize, n: i32, nu: f64, out: usize): void {
  unreachable();
}
