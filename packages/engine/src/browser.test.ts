// The browser build, end to end: build the single-file bundle (build-browser.mjs, into a temporary folder so the
// test always runs the current sources with the shipped settings), serve it with a tiny page on 127.0.0.1, load it in
// headless Debian Chromium through playwright-core, and compare what the page computes with Node.
//
// Needs /usr/bin/chromium (`apt-get install -y --no-install-recommends chromium fonts-liberation`). Without it the
// suite is skipped with a message, except under CI (which installs it) where its absence is a failure.
// Set OFFSET_BROWSER_SCREENSHOT=/tmp/offset-browser.png to also save a screenshot of the page.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type PriceBatchResult } from "./index.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const TIMEOUT = 30_000; // ms, for every single browser step (launch, navigation, waits); a hang fails, never blocks
const haveChromium = existsSync(CHROMIUM);
const pkg = fileURLToPath(new URL("../", import.meta.url));

if (!haveChromium && !process.env.CI) {
  console.warn(`skipping the browser tests: no Chromium at ${CHROMIUM} (apt-get install -y --no-install-recommends chromium fonts-liberation)`);
}

it.runIf(!haveChromium && !!process.env.CI)("Chromium is installed under CI", () => {
  throw new Error(`CI must provide Chromium at ${CHROMIUM} (.ci/run installs it); the browser build would go untested`);
});

// ---- inputs: deterministic, generated here and sent to the page as plain numbers ---------------------------------

/** mulberry32: a tiny seeded generator, so the inputs are the same on every run (quality is irrelevant here). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface OptionColumns {
  forward: number[];
  strike: number[];
  timeToExpiry: number[];
  vol: number[];
  rate: number[];
  isCall: boolean[];
}

interface PageCase {
  backend: "wasm" | "js";
  options: OptionColumns;
  pnl: number[];
  weights: number[];
  confidence: number;
  worst: number;
}

interface TailOut {
  var: number;
  es: number;
  worst: number[];
}

interface PageOut {
  backend: { name: string; simd: boolean };
  greeks: Record<keyof PriceBatchResult, number[]>;
  tail: TailOut;
  weighted: TailOut;
}

/**
 * 2001 options (odd, so a SIMD loop's scalar remainder runs too): edge rows first — expired (T = 0), zero vol,
 * zero strike, deep in and out of the money, a one-hour expiry — then BTC-like random rows.
 */
function optionColumns(): OptionColumns {
  const c: OptionColumns = { forward: [], strike: [], timeToExpiry: [], vol: [], rate: [], isCall: [] };
  const add = (f: number, k: number, t: number, v: number, r: number, call: boolean) => {
    c.forward.push(f), c.strike.push(k), c.timeToExpiry.push(t), c.vol.push(v), c.rate.push(r), c.isCall.push(call);
  };
  for (const call of [true, false]) {
    add(60_000, 55_000, 0, 0.6, 0.03, call); // expired: intrinsic value
    add(60_000, 65_000, 0.25, 0, 0.03, call); // zero vol: discounted intrinsic of the forward
    add(60_000, 0, 0.5, 0.6, 0.03, call); // zero strike: the call is the discounted forward, the put is worth 0
    add(60_000, 6_000, 0.5, 0.6, 0.03, call); // deep in (call) / out (put) of the money
    add(60_000, 600_000, 0.5, 0.6, 0.03, call); // deep out (call) / in (put)
    add(60_000, 60_000, 1 / (365 * 24), 0.6, 0.03, call); // one hour to expiry, at the money
  }
  const u = mulberry32(20240917);
  while (c.forward.length < 2001) {
    const f = 20_000 + 100_000 * u();
    const moneyness = Math.exp(0.8 * (u() - 0.5) * 2); // strikes from F·e^-0.8 to F·e^0.8
    add(f, Math.round(f * moneyness), (1 + 729 * u()) / 365, 0.2 + 1.3 * u(), 0.05 * u(), u() < 0.5);
  }
  return c;
}

/**
 * 10 001 fat-tailed P&Ls (a Student-t with 3 degrees of freedom, scaled to 10 000 USD, rounded to cents) with planted
 * ties: the three worst losses are equal (tie rule: lower index first), and a run of equal values straddles the 99%
 * quantile. Weights: random in [0, 1), a few exactly 0.
 */
