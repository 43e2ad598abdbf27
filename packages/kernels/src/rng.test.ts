// Tests of the random number kernels on every backend (js twin, wasm scalar, wasm SIMD).
import { beforeAll, describe, expect, it } from "vitest";
import { allBackends } from "./testing.js";
import type { Kernels } from "./types.js";
import { normCdf } from "./js/normal.js";
import { ZIGGURAT_TABLE, ZIG_OFF_F, ZIG_OFF_Q, ZIG_OFF_X, ZIG_R, ZIG_TABLE_LENGTH, ZIG_V, expDet, logDet } from "./js/ziggurat.js";

let backends: { name: string; k: Kernels }[] = [];
beforeAll(async () => {
  backends = await allBackends();
});

// ---- known answers -------------------------------------------------------------------------------------------
// Produced by compiling the reference C code of xoshiro256** 1.0 (xoshiro256starstar.c: next, jump, long_jump) and
// splitmix64.c (Blackman & Vigna, public domain, algorithms verbatim) with gcc -O2 on this machine; the state was filled
// with four splitmix64 outputs from the seed (x = seed; s[i] = splitmix64_next()), then printed as %016llx:
// the seeded state, the first 6 outputs; after one jump(): state and 4 outputs; after long_jump(): the same; after
// jump(), jump(), long_jump(): the same. Each case starts again from the freshly seeded state.
interface Known {
  seed: bigint;
  seeded: string[];
  out: string[];
  jump: string[];
  jumpOut: string[];
  longJump: string[];
  longJumpOut: string[];
  jjl: string[];
  jjlOut: string[];
}
const KNOWN: Known[] = [
  {
    seed: 0n,
    seeded: ["e220a8397b1dcdaf", "6e789e6aa1b965f4", "06c45d188009454f", "f88bb8a8724c81ec"],
    out: ["99ec5f36cb75f2b4", "bf6e1f784956452a", "1a5f849d4933e6e0", "6aa594f1262d2d2c", "bba5ad4a1f842e59", "ffef8375d9ebcaca"],
    jump: ["fee4f58cd4a88d82", "eb57cb7870f7d5a3", "076f2d192bd2720f", "b0a71cb77110d77b"],
    jumpOut: ["376215edc846d62c", "57c0611de8350ca7", "bc46a3515afee385", "06c27b341aca7b26"],
    longJump: ["af65dfebc3f98b67", "bb26b6403a6dd452", "bf68673518d166bd", "4c9939968279ffa0"],
    longJumpOut: ["e704a522a72937eb", "48c8f6cc958e7583", "72e3ab7db4438116", "8473b5e32802c8e9"],
    jjl: ["a53e45dd39e5ff7b", "f4a8ac062547a6ca", "eb1e8ffffca85550", "82325b8b396e2603"],
    jjlOut: ["d31e8a46cc28c47b", "fcfa3db0e221c962", "877519474c9d0e25", "fa234e337cdad9af"],
  },
  {
    seed: 42n,
    seeded: ["bdd732262feb6e95", "28efe333b266f103", "47526757130f9f52", "581ce1ff0e4ae394"],
    out: ["15780b2e0c2ec716", "6104d9866d113a7e", "ae17533239e499a1", "ecb8ad4703b360a1", "fde6dc7fe2ec5e64", "c50da53101795238"],
    jump: ["81746704fde896b5", "645e944932dae0ae", "f4776829231c282c", "2393f9798732dba1"],
    jumpOut: ["50086ef83cbf4f4a", "ba285ec21347d703", "5ea1247b4dc6452a", "03a5c66424702131"],
    longJump: ["1c5592a8d2450a14", "e09b0d035aa06fd9", "ac4a2ed7fc28e84c", "db0c552285cab3c6"],
    longJumpOut: ["a0a4cb7719d49439", "a999704410efd911", "e396ccf96cd4f671", "53c286402f68b9ac"],
    jjl: ["40cb2623c9318e2b", "0a028ef48e60bce5", "1b3cd947eab144e5", "447ff0e18ae6e9d8"],
    jjlOut: ["39907e83809a2161", "127b37483a62ca2c", "be41489b95a2ddb7", "c6f60efe1e5b4a69"],
  },
  {
    seed: 0xffffffffffffffffn,
    seeded: ["e4d971771b652c20", "e99ff867dbf682c9", "382ff84cb27281e9", "6d1db36ccba982d2"],
    out: ["8f5520d52a7ead08", "c476a018caa1802d", "81de31c0d260469e", "bf658d7e065f3c2f", "913593fda1bca32a", "bb535e93941ba525"],
    jump: ["c6b7a088395ac197", "15f493ac714533ca", "ed708c1473cac111", "ef9d1708296902e3"],
    jumpOut: ["fefaa7f4950d42e6", "8c4dbd423d022ef3", "0c796b843eadb344", "a90fdc6043dff343"],
    longJump: ["06813ee1921cbfa2", "8fa547c965d8bd2a", "ad74cc6209925ef8", "5ef74d2aab3b22a8"],
    longJumpOut: ["06cf33738ca0349f", "17ef175a971fdb2a", "9a36beeda94d61f3", "0be0a8866b68a624"],
    jjl: ["077699792f7ec431", "88a326423c438a20", "32a30d75d6f8799c", "d67c90518f83179e"],
    jjlOut: ["56dcd24befa3d2fd", "eeabec61d561e7a1", "04fdf162af1ae1d1", "8d46aff97b373994"],
  },
  {
    seed: 0x123456789abcdef0n,
    seeded: ["161922c645ce50e8", "ad760cafa1697b60", "3501ff44902ca50d", "417cb9a826d831df"],
    out: ["e01d6fafc557f1b9", "bd627ebe4406b404", "2c23132b578b57db", "2e8b319d4d1f276a", "608d57acf53888e4", "9f44d4fe68bdc399"],
    jump: ["2f6758685edb9499", "9d0c5bf226903441", "187bddc2865a54de", "bc8ad075d2bea642"],
    jumpOut: ["9614c863ac97b6c8", "7b8ad25493f28871", "dbd5f09e51f842aa", "6eadb2f7a04ebd70"],
    longJump: ["ee94e57b1cb61d57", "2948db85380221af", "750b2e1941bce7f3", "1f825799ca2648db"],
    longJumpOut: ["e74b356c2ff5e51f", "e6fc5661474079b7", "8721442aa284cfa7", "b64fe24b321a0ebb"],
    jjl: ["bb37c8e798d962a9", "c66d514cd488debf", "e6d3f6d6ee4f0bc8", "8c040a72518c03bc"],
    jjlOut: ["9ba540ae0793cd70", "944c8abfb3290324", "7a732435d0085ca6", "8141e25310c26352"],
  },
];

