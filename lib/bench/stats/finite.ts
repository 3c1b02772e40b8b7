/**
 * The input policy shared by every statistic in this folder.
 *
 * Samples arrive as `readonly number[]` straight from the runner, where a failed request or a
 * division by a zero duration can leave `NaN` or `±Infinity` behind. Every statistic here
 * *ignores* non-finite values (as pandas' `skipna=True` and numpy's `nan*` functions do) and
 * works on the finite ones; `count` says how many that is, and `summarize` reports how many
 * were dropped, so nothing disappears silently. Where a statistic is undefined for the finite
 * values left (an empty sample, a stdev of one value) it is `null`, never `NaN`.
 *
 * Inputs are never mutated: sorting works on a copy.
 */

/** Number of finite values in `xs` (NaN and ±Infinity are not counted). */
export function count(xs: readonly number[]): number {
  let n = 0;
  for (const x of xs) if (Number.isFinite(x)) n++;
  return n;
}

/** The finite values of `xs`, in input order, as a new array. */
export function finiteValues(xs: readonly number[]): number[] {
  return xs.filter((x) => Number.isFinite(x));
}

/** The finite values of `xs`, ascending, in a new typed array (numeric sort, input untouched). */
export function sortedFinite(xs: readonly number[]): Float64Array {
  return Float64Array.from(finiteValues(xs)).sort();
}
