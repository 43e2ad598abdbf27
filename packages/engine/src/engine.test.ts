import { describe, expect, it } from "vitest";
import { createEngine, type Engine, OffsetInputError } from "./index.js";

const backends = ["js", "wasm"] as const;

/** Runs `fn` and returns the message of the OffsetInputError it must throw. */
function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OffsetInputError);
    return (e as Error).message;
  }
  throw new Error("expected an OffsetInputError");
}

describe("createEngine", () => {
  it("memoises per backend and says which one runs", async () => {
    const a = await createEngine();
    expect(await createEngine()).toBe(a);
    expect(a.backend.name).toBe("wasm");
    // Node 20 supports wasm SIMD, so the SIMD build must have been picked by feature detection.
    expect(a.backend.simd).toBe(true);
    expect((await createEngine({ simd: false })).backend).toEqual({ name: "wasm", simd: false });
    expect((await createEngine({ backend: "js" })).backend).toEqual({ name: "js", simd: false });
  });

  it("rejects an unknown backend by name", () => {
    expect(() => createEngine({ backend: "gpu" as never })).toThrow('createEngine.backend: expected "wasm" or "js", got "gpu"');
  });
});

describe.each(backends)("engine on %s", (backend) => {
  let engine: Engine;
  it("loads", async () => {
    engine = await createEngine({ backend });
  });

  it("prices one option in both parameterisations consistently (BSM with q = r is Black-76 on F = S)", () => {
    const b = engine.bsm({ spot: 19, strike: 19, timeToExpiry: 0.75, vol: 0.28, rate: 0.1, dividendYield: 0.1, isCall: false });
    const f = engine.black76({ forward: 19, strike: 19, timeToExpiry: 0.75, vol: 0.28, rate: 0.1, isCall: false });
    // Haug's Black-76 example (bs_reference_cases.json ql_value_02): 1.7011 to the 4 decimals published.
    expect(f.price).toBeCloseTo(1.7011, 4);
    expect(b.price).toBeCloseTo(f.price, 12);
    expect(b.delta).toBeCloseTo(f.delta, 12);
  });

  it("names the field, the value and the expectation on bad single-option input", () => {
    expect(inputError(() => engine.bsm({ spot: -1, strike: 100, timeToExpiry: 1, vol: 0.2, rate: 0, isCall: true }))).toBe(
      "bsm.spot: expected a finite number > 0, got -1",
    );
    expect(inputError(() => engine.black76({ forward: 100, strike: 100, timeToExpiry: 1, vol: "0.2" as never, isCall: true }))).toContain(
      'black76.vol: expected a finite number ≥ 0 (decimal, 0.65 = 65%), got "0.2"',
    );
    expect(inputError(() => engine.black76({ forward: 100, strike: 100, timeToExpiry: 1, vol: 0.2, isCall: true, spot: 3 } as never))).toContain(
      "no unknown keys (spot)",
    );
  });

  it("validates batch columns element by element", () => {
    const good = { forward: [100, 100], strike: [90, 110], timeToExpiry: [0.5, 0.5], vol: [0.6, 0.6], isCall: [true, false] };
    const r = engine.priceBatch(good);
    expect(r.price.length).toBe(2);
    expect(inputError(() => engine.priceBatch({ ...good, vol: [0.6, Number.NaN] }))).toBe("priceBatch.vol[1]: expected a finite number ≥ 0, got NaN");
    expect(inputError(() => engine.priceBatch({ ...good, strike: [90] }))).toBe(
      "priceBatch.strike: expected length 2 (like the first column), got length 1",
    );
    expect(inputError(() => engine.priceBatch({ ...good, isCall: ["C", "P"] as never }))).toBe(
      'priceBatch.isCall[0]: expected true/false (or 1/0), got "C"',
    );
    expect(inputError(() => engine.priceBatch({ ...good, settlement: "coin" as never }))).toContain("priceBatch.settlement");
  });

  it("inverts premia to implied vols: Hull's example, a tiny coin premium, and a clear error outside the bounds", () => {
    // Hull's textbook example (bs_reference_cases.json hull_iv_01): S 21, K 20, r 10%, T 0.25, call 1.875 → 23.45%.
    expect(engine.impliedVol({ price: 1.875, spot: 21, strike: 20, timeToExpiry: 0.25, rate: 0.1, isCall: true })).toBeCloseTo(0.2345, 4);
    // A deep-OTM BTC call quoted 0.0005 BTC: the vol that reprices it must reproduce the coin premium to 1e-12
    // relative (the round trip is limited only by double precision, not by the solver).
    const q = { forward: 60_000, strike: 120_000, timeToExpiry: 30 / 365, isCall: true } as const;
    const vol = engine.impliedVol({ ...q, price: 0.0005, settlement: "inverse" });
    const back = engine.priceBatch({ forward: [q.forward], strike: [q.strike], timeToExpiry: [q.timeToExpiry], vol: [vol], isCall: true, settlement: "inverse" });
    expect(Math.abs(back.price[0]! - 0.0005)).toBeLessThan(1e-12 * 0.0005);
    expect(inputError(() => engine.impliedVol({ price: 5, forward: 100, strike: 90, timeToExpiry: 1, isCall: true }))).toBe(
      "impliedVol.price: expected a premium within the no-arbitrage bounds [10, 100] USD of this call (below-intrinsic), got 5",
    );
    expect(inputError(() => engine.impliedVol({ price: 5, strike: 90, timeToExpiry: 1, isCall: true }))).toContain("exactly one of forward (Black-76) or spot (BSM)");
  });

  it("values coin-settled options as the USD value divided by the forward", () => {
    const cols = { forward: [50_000], strike: [60_000], timeToExpiry: [0.25], vol: [0.8], isCall: true };
    const usd = engine.priceBatch(cols).price[0]!;
    const coin = engine.priceBatch({ ...cols, settlement: "inverse" }).price[0]!;
    expect(coin).toBeCloseTo(usd / 50_000, 15);
  });

  it("simulates shocks with the requested covariance, the same on every backend for a seed", () => {
    const corr = [
      [1, 0.8, 0.3],
      [0.8, 1, 0.5],
      [0.3, 0.5, 1],
    ];
    const vols = [0.04, 0.05, 0.02];
    const m = 200_000;
    const { shocks, factors } = engine.simulate({ correlation: corr, vols, scenarios: m, seed: 42 });
    expect(factors).toBe(3);
    const cov = sampleCovariance(shocks, m, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const target = corr[i]![j]! * vols[i]! * vols[j]!;
        // Standard error of a sample covariance of Gaussians: sqrt((σii σjj + σij²)/m); 5 s.e. keeps the test from
        // flaking while still catching a wrong factor (which would be off by many s.e.).
        const se = Math.sqrt((vols[i]! ** 2 * vols[j]! ** 2 + target ** 2) / m);
        expect(Math.abs(cov[i * 3 + j]! - target)).toBeLessThan(5 * se);
      }
    }
  });

  it("refuses a non-positive-definite correlation unless asked to repair, and reports the repair", () => {
    // Pairwise-plausible but jointly impossible: a≈b, b≈c, a≈−c.
    const bad = [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ];
    expect(inputError(() => engine.simulate({ correlation: bad, scenarios: 10, seed: 1 }))).toMatch(
      /simulate\.correlation: expected a positive-definite matrix \(the leading 3×3 minor is not/,
    );
    for (const repair of ["clip", "jitter"] as const) {
      const r = engine.simulate({ correlation: bad, scenarios: 1000, seed: 1, repair });
      expect(r.repair?.method).toBe(repair);
      expect(r.repair!.minEigenvalue).toBeLessThan(0);
      expect(r.repair!.change).toBeGreaterThan(0);
      expect(r.shocks.every(Number.isFinite)).toBe(true);
    }
  });

  it("validates simulate input", () => {
    expect(inputError(() => engine.simulate({ correlation: [[1, 0.5], [0.4, 1]], scenarios: 10, seed: 1 }))).toContain(
      "simulate.correlation[1][0]: expected a symmetric matrix",
    );
    expect(inputError(() => engine.simulate({ correlation: [[1]], covariance: [[1]], scenarios: 10, seed: 1 }))).toContain(
      "exactly one of `correlation` or `covariance`",
    );
    expect(inputError(() => engine.simulate({ covariance: [[1]], scenarios: 0, seed: 1 }))).toBe("simulate.scenarios: expected a positive integer, got 0");
    expect(inputError(() => engine.simulate({ covariance: [[1]], scenarios: 5, seed: 1, distribution: { studentT: 2 } }))).toContain(
      "simulate.distribution",
    );
    expect(inputError(() => engine.simulate({ covariance: [[1]], scenarios: 5, seed: -3 }))).toContain("simulate.seed");
  });

  it("student-t shocks keep the requested variance and have fat tails", () => {
    const m = 400_000;
    const { shocks } = engine.simulate({ covariance: [[4]], scenarios: m, seed: 7, distribution: { studentT: 5 } });
    let s2 = 0;
    let s4 = 0;
    for (const x of shocks) {
      s2 += x * x;
      s4 += x ** 4;
    }
    const variance = s2 / m;
    // Unit-variance t margins scaled by σ = 2: variance 4. The t(5) variance estimator has a large kurtosis, so use
    // a 2% band (about 4 standard errors at m = 4e5 for excess kurtosis 6).
    expect(variance).toBeGreaterThan(4 * 0.98);
    expect(variance).toBeLessThan(4 * 1.02);
    // Excess kurtosis of t(5) is 6 (Gaussian 0): any value above 3 proves fat tails.
    expect(s4 / m / variance ** 2 - 3).toBeGreaterThan(3);
  });

  it("computes tail risk with worst scenarios and refuses NaN P&L", () => {
    const pnl = Float64Array.from({ length: 100 }, (_, i) => -(i + 1)); // losses 1..100
    const t = engine.tail(pnl, { confidence: 0.95, worst: 3 });
    // Equal weights: VaR = 95th order statistic of the losses; ES = mean of 96..100 (see the kernels' definition).
    expect(t.var).toBe(95);
    expect(t.es).toBeCloseTo(98, 12);
    expect(Array.from(t.worst)).toEqual([99, 98, 97]);
    expect(inputError(() => engine.tail([1, Number.NaN], { confidence: 0.99 }))).toBe("tail.pnl[1]: expected a finite number, got NaN");
    expect(inputError(() => engine.tail([1, 2], { confidence: 99 }))).toContain("tail.confidence: expected a number strictly between 0 and 1");
    expect(inputError(() => engine.tail([1, 2], { confidence: 0.9, weights: [0, 0] }))).toContain("tail.weights: expected at least one weight > 0");
  });
});

describe("backends agree", () => {
  it("simulate gives the same shocks for the same seed on js and wasm (≤ 1e-12 relative)", async () => {
    const js = await createEngine({ backend: "js" });
    const wasm = await createEngine({ backend: "wasm" });
    const input = { correlation: [[1, 0.6], [0.6, 1]], vols: [0.03, 0.05], scenarios: 1000, seed: 2026n, distribution: { studentT: 4 } } as const;
    const a = js.simulate(input).shocks;
    const b = wasm.simulate(input).shocks;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1e-300, Math.abs(a[i]!)));
  });
});

function sampleCovariance(x: Float64Array, m: number, n: number): Float64Array {
  const mean = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j]! += x[i * n + j]! / m;
  const cov = new Float64Array(n * n);
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < n; a++) {
      const da = x[i * n + a]! - mean[a]!;
      for (let b = 0; b < n; b++) cov[a * n + b]! += (da * (x[i * n + b]! - mean[b]!)) / (m - 1);
    }
  }
  return cov;
}
