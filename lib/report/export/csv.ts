/**
 * toCsv: request records as CSV (csv-stringify), columns from RECORD_FIELDS so a field added
 * to the record appears here too. number[] fields are joined with ';', null is empty.
 */
import { stringify } from 'csv-stringify/sync';
import { RECORD_FIELDS, type FieldSpec, type RequestRecord } from '../../bench/store/record';

function cell(spec: FieldSpec, v: unknown): string | number | boolean {
  if (v === null || v === undefined) return '';
  if (spec.type === 'number[]') return Array.isArray(v) ? v.join(';') : String(v);
  if (spec.type === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function toCsv(records: readonly RequestRecord[], fields: readonly FieldSpec[] = RECORD_FIELDS): string {
  const rows = records.map((r) => fields.map((f) => cell(f, (r as unknown as Record<string, unknown>)[f.name])));
  return stringify(rows, { header: true, columns: fields.map((f) => f.name as string), record_delimiter: 'unix' });
}
