/**
 * Progress that updates in place: one notebook output (a display_id, updated with
 * update_display_data) with a bar, a count and a detail line. Outside a kernel it prints a
 * line at most every few seconds and at the end, so logs stay short.
 *
 *   const bar = progress('downloading qwen2.5-0.5b', { unit: 'bytes' });
 *   bar.update(doneBytes, totalBytes, 'model.onnx.data');   bar.done('cached in 12 s');
 *
 * Grids use report's notebookProgress (the same mechanism, with an ETA from the runner).
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../report/escape';
import { tslabWriter } from '../report/display';
import { formatBytes } from '../util/format-bytes';

export interface Progress {
  update(done: number, total: number | null, detail?: string): void;
  done(message?: string): void;
}

export interface ProgressOptions { unit?: 'bytes' | 'items'; minIntervalMs?: number }

export function progress(title: string, options: ProgressOptions = {}): Progress {
  const writer = tslabWriter();
  const id = `slmlab-progress-${randomBytes(6).toString('hex')}`;
  const interval = options.minIntervalMs ?? (writer ? 200 : 5000);
  const amount = (n: number) => (options.unit === 'bytes' ? formatBytes(n) : String(n));
  let shown = false;
  let last = 0;
  let lastDone = 0;
  let lastTotal: number | null = null;
  const render = (done: number, total: number | null, detail: string, final: boolean) => {
    const count = total ? `${amount(done)} / ${amount(total)} (${Math.round((100 * done) / total)} %)` : amount(done);
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
    done(message = 'done') {
      render(lastTotal ?? lastDone, lastTotal, message, true);
      shown = true;
    },
  };
}
