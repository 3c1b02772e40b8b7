/**
 * How far int8 prefill (int8-prefill.ts) moves a model's numbers, measured before it is offered:
 * the workshop prompts (data/prompts/workshop.json, the user turns, chat template applied) are
 * prefilled once with the model's own weights and once with the int8 copy, and the first
 * token's distributions are compared as `slmlab model compare` compares two models
 * (lib/quantize/fidelity.ts): KL(own || int8) of the softmaxes, and top-1 agreement.
 * scripts/bench/batching.ts prints it beside the int8-prefill timings.
 */
import * as path from 'node:path';
import { DEFAULT_PROMPTS_DIR, loadPromptSet } from '../bench/grid/prompts';
import { klDivergence, logSoftmax } from './fidelity';
import { DecoderSession } from '../engine/decoder-session';
import { argmax } from '../engine/sampling';
import { TextTokenizer } from '../engine/tokenizer';

/** The user turns of the workshop prompt set: what a class sends first. */
export function fidelityPrompts(): string[] {
  return loadPromptSet(path.join(DEFAULT_PROMPTS_DIR, 'workshop.json')).prompts
    .flatMap((p) => p.messages.filter((m) => m.role === 'user').map((m) => m.content));
}

export interface FirstTokenFidelity {
  prompts: number;
  /** Mean and largest KL(own prefill || int8 prefill) of the first token's distribution, nats. */
  meanKl: number;
  maxKl: number;
  /** Prompts whose first greedy token is the same. */
  top1Agree: number;
  /** With last-position logits on both sides (as the service loads). */
  lastPositionLogits: boolean;
}

export async function firstTokenFidelity(onnxPath: string, opts: { threads?: number; lastPositionLogits?: boolean; prompts?: string[] } = {}): Promise<FirstTokenFidelity> {
  const tokenizer = await TextTokenizer.fromFolder(path.dirname(onnxPath));
  const texts = opts.prompts ?? fidelityPrompts();
  const base = { provider: 'cpu' as const, threads: opts.threads ?? 0, lastPositionLogits: opts.lastPositionLogits === true };
  const own = await DecoderSession.create(onnxPath, base);
  const int8 = await DecoderSession.create(onnxPath, { ...base, prefillWeights: 'int8' });
  try {
    let sum = 0;
    let max = 0;
    let agree = 0;
    for (const text of texts) {
      const ids = tokenizer.encodeChat([{ role: 'user', content: text }], { addGenerationPrompt: true });
      const p = (await own.prefill(ids)).logits;
      const q = (await int8.prefill(ids)).logits;
      const kl = klDivergence(logSoftmax(p), logSoftmax(q));
      sum += kl;
      max = Math.max(max, kl);
      if (argmax(p) === argmax(q)) agree++;
    }
    return { prompts: texts.length, meanKl: sum / texts.length, maxKl: max, top1Agree: agree, lastPositionLogits: base.lastPositionLogits };
  } finally {
    await own.release();
    await int8.release();
  }
}
