/**
 * Exit codes and error printing for the CLI. The exit code is read from the error's `code`
 * alone (every purposeful error extends SlmlabError, lib/errors.ts); the message names the fix
 * and is printed as one line. Anything else is a bug: its stack is printed, with a hint to report it.
 */
import { SlmlabError, type ErrorCode } from '../../lib/errors';
import { fromSystemError } from '../../lib/system-errors';
import { isVerbose } from './verbose';
import { printable } from '../../lib/util/printable';

/** --verbose: the error's code, stack and chain of causes. */
function details(e: Error): string {
  const lines = [`  code: ${(e as SlmlabError).code}`, `  ${e.stack ?? ''}`];
  let cause = e.cause;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`  caused by: ${cause instanceof Error ? cause.stack ?? cause.message : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return lines.join('\n') + '\n';
}

export const EXIT: Record<ErrorCode | 'bug', number> = {
  bug: 1,
  engine_crashed: 1,
  service_error: 1,
  usage: 2,
  invalid_request: 2,
  unknown_provider: 2,
  context_length_exceeded: 2,
  service_start_failed: 2,
  model_not_found: 3,
  model_invalid: 4,
  model_damaged: 4,
  build_failed: 4,
  catalog_invalid: 4,
  provider_unavailable: 5,
  download_failed: 6,
  checksum_mismatch: 6,
  disk_full: 6,
  cache_read_only: 7,
  endpoint_not_found: 8,
  service_not_running: 8,
  aborted: 130,
  // HTTP-level codes of the service, as a client of it sees them
  not_found: 3,
  method_not_allowed: 2,
  payload_too_large: 2,
  invalid_json: 2,
  bad_http_request: 2,
  queue_full: 8,
  invalid_api_key: 2,
  origin_not_allowed: 2,
  host_not_allowed: 2,
  cross_site_refused: 2,
  shutting_down: 8,
  model_unloaded: 8,
  model_not_ready: 8,
  model_preparation_failed: 6,
  // issue 21: a load worker thread died (its cause is the message); a second run on a locked --out;
  // a model whose engine process stopped answering.
  load_worker_failed: 1,
  results_locked: 2,
  model_unavailable: 8,
};

export const EXIT_HELP = `Exit codes:
  0  success
  1  unexpected failure (a bug: please report it with the printed stack)
  2  invalid arguments or request (bad value, prompt too long for the context),
     or the service could not start (port in use, host without a key, unknown host)
  3  model not found
  4  model invalid or damaged, catalog invalid, build or quantisation failed
  5  execution provider unusable on this machine
  6  download failed (network, HTTP error, checksum mismatch, disk full)
  7  the cache (or output folder) is read-only, e.g. Foundry Local's cache
  8  no service is running or answering (\`service status\` when stopped, no endpoint found)
  130 interrupted`;

/** The exit code for anything thrown. */
export function exitCodeOf(e: unknown): number {
  const err = fromSystemError(e);
  return err instanceof SlmlabError ? EXIT[err.code] ?? 1 : EXIT.bug;
}

export function fail(thrown: unknown): never {
  const e = fromSystemError(thrown);
  if (e instanceof SlmlabError) {
    // Messages may carry an endpoint's or a file's text: printed with control characters escaped.
    process.stderr.write(`slmlab: error: ${printable(e.message)}\n`);
    if (isVerbose()) process.stderr.write(details(e));
    process.exit(EXIT[e.code] ?? 1);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`slmlab: unexpected error (a bug: please report it with this trace at the project's issue tracker): ${err.stack ?? err.message}\n`);
  process.exit(EXIT.bug);
}
