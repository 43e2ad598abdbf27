#!/usr/bin/env node
// The `offset` command: files in, reports out (tables for people, --json for machines).
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { parse as parseCsv } from "csv-parse/sync";
import { createEngine, type GridPolicy, type MarginPolicy, marginReport, marketFromQuotes, OffsetInputError, quotesFromDeribit, tickerFromChainRow } from "@offset/engine";
import { progressBar } from "./progress.js";
import { renderExplanation, renderGreeks, renderMarginReport, renderSnapshot, renderValuation, renderWhatIf } from "./render.js";

const examples = (file: string) => fileURLToPath(new URL(`../../../examples/${file}`, import.meta.url));

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new CliError(`cannot read the ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function readJson(path: string, what: string): Promise<unknown> {
  const text = await readText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`the ${what} file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

class CliError extends Error {}

const number = (name: string) => (value: string) => {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) throw new InvalidArgumentError(`${name}: expected a number, got ${JSON.stringify(value)}`);
  return x;
};

const backendOption = () =>
  new Option("--backend <backend>", "compute backend: wasm (WebAssembly, SIMD when supported) or js (pure TypeScript)").choices(["wasm", "js"]).default("wasm");

const program = new Command()
  .name("offset")
  .description("Offset: portfolio-margin risk engine for crypto derivatives")
  .version("0.1.0")
  .showHelpAfterError();

program
  .command("margin")
  .description("margin report of a book on a market: valuation, Greeks, scenario grid and Monte Carlo Expected Shortfall")
  .option("--book <file>", "book in Offset JSON", examples("book.json"))
  .option("--market <file>", "market snapshot in Offset JSON", examples("market.json"))
  .option("--risk-model <file>", "risk model for the Monte Carlo ES", examples("risk-model.json"))
  .option("--scenarios <n>", "Monte Carlo scenarios (overrides the risk model)", number("--scenarios"))
  .option("--seed <n>", "Monte Carlo seed (overrides the risk model)", number("--seed"))
  .option("--confidence <p>", "ES confidence, e.g. 0.99 (overrides the risk model)", number("--confidence"))
  .addOption(
    new Option("--method <method>", "margin method of the headline result: standard, grid, or VaR/ES by hs (historical), fhs (filtered historical), mc (Monte Carlo)")
      .choices(["standard", "grid", "hs", "fhs", "mc"])
      .default("grid"),
  )
  .option("--history <file>", "price history CSV (date,ASSET,…) for --method hs|fhs (and mc: estimated from it instead of the risk model)")
  .addOption(new Option("--preset <preset>", "scenario-grid preset (venue parameters)").choices(["deribit", "okx", "span"]).default("deribit"))
  .addOption(
    new Option("--mode <mode>", "grid: X:PM (cross-collateral in USD, as the whole report) or S:PM (per settlement currency)").choices(["S:PM", "X:PM"]).default("X:PM"),
  )
  .addOption(backendOption())
  .option("--json", "machine-readable JSON instead of tables")
  .action(async (opts) => {
    // one grid policy for the whole report (its grid section, headline margin and explanations)
    const gridPolicy: GridPolicy = { method: "grid", preset: opts.preset, mode: opts.mode };
    const [book, market, risk] = await Promise.all([
      readJson(opts.book, "book"),
      readJson(opts.market, "market"),
      readJson(opts.riskModel, "risk model"),
    ]);
    let policy: MarginPolicy = opts.method === "standard" ? { method: "standard" } : gridPolicy;
    if (opts.method === "hs" || opts.method === "fhs" || opts.method === "mc") {
      if (opts.method !== "mc" && !opts.history) throw new CliError(`--method ${opts.method}: needs --history <price CSV> (date,ASSET,… as ../shared/data/crypto_daily_close_usd.csv)`);
      const history = opts.history ? await readFile(opts.history, "utf8") : undefined;
      policy = {
        method: opts.method,
        ...(history !== undefined ? { history } : { model: risk as never }),
        ...pick(opts, ["scenarios", "seed", "confidence"]),
      } as MarginPolicy;
    }
    const riskModel = { ...(risk as object), ...pick(opts, ["scenarios", "seed", "confidence"]) };
    const engine = await createEngine({ backend: opts.backend });
    // progress bar on stderr for long ES runs (TTY only, never with --json): the policy's and the report's MC ES
    const bar = progressBar(process.stderr, !opts.json);
    if (bar.progress && "method" in policy && (policy.method === "hs" || policy.method === "fhs" || policy.method === "mc")) policy = { ...policy, progress: bar.progress } as MarginPolicy;
    const started = performance.now();
    let report;
    try {
      report = marginReport(engine, book, market, riskModel, policy, bar.progress ? { progress: bar.progress } : {});
    } finally {
      bar.stop();
    }
    const ms = performance.now() - started;
    const explained = engine.explainMargin(book, market, gridPolicy, { worst: 5 });
    if (opts.json) console.log(JSON.stringify({ ...report, explanation: explained.explanation, thresholds: explained.thresholds }, null, 2));
    else console.log(`${renderMarginReport(report, { book: opts.book, market: opts.market, ms })}\n\n${renderExplanation(explained)}`);
  });

const trade = (value: string, previous: { instrument: string; quantity: number }[] = []) => {
  const m = /^([^:]+):([-+]?[0-9.]+(?:e[-+]?[0-9]+)?)$/i.exec(value);
  if (!m || !Number.isFinite(Number(m[2]))) throw new InvalidArgumentError(`--trade: expected NAME:QUANTITY like BTC-28MAR25-100000-C:-1, got ${JSON.stringify(value)}`);
  return [...previous, { instrument: m[1]!, quantity: Number(m[2]) }];
};

