/**
 * Typed errors: the one error base of the project. Every error slmlab raises on purpose
 * extends SlmlabError, and every message names the fix, so a user who reads only the message
 * (CLI, notebook, HTTP error body) knows what to do next. `code` is stable and machine-readable
 * (the CLI's exit code is read from it alone: scripts/cli/exit-codes.ts); `status` is the HTTP
 * status the service maps the error to. Anything thrown that is not a SlmlabError is a bug.
 */
export type ErrorCode =
  | 'usage'
  | 'model_not_found'
  | 'model_invalid'
  | 'provider_unavailable'
  | 'unknown_provider'
  | 'context_length_exceeded'
  | 'invalid_request'
  | 'aborted'
  | 'engine_crashed'
  | 'build_failed'
  | 'download_failed'
  | 'checksum_mismatch'
  | 'disk_full'
  | 'cache_read_only'
  | 'catalog_invalid'
  | 'model_damaged'
  | 'endpoint_not_found'
  | 'service_not_running'
  | 'service_start_failed'
  // HTTP-level errors the service raises itself (lib/service/errors.ts)
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'invalid_json'
  | 'bad_http_request'
  | 'queue_full'
  | 'invalid_api_key'
  | 'origin_not_allowed'
  | 'host_not_allowed'
  | 'cross_site_refused'
  | 'shutting_down'
  | 'model_unloaded'
  | 'model_not_ready'
  | 'model_preparation_failed'
  | 'service_error'
  // issue 21
  | 'load_worker_failed'
  | 'results_locked'
  | 'model_unavailable';

export class SlmlabError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string, status = 400, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
  /** A plain record, safe to post across a worker boundary or to serialise as JSON. */
  toJSON(): SerializedError {
    const param = (this as { param?: unknown }).param;
    const provider = (this as { provider?: unknown }).provider;
    return {
      name: this.name, code: this.code, status: this.status, message: this.message,
      ...(typeof param === 'string' ? { param } : {}),
      ...(typeof provider === 'string' ? { provider } : {}),
    };
  }
}

/** A model folder or file is missing. */
export class ModelNotFoundError extends SlmlabError {
  constructor(message: string) { super('model_not_found', message, 404); }
}

/** A catalog model has no variant for the execution provider asked for (`--fallback` may use another). */
export class NoVariantError extends ModelNotFoundError {
  readonly provider: string;
  readonly available: string[];
  constructor(message: string, provider: string, available: string[]) {
    super(message);
    this.provider = provider;
    this.available = available;
  }
}

/** A model folder exists but cannot be loaded (corrupt .onnx, bad config, wrong layout). */
export class ModelInvalidError extends SlmlabError {
  constructor(message: string, options?: { cause?: unknown }) { super('model_invalid', message, 422, options); }
}

/** An execution provider was asked for that cannot run on this machine. */
export class ProviderUnavailableError extends SlmlabError {
  readonly provider: string;
  constructor(provider: string, message: string) {
    super('provider_unavailable', message, 503);
    this.provider = provider;
  }
}

/** A provider name that slmlab does not know. */
export class UnknownProviderError extends SlmlabError {
  constructor(message: string) { super('unknown_provider', message, 400); }
}

/** The prompt (plus max_tokens) does not fit the model's context window. */
export class ContextLengthError extends SlmlabError {
  constructor(message: string) { super('context_length_exceeded', message, 400); }
}

/** A request field is out of range or of the wrong type. */
export class InvalidRequestError extends SlmlabError {
  readonly param: string | undefined;
  constructor(message: string, param?: string) {
    super('invalid_request', message, 400);
    this.param = param;
  }
}

/** The caller aborted a generation. */
export class AbortedError extends SlmlabError {
  constructor(message = 'generation aborted by the caller') { super('aborted', message, 499); }
}

/** The engine worker died; the request failed but the model can be loaded again. */
export class EngineCrashedError extends SlmlabError {
  constructor(message: string) { super('engine_crashed', message, 500); }
}

