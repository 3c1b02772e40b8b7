/**
 * Service-level objectives and goodput. An SLO is an upper bound per metric in ms:
 * `--slo ttft=500,tpot=50,e2e=10000` (also itl: every inter-token gap of the request).
 * A request is good when it succeeded and meets every bound given: DistServe's goodput
 * (Zhong et al., OSDI 2024), as vLLM's `bench serve --goodput` counts it. A TPOT that does
 * not exist (fewer than 2 tokens) does not count against the request.
 */
import { SlmlabError } from '../../errors';
import type { RequestRecord } from '../store/record';

export interface Slo { ttftMs?: number; tpotMs?: number; e2eMs?: number; itlMs?: number }

export const SLO_METRICS = { ttft: 'ttftMs', tpot: 'tpotMs', e2e: 'e2eMs', e2el: 'e2eMs', itl: 'itlMs' } as const;

export class SloError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 400); }
}

/** "ttft=500,tpot=50,e2e=10000" (ms; ':' works too, as in vLLM's ttft:500) as an Slo. */
export function parseSlo(text: string): Slo {
  const out: Slo = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z0-9]+)\s*[=:]\s*(\d+(?:\.\d+)?)(?:ms)?$/i.exec(part);
    const key = m ? SLO_METRICS[m[1].toLowerCase() as keyof typeof SLO_METRICS] : undefined;
    if (!m || !key) throw new SloError(`--slo: cannot read ${JSON.stringify(part)}; write metric=ms pairs such as ttft=500,tpot=50,e2e=10000 (metrics: ttft, tpot, itl, e2e)`);
    out[key] = Number(m[2]);
  }
  if (Object.keys(out).length === 0) throw new SloError('--slo: no objective given; write e.g. ttft=500,tpot=50,e2e=10000');
  return out;
}

export const formatSlo = (s: Slo): string =>
  Object.entries(s).map(([k, v]) => `${k.replace(/Ms$/, '')}≤${v}ms`).join(', ');

/** Whether one request meets every objective of `slo` (a failed request never does). */
export function meetsSlo(r: Pick<RequestRecord, 'status' | 'ttftMs' | 'tpotMs' | 'e2eMs' | 'itlMs'>, slo: Slo): boolean {
  if (r.status !== 'ok') return false;
  if (slo.ttftMs !== undefined && !(r.ttftMs !== null && r.ttftMs <= slo.ttftMs)) return false;
  if (slo.e2eMs !== undefined && !(r.e2eMs !== null && r.e2eMs <= slo.e2eMs)) return false;
  if (slo.tpotMs !== undefined && r.tpotMs !== null && r.tpotMs > slo.tpotMs) return false;
  if (slo.itlMs !== undefined && r.itlMs.some((g) => g > slo.itlMs!)) return false;
  return true;
}
