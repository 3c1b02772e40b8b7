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
import type { PromptSet } from './prompts';

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
  /** Weight precisions: 'int4', 'fp16', 'fp32', 'bf16', 'int8'. Default ['int4'] (what Foundry Local ships). */
  precisions?: string[] | string;
  /** ONNX Runtime intra-op threads for the embedded service; 0 = ONNX Runtime's choice (one per physical core). Default [0]. */
  threads?: number[] | number;
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
   * Requests in flight at once per round of a cell: a round of a cell with concurrency c is
   * c identical requests sent together (slots 0..c-1). Default [1] (one at a time).
   */
  concurrency?: number[] | number;
  /** Measured rounds per cell, >= 1. Default 3. */
  rounds?: number;
  /** Warmup rounds per cell, run before its measured rounds; recorded (marked warmup) but left out of statistics. >= 0. Default 1. */
  warmup?: number;
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
  precisions: string[];
  threads: number[];
  prompts: (string | PromptSet)[];
  maxTokens: number[];
  temperature: number[];
  seed: number[];
  concurrency: number[];
  rounds: number;
  warmup: number;
  stream: boolean;
  compare: { slm: string; llm: string } | null;
}

export const EMBEDDED = 'embedded';

export const GRID_DEFAULTS = Object.freeze({
  name: 'grid',
  description: '',
  endpoints: [EMBEDDED],
  providers: ['cpu'] as ProviderName[],
  precisions: ['int4'],
  threads: [0],
  prompts: ['workshop'],
  maxTokens: [128],
  temperature: [0],
  seed: [0],
  concurrency: [1],
  rounds: 3,
  warmup: 1,
  stream: true,
});

/** The fields of a GridSpec, for unknown-field checks. */
export const GRID_KEYS: readonly string[] = ['$schema', 'name', 'description', 'models', 'endpoints', 'providers', 'precisions',
  'threads', 'prompts', 'maxTokens', 'temperature', 'seed', 'concurrency', 'rounds', 'warmup', 'stream', 'compare'];

/** Names people write from the OpenAI API or the workshop's scripts, mapped to ours. */
export const GRID_KEY_HINTS: Readonly<Record<string, string>> = {
  max_tokens: 'maxTokens', model: 'models', endpoint: 'endpoints', provider: 'providers', ep: 'providers',
  eps: 'providers', precision: 'precisions', prompt: 'prompts', temperatures: 'temperature', seeds: 'seed',
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
    precisions: asList(spec.precisions, GRID_DEFAULTS.precisions).map((p) => p.trim().toLowerCase()),
    threads: asList(spec.threads, GRID_DEFAULTS.threads),
    prompts: asList<string | PromptSet>(spec.prompts, GRID_DEFAULTS.prompts).map((p) => (typeof p === 'string' ? p.trim() : p)),
    maxTokens: asList(spec.maxTokens, GRID_DEFAULTS.maxTokens),
    temperature: asList(spec.temperature, GRID_DEFAULTS.temperature),
    seed: asList(spec.seed, GRID_DEFAULTS.seed),
    concurrency: asList(spec.concurrency, GRID_DEFAULTS.concurrency),
    rounds: spec.rounds ?? GRID_DEFAULTS.rounds,
    warmup: spec.warmup ?? GRID_DEFAULTS.warmup,
    stream: spec.stream ?? GRID_DEFAULTS.stream,
    compare,
  };
}
