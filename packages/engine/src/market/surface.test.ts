import { readFileSync } from "node:fs";
import { normPdf } from "@offset/kernels";
import { sharedData } from "@offset/kernels/testing";
import { describe, expect, it } from "vitest";
import { fitSvi, sviTotalVariance, type SviParams } from "./svi.js";
import { VolSurface, type ExpirySlice } from "./surface.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2020, 4, 14, 8); // an arbitrary "now" for expiry stamps
const slice = (days: number, svi: SviParams, forward = 9000): ExpirySlice => ({ expiry: T0 + days * DAY, t: days / 365, forward, svi });

// Three calendar-consistent slices: the same smile shape with total variance growing in t
const S1: SviParams = { a: 0.002, b: 0.02, rho: -0.2, m: 0, sigma: 0.05 };
const S2: SviParams = { a: 0.01, b: 0.06, rho: -0.25, m: 0.02, sigma: 0.1 };
const S3: SviParams = { a: 0.06, b: 0.15, rho: -0.3, m: 0.05, sigma: 0.2 };
const clean = () => [slice(30, S2), slice(180, S3), slice(7, S1)]; // unsorted on purpose

describe("VolSurface: construction", () => {
  it("sorts slices by t and copies them", () => {
    const input = clean().map((x) => ({ ...x, svi: { ...x.svi } }));
    const s = new VolSurface(input);
    expect(s.slices.map((x) => x.t)).toEqual([7 / 365, 30 / 365, 180 / 365]);
    input[0]!.svi.a = 99; // the caller's objects are not shared
    expect(s.slices[1]!.svi.a).toBe(0.01);
  });

  it("rejects bad slices with the slice, field and value", () => {
    expect(() => new VolSurface([])).toThrow(/at least one expiry slice/);
    expect(() => new VolSurface([{ ...slice(7, S1), t: 0 }])).toThrow(/slices\[0\]\.t must be a finite number of years > 0 \(got 0\)/);
    expect(() => new VolSurface([slice(7, S1), { ...slice(8, S1), t: NaN }])).toThrow(/slices\[1\]\.t .*\(got NaN\)/);
    expect(() => new VolSurface([{ ...slice(7, S1), forward: -1 }])).toThrow(/slices\[0\]\.forward must be a finite number > 0 \(got -1\)/);
    expect(() => new VolSurface([{ ...slice(7, S1), expiry: NaN }])).toThrow(/slices\[0\]\.expiry/);
    expect(() => new VolSurface([slice(7, { ...S1, b: -1 })])).toThrow(/slices\[0\]\.svi\.b must be ≥ 0 \(got -1\)/);
    expect(() => new VolSurface([slice(7, { ...S1, rho: -1 })])).toThrow(/slices\[0\]\.svi\.rho must be in \(−1, 1\) \(got -1\)/);
    expect(() => new VolSurface([slice(7, { ...S1, sigma: 0 })])).toThrow(/slices\[0\]\.svi\.sigma must be > 0/);
    expect(() => new VolSurface([slice(7, { ...S1, m: NaN })])).toThrow(/slices\[0\]\.svi\.m must be a finite number \(got NaN\)/);
    expect(() => new VolSurface([slice(7, { ...S1, a: -0.01 })])).toThrow(/slices\[0\]\.svi: a \+ b·σ·√\(1 − ρ²\) must be ≥ 0/);
    expect(() => new VolSurface([slice(7, S1), { ...slice(7, S2), expiry: T0 + 8 * DAY }])).toThrow(/two slices at the same t/);
    expect(() => new VolSurface([{ ...slice(7, S1), kMin: -0.1 }])).toThrow(/kMin and kMax go together/);
  });
});

