// A progress bar for long ES runs (`offset margin --method hs|fhs|mc` and the report's Monte Carlo ES). The engine
// only calls back (EsPolicy.progress: stage, done, total); drawing is here, on stderr, and only when stderr is a
// terminal: never into stdout (tables, --json), never in captured or piped output.
import { SingleBar } from "cli-progress";
import type { EsProgress, EsStage } from "@offset/engine";

/**
 * Stages smaller than this many scenarios draw no bar: they finish in well under a second on this machine (MC ES of
 * the example book: 100,000 scenarios ≈ 0.3 s on wasm, the CLI's default run), where a bar would only flicker.
 */
export const PROGRESS_MIN_SCENARIOS = 100_000;

export interface ProgressBar {
  /** the callback for the engine, or undefined when no bar will be drawn (no TTY, --json) */
  progress: EsProgress | undefined;
  /** removes the bar (call when the run ends, also on errors) */
  stop(): void;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr, enabled = true): ProgressBar {
  if (!enabled || !stream.isTTY) return { progress: undefined, stop() {} };
  let bar: SingleBar | undefined;
  let current: EsStage | undefined;
  const progress: EsProgress = (stage, done, total) => {
    if (total < PROGRESS_MIN_SCENARIOS) return;
    if (!bar) {
      bar = new SingleBar({ stream, format: "{stage} [{bar}] {percentage}% | {value}/{total} scenarios", clearOnComplete: true, hideCursor: true, barsize: 30 });
      bar.start(total, 0, { stage });
      current = stage;
    } else if (stage !== current) {
      bar.setTotal(total);
      current = stage;
    }
    bar.update(done, { stage });
  };
  return {
    progress,
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
