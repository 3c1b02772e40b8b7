/**
 * The summary and comparison tables' data columns (described in table/summary-table.ts and
 * table/comparison-table.ts), and rows as flat records keyed by column name.
 */
import { COLUMNS } from './table/summary-table';
import type { Column } from './table/column';

export { COLUMNS } from './table/summary-table';
export { COMPARISON_COLUMNS } from './table/comparison-table';
export type { Column, ColumnType } from './table/column';

/** Rows as flat records keyed by column name, in column order. */
export function flatten(rows: readonly object[], columns: readonly Column[] = COLUMNS): Record<string, string | number | boolean | null>[] {
  return rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, c.get(row)])));
}