function pnlAndWeights(): { pnl: number[]; weights: number[] } {
  const u = mulberry32(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const pnl: number[] = [];
  for (let i = 0; i < 10_001; i++) {
    const chi2 = normal() ** 2 + normal() ** 2 + normal() ** 2;
    pnl.push(Math.round((1e6 * normal()) / Math.sqrt(chi2 / 3)) / 100);
  }
  const sorted = [...pnl].sort((a, b) => a - b);
  const worstLoss = sorted[0]! - 1e4;
  for (const i of [4321, 17, 9000]) pnl[i] = worstLoss;
  // 20 equal P&Ls that (with the 3 planted above) take the ascending ranks 98–118 (0-based), around the 99% VaR's
  // rank ⌈10 001·0.01⌉ − 1 = 100: the tail cuts through a tied atom, which ES must split by probability mass.
  const q = sorted[95]!;
  for (let i = 500; i < 520; i++) pnl[i] = q;
  const weights = pnl.map((_, i) => (i % 97 === 0 ? 0 : u()));
  return { pnl, weights };
}

// ---- comparisons -----------------------------------------------------------------------------------------------

/**
 * The natural scale of each Greek for one row, below which a difference is measured absolutely. The kernels build
 * every output from F·df, K·df, φ(d1), N(±d) and √T, each correct to a few ulps relative to itself; a value that is
 * small because of cancellation (a deep out-of-the-money price F·N(d1) − K·N(d2)) carries errors relative to those
 * building blocks, not to itself. So |a − e| ≤ tol · max(|e|, scale): price ~ max(F, K), delta ~ 1, gamma ~ 1/F
 * (its size at σ√T ≈ 0.4), vega ~ F·√T, theta ~ F·(σ/√T + r), rho ~ T·max(F, K).
 */
function scaleOf(greek: keyof PriceBatchResult, o: OptionColumns, i: number): number {
  const f = o.forward[i]!, k = o.strike[i]!, t = o.timeToExpiry[i]!, v = o.vol[i]!, r = o.rate[i]!;
  switch (greek) {
    case "price": return Math.max(f, k);
    case "delta": return 1;
    case "gamma": return 1 / f;
    case "vega": return f * Math.sqrt(t);
    case "theta": return t > 0 ? f * (v / Math.sqrt(t) + r) : f * r;
    case "rho": return t * Math.max(f, k);
  }
}

/** The largest scaled difference over all columns and rows (0 when equal; Infinity when one side is not finite). */
function worstGreekDiff(a: PageOut["greeks"], e: PriceBatchResult, o: OptionColumns): { diff: number; where: string } {
  let diff = 0, where = "";
  for (const greek of ["price", "delta", "gamma", "vega", "theta", "rho"] as const) {
    const col = a[greek], ref = e[greek];
    expect(col.length, greek).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) {
      const d = col[i] === ref[i] ? 0 : Math.abs(col[i]! - ref[i]!) / Math.max(Math.abs(ref[i]!), scaleOf(greek, o, i));
      if (!(d <= diff)) (diff = Number.isNaN(d) ? Infinity : d), (where = `${greek}[${i}]: ${col[i]} vs ${ref[i]}`);
    }
  }
  return { diff, where };
}

/** Bit-for-bit equality of every number (Object.is: also tells 0 from −0). */
function identical(a: PageOut["greeks"], e: PriceBatchResult): string[] {
  const bad: string[] = [];
  for (const greek of ["price", "delta", "gamma", "vega", "theta", "rho"] as const) {
    for (let i = 0; i < e[greek].length; i++) {
      if (!Object.is(a[greek][i], e[greek][i])) bad.push(`${greek}[${i}]: ${a[greek][i]} vs ${e[greek][i]}`);
    }
  }
  return bad;
}

const rel = (a: number, e: number) => Math.abs(a - e) / Math.max(Math.abs(e), 1);

// ---- the suite -----------------------------------------------------------------------------------------------------

