/** A RequestRecord from one timed call (what the runner stores for each request it sent). */
import type { PlannedRequest } from '../grid/schedule';
import { recordFor, type RequestRecord } from '../store';
import type { TimedCall } from '../../client';
import type { LevelSend } from '../load/drive-level';
import { measurableRates } from './measurable-rates';

/**
 * A model that has no variant for the provider asked for (the catalog's "has no variant for
 * the cuda execution provider": tiny is CPU-only) was not run, so it did not fail: 'skipped'.
 */
const NO_VARIANT = /has no variant for the \S+ execution provider/;

export function fromCall(req: PlannedRequest, runId: string, call: TimedCall, modelId: string | null, send?: Omit<LevelSend, 'key' | 'call'>): RequestRecord {
  const base = recordFor(req, runId, call.startedAt);
  const noVariant = call.status === 'error' && call.errorStatus === 404 && NO_VARIANT.test(call.error ?? '');
  const rates = measurableRates(call);
  return {
    ...base,
    // The run's own signal stopped it mid-flight (Ctrl-C): not a result (store/record.ts).
    status: noVariant ? 'skipped' : call.status === 'error' && call.errorCode === 'aborted' ? 'interrupted' : call.status,
    // An ok call's reason carries what the endpoint sent that could not be true (flagged, not counted).
    reason: call.error ?? (call.anomalies?.length ? call.anomalies.join('; ') : null),
    finishReason: call.finishReason,
    sentAtMs: send?.sentAtMs ?? call.startEpochMs,
    doneAtMs: send?.doneAtMs ?? null,
    // Rounds are sent together by design: no schedule to lag behind.
    lagMs: send && req.cell.mode === 'load' ? send.sentAtMs - send.scheduledAtMs : null,
    scheduledAtMs: send && req.cell.mode === 'load' ? send.scheduledAtMs : null,
    worker: send?.worker ?? 0,
    ttftMs: call.ttftMs, e2eMs: call.e2eMs, tpotMs: rates.tpotMs, itlMs: rates.itlMs, rateSource: rates.rateSource,
    promptTokens: call.promptTokens, completionTokens: call.completionTokens,
    // The store knows 'usage' and 'counted'; an 'estimated' count (chars/4) is no count at all.
    tokenSource: call.tokenSource === 'estimated' ? null : call.tokenSource,
    decodeTokensPerSecond: rates.decodeTokensPerSecond,
    outputSha256: call.status === 'ok' ? call.outputSha256 : null,
    outputText: call.outputText,
    modelId,
  };
}
