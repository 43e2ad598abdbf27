// Returns from a price history: the shared price CSV (`date,ASSET1,ASSET2,…`, empty cell = no price) or plain arrays,
// turned into log returns at any horizon, overlapping or not, with gaps and late listings handled by an explicit rule.
//
// Conventions (all stated on the result, so a report can repeat them):
// - A log return over horizon h ends at grid row i and starts at row i − h: r = ln(P[i] / P[i − h]). The grid is the
//   CSV's rows (one per day in the daily file, one per hour in the hourly file); h counts rows, not calendar time.
// - Non-overlapping returns are anchored at the LAST row (the most recent return is always included): rows
//   last, last − h, last − 2h, … ≥ h. Overlapping returns take every row i ≥ h (consecutive ones share h − 1 steps,
//   so they are autocorrelated by construction: fine for a VaR distribution, wrong for an i.i.d. estimator).
// - A return is missing when either end has no price. What happens to a row with a missing return is `missing`:
//     "common" (default): the row is dropped for every asset, so the result is a complete matrix over the dates on
//         which every selected asset has a return. A listing that starts later therefore cuts the window to its
//         start, and an interior gap (a missing hour) drops the h returns that touch it (for all assets);
//     "pairwise": every row with at least one return is kept and the missing ones are NaN; estimators that accept
//         this (sampleCovariance with { missing: "pairwise" }) then use, for each pair, the rows where both exist.
//   Dropped rows are counted on the result.
// - `fill: "previous"` carries a price forward across an interior gap (after the asset's first price only; a late
//   listing is never back-filled): the return over the gap is then 0 and the move lands on the next row. This is a
//   choice some desks make for exchange outages; it biases volatility down slightly and is off by default.
// - Prices must be finite and > 0 where present (a zero or negative close is a data error, not a missing value).
import { described, fail } from "../errors.js";

/** A price history on a row grid: `prices[j][i]` is asset j's price at `dates[i]`, NaN where there is none. */
export interface PriceHistory {
  /** the grid labels as written in the file (e.g. `2024-01-31` or `2020-03-12T10:00:00Z`), ascending */
  dates: string[];
  assets: string[];
  /** one column per asset, NaN = no price on that row (not listed yet, or a gap) */
  prices: Float64Array[];
}

export type MissingRule = "common" | "pairwise";

export interface ReturnsOptions {
  /** rows per return (default 1) */
  horizon?: number;
  /** every row (true) or every h-th row from the last (false, default) when h > 1; irrelevant for h = 1 */
  overlapping?: boolean;
  /** what to do with a row where some asset has no return (default "common"; see the file comment) */
  missing?: MissingRule;
  /** carry the last price across interior gaps (default "none") */
  fill?: "none" | "previous";
  /** a subset of the history's assets, in the order wanted (default: all) */
  assets?: string[];
  /** first and last grid label of the PRICE window kept (inclusive, compared as strings: ISO dates sort) */
  from?: string;
  to?: string;
}

/** Log returns as a row-major matrix: rows = observations, columns = assets. */
export interface ReturnSeries {
  assets: string[];
  /** the grid label at which each return ends (null labels for array input: the row index as a string) */
  dates: string[];
  /** row-major rows × columns; NaN only with missing: "pairwise" */
  data: Float64Array;
  rows: number;
  columns: number;
  horizon: number;
  overlapping: boolean;
  missing: MissingRule;
  fill: "none" | "previous";
  /** rows that had a return for at least one asset but were dropped because another asset had none ("common") */
  droppedRows: number;
  /** prices carried forward by fill: "previous", per asset */
  filledPrices: number[];
}

/**
 * Parses price-history CSV text: a header `date,ASSET1,…` then one row per grid point; an empty cell is no price.
 * `columns` picks value columns by name (others, e.g. a text `source` column, are ignored); by default every column
 * after the first is read and must be numeric. The first column is the date label unless `dateColumn` names another.
 * Quoted fields (RFC 4180) are accepted. Dates must be strictly ascending (string order, as ISO dates are).
 */
