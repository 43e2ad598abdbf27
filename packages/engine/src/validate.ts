// Validation helpers for the API edge. Objects go through zod schemas; typed-array columns (up to millions of
// elements) are checked by plain loops, which is where a schema library would cost more than the kernel itself.
import type { z } from "zod";
import { described, fail, type InputIssue, OffsetInputError, show } from "./errors.js";

/** Parses `input` with a zod schema, turning its issues into field-named errors rooted at `root`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: InputIssue[] = result.error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    return { path: pathString(root, issue.path), expected: expectationOf(issue, value), got: show(value) };
  });
  throw new OffsetInputError(issues);
}

function pathString(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, key) => (typeof key === "number" ? `${s}[${key}]` : `${s}.${String(key)}`), root);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** Our schemas carry their expectation as the custom message; zod's own messages are the fallback. */
function expectationOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === "unrecognized_keys") return `no unknown keys (${issue.keys.join(", ")})`;
  if (value === undefined && issue.code === "invalid_type") return `${issue.expected === "number" ? "a number" : issue.expected} (required)`;
  // zod's own wording ("Invalid input: expected object, received string") → "an object"; ours is used as written
  const zodType = /^Invalid input: expected (\w+), received \w+$/.exec(issue.message);
  if (zodType) return `${/^[aeiou]/.test(zodType[1]!) ? "an" : "a"} ${zodType[1]}`;
  return issue.message.replace(/^Invalid input: /, "");
}

export type Column = Float64Array | readonly number[];

/** Range rule for a numeric column: the predicate and the words for the error. */
export interface Rule {
  ok(x: number): boolean;
  expected: string;
}

export const finite: Rule = { ok: (x) => Number.isFinite(x), expected: "a finite number" };
export const positive: Rule = { ok: (x) => Number.isFinite(x) && x > 0, expected: "a finite number > 0" };
export const nonNegative: Rule = { ok: (x) => Number.isFinite(x) && x >= 0, expected: "a finite number ≥ 0" };

/**
 * Checks a numeric column (Float64Array or number[]) element by element and returns it as a Float64Array
 * (the same object when it already is one: no copy). `length` pins the expected length.
 */
export function column(path: string, value: unknown, rule: Rule, length?: number): Float64Array {
  if (!(value instanceof Float64Array) && !Array.isArray(value)) fail(path, "a Float64Array or an array of numbers", value);
  const col = value as Column;
  if (length !== undefined && col.length !== length) fail(path, `length ${length} (like the first column)`, described(`length ${col.length}`));
  for (let i = 0; i < col.length; i++) {
    const x = col[i];
    if (typeof x !== "number" || !rule.ok(x)) fail(`${path}[${i}]`, rule.expected, x);
  }
  return col instanceof Float64Array ? col : Float64Array.from(col);
}

/** A call/put flag column: booleans, or 0/1 in a typed array. Returns the kernels' Int32Array (1 = call). */
export function flagColumn(path: string, value: unknown, length: number): Int32Array {
  if (typeof value === "boolean") return new Int32Array(length).fill(value ? 1 : 0);
  const ok = Array.isArray(value) || value instanceof Int32Array || value instanceof Uint8Array || value instanceof Int8Array;
  if (!ok) fail(path, "a boolean, an array of booleans, or an Int32Array/Uint8Array of 0/1", value);
  const col = value as ArrayLike<unknown>;
  if (col.length !== length) fail(path, `length ${length} (like the first column)`, described(`length ${col.length}`));
  if (value instanceof Int32Array) {
    for (let i = 0; i < length; i++) if (value[i] !== 0 && value[i] !== 1) fail(`${path}[${i}]`, "0 or 1", value[i]);
    return value;
  }
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const x = col[i];
    if (x === true || x === 1) out[i] = 1;
    else if (x !== false && x !== 0) fail(`${path}[${i}]`, "true/false (or 1/0)", x);
  }
  return out;
}

/** A number within [lo, hi] (inclusive flags), for scalar options like a confidence level. */
export function scalarIn(path: string, value: unknown, lo: number, hi: number, expected: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < lo || value > hi) fail(path, expected, value);
  return value;
}
