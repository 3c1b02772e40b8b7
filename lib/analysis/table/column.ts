/**
 * A table column, described once: its flat name and value (what DataFrames and CSV read), and
 * its header and cell text (what the text, Markdown and HTML tables print). Every renderer
 * reads these; none names a column itself (after hyperfine's one result type with one exporter
 * per format: https://github.com/sharkdp/hyperfine/tree/master/src/export).
 *
 *   const cols = summaryColumns(rows);                      // a table's view for these rows
 *   renderText(cols, rows)   markdownTable(cols, rows)   frameOf(rows, COLUMNS)   csvTable(COLUMNS, rows)
 */
export type ColumnType = 'string' | 'number' | 'integer' | 'boolean';

export type CellValue = string | number | boolean | null;

export interface Column<Row = any> {
  /** Flat name: the DataFrame and CSV column ('ttft_ms_median'). */
  name: string;
  /** Path in the source record ('ttftMs.ci95.low'); derived columns say how. */
  source: string;
  type: ColumnType;
  unit: string | null;
  description: string;
  /** The value (null when missing): DataFrames and CSV. */
  get: (row: Row) => CellValue;
  /** The header in text, Markdown and HTML tables. */
  header: string;
  /** The cell's text in text, Markdown and HTML tables: plain text, each renderer escapes it for its format. */
  format: (row: Row) => string;
  /** Right-aligned in printed tables. */
  numeric: boolean;
  /** In a printed view, shown only when this holds for the rows (e.g. Engine when a row ran on another engine). */
  when?: (rows: readonly Row[]) => boolean;
}

/** "42.1", or '-' for a missing or non-finite number. */
export const num = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

/** The value at a dotted path of a row (null when missing). */
export const at = (path: string) => (row: any): any => {
  let v = row;
  for (const p of path.split('.')) { if (v === null || v === undefined) return null; v = v[p]; }
  return v === undefined ? null : v;
};

/** A value as cell text when a column gives no format of its own. */
export function defaultFormat(type: ColumnType, v: CellValue): string {
  if (v === null) return '-';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return type === 'integer' ? num(v, 0) : num(v, 1);
  return v;
}

export interface ColumnInit<Row> {
  name: string;
  source?: string;
  type: ColumnType;
  unit?: string | null;
  description: string;
  get?: (row: Row) => CellValue;
  header?: string;
  format?: (row: Row) => string;
  numeric?: boolean;
  when?: (rows: readonly Row[]) => boolean;
}

/** A frozen column; the source defaults to the name's path, the header to the name, the format to the value's text. */
export function column<Row = any>(c: ColumnInit<Row>): Column<Row> {
  const source = c.source ?? c.name;
  const get = c.get ?? (at(source) as (row: Row) => CellValue);
  return Object.freeze({
    name: c.name, source, type: c.type, unit: c.unit ?? null, description: c.description, get,
    header: c.header ?? c.name,
    format: c.format ?? ((row: Row) => defaultFormat(c.type, get(row))),
    numeric: c.numeric ?? (c.type === 'number' || c.type === 'integer'),
    ...(c.when ? { when: c.when } : {}),
  });
}

/**
 * The columns of `names`, in that order, from a table's columns, for these rows: a column with
 * a `when` that does not hold for them is left out. An unknown name is a bug in the view.
 */
export function pick<Row>(columns: readonly Column<Row>[], names: readonly string[], rows: readonly Row[]): Column<Row>[] {
  return byName(columns, names).filter((c) => !c.when || c.when(rows));
}

/** The columns of `names`, in that order, whatever the rows (a data view: the same set every time). */
export function byName<Row>(columns: readonly Column<Row>[], names: readonly string[]): Column<Row>[] {
  return names.map((n) => {
    const c = columns.find((x) => x.name === n);
    if (!c) throw new TypeError(`table view names an unknown column: ${n}`);
    return c;
  });
}
