/**
 * runPlan: executes a Plan (lib/bench/plan), appending JSON lines to the results file
 * (lib/bench/store), resumable. It decides nothing about what to run; its parts each live in
 * their own file: endpoint-pool (where requests go), model-identity (what was served),
 * process-sampler (the memory of the model's engine process, the service and the caller),
 * load-tracker (the machine's load per cell), measurable-rates (client or server rates, or
 * none when a stream was coalesced), cell-summary (the cell line), eta (time left), batches (what is
 * sent at once), and lib/bench/load for load levels (closed and open loop, workers, lag).
 *
 * Lines written:
 * - `{type:'run'}` once per invocation that has work (store/run-record.ts);
 * - `{type:'request'}` per request (warmups and cooldowns included, marked), appended as
 *   each round or load level completes: 'ok', 'error' (the grid goes on) or 'skipped'
 *   (provider unusable, with the probe's reason and fix; or no variant for that provider);
 * - `{type:'cell'}` per cell after its last measured request (store/cell-record.ts).
 *
 * Starting over (`fresh`) is decided here and nowhere else: the file is removed inside the
 * results lock, before it is read (the CLI's --fresh, benchmark()'s default; a load profile
 * passes it to its first level only).
 *
 * Resuming: requests whose key is stored are not run again, so a re-run of a finished plan
 * writes nothing and a killed or aborted run continues where it stopped. A file holding runs
 * of another intent (other rounds, tokens, prompts...) is refused unless `append` is set
 * (store/intent.ts). An AbortSignal stops before the next round or level (what is in flight
 * completes and is stored; a load level stops sending and stores what it sent).
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { EMBEDDED, type Cell } from '../grid';
import type { Plan } from '../plan';
import { appendRecords, cellKey, checkIntent, droppedSummary, lockResults, readResults, resumePlan, skippedRecord,
  type CellSummaryRecord, type RequestRecord, type RunRecord } from '../store';
import type { ModelRegistry, ServiceOptions } from '../../service';
import { CatalogRegistry } from '../../registry/catalog-registry';
import { probeProviders, softwareGpuAllowed, type ProviderStatus } from '../../engine/providers';
import { machineMetadata } from '../metadata';
import { llamaCppStatus } from '../../engines/status';
import { endpointPool } from './endpoint-pool';
import { modelIdentity } from './model-identity';
import { processSampler, type ServingPids } from './process-sampler';
import { busyWarning, loadTracker } from './load-tracker';
import { isBusy, readLoad } from '../../util/proc';
import { servedFilesBytes } from './model-files';
import { withEngine } from '../../engines/model-id';
import { summarizeCell } from './cell-summary';
import { eta } from './eta';
import { batchesOf, type Batch } from './batches';
import { fromCall } from './from-call';
import { arrivalOffsets } from '../load/arrivals';
import { driveLevel, type LevelSend } from '../load/drive-level';
import { driveLevelInWorkers } from '../load/workers';
import { sender } from '../load/chat-request';
import { lagVerdict, lagWarning, type LagVerdict } from '../load/lag';
import { isMeasured } from '../store/record';
import { nowEpochMs } from '../load/clock';
import { envValue } from '../../environment';

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

export interface RunPlanOptions {
  resultsFile: string;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Registry of the embedded service; default a CatalogRegistry on the cache. */
  registry?: ModelRegistry;
  /** Extra options for the embedded service (threads come from the cell). */
  serviceOptions?: Partial<ServiceOptions>;
  /** Told at once when the machine is busy at start (also RunResult.busyWarning and the run line's loadAtStart). */
  onWarning?: (message: string) => void;
  /** Client-side limit per request, ms. */
  requestTimeoutMs?: number;
  /** Load levels: spread each over this many worker threads (default 1: this process). */
  workers?: number;
  /** Add to a results file that holds runs of other settings (default: refuse, see store/intent.ts). */
  append?: boolean;
  /** Start over: remove the results file first (inside the lock; the one place that does). */
  fresh?: boolean;
  /** How the caller spells "start fresh" and "append" in the refusal (the CLI: '--fresh', '--append'). */
  freshHint?: string;
  appendHint?: string;
}

