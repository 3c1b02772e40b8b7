/**
 * What a caller asks on top of a grid (the CLI's flags, a notebook's options, a load
 * profile's mode) as one plain record, and how it changes the spec. planGrid (plan-grid.ts)
 * applies it before the workshop variables (env.ts) and validates the result once: the
 * values here are taken as given, never checked on their own.
 *
 *   planGrid(loadGrid('default'), { overrides: { models: ['tiny'], concurrency: [1, 2], load: true } })
 */
import type { LogitsMode } from '../grid/axes';
import type { PromptSet } from '../grid/prompts';
import type { ArrivalProcess, GridSpec } from '../grid/spec';

export interface PlanOverrides {
  /** Replaces the models (and drops a compare section, whose models they were). */
  models?: string[];
  providers?: string[];
  engines?: string[];
  precisions?: string[];
  threads?: number[];
  logits?: LogitsMode[];
  /** Replaces the prompt sets. */
  prompts?: (string | PromptSet)[];
  rounds?: number;
  warmup?: number;
  cooldown?: number;
  maxTokens?: number | number[];
  /** One endpoint in place of the grid's: 'embedded' or an OpenAI-compatible base URL. */
  endpoint?: string;
  concurrency?: number[];
  rate?: number[];
  arrivals?: ArrivalProcess;
  /** Gamma arrivals with this shape (arrivals becomes 'gamma' unless given). */
  burstiness?: number;
  maxConcurrency?: number;
  /** Synthetic prompts of about these lengths in place of the prompt sets. */
  inputTokens?: number[];
  /**
   * The caller asks for load levels (a load flag, a sweep, a --find-max search): mode 'load';
   * and a load level measures one workload, so without `prompts` or `inputTokens` the plan
   * keeps the grid's first prompt (Plan.onePrompt says which).
   */
  load?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `spec` with `o` applied (a new object; `spec` is not changed). A spec that is not a grid object comes back as it is, for validation to name. */
export function applyOverrides(spec: GridSpec, o: PlanOverrides = {}): GridSpec {
  if (!isRecord(spec)) return spec;
  return {
    ...spec,
    ...(o.models ? { models: o.models, compare: undefined } : {}),
    ...(o.providers ? { providers: o.providers } : {}),
    ...(o.engines ? { engines: o.engines } : {}),
    ...(o.precisions ? { precisions: o.precisions } : {}),
    ...(o.threads ? { threads: o.threads } : {}),
    ...(o.logits ? { logits: o.logits } : {}),
    ...(o.prompts ? { prompts: o.prompts } : {}),
    ...(o.rounds !== undefined ? { rounds: o.rounds } : {}),
    ...(o.warmup !== undefined ? { warmup: o.warmup } : {}),
    ...(o.cooldown !== undefined ? { cooldown: o.cooldown } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
    ...(o.endpoint ? { endpoints: [o.endpoint] } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
    ...(o.arrivals ? { arrivals: o.arrivals } : {}),
    ...(o.burstiness !== undefined ? { burstiness: o.burstiness, arrivals: o.arrivals ?? 'gamma' } : {}),
    ...(o.maxConcurrency !== undefined ? { maxConcurrency: o.maxConcurrency } : {}),
    ...(o.inputTokens !== undefined ? { inputTokens: o.inputTokens, prompts: undefined } : {}),
    ...(o.load ? { mode: 'load' as const } : {}),
  };
}

/** Whether the plan should narrow a load run to its first prompt (see PlanOverrides.load). */
export function wantsOnePrompt(o: PlanOverrides = {}): boolean {
  return o.load === true && o.prompts === undefined && o.inputTokens === undefined;
}