/** u32 (lo, hi) pairs → 16-digit hex strings. */
function hex64(words: Uint32Array): string[] {
  const r: string[] = [];
  for (let i = 0; i < words.length; i += 2) {
    r.push(words[i + 1]!.toString(16).padStart(8, "0") + words[i]!.toString(16).padStart(8, "0"));
  }
  return r;
}

/** Index of the first element where a and b differ (NaN equals NaN), or −1; much faster than toEqual on 10^5+ items. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== a[i] && b[i] !== b[i])) return i;
  return -1;
}

function seeded(k: Kernels, seed: bigint): Uint32Array {
  const s = new Uint32Array(8);
  k.rngSeed(s, seed);
  return s;
}

function raw(k: Kernels, s: Uint32Array, count: number): Uint32Array {
  return k.rngRaw(s, new Uint32Array(2 * count));
}

describe("xoshiro256** raw stream (known answers from the reference C code)", () => {
  for (const c of KNOWN) {
    it(`seed 0x${c.seed.toString(16)}: state, outputs, jump, long jump on every backend`, () => {
      for (const { name, k } of backends) {
        let s = seeded(k, c.seed);
        expect(hex64(s), `${name} seeded state`).toEqual(c.seeded);
        expect(hex64(raw(k, s, 6)), `${name} outputs`).toEqual(c.out);

        s = seeded(k, c.seed);
        k.rngJump(s);
        expect(hex64(s), `${name} jump state`).toEqual(c.jump);
        expect(hex64(raw(k, s, 4)), `${name} jump outputs`).toEqual(c.jumpOut);

        s = seeded(k, c.seed);
        k.rngLongJump(s);
        expect(hex64(s), `${name} long jump state`).toEqual(c.longJump);
        expect(hex64(raw(k, s, 4)), `${name} long jump outputs`).toEqual(c.longJumpOut);

        s = seeded(k, c.seed);
        k.rngJump(s);
        k.rngJump(s);
        k.rngLongJump(s);
        expect(hex64(s), `${name} jump, jump, long jump state`).toEqual(c.jjl);
        expect(hex64(raw(k, s, 4)), `${name} jump, jump, long jump outputs`).toEqual(c.jjlOut);
      }
    });
  }

  it("seeds are taken modulo 2^64: -1 ≡ 2^64−1, 2^64 ≡ 0", () => {
    for (const { name, k } of backends) {
      expect(hex64(seeded(k, -1n)), name).toEqual(KNOWN[2]!.seeded);
      expect(hex64(seeded(k, 1n << 64n)), name).toEqual(KNOWN[0]!.seeded);
      // seeds differing only in the high word must differ (the wasm boundary passes two i32 halves)
      expect(hex64(seeded(k, 1n << 32n)), name).not.toEqual(KNOWN[0]!.seeded);
    }
  });

  it("long raw streams are bit-identical across backends, and chunking does not change them", () => {
    const n = 100_003;
    const ref = raw(backends[0]!.k, seeded(backends[0]!.k, 7n), n);
    for (const { name, k } of backends) {
      const s = seeded(k, 7n);
      expect(firstDiff(raw(k, seeded(k, 7n), n), ref), name).toBe(-1);
      // same stream in uneven chunks, the state carried between calls
      const a = raw(k, s, 1);
      const b = raw(k, s, 50_000);
      const c = raw(k, s, n - 50_001);
      const joined = new Uint32Array(2 * n);
      joined.set(a, 0);
      joined.set(b, 2);
      joined.set(c, 2 + 100_000);
      expect(firstDiff(joined, ref), `${name} chunked`).toBe(-1);
    }
  });

  it("empty outputs consume nothing", () => {
    for (const { name, k } of backends) {
      const s = seeded(k, 3n);
      const before = s.slice();
      k.rngRaw(s, new Uint32Array(0));
      k.rngUniform(s, new Float64Array(0));
      k.rngNormal(s, new Float64Array(0));
      k.rngStudentT(s, 5, new Float64Array(0));
      k.rngMvtScale(s, 5, new Float64Array(0));
      expect(s, name).toEqual(before);
    }
  });
});

describe("uniforms", () => {
  it("are (x >>> 11)·2^-53 of the raw draws, in [0, 1), identical across backends", () => {
    const n = 50_000;
    for (const { name, k } of backends) {
      const words = raw(k, seeded(k, 11n), n);
      const u = k.rngUniform(seeded(k, 11n), new Float64Array(n));
      for (let i = 0; i < 200; i++) {
        const top53 = (BigInt(words[2 * i + 1]!) << 21n) | (BigInt(words[2 * i]!) >> 11n);
        expect(u[i], `${name} u[${i}]`).toBe(Number(top53) / 2 ** 53);
      }
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, u[i]!);
        hi = Math.max(hi, u[i]!);
      }
      expect(lo >= 0 && hi < 1, `${name} in [0, 1)`).toBe(true);
    }
    // from the C reference: (double)(next() >> 11) * 0x1.0p-53 for seed 42 printed with %.17g
    for (const { name, k } of backends) {
      expect(k.rngUniform(seeded(k, 42n), new Float64Array(1))[0], name).toBe(0.083862971059882163);
    }
  });
});

// ---- the Ziggurat table and the deterministic exp/log ------------------------------------------------------------

describe("Ziggurat table and fdlibm exp/log", () => {
  it("has the documented layout and every layer has area v", () => {
    const t = ZIGGURAT_TABLE;
    expect(t.length).toBe(ZIG_TABLE_LENGTH);
    expect(t[ZIG_OFF_X + 1]).toBe(ZIG_R);
    expect(t[ZIG_OFF_X + 256]).toBe(0);
    expect(t[ZIG_OFF_F + 256]).toBe(1);
    // base layer: rectangle r·f(r) plus the tail = v, so X[0] = v / f(r)
    expect(t[ZIG_OFF_X]! * Math.exp(-0.5 * ZIG_R * ZIG_R)).toBeCloseTo(ZIG_V, 15);
    for (let i = 1; i < 256; i++) {
      // layer i: width X[i], height F[i+1] − F[i]; the recursion makes each area v. The top layer closes the
      // recursion only as well as the published v (12 significant digits): 1e-8 relative covers that (seen: 1e-9).
      const area = t[ZIG_OFF_X + i]! * (t[ZIG_OFF_F + i + 1]! - t[ZIG_OFF_F + i]!);
      expect(Math.abs(area / ZIG_V - 1), `layer ${i}`).toBeLessThan(1e-8);
      expect(t[ZIG_OFF_X + i + 1]! < t[ZIG_OFF_X + i]!).toBe(true);
      expect(t[ZIG_OFF_Q + i]).toBe(t[ZIG_OFF_X + i + 1]! / t[ZIG_OFF_X + i]!);
      expect(t[ZIG_OFF_F + i]).toBe(expDet(-0.5 * t[ZIG_OFF_X + i]! ** 2));
    }
  });

  it("expDet / logDet are within 1 ulp of Math.exp / Math.log, with IEEE edge values", () => {
    // both are fdlibm (< 1 ulp); 2^-52 relative bounds a 1-ulp difference at any binade
    let x = -745;
    for (let i = 0; i < 20_000; i++, x += 0.0725) {
      const e = Math.exp(x);
      if (e > 0) expect(Math.abs(expDet(x) - e) / e, `exp(${x})`).toBeLessThanOrEqual(2 ** -52);
    }
    for (let i = 0; i < 20_000; i++) {
      const y = 10 ** (-300 + 0.03 * i) * (1 + ((i * 7919) % 1000) / 1000);
      const l = Math.log(y);
      expect(Math.abs(logDet(y) - l), `log(${y})`).toBeLessThanOrEqual(2 ** -52 * Math.max(Math.abs(l), 2 ** -1022));
    }
    expect(expDet(0)).toBe(1);
    expect(expDet(-Infinity)).toBe(0);
    expect(expDet(Infinity)).toBe(Infinity);
    expect(expDet(NaN)).toBeNaN();
    expect(expDet(-800)).toBe(0);
    expect(logDet(1)).toBe(0);
    expect(logDet(0)).toBe(-Infinity);
    expect(logDet(-1)).toBeNaN();
    expect(logDet(NaN)).toBeNaN();
    expect(logDet(Infinity)).toBe(Infinity);
    expect(logDet(5e-324)).toBe(Math.log(5e-324)); // subnormal branch
  });
});

// ---- normals ---------------------------------------------------------------------------------------------------

// Φ from the normal-CDF engineer's module; while that module was still a stub (it threw "todo" when these tests were
// written), a local reference is used: W. H. Press et al., Numerical Recipes (2nd ed.) §6.2 erfc by Chebyshev fit,
// fractional error < 1.2e-7 everywhere — far below the KS statistics tested here (~1e-3).
function erfcNR(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
          t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
const Phi: (x: number) => number = (() => {
  try {
    if (Math.abs(normCdf(1) - 0.8413447460685429) < 1e-15) return normCdf;
  } catch {
    // stub not implemented yet: fall through to the local reference
  }
  return (x: number) => 0.5 * erfcNR(-x / Math.SQRT2);
})();

/** Kolmogorov–Smirnov statistic D·sqrt(N) of `sample` (sorted in place) against `cdf`. */
function ksStat(sample: Float64Array, cdf: (x: number) => number): number {
  sample.sort();
  const n = sample.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sample[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d * Math.sqrt(n);
}
/**
 * Critical value of sqrt(N)·D at significance 0.001 (Kolmogorov distribution, asymptotic: 1.949). The seeds are fixed,
 * so each test is deterministic; a correct sampler fails a given seed with probability 1e-3.
 */
const KS_CRIT = 1.95;

describe("normals (256-layer Ziggurat)", () => {
  it("are bit-identical across backends, consume the same draws, and chunking does not change them", () => {
    const n = 200_001;
    const refK = backends[0]!.k;
    const refState = seeded(refK, 2024n);
    const ref = refK.rngNormal(refState, new Float64Array(n));
    for (const { name, k } of backends) {
      const s = seeded(k, 2024n);
      const z = k.rngNormal(s, new Float64Array(n));
      // bit-identical by construction (same table, same fdlibm exp/log, same operations); the brief's 1e-12 relative
      // would also be met, but equality is what holds and what keeps downstream results reproducible
      expect(firstDiff(z, ref), name).toBe(-1);
      expect(s, `${name} state after`).toEqual(refState);
      const s2 = seeded(k, 2024n);
      const a = k.rngNormal(s2, new Float64Array(77));
      const b = k.rngNormal(s2, new Float64Array(n - 77));
      const joined = new Float64Array(n);
      joined.set(a);
      joined.set(b, 77);
      expect(firstDiff(joined, ref), `${name} chunked`).toBe(-1);
    }
  });

  it("moments of 10^6 draws are within 5 standard errors; the tail beyond r has its probability", () => {
    const N = 1_000_000;
    for (const { name, k } of backends) {
      const z = k.rngNormal(seeded(k, 99n), new Float64Array(N));
      let s1 = 0, s2 = 0, s3 = 0, s4 = 0, tail = 0;
      for (let i = 0; i < N; i++) {
        const x = z[i]!;
        const x2 = x * x;
        s1 += x; s2 += x2; s3 += x2 * x; s4 += x2 * x2;
        if (Math.abs(x) > ZIG_R) tail++;
      }
      expect(Number.isFinite(s4), `${name} all finite`).toBe(true);
      const m = s1 / N;
      // standard errors for N(0,1): mean 1/√N; E[x²] sqrt(2/N); E[x³] sqrt(15/N); E[x⁴] sqrt((105 − 9)/N)
      expect(Math.abs(m), `${name} mean`).toBeLessThan(5 / Math.sqrt(N));
      expect(Math.abs(s2 / N - 1), `${name} E[x²]`).toBeLessThan(5 * Math.sqrt(2 / N));
      expect(Math.abs(s3 / N), `${name} E[x³]`).toBeLessThan(5 * Math.sqrt(15 / N));
      expect(Math.abs(s4 / N - 3), `${name} E[x⁴]`).toBeLessThan(5 * Math.sqrt(96 / N));
      // P(|Z| > r) = erfc(r/√2) ≈ 2.58e-4: binomial count within 5 standard deviations (exercises the tail path)
      const p = erfcNR(ZIG_R / Math.SQRT2);
      expect(Math.abs(tail - N * p), `${name} tail count ${tail}`).toBeLessThan(5 * Math.sqrt(N * p * (1 - p)));
    }
  });

  it("pass a Kolmogorov–Smirnov test against Φ (10^6 draws, and the tail beyond r alone)", () => {
    // one backend suffices for the distribution (the others are bit-identical, tested above)
    const k = backends[0]!.k;
    const z = k.rngNormal(seeded(k, 5n), new Float64Array(1_000_000));
    expect(ksStat(z.slice(), Phi)).toBeLessThan(KS_CRIT);
    // conditional law of the tail |Z| > r: P(|Z| ≤ x | |Z| > r) = 1 − erfc(x/√2)/erfc(r/√2)
    const tail = Float64Array.from(k.rngNormal(seeded(k, 6n), new Float64Array(4_000_000)).filter((x) => Math.abs(x) > ZIG_R).map(Math.abs));
    expect(tail.length).toBeGreaterThan(800);
    const q = erfcNR(ZIG_R / Math.SQRT2);
    expect(ksStat(tail, (x) => 1 - erfcNR(x / Math.SQRT2) / q)).toBeLessThan(KS_CRIT);
  });
});

// ---- Student-t and t-copula scales ----------------------------------------------------------------------------

/** Closed-form Student-t CDFs (see e.g. Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions 2, ch. 28). */
const T_CDF: Record<number, (t: number) => number> = {
  1: (t) => 0.5 + Math.atan(t) / Math.PI, // Cauchy
  2: (t) => 0.5 + t / (2 * Math.sqrt(2 + t * t)),
  3: (t) => 0.5 + (t / (Math.sqrt(3) * (1 + (t * t) / 3)) + Math.atan(t / Math.sqrt(3))) / Math.PI,
  4: (t) => {
    const q = 1 + (t * t) / 4;
    return 0.5 + (3 / 8) * (t / Math.sqrt(q)) * (1 - (t * t) / (12 * q));
  },
};

describe("Student-t", () => {
  for (const nu of [1, 2, 3, 4]) {
    it(`nu = ${nu}: KS against the closed-form CDF (2·10^5 draws), bit-identical across backends`, () => {
      const N = 200_000;
      const ref = backends[0]!.k.rngStudentT(seeded(backends[0]!.k, BigInt(nu) + 100n), nu, new Float64Array(N));
      expect(ksStat(ref.slice(), T_CDF[nu]!)).toBeLessThan(KS_CRIT);
      for (const { name, k } of backends) {
        const s = seeded(k, BigInt(nu) + 100n);
        expect(firstDiff(k.rngStudentT(s, nu, new Float64Array(N)), ref), name).toBe(-1);
      }
    });
  }

  it("nu < 1 (gamma shape < 1, the U^(1/a) boost) and large nu: parity and sanity", () => {
    for (const nu of [0.3, 0.999, 57.5, 1e6]) {
      const ref = backends[0]!.k.rngStudentT(seeded(backends[0]!.k, 8n), nu, new Float64Array(5000));
      for (const { name, k } of backends) expect(firstDiff(k.rngStudentT(seeded(k, 8n), nu, new Float64Array(5000)), ref), `${name} nu=${nu}`).toBe(-1);
      // the median of a t law is 0: the count of positives is Binomial(5000, 1/2), within 5 sd = 177
      const pos = ref.filter((x) => x > 0).length;
      expect(Math.abs(pos - 2500)).toBeLessThan(177);
    }
    // nu = 10^6 is N(0,1) to O(1/nu): variance nu/(nu − 2) within 5·sqrt(2/N) (N = 10^5)
    const k = backends[0]!.k;
    const t = k.rngStudentT(seeded(k, 9n), 1e6, new Float64Array(100_000));
    const v = t.reduce((a, x) => a + x * x, 0) / t.length;
    expect(Math.abs(v - 1)).toBeLessThan(5 * Math.sqrt(2 / 1e5));
  });

  it("out-of-range nu gives NaN and consumes no draws", () => {
    for (const { name, k } of backends) {
      for (const nu of [0, -1, NaN, Infinity, -Infinity]) {
        const s = seeded(k, 1n);
        const before = s.slice();
        const out = k.rngStudentT(s, nu, new Float64Array(3));
        expect(Array.from(out).every(Number.isNaN), `${name} nu=${nu}`).toBe(true);
        expect(s, `${name} nu=${nu} state`).toEqual(before);
      }
    }
  });
});

describe("t-copula row scales (rngMvtScale)", () => {
  // out = sqrt((nu − 2)/W), W ~ χ²(nu): P(out ≤ s) = P(W ≥ (nu − 2)/s²) = Q_χ²(nu)((nu−2)/s²), closed form for even nu:
  // Q_χ²(4)(x) = e^{−x/2}(1 + x/2), Q_χ²(6)(x) = e^{−x/2}(1 + x/2 + x²/8).
  const Q: Record<number, (x: number) => number> = {
    4: (x) => Math.exp(-x / 2) * (1 + x / 2),
    6: (x) => Math.exp(-x / 2) * (1 + x / 2 + (x * x) / 8),
  };
  for (const nu of [4, 6]) {
    it(`nu = ${nu}: KS against the exact law of the scale, parity across backends`, () => {
      const N = 200_000;
      const ref = backends[0]!.k.rngMvtScale(seeded(backends[0]!.k, 31n), nu, new Float64Array(N));
      expect(ksStat(ref.slice(), (s) => (s <= 0 ? 0 : Q[nu]!((nu - 2) / (s * s))))).toBeLessThan(KS_CRIT);
      for (const { name, k } of backends) expect(firstDiff(k.rngMvtScale(seeded(k, 31n), nu, new Float64Array(N)), ref), name).toBe(-1);
    });
  }

  it("moments for nu = 10 (10^6 draws): E[s²] = 1, E[s] = sqrt(nu−2)·Γ((nu−1)/2)/(√2·Γ(nu/2))", () => {
    const N = 1_000_000;
    const nu = 10;
    for (const { name, k } of backends) {
      const s = k.rngMvtScale(seeded(k, 12n), nu, new Float64Array(N));
      let m1 = 0, m2 = 0;
      for (let i = 0; i < N; i++) {
        m1 += s[i]!;
        m2 += s[i]! * s[i]!;
      }
      m1 /= N;
      m2 /= N;
      // E[s²] = (nu−2)·E[1/W] = 1; Var(s²) = (nu−2)²·Var(1/W) = 2/(nu − 4) → SE sqrt(2/(6N))
      expect(Math.abs(m2 - 1), `${name} E[s²]`).toBeLessThan(5 * Math.sqrt(2 / (nu - 4) / N));
      // Γ(4.5)/Γ(5) = (3.5·2.5·1.5·0.5·√π)/24; E[s] = √8·that/√2; Var(s) = 1 − E[s]²
      const es = (2 * (3.5 * 2.5 * 1.5 * 0.5 * Math.sqrt(Math.PI))) / 24;
      expect(Math.abs(m1 - es), `${name} E[s]`).toBeLessThan(5 * Math.sqrt((1 - es * es) / N));
    }
  });

  it("nu ≤ 2, NaN or infinite gives NaN and consumes no draws", () => {
    for (const { name, k } of backends) {
      for (const nu of [2, 1.5, 0, -3, NaN, Infinity]) {
        const s = seeded(k, 1n);
        const before = s.slice();
        const out = k.rngMvtScale(s, nu, new Float64Array(4));
        expect(Array.from(out).every(Number.isNaN), `${name} nu=${nu}`).toBe(true);
        expect(s, `${name} nu=${nu} state`).toEqual(before);
      }
    }
  });
});
