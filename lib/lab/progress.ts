/**
 * The notebook's one progress display: one output that updates in place (a display_id, updated
 * with update_display_data through tslab's display writer) with a bar, a count and a detail line.
 * Outside a kernel it prints a line at most every few seconds and at the end, so logs stay short.
 *
 *   const bar = progress('downloading qwen2.5-0.5b', { unit: 'bytes' });
 *   bar.update(doneBytes, totalBytes, 'model.onnx.data');   bar.done('cached in 12 s');
 *
 * notebookProgress() is the same display fed by a grid's progress events (requests, an ETA from
 * the runner, the cell being run):
 *
 *   await runGrid(spec, { resultsFile, onProgress: notebookProgress('session 3 grid') });
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../report/escape';
import { tslabWriter } from './display';
import { formatBytes } from '../util/format-bytes';

export interface Progress {
  update(done: number, total: number | null, detail?: string): void;
  /** The last line; `at` gives the final count when the last update() did not (default: the last update's). */
  done(message?: string, at?: { done: number; total: number | null }): void;
}

export interface ProgressOptions { unit?: 'bytes' | 'items' | 'requests'; minIntervalMs?: number }

/** "3.1 MB / 9.8 MB (32 %)", "4 / 10 (40 %)", or for requests "4/10 requests". */
function countText(done: number, total: number | null, unit: ProgressOptions['unit']): string {
  if (unit === 'requests') return total ? `${done}/${total} requests` : `${done} requests`;
  const amount = (n: number) => (unit === 'bytes' ? formatBytes(n) : String(n));
  return total ? `${amount(done)} / ${amount(total)} (${Math.round((100 * done) / total)} %)` : amount(done);
}

export function progress(title: string, options: ProgressOptions = {}): Progress {
  const writer = tslabWriter();
  const id = `slmlab-progress-${randomBytes(6).toString('hex')}`;
  const interval = options.minIntervalMs ?? (writer ? 200 : 5000);
  let shown = false;
  let last = 0;
  let lastDone = 0;
  let lastTotal: number | null = null;
  const render = (done: number, total: number | null, detail: string, final: boolean) => {
    const count = countText(done, total, options.unit);
    const text = `${title}: ${count}${detail ? ` · ${detail}` : ''}`;
    if (!writer) { if (final || !shown || Date.now() - last >= interval) console.log(text); return; }
    const bar = `<progress max="${total ?? 1}" value="${total ? done : final ? 1 : 0}" style="width:18em"></progress>`;
    const html = `<div style="font-family:system-ui,sans-serif;font-size:13px"><b>${escapeHtml(title)}</b> ${bar} ${escapeHtml(count)}`
      + `${detail ? `<br><small>${escapeHtml(detail)}</small>` : ''}</div>`;
    writer({ data: { 'text/html': html, 'text/plain': text }, metadata: {}, transient: { display_id: id } }, shown);
  };
  return {
    update(done, total, detail = '') {
      lastDone = done; lastTotal = total;
      const now = Date.now();
      if (shown && now - last < interval) return;
      render(done, total, detail, false);
      shown = true; last = now;
    },
    done(message = 'done', at) {
      if (at) { lastDone = at.done; lastTotal = at.total; }
      render(lastTotal ?? lastDone, lastTotal, message, true);
      shown = true; last = Date.now();
    },
  };
}

/** A grid's progress event (the runner's onProgress). */
export interface ProgressEvent { done: number; total: number; etaSeconds: number | null; cell: string }

function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${Math.round(seconds)} s`;
}

/** The progress display for a grid: "title: 4/10 requests · ETA 12 s · <cell>", updated in place. */
export function notebookProgress(title: string, opts: { minIntervalMs?: number } = {}): (p: ProgressEvent) => void {
  const bar = progress(title, { unit: 'requests', minIntervalMs: opts.minIntervalMs ?? (tslabWriter() ? 250 : 5000) });
  return (p) => {
    // Finished: no cell line (the last one named may be a skipped provider's, which reads as if it ran).
    if (p.done >= p.total) { bar.done('ETA done', { done: p.done, total: p.total }); return; }
    bar.update(p.done, p.total, `ETA ${eta(p.etaSeconds)}${p.cell ? ` · ${p.cell}` : ''}`);
  };
}
