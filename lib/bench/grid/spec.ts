/**
 * A benchmark grid: one list per axis, expanded into the Cartesian product of cells (see
 * expand.ts), like llama-bench's cmd_params. A plain record, written as JSON
 * (data/grids/*.json) or as a TypeScript object. Every field but `models` is optional;
 * GRID_DEFAULTS holds the defaults and resolveGrid() applies them.
 *
 * Axis fields take a list or, for convenience, one value ("providers": "cpu" is ["cpu"]).
 * A list's order is the run order, so it is part of the grid's hash.
 */
import { parseProvider, type ProviderName } from '../../engine/providers';
import { parseEngine } from '../../engines/model-id';
import type { EngineName } from '../../engines/status';
import { LOGITS_AXIS, NUMERIC_AXES, type LogitsMode, type NumericAxisKey } from './axes';
import type { PromptSet } from './prompts';

/** How a cell's requests are sent: see GridSpec.mode. */
export type LoadMode = 'rounds' | 'load';
export const LOAD_MODES: readonly LoadMode[] = ['rounds', 'load'];
/** Open-loop inter-arrival times: exponential (Poisson process), fixed, or gamma with shape `burstiness`. */
export type ArrivalProcess = 'poisson' | 'constant' | 'gamma';
export const ARRIVAL_PROCESSES: readonly ArrivalProcess[] = ['poisson', 'constant', 'gamma'];

export interface GridSpec {
  /** JSON Schema hint for editors; ignored. */
  $schema?: string;
  /** A label for reports and file names (default 'grid'); not hashed. */
  name?: string;
  /** What the grid is for; not hashed. */
  description?: string;

