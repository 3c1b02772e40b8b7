/**
 * Memory of the processes that serve a cell, sampled from /proc (lib/util/proc) every
 * `intervalMs` (default 100) from the cell's first request to its last:
 *
 * - the model's engine process (the pid the service's model manager reports for the cell's
 *   model, EngineModel.pid): the largest VmRSS sampled, VmHWM at the end (the kernel's own
 *   peak since that process started, so it includes loading the model), and the largest PSS
 *   and USS (smaps_rollup, read every `sharingEveryMs`, default 1000, and at the end);
 * - the service process (the process that answers HTTP; for the embedded service it is the
 *   caller itself, so the two columns then agree);
 * - the caller (this process: the runner or the notebook kernel), by process.memoryUsage().
 *
 * A URL endpoint is another machine's or another user's process as far as the runner knows:
 * its fields are null with the reason "not measured here".
 */
import { readProcMemory, readProcSharing } from '../../util/proc';
import type { CellMemory } from '../store/cell-record';

export const NOT_MEASURED_HERE = 'not measured here: the endpoint is not a service this runner started, so its processes are not known';

/** Where a cell's processes are: the service pid and, once loaded, the model's engine pid. */
export interface ServingPids { service: number | null; model: number | null }

interface Track {
  locate: () => ServingPids;
  modelFileBytes: number | null;
  pids: ServingPids;
  model: { peakRss: number; hwm: number; pss: number | null; uss: number | null } | null;
  servicePeak: number | null;
  callerPeak: number;
  lastSharingMs: number;
}

export interface ProcessSampler {
  /** Starts (or goes on) tracking `key`; `locate` is asked for the pids at every sample until both are known. */
  open(key: string, locate: () => ServingPids, modelFileBytes: number | null): void;
  /** Tracks the caller only, for a cell whose serving processes are not ours to see. */
  openExternal(key: string): void;
  /** Samples now and returns (and forgets) `key`'s figures; null when it was never opened. */
  close(key: string): CellMemory | null;
  stop(): void;
}

export function processSampler(opts: { intervalMs?: number; sharingEveryMs?: number } = {}): ProcessSampler {
  const open = new Map<string, Track>();
  const external = new Map<string, number>();
  const sharingEvery = opts.sharingEveryMs ?? 1000;

  const sampleOne = (t: Track, final: boolean) => {
    if (t.pids.model === null || t.pids.service === null) {
      const found = t.locate();
      t.pids = { service: t.pids.service ?? found.service, model: t.pids.model ?? found.model };
    }
    const caller = process.memoryUsage().rss;
    if (caller > t.callerPeak) t.callerPeak = caller;
    if (t.pids.service !== null) {
      const s = t.pids.service === process.pid ? caller : readProcMemory(t.pids.service)?.rssBytes ?? null;
      if (s !== null) t.servicePeak = Math.max(t.servicePeak ?? 0, s);
    }
    if (t.pids.model !== null) {
      const m = readProcMemory(t.pids.model);
      if (!m) return;
      const cur = t.model ?? { peakRss: 0, hwm: 0, pss: null, uss: null };
      cur.peakRss = Math.max(cur.peakRss, m.rssBytes);
      cur.hwm = Math.max(cur.hwm, m.hwmBytes);
      const now = Date.now();
      if (final || now - t.lastSharingMs >= sharingEvery) {
        t.lastSharingMs = now;
        const sh = readProcSharing(t.pids.model);
        if (sh) { cur.pss = Math.max(cur.pss ?? 0, sh.pssBytes); cur.uss = Math.max(cur.uss ?? 0, sh.ussBytes); }
      }
      t.model = cur;
    }
  };
  const sample = () => {
    for (const t of open.values()) sampleOne(t, false);
    const rss = process.memoryUsage().rss;
    for (const [k, v] of external) if (rss > v) external.set(k, rss);
  };
  const timer = setInterval(sample, opts.intervalMs ?? 100);
  timer.unref();

  return {
    open: (key, locate, modelFileBytes) => {
      if (open.has(key)) return;
      const t: Track = { locate, modelFileBytes, pids: { service: null, model: null }, model: null, servicePeak: null, callerPeak: 0, lastSharingMs: 0 };
      open.set(key, t);
      sampleOne(t, false);
    },
    openExternal: (key) => { if (!external.has(key)) external.set(key, process.memoryUsage().rss); },
    close: (key) => {
      const t = open.get(key);
      if (t) {
        sampleOne(t, true);
        open.delete(key);
        const m = t.model;
        return {
          modelProcess: m && t.pids.model !== null
            ? { pid: t.pids.model, peakRssBytes: Math.max(m.peakRss, m.hwm), sampledPeakRssBytes: m.peakRss, hwmBytes: m.hwm, pssBytes: m.pss, ussBytes: m.uss }
            : null,
          serviceProcess: t.pids.service !== null && t.servicePeak !== null ? { pid: t.pids.service, peakRssBytes: t.servicePeak } : null,
          callerPeakRssBytes: t.callerPeak,
          modelFileBytes: t.modelFileBytes,
          notMeasured: m ? null : 'the model process was not found (it never loaded, or it is not a separate process)',
        };
      }
      const e = external.get(key);
      if (e === undefined) return null;
      external.delete(key);
      return {
        modelProcess: null, serviceProcess: null, callerPeakRssBytes: Math.max(e, process.memoryUsage().rss), modelFileBytes: null, notMeasured: NOT_MEASURED_HERE,
      };
    },
    stop: () => clearInterval(timer),
  };
}
