// The CLI's progress bar: drawn only on a TTY stream, only for runs of PROGRESS_MIN_SCENARIOS or more, never with
// --json; stdout is never written (the bar's stream is the only sink).
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { PROGRESS_MIN_SCENARIOS, progressBar } from "./progress.js";

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = "";
  s.on("data", (d: Buffer) => (out += d.toString()));
  Object.assign(s, { isTTY, columns: 100, cursorTo() { return true; }, clearLine() { return true; }, moveCursor() { return true; } });
  return { stream: s as unknown as NodeJS.WriteStream, text: () => out };
}

describe("progressBar", () => {
  it("no callback at all when the stream is not a TTY or the output is --json", () => {
    expect(progressBar(fakeStream(false).stream).progress).toBeUndefined();
    expect(progressBar(fakeStream(true).stream, false).progress).toBeUndefined();
  });

  it("small runs draw nothing; large runs draw the stage and count, and stop() ends the bar", () => {
    const small = fakeStream(true);
    const a = progressBar(small.stream);
    a.progress!("revaluation", PROGRESS_MIN_SCENARIOS - 1, PROGRESS_MIN_SCENARIOS - 1);
    a.stop();
    expect(small.text()).toBe("");
    const big = fakeStream(true);
    const b = progressBar(big.stream);
    b.progress!("scenarios", 0, 2 * PROGRESS_MIN_SCENARIOS);
    b.progress!("revaluation", PROGRESS_MIN_SCENARIOS, 4 * PROGRESS_MIN_SCENARIOS);
    b.stop();
    expect(big.text()).toContain(`scenarios [`);
    expect(big.text()).toContain(`0/${2 * PROGRESS_MIN_SCENARIOS} scenarios`);
  });
});
