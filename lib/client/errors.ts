/**
 * The client room's typed error. Endpoint failures during a timed call are never thrown (they
 * come back as a record with status 'error'); this is for not finding an endpoint at all, or
 * being handed one that is not a URL.
 */
import { SlmlabError } from '../errors';

export class EndpointError extends SlmlabError {
  /** What was looked at, in order, and why each gave nothing. */
  readonly tried: string[];
  constructor(message: string, tried: string[] = []) {
    super('endpoint_not_found', message, 503);
    this.tried = tried;
  }
}
