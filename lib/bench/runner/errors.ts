/** Errors of the runner. */
import { SlmlabError, type ErrorCode } from '../../errors';

/**
 * Every cell of a run failed for an ordinary reason (an endpoint that does not answer, a
 * model it does not serve): nothing was measured. The message lists the distinct reasons.
 * The code is 'model_not_found' when every failure was a 404 for the model, else
 * 'endpoint_not_found' (no endpoint answering).
 */
export class BenchFailedError extends SlmlabError {
  readonly reasons: string[];
  constructor(reasons: string[], code: ErrorCode) {
    super(code, `every cell failed, nothing was measured: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? ` (and ${reasons.length - 3} more reasons)` : ''}`, 502);
    this.reasons = reasons;
  }
}

/** A lesson's model that only failed (runVerdict's 'model' policy): the message of its first error, which names the fix. */
export class LessonRunError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 400); }
}
