/**
 * Downloads one file into a partial folder, resumably:
 *   - a file already partly on disk is continued with `Range: bytes=<have>-` (RFC 9110
 *     §14.2); a 206 whose Content-Range starts at <have> is appended; a server MAY ignore
 *     Range (RFC 9110 §14.2) and answer 200 with the whole file, which then restarts from byte 0;
 *   - checksums are computed while writing (checksum.ts); resumed bytes are re-hashed from disk;
 *   - no response headers within `timeoutMs`, or no body bytes for `stallMs`, is a transient
 *     failure; transient failures are retried with backoff (retry.ts), and an attempt that
 *     moved the file forward does not use up a try;
 *   - a checksum mismatch deletes the file and downloads it once more from scratch, then fails;
 *   - ENOSPC becomes DiskFullError; abort leaves the partial file for the next run;
 *   - never more than the listing says is written: a Content-Length that disagrees with the
 *     listed size is refused before writing, and a body that runs past the listed size is cut
 *     at that size (file removed). Both are the source's fault, not the network's, so they are
 *     not retried. A file of unknown size is bounded by the free space instead.
 */
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import * as path from 'node:path';
import { AbortedError, ChecksumError, DownloadError, SlmlabError } from '../../errors';
import { StreamHasher, type Expected } from './checksum';
import { diskFullError, ensureFreeSpace, formatBytes, freeBytes, isNoSpace } from './disk-space';
import { httpGet, TransientError } from './http';
import { exhaustedError, statusError, type RequestContext } from './http-errors';
import { backoffMs, sleep, type RetryPolicy } from './retry';

export interface RemoteFile extends Expected {
  /** Posix path inside the variant folder. */
  path: string;
  url: string;
  /** How the source names it (the repo path for Hugging Face), for messages. */
  remotePath: string;
}

export interface FetchOptions {
  token?: string;
  /** Origin that may receive the token (the Hub endpoint's). */
  tokenOrigin?: string;
  timeoutMs: number;
  stallMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  repo?: string;
  revision?: string;
  /** Before each attempt: bytes already on disk for this file. */
  onStart?: (have: number) => void;
  onData?: (delta: number) => void;
  /** Bytes counted so far for this file were thrown away (restart from 0). */
  onRewind?: (bytes: number) => void;
  onVerify?: () => void;
  /**
   * Most bytes a file without a listed size may have (issue 21: an endless body filled the
   * disk). Default DEFAULT_MAX_UNLISTED_BYTES; ensure.ts passes the catalog's size when it has one.
   */
  maxUnlistedBytes?: number;
  /** Least bytes every stallMs window must bring (default MIN_BYTES_PER_STALL): a byte a second is a stall too. */
  minBytesPerStall?: number;
}

/** 16 GiB: above any model file slmlab's catalog lists; a file with no listed size may not grow past it. */
export const DEFAULT_MAX_UNLISTED_BYTES = 16 * 1024 ** 3;
/** 16 KiB per stall window: slower than that is no download. */
export const MIN_BYTES_PER_STALL = 16 * 1024;
/** An attempt "moved the file forward" (and so does not use up a try) only past this many new bytes. */
const MIN_PROGRESS_BYTES = 64 * 1024;

/** A file with no listed size and no checksum: its bytes cannot be checked, so a partial one is never resumed. */
export const unverifiable = (f: Expected): boolean => f.size === null && !f.sha256 && !f.gitSha1;

export interface FetchedFile { path: string; size: number; sha256: string }

function sizeOnDisk(file: string): number {
  try { return fs.statSync(file).size; } catch { return 0; }
}

function removeFile(file: string): void {
  try { fs.unlinkSync(file); } catch { /* already gone */ }
}

function aborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortedError('download aborted by the caller; the partial download is kept and resumes on the next run');
}

/** `bytes <start>-<end>/<total|*>` → start and total, or null. */
export function parseContentRange(v: string | undefined): { start: number; total: number | null } | null {
  const m = v ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim()) : null;
  return m ? { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) } : null;
}