program
  .command("whatif")
  .description("pre-trade check: the grid margin of a book with trades added, from the book's cached scenario P&L, and the change")
  .option("--book <file>", "book in Offset JSON", examples("book.json"))
  .option("--market <file>", "market snapshot in Offset JSON", examples("market.json"))
  .requiredOption("--trade <NAME:QTY>", "a trade, repeatable (signed quantity in units of the underlying: BTC-28MAR25-100000-C:-1)", trade)
  .addOption(new Option("--preset <preset>", "scenario-grid preset (venue parameters)").choices(["deribit", "okx", "span"]).default("deribit"))
  .addOption(new Option("--mode <mode>", "S:PM (per settlement currency) or X:PM (cross-collateral in USD); default the preset's").choices(["S:PM", "X:PM"]))
  .addOption(backendOption())
  .option("--json", "machine-readable JSON instead of tables")
  .action(async (opts) => {
    const [book, market] = await Promise.all([readJson(opts.book, "book"), readJson(opts.market, "market")]);
    const engine = await createEngine({ backend: opts.backend });
    const state = engine.gridState(book, market, { method: "grid", preset: opts.preset, ...(opts.mode ? { mode: opts.mode } : {}) });
    const started = performance.now();
    const w = state.whatIf(opts.trade);
    const us = (performance.now() - started) * 1000;
    if (opts.json) console.log(JSON.stringify({ trades: opts.trade, ...w }, null, 2));
    else console.log(renderWhatIf(w, opts.trade, us));
  });

const haircut = (value: string, previous: Record<string, number> = {}) => {
  const m = /^([A-Z0-9]+)=([0-9.]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--haircut: expected ASSET=FRACTION like BTC=0.1, got ${JSON.stringify(value)}`);
  return { ...previous, [m[1]!]: Number(m[2]) };
};

program
  .command("value")
  .description("mark-to-market of a book: positions in settlement currency and USD, Greeks per position and underlying, equity")
  .option("--book <file>", "book in Offset JSON", examples("book.json"))
  .option("--market <file>", "market snapshot in Offset JSON", examples("market.json"))
  .option("--haircut <ASSET=h>", "collateral haircut, repeatable (BTC=0.1 counts BTC at 90%)", haircut)
  .addOption(backendOption())
  .option("--json", "machine-readable JSON instead of tables")
  .action(async (opts) => {
    const [book, market] = await Promise.all([readJson(opts.book, "book"), readJson(opts.market, "market")]);
    const engine = await createEngine({ backend: opts.backend });
    const v = engine.value(book, market, opts.haircut ? { haircuts: opts.haircut } : {});
    console.log(opts.json ? JSON.stringify(v, null, 2) : renderValuation(v));
  });

program
  .command("market")
  .description("build a market snapshot (forwards, mark IVs, SVI fits per expiry) from venue data and inspect it")
  .option("--deribit <file>", "Deribit public/ticker results or get_book_summary_by_currency entries (JSON array or JSON-RPC envelope)")
  .option("--deribit-csv <file>", "a Deribit option-chain CSV (one row per option: instrument_name, timestamp_ms, mark_price_btc, mark_iv_pct, …)")
  .option("--as-of <time>", "snapshot time (ISO 8601); default the latest quote")
  .option("--out <file>", "write the snapshot as Offset JSON (for --market)")
  .option("--json", "print the snapshot and fit diagnostics as JSON")
  .action(async (opts) => {
    if (!opts.deribit === !opts.deribitCsv) throw new CliError("market: give exactly one of --deribit <file.json> or --deribit-csv <file.csv>");
    let raw: unknown;
    if (opts.deribit) raw = await readJson(opts.deribit, "Deribit quotes");
    else {
      const rows = parseCsv(await readText(opts.deribitCsv, "Deribit chain CSV"), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
      raw = rows.map((r, i) => tickerFromChainRow(r, `${opts.deribitCsv}[${i}]`));
    }
    const started = performance.now();
    const { market, diagnostics } = marketFromQuotes(quotesFromDeribit(raw), opts.asOf ? { asOf: opts.asOf } : {});
    const ms = performance.now() - started;
    if (opts.out) await writeFile(opts.out, `${JSON.stringify(market, null, 2)}\n`);
    if (opts.json) console.log(JSON.stringify({ market, diagnostics }, null, 2));
    else console.log(renderSnapshot(market, diagnostics, ms, opts.out));
  });

program
  .command("price")
  .description("Black-76 price and Greeks of one option on a forward")
  .requiredOption("--forward <F>", "forward price", number("--forward"))
  .requiredOption("--strike <K>", "strike", number("--strike"))
  .requiredOption("--expiry <years>", "time to expiry in years (ACT/365)", number("--expiry"))
  .requiredOption("--vol <sigma>", "implied vol, decimal (0.6 = 60%)", number("--vol"))
  .option("--rate <r>", "discount rate", number("--rate"), 0)
  .addOption(new Option("--type <type>", "call or put").choices(["call", "put"]).default("call"))
  .addOption(backendOption())
  .option("--json", "machine-readable JSON")
  .action(async (opts) => {
    const engine = await createEngine({ backend: opts.backend });
    const g = engine.black76({ forward: opts.forward, strike: opts.strike, timeToExpiry: opts.expiry, vol: opts.vol, rate: opts.rate, isCall: opts.type === "call" });
    console.log(opts.json ? JSON.stringify(g, null, 2) : renderGreeks(g));
  });

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

try {
  await program.parseAsync();
} catch (e) {
  if (e instanceof OffsetInputError || e instanceof CliError) {
    console.error(`offset: ${e.message}`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
