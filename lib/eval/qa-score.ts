/**
 * Scoring answers against the expected ones of a QA prompt set (data/prompts/qa-deterministic.json):
 *   exact       the output, trimmed, equals the expected answer;
 *   normalised  equal after normalizeAnswer() (SQuAD's exact-match rule);
 *   contains    the normalised expected answer occurs in the normalised output as whole words
 *               (a chatty "The capital is Paris." still counts).
 * Pure functions over the results' request records: `expected` and `outputText` are in each one.
 *
 *   const scored = scoreRequests(results.requests);   const table = qaScoreTable(scored);
 */
import type { RequestRecord } from '../bench/store/record';
import { normalizeAnswer } from './normalize-answer';

export interface AnswerScore { exact: boolean; normalised: boolean; contains: boolean }

export function scoreAnswer(output: string, expected: string): AnswerScore {
  const o = normalizeAnswer(output);
  const e = normalizeAnswer(expected);
  return {
    exact: output.trim() === expected.trim(),
    normalised: o === e,
    contains: e.length > 0 && ` ${o} `.includes(` ${e} `),
  };
}

export interface ScoredAnswer extends AnswerScore {
  model: string;
  provider: string;
  promptId: string;
  round: number;
  expected: string;
  output: string;
}

/** One scored answer per ok, measured request that has an expected answer. */
export function scoreRequests(requests: readonly RequestRecord[]): ScoredAnswer[] {
  return requests
    .filter((r) => !r.warmup && r.status === 'ok' && typeof r.expected === 'string' && r.expected !== '')
    .map((r) => ({
      model: r.model, provider: r.provider, promptId: r.promptId, round: r.round,
      expected: r.expected as string, output: r.outputText ?? '',
      ...scoreAnswer(r.outputText ?? '', r.expected as string),
    }));
}

export interface QaScoreRow {
  model: string;
  provider: string;
  answers: number;
  exact: number;
  normalised: number;
  contains: number;
  /** Share of answers counted right under each rule, 0..1. */
  exact_rate: number;
  normalised_rate: number;
  contains_rate: number;
}

/** Per model × provider: how many answers each rule counts right. */
export function qaScoreTable(scored: readonly ScoredAnswer[]): QaScoreRow[] {
  const groups = new Map<string, ScoredAnswer[]>();
  for (const s of scored) {
    const k = `${s.model}\u0000${s.provider}`;
    groups.set(k, [...(groups.get(k) ?? []), s]);
  }
  return [...groups.values()].map((g) => {
    const n = g.length;
    const count = (f: keyof AnswerScore) => g.filter((s) => s[f]).length;
    const [exact, normalised, contains] = [count('exact'), count('normalised'), count('contains')];
    return {
      model: g[0].model, provider: g[0].provider, answers: n, exact, normalised, contains,
      exact_rate: exact / n, normalised_rate: normalised / n, contains_rate: contains / n,
    };
  });
}
