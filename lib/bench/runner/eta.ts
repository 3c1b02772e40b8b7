/**
 * Time left: the mean wall time per executed request so far times the requests left that
 * will execute (skipped ones cost nothing). Null before the first executed request.
 */
export interface Eta {
  /** `n` requests took `ms` of wall time together. */
  add(ms: number, n: number): void;
  secondsFor(requestsLeft: number): number | null;
}

export function eta(): Eta {
  let ms = 0, n = 0;
  return {
    add: (t, k) => { ms += t; n += k; },
    secondsFor: (left) => (n === 0 ? null : (ms / n / 1000) * left),
  };
}
