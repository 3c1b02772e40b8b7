/**
 * A model could not be quantised (an unsupported graph, an unusable option, a failed write).
 * Code build_failed: exit 4, like a failed `model build`. Graphs that cannot be read at all
 * raise ModelInvalidError (also exit 4) from the reader.
 */
import { SlmlabError } from '../errors';

export class QuantizeError extends SlmlabError {
  constructor(message: string, options?: { cause?: unknown }) { super('build_failed', message, 400, options); }
}
