/**
 * The Hugging Face Hub's file listing, with sizes and checksums, in one request:
 *   GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true
 * (huggingface_hub hf_api.py `model_info(repo_id, revision=..., files_metadata=True)`, which
 * sets params["blobs"] = True and URL-quotes the revision with safe=''). The answer holds
 *   sha: the commit the revision resolves to,
 *   siblings: [{ rfilename, size, blobId, lfs?: { size, sha256, pointerSize } }]
 * (hf_api.py ModelInfo.__init__ reads sibling["size"], sibling.get("blobId") and
 * sibling["lfs"]["sha256"|"size"|"pointerSize"]; `lfs` is present only for LFS files).
 * Files are then fetched from {endpoint}/{repo}/resolve/{revision}/{path}
 * (huggingface_hub constants.HUGGINGFACE_CO_URL_TEMPLATE); the token is HF_TOKEN (or the older
 * HUGGING_FACE_HUB_TOKEN), sent as `Authorization: Bearer`.
 */
import { DownloadError, InvalidRequestError } from '../../errors';
import { httpGet, readText, TransientError } from './http';
import { exhaustedError, statusError } from './http-errors';
import { backoffMs, sleep, type RetryPolicy } from './retry';
import { envValue } from '../../environment';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HubSibling {
  rfilename: string;
  size?: number;
  blobId?: string;
  lfs?: { size: number; sha256: string; pointerSize?: number };
}

export interface HubListing {
  /** The commit the revision resolved to (null if the server did not say). */
  commit: string | null;
  siblings: HubSibling[];
}

export interface HubRequestOptions {
  endpoint: string;
  token?: string;
  timeoutMs: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
}

export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (envValue('HF_ENDPOINT', env) || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
}

export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return envValue('HF_TOKEN', env) || envValue('HUGGING_FACE_HUB_TOKEN', env) || undefined;
}

/** `owner/name` (or a bare `name` for legacy repos), characters the Hub allows. */
export function checkRepoId(repo: string): string {
  if (!/^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/.test(repo) || repo.includes('..')) {
    throw new InvalidRequestError(`'${repo}' is not a Hugging Face repo id: expected 'owner/name', e.g. 'onnx-community/Qwen2.5-0.5B-Instruct'`, 'repo');
  }
  return repo;
}

export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

export async function fetchHubListing(repo: string, revision: string, o: HubRequestOptions): Promise<HubListing> {
  checkRepoId(repo);
  const url = `${o.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const ctx = { url, repo, revision };
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await httpGet(url, { token: o.token, tokenOrigin: new URL(o.endpoint).origin, timeoutMs: o.timeoutMs, signal: o.signal, headers: { accept: 'application/json' } });
      if (res.status !== 200) { res.body.resume(); throw statusError(res.status, res.headers, ctx); }
      let body: unknown;
      try { body = JSON.parse(await readText(res.body)); } catch (e) {
        if (e instanceof TransientError) throw e;
        throw new TransientError(`the listing from ${url} is not JSON`);
      }
      return parseListing(body, url);
    } catch (e) {
      if (!(e instanceof TransientError)) throw e;
      if (attempt >= o.retry.tries) throw exhaustedError(e, attempt, ctx, false);
      await sleep(backoffMs(attempt, o.retry, e.retryAfterMs), o.signal);
    }
  }
}

function parseListing(body: unknown, url: string): HubListing {
  const b = body as { sha?: unknown; siblings?: unknown };
  if (!b || typeof b !== 'object' || !Array.isArray(b.siblings)) {
    throw new DownloadError(`the Hub's answer from ${url} has no 'siblings' list: is HF_ENDPOINT a Hugging Face Hub?`, 502, { url });
  }
  const siblings: HubSibling[] = [];
  for (const s of b.siblings as Record<string, unknown>[]) {
    if (!s || typeof s.rfilename !== 'string') continue;
    const lfs = s.lfs as Record<string, unknown> | undefined | null;
    siblings.push({
      rfilename: s.rfilename,
      ...(typeof s.size === 'number' ? { size: s.size } : {}),
      ...(typeof s.blobId === 'string' ? { blobId: s.blobId } : {}),
      ...(lfs && typeof lfs.sha256 === 'string' && typeof lfs.size === 'number'
        ? { lfs: { size: lfs.size, sha256: lfs.sha256, ...(typeof lfs.pointerSize === 'number' ? { pointerSize: lfs.pointerSize } : {}) } } : {}),
    });
  }
  return { commit: typeof b.sha === 'string' && /^[0-9a-f]{40}$/.test(b.sha) ? b.sha : null, siblings };
}
