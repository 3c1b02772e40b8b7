/**
 * RequestRecord: what one request of a grid yields, one JSON line in the store. A plain,
 * self-contained record: besides the measurements it copies the cell's settings, so a
 * report can be rebuilt from the JSONL alone. RECORD_FIELDS describes every field once
 * (name, type, unit, meaning); exporters take their columns from it, and a field added
 * here and there shows up everywhere.
 *
 * Timing definitions (the runner measures them; docs/benchmarks.md lists them):
 * - ttftMs: request sent -> first chunk with non-empty content (not the role-only chunk).
 * - e2eMs: request sent -> last content chunk (a trailing usage-only chunk does not count).
 * - tpotMs: (e2eMs - ttftMs) / (completionTokens - 1); null when completionTokens < 2.
 * - itlMs: one gap per token after the first; a chunk carrying k tokens contributes k
 *   equal gaps (its gap / k), so chunked streams are not counted as slow single tokens.
 * - decodeTokensPerSecond: (completionTokens - 1) / ((e2eMs - ttftMs) / 1000) = 1000 / tpotMs.
 */
import type { EngineName } from '../../engines/status';
import type { ProviderName } from '../../engine/providers';
import { LOGITS_AXIS, NUMERIC_AXES, type LogitsMode } from '../grid/axes';
import type { CompareRole } from '../grid/expand';
import type { PlannedRequest } from '../grid/schedule';
import type { ArrivalProcess, LoadMode } from '../grid/spec';
import { recordKey } from '../grid/record-key';

/**
 * 'interrupted' (issue 21): the run was stopped (Ctrl-C) while the request was in flight. Not a
 * result: readers leave it out (jsonl.ts readRecords reports how many) and a resume runs it again.
 */
export type RecordStatus = 'ok' | 'error' | 'skipped' | 'interrupted';
export const RECORD_STATUSES: readonly RecordStatus[] = ['ok', 'error', 'skipped', 'interrupted'];

/** More tokens than any request holds: a count above it is an endpoint's nonsense (issue 21). */
export const MAX_PLAUSIBLE_TOKENS = 10_000_000;
export type TokenSource = 'usage' | 'counted';
/** 2 added the load fields (cooldown, rate, inputTokens, mode, arrivals, maxConcurrency, send times, lag, worker); readResults fills them in for version 1 lines. */
export const RECORD_VERSION = 2;

