/**
 * Model-as-judge: rate rubric items through any OpenAI-compatible endpoint (slmlab's service,
 * Foundry Local, Ollama, vLLM, a cloud API). The judge is asked for a JSON object with the three
 * criteria; a reply without a valid one is kept with its reason, not guessed at. An endpoint that
 * cannot be reached fails with one line naming it (JudgeError).
 *
 *   const rated = await judge(items, { baseURL: 'http://127.0.0.1:5273/v1', model: 'phi-4-mini' });
 */
import OpenAI from 'openai';
import { SlmlabError } from '../errors';
import { RUBRIC_CRITERIA, RUBRIC_GUIDE, type RubricItem, type RubricScores } from './rubric';
import { envValue } from '../environment';

export class JudgeError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 502); }
}

export interface JudgeOptions {
  baseURL: string;
  model: string;
  apiKey?: string;
  maxTokens?: number;
  timeoutMs?: number;
}

export interface JudgedItem {
  id: string;
  model: string;
  judge: string;
  scores: RubricScores | null;
  /** Why there are no scores (the reply held no valid JSON object), else null. */
  problem: string | null;
  reply: string;
}

export function judgePrompt(item: Pick<RubricItem, 'prompt' | 'output'>): string {
  const guide = RUBRIC_CRITERIA.map((c) => `- ${c}: ${RUBRIC_GUIDE[c]}`).join('\n');
  return `Rate the answer below from 1 to 5 on each criterion.\n${guide}\n\nQuestion: ${item.prompt}\n\nAnswer: ${item.output}\n\n`
    + 'Reply with only a JSON object such as {"coherence": 4, "factuality": 3, "brevity": 5}.';
}

/** The first JSON object in `reply` with an integer 1..5 for every criterion, else the problem. */
export function parseJudgeReply(reply: string): { scores: RubricScores } | { problem: string } {
  const m = /\{[^{}]*\}/.exec(reply);
  if (!m) return { problem: 'no JSON object in the reply' };
  let obj: Record<string, unknown>;
  try { obj = JSON.parse(m[0]) as Record<string, unknown>; } catch { return { problem: 'the JSON object in the reply does not parse' }; }
  const scores = {} as RubricScores;
  for (const c of RUBRIC_CRITERIA) {
    const v = obj[c];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5)) return { problem: `${c} is missing or not an integer 1-5` };
    scores[c] = v;
  }
  return { scores };
}

export async function judge(items: readonly RubricItem[], o: JudgeOptions): Promise<JudgedItem[]> {
  const client = new OpenAI({ baseURL: o.baseURL, apiKey: o.apiKey ?? envValue('OPENAI_API_KEY') ?? 'not-needed', maxRetries: 0, timeout: o.timeoutMs ?? 120_000 });
  const out: JudgedItem[] = [];
  for (const item of items) {
    let reply: string;
    try {
      const r = await client.chat.completions.create({
        model: o.model, temperature: 0, max_tokens: o.maxTokens ?? 48,
        messages: [{ role: 'user', content: judgePrompt(item) }],
      });
      reply = r.choices[0]?.message?.content ?? '';
    } catch (e) {
      throw new JudgeError(`judge ${o.model} at ${o.baseURL} failed: ${(e as Error).message}: check that the endpoint is running and serves that model`);
    }
    const p = parseJudgeReply(reply);
    out.push({ id: item.id, model: item.model, judge: o.model, reply, scores: 'scores' in p ? p.scores : null, problem: 'problem' in p ? p.problem : null });
  }
  return out;
}
