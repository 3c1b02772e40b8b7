/**
 * show(): one call that displays what a lesson cell produced, as Jupyter would a pandas frame.
 *
 *   show(frame)                       polars or danfo DataFrame -> HTML table (first 20 rows) + text/plain
 *   show(rows, { caption: 'cells' })  an array of plain records -> the same table
 *   show(figure)                      a plotly figure {data, layout} -> the chart (plotly.js inlined, no CDN)
 *   show('**Markdown** text')         a note rendered as Markdown
 *   show(error)                       one readable line, no stack
 *   show(record)                      one plain object -> a two-column field/value table
 *
 * Inside a tslab kernel every call sends one display_data MIME bundle; outside one (a script,
 * a test) it prints the text form, so the same code runs everywhere.
 */
import { sendBundle, showFigure, type MimeBundle } from './display';
import type { Figure } from '../report/types';
import { oneLine } from './one-line';
import { isDanfoFrame, tableOf } from './table';
import { hookDanfoClass } from './display-hooks';
import { tableHtml, tableText } from './table-html';

export interface ShowOptions {
  /** Rows shown of a table (the caption says how many there are). Default 20. */
  maxRows?: number;
  /** A line under the table. */
  caption?: string;
}

export const showDefaults = Object.freeze({ maxRows: 20 });

const isFigure = (v: unknown): v is Figure =>
  typeof v === 'object' && v !== null && Array.isArray((v as Figure).data) && typeof (v as Figure).layout === 'object';

const bundle = (data: Record<string, unknown>): MimeBundle => ({ data, metadata: {}, transient: {} });

/** The MIME bundle show() would send for a table-like value, or null when it is not one. */
export function tableBundle(x: unknown, options: ShowOptions = {}): MimeBundle | null {
  const t = tableOf(x, options.maxRows ?? showDefaults.maxRows);
  if (!t) return null;
  return bundle({ 'text/html': tableHtml(t, options.caption), 'text/plain': tableText(t, options.caption) });
}

export function show(x: unknown, options: ShowOptions = {}): void {
  if (x instanceof Error) { sendBundle(bundle({ 'text/plain': oneLine(x) })); return; }
  if (typeof x === 'string') { sendBundle(bundle({ 'text/markdown': x, 'text/plain': x })); return; }
  if (isFigure(x)) { showFigure(x); return; }
  if (isDanfoFrame(x)) hookDanfoClass(x);
  const table = tableBundle(x, options);
  if (table) { sendBundle(table); return; }
  if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
    const rows = Object.entries(x as Record<string, unknown>).map(([field, value]) => ({ field, value }));
    sendBundle(tableBundle(rows, { ...options, maxRows: Math.max(rows.length, 1) }) ?? bundle({ 'text/plain': '{}' }));
    return;
  }
  sendBundle(bundle({ 'text/plain': Array.isArray(x) && x.length === 0 ? '(no rows)' : String(x) }));
}
