/**
 * The workshop's environment variables (Foundry Local's workshop, https://github.com/microsoft/Foundry-Local:
 * session 3's benchmark_oss_models.py, session 4's model_compare.py and their notebooks) as overrides of a grid, so a class that
 * exports them gets what it asked for:
 *
 *   BENCH_MODELS            comma list of models            -> models
 *   BENCH_ROUNDS            integer >= 1                    -> rounds
 *   BENCH_PROMPT            one prompt text                 -> prompts (one inline set, 'bench-prompt')
 *   BENCH_MAX_TOKENS        integer >= 1                    -> maxTokens
 *   BENCH_TEMPERATURE       number 0..2                     -> temperature
 *   BENCH_STREAM            '0' or '1'                      -> stream
 *   FOUNDRY_LOCAL_ENDPOINT  http(s) URL, with or without /v1 -> endpoints
 *   SLM_ALIAS, LLM_ALIAS    session 4's small / large model -> compare.slm / compare.llm (and models)
 *   COMPARE_PROMPT          session 4's prompt text         -> prompts (one inline set, 'compare-prompt')
 *
 * An empty variable counts as unset. Bad values are all reported together in one
 * GridError naming the variable. Variables that do not fit the grid are not applied and
 * are listed with the reason: SLM_ALIAS, LLM_ALIAS and COMPARE_PROMPT apply only to a
 * compare grid (one with `compare`), where BENCH_MODELS is ignored in their favour, and
 * COMPARE_PROMPT wins over BENCH_PROMPT there.
 *
 * FOUNDRY_LOCAL_ENDPOINT makes that URL the grid's endpoint: it takes the place of the
 * embedded service and of any URL the grid lists, since a class that exports it means
 * "benchmark my Foundry Local". To compare Foundry Local with the embedded service, list
 * both in the grid's endpoints instead.
 */
import { envValue } from '../../environment';
import { GridError, problemsMessage } from './errors';
import { singlePromptSet } from './prompts';
import { EMBEDDED, normalizeEndpoint, type GridSpec } from './spec';
import { validateGrid, type ValidateOptions } from './validate';

export const ENV_VARIABLES = ['BENCH_MODELS', 'BENCH_ROUNDS', 'BENCH_PROMPT', 'BENCH_MAX_TOKENS', 'BENCH_TEMPERATURE',
  'BENCH_STREAM', 'FOUNDRY_LOCAL_ENDPOINT', 'SLM_ALIAS', 'LLM_ALIAS', 'COMPARE_PROMPT'] as const;
export type EnvVariable = (typeof ENV_VARIABLES)[number];

export interface AppliedOverride {
  variable: EnvVariable;
  /** The variable's value as read. */
  value: string;
  /** The grid field it set. */
  field: keyof GridSpec;
  /** What the field became, in words: 'models = phi-4-mini, qwen2.5-0.5b'. */
  effect: string;
}

export interface IgnoredOverride { variable: EnvVariable; value: string; reason: string }

export interface EnvOverrideResult {
  spec: GridSpec;
  applied: AppliedOverride[];
  ignored: IgnoredOverride[];
}

const show = (v: string): string => JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);

/**
 * `spec` with the workshop variables in `env` applied (pass process.env). The spec is
 * validated first, not changed, and the result is validated again (with `opts.catalog`,
 * BENCH_MODELS's names are looked up too). Throws GridError listing every bad variable.
 * planGrid (lib/bench/plan/plan-grid.ts) applies envOverrides() and validates once instead.
 */
export function applyEnvOverrides(spec: GridSpec, env: Readonly<Record<string, string | undefined>>, opts: ValidateOptions = {}): EnvOverrideResult {
  const r = envOverrides(validateGrid(spec), env);
  return { ...r, spec: validateGrid(r.spec, { ...opts, file: envOverriddenName(opts.file) }) };
}