  /**
   * Models to run: catalog aliases ('qwen2.5-0.5b-twin'), variant ids
   * ('qwen2.5-0.5b-twin-generic-cpu:1': provider and precision are then the variant's own,
   * and cells asking for another are skipped by the runner), or model folders (any name
   * holding '/' or starting with '.' or '~'). For a URL endpoint, the names that endpoint
   * serves. Required unless `compare` names them.
   */
  models?: string[] | string;
  /**
   * Where requests go: 'embedded' (slmlab's own service, started by the runner) or the base
   * URL of any OpenAI-compatible server: Foundry Local (the URL `foundry service status`
   * prints), Ollama, llama.cpp's server, vLLM. Given with or without '/v1'. Default ['embedded'].
   */
  endpoints?: string[] | string;
  /**
   * Execution providers: 'cpu', 'webgpu', 'cuda' (ONNX Runtime's class names are accepted
   * too). One the machine cannot use yields "skipped" rows with the reason. For a URL
   * endpoint the runner picks the served variant for the provider where the endpoint tells
   * variants apart (Foundry Local); elsewhere it is a label. Default ['cpu'].
   */
  providers?: (ProviderName | string)[] | string;
  /**
   * Let webgpu cells run on a software adapter (SwiftShader) when the machine has no GPU: the
   * rows are real but marked "software adapter — correctness only, not GPU speed". Default
   * false (SLMLAB_ALLOW_SOFTWARE_GPU=1 or --allow-software-gpu say the same). Not hashed.
   */
  allowSoftwareGpu?: boolean;
  /**
   * Inference engines (issue 23): 'onnxruntime' (default) and 'llama.cpp', which runs the same
   * model on a GGUF export of its weights (`<model>@llama.cpp`). llama.cpp cells are skipped with
   * the fix when the engine is not installed. Embedded endpoint only. Default ['onnxruntime'].
   */
  engines?: string[] | string;
  /** Weight precisions: 'int4', 'fp16', 'fp32', 'bf16', 'int8'. Default ['int4'] (what Foundry Local ships). */
  precisions?: string[] | string;
  /** ONNX Runtime intra-op threads for the embedded service; 0 = ONNX Runtime's choice (one per physical core). Default [0]. */
  threads?: number[] | number;
  /** Logits the embedded service's graph computes: 'all' (the model's own graph, default) or 'last' (axes.ts LOGITS_AXIS). */
  logits?: LogitsMode[] | LogitsMode;
  /**
   * Prompt sets: a set id from data/prompts/ ('workshop'), one prompt of a set
   * ('workshop#rag-brief'), or a set written inline. Default ['workshop'].
   */
  prompts?: (string | PromptSet)[] | string | PromptSet;
  /** Upper bound of generated tokens per request (OpenAI max_tokens). Default [128]. */
  maxTokens?: number[] | number;
  /** Sampling temperature, 0 to 2; 0 is greedy and repeatable. Default [0]. */
  temperature?: number[] | number;
  /** Sampling seed sent with every request (OpenAI seed). Default [0]. */
  seed?: number[] | number;
  /**
   * Rounds mode: requests in flight at once per round of a cell: a round of a cell with
   * concurrency c is c identical requests sent together (slots 0..c-1). Load mode: a closed
   * loop of c clients, each sending its next request as soon as its last one ended.
   * Default [1] (one at a time).
   */
  concurrency?: number[] | number;
  /**
   * Load mode, open loop: requests per second, sent at arrival times drawn from `arrivals`
   * whether or not earlier requests have finished (each value is one load level). Setting it
   * implies mode 'load'; such cells have concurrency 1 (cap in-flight requests with
   * `maxConcurrency`). Default: none (closed loop).
   */
  rate?: number[] | number;
  /**
   * Synthetic prompts of about this many tokens instead of the prompt sets (one cell per
   * length): the workshop's "consistent performance across input lengths" check. Default: none.
   */
  inputTokens?: number[] | number;
  /**
   * 'rounds' (default): a cell's rounds are interleaved with the other cells of its load to
   * cancel drift (schedule.ts). 'load': each cell is one load level, run as a block (its
   * warmup, measured and cooldown requests back to back under the same load) and reported
   * with request throughput, percentiles and goodput. `rate` implies 'load'.
   */
  mode?: LoadMode;
  /** Measured rounds per cell, >= 1. Load mode: measured requests per client (closed loop) or in all (open loop). Default 3. */
  rounds?: number;
  /** Warmup rounds per cell, run before its measured rounds; recorded (marked warmup) but left out of statistics. >= 0. Default 1. */
  warmup?: number;
  /**
   * Load mode: requests per client (closed loop) or in all (open loop) sent after the measured
   * ones and left out of statistics, so the measured requests never see the load drain away
   * (GuideLLM's cooldown). >= 0. Default 0.
   */
  cooldown?: number;
  /** Open loop: the arrival process, 'poisson' (default), 'constant' or 'gamma' (shape `burstiness`, as vLLM's --burstiness). */
  arrivals?: ArrivalProcess;
  /** Gamma shape for `arrivals: 'gamma'`: < 1 burstier than Poisson, 1 is Poisson, > 1 more regular. Default 1. */
  burstiness?: number;
  /** Open loop: at most this many requests in flight; arrivals past it wait for a free slot (vLLM's --max-concurrency). Default: no cap. */
  maxConcurrency?: number;
  /** Stream responses (needed for TTFT and inter-token latency). Default true. */
  stream?: boolean;
  /**
   * Session 4's small-vs-large comparison: which model is the small one and which the
   * large. Both must be in `models` (or `models` is left out and becomes [slm, llm]).
   * Cells and records carry the role. SLM_ALIAS and LLM_ALIAS override it.
   */
  compare?: { slm: string; llm: string };
}

/** A grid with every default applied and every axis a list: what expansion and hashing see. */
export interface ResolvedGrid {
  name: string;
  description: string;
  models: string[];
  endpoints: string[];
  providers: ProviderName[];
  engines: EngineName[];
  precisions: string[];
  threads: number[];
  logits: LogitsMode[];
  prompts: (string | PromptSet)[];
  maxTokens: number[];
  temperature: number[];
  seed: number[];
  concurrency: number[];
  rate: (number | null)[];
  inputTokens: (number | null)[];
  mode: LoadMode;
  rounds: number;
  warmup: number;
  cooldown: number;
  arrivals: ArrivalProcess;
  burstiness: number;
  maxConcurrency: number | null;
  stream: boolean;
  compare: { slm: string; llm: string } | null;
}

export const EMBEDDED = 'embedded';

export const GRID_DEFAULTS = Object.freeze({
  name: 'grid',
  description: '',
  endpoints: [EMBEDDED],
  providers: ['cpu'] as ProviderName[],
  engines: ['onnxruntime'] as EngineName[],
  precisions: ['int4'],
  threads: [0],
  logits: [...LOGITS_AXIS.defaults] as LogitsMode[],
  prompts: ['workshop'],
  maxTokens: [128],
  temperature: [0],
  seed: [0],
  concurrency: [1],
  mode: 'rounds' as LoadMode,
  rounds: 3,
  warmup: 1,
  cooldown: 0,
  arrivals: 'poisson' as ArrivalProcess,
  burstiness: 1,
  maxConcurrency: null as number | null,
  stream: true,
});

