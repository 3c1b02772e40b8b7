/**
 * Typed errors. Every message names the fix, so a user who reads only the message
 * (CLI, notebook, HTTP error body) knows what to do next. `code` is stable and
 * machine-readable; `status` is the HTTP status the service maps the error to.
 */
export type ErrorCode =
  | 'model_not_found'
  | 'model_invalid'
  | 'provider_unavailable'
  | 'unknown_provider'
  | 'context_length_exceeded'
  | 'invalid_request'
  | 'aborted'
  | 'engine_crashed'
  | 'build_failed';

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
};

/** Rebuilds a typed error from its serialised form (worker -> main thread). */
export function reviveError(e: SerializedError): SlmlabError {
  if (e.name === 'ProviderUnavailableError') return new ProviderUnavailableError(e.provider ?? 'unknown', e.message);
  if (e.name === 'InvalidRequestError') return new InvalidRequestError(e.message, e.param);
  const Ctor = byName[e.name];
  return Ctor ? new Ctor(e.message) : new SlmlabError(e.code, e.message, e.status);
}

/** The message of anything thrown (an Error's message, or the value as text). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
