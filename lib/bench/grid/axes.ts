/**
 * The numeric grid axes, described once. Each entry is one axis of the Cartesian product
 * that varies per request on an already loaded model (the "cheap" axes of expand.ts); from
 * this table come the GridSpec keys, their defaults, their validation, the cell's settings
 * and cellId, the RequestRecord fields (store/record.ts), the analysis group keys
 * (analysis/group.ts) and the dry-run columns. A new axis is one entry here plus its field
 * on GridSpec / Cell / RequestRecord (TypeScript then points at every place that must know).
 *
 * The load axes (endpoint, threads, model, provider, precision) and prompts have their own
 * validation (URLs, catalog names, prompt files) and stay in spec.ts / validate.ts.
 *
 * `quietDefault`: axes added after results files existed. At their default they are left
 * out of the grid hash and the cellId, so grids written before them keep their hashes and
 * their results files resume.
 */
export interface NumericAxis {
  /** GridSpec key, Cell field and RequestRecord field (one name everywhere). */
  key: 'maxTokens' | 'temperature' | 'seed' | 'concurrency' | 'rate' | 'inputTokens';
  /** Default list; null stands for "not set" (closed loop, the prompt as written). */
  defaults: readonly (number | null)[];
  min: number;
  max: number;
  integer: boolean;
  /** May a list entry be null ("off")? */
  nullable: boolean;
  /** In words, for messages ("thread count"). */
  what: string;
  /** RECORD_FIELDS description. */
  description: string;
  /** Unit for exporters. */
  unit: string | null;
  /** Part of an analysis group key (a summary row per value). */
  grouped: boolean;
  /** Dry-run column header. */
  header: string;
  quietDefault: boolean;
}

export const NUMERIC_AXES: readonly NumericAxis[] = Object.freeze([
  { key: 'maxTokens', defaults: [128], min: 1, max: 1_000_000, integer: true, nullable: false, what: 'maxTokens', unit: 'tokens', grouped: true, header: 'max_tokens', quietDefault: false,
    description: 'max_tokens sent with the request.' },
  { key: 'temperature', defaults: [0], min: 0, max: 2, integer: false, nullable: false, what: 'temperature', unit: null, grouped: true, header: 'temperature', quietDefault: false,
    description: 'Sampling temperature sent with the request.' },
  { key: 'seed', defaults: [0], min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, nullable: false, what: 'seed', unit: null, grouped: false, header: 'seed', quietDefault: false,
    description: 'Sampling seed sent with the request (and, for a rate level, the seed of its arrival times).' },
  { key: 'concurrency', defaults: [1], min: 1, max: 1024, integer: true, nullable: false, what: 'concurrency', unit: null, grouped: true, header: 'concurrency', quietDefault: false,
    description: "Rounds mode: requests sent together per round. Load mode, closed loop: clients, each sending its next request when its last one ends. Load mode, open loop (rate set): 1." },
  { key: 'rate', defaults: [null], min: 0.001, max: 100_000, integer: false, nullable: true, what: 'rate', unit: 'requests/s', grouped: true, header: 'rate', quietDefault: true,
    description: 'Open-loop load level: requests per second (arrivals as the cell says); null for a closed loop.' },
  { key: 'inputTokens', defaults: [null], min: 1, max: 1_000_000, integer: true, nullable: true, what: 'input length', unit: 'tokens', grouped: true, header: 'input_tokens', quietDefault: true,
    description: 'Length of the synthetic prompt in tokens (approximate; promptTokens holds what the endpoint counted); null when the prompt is a prompt set\'s.' },
] as const satisfies readonly NumericAxis[]);

export type NumericAxisKey = NumericAxis['key'];
export const NUMERIC_AXIS_KEYS: readonly NumericAxisKey[] = NUMERIC_AXES.map((a) => a.key);

/**
 * The `logits` axis: which graph the embedded service loads, 'all' (the model's own graph, which
 * projects every prompt position through lm_head: what the real model costs) or 'last' (the
 * load-time last-position rewrite, engine/last-position-logits.ts: the same tokens, a shorter
 * prefill; what `slmlab service` serves by default). A load axis like threads: one embedded
 * service per (threads, logits). Added after results files existed: at its default ['all'] it
 * is left out of the grid hash and the cellId (quiet default). 'last-int8prefill' is 'last' with
 * the opt-in int8 prefill (engine/int8-prefill.ts: prefill on an int8 copy of the int4 weights);
 * it changes the logits, and every record of such a cell says so in its `logits` field.
 */
export const LOGITS_MODES = ['all', 'last', 'last-int8prefill'] as const;
export type LogitsMode = (typeof LOGITS_MODES)[number];
export const LOGITS_AXIS = Object.freeze({
  key: 'logits' as const,
  defaults: ['all'] as readonly LogitsMode[],
  what: 'logits mode',
  header: 'logits',
  description: "Logits the loaded graph computes: 'all' (the model's own graph), 'last' (last position only, the service's default) or 'last-int8prefill' (last, prefilled on an int8 copy of the weights: changes the logits).",
});