export interface RequestRecord {
  type: 'request';
  recordVersion: 1 | 2;
  // --- key ---
  gridHash: string;
  cellId: string;
  warmup: boolean;
  /** A load level's cooldown request (sent after the measured ones, left out of statistics). */
  cooldown: boolean;
  round: number;
  slot: number;
  runId: string;
  // --- outcome ---
  status: RecordStatus;
  reason: string | null;
  finishReason: string | null;
  startedAt: string;
  // --- load generation (epoch ms, sub-ms precision; null when not sent) ---
  /** When the load generator meant to send it: the arrival time (open loop) or the end of the client's previous request (closed loop). */
  scheduledAtMs: number | null;
  /** When it was sent. */
  sentAtMs: number | null;
  /** When its last byte arrived (or it failed). */
  doneAtMs: number | null;
  /** sentAtMs - scheduledAtMs: how late the client sent it (client-side lag). */
  lagMs: number | null;
  /** Which load-generator process sent it (0 .. workers-1); 0 without --workers. */
  worker: number;
  // --- timings (ms) ---
  ttftMs: number | null;
  e2eMs: number | null;
  tpotMs: number | null;
  itlMs: number[];
  // --- tokens ---
  promptTokens: number | null;
  completionTokens: number | null;
  tokenSource: TokenSource | null;
  decodeTokensPerSecond: number | null;
  // --- output ---
  outputSha256: string | null;
  outputText: string | null;
  // --- the cell's settings ---
  endpoint: string;
  model: string;
  modelId: string | null;
  provider: ProviderName;
  /** "software adapter — correctness only, not GPU speed" when webgpu ran on a software adapter (SwiftShader); else null. */
  adapterNote?: string | null;
  /** Inference engine (issue 23); records written before engines existed have none: read them as 'onnxruntime'. */
  engine?: EngineName;
  precision: string;
  threads: number;
  /** 'all' (the model's own graph), 'last' (last-position logits) or 'last-int8prefill' (and int8 prefill): grid/axes.ts LOGITS_AXIS. */
  logits: LogitsMode;
  promptSetId: string;
  promptId: string;
  expected: string | null;
  maxTokens: number;
  temperature: number;
  seed: number;
  stream: boolean;
  concurrency: number;
  rate: number | null;
  inputTokens: number | null;
  mode: LoadMode;
  /** Open loop only (null for closed loop): arrival process, gamma shape, in-flight cap. */
  arrivals: ArrivalProcess | null;
  burstiness: number | null;
  maxConcurrency: number | null;
  rounds: number;
  warmupRounds: number;
  cooldownRounds: number;
  role: CompareRole | null;
  // --- where in the run (absent in lines written before these fields existed) ---
  /** Position of the request in its run's plan, from 0. */
  seq?: number | null;
  /**
   * Whose tpotMs, itlMs and decodeTokensPerSecond these are (runner/measurable-rates.ts):
   * 'client', 'server' (the endpoint's own per-token timings, the client's being coalesced) or
   * 'not measurable (coalesced)' (they are null); absent in older files.
   */
  rateSource?: string | null;
  /** The plan's schedule (grid/schedule.ts): 'alternate' means compared models took turns request by request. */
  interleave?: string | null;
}

/** A request that counts in statistics: neither warmup nor cooldown. */
export function isMeasured(r: Pick<RequestRecord, 'warmup' | 'cooldown'>): boolean {
  return !r.warmup && !r.cooldown;
}

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'number[]';
export type FieldGroup = 'key' | 'outcome' | 'load' | 'timing' | 'tokens' | 'output' | 'setting';

export interface FieldSpec {
  name: keyof RequestRecord;
  type: FieldType;
  /** 'ms', 'tokens', 'tokens/s', or null for unitless fields. */
  unit: string | null;
  nullable: boolean;
  group: FieldGroup;
  description: string;
}

const f = (name: keyof RequestRecord, type: FieldType, unit: string | null, nullable: boolean, group: FieldGroup, description: string): FieldSpec =>
  Object.freeze({ name, type, unit, nullable, group, description });

