/**
 * Errors as OpenAI clients expect them: `{ error: { message, type, param, code } }` with the
 * HTTP status. Engine errors (SlmlabError) keep their status, code and param; the service adds
 * its own HTTP-level errors below. Anything else is a 500 whose message still says what broke.
 */
import { SlmlabError, type ErrorCode } from '../errors';
import { fromSystemError } from '../system-errors';

/** An HTTP-level failure raised by the service itself (routing, body, auth, queue). */
export class ServiceError extends SlmlabError {
  constructor(
    status: number,
    /** One of ErrorCode; a route's own new code is accepted too (the CLI maps unknown codes to exit 1). */
    code: ErrorCode | (string & {}),
    message: string,
    readonly param: string | null = null,
    /** Extra response headers, e.g. Allow for 405 or Retry-After for 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(code as ErrorCode, message, status);
  }
}

export const badRequest = (message: string, param: string | null = null, code: ErrorCode = 'invalid_request') =>
  new ServiceError(400, code, message, param);

export const routeNotFound = (method: string, path: string) =>
  new ServiceError(404, 'not_found', `no route ${method} ${path}: see /v1/models, /v1/chat/completions and /openai/status`);

export const methodNotAllowed = (method: string, path: string, allowed: string[]) =>
  new ServiceError(405, 'method_not_allowed', `${method} is not allowed on ${path}: use ${allowed.join(' or ')}`, null, { Allow: allowed.join(', ') });

export const payloadTooLarge = (limit: number) =>
  new ServiceError(413, 'payload_too_large', `the request body is larger than ${limit} bytes: send a shorter request, or start the service with a larger maxBodyBytes`);

export const queueFull = (model: string, waiting: number) =>
  new ServiceError(429, 'queue_full', `model '${model}' already has ${waiting} requests waiting: retry shortly, or start the service with a larger maxQueue`, null, { 'Retry-After': '1' });

export const shuttingDown = () =>
  new ServiceError(503, 'shutting_down', 'the service is shutting down: retry once it is back', null, { 'Retry-After': '1' });

export const unauthorized = () =>
  new ServiceError(401, 'invalid_api_key', 'missing or wrong API key: send `Authorization: Bearer <key>` with the key the service was started with (SLMLAB_API_KEY)');

export const forbiddenOrigin = (origin: string) =>
  new ServiceError(403, 'origin_not_allowed', `cross-origin requests from ${origin} are not allowed: only pages served from localhost, 127.0.0.1 or [::1] may call this service`);

export const crossSiteRefused = (why: string) =>
  new ServiceError(403, 'cross_site_refused', `this route changes the service's state and the request comes from a web page of another site (${why}): ` +
    'call it from a terminal, a script or a page served from localhost; see docs/service.md, "Requests from web pages"');

export const modelUnloaded = (model: string) =>
  new ServiceError(503, 'model_unloaded', `model '${model}' was unloaded (forced) while this request waited or ran: send it again to load the model afresh`, null, { 'Retry-After': '1' });

export const forbiddenHost = (host: string) =>
  new ServiceError(403, 'host_not_allowed', `Host '${host}' is not a loopback name: this service is bound to loopback, so call it as localhost or 127.0.0.1`);

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** OpenAI's error `type` for a status. */
function typeFor(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** The status and OpenAI-shaped body for anything thrown while serving a request. */
export function toErrorResponse(thrown: unknown): { status: number; body: OpenAIErrorBody; headers: Record<string, string> } {
  const e = fromSystemError(thrown);
  if (e instanceof ServiceError) {
    return { status: e.status, body: { error: { message: e.message, type: typeFor(e.status), param: e.param, code: e.code } }, headers: e.headers };
  }
  if (e instanceof SlmlabError) {
    const raw = (e as { param?: unknown }).param;
    let param = typeof raw === 'string' ? raw : null;
    if (e.code === 'context_length_exceeded' && !param) param = 'messages';
    if (e.code === 'unknown_provider' && !param) param = 'ep';
    if (e.code === 'model_not_found' && !param) param = 'model';
    // 499 (aborted) is nginx's "client closed request": only seen when the client is already gone.
    const status = e.status >= 400 && e.status < 600 ? e.status : 500;
    const headers = (e as { headers?: unknown }).headers;
    return { status, body: { error: { message: e.message, type: typeFor(status), param, code: e.code } }, headers: headers && typeof headers === 'object' ? headers as Record<string, string> : {} };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { status: 500, body: { error: { message: `internal error: ${message}`, type: 'server_error', param: null, code: 'internal_error' } }, headers: {} };
}