/** A load level's client-side verdict (see load/lag.ts), for the levels this run drove. */
export interface LevelLag { cellId: string; label: string; verdict: LagVerdict }

export interface RunResult {
  /** null when there was nothing to do. */
  runId: string | null;
  gridHash: string;
  resultsFile: string;
  cells: Cell[];
  overrides: Plan['overrides'];
  /** Requests handled by this run, by status. */
  counts: { ok: number; error: number; skipped: number; interrupted: number };
  /** Cell summaries written by this run. */
  summaries: CellSummaryRecord[];
  /** Lag verdicts of the load levels driven, and a warning per client-bound one. */
  lag: LevelLag[];
  warnings: string[];
  /** The machine was busy when the run started (load-tracker.ts busyWarning); null when it was not. */
  busyWarning?: string | null;
  aborted: boolean;
  /** Nothing was left to run (every request and summary already stored). */
  upToDate: boolean;
}

/** "tiny cpu int4 workshop#haiku (t=0)": a cell in words for progress lines. */
export function cellLabel(c: Cell): string {
  const ep = c.endpoint === EMBEDDED ? '' : ` @${c.endpoint}`;
  const load = c.mode !== 'load' ? '' : c.rate !== null ? ` rate ${c.rate}/s` : ` concurrency ${c.concurrency}`;
  return `${c.model}${c.engine === 'llama.cpp' ? '@llama.cpp' : ''} ${c.provider} ${c.precision} ${c.promptSetId}#${c.promptId}${load}${ep}`;
}

const skipReason = (s: ProviderStatus): string => s.reason?.startsWith('engine ') ? `${s.reason}. Fix: ${s.fix}` :
  `execution provider "${s.name}" is not usable on this machine: ${s.reason ?? 'probe failed'}${s.fix ? `. Fix: ${s.fix}` : ''}`;

export async function runPlan(plan: Plan, opts: RunPlanOptions): Promise<RunResult> {
  const file = opts.resultsFile;
  // One writer per results file: a second run refuses, naming the first's pid (store/results-lock.ts).
  const held = lockResults(file);
  try {
    return await runLocked(plan, opts, file);
  } finally {
    held.release();
  }
}

