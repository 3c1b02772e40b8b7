/**
 * The grid runner: a GridSpec in, JSON lines out (lib/bench/store), resumable.
 *
 *   const result = await runGrid(loadGrid('default'), { resultsFile: 'reports/default/results.jsonl', onProgress });
 *
 * What it writes to the results file (one JSON object per line, appended as it goes):
 * - `{type:'run'}` once per run that has work: runId, grid name and hash, machineMetadata(),
 *   the env overrides applied, provider probe results, start time.
 * - `{type:'request'}` per request (RequestRecord, warmups included and marked), appended
 *   as each round completes: 'ok' / 'error' (endpoint or model failure, the grid goes on)
 *   / 'skipped' (provider unusable, with the probe's reason and fix; or the endpoint says
 *   the model has no variant for that provider, e.g. tiny on cuda).
 * - `{type:'cell'}` per cell after its last measured round (CellSummaryRecord): rounds
 *   ok/error/skipped, `deterministic` (temperature 0: every ok measured round has the same
 *   outputSha256; null otherwise or with no ok round), peak RSS, model id and graph hash.
 *   readRecords() returns these in `others`; one per (gridHash, cellId) is ever written.
 *
 * Resuming: resumePlan() drops every request whose key is stored, so a re-run of a finished
 * grid writes nothing, and a killed or aborted run continues where it stopped. An
 * AbortSignal stops before the next round (the in-flight round completes and is stored).
 *
 * Endpoints: 'embedded' starts slmlab's service in this process on 127.0.0.1:0 (one per
 * thread setting, since threads are fixed at start) with a CatalogRegistry, and stops it at
 * the end; a URL is used as is, with the provider sent as Foundry's `ep` field and no local
 * probe. Peak RSS is process.memoryUsage().rss sampled every 100 ms while a cell is open,
 * which for the embedded service is the serving process (runner included: it is the same
 * process); null for URL endpoints.
 */
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import {
  applyEnvOverrides, expandGrid, loadPromptLibrary, schedule, EMBEDDED,
  type AppliedOverride, type Cell, type GridSpec, type InterleaveMode, type PlannedRequest, type PromptSet,
} from '../grid';
import { appendRecords, cellKey, readRecords, recordFor, resumePlan, skippedRecord, type RequestRecord } from '../store';
import { timedChat, type TimedCall } from '../../client';
import { startService, silentLogger, type ModelRegistry, type ServiceHandle, type ServiceOptions } from '../../service';
import { CatalogRegistry } from '../../registry/catalog-registry';
import { probeProviders, type ProviderName, type ProviderStatus } from '../../engine/providers';
import { machineMetadata, modelFileHash, type MachineMetadata } from '../metadata';

export interface RunProgress {
  /** Requests handled in this run (run, errored or skipped). */
  done: number;
  /** Requests this run has to handle (what resume left). */
  total: number;
  /** Seconds left at the mean time per executed request; null before the first one. */
  etaSeconds: number | null;
  /** The cell of the request just handled, in words. */
  cell: string;
}

export interface RunGridOptions {
  resultsFile: string;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Workshop variables (BENCH_*); default process.env. Pass {} to apply none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Registry of the embedded service; default a CatalogRegistry on the cache. */
  registry?: ModelRegistry;
  /** Extra options for the embedded service (threads come from the cell). */
  serviceOptions?: Partial<ServiceOptions>;
  /** Prompt sets grids may name; default loadPromptLibrary(). */
  library?: readonly PromptSet[];
  interleave?: InterleaveMode;
  /** Client-side limit per request, ms. */
  requestTimeoutMs?: number;
}

export interface RunRecord {
  type: 'run';
  runId: string;
  gridHash: string;
  gridName: string;
  startedAt: string;
  machine: MachineMetadata;
  overrides: AppliedOverride[];
  providers: ProviderStatus[];
  cells: number;
  requestsPlanned: number;
  requestsToRun: number;
}

