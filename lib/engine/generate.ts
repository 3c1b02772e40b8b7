/**
 * The solo generation loop: template -> tokens -> prefill -> sample -> decode ... -> stop,
 * one sequence on its own KV cache. The worker uses it when a model runs unbatched
 * (maxBatch 1); tests and benchmarks run it in-process. The batched path is
 * batch-scheduler.ts; both drive the same per-request state (sequence.ts).
 */
import type { DecoderSession } from './decoder-session';
import { Sequence, type GenerationHooks, type SequenceContext } from './sequence';
import type { GenerateRequest, GenerationResult } from './types';

export { DEFAULT_MAX_TOKENS, promptIds, validateRequest, type GenerationHooks } from './sequence';

export interface GenerationContext extends SequenceContext {
  session: DecoderSession;
}

export async function generate(ctx: GenerationContext, req: GenerateRequest, hooks: GenerationHooks = {}): Promise<GenerationResult> {
  const seq = new Sequence(ctx, req, hooks);
  const { session } = ctx;
  session.reset();
  seq.prefilled(await session.step(seq.ids));
  while (!seq.done) seq.decoded(await session.step([seq.next]));
  const result = seq.finish();
  const copies = session.copyCounts;
  if (copies) result.timings.copies = copies;
  return result;
}
