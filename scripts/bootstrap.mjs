#!/usr/bin/env node
// Set-up shared by `npm start` and `npm test` on a fresh machine (only Node 20 and npm there):
// pnpm at the pinned version (global npm install: corepack fails here, and turbo needs `pnpm` on PATH),
// then a frozen-lockfile install. Quiet and fast when everything is already in place.
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";

const pin = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).packageManager.split("@")[1];
const run = (cmd) => execSync(cmd, { stdio: "inherit", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } });

let have = "";
try {
  have = execSync("pnpm --version", { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
} catch {
  /* not installed */
}
if (have !== pin) {
  console.log(`offset: installing pnpm@${pin} (found ${have || "none"})`);
  run(`npm install --global pnpm@${pin} --no-fund --no-audit --loglevel=error`);
}
run("pnpm install --frozen-lockfile --reporter=silent");
