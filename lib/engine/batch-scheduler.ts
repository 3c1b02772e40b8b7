/**
 * Continuous batching inside the engine's worker: every decode step is one session.run over
 * all active sequences, new requests join at the next step after their prefill, finished ones
 * leave at once.
 *
 *   loop:
 *     admit   while requests wait and fewer than maxBatch sequences run: prefill one prompt
 *             alone ([1, S]), sample its first token (its TTFT ends here), keep its KV cache
 *     pack    if sequences joined or left since the last step: repack the batch (kv-batch.ts)
 *     decode  one run over the batch ([B, 1]); each sequence samples from its own row with
 *             its own sampler, stop strings and max tokens (sequence.ts)
 *     leave   finished, cancelled or failed sequences are answered and dropped from the batch
 *     yield   to the event loop, so new requests and cancellations arrive between steps
 *
 * Why this design (measured on the 2-core machine, qwen2.5-0.5b int4 twin; see docs/engine.md):
 * - A decode step reads every weight once whatever B is, so steps of B sequences cost far
 *   less than B steps. Prefill is compute-bound already at 32 tokens, so prefilling joiners
 *   together would save little; prefilling each alone keeps the code simple and exact.
 * - Prefills go first (before the next decode step): a new request's TTFT is then one
 *   prefill plus the others' prefills ahead of it, never a whole generation; the decoding
 *   sequences pause for that long. maxBatch bounds both.
 * - GroupQueryAttention reads per-row lengths from the mask, so a padded batch gives every
 *   row exactly the logits it would get alone (checked at load by DecoderSession.checkBatching;
 *   a graph that fails the check runs unbatched).
 */
import { EngineCrashedError, SlmlabError } from '../errors';
import type { DecoderSession } from './decoder-session';
import type { KvBatch, KvRows } from './kv-batch';
import { Sequence, type SequenceContext } from './sequence';
import type { GenerateRequest, GenerationResult, TextDelta } from './types';

/** A request handed to the scheduler. */
export interface BatchJob {
  id: number;
  request: GenerateRequest;
  /** Polled between steps: true cancels the request (finish reason 'abort'). */
  shouldAbort: () => boolean;
  /** Milliseconds it already waited before reaching the scheduler. */
  queueMs: number;
  onDelta: (d: TextDelta) => void;
  onDone: (r: GenerationResult) => void;
  onError: (e: unknown) => void;
}

interface Waiting { job: BatchJob; arrived: number }

interface Active {
  job: BatchJob;
  seq: Sequence;
  /** Where its cache is: its prefill's tensors until packed, then its row in the batch. */
  kv: KvRows;
  /** Failed on its own (its error already sent). */
  failed?: boolean;
}

export class BatchScheduler {
  private readonly waiting: Waiting[] = [];
  private active: Active[] = [];
  private batch: KvBatch | null = null;
  /** The batch no longer matches `active` (someone joined or left). */
  private dirty = false;
  private running = false;

  constructor(private readonly session: DecoderSession, private readonly ctx: SequenceContext, readonly maxBatch: number) {}

  /** Sequences decoding now plus requests waiting for a slot. */
  get load(): { active: number; waiting: number } { return { active: this.active.length, waiting: this.waiting.length }; }

  add(job: BatchJob): void {
    this.waiting.push({ job, arrived: performance.now() });
    if (!this.running) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length || this.active.length) {
        await this.admit();
        this.leave();
        if (this.active.length) await this.decode();
        this.leave();
        // Let new requests and cancellations in (messages are handled between macrotasks).
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }

  /** Prefills waiting requests, one at a time, while slots are free. */
  private async admit(): Promise<void> {
    while (this.waiting.length && this.active.length < this.maxBatch) {
      const { job, arrived } = this.waiting.shift()!;
      let seq: Sequence;
      try {
        seq = new Sequence(this.ctx, job.request, { onDelta: job.onDelta, shouldAbort: job.shouldAbort, queueMs: job.queueMs + (performance.now() - arrived) });
      } catch (e) {
        job.onError(e);
        continue;
      }
      if (job.shouldAbort()) {
        seq.abort();
        job.onDone(seq.finish());
        continue;
      }
      try {
        const { logits, kv } = await this.session.prefill(seq.ids);
        seq.prefilled(logits);
        this.active.push({ job, seq, kv });
        this.dirty = true;
      } catch (e) {
        job.onError(e);
      }
    }
  }

  /** Answers and drops the sequences that ended. */
  private leave(): void {
    const keep: Active[] = [];
    for (const a of this.active) {
      if (!a.seq.done && a.job.shouldAbort()) a.seq.abort();
      if (!a.seq.done) { keep.push(a); continue; }
      this.dirty = true;
      try {
        a.job.onDone(a.seq.finish());
      } catch (e) {
        a.job.onError(e);
      }
    }
    this.active = keep;
  }

  /** One decode step over every active sequence. */
  private async decode(): Promise<void> {
    if (this.dirty || !this.batch) {
      this.batch = this.session.pack(this.active.map((a) => a.kv));
      this.active.forEach((a, b) => { a.kv = this.batch!.row(b); });
      this.dirty = false;
    }
    const B = this.active.length;
    let step: { logits: Float32Array[]; batch: KvBatch };
    try {
      step = await this.session.decodeBatch(this.batch, this.active.map((a) => a.seq.next));
    } catch (e) {
      // The run failed for the whole batch and nothing says which row caused it: run each
      // sequence alone, so only the ones whose own step fails get the error.
      await this.decodeEachAlone(e);
      return;
    }
    this.batch = step.batch;
    this.active.forEach((a, b) => {
      a.kv = this.batch!.row(b);
      try {
        a.seq.decoded(step.logits[b], B);
      } catch (e) {
        // This sequence's own failure (a sampler or detokenizer error): it alone ends.
        a.seq.abort();
        a.job.onError(e);
        a.failed = true;
      }
    });
    this.active = this.active.filter((a) => !a.failed);
    if (this.active.length !== B) this.dirty = true;
  }

  /** After a failed batched step: one step per sequence, each on its own cache. */
  private async decodeEachAlone(batchError: unknown): Promise<void> {
    const rows = this.active.map((a) => a.kv);
    for (let b = 0; b < this.active.length; b++) {
      const a = this.active[b];
      try {
        const one = await this.session.decodeBatch(this.session.pack([rows[b]]), [a.seq.next]);
        a.kv = one.batch.row(0);
        a.seq.decoded(one.logits[0], 1);
      } catch (e) {
        a.seq.abort();
        a.failed = true;
        const err = e instanceof SlmlabError ? e : new EngineCrashedError(`the model failed during a decode step: ${(e as Error).message ?? String(e)} (the batched step failed too: ${(batchError as Error).message ?? String(batchError)})`);
        a.job.onError(err);
      }
    }
    this.active = this.active.filter((a) => !a.failed);
    this.batch = null;
    this.dirty = true;
  }
}