/** A synthetic model could not be built. */
export class BuildError extends SlmlabError {
  constructor(message: string, options?: { cause?: unknown }) { super('build_failed', message, 400, options); }
}

/**
 * A download failed. `status` is HTTP-ish: the server's status for 4xx answers (404, 401,
 * 403), 502 when the server kept failing (5xx after retries, connection cut), 504 when it
 * stopped sending (timeout, stall). `url` is the address that failed, when there was one.
 */
export class DownloadError extends SlmlabError {
  readonly url: string | undefined;
  constructor(message: string, status = 502, options?: { cause?: unknown; url?: string }) {
    super('download_failed', message, status, options);
    this.url = options?.url;
  }
}

/** A downloaded file's bytes do not match the checksum its source published. */
export class ChecksumError extends SlmlabError {
  constructor(message: string) { super('checksum_mismatch', message, 502); }
}

/** The disk filled up (ENOSPC) or has too little free space for what must be written. */
export class DiskFullError extends SlmlabError {
  readonly path: string;
  readonly neededBytes: number | null;
  constructor(message: string, path = '', neededBytes: number | null = null, options?: { cause?: unknown }) {
    super('disk_full', message, 507, options);
    this.path = path;
    this.neededBytes = neededBytes;
  }
}

/** A folder slmlab only reads (Foundry Local's cache, bring-your-own folders outside the cache). */
export class CacheReadOnlyError extends SlmlabError {
  constructor(message: string) { super('cache_read_only', message, 403); }
}

/**
 * A cached model whose files are not what its completion record says (a truncated or
 * changed file, an external-data reference past the end of its file). Repair with --force.
 */
export class ModelDamagedError extends SlmlabError {
  constructor(message: string) { super('model_damaged', message, 422); }
}

/** A command line or option that cannot be used as given (exit 2). */
export class UsageError extends SlmlabError {
  constructor(message: string) { super('usage', message, 400); }
}

/** The service could not start: port in use, an address that is not this machine's, a host without a key. */
export class ServiceStartError extends SlmlabError {
  constructor(message: string, options?: { cause?: unknown }) { super('service_start_failed', message, 500, options); }
}

/** No slmlab service runs (state file absent, or its process gone). */
export class ServiceNotRunningError extends SlmlabError {
  constructor(message = 'slmlab service is not running: start it with `slmlab service start`') { super('service_not_running', message, 503); }
}

/**
 * The model catalog (data/catalog.json or a user's catalog file) is malformed. `problems`
 * lists every fault with its JSON path; `file` is the catalog that holds them.
 */
export class CatalogError extends SlmlabError {
  readonly problems: string[];
  readonly file: string | undefined;
  constructor(message: string, problems: string[] = [], file?: string) {
    super('catalog_invalid', message, 500);
    this.problems = problems;
    this.file = file;
  }
}

export interface SerializedError {
  name: string;
  code: ErrorCode;
  status: number;
  message: string;
  /** InvalidRequestError: the request field at fault. */
  param?: string;
  /** ProviderUnavailableError: the provider. */
  provider?: string;
}

const byName: Record<string, new (message: string) => SlmlabError> = {
  ModelNotFoundError,
  ModelInvalidError,
  UnknownProviderError,
  ContextLengthError,
  InvalidRequestError,
  AbortedError,
  EngineCrashedError,
  BuildError,
  DownloadError,
  ChecksumError,
  DiskFullError,
  CacheReadOnlyError,
  CatalogError,
  ModelDamagedError,
  UsageError,
};

/** Rebuilds a typed error from its serialised form (worker -> main thread). */
export function reviveError(e: SerializedError): SlmlabError {
  if (e.name === 'ProviderUnavailableError') return new ProviderUnavailableError(e.provider ?? 'unknown', e.message);
  if (e.name === 'InvalidRequestError') return new InvalidRequestError(e.message, e.param);
  if (e.name === 'DownloadError') return new DownloadError(e.message, e.status);
  const Ctor = byName[e.name];
  return Ctor ? new Ctor(e.message) : new SlmlabError(e.code, e.message, e.status);
}

/** The message of anything thrown (an Error's message, or the value as text). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
