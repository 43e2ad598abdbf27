// Runs in Chromium. Loads the single-file browser bundle of @offset/engine and exposes `window.offsetPage` for
// src/browser.test.ts, which sends plain-number inputs (exact through Playwright's serialiser) and compares the
// returned columns with the same computation done in Node. Also renders a small table of what it computed.
import { createEngine, OffsetInputError } from "/offset.browser.js";

const status = document.getElementById("status");
const table = document.getElementById("results");

/** Prices a batch and measures the tail of a P&L vector on one backend; returns plain arrays. */
async function run({ backend, options, pnl, weights, confidence, worst }) {
  const engine = await createEngine({ backend });
  const priced = engine.priceBatch({
    forward: Float64Array.from(options.forward),
    strike: Float64Array.from(options.strike),
    timeToExpiry: Float64Array.from(options.timeToExpiry),
    vol: Float64Array.from(options.vol),
    rate: Float64Array.from(options.rate),
    isCall: options.isCall,
  });
  const pnlColumn = Float64Array.from(pnl);
  const tail = engine.tail(pnlColumn, { confidence, worst });
  const weighted = engine.tail(pnlColumn, { confidence, worst, weights: Float64Array.from(weights) });
  const out = {
    backend: engine.backend,
    greeks: Object.fromEntries(Object.entries(priced).map(([k, v]) => [k, Array.from(v)])),
    tail: { var: tail.var, es: tail.es, worst: Array.from(tail.worst) },
    weighted: { var: weighted.var, es: weighted.es, worst: Array.from(weighted.worst) },
  };
  render(out, options.forward.length, pnl.length, confidence);
  return out;
}

/** The error a bad input raises here (class and message must survive minification). */
async function badInput() {
  const engine = await createEngine({ backend: "wasm" });
  try {
    engine.priceBatch({ forward: [100], strike: [100], timeToExpiry: [1], vol: [-0.2], isCall: true });
    return null;
  } catch (e) {
    return { name: e.name, message: e.message, isOffsetInputError: e instanceof OffsetInputError };
  }
}

/** Starts the bundle in a module Web Worker (where the dashboard will run it): no DOM, no `window`. */
function inWorker() {
  const source = `import { createEngine } from "${location.origin}/offset.browser.js";
    try {
      const engine = await createEngine({ backend: "wasm" });
      const g = engine.priceBatch({ forward: [100], strike: [100], timeToExpiry: [1], vol: [0.5], isCall: true });
      postMessage({ backend: engine.backend, price: g.price[0] });
    } catch (e) { postMessage({ error: String(e) }); }`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  return new Promise((resolve) => {
    const done = (value) => (worker.terminate(), URL.revokeObjectURL(url), resolve(value));
    worker.onmessage = (e) => done(e.data);
    worker.onerror = (e) => done({ error: e.message ?? "worker failed to load" });
  });
}

function render(out, nOptions, nScenarios, confidence) {
  const fmt = (x) => x.toLocaleString("en-US", { maximumFractionDigits: 2 });
  const sum = out.greeks.price.reduce((s, x) => s + x, 0);
  const rows = [
    ["backend", `${out.backend.name}${out.backend.simd ? " (SIMD)" : ""}`],
    ["options priced", fmt(nOptions)],
    ["sum of prices", fmt(sum)],
    ["scenarios", fmt(nScenarios)],
    [`VaR ${confidence * 100}%`, fmt(out.tail.var)],
    [`ES ${confidence * 100}%`, fmt(out.tail.es)],
    ["worst scenarios", out.tail.worst.slice(0, 5).join(", ")],
  ];
  const body = rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("");
  table.insertAdjacentHTML("beforeend", `<tbody>${body}<tr><td colspan="2"></td></tr></tbody>`);
}

// `run` and `badInput` are usable even if the default (wasm) engine fails to start, so the js backend is still tested.
const offsetPage = (window.offsetPage = { run, badInput, inWorker, backend: null, error: null });
try {
  const engine = await createEngine({ backend: "wasm" });
  offsetPage.backend = engine.backend;
  status.textContent = `engine ready: ${engine.backend.name}${engine.backend.simd ? " with SIMD" : " (scalar)"}`;
  status.className = "ok";
} catch (e) {
  offsetPage.error = String(e);
  status.textContent = `failed to start the engine: ${e}`;
  status.className = "error";
  throw e; // also reported as a page error, which the test collects
}
