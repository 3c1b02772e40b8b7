/**
 * The session-4 rubric: each answer rated 1–5 on coherence, factuality and brevity by the class,
 * in an annotation file (JSON) that the notebook writes and people fill in. Writing again keeps
 * every score already given (matched by item id), so re-running the notebook loses no rating.
 *
 *   writeRubricFile('results/session04/rubric.json', items);     // scores null: to fill in
 *   const rated = readRubricFile('results/session04/rubric.json'); // checked: integers 1..5 or null
 *   rubricSummary(rated.items)                                     // mean per model and criterion
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlmlabError } from '../errors';
import type { RequestRecord } from '../bench/store/record';
import { loadPromptLibrary, type PromptSet } from '../bench/grid';

export const RUBRIC_CRITERIA = ['coherence', 'factuality', 'brevity'] as const;
export type RubricCriterion = (typeof RUBRIC_CRITERIA)[number];
export type RubricScores = Record<RubricCriterion, number | null>;

export const RUBRIC_GUIDE: Record<RubricCriterion, string> = {
  coherence: '1 = word salad, 3 = readable but wandering, 5 = clear and well ordered',
  factuality: '1 = false or invented, 3 = partly right, 5 = correct and checkable',
  brevity: '1 = padded or cut off, 3 = somewhat long, 5 = says it in as few words as needed',
};

export interface RubricItem {
  id: string;
  model: string;
  prompt: string;
  output: string;
  scores: RubricScores;
  rater: string;
  notes: string;
}

export interface RubricFile {
  about: string;
  scale: { min: 1; max: 5 };
  guide: Record<RubricCriterion, string>;
  items: RubricItem[];
}

/** The annotation file is malformed: every problem is listed with the item it is in. */
export class RubricError extends SlmlabError {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super('invalid_request', `rubric file ${file}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}: fix the scores (integers 1 to 5, or null when not rated) and run the cell again`, 400);
    this.problems = problems;
  }
}

const emptyScores = (): RubricScores => ({ coherence: null, factuality: null, brevity: null });

export function rubricItem(o: { id: string; model: string; prompt: string; output: string }): RubricItem {
  return { ...o, scores: emptyScores(), rater: '', notes: '' };
}

/**
 * One item per model × prompt from a results file's requests: the first measured, ok answer,
 * with the prompt's user text looked up in the prompt library (the id when it is not there).
 */
export function rubricItemsFromRequests(requests: readonly RequestRecord[], library: readonly PromptSet[] = loadPromptLibrary()): RubricItem[] {
  const text = (r: RequestRecord) => {
    const p = library.find((s) => s.id === r.promptSetId)?.prompts.find((q) => q.id === r.promptId);
    return [...(p?.messages ?? [])].reverse().find((m) => m.role === 'user')?.content ?? r.promptId;
  };
  const seen = new Set<string>();
  const out: RubricItem[] = [];
  for (const r of [...requests].sort((a, b) => a.round - b.round)) {
    if (r.warmup || r.status !== 'ok') continue;
    const id = `${r.model}/${r.promptSetId}#${r.promptId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(rubricItem({ id, model: r.model, prompt: text(r), output: r.outputText ?? '' }));
  }
  return out;
}

/** Parses and checks an annotation file's text. */
export function parseRubric(text: string, file = '(rubric)'): RubricFile {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new RubricError(file, [`not JSON (${(e as Error).message})`]); }
  const items = (raw as { items?: unknown }).items;
  if (!Array.isArray(items)) throw new RubricError(file, ['no "items" list']);
  const problems: string[] = [];
  items.forEach((it: Partial<RubricItem>, i) => {
    const at = `items[${i}]${typeof it?.id === 'string' ? ` (${it.id})` : ''}`;
    if (typeof it?.id !== 'string' || typeof it.model !== 'string') { problems.push(`${at}: needs "id" and "model" strings`); return; }
    for (const c of RUBRIC_CRITERIA) {
      const v = (it.scores as Partial<RubricScores> | undefined)?.[c];
      if (v !== null && v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 5)) problems.push(`${at}: ${c} is ${JSON.stringify(v)}`);
    }
  });
  if (problems.length) throw new RubricError(file, problems);
  return raw as RubricFile;
}

export function readRubricFile(file: string): RubricFile {
  return parseRubric(fs.readFileSync(file, 'utf8'), file);
}

/**
 * Writes `items` to `file`, keeping the scores, rater and notes of items already there (same
 * id). Written to a temporary name and renamed: a reader never sees half a file.
 */
export function writeRubricFile(file: string, items: readonly RubricItem[]): RubricFile {
  const old = fs.existsSync(file) ? readRubricFile(file) : null;
  const byId = new Map((old?.items ?? []).map((it) => [it.id, it]));
  const merged = items.map((it) => {
    const prev = byId.get(it.id);
    return prev ? { ...it, scores: { ...emptyScores(), ...prev.scores }, rater: prev.rater ?? '', notes: prev.notes ?? '' } : it;
  });
  const out: RubricFile = {
    about: 'Rate each output 1-5 per criterion (null = not rated yet). Keep ids; re-running the notebook keeps your scores.',
    scale: { min: 1, max: 5 }, guide: RUBRIC_GUIDE, items: merged,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(out, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return out;
}

export interface RubricSummaryRow {
  model: string;
  items: number;
  rated: number;
  coherence: number | null;
  factuality: number | null;
  brevity: number | null;
}

/** Mean score per model and criterion over rated items (null when none is rated). */
export function rubricSummary(items: readonly Pick<RubricItem, 'model' | 'scores'>[]): RubricSummaryRow[] {
  const models = [...new Set(items.map((i) => i.model))];
  return models.map((model) => {
    const own = items.filter((i) => i.model === model);
    const mean = (c: RubricCriterion) => {
      const v = own.map((i) => i.scores[c]).filter((x): x is number => typeof x === 'number');
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    const rated = own.filter((i) => RUBRIC_CRITERIA.some((c) => typeof i.scores[c] === 'number')).length;
    return { model, items: own.length, rated, coherence: mean('coherence'), factuality: mean('factuality'), brevity: mean('brevity') };
  });
}
