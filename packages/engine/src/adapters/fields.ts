// Field readers shared by the venue adapters: every error names the field's path in the venue object and the value
// (`deribit.positions[3].size_currency: expected a finite number, got "abc"`).
import { fail } from "../errors.js";

export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function object(v: unknown, path: string, what = "an object"): Obj {
  if (!isObject(v)) fail(path, what, v);
  return v;
}

export function array(v: unknown, path: string, what = "an array"): unknown[] {
  if (!Array.isArray(v)) fail(path, what, v);
  return v;
}

export function string(o: Obj, key: string, path: string, what = "a string"): string {
  const v = o[key];
  if (typeof v !== "string" || v.length === 0) fail(`${path}.${key}`, what, v);
  return v;
}

export interface NumberRule {
  what?: string;
  /** > 0 */
  positive?: boolean;
  /** ≥ 0 */
  nonNegative?: boolean;
}

function check(v: unknown, path: string, rule: NumberRule): number {
  const what = rule.what ?? (rule.positive ? "a finite number > 0" : rule.nonNegative ? "a finite number ≥ 0" : "a finite number");
  if (typeof v !== "number" || !Number.isFinite(v) || (rule.positive && !(v > 0)) || (rule.nonNegative && !(v >= 0))) fail(path, what, v);
  return v;
}

/** A required number. */
export function number(o: Obj, key: string, path: string, rule: NumberRule = {}): number {
  return check(o[key], `${path}.${key}`, rule);
}

/** An optional number: absent (undefined or null) → undefined; present → checked like `number`. */
export function optionalNumber(o: Obj, key: string, path: string, rule: NumberRule = {}): number | undefined {
  const v = o[key];
  return v === undefined || v === null ? undefined : check(v, `${path}.${key}`, rule);
}

/** Drops undefined fields so results compare cleanly and serialise without `undefined`s. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
