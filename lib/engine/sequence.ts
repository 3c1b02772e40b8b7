/**
 * One request's generation, token by token: sampling, end of sequence, stop strings, max
 * tokens, streamed text and timings. It does not run the model: the solo loop (generate.ts)
 * and the batch scheduler (batch-scheduler.ts) both feed it the logits of its next position,
 * so a request behaves the same whether it runs alone or in a batch.
 *
 *   const seq = new Sequence(ctx, request, hooks);       // validates and tokenizes (start of its TTFT)
 *   seq.prefilled(logits)                                // prompt's last-position logits [V]
 *   while (!seq.done) seq.decoded(logits, batchSize)     // one decode step's logits [V]
 *   const result = seq.finish();
 */
import { ContextLengthError, InvalidRequestError } from '../errors';
import type { TextTokenizer } from './tokenizer';
import { createSampler, validateSampling } from './sampling';
import { StopStringFilter } from './stop-strings';
import type { StreamDecoder } from './stream-decoder';
import type { FinishReason, GenerateRequest, GenerationResult, TextDelta } from './types';
import type { ModelFolder } from './model-folder';
import type { ProviderName } from './providers';
import { templateNote } from './chat-template';

export const DEFAULT_MAX_TOKENS = 256;

export interface SequenceContext {
  tokenizer: TextTokenizer;
  folder: ModelFolder;
  provider: ProviderName;
}

export interface GenerationHooks {
  onDelta?: (d: TextDelta) => void;
  /** Polled between tokens; true ends generation with finish reason 'abort'. */
  shouldAbort?: () => boolean;
  /** Milliseconds the request waited before this sequence was created (for a batch slot, behind other prefills). */
  queueMs?: number;
}

/** Checks a request before any work is done; throws InvalidRequestError naming the field. */
export function validateRequest(req: GenerateRequest): void {
  if (req.messages !== undefined) {
    if (!Array.isArray(req.messages) || req.messages.length === 0) throw new InvalidRequestError('messages must be a non-empty array of {role, content}', 'messages');
  } else if (typeof req.prompt !== 'string' || req.prompt.length === 0) {
    throw new InvalidRequestError('give a non-empty prompt (or messages)', 'prompt');
  }
  const max = req.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isInteger(max) || max <= 0) throw new InvalidRequestError(`max_tokens must be a positive integer, got ${String(req.maxTokens)}: ask for at least 1 token`, 'max_tokens');
  if (req.stop !== undefined && (!Array.isArray(req.stop) || req.stop.some((s) => typeof s !== 'string' || s.length === 0))) {
    throw new InvalidRequestError('stop must be an array of non-empty strings', 'stop');
  }
  validateSampling({ temperature: req.temperature, topP: req.topP, topK: req.topK, seed: req.seed });
}

export function promptIds(tokenizer: TextTokenizer, req: GenerateRequest): number[] {
  if (req.messages) return tokenizer.encodeChat(req.messages);
  if (req.raw) return tokenizer.encode(req.prompt ?? '', { addSpecialTokens: true });
  return tokenizer.encodeChat([{ role: 'user', content: req.prompt ?? '' }]);
}

export class Sequence {
  /** Prompt token ids. */
  readonly ids: number[];
  /** The token to feed at the next decode step (valid while !done). */
  next = -1;
  done = false;
  private readonly start: number;
  private readonly tokenized: number;
  private prefillMs = 0;
  private last = 0;
  private readonly maxTokens: number;
  /** templateNote() of the chat format, when the prompt went through it (not for raw prompts). */
  private readonly note: string | null;
  private readonly sample: (logits: Float32Array) => number;
  private readonly eos: Set<number>;
  private readonly decoder: StreamDecoder;
  private readonly stops: StopStringFilter;
  private readonly generated: number[] = [];
  private readonly decodeMs: number[] = [];
  private readonly batchSizes: number[] = [];
  private prefillBatch = 1;
  private prefillRuns = 1;
  private text = '';
  private firstTextAt: number | null = null;
  private finishReason: FinishReason = 'length';