async function runLocked(plan: Plan, opts: RunPlanOptions, file: string): Promise<RunResult> {
  const { cells, gridHash } = plan;
  if (opts.fresh) fs.rmSync(file, { force: true });
  const stored = readResults(file);
  if (!opts.append && (stored.runs.length > 0 || stored.requests.length > 0)) {
    checkIntent(stored, { intentHash: plan.intentHash, settings: plan.settings, fresh: opts.freshHint, append: opts.appendHint });
  }

  const recordsOf = new Map<string, RequestRecord[]>();
  const addRecord = (r: RequestRecord) => {
    const k = cellKey(r);
    const list = recordsOf.get(k);
    if (list) list.push(r); else recordsOf.set(k, [r]);
  };
  for (const r of stored.requests) addRecord(r);
  const summarized = new Set(stored.cells.map(cellKey));

  const todo = resumePlan(plan.requests, stored.requests);
  // The last request of each cell in what is left: its summary follows it.
  const lastOf = new Map<string, number>();
  todo.forEach((r, i) => lastOf.set(cellKey(r), i));
  // Cells whose requests are all stored but whose summary is not (killed in between).
  const orphanCells = cells.filter((c) => !lastOf.has(cellKey(c)) && !summarized.has(cellKey(c)));

  const result: RunResult = {
    runId: null, gridHash, resultsFile: file, cells, overrides: plan.overrides, counts: { ok: 0, error: 0, skipped: 0, interrupted: 0 }, summaries: [],
    lag: [], warnings: [], aborted: false, upToDate: todo.length === 0 && orphanCells.length === 0,
  };
  // What the reader left out (invalid, foreign, interrupted rows): said, not silently dropped.
  const dropped = droppedSummary(stored);
  if (dropped) result.warnings.push(dropped);
  if (result.upToDate) return result;
  if (opts.signal?.aborted) { result.aborted = true; return result; }

  const runId = randomUUID();
  result.runId = runId;
  const embeddedProviders = [...new Set(cells.filter((c) => c.endpoint === EMBEDDED).map((c) => c.provider))];
  // A grid's allowSoftwareGpu holds for this run: the embedded service's model loads read it from the environment.
  const allowSoftwareGpu = softwareGpuAllowed(plan.spec.allowSoftwareGpu);
  const envBefore = envValue('SLMLAB_ALLOW_SOFTWARE_GPU');
  if (plan.spec.allowSoftwareGpu !== undefined) process.env.SLMLAB_ALLOW_SOFTWARE_GPU = allowSoftwareGpu ? '1' : '0';
  const load0 = readLoad();
  const statuses = embeddedProviders.length ? await probeProviders({ only: embeddedProviders, allowSoftwareGpu }) : [];
  const usable = new Map(statuses.map((s) => [s.name, s]));
  // issue 23: llama.cpp cells without the engine installed are skipped with the fix, like an unusable provider
  const llama = cells.some((c) => c.engine === 'llama.cpp' && c.endpoint === EMBEDDED) ? llamaCppStatus() : null;
  const llamaSkip: ProviderStatus | null = llama && !llama.usable ? { name: 'cpu', usable: false, reason: `engine llama.cpp: ${llama.reason}`, fix: llama.fix } as ProviderStatus : null;
  const unusable = (c: Cell) => {
    if (c.engine === 'llama.cpp' && c.endpoint === EMBEDDED && llamaSkip) return llamaSkip;
    const s = c.endpoint === EMBEDDED ? usable.get(c.provider) : undefined; return s && !s.usable ? s : null;
  };
  const run: RunRecord = {
    type: 'run', runId, gridHash, intentHash: plan.intentHash, settings: plan.settings, gridName: plan.name, startedAt: new Date().toISOString(),
    machine: machineMetadata(), overrides: plan.overrides, providers: statuses, cells: cells.length, requestsPlanned: plan.requests.length,
    requestsToRun: todo.length, workers: opts.workers ?? 1, interleave: plan.interleave, interleaveReason: plan.interleaveReason,
    loadAtStart: { load1: load0.load1, cpuPressureSome10: load0.cpuPressureSome10, logicalCores: load0.logicalCores, busy: isBusy(load0) },
  };
  await appendRecords(file, [run]);

  const registry = opts.registry ?? new CatalogRegistry();
  const pool = endpointPool({ registry, serviceOptions: opts.serviceOptions });
  const identify = modelIdentity(registry);
  const memory = processSampler();
  const loads = loadTracker();
  const busy = busyWarning(load0);
  result.busyWarning = busy;
  if (busy) opts.onWarning?.(busy);
  const timing = eta();
  /** The variant id and file size a cell's model resolves to (for finding its engine process). */
  const serving = new Map<string, Promise<{ id: string | null; fileBytes: number | null }>>();
  /** The id the service's model manager keys the cell's model by (`<id>@llama.cpp` on llama.cpp), and the size of the files its engine loads. */
  const servingOf = (c: Cell) => {
    const key = `${c.model}|${c.provider}|${c.engine}`;
    let p = serving.get(key);
    if (!p) {
      p = registry.resolve(c.model, c.provider).then((m) => ({ id: withEngine(m.id, c.engine), fileBytes: servedFilesBytes(m.dir, c.engine) }), () => ({ id: null, fileBytes: null }));
      serving.set(key, p);
    }
    return p;
  };

  const writeSummary = async (c: Cell) => {
    const k = cellKey(c);
    if (summarized.has(k)) return;
    const id = c.endpoint === EMBEDDED && (recordsOf.get(k) ?? []).some((r) => r.status === 'ok') ? await identify(c) : { id: null, hash: null };
    const mem = memory.close(k);
    const load = loads.close(k);
    const s = summarizeCell(c, recordsOf.get(k) ?? [], {
      runId, modelId: id.id, modelFileHash: id.hash, peakRssBytes: mem?.callerPeakRssBytes ?? null, ...(mem ? { memory: mem } : {}), ...(load ? { load } : {}),
    });
    await appendRecords(file, [s]);
    summarized.add(k);
    result.summaries.push(s);
  };

  /** Sends one batch; returns its records (empty for requests an abort kept from being sent). */
  const execute = async (batch: Batch): Promise<RequestRecord[]> => {
    const { cell, requests } = batch;
    const k = cellKey(cell);
    loads.open(k); // every cell line carries its load, a skipped one's too
    const status = unusable(cell);
    if (status) return requests.map((r) => skippedRecord(r, runId, skipReason(status)));
    const target = await pool.targetFor(cell);
    if (cell.endpoint === EMBEDDED) {
      const svc = await pool.serviceFor(cell);
      const where = await servingOf(cell);
      memory.open(k, () => {
        const found = where.id === null || !svc ? null : svc.manager.processes().models.find((m) => m.id === where.id && m.provider === cell.provider)
          ?? svc.manager.processes().models.find((m) => m.id === where.id);
        return { service: svc ? process.pid : null, model: found?.pid ?? null } satisfies ServingPids;
      }, where.fileBytes);
    } else {
      memory.openExternal(k);
    }
    const send = sender(target.client, { timeoutMs: opts.requestTimeoutMs });
    const t0 = performance.now();
    let sends: LevelSend[];
    if (!batch.level) {
      sends = await Promise.all(requests.map(async (r) => {
        const call = await send(r);
        return { key: r.key, call, scheduledAtMs: call.startEpochMs, sentAtMs: call.startEpochMs, doneAtMs: nowEpochMs(), worker: 0 };
      }));
    } else {
      const offsets = cell.rate === null ? undefined : Object.fromEntries(
        arrivalOffsets(requests.length, cell.rate, { arrivals: cell.arrivals, burstiness: cell.burstiness, seed: cell.seed }).map((t, i) => [requests[i].key, t]));
      sends = (opts.workers ?? 1) > 1
        ? await driveLevelInWorkers(requests, { workers: opts.workers!, baseURL: target.baseURL, apiKey: target.apiKey, offsets, maxConcurrency: cell.maxConcurrency, timeoutMs: opts.requestTimeoutMs, signal: opts.signal })
        : await driveLevel(requests, send, { offsets, maxConcurrency: cell.maxConcurrency, signal: opts.signal });
    }
    timing.add(performance.now() - t0, sends.length);
    const byKey = new Map(requests.map((r) => [r.key, r]));
    const id = cell.endpoint === EMBEDDED && sends.some((s) => s.call.status === 'ok') ? (await identify(cell)).id : null;
    const note = cell.endpoint === EMBEDDED ? usable.get(cell.provider)?.note ?? null : null;
    const records = sends.map((s) => ({ ...fromCall(byKey.get(s.key)!, runId, s.call, id, s), adapterNote: note }));
    if (batch.level) {
      const verdict = lagVerdict(records.filter(isMeasured), cell.rate);
      const label = cellLabel(cell);
      result.lag.push({ cellId: cell.cellId, label, verdict });
      if (verdict.clientBound) result.warnings.push(lagWarning(label, verdict));
    }
    return records;
  };

  let done = 0, index = 0;
  try {
    for (const c of orphanCells) await writeSummary(c);
    for (const batch of batchesOf(todo)) {
      if (opts.signal?.aborted) { result.aborted = true; break; }
      const records = await execute(batch);
      // Per-request appends skip fsync (a killed process loses nothing); the cell summary below syncs.
      await appendRecords(file, records, { sync: false });
      for (const r of records) { addRecord(r); result.counts[r.status]++; }
      done += batch.requests.length;
      index += batch.requests.length;
      if (records.length < batch.requests.length) { result.aborted = true; break; }
      if (lastOf.get(cellKey(batch.cell)) === index - 1) await writeSummary(batch.cell);
      if (opts.onProgress) {
        const left = todo.slice(index).filter((r) => !unusable(r.cell)).length;
        opts.onProgress({ done, total: todo.length, etaSeconds: timing.secondsFor(left), cell: cellLabel(batch.cell) });
      }
    }
  } finally {
    memory.stop();
    await pool.close();
    if (plan.spec.allowSoftwareGpu !== undefined) {
      if (envBefore === undefined) delete process.env.SLMLAB_ALLOW_SOFTWARE_GPU; else process.env.SLMLAB_ALLOW_SOFTWARE_GPU = envBefore;
    }
  }
  return result;
}
