/**
 * The CSV renderer (csv-stringify): a table's columns as CSV, one column per data column, its
 * value as is (null empty, booleans 'true'/'false', objects as JSON). toCsv: request records,
 * columns from RECORD_FIELDS so a field added to the record appears here too (number[] fields
 * joined with ';').
 */
import { stringify } from 'csv-stringify/sync';
import { RECORD_FIELDS, type FieldSpec, type RequestRecord } from '../../bench/store/record';
import { column, type Column } from '../../analysis/table/column';

function cell(v: unknown): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Rows as CSV with a header of column names. */
export function csvTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  return stringify(rows.map((r) => columns.map((c) => cell(c.get(r)))), { header: true, columns: columns.map((c) => c.name), record_delimiter: 'unix' });
}

/** A request record field as a column: number[] joined with ';', anything else as is. */
function fieldColumn(spec: FieldSpec): Column<RequestRecord> {
  const name = spec.name as string;
  const raw = (r: RequestRecord) => (r as unknown as Record<string, unknown>)[name];
  return column<RequestRecord>({
    name, type: 'string', unit: spec.unit ?? null, description: spec.description ?? '',
    get: (r) => {
      const v = raw(r);
      if (v === null || v === undefined) return null;
      if (spec.type === 'number[]') return Array.isArray(v) ? v.join(';') : String(v);
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
      return JSON.stringify(v);
    },
  });
}

export function toCsv(records: readonly RequestRecord[], fields: readonly FieldSpec[] = RECORD_FIELDS): string {
  return csvTable(fields.map(fieldColumn), records);
}
