/**
 * The llama.cpp sequences of one context, handed to requests clean (no tokens in their KV cache).
 *
 * Why this is not "clearHistory() when a request starts": node-llama-cpp erases a sequence's
 * tokens under the context's lock, and its batch dispatcher holds that same lock for as long as
 * decodes are queued (dispatchPendingBatch in src/evaluator/LlamaContext/LlamaContext.ts,
 * https://github.com/withcatai/node-llama-cpp). While other sequences decode token after token,
 * a new request's clearHistory() therefore waited until they had all finished: measured through
 * this model with three 64-token requests running, a fourth one arriving 400 ms later waited
 * 3.7 s in clearHistory() (docs/llama-cpp.md, "Time to first token under concurrency").
 *
 * So a sequence is cleared when its request ends, in the background, and goes back to the pool
 * once it is clean; a request takes a clean sequence and its prompt joins the very next batch.
 * The other half of the fix is in the decode loop (llama-model.ts, `yieldToDispatcher`): each
 * request lets one turn of the event loop pass before asking for its next token, so that the
 * dispatcher finds its queue empty after every batch and lets the lock go.
 */
export interface PooledSequence {
  clearHistory(): Promise<void>;
  readonly nextTokenIndex: number;
}

export class SequencePool<S extends PooledSequence> {
  private readonly free: S[];
  private readonly waiting: ((s: S) => void)[] = [];
  private closed = false;

  constructor(sequences: S[]) { this.free = [...sequences]; }

  /** Sequences clean and free now. */
  get available(): number { return this.free.length; }

  /** Requests waiting for a sequence. */
  get queued(): number { return this.waiting.length; }

  /** A clean sequence: at once when one is free, else when a running request's is cleared. */
  async acquire(): Promise<S> {
    const s = this.free.pop() ?? await new Promise<S>((resolve) => this.waiting.push(resolve));
    // Only a sequence whose clearing failed can be dirty here; clear it now (under the lock).
    if (s.nextTokenIndex !== 0) await s.clearHistory();
    return s;
  }

  /** Gives a used sequence back: it is cleared first, then handed to the next waiting request. */
  release(s: S): void {
    if (this.closed) return;
    const hand = (): void => {
      if (this.closed) return;
      const next = this.waiting.shift();
      if (next) next(s); else this.free.push(s);
    };
    if (s.nextTokenIndex === 0) { hand(); return; }
    // A failed clear leaves the sequence dirty; acquire() clears it again before use.
    s.clearHistory().then(hand, hand);
  }

  close(): void { this.closed = true; }
}

/**
 * Lets the event loop turn once (setImmediate), so that node-llama-cpp's batch dispatcher sees no
 * queued decode right after a batch and releases the context's lock; the decodes every running
 * request then queues land in the same next batch (its dispatch is itself a setImmediate).
 */
export function yieldToDispatcher(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