export async function fetchFile(file: RemoteFile, dest: string, o: FetchOptions): Promise<FetchedFile> {
  const ctx: RequestContext = { url: file.url, repo: o.repo, revision: o.revision, file: file.remotePath };
  let failures = 0;
  let refetched = false;
  // The most bytes the file has had on disk: an attempt progresses only past it (a mirror that
  // ignores Range and stalls restarts from 0 every time, and must use up its tries).
  let best = 0;
  const blank = unverifiable(file);
  for (;;) {
    aborted(o.signal);
    if (blank) removeFile(dest); // never resumed: what is there cannot be checked
    let have = sizeOnDisk(dest);
    if (file.size !== null && have > file.size) { removeFile(dest); have = 0; }
    best = Math.max(best, have);
    o.onStart?.(have);
    const state = { progressed: false };
    let hasher: StreamHasher;
    const bestBefore = best;
    try {
      if (file.size !== null && have === file.size) {
        o.onVerify?.();
        hasher = new StreamHasher(file);
        await hasher.updateFromFile(dest, have);
      } else {
        hasher = await transfer(file, dest, have, o, ctx, state);
      }
    } catch (e) {
      const now = sizeOnDisk(dest);
      state.progressed = now >= bestBefore + MIN_PROGRESS_BYTES;
      best = Math.max(best, now);
      if (blank) removeFile(dest); // nothing unverifiable is kept as resumable
      if (e instanceof SlmlabError && !(e instanceof TransientError)) {
        if (e instanceof AbortedError) throw new AbortedError(blank ? 'download aborted by the caller; the partial file had no listed size or checksum, so it was removed' : 'download aborted by the caller; the partial download is kept and resumes on the next run');
        throw e;
      }
      if (isNoSpace(e)) throw diskFullError(dest, file.size !== null ? file.size - sizeOnDisk(dest) : null, e);
      const t = e instanceof TransientError ? e : new TransientError((e as Error).message);
      if (t.httpStatus === 416) removeFile(dest);
      if (!state.progressed) failures++;
      if (failures >= o.retry.tries) throw exhaustedError(t, failures, ctx, true);
      if (!state.progressed) await sleep(backoffMs(failures, o.retry, t.retryAfterMs), o.signal);
      continue;
    }

    const { sha256, mismatch } = hasher.finish(file);
    if (!mismatch) {
      syncFile(dest);
      return { path: file.path, size: hasher.bytes, sha256 };
    }
    if (file.size !== null && hasher.bytes < file.size) {
      // The body ended early without an error: resume like a cut connection.
      if (!state.progressed) failures++;
      if (failures >= o.retry.tries) throw exhaustedError(new TransientError(`the server sent ${hasher.bytes} of ${file.size} bytes`), failures, ctx, true);
      continue;
    }
    removeFile(dest);
    o.onRewind?.(hasher.bytes);
    if (!refetched) { refetched = true; continue; }
    throw new ChecksumError(`'${file.remotePath}' from ${o.repo ? `'${o.repo}'` : file.url} does not match its published checksum (${mismatch}). The bad file was deleted and will be downloaded again from the start on the next run; if this repeats, the source changed under a moving revision (pin it to a commit) or something on the network alters downloads`);
  }
}

