// Small dense matrices at the API edge: input forms, symmetric eigendecomposition and positive-definite repair.
// The sizes here are factor counts (tens), so clarity beats speed; the hot matrix work (Cholesky of the final matrix,
// correlated shocks) runs in the kernels.
import { described, fail } from "./errors.js";

/** A square matrix as nested arrays, or a row-major Float64Array (its size is then √length). */
export type MatrixInput = readonly (readonly number[])[] | Float64Array;

/** Reads a square matrix into a fresh row-major Float64Array, checking shape and finiteness. */
export function readSquare(path: string, input: unknown): { n: number; a: Float64Array } {
  if (input instanceof Float64Array) {
    const n = Math.round(Math.sqrt(input.length));
    if (n * n !== input.length || n === 0) fail(path, "a row-major n×n Float64Array (length a perfect square > 0)", described(`length ${input.length}`));
    for (let i = 0; i < input.length; i++) {
      if (!Number.isFinite(input[i]!)) fail(`${path}[${Math.floor(i / n)}][${i % n}]`, "a finite number", input[i]);
    }
    return { n, a: Float64Array.from(input) };
  }
  if (!Array.isArray(input) || input.length === 0) fail(path, "a non-empty square matrix (nested arrays or row-major Float64Array)", input);
  const rows = input as unknown[];
  const n = rows.length;
  const a = new Float64Array(n * n);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== n) fail(`${path}[${i}]`, `a row of ${n} numbers`, row);
    (row as unknown[]).forEach((x, j) => {
      if (typeof x !== "number" || !Number.isFinite(x)) fail(`${path}[${i}][${j}]`, "a finite number", x);
      a[i * n + j] = x;
    });
  });
  return { n, a };
}

/** Symmetry to a tolerance relative to the matrix scale (user matrices are often typed with rounding). */
export function checkSymmetric(path: string, n: number, a: Float64Array, relTol = 1e-12): void {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(a[i * n + j]! - a[j * n + i]!) > relTol * Math.max(scale, 1e-300)) {
        fail(`${path}[${i}][${j}]`, `a symmetric matrix (equal to ${path}[${j}][${i}] = ${a[j * n + i]})`, a[i * n + j]);
      }
    }
  }
}

/**
 * Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations (Golub & Van Loan, Matrix Computations,
 * 4th ed., §8.5): robust and accurate to machine precision for the small matrices met here.
 * Returns eigenvalues and the eigenvectors as the columns of `vectors` (row-major n×n).
 */
export function symmetricEigen(n: number, input: Float64Array): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-30 * frobeniusSquared(a)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]!;
  return { values, vectors: v };
}

function frobeniusSquared(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return s;
}

/** What a positive-definite repair changed, for the report. */
export interface RepairReport {
  method: "clip" | "jitter";
  /** smallest eigenvalue before the repair */
  minEigenvalue: number;
  /** eigenvalues raised to the floor (clip) */
  clipped?: number;
  /** the diagonal loading added before re-normalising (jitter) */
  jitter?: number;
  /** Frobenius norm of (repaired − original) */
  change: number;
}

/**
 * Repairs a symmetric matrix that is not positive definite.
 * - `clip`: eigenvalues below `floor`·max(1, λmax) are raised to it and the matrix is rebuilt (Rebonato & Jäckel 1999);
 * - `jitter`: δ·mean(diag)·I is added, δ = 1e-10, 1e-9, … until the Cholesky `isPd` check passes.
 * With `unitDiagonal` (correlations) the result is rescaled to a unit diagonal, which keeps it positive definite.
 */
export function repairPd(
  n: number,
  a: Float64Array,
  method: "clip" | "jitter",
  unitDiagonal: boolean,
  isPd: (m: Float64Array) => boolean,
): { matrix: Float64Array; report: RepairReport } {
  const { values, vectors } = symmetricEigen(n, a);
  const minEigenvalue = Math.min(...values);
  let out: Float64Array;
  const report: RepairReport = { method, minEigenvalue, change: 0 };
  if (method === "clip") {
    const floor = 1e-8 * Math.max(1, Math.max(...values));
    let clipped = 0;
    const lam = values.map((x) => (x < floor ? (clipped++, floor) : x));
    out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[i * n + k]! * lam[k]! * vectors[j * n + k]!;
        out[i * n + j] = s;
      }
    }
    report.clipped = clipped;
    if (unitDiagonal) normaliseDiagonal(n, out);
  } else {
    let meanDiag = 0;
    for (let i = 0; i < n; i++) meanDiag += a[i * n + i]! / n;
    let delta = 1e-10;
    for (;;) {
      out = Float64Array.from(a);
      for (let i = 0; i < n; i++) out[i * n + i] = out[i * n + i]! + delta * meanDiag - Math.min(0, minEigenvalue);
      if (unitDiagonal) normaliseDiagonal(n, out);
      if (isPd(out) || delta > 1) break;
      delta *= 10;
    }
    report.jitter = delta * meanDiag - Math.min(0, minEigenvalue);
  }
  let change = 0;
  for (let i = 0; i < n * n; i++) change += (out[i]! - a[i]!) ** 2;
  report.change = Math.sqrt(change);
  return { matrix: out, report };
}

function normaliseDiagonal(n: number, m: Float64Array): void {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = 1 / Math.sqrt(m[i * n + i]!);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m[i * n + j] = m[i * n + j]! * d[i]! * d[j]!;
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
}