/** Every field of a RequestRecord, in column order. The one table exporters read. */
export const RECORD_FIELDS: readonly FieldSpec[] = Object.freeze([
  f('type', 'string', null, false, 'key', "Line type: always 'request' (other line types may share the file)."),
  f('recordVersion', 'integer', null, false, 'key', 'Version of this record layout (1).'),
  f('gridHash', 'string', null, false, 'key', 'sha256 of the grid (defaults applied, prompts bound to their content) that planned this request.'),
  f('cellId', 'string', null, false, 'key', "16 hex digits identifying the cell: hash of the settings one request depends on."),
  f('warmup', 'boolean', null, false, 'key', 'True for a warmup request, which statistics leave out.'),
  f('cooldown', 'boolean', null, false, 'key', "True for a load level's cooldown request (after the measured ones), which statistics leave out."),
  f('round', 'integer', null, false, 'key', 'Round number from 1, counted separately for warmup and measured rounds.'),
  f('slot', 'integer', null, false, 'key', "Which of a round's simultaneous requests (0 .. concurrency-1)."),
  f('runId', 'string', null, false, 'key', 'The invocation that wrote the record (a resumed grid has several).'),
  f('status', 'string', null, false, 'outcome', "'ok', 'error' (the request failed; see reason) or 'skipped' (not run; see reason)."),
  f('reason', 'string', null, true, 'outcome', 'Why the request failed or was skipped, with the fix; null when ok.'),
  f('finishReason', 'string', null, true, 'outcome', "Why generation stopped ('stop', 'length'); null when unknown or not ok."),
  f('startedAt', 'string', null, false, 'outcome', 'When the request was sent (ISO 8601, UTC).'),
  f('scheduledAtMs', 'number', 'Unix ms', true, 'load', 'When the load generator meant to send it (Unix ms): its arrival time, or the end of the client\'s previous request.'),
  f('sentAtMs', 'number', 'Unix ms', true, 'load', 'When it was sent (Unix ms).'),
  f('doneAtMs', 'number', 'Unix ms', true, 'load', 'When it ended: last byte or failure (Unix ms).'),
  f('lagMs', 'number', 'ms', true, 'load', 'Client-side lag: sentAtMs - scheduledAtMs. Large values mean the load generator, not the server, was the bottleneck.'),
  f('worker', 'integer', null, false, 'load', 'Load-generator process that sent it (0 .. workers-1).'),
  f('ttftMs', 'number', 'ms', true, 'timing', 'Time to first token: sent -> first chunk with non-empty content.'),
  f('e2eMs', 'number', 'ms', true, 'timing', 'End-to-end latency: sent -> last content chunk.'),
  f('tpotMs', 'number', 'ms', true, 'timing', 'Time per output token after the first: (e2e - ttft) / (completionTokens - 1); null below 2 tokens.'),
  f('itlMs', 'number[]', 'ms', false, 'timing', 'Inter-token latencies, one per token after the first (a chunk of k tokens gives k gaps of gap/k).'),
  f('promptTokens', 'integer', 'tokens', true, 'tokens', 'Prompt tokens (see tokenSource).'),
  f('completionTokens', 'integer', 'tokens', true, 'tokens', 'Generated tokens (see tokenSource).'),
  f('tokenSource', 'string', null, true, 'tokens', "'usage' when the endpoint reported the counts, 'counted' when slmlab counted them with the model's tokenizer."),
  f('decodeTokensPerSecond', 'number', 'tokens/s', true, 'tokens', 'Decode speed: (completionTokens - 1) / (e2e - ttft), prompt processing excluded.'),
  f('outputSha256', 'string', null, true, 'output', 'sha256 of the generated text; at temperature 0 every round of a cell must match.'),
  f('outputText', 'string', null, true, 'output', 'The generated text.'),
  f('endpoint', 'string', null, false, 'setting', "'embedded' or the OpenAI-compatible base URL."),
  f('model', 'string', null, false, 'setting', 'The model as the grid names it (alias, variant id or folder).'),
  f('modelId', 'string', null, true, 'setting', 'The id the endpoint served (catalog variant id, or the server\'s model name); null when unknown.'),
  f('provider', 'string', null, false, 'setting', 'Execution provider: cpu, webgpu or cuda.'),
  f('adapterNote', 'string', null, true, 'setting', 'webgpu on a software adapter (SwiftShader): "software adapter — correctness only, not GPU speed"; null otherwise.'),
  f('engine', 'string', null, true, 'setting', "Inference engine: 'onnxruntime' or 'llama.cpp' (the same weights as GGUF); absent in records older than engines."),
  f('precision', 'string', null, false, 'setting', 'Weight precision (int4, fp16, fp32, ...).'),
  f('threads', 'integer', null, false, 'setting', 'ONNX Runtime intra-op threads (0 = its default).'),
  f(LOGITS_AXIS.key, 'string', null, false, 'setting', LOGITS_AXIS.description),
  f('promptSetId', 'string', null, false, 'setting', 'Prompt set id.'),
  f('promptId', 'string', null, false, 'setting', 'Prompt id within its set.'),
  f('expected', 'string', null, true, 'setting', "A QA prompt's expected answer; null for open-ended prompts."),
  // the numeric grid axes, from their one descriptor (grid/axes.ts)
  ...NUMERIC_AXES.map((a) => f(a.key, a.integer ? 'integer' : 'number', a.unit, a.nullable, 'setting', a.description)),
  f('stream', 'boolean', null, false, 'setting', 'Whether the response was streamed.'),
  f('mode', 'string', null, false, 'setting', "'rounds' (interleaved rounds) or 'load' (one load level per cell)."),
  f('arrivals', 'string', null, true, 'setting', "Open loop: 'poisson', 'constant' or 'gamma'; null for a closed loop."),
  f('burstiness', 'number', null, true, 'setting', "Open loop with gamma arrivals: the gamma shape; null otherwise."),
  f('maxConcurrency', 'integer', null, true, 'setting', 'Open loop: cap on requests in flight; null for none.'),
  f('rounds', 'integer', null, false, 'setting', 'Measured rounds of the cell (load mode: per client, or in all for a rate level).'),
  f('warmupRounds', 'integer', null, false, 'setting', 'Warmup rounds of the cell.'),
  f('cooldownRounds', 'integer', null, false, 'setting', 'Cooldown rounds of the cell (load mode).'),
  f('role', 'string', null, true, 'setting', "'slm' or 'llm' in a session-4 compare grid; else null."),
  f('rateSource', 'string', null, true, 'timing', "Whose TPOT, ITL and decode rate: 'client', 'server' (the endpoint's per-token timings; the stream was coalesced) or 'not measurable (coalesced)' (then null)."),
  f('seq', 'integer', null, true, 'load', 'Position of the request in its run\'s plan, from 0 (null in older files).'),
  f('interleave', 'string', null, true, 'setting', "The schedule: 'alternate' (compared models take turns request by request), 'load-group', 'model' or 'none' (null in older files)."),
]);