describe("VolSurface: interpolation in total variance at fixed k", () => {
  const s = new VolSurface(clean());
  const [t1, t2, t3] = [7 / 365, 30 / 365, 180 / 365];
  const ks = [-0.5, -0.1, 0, 0.07, 0.4];

  it("is each slice's own SVI at the slice times", () => {
    for (const k of ks) {
      expect(s.totalVariance(k, t1)).toBe(sviTotalVariance(S1, k));
      expect(s.totalVariance(k, t2)).toBe(sviTotalVariance(S2, k));
      expect(s.totalVariance(k, t3)).toBe(sviTotalVariance(S3, k));
    }
  });

  it("is linear in t between slices", () => {
    for (const k of ks) {
      const w2 = sviTotalVariance(S2, k);
      const w3 = sviTotalVariance(S3, k);
      for (const f of [0.25, 0.5, 0.9]) {
        const t = t2 + f * (t3 - t2);
        // ~1 ulp of w: the interpolation is one fused expression, compared with the same weights written differently
        expect(s.totalVariance(k, t)).toBeCloseTo(w2 + f * (w3 - w2), 15);
      }
    }
  });

  it("holds the first slice's implied vol before it and the last slice's after it", () => {
    for (const k of ks) {
      const vol1 = Math.sqrt(sviTotalVariance(S1, k) / t1);
      const vol3 = Math.sqrt(sviTotalVariance(S3, k) / t3);
      for (const t of [1e-6, 1 / 365, 0.5 * t1]) expect(Math.sqrt(s.totalVariance(k, t) / t)).toBeCloseTo(vol1, 14);
      for (const t of [1, 2, 10]) expect(Math.sqrt(s.totalVariance(k, t) / t)).toBeCloseTo(vol3, 14);
    }
    expect(s.totalVariance(0.1, 0)).toBe(0);
  });

  it("is non-decreasing in t at fixed k when the slices are calendar-consistent", () => {
    for (const k of [-1, -0.3, 0, 0.3, 1]) {
      let prev = 0;
      for (let i = 1; i <= 400; i++) {
        const w = s.totalVariance(k, i / 365);
        expect(w).toBeGreaterThanOrEqual(prev);
        prev = w;
      }
    }
  });

  it("vol(K, T, F) = √(w(ln(K/F), T)/T)", () => {
    const t = 0.2;
    for (const [K, F] of [[8000, 9000], [9000, 9000], [12000, 9100]] as const) {
      expect(s.vol(K, t, F)).toBe(Math.sqrt(s.totalVariance(Math.log(K / F), t) / t));
    }
    // a one-slice surface returns the slice's own vol at its own expiry
    const one = new VolSurface([slice(30, S2)]);
    expect(one.vol(9500, 30 / 365, 9000)).toBeCloseTo(Math.sqrt(sviTotalVariance(S2, Math.log(9500 / 9000)) / (30 / 365)), 15);
  });

  it("rejects bad queries", () => {
    expect(() => s.totalVariance(NaN, 0.1)).toThrow(/k must be a number \(got NaN\)/);
    expect(() => s.totalVariance(0, -0.1)).toThrow(/t must be a finite number of years ≥ 0 \(got -0.1\)/);
    expect(() => s.vol(9000, 0, 9000)).toThrow(/t must be a finite number of years > 0 \(got 0\)/);
    expect(() => s.vol(0, 0.1, 9000)).toThrow(/strike must be a finite number > 0 \(got 0\)/);
    expect(() => s.vol(9000, 0.1, NaN)).toThrow(/forward must be a finite number > 0 \(got NaN\)/);
  });
});

describe("VolSurface.arbitrage", () => {
  it("reports a clean surface as clean", () => {
    const r = new VolSurface(clean()).arbitrage();
    expect(r.butterfly.map((b) => b.expiry)).toEqual([T0 + 7 * DAY, T0 + 30 * DAY, T0 + 180 * DAY]);
    expect(r.butterfly.every((b) => b.ok && b.minDensity > 0)).toBe(true);
    expect(r.calendar).toHaveLength(2);
    expect(r.calendar.every((c) => c.ok && c.worst >= 0)).toBe(true);
    expect(r.calendar[0]).toMatchObject({ from: T0 + 7 * DAY, to: T0 + 30 * DAY });
  });

  it("detects a calendar violation, and where", () => {
    // the later slice has less variance than the earlier one for k > 0.2: same ATM, much flatter call wing
    const early: SviParams = { a: 0.01, b: 0.1, rho: 0.3, m: 0, sigma: 0.1 };
    const late: SviParams = { a: 0.015, b: 0.1, rho: -0.5, m: 0, sigma: 0.1 };
    const r = new VolSurface([slice(30, early), slice(60, late)]).arbitrage({ kMin: -1, kMax: 1 });
    const c = r.calendar[0]!;
    expect(c.ok).toBe(false);
    // w_late − w_early = 0.005 − 0.08·k, most negative at the right end of the grid
    expect(c.at).toBe(1);
    expect(c.worst).toBeCloseTo(0.005 - 0.08, 15);
    expect(r.butterfly.every((b) => b.ok)).toBe(true);
  });

  it("detects a butterfly violation (Vogt's slice) without touching the slice", () => {
    const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    const s = new VolSurface([slice(365, vogt)]);
    const r = s.arbitrage({ kMin: -1.5, kMax: 1.5 });
    expect(r.butterfly[0]!.ok).toBe(false);
    expect(r.butterfly[0]!.minDensity).toBeLessThan(0);
    expect(s.slices[0]!.svi).toEqual(vogt);
    expect(r.calendar).toEqual([]);
  });

  it("uses each slice's quoted range ± half its width when given, else ± six ATM standard deviations", () => {
    // Vogt's g < 0 only around k ≈ 0.5…1.3: quoted on [−0.05, 0.05], the check covers [−0.1, 0.1] and passes;
    // without a range it covers ±max(0.1, 6·√w(0)) = ±0.79 and fails
    const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    const narrow = new VolSurface([{ ...slice(365, vogt), kMin: -0.05, kMax: 0.05 }]).arbitrage().butterfly[0]!;
    expect(narrow.ok).toBe(true);
    expect(Math.abs(narrow.at!)).toBeLessThanOrEqual(0.1);
    const wide = new VolSurface([slice(365, vogt)]).arbitrage().butterfly[0]!;
    expect(6 * Math.sqrt(sviTotalVariance(vogt, 0))).toBeCloseTo(0.79, 2);
    expect(wide.ok).toBe(false);
    expect(() => new VolSurface([slice(7, S1)]).arbitrage({ kMin: 1 })).toThrow(/kMin and kMax go together/);
    expect(() => new VolSurface([slice(7, S1)]).arbitrage({ points: 1 })).toThrow(/points must be an integer ≥ 2/);
  });
});