export interface CellSummaryRecord {
  type: 'cell';
  runId: string;
  gridHash: string;
  cellId: string;
  endpoint: string;
  model: string;
  modelId: string | null;
  /** sha256 of the model's .onnx graph (not its external data file); null for URL endpoints or when unknown. */
  modelFileHash: string | null;
  provider: ProviderName;
  precision: string;
  promptSetId: string;
  promptId: string;
  temperature: number;
  rounds: { ok: number; error: number; skipped: number };
  deterministic: boolean | null;
  /** Distinct output hashes among ok measured rounds. */
  distinctOutputs: number;
  peakRssBytes: number | null;
  finishedAt: string;
}

export interface RunGridResult {
  /** null when there was nothing to do. */
  runId: string | null;
  gridHash: string;
  resultsFile: string;
  cells: Cell[];
  overrides: AppliedOverride[];
  /** Requests handled by this run, by status. */
  counts: { ok: number; error: number; skipped: number };
  /** Cell summaries written by this run. */
  summaries: CellSummaryRecord[];
  aborted: boolean;
  /** Nothing was left to run (every request and summary already stored). */
  upToDate: boolean;
}

/** "tiny cpu int4 workshop#haiku (t=0)": a cell in words for progress lines. */
export function cellLabel(c: Cell): string {
  const ep = c.endpoint === EMBEDDED ? '' : ` @${c.endpoint}`;
  return `${c.model} ${c.provider} ${c.precision} ${c.promptSetId}#${c.promptId}${ep}`;
}

const skipReason = (s: ProviderStatus): string =>
  `execution provider "${s.name}" is not usable on this machine: ${s.reason ?? 'probe failed'}${s.fix ? `. Fix: ${s.fix}` : ''}`;

/**
 * A model that has no variant for the provider asked for (the catalog's "has no variant for
 * the cuda execution provider": tiny is CPU-only) was not run, so it did not fail: 'skipped'.
 */
const NO_VARIANT = /has no variant for the \S+ execution provider/;

/** A RequestRecord from one timed call (what the runner stores for each request). */
export function fromCall(req: PlannedRequest, runId: string, call: TimedCall, modelId: string | null): RequestRecord {
  const base = recordFor(req, runId, call.startedAt);
  const noVariant = call.status === 'error' && call.errorStatus === 404 && NO_VARIANT.test(call.error ?? '');
  return {
    ...base,
    status: noVariant ? 'skipped' : call.status,
    reason: call.error,
    finishReason: call.finishReason,
    ttftMs: call.ttftMs, e2eMs: call.e2eMs, tpotMs: call.tpotMs, itlMs: call.itlMs,
    promptTokens: call.promptTokens, completionTokens: call.completionTokens,
    // The store knows 'usage' and 'counted'; an 'estimated' count (chars/4) is no count at all.
    tokenSource: call.tokenSource === 'estimated' ? null : call.tokenSource,
    decodeTokensPerSecond: call.decodeTokensPerSecond,
    outputSha256: call.status === 'ok' ? call.outputSha256 : null,
    outputText: call.outputText,
    modelId,
  };
}

/** Consecutive requests with the same (cellId, kind, round): one round, its slots sent together. */
function roundsOf(plan: readonly PlannedRequest[]): PlannedRequest[][] {
  const out: PlannedRequest[][] = [];
  for (const r of plan) {
    const last = out[out.length - 1];
    if (last && last[0].cellId === r.cellId && last[0].kind === r.kind && last[0].round === r.round) last.push(r);
    else out.push([r]);
  }
  return out;
}

function summarizeCell(cell: Cell, records: readonly RequestRecord[], extra: Pick<CellSummaryRecord, 'runId' | 'modelId' | 'modelFileHash' | 'peakRssBytes'>): CellSummaryRecord {
  const measured = records.filter((r) => !r.warmup);
  const ok = measured.filter((r) => r.status === 'ok');
  const hashes = new Set(ok.map((r) => r.outputSha256));
  return {
    type: 'cell', runId: extra.runId, gridHash: cell.gridHash, cellId: cell.cellId, endpoint: cell.endpoint, model: cell.model,
    modelId: extra.modelId ?? ok.find((r) => r.modelId)?.modelId ?? null, modelFileHash: extra.modelFileHash,
    provider: cell.provider, precision: cell.precision, promptSetId: cell.promptSetId, promptId: cell.promptId, temperature: cell.temperature,
    rounds: {
      ok: ok.length,
      error: measured.filter((r) => r.status === 'error').length,
      skipped: measured.filter((r) => r.status === 'skipped').length,
    },
    deterministic: cell.temperature === 0 && ok.length > 0 ? hashes.size === 1 : null,
    distinctOutputs: hashes.size,
    peakRssBytes: extra.peakRssBytes,
    finishedAt: new Date().toISOString(),
  };
}

