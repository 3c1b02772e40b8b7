/**
 * A table in plain form, whatever it came from: a nodejs-polars DataFrame, a danfojs
 * DataFrame, or an array of plain records. show() renders it as HTML and as text.
 *
 *   tableOf(df)            -> { columns, rows (first maxRows), totalRows, source: 'polars' }
 */
export interface Table {
  columns: string[];
  /** The rows to show (at most maxRows), each a value per column. */
  rows: unknown[][];
  /** Rows in the source (the table may show fewer). */
  totalRows: number;
  source: 'polars' | 'danfo' | 'records';
}

interface PolarsLike { columns: string[]; height: number; head(n: number): { toRecords(): Record<string, unknown>[] }; toRecords(): unknown[] }
interface DanfoLike { columns: string[]; shape: [number, number]; values: unknown[][] }

/** nodejs-polars DataFrame (duck-typed: the class is not exported as a value we can test with instanceof across copies). */
export function isPolarsFrame(x: unknown): x is PolarsLike {
  const f = x as PolarsLike;
  return typeof x === 'object' && x !== null && Array.isArray(f.columns) && typeof f.height === 'number'
    && typeof f.head === 'function' && typeof f.toRecords === 'function';
}

/** danfojs DataFrame: columns, shape and a row-major `values` array. */
export function isDanfoFrame(x: unknown): x is DanfoLike {
  const f = x as DanfoLike;
  return typeof x === 'object' && x !== null && !isPolarsFrame(x) && Array.isArray(f.columns)
    && Array.isArray(f.shape) && f.shape.length === 2 && '$columns' in (x as object) && Array.isArray(f.values);
}

const isRecordArray = (x: unknown): x is Record<string, unknown>[] =>
  Array.isArray(x) && x.length > 0 && x.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r));

export function isTableLike(x: unknown): boolean {
  return isPolarsFrame(x) || isDanfoFrame(x) || isRecordArray(x);
}

/** The first `maxRows` rows of x as a Table, or null when x is not table-like. */
export function tableOf(x: unknown, maxRows: number): Table | null {
  if (isPolarsFrame(x)) {
    const records = x.head(maxRows).toRecords();
    return { columns: [...x.columns], rows: records.map((r) => x.columns.map((c) => r[c])), totalRows: x.height, source: 'polars' };
  }
  if (isDanfoFrame(x)) {
    const values = x.values.slice(0, maxRows);
    return { columns: [...x.columns], rows: values.map((r) => (Array.isArray(r) ? r : [r])), totalRows: x.shape[0], source: 'danfo' };
  }
  if (isRecordArray(x)) {
    const columns = [...new Set(x.flatMap((r) => Object.keys(r)))];
    return { columns, rows: x.slice(0, maxRows).map((r) => columns.map((c) => r[c])), totalRows: x.length, source: 'records' };
  }
  return null;
}