describe.runIf(haveChromium)("browser bundle in headless Chromium", () => {
  let dir = "";
  let bundle = "";
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = []; // console errors, page errors, failed or non-2xx requests

  const options = optionColumns();
  const { pnl, weights } = pnlAndWeights();
  const input = (backend: "wasm" | "js"): PageCase => ({ backend, options, pnl, weights, confidence: 0.99, worst: 10 });

  /** What Node computes with the same engine API on `backend`, as the page does. */
  async function inNode(backend: "wasm" | "js", simd = true) {
    const engine = await createEngine({ backend, simd });
    const greeks = engine.priceBatch({
      forward: Float64Array.from(options.forward),
      strike: Float64Array.from(options.strike),
      timeToExpiry: Float64Array.from(options.timeToExpiry),
      vol: Float64Array.from(options.vol),
      rate: Float64Array.from(options.rate),
      isCall: options.isCall,
    });
    const column = Float64Array.from(pnl);
    const tail = engine.tail(column, { confidence: 0.99, worst: 10 });
    const weighted = engine.tail(column, { confidence: 0.99, worst: 10, weights: Float64Array.from(weights) });
    return { backend: engine.backend, greeks, tail, weighted };
  }

  async function inPage(backend: "wasm" | "js"): Promise<PageOut> {
    return page.evaluate((c) => (window as unknown as { offsetPage: { run(c: PageCase): Promise<PageOut> } }).offsetPage.run(c), input(backend));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "offset-browser-"));
    execFileSync(process.execPath, [join(pkg, "build-browser.mjs"), "--outfile", join(dir, "offset.browser.js")], {
      stdio: "pipe",
      timeout: TIMEOUT,
    });
    bundle = readFileSync(join(dir, "offset.browser.js"), "utf8");

    const files: Record<string, [string, string]> = {
      "/": [join(pkg, "test-browser/index.html"), "text/html; charset=utf-8"],
      "/page.js": [join(pkg, "test-browser/page.js"), "text/javascript; charset=utf-8"],
      "/offset.browser.js": [join(dir, "offset.browser.js"), "text/javascript; charset=utf-8"],
      "/offset.browser.js.map": [join(dir, "offset.browser.js.map"), "application/json"],
    };
    server = createServer((req, res) => {
      const file = req.method === "GET" ? files[new URL(req.url ?? "/", "http://x").pathname] : undefined;
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": file[1], "cache-control": "no-store" }).end(readFileSync(file[0]));
    });
    await new Promise<void>((resolve, reject) => server!.once("error", reject).listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;

    // executablePath: the Debian binary; playwright-core itself never downloads a browser.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: TIMEOUT });
    page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on("console", (m) => void (m.type() === "error" && problems.push(`console: ${m.text()}`)));
    page.on("pageerror", (e) => void problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => void problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => void (r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`)));
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: "load" });
    // Ready once the page's own wasm engine has started or failed (it then records why).
    await page.waitForFunction(() => {
      const p = (window as unknown as { offsetPage?: { backend: unknown; error: unknown } }).offsetPage;
      return p !== undefined && (p.backend !== null || p.error !== null);
    });
  }, 4 * TIMEOUT);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, TIMEOUT);

  it("is one ESM file with both wasm builds inlined and no Node module in it", () => {
    expect(bundle).not.toContain("node:");
    expect(bundle).not.toMatch(/\brequire\(/);
    expect(bundle).toMatch(/export\{[^}]*\bcreateEngine\b/);
    // Both builds are inlined as base64 ("AGFzbQ" is the base64 of the wasm magic "\0asm").
    expect(bundle.match(/"AGFzbQ/g)?.length).toBe(2);
  });

  it("starts the wasm backend with SIMD detected", async () => {
    const started = await page.evaluate(() => {
      const { backend, error } = (window as unknown as { offsetPage: { backend: unknown; error: string | null } }).offsetPage;
      return { backend, error };
    });
    expect(started.error).toBeNull();
    // Chromium has had wasm SIMD since 91: the SIMD build must validate and be picked, not the scalar fallback.
    expect(started.backend).toEqual({ name: "wasm", simd: true });
  });

  it("prices and measures the tail exactly like the wasm backend in Node, and within 1e-12 of the js backend", async () => {
    const got = await inPage("wasm");
    expect(got.backend).toEqual({ name: "wasm", simd: true });

    // Same module bytes, same inputs: WebAssembly fixes the result of every f64 operation (IEEE 754 round to nearest;
    // only NaN payloads may differ, and no NaN reaches a result) and we ship no relaxed-SIMD, so Chromium's V8 and
    // Node's must agree bit for bit. Any difference means the bundle carries another module or mangles the data.
    const nodeWasm = await inNode("wasm");
    expect(nodeWasm.backend).toEqual({ name: "wasm", simd: true });
    expect(identical(got.greeks, nodeWasm.greeks)).toEqual([]);
    expect(got.tail).toEqual({ var: nodeWasm.tail.var, es: nodeWasm.tail.es, worst: Array.from(nodeWasm.tail.worst) });
    expect(got.weighted).toEqual({ var: nodeWasm.weighted.var, es: nodeWasm.weighted.es, worst: Array.from(nodeWasm.weighted.worst) });

    // The pure-TS twin is the oracle. 1e-12, relative to the scales in `scaleOf`, is the twin contract of
    // @offset/kernels (types.ts: "RNG bit for bit, the rest ≤ 1e-12"): the same formulas evaluated in the same order,
    // where the only licensed differences are a few ulps in exp/log/erfc and the summation order of sums, amplified
    // by at most the condition number of N(d) (|d·φ(d)/N(d)| < 40 on these rows) → ≲ 1e-13. VaR is a selected sample
    // (exact); ES sums ~100 tail values (≤ 100·2^-53 ≈ 1e-14 if the order differs) and the weighted one also 10 001
    // weights (≤ 1e4·2^-53 ≈ 1e-12 in the worst case). Today the kernels use fdlibm exp/log ports that equal V8's
    // Math.exp/Math.log and the twin copies the SIMD summation order, so the observed difference is exactly 0.
    const nodeJs = await inNode("js");
    const { diff, where } = worstGreekDiff(got.greeks, nodeJs.greeks, options);
    expect(diff, where).toBeLessThanOrEqual(1e-12);
    for (const [a, e] of [[got.tail, nodeJs.tail], [got.weighted, nodeJs.weighted]] as const) {
      expect(rel(a.var, e.var)).toBeLessThanOrEqual(1e-12);
      expect(rel(a.es, e.es)).toBeLessThanOrEqual(1e-12);
      expect(a.worst).toEqual(Array.from(e.worst));
    }
    // Edge rows against closed forms (so that both sides being wrong in the same way cannot pass): an expired call
    // is worth its intrinsic value exactly; a zero-strike call is the discounted forward (one exp and one product:
    // 2^-52 relative covers it) and the put is worthless; zero vol leaves the discounted intrinsic of the forward.
    const price = got.greeks.price;
    expect([price[0], price[6], price[8], price[1]].map((x) => x! + 0)).toEqual([5000, 0, 0, 0]); // + 0: −0 → 0
    expect(rel(price[2]!, 60_000 * Math.exp(-0.03 * 0.5))).toBeLessThanOrEqual(2 ** -52);
    expect(rel(price[7]!, 5_000 * Math.exp(-0.03 * 0.25))).toBeLessThanOrEqual(2 ** -52);
    // Sanity of the case itself: a 99% ES is a loss beyond the VaR, and the three planted equal worst losses come
    // first, lower index first.
    expect(got.tail.var).toBe(-pnl[500]!); // the VaR falls inside the planted tie
    expect(got.tail.es).toBeGreaterThan(got.tail.var);
    expect(got.tail.var).toBeGreaterThan(0);
    expect(got.tail.worst.slice(0, 3)).toEqual([17, 4321, 9000]);
  });

  it("runs the pure-TS backend from the bundle too, within 1e-12 of Node's", async () => {
    const got = await inPage("js");
    expect(got.backend).toEqual({ name: "js", simd: false });
    const nodeJs = await inNode("js");
    // Same TS code; only V8's Math.exp/log may differ between Chromium and Node versions (both ship the fdlibm port,
    // so in practice they agree bit for bit): the twin tolerance above applies.
    const { diff, where } = worstGreekDiff(got.greeks, nodeJs.greeks, options);
    expect(diff, where).toBeLessThanOrEqual(1e-12);
    expect(rel(got.tail.es, nodeJs.tail.es)).toBeLessThanOrEqual(1e-12);
    expect(rel(got.weighted.es, nodeJs.weighted.es)).toBeLessThanOrEqual(1e-12);
  });

  it("rejects bad input with the same OffsetInputError as in Node (names survive minification)", async () => {
    const err = await page.evaluate(() => (window as unknown as { offsetPage: { badInput(): Promise<unknown> } }).offsetPage.badInput());
    const engine = await createEngine({ backend: "wasm" });
    let expected: unknown;
    try {
      engine.priceBatch({ forward: [100], strike: [100], timeToExpiry: [1], vol: [-0.2], isCall: true });
    } catch (e) {
      expected = { name: (e as Error).name, message: (e as Error).message, isOffsetInputError: true };
    }
    expect(expected).toBeDefined();
    expect(err).toEqual(expected);
  });

  it("runs in a module Web Worker too, with the same numbers", async () => {
    const got = await page.evaluate(() => (window as unknown as { offsetPage: { inWorker(): Promise<unknown> } }).offsetPage.inWorker());
    const engine = await createEngine({ backend: "wasm" });
    const g = engine.priceBatch({ forward: [100], strike: [100], timeToExpiry: [1], vol: [0.5], isCall: true });
    // Same wasm bytes and inputs as in Node: equal bit for bit (see above).
    expect(got).toEqual({ backend: { name: "wasm", simd: true }, price: g.price[0] });
  });

  it("renders, with a clean console", async () => {
    const shot = process.env.OFFSET_BROWSER_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot, fullPage: true }); // first: it shows the page even when it failed
    expect(await page.locator("#status").getAttribute("class")).toBe("ok");
    expect(await page.locator("#results tr").count()).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
