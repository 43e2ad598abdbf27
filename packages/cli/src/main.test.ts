import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The test runs the built command (turbo builds before testing), the way a user runs it.
const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const run = promisify(execFile);

async function offset(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    // NO_COLOR: picocolors colours output under CI; the assertions read plain text.
    const { stdout, stderr } = await run(process.execPath, [main, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

describe("offset margin", () => {
  it("reports the bundled sample book as JSON, identically on both backends", async () => {
    const [wasm, js] = await Promise.all([
      offset("margin", "--json", "--scenarios", "20000"),
      offset("margin", "--json", "--scenarios", "20000", "--backend", "js"),
    ]);
    expect(wasm.code).toBe(0);
    const a = JSON.parse(wasm.stdout);
    const b = JSON.parse(js.stdout);
    expect(a.backend).toEqual({ name: "wasm", simd: true });
    expect(a.valuation.positions).toHaveLength(8);
    expect(a.grid.byUnderlying.map((g: { underlying: string }) => g.underlying)).toEqual(["BTC", "ETH"]);
    expect(a.requirement).toBeGreaterThan(0);
    expect(a.requirement).toBe(Math.max(a.grid.requirement, a.monteCarlo.requirement));
    // Same seed → same scenarios on both backends; full revaluation agrees to ≤1e-12 per option, so the
    // requirement agrees to ~1e-9 relative after summing dozens of positions worth up to 1e6 USD.
    expect(Math.abs(a.monteCarlo.es - b.monteCarlo.es)).toBeLessThan(1e-9 * a.monteCarlo.es);
    expect(Math.abs(a.grid.requirement - b.grid.requirement)).toBeLessThan(1e-9 * a.grid.requirement);
  });

  it("margins with the chosen method and preset (--method, --preset, --mode)", async () => {
    const [okx, std] = await Promise.all([
      offset("margin", "--json", "--scenarios", "2000", "--preset", "okx", "--mode", "S:PM"),
      offset("margin", "--json", "--scenarios", "2000", "--method", "standard"),
    ]);
    const a = JSON.parse(okx.stdout);
    expect(a.grid.preset).toBe("okx");
    expect(a.grid.mode).toBe("X:PM"); // the report's grid is always in USD across currencies
    expect(a.margin.method).toBe("okx");
    expect(a.margin.grid.mode).toBe("S:PM");
    expect(a.margin.initialMargin).toBeGreaterThanOrEqual(a.margin.maintenanceMargin);
    const b = JSON.parse(std.stdout);
    expect(b.margin.method).toBe("standard");
    expect(b.margin.initialMargin).toBe(b.standard.initialMargin);
    expect((await offset("margin", "--preset", "cme")).stderr).toContain("--preset");
  });

  it("prints a readable report", async () => {
    const r = await offset("margin", "--scenarios", "5000");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Offset margin report");
    expect(r.stdout).toContain("BTC-28MAR25-100000-C");
    expect(r.stdout).toMatch(/Monte Carlo .*ES/);
  });

  it("fails with a message that names the field and the value, and exit code 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "offset-cli-"));
    const book = join(dir, "book.json");
    await writeFile(book, JSON.stringify({ positions: [{ instrument: "BTC-28MAR25-100000-C", quantity: "abc" }] }));
    const r = await offset("margin", "--book", book);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('book.positions[0].quantity: expected a finite signed quantity in units of the underlying, got "abc"');
    await writeFile(book, JSON.stringify({ positions: [{ instrument: "BTC-31FEB25-1-C", quantity: 1 }] }));
    expect((await offset("margin", "--book", book)).stderr).toContain("expected a real calendar day, got \"31FEB25\"");
    expect((await offset("margin", "--book", join(dir, "missing.json"))).stderr).toContain("cannot read the book file");
    expect((await offset("margin", "--scenarios", "many")).stderr).toContain('--scenarios: expected a number, got "many"');
  });
});

describe("offset value", () => {
  it("values the sample book with haircuts, as JSON", async () => {
    const r = await offset("value", "--json", "--haircut", "BTC=0.1", "--haircut", "ETH=0.15");
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(v.collateral.find((c: { asset: string }) => c.asset === "BTC").haircut).toBe(0.1);
    // margin equity = equity − 10% of the BTC and 15% of the ETH collateral value
    const btc = v.collateral.find((c: { asset: string }) => c.asset === "BTC").valueUsd;
    const eth = v.collateral.find((c: { asset: string }) => c.asset === "ETH").valueUsd;
    expect(v.marginEquityUsd).toBeCloseTo(v.equityUsd - 0.1 * btc - 0.15 * eth, 6);
    expect((await offset("value", "--haircut", "BTC")).stderr).toContain('--haircut: expected ASSET=FRACTION like BTC=0.1, got "BTC"');
  });
});

describe("offset market", () => {
  it("builds a snapshot from Deribit tickers that round-trips through Offset JSON to the same valuation", async () => {
    const dir = await mkdtemp(join(tmpdir(), "offset-market-"));
    const tickers = join(dir, "tickers.json");
    const snapshot = join(dir, "snapshot.json");
    // Six BTC options of one expiry (Deribit public/ticker results, IV in percent) and the perpetual.
    const opt = (strike: number, type: "C" | "P", iv: number) => ({
      instrument_name: `BTC-26JUN20-${strike}-${type}`,
      timestamp: 1590000000000,
      mark_price: 0.05,
      mark_iv: iv,
      underlying_price: 9100,
      index_price: 9090,
      interest_rate: 0,
    });
    const quotes = [
      opt(7000, "P", 95),
      opt(8000, "P", 85),
      opt(9000, "C", 78),
      opt(10000, "C", 76),
      opt(11000, "C", 79),
      opt(12000, "C", 84),
      { instrument_name: "BTC-PERPETUAL", timestamp: 1590000000000, mark_price: 9092, index_price: 9090, funding_8h: 0.0001 },
    ];
    await writeFile(tickers, JSON.stringify({ jsonrpc: "2.0", id: 1, result: quotes }));
    const r = await offset("market", "--deribit", tickers, "--out", snapshot, "--json");
    expect(r.code).toBe(0);
    const { market, diagnostics } = JSON.parse(r.stdout);
    expect(market.underlyings.BTC.expiries["26JUN20"].marks["BTC-26JUN20-9000-C"]).toEqual({ iv: 0.78 });
    expect(market.underlyings.BTC.funding8h).toBe(0.0001);
    expect(diagnostics[0].fit.points).toBe(6);
    const book = join(dir, "book.json");
    await writeFile(book, JSON.stringify({ positions: [{ instrument: "BTC-26JUN20-9000-C", quantity: 2 }, { instrument: "BTC-26JUN20-9500-C", quantity: -1 }] }));
    const v = JSON.parse((await offset("value", "--book", book, "--market", snapshot, "--json")).stdout);
    expect(v.positions[0].vol).toBe(0.78); // listed: its own mark
    expect(v.positions[1].volSource).toBe("surface"); // not listed: the SVI fit
    const human = await offset("market", "--deribit", tickers);
    expect(human.stdout).toContain("26JUN20");
    expect((await offset("market")).stderr).toContain("give exactly one of --deribit");
  });
});

describe("offset price", () => {
  it("prints Black-76 Greeks as JSON", async () => {
    const r = await offset("price", "--forward", "19", "--strike", "19", "--expiry", "0.75", "--vol", "0.28", "--rate", "0.1", "--type", "put", "--json");
    expect(r.code).toBe(0);
    // Haug's Black-76 example (bs_reference_cases.json ql_value_02): 1.7011 to the 4 published decimals.
    expect(JSON.parse(r.stdout).price).toBeCloseTo(1.7011, 4);
  });
});

describe("offset whatif", () => {
  it("adds trades to the sample book incrementally and reports the change (JSON)", async () => {
    const w = await offset("whatif", "--json", "--trade", "BTC-28MAR25-100000-C:1", "--trade", "ETH-28MAR25-3000-C:10");
    expect(w.code).toBe(0);
    const r = JSON.parse(w.stdout);
    expect(r.incremental).toBe(true);
    expect(r.trades).toEqual([
      { instrument: "BTC-28MAR25-100000-C", quantity: 1 },
      { instrument: "ETH-28MAR25-3000-C", quantity: 10 },
    ]);
    // buying back short calls lowers the requirement; change = after − before (both in USD: three S:PM groups)
    expect(r.change.initialMargin).toBeLessThan(0);
    expect(r.change.initialMargin).toBe(r.after.initialMargin - r.before.initialMargin);
    const table = await offset("whatif", "--trade", "BTC-28MAR25-100000-C:1", "--mode", "X:PM");
    expect(table.stdout).toMatch(/Offset what-if \(deribit, X:PM\)/);
    expect(table.stdout).toMatch(/before[\s\S]*after[\s\S]*change/);
  });

  it("rejects a malformed --trade and an unknown instrument with a clear message", async () => {
    const bad = await offset("whatif", "--trade", "BTC-28MAR25-100000-C");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--trade: expected NAME:QUANTITY");
    const unknown = await offset("whatif", "--trade", "BTC-28MAR25-100000-X:1");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/trades\[0\]\.instrument/);
  });
});

describe("offset margin explanations", () => {
  it("prints the heatmap, contributions, hedge benefits, worst scenarios and distances to liquidation", async () => {
    // the report's default: cross-collateral in USD (X:PM), like its grid section
    const [table, json] = await Promise.all([offset("margin", "--scenarios", "2000"), offset("margin", "--json", "--scenarios", "2000")]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Why this margin \(deribit, X:PM\)/);
    expect(table.stdout).toMatch(/spot move[\s\S]*vol up[\s\S]*vol same[\s\S]*vol down/);
    expect(table.stdout).toMatch(/hedge benefit/);
    expect(table.stdout).toMatch(/distance to liquidation/);
    const r = JSON.parse(json.stdout);
    const g = r.explanation.groups[0];
    expect(g.currency).toBe("USD");
    expect(g.underlyings.map((u: { underlying: string }) => u.underlying)).toEqual(["BTC", "ETH"]);
    for (const u of g.underlyings) {
      const sum = u.positions.reduce((s: number, p: { pnl: number }) => s + p.pnl, 0);
      // JSON round-trips doubles exactly; the sum in book order is the engine's own
      expect(sum).toBe(u.worst.pnl);
    }
    expect(r.thresholds.distances.map((d: { underlying: string; how: string }) => `${d.underlying}:${d.how}`)).toEqual(["BTC:alone", "ETH:alone", "BTC:beta"]);
  });
});
