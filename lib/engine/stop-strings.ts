/**
 * Stop strings over a stream of text deltas. Text that might be the start of a stop
 * string is held back until it is known not to be one, so a streamed answer never
 * shows part of a stop string that then vanishes from the final text.
 */
export class StopStringFilter {
  private pending = '';
  private done = false;

  constructor(private readonly stops: readonly string[]) {}

  get stopped(): boolean { return this.done; }

  /** Adds a delta; returns the text that is now safe to emit. */
  push(delta: string): string {
    if (this.done) return '';
    if (!this.stops.length) return delta;
    this.pending += delta;
    // The stop string that completes first wins (smallest end, then smallest start), so the
    // result does not depend on how the text was split into deltas.
    let cut = -1;
    let cutEnd = Infinity;
    for (const s of this.stops) {
      const at = this.pending.indexOf(s);
      if (at === -1) continue;
      const end = at + s.length;
      if (end < cutEnd || (end === cutEnd && at < cut)) { cut = at; cutEnd = end; }
    }
    if (cut !== -1) {
      this.done = true;
      const out = this.pending.slice(0, cut);
      this.pending = '';
      return out;
    }
    const hold = this.heldSuffix();
    const out = this.pending.slice(0, this.pending.length - hold);
    this.pending = this.pending.slice(this.pending.length - hold);
    return out;
  }

  /** End of generation: whatever was held back is plain text after all. */
  flush(): string {
    const out = this.done ? '' : this.pending;
    this.pending = '';
    return out;
  }

  /** Length of the longest suffix of `pending` that is a proper prefix of some stop string. */
  private heldSuffix(): number {
    let best = 0;
    for (const s of this.stops) {
      const max = Math.min(s.length - 1, this.pending.length);
      for (let n = max; n > best; n--) {
        if (this.pending.endsWith(s.slice(0, n))) { best = n; break; }
      }
    }
    return best;
  }
}
