/**
 * The same table as a danfojs-node DataFrame, for students who know pandas. danfojs-node is
 * heavy (seconds to load): it is required here, on first use, never at import time.
 */
import type pl from 'nodejs-polars';

let danfo: any = null;

/** A danfo DataFrame with `frame`'s columns, in order, and values (nulls stay null). */
export function polarsToDanfo(frame: pl.DataFrame): any {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  danfo ??= require('danfojs-node');
  const columns = frame.columns;
  const data: Record<string, unknown[]> = {};
  for (const c of columns) data[c] = frame.getColumn(c).toArray() as unknown[];
  return new danfo.DataFrame(data, { columns });
}
