/**
 * The one verdict on what a run measured, for every face (the CLI's `slmlab bench`, the
 * notebook's benchmark()): 'ok', 'partial' (some model only failed while others answered) or
 * 'failed' (requests were measured and none succeeded: an endpoint that does not answer, a
 * model it does not serve). Skipped requests (an unusable provider or engine) are not
 * failures. The verdict carries the error it amounts to, so the faces print the same words
 * and exit with the same code (lib/errors.ts; the CLI's exit-code table, docs/cli.md):
 *
 * - policy 'run' (the CLI): only 'failed' is an error, BenchFailedError (exit 3 when every
 *   failure was a 404 for the model, else 8); a partial grid reports its rows;
 * - policy 'model' (a lesson): every model that only failed is an error, LessonRunError,
 *   rather than empty figures in a table.
 *
 * An interrupted run is no verdict's failure: it is resumed.
 */
import type { ErrorCode, SlmlabError } from '../../errors';
import { isMeasured, type RequestRecord } from '../store/record';
import { BenchFailedError, LessonRunError } from './errors';

export type VerdictStatus = 'ok' | 'partial' | 'failed';

/** A model whose every measured request failed: where, and its first error's reason (which names the fix). */
export interface FailedModel { model: string; provider: string; reason: string }

export interface Verdict {
  status: VerdictStatus;
  failedModels: FailedModel[];
  /** The distinct reasons of the failed measured requests. */
  reasons: string[];
  /** What the failures amount to: 'model_not_found' when every one was a 404 for the model, else 'endpoint_not_found'. */
  code: ErrorCode;
  /** The error to raise under the policy asked for; null when there is none. */
  error: SlmlabError | null;
}

export interface VerdictOptions {
  /** 'run' (default): fail only when nothing succeeded; 'model': fail when any model only failed. */
  policy?: 'run' | 'model';
  /** The run was interrupted (it resumes): never an error. */
  aborted?: boolean;
}

/** The verdict on `records` (this run's request lines; warmups and cooldowns are left out here). */
export function runVerdict(records: readonly RequestRecord[], o: VerdictOptions = {}): Verdict {
  const measured = records.filter(isMeasured);
  const errors = measured.filter((r) => r.status === 'error');
  const failedModels: FailedModel[] = [];
  for (const model of new Set(measured.map((r) => r.model))) {
    const own = measured.filter((r) => r.model === model);
    const first = own.find((r) => r.status === 'error');
    if (first && !own.some((r) => r.status === 'ok')) failedModels.push({ model, provider: first.provider, reason: first.reason ?? 'failed' });
  }
  const status: VerdictStatus = errors.length > 0 && !measured.some((r) => r.status === 'ok') ? 'failed' : failedModels.length > 0 ? 'partial' : 'ok';
  const reasons = [...new Set(errors.map((r) => r.reason ?? 'failed'))];
  // 'endpoint_not_found' is the code of "no endpoint answering" (exit 8) in the unified error table.
  const code: ErrorCode = reasons.length > 0 && reasons.every((r) => /404|not found|does not exist/i.test(r)) ? 'model_not_found' : 'endpoint_not_found';
  let error: SlmlabError | null = null;
  if (!o.aborted && (o.policy ?? 'run') === 'run' && status === 'failed') error = new BenchFailedError(reasons, code);
  if (!o.aborted && o.policy === 'model' && failedModels.length > 0) {
    error = new LessonRunError(`no request succeeded for ${failedModels.map((f) => `${f.model} on ${f.provider}: ${f.reason}`).join('; ')}`);
  }
  return { status, failedModels, reasons, code, error };
}
