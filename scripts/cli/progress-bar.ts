/**
 * A terminal progress bar on stderr (cli-progress) with speed and ETA, shown only when stderr
 * is a terminal; elsewhere (CI logs, pipes) it stays silent and the final summary says it all.
 */
import cliProgress from 'cli-progress';
import { bytes } from './format';

export interface ProgressBar {
  update(done: number, total: number, label: string): void;
  stop(): void;
}

export function progressBar(verb: string, quiet = false): ProgressBar {
  if (quiet || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `${verb} {bar} {percentage}% | {done}/{total} | {speed}/s | ETA {eta_formatted} | {label}`,
    hideCursor: true,
    etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  let begun = false;
  return {
    update(done, total, label) {
      const payload = { done: bytes(done), total: bytes(total), speed: bytes(done / Math.max((performance.now() - started) / 1000, 1e-3)), label };
      if (!begun) { bar.start(Math.max(total, 1), done, payload); begun = true; }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, payload);
    },
    stop() { if (begun) bar.stop(); },
  };
}