export async function runGrid(spec: GridSpec, opts: RunGridOptions): Promise<RunGridResult> {
  const { spec: applied, applied: overrides } = applyEnvOverrides(spec, opts.env ?? process.env);
  const cells = expandGrid(applied, opts.library ?? loadPromptLibrary());
  const plan = schedule(cells, { interleave: opts.interleave });
  const gridHash = cells[0]?.gridHash ?? '';
  const file = opts.resultsFile;
  const byCell = new Map(cells.map((c) => [c.cellId, c]));

  const stored = readRecords(file);
  const recordsOf = new Map<string, RequestRecord[]>();
  const addRecord = (r: RequestRecord) => {
    const k = cellKey(r);
    const list = recordsOf.get(k);
    if (list) list.push(r); else recordsOf.set(k, [r]);
  };
  for (const r of stored.records) addRecord(r);
  const summarized = new Set(stored.others.filter((o) => (o as { type: string }).type === 'cell')
    .map((o) => cellKey(o as unknown as CellSummaryRecord)));

  const todo = resumePlan(plan, stored.records);
  // The last request of each cell in what is left: its summary follows it.
  const lastOf = new Map<string, number>();
  todo.forEach((r, i) => lastOf.set(cellKey(r), i));
  // Cells whose requests are all stored but whose summary is not (killed in between).
  const orphanCells = cells.filter((c) => !lastOf.has(cellKey(c)) && !summarized.has(cellKey(c)));

  const result: RunGridResult = {
    runId: null, gridHash, resultsFile: file, cells, overrides, counts: { ok: 0, error: 0, skipped: 0 }, summaries: [],
    aborted: false, upToDate: todo.length === 0 && orphanCells.length === 0,
  };
  if (result.upToDate) return result;
  if (opts.signal?.aborted) { result.aborted = true; return result; }

  const runId = randomUUID();
  result.runId = runId;
  const embeddedProviders = [...new Set(cells.filter((c) => c.endpoint === EMBEDDED).map((c) => c.provider))];
  const statuses = embeddedProviders.length ? await probeProviders({ only: embeddedProviders }) : [];
  const usable = new Map(statuses.map((s) => [s.name, s]));
  const run: RunRecord = {
    type: 'run', runId, gridHash, gridName: applied.name ?? 'grid', startedAt: new Date().toISOString(), machine: machineMetadata(),
    overrides, providers: statuses, cells: cells.length, requestsPlanned: plan.length, requestsToRun: todo.length,
  };
  await appendRecords(file, [run]);

  const registry = opts.registry ?? new CatalogRegistry();
  const services = new Map<number, Promise<ServiceHandle>>();
  const clients = new Map<string, OpenAI>();
  const clientFor = async (c: Cell): Promise<OpenAI> => {
    const key = c.endpoint === EMBEDDED ? `embedded:${c.threads}` : c.endpoint;
    let client = clients.get(key);
    if (client) return client;
    let baseURL = c.endpoint;
    let apiKey = process.env.OPENAI_API_KEY ?? 'slmlab';
    if (c.endpoint === EMBEDDED) {
      let svc = services.get(c.threads);
      if (!svc) {
        svc = startService({ logger: silentLogger, apiKey: '', ...opts.serviceOptions, registry, host: '127.0.0.1', port: 0, threads: c.threads });
        services.set(c.threads, svc);
      }
      baseURL = `${(await svc).url}/v1`;
      apiKey = 'slmlab';
    }
    client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
    clients.set(key, client);
    return client;
  };

  // Model identity per load (embedded only): id and graph hash, looked up once after the first ok request.
  const identity = new Map<string, Promise<{ id: string | null; hash: string | null }>>();
  const identify = (c: Cell): Promise<{ id: string | null; hash: string | null }> => {
    const key = `${c.threads}|${c.model}|${c.provider}`;
    let p = identity.get(key);
    if (!p) {
      p = (async () => {
        try {
          const m = await registry.resolve(c.model, c.provider);
          return { id: m.id, hash: await modelFileHash(m.dir).catch(() => null) };
        } catch { return { id: null, hash: null }; }
      })();
      identity.set(key, p);
    }
    return p;
  };

  // Peak RSS per open cell, sampled every 100 ms (embedded endpoints only).
  const peak = new Map<string, number>();
  const sample = () => { const rss = process.memoryUsage().rss; for (const [k, v] of peak) if (rss > v) peak.set(k, rss); };
  const timer = setInterval(sample, 100);
  timer.unref();

  const writeSummary = async (c: Cell) => {
    const k = cellKey(c);
    if (summarized.has(k)) return;
    const id = c.endpoint === EMBEDDED && (recordsOf.get(k) ?? []).some((r) => r.status === 'ok') ? await identify(c) : { id: null, hash: null };
    sample();
    const s = summarizeCell(c, recordsOf.get(k) ?? [], { runId, modelId: id.id, modelFileHash: id.hash, peakRssBytes: peak.get(k) ?? null });
    await appendRecords(file, [s]);
    summarized.add(k);
    peak.delete(k);
    result.summaries.push(s);
  };

  let executedMs = 0, executed = 0, done = 0;
  try {
    for (const c of orphanCells) await writeSummary(c);
    const rounds = roundsOf(todo);
    let index = 0;
    for (const round of rounds) {
      if (opts.signal?.aborted) { result.aborted = true; break; }
      const first = round[0];
      const cell = byCell.get(first.cellId) ?? first.cell;
      const k = cellKey(first);
      const status = cell.endpoint === EMBEDDED ? usable.get(cell.provider) : undefined;
      let records: RequestRecord[];
      if (status && !status.usable) {
        records = round.map((r) => skippedRecord(r, runId, skipReason(status)));
      } else {
        if (cell.endpoint === EMBEDDED && !peak.has(k)) peak.set(k, process.memoryUsage().rss);
        const client = await clientFor(cell);
        const t0 = performance.now();
        const calls = await Promise.all(round.map(() => timedChat(client, {
          model: cell.model,
          messages: cell.messages,
          max_tokens: cell.maxTokens,
          temperature: cell.temperature,
          seed: cell.seed,
          ep: cell.provider,
        } as Parameters<typeof timedChat>[1], {
          timeoutMs: opts.requestTimeoutMs,
          // slmlab's service reports cumulative usage per chunk, so per-token ITL uses exact counts.
          continuousUsage: cell.endpoint === EMBEDDED,
        })));
        executedMs += performance.now() - t0;
        executed += round.length;
        const id = cell.endpoint === EMBEDDED && calls.some((c) => c.status === 'ok') ? (await identify(cell)).id : null;
        records = round.map((r, i) => fromCall(r, runId, calls[i], id));
      }
      // Per-request appends skip fsync (a killed process loses nothing); the cell summary below syncs.
      await appendRecords(file, records, { sync: false });
      for (const r of records) { addRecord(r); result.counts[r.status]++; }
      done += round.length;
      index += round.length;
      if (lastOf.get(k) === index - 1) await writeSummary(cell);
      if (opts.onProgress) {
        const perRequest = executed ? executedMs / executed / 1000 : null;
        const left = todo.slice(index).filter((r) => {
          const s = r.cell.endpoint === EMBEDDED ? usable.get(r.cell.provider) : undefined;
          return !s || s.usable;
        }).length;
        opts.onProgress({ done, total: todo.length, etaSeconds: perRequest === null ? null : perRequest * left, cell: cellLabel(cell) });
      }
    }
  } finally {
    clearInterval(timer);
    await Promise.all([...services.values()].map(async (s) => (await s.catch(() => null))?.close()));
  }
  return result;
}
