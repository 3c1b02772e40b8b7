/**
 * The text deltas of one generation, as the caller reads them: a queue the engine pushes into
 * (from a worker thread's or an engine process's messages) and an async iterator over it that
 * ends when the generation ends and throws when it fails. The engine client
 * (host/remote-model.ts) and the engines it hosts hand their callers one of these.
 */
import type { TextDelta } from './types';

export class DeltaStream {
  private readonly deltas: TextDelta[] = [];
  private wake: (() => void) | null = null;
  private finished = false;
  private failure: Error | null = null;

  push(d: TextDelta): void {
    this.deltas.push(d);
    this.wake?.();
  }

  /** No more deltas: the iterator ends once it has yielded those queued. */
  end(): void {
    this.finished = true;
    this.wake?.();
  }

  /** The generation failed: the iterator throws `e` once it has yielded those queued. */
  fail(e: Error): void {
    this.failure = e;
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<TextDelta> {
    for (;;) {
      if (this.deltas.length) { yield this.deltas.shift()!; continue; }
      if (this.failure) throw this.failure;
      if (this.finished) return;
      await new Promise<void>((r) => { this.wake = r; });
      this.wake = null;
    }
  }
}