/**
 * The record for a planned request with its key and settings filled in and every
 * measurement empty: the runner spreads its measurements over it.
 */
export function recordFor(req: PlannedRequest, runId: string, startedAt: string = new Date().toISOString()): RequestRecord {
  const c = req.cell;
  return {
    type: 'request', recordVersion: RECORD_VERSION,
    gridHash: req.gridHash, cellId: req.cellId, warmup: req.kind === 'warmup', cooldown: req.kind === 'cooldown', round: req.round, slot: req.slot, runId,
    status: 'ok', reason: null, finishReason: null, startedAt,
    scheduledAtMs: null, sentAtMs: null, doneAtMs: null, lagMs: null, worker: 0,
    ttftMs: null, e2eMs: null, tpotMs: null, itlMs: [],
    promptTokens: null, completionTokens: null, tokenSource: null, decodeTokensPerSecond: null,
    outputSha256: null, outputText: null,
    endpoint: c.endpoint, model: c.model, modelId: null, provider: c.provider, adapterNote: null, engine: c.engine, precision: c.precision, threads: c.threads, logits: c.logits,
    promptSetId: c.promptSetId, promptId: c.promptId, expected: c.expected, maxTokens: c.maxTokens, temperature: c.temperature,
    seed: c.seed, concurrency: c.concurrency, rate: c.rate, inputTokens: c.inputTokens, stream: c.stream, mode: c.mode,
    arrivals: c.rate === null ? null : c.arrivals, burstiness: c.rate !== null && c.arrivals === 'gamma' ? c.burstiness : null,
    maxConcurrency: c.rate === null ? null : c.maxConcurrency,
    rounds: c.rounds, warmupRounds: c.warmup, cooldownRounds: c.cooldown, role: c.role,
    rateSource: null, seq: req.seq, interleave: req.interleave ?? null,
  };
}

/** A 'skipped' record: the request was not run, for `reason` (an unusable provider, say, with its fix). */
export function skippedRecord(req: PlannedRequest, runId: string, reason: string, startedAt?: string): RequestRecord {
  return { ...recordFor(req, runId, startedAt), status: 'skipped', reason };
}