  /** Validates, tokenizes and checks the context length; throws typed errors. */
  constructor(private readonly ctx: SequenceContext, private readonly req: GenerateRequest, private readonly hooks: GenerationHooks = {}) {
    this.start = performance.now();
    validateRequest(req);
    const sampling = validateSampling({ temperature: req.temperature, topP: req.topP, topK: req.topK, seed: req.seed });
    this.maxTokens = req.maxTokens ?? DEFAULT_MAX_TOKENS;
    const { tokenizer, folder } = ctx;
    this.ids = promptIds(tokenizer, req);
    this.note = req.raw && !req.messages ? null : templateNote(tokenizer.templateSource);
    this.tokenized = performance.now();
    const context = folder.contextLength;
    if (this.ids.length === 0) throw new InvalidRequestError('the prompt encodes to no tokens: give some text', 'prompt');
    if (this.ids.length >= context) {
      throw new ContextLengthError(`the prompt has ${this.ids.length} tokens but ${folder.name} holds ${context}: shorten the prompt`);
    }
    if (this.ids.length + this.maxTokens > context) {
      throw new ContextLengthError(`the prompt (${this.ids.length} tokens) plus max_tokens (${this.maxTokens}) exceeds ${folder.name}'s context of ${context} tokens: set max_tokens to ${context - this.ids.length} or less, or shorten the prompt`);
    }
    this.sample = createSampler(sampling);
    this.eos = new Set(folder.eosTokenIds);
    this.decoder = tokenizer.createStreamDecoder();
    this.stops = new StopStringFilter(req.stop ?? []);
  }

  /** The prompt's last-position logits [V]: samples the first token. `batchSize` prompts shared its prefill run; it took `runs` runs (chunks). */
  prefilled(logits: Float32Array, batchSize = 1, runs = 1): void {
    this.prefillBatch = batchSize;
    this.prefillRuns = runs;
    const token = this.sample(logits);
    this.last = performance.now();
    this.prefillMs = this.last - this.tokenized;
    this.accept(token);
  }

  /** One decode step's logits [V] for this sequence, computed in a batch of `batchSize`. */
  decoded(logits: Float32Array, batchSize = 1): void {
    const token = this.sample(logits);
    const now = performance.now();
    this.decodeMs.push(now - this.last);
    this.batchSizes.push(batchSize);
    this.last = now;
    this.accept(token);
  }

  /** Ends the sequence now (cancellation) unless it already ended. */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.finishReason = 'abort';
  }

  private accept(token: number): void {
    if (this.eos.has(token)) return this.end('stop');
    this.generated.push(token);
    this.emit(this.stops.push(this.decoder.push(token)), token);
    if (this.stops.stopped) return this.end('stop');
    if (this.generated.length >= this.maxTokens) return this.end('length');
    if (this.hooks.shouldAbort?.()) return this.end('abort');
    this.next = token;
  }

  private end(reason: FinishReason): void {
    this.done = true;
    this.finishReason = reason;
  }

  private emit(piece: string, tokenId: number): void {
    if (!piece) return;
    this.firstTextAt ??= performance.now();
    this.text += piece;
    this.hooks.onDelta?.({ text: piece, index: this.generated.length - 1, tokenId, promptTokens: this.ids.length });
  }

  /** Flushes held-back text and returns the plain result record. */
  finish(): GenerationResult {
    const last = this.generated[this.generated.length - 1] ?? -1;
    if (!this.stops.stopped) {
      this.emit(this.stops.push(this.decoder.flush()), last);
      if (this.stops.stopped) this.finishReason = 'stop';
      else this.emit(this.stops.flush(), last);
    }
    const end = performance.now();
    const decodeTotal = this.decodeMs.reduce((a, b) => a + b, 0);
    const tokenizeMs = this.tokenized - this.start;
    return {
      text: this.text,
      finishReason: this.finishReason,
      promptTokens: this.ids.length,
      completionTokens: this.generated.length,
      tokenIds: this.generated,
      timings: {
        queueMs: this.hooks.queueMs ?? 0,
        tokenizeMs,
        prefillMs: this.prefillMs,
        ttftMs: tokenizeMs + this.prefillMs,
        firstTextMs: this.firstTextAt === null ? null : this.firstTextAt - this.start,
        decodeMs: this.decodeMs,
        totalMs: end - this.start,
        decodeBatchSizes: this.batchSizes,
        prefillBatchSize: this.prefillBatch,
        prefillRuns: this.prefillRuns,
      },
      decodeTokensPerSecond: this.decodeMs.length > 0 && decodeTotal > 0 ? (this.decodeMs.length / decodeTotal) * 1000 : null,
      model: this.ctx.folder.name,
      provider: this.ctx.provider,
      synthetic: this.ctx.folder.synthetic !== null,
      ...(this.note === null ? {} : { templateNote: this.note }),
    };
  }
}
