/** A polars frame as a danfojs DataFrame (loaded on first use: seconds); show() and a cell's last value render it as a table. */
import type pl from 'nodejs-polars';
import { polarsToDanfo } from '../analysis/danfo';
import { hookDanfoClass } from './display-hooks';

export function toDanfo(frame: pl.DataFrame): any {
  const df = polarsToDanfo(frame);
  hookDanfoClass(df);
  return df;
}