/** How a grid with the workshop variables applied is named in a GridError. */
export function envOverriddenName(file: string | undefined): string {
  return `${file ?? '(inline grid)'} with environment overrides`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A compare section well formed enough to rename its models (validation judges the rest). */
function compareOf(spec: GridSpec): { slm: string; llm: string } | null {
  const c: unknown = spec.compare;
  return isRecord(c) && typeof c.slm === 'string' && typeof c.llm === 'string' ? { slm: c.slm, llm: c.llm } : null;
}

/**
 * The workshop variables applied to `spec`, not validated: the caller validates the result
 * (planGrid does, once). A spec that is not a grid object comes back as it is. Throws
 * GridError listing every bad variable.
 */
export function envOverrides(spec: GridSpec, env: Readonly<Record<string, string | undefined>>): EnvOverrideResult {
  if (!isRecord(spec)) return { spec, applied: [], ignored: [] };
  const out: GridSpec = structuredClone(spec);
  const applied: AppliedOverride[] = [];
  const ignored: IgnoredOverride[] = [];
  const problems: string[] = [];
  const get = (name: EnvVariable): string | undefined => {
    const v = envValue(name, env);
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const apply = (variable: EnvVariable, value: string, field: keyof GridSpec, effect: string) => applied.push({ variable, value, field, effect });
  const ignore = (variable: EnvVariable, value: string, reason: string) => ignored.push({ variable, value, reason });
  const integer = (name: EnvVariable, v: string, min: number): number | null => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)) || Number(v) < min) {
      problems.push(`${name}: expected an integer >= ${min}, got ${show(v)}`);
      return null;
    }
    return Number(v);
  };
  const compare = out.compare !== undefined;

  const models = get('BENCH_MODELS');
  if (models !== undefined) {
    const list = models.split(',').map((m) => m.trim()).filter((m) => m !== '');
    if (compare) ignore('BENCH_MODELS', models, 'this is a compare grid: set SLM_ALIAS and LLM_ALIAS instead');
    else if (list.length === 0) problems.push(`BENCH_MODELS: expected a comma-separated list of models such as "phi-4-mini,qwen2.5-0.5b", got ${show(models)}`);
    else if (new Set(list.map((m) => m.toLowerCase())).size !== list.length) problems.push(`BENCH_MODELS: lists a model twice: ${show(models)}`);
    else { out.models = list; apply('BENCH_MODELS', models, 'models', `models = ${list.join(', ')}`); }
  }

  const rounds = get('BENCH_ROUNDS');
  if (rounds !== undefined) {
    const n = integer('BENCH_ROUNDS', rounds, 1);
    if (n !== null) { out.rounds = n; apply('BENCH_ROUNDS', rounds, 'rounds', `rounds = ${n}`); }
  }

  const maxTokens = get('BENCH_MAX_TOKENS');
  if (maxTokens !== undefined) {
    const n = integer('BENCH_MAX_TOKENS', maxTokens, 1);
    if (n !== null) { out.maxTokens = [n]; apply('BENCH_MAX_TOKENS', maxTokens, 'maxTokens', `maxTokens = ${n}`); }
  }

  const temperature = get('BENCH_TEMPERATURE');
  if (temperature !== undefined) {
    const t = Number(temperature);
    if (!/^\d*\.?\d+$/.test(temperature) || !(t >= 0 && t <= 2)) problems.push(`BENCH_TEMPERATURE: expected a number from 0 to 2, got ${show(temperature)}`);
    else { out.temperature = [t]; apply('BENCH_TEMPERATURE', temperature, 'temperature', `temperature = ${t}`); }
  }

  const stream = get('BENCH_STREAM');
  if (stream !== undefined) {
    if (stream !== '0' && stream !== '1') problems.push(`BENCH_STREAM: expected "1" (stream) or "0" (do not stream), got ${show(stream)}`);
    else { out.stream = stream === '1'; apply('BENCH_STREAM', stream, 'stream', `stream = ${out.stream}`); }
  }

  const endpoint = get('FOUNDRY_LOCAL_ENDPOINT');
  if (endpoint !== undefined) {
    let url: string | null = null;
    try { url = normalizeEndpoint(endpoint); } catch { url = null; }
    if (url === null || url === EMBEDDED || !/^https?:\/\//.test(url)) {
      problems.push(`FOUNDRY_LOCAL_ENDPOINT: expected an http(s) URL such as "http://127.0.0.1:5273/v1" (run \`foundry service status\` to see it), got ${show(endpoint)}`);
    } else { out.endpoints = [url]; apply('FOUNDRY_LOCAL_ENDPOINT', endpoint, 'endpoints', `endpoints = ${url}`); }
  }

  for (const [variable, role] of [['SLM_ALIAS', 'slm'], ['LLM_ALIAS', 'llm']] as const) {
    const alias = get(variable);
    if (alias === undefined) continue;
    const section = compareOf(out);
    if (!section) {
      if (!compare) ignore(variable, alias, 'this grid has no compare section (session 4 grids have one)');
      continue; // a malformed compare section: validation names it
    }
    const before = section[role];
    out.compare = { ...section, [role]: alias };
    if (out.models !== undefined) {
      const list = Array.isArray(out.models) ? out.models : [out.models];
      out.models = list.map((m) => (typeof m === 'string' && m.trim().toLowerCase() === before.trim().toLowerCase() ? alias : m));
    }
    apply(variable, alias, 'compare', `compare.${role} = ${alias} (was ${before})`);
  }
  const pair = compareOf(out);
  if (pair && applied.some((a) => a.field === 'compare') && pair.slm.toLowerCase() === pair.llm.toLowerCase()) {
    problems.push(`SLM_ALIAS/LLM_ALIAS: the small and the large model are both ${show(pair.slm)}; compare two different models`);
  }

  const comparePrompt = get('COMPARE_PROMPT');
  const benchPrompt = get('BENCH_PROMPT');
  if (comparePrompt !== undefined && !compare) ignore('COMPARE_PROMPT', comparePrompt, 'this grid has no compare section (session 4 grids have one); use BENCH_PROMPT');
  if (comparePrompt !== undefined && compare) {
    out.prompts = [singlePromptSet('compare-prompt', 'COMPARE_PROMPT from the environment', comparePrompt)];
    apply('COMPARE_PROMPT', comparePrompt, 'prompts', `prompts = ${show(comparePrompt)}`);
    if (benchPrompt !== undefined) ignore('BENCH_PROMPT', benchPrompt, 'COMPARE_PROMPT is set and wins on a compare grid');
  } else if (benchPrompt !== undefined) {
    out.prompts = [singlePromptSet('bench-prompt', 'BENCH_PROMPT from the environment', benchPrompt)];
    apply('BENCH_PROMPT', benchPrompt, 'prompts', `prompts = ${show(benchPrompt)}`);
  }

  if (problems.length) {
    throw new GridError(problemsMessage('the environment', problems, 'fix or unset these variables'), problems);
  }
  return { spec: out, applied, ignored };
}

/** One line per override, for a CLI or notebook to print: "BENCH_ROUNDS=5 -> rounds = 5". */
export function formatOverrides(r: Pick<EnvOverrideResult, 'applied' | 'ignored'>): string {
  return [
    ...r.applied.map((a) => `${a.variable}=${a.value} -> ${a.effect}`),
    ...r.ignored.map((i) => `${i.variable}=${i.value} ignored: ${i.reason}`),
  ].join('\n');
}
