/**
 * Grid validation, like a JSON Schema plus what a schema cannot say: every problem is
 * collected with its JSON path ("providers[1]: unknown execution provider ...",
 * "compare.llm: ... is not in models") and thrown together in one GridError. With a
 * catalog, model names meant for the embedded service are looked up too.
 */
import { PROVIDERS, parseProvider } from '../../engine/providers';
import { parseEngine } from '../../engines/model-id';
import { VARIANT_PRECISIONS } from '../../catalog/schema';
import { findModel } from '../../catalog/catalog';
import type { CatalogFile } from '../../catalog/types';
import { errorText } from '../../errors';
import { GridError, problemsMessage } from './errors';
import { Problems, isObj, join, num, show, str, unknownKeys } from './problems';
import { checkPromptSet, idProblem, splitPromptRef } from './prompts';
import { ARRIVAL_PROCESSES, EMBEDDED, GRID_KEYS, GRID_KEY_HINTS, LOAD_MODES, isFolderRef, normalizeEndpoint, type GridSpec } from './spec';
import { LOGITS_AXIS, LOGITS_MODES, NUMERIC_AXES } from './axes';

export interface ValidateOptions {
  /** Check that models meant for the embedded service are in this catalog (aliases or variant ids). */
  catalog?: CatalogFile;
  /** The grid's file, named in the error. */
  file?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The entries of an axis with their paths: a lone value stands at `at`, list items at
 * `at[i]`. Reports an empty list. Returns [] when the field is absent.
 */
function axis(p: Problems, at: string, v: unknown): { value: unknown; at: string }[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [{ value: v, at }];
  if (v.length === 0) p.add(at, 'expected a non-empty list (leave the field out for the default)');
  return v.map((value, i) => ({ value, at: join(at, i) }));
}

/** Reports entries whose canonical form repeats an earlier one: they would make identical cells. */
function noDuplicates(p: Problems, entries: { key: string; at: string }[], what: string): void {
  const seen = new Map<string, string>();
  for (const e of entries) {
    const prev = seen.get(e.key);
    if (prev) p.add(e.at, `duplicate ${what} ${show(e.key)} (also at ${prev}); each would give identical cells`);
    else seen.set(e.key, e.at);
  }
}

function numbers(p: Problems, at: string, v: unknown, opts: { min: number; max: number; integer?: boolean; nullable?: boolean }, what: string): void {
  const ok = axis(p, at, v).filter((e) => (opts.nullable && e.value === null) || num(p, e.at, e.value, opts));
  noDuplicates(p, ok.map((e) => ({ key: String(e.value), at: e.at })), what);
}

/** The load-mode fields and how they combine with the axes. */
function loadProblems(p: Problems, value: Record<string, unknown>): void {
  if (value.mode !== undefined && !(LOAD_MODES as readonly unknown[]).includes(value.mode)) p.add('mode', `expected one of ${LOAD_MODES.join(', ')}, got ${show(value.mode)}`);
  if (value.cooldown !== undefined) num(p, 'cooldown', value.cooldown, { min: 0, max: 100_000, integer: true });
  if (value.arrivals !== undefined && !(ARRIVAL_PROCESSES as readonly unknown[]).includes(value.arrivals)) p.add('arrivals', `expected one of ${ARRIVAL_PROCESSES.join(', ')}, got ${show(value.arrivals)}`);
  if (value.burstiness !== undefined) num(p, 'burstiness', value.burstiness, { min: 0.01, max: 100 });
  if (value.maxConcurrency !== undefined) num(p, 'maxConcurrency', value.maxConcurrency, { min: 1, max: 100_000, integer: true });
  const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const rates = list(value.rate).filter((r) => r !== null);
  if (rates.length > 0 && value.mode === 'rounds') p.add('mode', "is 'rounds' but rate is set: an open-loop rate needs mode 'load' (or leave mode out)");
  if (rates.length > 0 && list(value.concurrency).some((c) => c !== 1)) {
    p.add('concurrency', 'cannot be combined with rate: a rate level sends at its own pace; cap in-flight requests with maxConcurrency instead');
  }
  if (value.arrivals === 'gamma' && value.burstiness === undefined) p.add('burstiness', "required with arrivals 'gamma' (the gamma shape: < 1 burstier than Poisson)");
  if (value.burstiness !== undefined && value.arrivals !== 'gamma') p.add('burstiness', "only applies to arrivals 'gamma'");
  if (list(value.inputTokens).some((t) => t !== null) && value.prompts !== undefined) p.add('inputTokens', 'replaces the prompts with synthetic ones of that length: leave prompts out, or inputTokens');
}

/** Every problem of a grid spec as "json.path: what is wrong"; empty when it is valid. */
export function gridProblems(value: unknown, opts: ValidateOptions = {}): string[] {
  const p = new Problems();
  if (!isObj(value)) { p.add('(root)', 'expected a grid object {models: [...], providers: [...], ...}'); return p.list; }
  unknownKeys(p, '', value, GRID_KEYS, GRID_KEY_HINTS as Record<string, string>);
  if (value.$schema !== undefined) str(p, '$schema', value.$schema);
  if (value.name !== undefined && str(p, 'name', value.name) && !NAME.test(value.name)) {
    p.add('name', `expected letters, digits, '.', '_' or '-' (it names report folders), got ${show(value.name)}`);
  }
  if (value.description !== undefined && typeof value.description !== 'string') p.add('description', `expected a string, got ${show(value.description)}`);
  if (value.allowSoftwareGpu !== undefined && typeof value.allowSoftwareGpu !== 'boolean') p.add('allowSoftwareGpu', `expected true or false, got ${show(value.allowSoftwareGpu)}`);

  // endpoints first: whether the embedded service is used decides the catalog check
  const endpoints = axis(p, 'endpoints', value.endpoints).flatMap((e) => {
    if (!str(p, e.at, e.value)) return [];
    try {
      const url = normalizeEndpoint(e.value);
      if (url !== EMBEDDED && !/^https?:/.test(url)) throw new Error('not http(s)');
      return [{ key: url, at: e.at }];
    } catch {
      p.add(e.at, `expected "${EMBEDDED}" or an http(s) base URL such as "http://127.0.0.1:5273/v1", got ${show(e.value)}`);
      return [];
    }
  });
  noDuplicates(p, endpoints, 'endpoint');
  const embedded = value.endpoints === undefined || endpoints.some((e) => e.key === EMBEDDED);

  const models = axis(p, 'models', value.models).filter((e) => str(p, e.at, e.value)) as { value: string; at: string }[];
  if (value.models === undefined && value.compare === undefined) p.add('models', 'required: list the models to benchmark (catalog aliases, variant ids or folders)');
  noDuplicates(p, models.map((e) => ({ key: isFolderRef(e.value) ? e.value.trim() : e.value.trim().toLowerCase(), at: e.at })), 'model');
  if (opts.catalog && embedded) {
    for (const m of models) {
      if (isFolderRef(m.value)) continue;
      try { findModel(opts.catalog, m.value); } catch (e) { p.add(m.at, errorText(e)); }
    }
  }

  const providers = axis(p, 'providers', value.providers).flatMap((e) => {
    if (!str(p, e.at, e.value)) return [];
    try { return [{ key: parseProvider(e.value), at: e.at }]; } catch {
      p.add(e.at, `unknown execution provider ${show(e.value)}; use one of: ${PROVIDERS.join(', ')}`);
      return [];
    }
  });
  noDuplicates(p, providers, 'provider');

  // issue 23: engines
  const engines = axis(p, 'engines', value.engines).flatMap((e) => {
    if (!str(p, e.at, e.value)) return [];
    try { return [{ key: parseEngine(e.value), at: e.at }]; } catch (err) { p.add(e.at, (err as Error).message); return []; }
  });
  noDuplicates(p, engines, 'engine');

  const precisions = axis(p, 'precisions', value.precisions).flatMap((e) => {
    if (!str(p, e.at, e.value)) return [];
    const key = e.value.trim().toLowerCase();
    if (!(VARIANT_PRECISIONS as readonly string[]).includes(key)) { p.add(e.at, `expected one of ${VARIANT_PRECISIONS.join(', ')}, got ${show(e.value)}`); return []; }
    return [{ key, at: e.at }];
  });
  noDuplicates(p, precisions, 'precision');

  numbers(p, 'threads', value.threads, { min: 0, max: 1024, integer: true }, 'thread count');
  const logits = axis(p, LOGITS_AXIS.key, value.logits).flatMap((e) => {
    if (!(LOGITS_MODES as readonly unknown[]).includes(e.value)) {
      p.add(e.at, `expected 'all' (the model's own graph), 'last' (logits for the last position only) or 'last-int8prefill' (last, prefilled on an int8 copy of the weights), got ${show(e.value)}`);
      return [];
    }
    return [{ key: e.value as string, at: e.at }];
  });
  noDuplicates(p, logits, LOGITS_AXIS.what);
  for (const a of NUMERIC_AXES) numbers(p, a.key, value[a.key], a, a.what);
  loadProblems(p, value);
  if (value.rounds !== undefined) num(p, 'rounds', value.rounds, { min: 1, max: 100_000, integer: true });
  if (value.warmup !== undefined) num(p, 'warmup', value.warmup, { min: 0, max: 100_000, integer: true });
  if (value.stream !== undefined && typeof value.stream !== 'boolean') p.add('stream', `expected true or false, got ${show(value.stream)}`);

  const prompts = axis(p, 'prompts', value.prompts).flatMap((e) => {
    if (typeof e.value === 'string') {
      if (!str(p, e.at, e.value)) return [];
      const { setId, promptId } = splitPromptRef(e.value);
      const bad = idProblem(setId) ?? (promptId === null ? null : idProblem(promptId));
      if (bad) { p.add(e.at, `expected "set" or "set#prompt" naming a prompt set in data/prompts/: ${bad}`); return []; }
      return [{ key: e.value.trim(), at: e.at }];
    }
    const before = p.list.length;
    checkPromptSet(p, e.at, e.value);
    return p.list.length === before ? [{ key: `inline:${(e.value as { id: string }).id}`, at: e.at }] : [];
  });
  noDuplicates(p, prompts, 'prompt set');

  if (value.compare !== undefined) {
    const c = value.compare;
    if (!isObj(c)) p.add('compare', 'expected {slm: "<small model>", llm: "<larger model>"}');
    else {
      unknownKeys(p, 'compare', c, ['slm', 'llm']);
      const slm = str(p, 'compare.slm', c.slm);
      const llm = str(p, 'compare.llm', c.llm);
      if (slm && llm && (c.slm as string).trim().toLowerCase() === (c.llm as string).trim().toLowerCase()) p.add('compare.llm', `is the same model as compare.slm (${show(c.llm)}); compare two different models`);
      if (value.models !== undefined) {
        const names = models.map((m) => m.value.trim().toLowerCase());
        for (const role of ['slm', 'llm'] as const) {
          const v = c[role];
          if (typeof v === 'string' && v.trim() && !names.includes(v.trim().toLowerCase())) {
            p.add(join('compare', role), `${show(v)} is not in models; add it there, or leave models out (it is then [compare.slm, compare.llm])`);
          }
        }
      }
    }
  }
  return p.list;
}

/** `value` as a GridSpec, or a GridError listing every problem with its JSON path. */
export function validateGrid(value: unknown, opts: ValidateOptions = {}): GridSpec {
  const problems = gridProblems(value, opts);
  if (problems.length) {
    throw new GridError(problemsMessage(`grid ${opts.file ?? '(inline)'}`, problems, 'fix these entries (see GridSpec in lib/bench/grid/spec.ts for every field)'), problems, opts.file);
  }
  return value as GridSpec;
}