export function parsePriceCsv(text: string, options: { columns?: string[]; dateColumn?: string } = {}): PriceHistory {
  if (typeof text !== "string") fail("parsePriceCsv.text", "CSV text", text);
  const lines = splitCsv(text);
  if (lines.length === 0) fail("parsePriceCsv.text", "a header line `date,ASSET,…`", described("empty text"));
  const header = lines[0]!.map((h) => h.trim());
  const dateIndex = options.dateColumn === undefined ? 0 : header.indexOf(options.dateColumn);
  if (dateIndex < 0) fail("parsePriceCsv.dateColumn", `one of the header's columns (${header.join(", ")})`, options.dateColumn);
  let picked: number[];
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.length === 0) fail("parsePriceCsv.columns", "a non-empty array of column names", options.columns);
    picked = options.columns.map((name, k) => {
      const idx = header.indexOf(name);
      if (idx < 0 || idx === dateIndex) fail(`parsePriceCsv.columns[${k}]`, `a value column of the header (${header.join(", ")})`, name);
      return idx;
    });
  } else {
    picked = header.map((_, k) => k).filter((k) => k !== dateIndex);
    if (picked.length === 0) fail("parsePriceCsv.text", "at least one value column after the date", described(`header ${header.join(",")}`));
  }
  const rows = lines.slice(1).filter((r) => !(r.length === 1 && r[0]!.trim() === ""));
  const dates: string[] = new Array(rows.length);
  const prices = picked.map(() => new Float64Array(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const line = i + 2;
    if (r.length !== header.length) fail(`parsePriceCsv line ${line}`, `${header.length} fields`, described(`${r.length} fields`));
    const d = r[dateIndex]!.trim();
    if (d === "") fail(`parsePriceCsv line ${line}.${header[dateIndex]}`, "a date label", d);
    if (i > 0 && !(d > dates[i - 1]!)) fail(`parsePriceCsv line ${line}.${header[dateIndex]}`, `a label after ${dates[i - 1]} (rows ascending, no duplicates)`, d);
    dates[i] = d;
    for (let k = 0; k < picked.length; k++) {
      const cell = r[picked[k]!]!.trim();
      if (cell === "") {
        prices[k]![i] = NaN;
        continue;
      }
      const x = Number(cell);
      if (!Number.isFinite(x) || x <= 0) fail(`parsePriceCsv line ${line}.${header[picked[k]!]}`, "a finite price > 0 or an empty cell", cell);
      prices[k]![i] = x;
    }
  }
  return { dates, assets: picked.map((k) => header[k]!), prices };
}

/** RFC 4180-style split: commas, double-quoted fields with "" escapes, \n or \r\n line ends. */
function splitCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  for (; i < n; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      out.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    out.push(row);
  }
  return out;
}

/**
 * Prices as arrays: rows of observations × columns of assets (nested arrays, NaN or null = no price), with optional
 * asset names and row labels. Converted to the column form the return functions read.
 */
export function priceHistoryFromRows(
  rows: readonly (readonly (number | null)[])[],
  options: { assets?: string[]; dates?: string[] } = {},
): PriceHistory {
  if (!Array.isArray(rows) || rows.length === 0) fail("prices", "a non-empty array of rows (observations × assets)", rows);
  const m = rows[0]!.length;
  if (!Array.isArray(rows[0]) || m === 0) fail("prices[0]", "a non-empty row of prices", rows[0]);
  const assets = options.assets ?? Array.from({ length: m }, (_, j) => `asset${j}`);
  if (assets.length !== m) fail("assets", `${m} names (one per column)`, assets);
  const dates = options.dates ?? rows.map((_, i) => String(i));
  if (dates.length !== rows.length) fail("dates", `${rows.length} labels (one per row)`, dates);
  const prices = assets.map(() => new Float64Array(rows.length));
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== m) fail(`prices[${i}]`, `a row of ${m} prices`, r);
    r.forEach((x, j) => {
      if (x === null || (typeof x === "number" && Number.isNaN(x))) prices[j]![i] = NaN;
      else if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) fail(`prices[${i}][${j}]`, "a finite price > 0, or null/NaN for no price", x);
      else prices[j]![i] = x;
    });
  });
  return { dates: [...dates], assets: [...assets], prices };
}

