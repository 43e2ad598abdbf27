import { describe, expect, it } from "vitest";
import { createJsKernels, loadKernels } from "./index.js";

describe("debug build (assertions on, through @assemblyscript/loader)", () => {
  it("loads and computes the same numbers as the TS twin", async () => {
    const debug = await loadKernels({ debug: true });
    const js = createJsKernels();
    const n = 257;
    const cols = {
      forward: Float64Array.from({ length: n }, (_, i) => 1000 + i),
      strike: Float64Array.from({ length: n }, (_, i) => 800 + 2 * i),
      timeToExpiry: Float64Array.from({ length: n }, (_, i) => 0.01 + i / 300),
      vol: Float64Array.from({ length: n }, (_, i) => 0.2 + i / 500),
      rate: new Float64Array(n).fill(0.03),
      isCall: Int32Array.from({ length: n }, (_, i) => i & 1),
    };
    const a = debug.black76Price(cols, false, new Float64Array(n));
    const b = js.black76Price(cols, false, new Float64Array(n));
    // the debug build runs the same operations unoptimised: identical bits, like the release builds
    expect(Array.from(a)).toEqual(Array.from(b));
    const pnl = Float64Array.from({ length: 10_000 }, (_, i) => Math.sin(i) * 100);
    expect(debug.varEs(pnl, null, 0.99)).toEqual(js.varEs(pnl, null, 0.99));
  });
});
