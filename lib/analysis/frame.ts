/**
 * nodejs-polars at the edge (the DataFrame renderer): summary, comparison and load-level rows as
 * DataFrames with their tables' data columns (table/*-table.ts), names and order, and pivots
 * (model x provider tables). Numbers are Float64 (integers too: JS
 * numbers, no BigInt), strings Utf8, flags Bool; missing values are null.
 * In a notebook: tslab.display.html(df.toHTML()).
 */
import pl from 'nodejs-polars';
import { COLUMNS, COMPARISON_COLUMNS, type Column } from './columns';
import { levelDataColumns } from './table/level-table';
import type { LevelRow } from './load-levels';
import type { ComparisonRow, SummaryRow } from './types';

export type DataFrame = pl.DataFrame;

function dtypeOf(c: Column) {
  if (c.type === 'string') return pl.Utf8;
  if (c.type === 'boolean') return pl.Bool;
  return pl.Float64;
}

/** A DataFrame of `rows` with one Series per column, typed from the column table. */
export function frameOf(rows: readonly object[], columns: readonly Column[]): pl.DataFrame {
  return pl.DataFrame(columns.map((c) => pl.Series(c.name, rows.map((r) => c.get(r)) as any[], dtypeOf(c))));
}

export function toFrame(rows: readonly SummaryRow[]): pl.DataFrame {
  return frameOf(rows, COLUMNS);
}

export function comparisonFrame(rows: readonly ComparisonRow[]): pl.DataFrame {
  return frameOf(rows, COMPARISON_COLUMNS);
}

/** Load levels as a DataFrame: one row per level, flat columns (ttft_ms_p50, goodput_pct, client_bound, ...). */
export function levelFrame(rows: readonly LevelRow[]): pl.DataFrame {
  return frameOf(rows, levelDataColumns(rows));
}

export interface PivotOptions {
  index: string | string[];
  /** The column whose values become new columns (e.g. 'provider'). */
  columns: string;
  values: string;
  /** When several rows share an index and column value. Default 'first'. */
  aggregate?: 'first' | 'mean' | 'median' | 'max' | 'min' | 'sum' | 'last' | 'count';
}

/** e.g. pivot(toFrame(rows), { index: 'model', columns: 'provider', values: 'decode_tps_median' }). */
export function pivot(frame: pl.DataFrame, o: PivotOptions): pl.DataFrame {
  return frame.pivot(o.values, { index: o.index, on: o.columns, aggregateFunc: o.aggregate ?? 'first', maintainOrder: true });
}
