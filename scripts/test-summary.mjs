#!/usr/bin/env node
// Adds up the vitest JSON reports of every package into one closing line: "N passed, N failed, N skipped".
// A package whose report is missing (its tests did not run) counts as a failure, so the line never hides one.
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";

const root = new URL("../packages/", import.meta.url);
if (process.argv.includes("--clean")) {
  // before a run: no stale report may stand in for tests that did not run this time
  for (const pkg of readdirSync(root)) rmSync(new URL(`${pkg}/test-results.json`, root), { force: true });
  process.exit(0);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const pkg of readdirSync(root)) {
  const file = new URL(`${pkg}/test-results.json`, root);
  if (!existsSync(new URL(`${pkg}/vitest.config.ts`, root))) continue;
  if (!existsSync(file)) {
    console.log(`${pkg}: no test report (its tests did not run)`);
    failed++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  passed += r.numPassedTests;
  // a suite that failed to load has no failed test but fails the run: count it once
  failed += r.numFailedTests || (r.success ? 0 : Math.max(1, r.numFailedTestSuites));
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
