/**
 * Prompt sets: the prompts a grid sends, one JSON file per set in data/prompts/.
 *
 *   { "id": "workshop", "description": "...",
 *     "prompts": [ { "id": "rag-brief",
 *                    "messages": [ { "role": "user", "content": "Explain retrieval augmented generation briefly." } ],
 *                    "expected": "..." } ] }
 *
 * A grid names a set by id ("workshop") or one prompt of it ("workshop#rag-brief"), or
 * carries a set inline (that is how BENCH_PROMPT and COMPARE_PROMPT become a set).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorText } from '../../errors';
import { GridError, problemsMessage } from './errors';
import { Problems, isObj, join, str, unknownKeys, show } from './problems';

export type PromptRole = 'system' | 'user' | 'assistant';
export interface PromptMessage { role: PromptRole; content: string }

export interface Prompt {
  /** Unique within its set: [a-z0-9][a-z0-9._-]*. */
  id: string;
  /** The chat sent as is; the last message is the user's. */
  messages: PromptMessage[];
  /**
   * For deterministic QA sets: the answer a correct output contains (compared
   * case-insensitively as a substring). Absent for open-ended prompts.
   */
  expected?: string;
}

export interface PromptSet {
  $schema?: string;
  /** The set's name, as grids refer to it; a file's id equals its file name without .json. */
  id: string;
  description: string;
  prompts: Prompt[];
}

/** data/prompts/, found from the compiled file (dist/lib/bench/grid -> ../../../../data). */
export const DEFAULT_PROMPTS_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'data', 'prompts');

export const PROMPT_ROLES: readonly PromptRole[] = ['system', 'user', 'assistant'];
const ID = /^[a-z0-9][a-z0-9._-]*$/;

export function idProblem(v: string): string | null {
  return ID.test(v) ? null : `expected lowercase letters, digits, '.', '_' or '-' (starting with a letter or digit), got ${show(v)}`;
}

/** Adds every problem of a prompt set found at `at` ('' for a file's root). */
export function checkPromptSet(p: Problems, at: string, v: unknown): void {
  const where = at === '' ? '(root)' : at;
  if (!isObj(v)) { p.add(where, 'expected a prompt set {id, description, prompts: [...]}'); return; }
  unknownKeys(p, at, v, ['$schema', 'id', 'description', 'prompts']);
  if (str(p, join(at, 'id'), v.id)) { const why = idProblem(v.id); if (why) p.add(join(at, 'id'), why); }
  str(p, join(at, 'description'), v.description, { text: true });
  if (!Array.isArray(v.prompts) || v.prompts.length === 0) { p.add(join(at, 'prompts'), 'expected a non-empty array of prompts'); return; }
  const seen = new Map<string, string>();
  v.prompts.forEach((q, i) => {
    const qat = join(join(at, 'prompts'), i);
    if (!isObj(q)) { p.add(qat, 'expected a prompt {id, messages, expected?}'); return; }
    unknownKeys(p, qat, q, ['id', 'messages', 'expected']);
    if (str(p, join(qat, 'id'), q.id)) {
      const why = idProblem(q.id);
      if (why) p.add(join(qat, 'id'), why);
      const prev = seen.get(q.id);
      if (prev) p.add(join(qat, 'id'), `duplicate prompt id ${show(q.id)} (also at ${prev})`);
      else seen.set(q.id, join(qat, 'id'));
    }
    if (q.expected !== undefined) str(p, join(qat, 'expected'), q.expected, { text: true });
    if (!Array.isArray(q.messages) || q.messages.length === 0) { p.add(join(qat, 'messages'), 'expected a non-empty array of {role, content}'); return; }
    q.messages.forEach((m, j) => {
      const mat = join(join(qat, 'messages'), j);
      if (!isObj(m)) { p.add(mat, 'expected a message {role, content}'); return; }
      unknownKeys(p, mat, m, ['role', 'content']);
      if (typeof m.role !== 'string' || !(PROMPT_ROLES as readonly string[]).includes(m.role)) {
        p.add(join(mat, 'role'), `expected one of ${PROMPT_ROLES.join(', ')}${m.role === undefined ? '' : `, got ${show(m.role)}`}`);
      }
      str(p, join(mat, 'content'), m.content, { text: true });
    });
    const last = q.messages[q.messages.length - 1];
    if (isObj(last) && last.role !== 'user' && (PROMPT_ROLES as readonly unknown[]).includes(last.role)) {
      p.add(join(join(qat, 'messages'), q.messages.length - 1), `the last message must be the user's (the model answers it), got role ${show(last.role)}`);
    }
  });
}

