/**
 * A progress display for notebooks: one output that updates in place (Jupyter's
 * update_display_data, through tslab's display writer, keyed by a display_id), showing a
 * progress bar, done/total, ETA and the cell being run. Outside a tslab kernel it prints a
 * line every few seconds instead, so scripts and nbconvert logs stay readable.
 *
 *   await runGrid(spec, { resultsFile, onProgress: notebookProgress('session 3 grid') });
 */
import { randomBytes } from 'node:crypto';
import { escapeHtml } from './escape';
import { tslabWriter } from './display';

export interface ProgressEvent { done: number; total: number; etaSeconds: number | null; cell: string }

function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : `${Math.round(seconds)} s`;
}

export function notebookProgress(title: string, opts: { minIntervalMs?: number } = {}): (p: ProgressEvent) => void {
  const writer = tslabWriter();
  const displayId = `slmlab-progress-${randomBytes(6).toString('hex')}`;
  const interval = opts.minIntervalMs ?? (writer ? 250 : 5000);
  let shown = false;
  let last = 0;
  return (p) => {
    const now = Date.now();
    const finished = p.done >= p.total;
    if (shown && !finished && now - last < interval) return;
    last = now;
    // Finished: no cell line (the last one named may be a skipped provider's, which reads as if it ran).
    const cell = finished ? '' : p.cell;
    const text = `${title}: ${p.done}/${p.total} requests · ETA ${finished ? 'done' : eta(p.etaSeconds)}${cell ? ` · ${cell}` : ''}`;
    if (!writer) { console.log(text); shown = true; return; }
    const html = `<div style="font-family:sans-serif"><b>${escapeHtml(title)}</b> <progress max="${p.total}" value="${p.done}" style="width:18em"></progress> `
      + `${p.done}/${p.total} requests · ETA ${escapeHtml(finished ? 'done' : eta(p.etaSeconds))}${cell ? `<br><small>${escapeHtml(cell)}</small>` : ''}</div>`;
    writer({ data: { 'text/html': html, 'text/plain': text }, metadata: {}, transient: { display_id: displayId } }, shown);
    shown = true;
  };
}
