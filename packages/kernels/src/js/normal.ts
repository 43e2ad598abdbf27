/** Standard normal CDF in double precision. TODO */
export function normCdf(x: number): number { throw new Error("todo"); }
export function normPdf(x: number): number { return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI); }