/** One GET, appended to (206) or replacing (200) what is on disk. Returns the hasher over the whole file. */
async function transfer(file: RemoteFile, dest: string, have: number, o: FetchOptions, ctx: RequestContext, state: { progressed: boolean }): Promise<StreamHasher> {
  const res = await httpGet(file.url, {
    headers: have > 0 ? { range: `bytes=${have}-` } : {},
    token: o.token, tokenOrigin: o.tokenOrigin, timeoutMs: o.timeoutMs, signal: o.signal,
  });
  ctx = { ...ctx, url: res.url };
  const hasher = new StreamHasher(file);
  let flags = 'w';
  if (res.status === 206 && have > 0) {
    const range = parseContentRange(res.headers['content-range'] as string | undefined);
    if (!range || range.start !== have) {
      res.body.destroy();
      removeFile(dest);
      o.onRewind?.(have);
      throw new TransientError(`${res.url} answered a range starting at ${range?.start ?? '?'} instead of ${have}; restarting the file`);
    }
    o.onVerify?.();
    await hasher.updateFromFile(dest, have);
    flags = 'a';
  } else if (res.status === 200 || res.status === 206) {
    if (have > 0) o.onRewind?.(have); // the server ignored Range: start again from byte 0
  } else {
    res.body.resume();
    throw statusError(res.status, res.headers, ctx);
  }
  o.onStart?.(flags === 'a' ? have : 0);
  const start = flags === 'a' ? have : 0;
  const declared = declaredLength(res.headers['content-length']);
  if (file.size !== null && declared !== null && declared !== file.size - start) {
    res.body.destroy();
    throw new DownloadError(`${res.url} announced ${declared} bytes for '${file.remotePath}' (from byte ${start}), but the listing says the file has ${file.size}: ` +
      'nothing was written; the source is inconsistent (a moving revision, or a proxy altering answers): run again later, or pin the revision to a commit', 502, { url: res.url });
  }
  // Unknown size: the announced length must fit, and the body may not outgrow the free space or the cap.
  const cap = o.maxUnlistedBytes ?? DEFAULT_MAX_UNLISTED_BYTES;
  const free = file.size === null ? freeBytes(path.dirname(dest)) : null;
  if (file.size === null && declared !== null && start + declared > cap) {
    res.body.destroy();
    throw new DownloadError(`${res.url} announced ${formatBytes(start + declared)} for '${file.remotePath}', which has no listed size, more than the ${formatBytes(cap)} allowed: nothing was written. ` +
      'If the file really is that large, set SLMLAB_MAX_UNLISTED_BYTES', 502, { url: res.url });
  }
  if (file.size === null && declared !== null) ensureFreeSpace(path.dirname(dest), declared, free);
  const bound = file.size ?? Math.min(cap, free !== null ? start + free : Infinity);
  const minBytes = o.minBytesPerStall ?? MIN_BYTES_PER_STALL;

  let last = Date.now();
  // A window of stallMs must bring minBytes (or the rest of the file): a trickle is a stall too.
  let windowStart = Date.now();
  let windowBytes = 0;
  const stall = setInterval(() => {
    const now = Date.now();
    if (now - last > o.stallMs) { res.body.destroy(new TransientError(`no data from ${new URL(res.url).host} for ${o.stallMs} ms`, null, null, true)); return; }
    if (now - windowStart >= o.stallMs) {
      if (windowBytes < minBytes) { res.body.destroy(new TransientError(`${new URL(res.url).host} sent only ${windowBytes} bytes in ${o.stallMs} ms: too slow to finish`, null, null, true)); return; }
      windowStart = now;
      windowBytes = 0;
    }
  }, Math.max(20, Math.min(1000, o.stallMs / 4)));
  const onAbort = () => res.body.destroy(new AbortedError('download aborted by the caller'));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await writeBody(res.body, fs.createWriteStream(dest, { flags, highWaterMark: WRITE_BUFFER }), (chunk) => {
      if (hasher.bytes + chunk.length > bound) {
        if (file.size === null && hasher.bytes + chunk.length > cap) {
          return new DownloadError(`${res.url} sent more than ${formatBytes(cap)} for '${file.remotePath}', which has no listed size: stopped, and removed the file. ` +
            'If the file really is that large, set SLMLAB_MAX_UNLISTED_BYTES', 502, { url: res.url });
        }
        return file.size !== null
          ? new DownloadError(`${res.url} sent more than the ${formatBytes(file.size)} the listing says '${file.remotePath}' has: stopped at that size and removed the file, nothing more was written; ` +
            'the source is inconsistent: run again later, or pin the revision to a commit', 502, { url: res.url })
          : diskFullError(dest, null);
      }
      hasher.update(chunk);
      last = Date.now();
      windowBytes += chunk.length;
      state.progressed = true;
      o.onData?.(chunk.length);
      return null;
    });
  } catch (e) {
    if (e instanceof DownloadError) { removeFile(dest); throw e; }
    if (e instanceof SlmlabError && !(e instanceof TransientError) && !(e instanceof AbortedError)) throw e;
    if (e instanceof AbortedError || e instanceof TransientError || isNoSpace(e)) throw e;
    if (o.signal?.aborted) throw new AbortedError('download aborted by the caller');
    throw new TransientError(`connection to ${new URL(res.url).host} failed mid-file: ${(e as Error).message}`);
  } finally {
    clearInterval(stall);
    o.signal?.removeEventListener('abort', onAbort);
  }
  return hasher;
}

/**
 * Bytes the file writer may queue before the body is paused. Large, because a paused body
 * keeps chunks in its own buffer, and a connection cut then discards them (Node destroys
 * the response): with a roomy writer, what arrived is what gets written.
 */
const WRITE_BUFFER = 8 * 1024 * 1024;

/**
 * Copies `body` into `out`, calling `onChunk` for each chunk. When the body fails midway
 * (connection cut, stall, abort), every byte already received is still written before this
 * rejects, so the next attempt resumes exactly where the bytes on disk end.
 */
function writeBody(body: IncomingMessage, out: fs.WriteStream, onChunk: (chunk: Buffer) => Error | null): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown = null;
    let ended = false;
    let writeFailed = false;
    const close = () => { if (!ended) { ended = true; out.end(); } };
    body.on('data', (chunk: Buffer) => {
      if (failure) return;
      const refused = onChunk(chunk); // a chunk refused is not written, and the body is cut
      if (refused) { failure = refused; body.destroy(); close(); return; }
      if (!out.write(chunk)) { body.pause(); out.once('drain', () => body.resume()); }
    });
    body.on('end', close);
    body.on('error', (e) => { failure ??= e; close(); });
    body.on('close', () => {
      if (!body.complete && failure === null) failure = new TransientError('the connection closed before the file was complete');
      close();
    });
    out.on('error', (e) => { writeFailed = true; body.destroy(); reject(e); });
    out.on('finish', () => { if (!writeFailed) { if (failure) reject(failure); else resolve(); } });
  });
}

/** A Content-Length header as a number, or null when absent or not a plain number. */
function declaredLength(v: string | undefined): number | null {
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : null;
}

function syncFile(file: string): void {
  let fd: number | null = null;
  try { fd = fs.openSync(file, 'r+'); fs.fsyncSync(fd); } catch { /* best effort (e.g. read-only mounts) */ } finally { if (fd !== null) fs.closeSync(fd); }
}