/** The fields of a GridSpec, for unknown-field checks (the numeric axes come from axes.ts). */
export const GRID_KEYS: readonly string[] = ['$schema', 'name', 'description', 'models', 'endpoints', 'providers', 'engines', 'precisions',
  'threads', LOGITS_AXIS.key, 'prompts', ...NUMERIC_AXES.map((a) => a.key), 'mode', 'rounds', 'warmup', 'cooldown', 'arrivals', 'burstiness',
  'maxConcurrency', 'stream', 'compare', 'allowSoftwareGpu'];

/** Names people write from the OpenAI API or the workshop's scripts, mapped to ours. */
export const GRID_KEY_HINTS: Readonly<Record<string, string>> = {
  max_tokens: 'maxTokens', model: 'models', endpoint: 'endpoints', provider: 'providers', ep: 'providers',
  eps: 'providers', engine: 'engines', precision: 'precisions', prompt: 'prompts', temperatures: 'temperature', seeds: 'seed',
  warmups: 'warmup', warmup_rounds: 'warmup', n_threads: 'threads', round: 'rounds',
};

/** A value or a list as a list. */
export function asList<T>(v: T[] | T | undefined, fallback: readonly T[]): T[] {
  if (v === undefined) return [...fallback];
  return Array.isArray(v) ? [...v] : [v];
}

/** 'embedded', or an http(s) base URL without a trailing '/' and with '/v1' when it had no path. */
export function normalizeEndpoint(value: string): string {
  const v = value.trim();
  if (v.toLowerCase() === EMBEDDED) return EMBEDDED;
  const url = new URL(v);
  let p = url.pathname.replace(/\/+$/, '');
  if (p === '') p = '/v1';
  return `${url.protocol}//${url.host}${p}${url.search}`;
}

/** True when a model entry names a folder rather than a catalog alias or id. */
export function isFolderRef(model: string): boolean {
  return /[/\\]/.test(model) || model.startsWith('.') || model.startsWith('~');
}

/** Applies defaults and canonical spellings; the spec must be valid (validateGrid). */
export function resolveGrid(spec: GridSpec): ResolvedGrid {
  const compare = spec.compare ? { slm: spec.compare.slm.trim(), llm: spec.compare.llm.trim() } : null;
  const models = spec.models !== undefined ? asList(spec.models, []).map((m) => m.trim()) : compare ? [compare.slm, compare.llm] : [];
  return {
    name: spec.name ?? GRID_DEFAULTS.name,
    description: spec.description ?? GRID_DEFAULTS.description,
    models,
    endpoints: asList(spec.endpoints, GRID_DEFAULTS.endpoints).map(normalizeEndpoint),
    providers: asList(spec.providers, GRID_DEFAULTS.providers).map((p) => parseProvider(p)),
    engines: asList(spec.engines, GRID_DEFAULTS.engines).map((e) => parseEngine(e)),
    precisions: asList(spec.precisions, GRID_DEFAULTS.precisions).map((p) => p.trim().toLowerCase()),
    threads: asList(spec.threads, GRID_DEFAULTS.threads),
    logits: asList(spec.logits, GRID_DEFAULTS.logits),
    prompts: asList<string | PromptSet>(spec.prompts, GRID_DEFAULTS.prompts).map((p) => (typeof p === 'string' ? p.trim() : p)),
    ...numericAxes(spec),
    mode: spec.mode ?? (spec.rate !== undefined ? 'load' : GRID_DEFAULTS.mode),
    rounds: spec.rounds ?? GRID_DEFAULTS.rounds,
    warmup: spec.warmup ?? GRID_DEFAULTS.warmup,
    cooldown: spec.cooldown ?? GRID_DEFAULTS.cooldown,
    arrivals: spec.arrivals ?? GRID_DEFAULTS.arrivals,
    burstiness: spec.burstiness ?? GRID_DEFAULTS.burstiness,
    maxConcurrency: spec.maxConcurrency ?? GRID_DEFAULTS.maxConcurrency,
    stream: spec.stream ?? GRID_DEFAULTS.stream,
    compare,
  };
}

/** Every numeric axis of `spec` as a list, defaults from axes.ts. */
function numericAxes(spec: GridSpec): Pick<ResolvedGrid, NumericAxisKey> {
  const out: Record<string, (number | null)[]> = {};
  for (const a of NUMERIC_AXES) out[a.key] = asList<number | null>(spec[a.key] as number[] | number | undefined, a.defaults);
  return out as unknown as Pick<ResolvedGrid, NumericAxisKey>;
}
