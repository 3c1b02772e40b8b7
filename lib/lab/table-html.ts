/**
 * A Table as an HTML fragment (escaped, numbers right-aligned, a caption, "first N of M rows")
 * and as aligned text for text/plain. No hand-built HTML in notebooks: show() calls these.
 */
import { escapeHtml } from '../report/escape';
import { textTable } from '../util/text-table';
import { formatCell } from './format-cell';
import type { Table } from './table';

const STYLE = 'border-collapse:collapse;font-size:12px;font-family:system-ui,sans-serif';
// Fits a ~1000 px output area (classic Notebook): when a row is too wide, long snake_case headers wrap
// after an underscore (<wbr>), text cells at their spaces and hyphens; numbers never wrap.
const TH = 'style="text-align:left;border-bottom:1px solid #888;padding:2px 6px;vertical-align:bottom"';
const td = (numeric: boolean) => `style="padding:2px 6px;border-bottom:1px solid #eee;text-align:${numeric ? 'right' : 'left'}${numeric ? ';white-space:nowrap' : ''}"`;

/** A header, escaped, with a line-break opportunity after each underscore of a long name ("ttft_ms_<wbr>median"). */
function headerHtml(name: string): string {
  const e = escapeHtml(name);
  return name.length > 10 ? e.replace(/_/g, '_<wbr>') : e;
}

/** "first 20 of 61 rows" when the table was cut, else "3 rows". */
export function rowNote(t: Table): string {
  const cols = `${t.columns.length} column${t.columns.length === 1 ? '' : 's'}`;
  return t.rows.length < t.totalRows ? `first ${t.rows.length} of ${t.totalRows} rows × ${cols}` : `${t.totalRows} row${t.totalRows === 1 ? '' : 's'} × ${cols}`;
}

export function tableHtml(t: Table, caption?: string): string {
  const numeric = t.columns.map((_, i) => t.rows.length > 0 && t.rows.every((r) => r[i] === null || r[i] === undefined || typeof r[i] === 'number'));
  const head = t.columns.map((c) => `<th ${TH}>${headerHtml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((v, i) => `<td ${td(numeric[i])}>${escapeHtml(formatCell(v))}</td>`).join('')}</tr>`).join('\n');
  const cap = `<caption style="caption-side:bottom;text-align:left;color:#666;font-size:11px">${caption ? `${escapeHtml(caption)} · ` : ''}${escapeHtml(rowNote(t))} (${t.source})</caption>`;
  return `<table class="slmlab-table" data-source="${t.source}" style="${STYLE}">${cap}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function tableText(t: Table, caption?: string): string {
  const body = textTable(t.columns, t.rows.map((r) => r.map(formatCell)));
  return `${caption ? `${caption}\n` : ''}${body}\n(${rowNote(t)})`;
}
