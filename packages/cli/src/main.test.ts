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
    expect(a.positions).toHaveLength(8);
    expect(a.grid.byUnderlying.map((g: { underlying: string }) => g.underlying)).toEqual(["BTC", "ETH"]);
    expect(a.requirement).toBeGreaterThan(0);
    expect(a.requirement).toBe(Math.max(a.grid.requirement, a.monteCarlo.requirement));
    // Same seed → same scenarios on both backends; full revaluation agrees to ≤1e-12 per option, so the
    // requirement agrees to ~1e-9 relative after summing dozens of positions worth up to 1e6 USD.
    expect(Math.abs(a.monteCarlo.es - b.monteCarlo.es)).toBeLessThan(1e-9 * a.monteCarlo.es);
    expect(Math.abs(a.grid.requirement - b.grid.requirement)).toBeLessThan(1e-9 * a.grid.requirement);
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

describe("offset price", () => {
  it("prints Black-76 Greeks as JSON", async () => {
    const r = await offset("price", "--forward", "19", "--strike", "19", "--expiry", "0.75", "--vol", "0.28", "--rate", "0.1", "--type", "put", "--json");
    expect(r.code).toBe(0);
    // Haug's Black-76 example (bs_reference_cases.json ql_value_02): 1.7011 to the 4 published decimals.
    expect(JSON.parse(r.stdout).price).toBeCloseTo(1.7011, 4);
  });
});
