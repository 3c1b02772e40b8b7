/** A class pack that cannot be written or installed: damaged, foreign, or asking for what it may not. */
import { SlmlabError } from '../../errors';

export class PackError extends SlmlabError {
  constructor(message: string) { super('model_invalid', message, 422); }
}
