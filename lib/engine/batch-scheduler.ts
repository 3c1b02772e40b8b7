/**
 * Continuous batching inside the engine's worker: every decode step is one session.run over
 * all active sequences, new requests join at the next step after their prefill, finished ones
 * leave at once.
 *
 *   loop:
 *     admit   take the waiting requests while fewer than maxBatch sequences run, and prefill
 *             them together in one run ([B, S], right-padded: batch-prefill.ts); each samples
 *             its first token (its TTFT ends here) and keeps its rows of the cache. A prompt
 *             longer than the prefill chunk gets only its first chunk in that run
 *     chunk   one more chunk ([1, C] after its cache) of the oldest prompt still prefilling
 *     pack    if sequences joined or left since the last step: repack the batch (kv-batch.ts)
 *     decode  one run over the batch ([B, 1]); each sequence samples from its own row with
 *             its own sampler, stop strings and max tokens (sequence.ts)
 *     leave   finished, cancelled or failed sequences are answered and dropped from the batch
 *     yield   to the event loop, so new requests and cancellations arrive between steps
 *
 * Why this design (measured on the 2-core machine, qwen2.5-0.5b int4 twin; see
 * docs/prefill-and-batching.md):
 * - A decode step reads every weight once whatever B is, so steps of B sequences cost far
 *   less than B steps. A prefill of several prompts reads the weights once too, and its matmuls
 *   run on more rows at once, so prompts that arrive together get their first tokens after one
 *   run instead of after each other's prefills.
 * - Prefills go first (before the next decode step); a long prompt (more tokens than
 *   prefillChunk) is cut into chunks with a decode step between two chunks, so the running
 *   sequences pause for one chunk at a time, not for the whole prompt.
 * - GroupQueryAttention reads per-row lengths from the mask, so a padded batch gives every
 *   row exactly the logits it would get alone (checked at load by DecoderSession.checkBatching
 *   and checkPrefillBatching; a graph that fails the first runs unbatched, one that fails the
 *   second prefills one prompt at a time).
 */
import { EngineCrashedError, SlmlabError } from '../errors';
import type { DecoderSession } from './decoder-session';
import type { KvBatch, KvRows } from './kv-batch';
import { Sequence, type SequenceContext } from './sequence';
import { chunksOf } from './batch-prefill';
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

/** How prompts are prefilled (decided at load: see worker.ts). */
export interface PrefillPolicy {
  /** Prefill prompts that wait together in one run (false: one run per prompt). */
  batched: boolean;
  /** Longest prefill run for one prompt, in tokens; longer prompts go in chunks. 0: whole prompts. */
  chunk: number;
}

/** A prompt whose prefill is under way in chunks. */
interface Prefilling { job: BatchJob; seq: Sequence; kv: KvRows; chunks: number[][]; batchSize: number; runs: number }

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
  private prefilling: Prefilling[] = [];
  private batch: KvBatch | null = null;
  /** The batch no longer matches `active` (someone joined or left). */
  private dirty = false;
  private running = false;

  constructor(
    private readonly session: DecoderSession,
    private readonly ctx: SequenceContext,
    readonly maxBatch: number,
    readonly prefill: PrefillPolicy = { batched: false, chunk: 0 },
  ) {}

  /** Sequences decoding (or prefilling in chunks) now plus requests waiting for a slot. */
  get load(): { active: number; waiting: number } { return { active: this.active.length + this.prefilling.length, waiting: this.waiting.length }; }

  add(job: BatchJob): void {
    this.waiting.push({ job, arrived: performance.now() });
    if (!this.running) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length || this.active.length || this.prefilling.length) {
        await this.admit();
        await this.chunk();
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

  /** Takes waiting requests while slots are free and prefills them (their first chunk) together. */
  private async admit(): Promise<void> {
    const taken: { job: BatchJob; seq: Sequence; chunks: number[][] }[] = [];
    while (this.waiting.length && this.active.length + this.prefilling.length + taken.length < this.maxBatch) {
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
      taken.push({ job, seq, chunks: chunksOf(seq.ids, this.prefill.chunk) });
    }
    if (!taken.length) return;
    const groups = this.prefill.batched ? [taken] : taken.map((t) => [t]);
    for (const group of groups) {
      let results: Awaited<ReturnType<DecoderSession['prefillBatch']>>;
      try {
        results = await this.session.prefillBatch(group.map((t) => t.chunks[0]));
      } catch (e) {
        if (group.length > 1) {
          // Nothing says which prompt broke the run: prefill each alone so only its own fails.
          for (const t of group) await this.prefillAlone(t);
        } else {
          group[0].job.onError(e);
        }
        continue;
      }
      group.forEach((t, b) => this.prefilled(t.job, t.seq, results[b], t.chunks.slice(1), group.length, 1));
    }
  }

  private async prefillAlone(t: { job: BatchJob; seq: Sequence; chunks: number[][] }): Promise<void> {
    try {
      const [r] = await this.session.prefillBatch([t.chunks[0]]);
      this.prefilled(t.job, t.seq, r, t.chunks.slice(1), 1, 1);
    } catch (e) {
      t.job.onError(e);
    }
  }

  /** After a prefill run: the sequence starts decoding, or waits for its remaining chunks. */
  private prefilled(job: BatchJob, seq: Sequence, r: { logits: Float32Array; kv: KvRows }, rest: number[][], batchSize: number, runs: number): void {
    if (rest.length) {
      this.prefilling.push({ job, seq, kv: r.kv, chunks: rest, batchSize, runs });
      return;
    }
    try {
      seq.prefilled(r.logits, batchSize, runs);
    } catch (e) {
      seq.abort();
      job.onError(e);
      return;
    }
    this.active.push({ job, seq, kv: r.kv });
    this.dirty = true;
  }

  /** One more chunk of the oldest prompt still prefilling (cancelled ones are answered and dropped). */
  private async chunk(): Promise<void> {
    for (const p of this.prefilling.filter((x) => x.job.shouldAbort())) {
      p.seq.abort();
      p.job.onDone(p.seq.finish());
    }
    this.prefilling = this.prefilling.filter((x) => !x.seq.done);
    const p = this.prefilling.shift();
    if (!p) return;
    let r: { logits: Float32Array; kv: KvRows };
    try {
      r = await this.session.prefillChunk(p.kv, p.chunks[0]);
    } catch (e) {
      p.seq.abort();
      p.job.onError(e);
      return;
    }
    if (p.chunks.length > 1) {
      // Back to the front: it keeps its turn before prompts that arrived after it.
      this.prefilling.unshift({ ...p, kv: r.kv, chunks: p.chunks.slice(1), runs: p.runs + 1 });
      return;
    }
    this.prefilled(p.job, p.seq, r, [], p.batchSize, p.runs + 1);
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
