/**
 * The generation loop: template -> tokens -> prefill -> sample -> decode ... -> stop.
 * It is independent of threads: the worker runs it, and tests can run it in-process.
 */
import { ContextLengthError, InvalidRequestError } from '../errors';
import type { DecoderSession } from './decoder-session';
import type { TextTokenizer } from './tokenizer';
import { createSampler, validateSampling } from './sampling';
import { StopStringFilter } from './stop-strings';
import type { FinishReason, GenerateRequest, GenerationResult, TextDelta } from './types';
import type { ModelFolder } from './model-folder';
import type { ProviderName } from './providers';

export const DEFAULT_MAX_TOKENS = 256;

export interface GenerationContext {
  session: DecoderSession;
  tokenizer: TextTokenizer;
  folder: ModelFolder;
  provider: ProviderName;
}

export interface GenerationHooks {
  onDelta?: (d: TextDelta) => void;
  /** Polled between tokens; true ends generation with finish reason 'abort'. */
  shouldAbort?: () => boolean;
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

export async function generate(ctx: GenerationContext, req: GenerateRequest, hooks: GenerationHooks = {}): Promise<GenerationResult> {
  const start = performance.now();
  validateRequest(req);
  const sampling = validateSampling({ temperature: req.temperature, topP: req.topP, topK: req.topK, seed: req.seed });
  const maxTokens = req.maxTokens ?? DEFAULT_MAX_TOKENS;
  const { session, tokenizer, folder } = ctx;

  const ids = promptIds(tokenizer, req);
  const tokenized = performance.now();
  const context = folder.contextLength;
  if (ids.length === 0) throw new InvalidRequestError('the prompt encodes to no tokens: give some text', 'prompt');
  if (ids.length >= context) {
    throw new ContextLengthError(`the prompt has ${ids.length} tokens but ${folder.name} holds ${context}: shorten the prompt`);
  }
  if (ids.length + maxTokens > context) {
    throw new ContextLengthError(`the prompt (${ids.length} tokens) plus max_tokens (${maxTokens}) exceeds ${folder.name}'s context of ${context} tokens: set max_tokens to ${context - ids.length} or less, or shorten the prompt`);
  }

  const sample = createSampler(sampling);
  const eos = new Set(folder.eosTokenIds);
  const decoder = tokenizer.createStreamDecoder();
  const stops = new StopStringFilter(req.stop ?? []);
  const generated: number[] = [];
  const decodeMs: number[] = [];
  let text = '';
  let firstTextAt: number | null = null;
  let finish: FinishReason = 'length';

  const emit = (piece: string, tokenId: number) => {
    if (!piece) return;
    firstTextAt ??= performance.now();
    text += piece;
    hooks.onDelta?.({ text: piece, index: generated.length - 1, tokenId, promptTokens: ids.length });
  };

  session.reset();
  let next = sample(await session.step(ids));
  let last = performance.now();
  const prefillMs = last - tokenized;
  for (;;) {
    if (eos.has(next)) { finish = 'stop'; break; }
    generated.push(next);
    emit(stops.push(decoder.push(next)), next);
    if (stops.stopped) { finish = 'stop'; break; }
    if (generated.length >= maxTokens) { finish = 'length'; break; }
    if (hooks.shouldAbort?.()) { finish = 'abort'; break; }
    next = sample(await session.step([next]));
    const now = performance.now();
    decodeMs.push(now - last);
    last = now;
  }
  if (!stops.stopped) {
    emit(stops.push(decoder.flush()), generated[generated.length - 1] ?? -1);
    if (stops.stopped) finish = 'stop';
    else emit(stops.flush(), generated[generated.length - 1] ?? -1);
  }

  const end = performance.now();
  const decodeTotal = decodeMs.reduce((a, b) => a + b, 0);
  return {
    text,
    finishReason: finish,
    promptTokens: ids.length,
    completionTokens: generated.length,
    tokenIds: generated,
    timings: {
      queueMs: hooks.queueMs ?? 0,
      tokenizeMs: tokenized - start,
      prefillMs,
      ttftMs: (tokenized - start) + prefillMs,
      firstTextMs: firstTextAt === null ? null : firstTextAt - start,
      decodeMs,
      totalMs: end - start,
    },
    decodeTokensPerSecond: decodeMs.length > 0 && decodeTotal > 0 ? (decodeMs.length / decodeTotal) * 1000 : null,
    model: folder.name,
    provider: ctx.provider,
    synthetic: folder.synthetic !== null,
  };
}