/** Every problem of a prompt set as "json.path: what is wrong"; empty when valid. */
export function promptSetProblems(value: unknown): string[] {
  const p = new Problems();
  checkPromptSet(p, '', value);
  return p.list;
}

/** `value` as a PromptSet, or a GridError listing every problem. */
export function validatePromptSet(value: unknown, file?: string): PromptSet {
  const problems = promptSetProblems(value);
  if (problems.length) {
    throw new GridError(problemsMessage(`prompt set ${file ?? '(inline)'}`, problems, 'fix these entries (format: {id, description, prompts: [{id, messages: [{role, content}], expected?}]})'), problems, file);
  }
  return value as PromptSet;
}

/** Reads and validates one prompt set file; its id must equal the file name without .json. */
export function loadPromptSet(file: string): PromptSet {
  const abs = path.resolve(file);
  const value = readJson(abs, 'prompt set');
  const set = validatePromptSet(value, abs);
  const base = path.basename(abs, '.json');
  if (set.id !== base) {
    const problem = `id: is ${show(set.id)} but the file is ${base}.json; grids find sets by id, so rename one to match`;
    throw new GridError(problemsMessage(`prompt set ${abs}`, [problem], 'fix it'), [problem], abs);
  }
  return set;
}

/** Every *.json prompt set in `dirs` (data/prompts/ by default), sorted by id; ids must be unique. */
export function loadPromptLibrary(dirs: readonly string[] = [DEFAULT_PROMPTS_DIR]): PromptSet[] {
  const sets = new Map<string, { set: PromptSet; file: string }>();
  for (const dir of dirs) {
    let names: string[];
    try { names = fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort(); } catch (e) {
      throw new GridError(`cannot read the prompt folder ${dir} (${errorText(e)}): pass an existing folder of prompt-set .json files`, [], dir);
    }
    for (const name of names) {
      const file = path.join(dir, name);
      const set = loadPromptSet(file);
      const prev = sets.get(set.id);
      if (prev) throw new GridError(`prompt set id ${show(set.id)} is defined twice (${prev.file} and ${file}): rename one`, [], file);
      sets.set(set.id, { set, file });
    }
  }
  return [...sets.values()].map((s) => s.set).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A set reference "set" or "set#prompt" split into its parts. */
export function splitPromptRef(ref: string): { setId: string; promptId: string | null } {
  const i = ref.indexOf('#');
  return i < 0 ? { setId: ref.trim(), promptId: null } : { setId: ref.slice(0, i).trim(), promptId: ref.slice(i + 1).trim() };
}

/** The set a grid entry names: an inline set as is, "set" from the library, "set#prompt" narrowed to that prompt. */
export function resolvePromptRef(entry: string | PromptSet, library: readonly PromptSet[], at = 'prompts'): PromptSet {
  if (typeof entry !== 'string') return entry;
  const { setId, promptId } = splitPromptRef(entry);
  const set = library.find((s) => s.id === setId);
  if (!set) {
    const problem = `${at}: no prompt set ${show(setId)} (known: ${library.map((s) => s.id).join(', ') || 'none'})`;
    throw new GridError(problemsMessage('the grid', [problem], `add data/prompts/${setId}.json or use a known set id`), [problem]);
  }
  if (promptId === null) return set;
  const prompt = set.prompts.find((q) => q.id === promptId);
  if (!prompt) {
    const problem = `${at}: prompt set ${show(setId)} has no prompt ${show(promptId)} (it has: ${set.prompts.map((q) => q.id).join(', ')})`;
    throw new GridError(problemsMessage('the grid', [problem], 'use one of its prompt ids'), [problem]);
  }
  return { id: set.id, description: set.description, prompts: [prompt] };
}

/** One user message as a one-prompt set (BENCH_PROMPT, COMPARE_PROMPT). */
export function singlePromptSet(id: string, description: string, content: string): PromptSet {
  return { id, description, prompts: [{ id: 'prompt', messages: [{ role: 'user', content }] }] };
}

/** JSON from a file, or a GridError naming the file and the fix. */
export function readJson(abs: string, what: string): unknown {
  let text: string;
  try { text = fs.readFileSync(abs, 'utf8'); } catch (e) {
    throw new GridError(`cannot read the ${what} ${abs} (${errorText(e)}): pass the path of an existing file`, [], abs);
  }
  try { return JSON.parse(text); } catch (e) {
    const problem = `(root): ${errorText(e)}`;
    throw new GridError(`${what} ${abs} is not valid JSON (${errorText(e)}): fix the syntax`, [problem], abs);
  }
}
