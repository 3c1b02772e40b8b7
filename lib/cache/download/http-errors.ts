/**
 * Turns an HTTP answer that is not a success into the error a user can act on.
 * Hub facts used (huggingface_hub utils/_http.py hf_raise_for_status): the Hub sets
 * `X-Error-Code` to RepoNotFound, RevisionNotFound, EntryNotFound or GatedRepo; it answers
 * 401 both for private/gated repos without a token and for repos that do not exist.
 * 5xx and 429 are transient (retried); other 4xx are final.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DownloadError } from '../../errors';
import { TransientError } from './http';
import { parseRetryAfter } from './retry';

export interface RequestContext {
  url: string;
  /** Hugging Face repo and revision, when the request was for one. */
  repo?: string;
  revision?: string;
  /** The file's path in the repo (or the variant folder), when the request was for a file. */
  file?: string;
}

function header(h: IncomingHttpHeaders, name: string): string {
  const v = h[name];
  return Array.isArray(v) ? v[0] ?? '' : v ?? '';
}

export function statusError(status: number, headers: IncomingHttpHeaders, ctx: RequestContext): Error {
  if (status >= 500 || status === 429 || status === 408) {
    return new TransientError(`HTTP ${status} from ${ctx.url}`, status, parseRetryAfter(headers['retry-after']));
  }
  const code = header(headers, 'x-error-code');
  const where = ctx.repo ? `'${ctx.repo}'${ctx.revision ? ` at revision '${ctx.revision}'` : ''}` : `'${ctx.url}'`;
  const what = ctx.file ? `file '${ctx.file}' of ${where}` : where;
  const page = ctx.repo ? `https://huggingface.co/${ctx.repo}` : null;
  const opts = { url: ctx.url };
  if (ctx.repo) {
    if (status === 401 || code === 'RepoNotFound') {
      return new DownloadError(`Hugging Face answered ${status} for ${what}: the repository does not exist, or it is private or gated. Check the repo id; if it is gated or private, set HF_TOKEN to a token with read access (https://huggingface.co/settings/tokens) and accept the licence at ${page}`, status, opts);
    }
    if (status === 403 || code === 'GatedRepo') {
      return new DownloadError(`Hugging Face refused ${what} (HTTP ${status}${code ? `, ${code}` : ''}): the model is gated. Accept its licence at ${page} with the account whose token is in HF_TOKEN, then run again`, status, opts);
    }
    if (status === 404) {
      const fix = code === 'RevisionNotFound' ? `the revision does not exist: check the variant's revision (a branch, tag or commit of ${page})`
        : code === 'EntryNotFound' || ctx.file ? `the file is not in the repository at that revision: check the variant id, revision and include patterns against ${page}/tree/${ctx.revision ?? 'main'}`
          : `check the variant id and its repo/revision (${page})`;
      return new DownloadError(`Hugging Face has no ${what} (HTTP 404${code ? `, ${code}` : ''}): ${fix}`, 404, opts);
    }
  }
  if (status === 401 || status === 403) {
    return new DownloadError(`the server refused ${what} (HTTP ${status}): it needs credentials slmlab does not have; download the files by hand into a folder and list it in SLMLAB_MODEL_DIRS`, status, opts);
  }
  if (status === 404) return new DownloadError(`${what} was not found (HTTP 404): check the URL in the catalog entry`, 404, opts);
  if (status === 416) return new TransientError(`HTTP 416 (range not satisfiable) from ${ctx.url}`, 416);
  return new DownloadError(`unexpected HTTP ${status} for ${what}: check the source in the catalog entry`, status, opts);
}

/** The error after the last retry failed: the server kept failing, or stopped answering. */
export function exhaustedError(last: TransientError, tries: number, ctx: RequestContext, partialKept: boolean): DownloadError {
  const status = last.timedOut ? 504 : 502;
  const keep = partialKept ? ' What was downloaded is kept: run the same command again to resume.' : '';
  const code = last.httpStatus ? ` (last answer: HTTP ${last.httpStatus})` : '';
  return new DownloadError(`downloading ${ctx.file ? `'${ctx.file}' from ` : ''}${ctx.url} failed after ${tries} ${tries === 1 ? 'try' : 'tries'}${code}: ${last.message}.${keep} If it keeps failing, check your network or proxy, or try later.`, status, { url: ctx.url, cause: last });
}