/** Log returns of a price history under the stated horizon, overlap and gap rules (see the file comment). */
export function logReturns(history: PriceHistory, options: ReturnsOptions = {}): ReturnSeries {
  const horizon = options.horizon ?? 1;
  if (!Number.isInteger(horizon) || horizon < 1) fail("returns.horizon", "an integer ≥ 1 (rows per return)", horizon);
  const overlapping = options.overlapping ?? false;
  if (typeof overlapping !== "boolean") fail("returns.overlapping", "true or false", overlapping);
  const missing = options.missing ?? "common";
  if (missing !== "common" && missing !== "pairwise") fail("returns.missing", '"common" or "pairwise"', missing);
  const fill = options.fill ?? "none";
  if (fill !== "none" && fill !== "previous") fail("returns.fill", '"none" or "previous"', fill);
  if (!history || !Array.isArray(history.dates) || !Array.isArray(history.prices) || !Array.isArray(history.assets)) {
    fail("returns.history", "a PriceHistory { dates, assets, prices } (parsePriceCsv or priceHistoryFromRows)", history);
  }
  const names = options.assets ?? history.assets;
  if (!Array.isArray(names) || names.length === 0) fail("returns.assets", "a non-empty array of asset names", names);
  const cols = names.map((name, k) => {
    const j = history.assets.indexOf(name);
    if (j < 0) fail(`returns.assets[${k}]`, `one of ${history.assets.join(", ")}`, name);
    return j;
  });
  let lo = 0;
  let hi = history.dates.length - 1;
  if (options.from !== undefined) while (lo <= hi && history.dates[lo]! < options.from) lo++;
  if (options.to !== undefined) while (hi >= lo && history.dates[hi]! > options.to) hi--;
  const len = hi - lo + 1;
  if (len <= horizon) fail("returns.window", `more than ${horizon} price rows (horizon ${horizon})`, described(`${Math.max(len, 0)} rows from ${options.from ?? "start"} to ${options.to ?? "end"}`));

  // price columns for the window, filled if asked
  const filledPrices: number[] = [];
  const px = cols.map((j) => {
    const src = history.prices[j]!;
    if (src.length !== history.dates.length) fail(`returns.history.prices[${j}]`, `${history.dates.length} prices (one per date)`, src);
    const p = src.slice(lo, hi + 1);
    let filled = 0;
    if (fill === "previous") {
      let last = NaN;
      for (let i = 0; i < len; i++) {
        if (Number.isNaN(p[i]!)) {
          if (!Number.isNaN(last)) {
            p[i] = last;
            filled++;
          }
        } else last = p[i]!;
      }
    }
    filledPrices.push(filled);
    return p;
  });

  // the end rows of the returns, ascending
  const ends: number[] = [];
  if (overlapping || horizon === 1) for (let i = horizon; i < len; i++) ends.push(i);
  else {
    for (let i = len - 1; i >= horizon; i -= horizon) ends.push(i);
    ends.reverse();
  }
  const m = cols.length;
  const buf = new Float64Array(ends.length * m);
  const dates: string[] = [];
  let rows = 0;
  let droppedRows = 0;
  for (const i of ends) {
    let present = 0;
    for (let k = 0; k < m; k++) {
      const r = Math.log(px[k]![i]! / px[k]![i - horizon]!); // NaN when either end is missing
      buf[rows * m + k] = r;
      if (!Number.isNaN(r)) present++;
    }
    if (present === 0) continue; // no asset listed yet on this row: not a data row at all
    if (missing === "common" && present < m) {
      droppedRows++;
      continue;
    }
    dates.push(history.dates[lo + i]!);
    rows++;
  }
  return {
    assets: [...names],
    dates,
    data: buf.slice(0, rows * m),
    rows,
    columns: m,
    horizon,
    overlapping: overlapping && horizon > 1,
    missing,
    fill,
    droppedRows,
    filledPrices,
  };
}

/** Parses the shared price CSV text and returns its log returns in one call (see parsePriceCsv and logReturns). */
export function returnsFromCsv(text: string, options: ReturnsOptions = {}): ReturnSeries {
  return logReturns(parsePriceCsv(text, options.assets ? { columns: options.assets } : {}), options);
}

/** Column j of a return series as its own array (NaN kept under "pairwise"). */
export function returnColumn(series: ReturnSeries, asset: string | number): Float64Array {
  const j = typeof asset === "number" ? asset : series.assets.indexOf(asset);
  if (!Number.isInteger(j) || j < 0 || j >= series.columns) fail("returnColumn.asset", `one of ${series.assets.join(", ")}`, asset);
  const out = new Float64Array(series.rows);
  for (let i = 0; i < series.rows; i++) out[i] = series.data[i * series.columns + j]!;
  return out;
}