// Real data: fit each Deribit expiry, build the surface, report its arbitrage checks (reported, not asserted clean:
// the surface is what the venue's marks make it).
const MS_PER_YEAR = 365 * DAY;
for (const file of ["deribit_btc_option_chain_2020-05-14.csv", "deribit_btc_option_chain_2020-05-21.csv"]) {
  const path = sharedData(file);
  describe.skipIf(!path)(`VolSurface from Deribit marks: ${file}`, () => {
    it("builds, interpolates between its slices, and reports butterfly and calendar checks", () => {
      const lines = readFileSync(path!, "utf8").trim().split("\n");
      const head = lines[0]!.split(",");
      const col = (n: string) => head.indexOf(n);
      const groups = new Map<number, { k: number; totalVariance: number; weight: number; T: number; F: number }[]>();
      for (const line of lines.slice(1)) {
        const c = line.split(",");
        const expiry = Number(c[col("expiration_timestamp_ms")]);
        const T = (expiry - Number(c[col("timestamp_ms")])) / MS_PER_YEAR;
        const F = Number(c[col("underlying_price_usd")]);
        const iv = Number(c[col("mark_iv_pct")]) / 100;
        const k = Math.log(Number(c[col("strike_usd")]) / F);
        const w = iv * iv * T;
        const weight = F * normPdf((-k + 0.5 * w) / Math.sqrt(w)) * Math.sqrt(T);
        groups.set(expiry, [...(groups.get(expiry) ?? []), { k, totalVariance: w, weight, T, F }]);
      }
      const slices: ExpirySlice[] = [...groups].map(([expiry, pts]) => {
        const t = pts.reduce((s, q) => s + q.T, 0) / pts.length;
        const forward = pts.reduce((s, q) => s + q.F, 0) / pts.length;
        const fit = fitSvi(pts, t);
        return { expiry, t, forward, svi: fit.params, kMin: fit.kMin, kMax: fit.kMax };
      });
      const surface = new VolSurface(slices);
      const report = surface.arbitrage();
      console.log(`arbitrage checks, ${file}`);
      console.table(report.butterfly.map((b) => ({ expiry: new Date(b.expiry).toISOString().slice(0, 10), ok: b.ok, "min g": Number(b.minDensity.toFixed(4)), at: Number(b.at!.toFixed(3)) })));
      console.table(
        report.calendar.map((c) => ({
          from: new Date(c.from).toISOString().slice(0, 10),
          to: new Date(c.to).toISOString().slice(0, 10),
          ok: c.ok,
          "worst Δw": Number(c.worst.toExponential(3)),
          at: Number(c.at!.toFixed(3)),
        })),
      );
      expect(report.butterfly).toHaveLength(slices.length);
      expect(report.calendar).toHaveLength(slices.length - 1);
      for (const b of report.butterfly) expect(Number.isFinite(b.minDensity)).toBe(true);
      for (const c of report.calendar) expect(c.ok).toBe(c.worst >= -1e-12 * 10); // ok ⇔ no gap beyond rounding (w ≲ 10 here)
      // between two slices the ATM vol lies between theirs (total variance linear in t at k = 0, both increasing)
      const [a, b] = [surface.slices[3]!, surface.slices[4]!];
      const tm = 0.5 * (a.t + b.t);
      const volA = Math.sqrt(sviTotalVariance(a.svi, 0) / a.t);
      const volB = Math.sqrt(sviTotalVariance(b.svi, 0) / b.t);
      const volM = Math.sqrt(surface.totalVariance(0, tm) / tm);
      expect(volM).toBeGreaterThanOrEqual(Math.min(volA, volB) - 1e-12);
      expect(volM).toBeLessThanOrEqual(Math.max(volA, volB) + 1e-12);
    });
  });
}
