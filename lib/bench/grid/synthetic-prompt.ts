/**
 * Synthetic prompts of a given length, for the `inputTokens` axis ("consistent performance
 * across input lengths"). The text is common one-syllable English words, each of which BPE
 * tokenizers (GPT-2/4o, Llama 3, Qwen) encode as one token with its leading space, so n
 * words come to about n tokens; the endpoint's own count lands in each record's promptTokens.
 * Deterministic: the same length and seed give the same text (the cellId depends on it).
 */
import { streamFor } from '../../util/rng';
import type { PromptMessage } from './prompts';

const WORDS = ('the of and to in is it you that he was for on are with as his they be at one have this from or had by but '
  + 'not what all were we when your can said there use an each which she do how their if will up other about out many then '
  + 'them these so some her would make like him into time has look two more write go see number no way could people my than '
  + 'first water been call who oil its now find long down day did get come made may part').split(' ');

/** About `tokens` tokens of filler text (the request's chat template adds a few more). */
export function syntheticText(tokens: number, seed = 0): string {
  const rng = streamFor(seed, `input-tokens/${tokens}`);
  const words: string[] = [];
  for (let i = 0; i < tokens; i++) words.push(WORDS[Math.floor(rng() * WORDS.length)]);
  return words.join(' ');
}

/** The one-message prompt a cell with `inputTokens` sends. */
export function syntheticMessages(tokens: number, seed = 0): PromptMessage[] {
  return [{ role: 'user', content: syntheticText(tokens, seed) }];
}

/** The prompt set id and prompt id that records of such cells carry. */
export const SYNTHETIC_SET_ID = 'synthetic';
export const syntheticPromptId = (tokens: number): string => `input-${tokens}`;
