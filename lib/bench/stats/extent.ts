/** Smallest finite value; `null` when there are none. */
export function min(xs: readonly number[]): number | null {
  let m = Infinity;
  let seen = false;
  for (const x of xs) if (Number.isFinite(x)) { seen = true; if (x < m) m = x; }
  return seen ? m : null;
}

/** Largest finite value; `null` when there are none. */
export function max(xs: readonly number[]): number | null {
  let m = -Infinity;
  let seen = false;
  for (const x of xs) if (Number.isFinite(x)) { seen = true; if (x > m) m = x; }
  return seen ? m : null;
}
