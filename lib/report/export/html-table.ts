/** The HTML renderer: a table's columns as an escaped HTML table (headers and cell text from the columns; numbers right-aligned), in a scrolling box. */
import type { Column } from '../../analysis/table/column';
import { escapeHtml } from '../escape';

/** Headers and rows of text as an HTML table: for the report's few tables that are not a rows' table (skipped groups). */
export function textRowsHtml(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = [], cls = ''): string {
  return `<div style="overflow-x:auto"><table${cls ? ` class="${cls}"` : ''}><thead><tr>${headers.map((h, i) => `<th${numeric[i] ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`
    + `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

export function htmlTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[], cls = ''): string {
  return textRowsHtml(columns.map((c) => c.header), rows.map((r) => columns.map((c) => c.format(r))), columns.map((c) => c.numeric), cls);
}
