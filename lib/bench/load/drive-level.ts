/**
 * One load level, driven: the requests of one load-mode cell sent as its profile says, each
 * with when it was meant to go (scheduledAtMs), when it went (sentAtMs) and when it ended.
 *
 * - Closed loop (no offsets): one client per slot; client s sends its requests (warmup,
 *   measured, cooldown rounds, in plan order) one after another, each as soon as the last
 *   one ended. Scheduled = the end of the client's previous request (or the level's start).
 * - Open loop (offsets): request i is due at start + offsets[key]; it is sent then whether or
 *   not earlier ones have finished, unless `maxConcurrency` requests are in flight, in which
 *   case it waits for a free slot (vLLM's --max-concurrency). Scheduled = the later of its
 *   arrival time and the moment a slot freed, so the wait the cap imposes by design is not
 *   counted as client lag.
 *
 * Client lag (sentAtMs - scheduledAtMs) is what this process could not keep up with: a busy
 * event loop, timers firing late. The same code runs in worker threads (worker.ts) when the
 * level is spread over several processes.
 */
import type { PlannedRequest } from '../grid/schedule';
import type { TimedCall } from '../../client/timed-call';
import { nowEpochMs, sleepUntil } from './clock';

export interface LevelSend {
  key: string;
  call: TimedCall;
  scheduledAtMs: number;
  sentAtMs: number;
  doneAtMs: number;
  worker: number;
}

export type SendFn = (req: PlannedRequest) => Promise<TimedCall>;

export interface DriveOptions {
  /** The level's start (Unix ms); default now + 5 ms. Workers share one. */
  startAtMs?: number;
  /** Open loop: send offset (ms from the start) per request key. Absent: closed loop. */
  offsets?: Readonly<Record<string, number>>;
  /** Open loop: most requests in flight in this process; null/undefined: no cap. */
  maxConcurrency?: number | null;
  signal?: AbortSignal;
  /** This process's worker number, stamped on every send. */
  worker?: number;
}

/** A counting semaphore: acquire() waits while `limit` holders are in. */
function semaphore(limit: number) {
  let held = 0;
  const waiting: (() => void)[] = [];
  return {
    acquire: async (): Promise<void> => {
      if (held < limit) { held++; return; }
      await new Promise<void>((r) => waiting.push(r));
    },
    release: (): void => {
      const next = waiting.shift();
      if (next) next(); else held--;
    },
  };
}

export async function driveLevel(requests: readonly PlannedRequest[], send: SendFn, o: DriveOptions = {}): Promise<LevelSend[]> {
  const start = o.startAtMs ?? nowEpochMs() + 5;
  const worker = o.worker ?? 0;
  const out: LevelSend[] = [];
  const one = async (req: PlannedRequest, scheduledAtMs: number): Promise<LevelSend> => {
    const call = await send(req);
    const sent: LevelSend = { key: req.key, call, scheduledAtMs, sentAtMs: call.startEpochMs, doneAtMs: nowEpochMs(), worker };
    out.push(sent);
    return sent;
  };

  if (!o.offsets) {
    const clients = new Map<number, PlannedRequest[]>();
    for (const r of requests) clients.set(r.slot, [...(clients.get(r.slot) ?? []), r]);
    await sleepUntil(start);
    await Promise.all([...clients.values()].map(async (queue) => {
      let due = start;
      for (const req of queue) {
        if (o.signal?.aborted) return;
        due = (await one(req, due)).doneAtMs;
      }
    }));
  } else {
    const offsets = o.offsets;
    const cap = o.maxConcurrency ? semaphore(o.maxConcurrency) : null;
    const inflight: Promise<unknown>[] = [];
    const ordered = [...requests].sort((a, b) => (offsets[a.key] ?? 0) - (offsets[b.key] ?? 0));
    for (const req of ordered) {
      const arrival = start + (offsets[req.key] ?? 0);
      await sleepUntil(arrival);
      if (o.signal?.aborted) break;
      let scheduled = arrival;
      if (cap) {
        const before = nowEpochMs();
        await cap.acquire();
        const after = nowEpochMs();
        if (after - before > 0.5) scheduled = after; // waited for a free slot: the cap's doing, not lag
      }
      inflight.push(one(req, scheduled).finally(() => cap?.release()));
    }
    await Promise.all(inflight);
  }
  return out;
}
