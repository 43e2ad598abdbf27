// The test settings every package shares: tests sit next to the code (src/**/*.test.ts); besides the console
// report, each run writes test-results.json, which scripts/test-summary.mjs adds up into the closing line of
// `npm test` ("N passed, N failed, N skipped").
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
  },
});
