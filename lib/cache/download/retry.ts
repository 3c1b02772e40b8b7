/**
 * Retry policy: exponential backoff with "equal jitter" (Brooker, "Exponential Backoff And
 * Jitter", AWS Architecture Blog, 2015): the n-th wait is e/2 + random(0, e/2) with
 * e = min(cap, base * 2^(n-1)), so waits grow but two clients that failed together do
 * not retry in lockstep. A server's Retry-After (RFC 9110 §10.2.3, seconds) raises the wait.
 */
import { AbortedError } from '../../errors';

export interface RetryPolicy {
  /** Attempts per request, the first included (default 5). */
  tries: number;
  /** First backoff in ms (default 500). */
  baseMs: number;
  /** Longest backoff in ms (default 30 000). */
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { tries: 5, baseMs: 500, capMs: 30_000 };

export function retryPolicy(r?: number | Partial<RetryPolicy>): RetryPolicy {
  if (r === undefined) return DEFAULT_RETRY;
  if (typeof r === 'number') return { ...DEFAULT_RETRY, tries: Math.max(1, Math.floor(r)) };
  return { ...DEFAULT_RETRY, ...r, tries: Math.max(1, Math.floor(r.tries ?? DEFAULT_RETRY.tries)) };
}

/** Wait before retry number `attempt` (1 = the first retry). */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterMs: number | null = null, random: () => number = Math.random): number {
  const e = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = e / 2 + random() * (e / 2);
  return retryAfterMs !== null ? Math.min(policy.capMs, Math.max(jittered, retryAfterMs)) : jittered;
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | string[] | undefined): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(new AbortedError('download aborted by the caller')); return; }
    const onAbort = () => { clearTimeout(t); reject(new AbortedError('download aborted by the caller')); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
