/** The Markdown renderer: a table's columns as a GitHub Markdown table (headers and cell text from the columns, escaped; numbers right-aligned). */
import type { Column } from '../../analysis/table/column';
import { escapeMarkdownCell } from '../escape';

export function markdownTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string[] {
  return [
    `| ${columns.map((c) => escapeMarkdownCell(c.header)).join(' | ')} |`,
    `|${columns.map((c) => (c.numeric ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => escapeMarkdownCell(c.format(r))).join(' | ')} |`),
  ];
}
