/** The text renderer: a table's columns as aligned plain text for the terminal (headers and cell text from the columns). */
import { textTable } from '../../util/text-table';
import type { Column } from './column';

export function renderText<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  return textTable(columns.map((c) => c.header), rows.map((r) => columns.map((c) => c.format(r))));
}
