/**
 * Bad input gets a clear error that names the field, the value and what was expected:
 * `priceBatch.vol[17]: expected a finite number ≥ 0, got -0.2`. Validation happens once, at the API edge;
 * nothing invalid reaches a kernel, and a NaN never reaches a result.
 */
export interface InputIssue {
  /** where, e.g. `simulate.correlation[2][1]` */
  path: string;
  /** what was expected, e.g. `a finite number ≥ 0` */
  expected: string;
  /** the offending value, rendered for people */
  got: string;
}

export class OffsetInputError extends Error {
  override readonly name = "OffsetInputError";

  constructor(readonly issues: InputIssue[]) {
    super(issues.map(formatIssue).join("; "));
  }
}

export function formatIssue(issue: InputIssue): string {
  return `${issue.path}: expected ${issue.expected}, got ${issue.got}`;
}

/** A description of what was received, shown as written (e.g. `length 1`), not quoted like a string value. */
export class Described {
  constructor(readonly text: string) {}
}

export const described = (text: string) => new Described(text);

/** Renders a value the way a person typed it: strings quoted, typed arrays summarised. */
export function show(value: unknown): string {
  if (value instanceof Described) return value.text;
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throws a single-issue input error. */
export function fail(path: string, expected: string, got: unknown): never {
  throw new OffsetInputError([{ path, expected, got: show(got) }]);
}

/** A result that would carry NaN is an error, never a number: the last guard before a figure leaves the engine. */
export function assertFiniteResult(path: string, value: number, why: string): number {
  if (!Number.isFinite(value)) throw new Error(`offset: ${path} came out ${value} (${why}); this is a bug or an unchecked input`);
  return value;
}
