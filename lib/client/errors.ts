/**
 * The client room's typed error. Endpoint failures during a timed call are never thrown (they
 * come back as a record with status 'error'); this is for not finding an endpoint at all, or
 * being handed one that is not a URL.
 */
export class EndpointError extends Error {
  readonly code = 'endpoint_not_found' as const;
  /** What was looked at, in order, and why each gave nothing. */
  readonly tried: string[];
  constructor(message: string, tried: string[] = []) {
    super(message);
    this.name = 'EndpointError';
    this.tried = tried;
  }
}