/** Why `v` is not a request record (the fields resume depends on), or null. */
export function recordProblem(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (r.type !== 'request') return `type is ${JSON.stringify(r.type)}, not "request"`;
  for (const k of ['gridHash', 'cellId', 'runId', 'startedAt'] as const) if (typeof r[k] !== 'string' || r[k] === '') return `${k} is not a non-empty string`;
  for (const k of ['round', 'slot', 'rounds', 'concurrency'] as const) if (!Number.isSafeInteger(r[k]) || (r[k] as number) < 0) return `${k} is not an integer >= 0`;
  if (typeof r.warmup !== 'boolean') return 'warmup is not true or false';
  if (r.cooldown !== undefined && typeof r.cooldown !== 'boolean') return 'cooldown is not true or false';
  if (!(RECORD_STATUSES as readonly unknown[]).includes(r.status)) return `status is ${JSON.stringify(r.status)}, not one of ${RECORD_STATUSES.join(', ')}`;
  return rangeProblem(r);
}

/**
 * Values no run writes (issue 21: tampered or absurd rows were counted): a measured round
 * outside 1..rounds, a slot outside 0..concurrency-1, a negative or non-finite time, a token
 * count below 0 or above MAX_PLAUSIBLE_TOKENS.
 */
function rangeProblem(r: Record<string, unknown>): string | null {
  const measured = r.warmup === false && r.cooldown !== true;
  if (measured && ((r.round as number) < 1 || (r.round as number) > (r.rounds as number))) return `round ${String(r.round)} is outside 1..${String(r.rounds)} (rounds)`;
  if ((r.concurrency as number) > 0 && (r.slot as number) >= (r.concurrency as number)) return `slot ${String(r.slot)} is outside 0..${(r.concurrency as number) - 1} (concurrency)`;
  for (const k of ['ttftMs', 'e2eMs', 'tpotMs', 'decodeTokensPerSecond'] as const) {
    const v = r[k];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) return `${k} is ${JSON.stringify(v)}, not a time or rate >= 0`;
  }
  if (r.itlMs !== undefined && !(Array.isArray(r.itlMs) && r.itlMs.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0))) return 'itlMs holds a value that is not a time >= 0';
  for (const k of ['promptTokens', 'completionTokens'] as const) {
    const v = r[k];
    if (v !== undefined && v !== null && !(Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_PLAUSIBLE_TOKENS)) return `${k} is ${JSON.stringify(v)}, not a token count in 0..${MAX_PLAUSIBLE_TOKENS}`;
  }
  return null;
}

/** The key of a stored record (see lib/bench/grid/record-key.ts). */
export function keyOfRecord(r: Pick<RequestRecord, 'gridHash' | 'cellId' | 'warmup' | 'round' | 'slot'> & { cooldown?: boolean }): string {
  return recordKey({ gridHash: r.gridHash, cellId: r.cellId, kind: r.warmup ? 'warmup' : r.cooldown ? 'cooldown' : 'measure', round: r.round, slot: r.slot });
}

/**
 * A stored request line as a current RequestRecord: version 1 lines (written before load
 * profiles) get the load fields' neutral values (no cooldown, closed loop, rounds mode,
 * no send times); lines written before the logits axis get 'all'. Everything else is as stored.
 */
export function upgradeRecord(r: RequestRecord): RequestRecord {
  if (r.recordVersion === RECORD_VERSION && r.cooldown !== undefined && r.logits !== undefined) return r;
  const v1 = r as Partial<RequestRecord>;
  return {
    ...r,
    cooldown: v1.cooldown ?? false,
    scheduledAtMs: v1.scheduledAtMs ?? null, sentAtMs: v1.sentAtMs ?? null, doneAtMs: v1.doneAtMs ?? null, lagMs: v1.lagMs ?? null,
    worker: v1.worker ?? 0,
    rate: v1.rate ?? null, inputTokens: v1.inputTokens ?? null, mode: v1.mode ?? 'rounds', arrivals: v1.arrivals ?? null,
    burstiness: v1.burstiness ?? null, maxConcurrency: v1.maxConcurrency ?? null, cooldownRounds: v1.cooldownRounds ?? 0,
    // written before the logits axis: the model's own graph
    logits: v1.logits ?? 'all',
  };
}
