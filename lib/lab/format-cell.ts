/**
 * One table cell as text: numbers rounded for reading (3 significant digits below 100,
 * integers above), null/undefined/NaN as an empty cell, booleans as ✓/✗, arrays and objects
 * as compact JSON. The same text goes into the HTML and the text/plain tables.
 */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? '' : String(v);
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 1 ? v.toPrecision(3) : a === 0 ? '0' : v.toPrecision(2);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  try { return JSON.stringify(v); } catch { return String(v); }
}
