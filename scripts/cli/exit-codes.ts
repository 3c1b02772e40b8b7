/**
 * Exit codes and error printing for the CLI: a typed error prints its message (which
 * names the fix) and no stack trace; anything else is a bug and prints its stack.
 */
import { SlmlabError, type ErrorCode } from '../../lib/errors';

export const EXIT: Record<ErrorCode | 'usage' | 'bug', number> = {
  usage: 2,
  invalid_request: 2,
  unknown_provider: 2,
  context_length_exceeded: 2,
  model_not_found: 3,
  model_invalid: 4,
  build_failed: 4,
  provider_unavailable: 5,
  download_failed: 6,
  checksum_mismatch: 6,
  disk_full: 6,
  cache_read_only: 7,
  catalog_invalid: 4,
  aborted: 130,
  engine_crashed: 1,
  bug: 1,
};

export const EXIT_HELP = `Exit codes:
  0  success
  1  unexpected failure (a bug: please report it with the printed stack)
  2  invalid arguments or request (bad value, prompt too long for the context)
  3  model not found
  4  model invalid, catalog invalid, build or quantisation failed
  5  execution provider unusable on this machine
  6  download failed (network, HTTP error, checksum mismatch, disk full)
  7  the model lives in a read-only cache (e.g. Foundry Local's)
  130 interrupted`;

export function fail(e: unknown): never {
  if (e instanceof SlmlabError) {
    process.stderr.write(`slmlab: error: ${e.message}\n`);
    process.exit(EXIT[e.code] ?? 1);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`slmlab: unexpected error: ${err.stack ?? err.message}\n`);
  process.exit(EXIT.bug);
}
