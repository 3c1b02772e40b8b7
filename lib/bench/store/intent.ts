/**
 * Resume safety: a results file belongs to one experiment. Before appending, the runner
 * checks that every run already in the file was made with the same intent (RunRecord.intentHash:
 * the grid hash, or a search's hash) and refuses otherwise, saying what differs (rounds,
 * maxTokens, prompts, ...) and how to start fresh or append on purpose.
 */
import { canonicalJson } from '../grid/hash';
import { ResultsMismatchError } from './errors';
import type { ResultsFile } from './results';
import { intentOf } from './run-record';

const short = (h: string) => h.slice(0, 12);

/** "rounds: 3 -> 5" for every top-level setting that differs. */
export function settingDifferences(before: Record<string, unknown> | undefined, now: Record<string, unknown>): string[] {
  if (!before) return [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  const show = (v: unknown) => (v === undefined ? '(default)' : canonicalJson(v).slice(0, 80));
  return keys.filter((k) => canonicalJson(before[k]) !== canonicalJson(now[k])).map((k) => `${k}: ${show(before[k])} -> ${show(now[k])}`);
}

export interface IntentCheck {
  intentHash: string;
  settings: Record<string, unknown>;
  /** How the CLI spells the two ways out (the library names its options). */
  fresh?: string;
  append?: string;
}

/** Throws ResultsMismatchError when `stored` holds work of another intent. */
export function checkIntent(stored: ResultsFile, want: IntentCheck): void {
  const otherRuns = stored.runs.filter((r) => intentOf(r) !== want.intentHash);
  // Files from before run lines carried an intent: requests of another grid hash say the same.
  const otherGrids = stored.runs.length === 0 ? [...new Set(stored.requests.map((r) => r.gridHash))].filter((h) => h !== want.intentHash) : [];
  if (otherRuns.length === 0 && otherGrids.length === 0) return;
  const first = otherRuns[0] as (typeof otherRuns)[number] & { settings?: Record<string, unknown> } | undefined;
  const differences = settingDifferences(first?.settings, want.settings);
  const what = differences.length ? `: ${differences.join('; ')}` : ` (grid ${short(first ? intentOf(first) : otherGrids[0])}, now ${short(want.intentHash)}; the prompts' content or other settings differ)`;
  throw new ResultsMismatchError(
    `${stored.file} holds results made with other settings${what}. Start fresh with ${want.fresh ?? '`fresh: true`'} (or write to another folder), or add to it on purpose with ${want.append ?? '`append: true`'}`,
    stored.file, differences,
  );
}
