/**
 * A download plan: the list of files a variant's source needs, each with its URL, size and
 * checksums, and where it goes in the variant folder.
 *   - huggingface: the Hub listing (hub-api.ts) filtered to `subfolder` and then to the
 *     `include` globs (relative to the subfolder); files are stored relative to the subfolder,
 *     and fetched from the commit the revision resolved to, so every file comes from one snapshot.
 *   - url: the catalog's list as given.
 */
import type { HuggingFaceSource, UrlSource } from '../../catalog/types';
import { DownloadError } from '../../errors';
import { safeRelativePath } from '../safe-name';
import type { RemoteFile } from './fetch-file';
import { matchesAny } from './glob';
import { fetchHubListing, hubFileUrl, type HubRequestOptions } from './hub-api';

export interface DownloadPlan {
  files: RemoteFile[];
  /** Total bytes, when every size is known. */
  total: number | null;
  commit: string | null;
}

function totalOf(files: RemoteFile[]): number | null {
  return files.every((f) => f.size !== null) ? files.reduce((a, f) => a + (f.size ?? 0), 0) : null;
}

export async function planHuggingFace(source: HuggingFaceSource, o: HubRequestOptions): Promise<DownloadPlan> {
  const listing = await fetchHubListing(source.repo, source.revision, o);
  const sub = source.subfolder.replace(/^\/+|\/+$/g, '');
  const prefix = sub ? `${sub}/` : '';
  const inSub = listing.siblings.filter((s) => s.rfilename.startsWith(prefix));
  const chosen = inSub.filter((s) => matchesAny(s.rfilename.slice(prefix.length), source.include));
  const page = `https://huggingface.co/${source.repo}/tree/${source.revision}${sub ? `/${sub}` : ''}`;
  if (chosen.length === 0) {
    const seen = inSub.slice(0, 12).map((s) => s.rfilename.slice(prefix.length)).join(', ');
    throw new DownloadError(`no file of '${source.repo}' at revision '${source.revision}'${sub ? ` under '${sub}'` : ''} matches ${JSON.stringify(source.include)}${inSub.length ? ` (files there: ${seen}${inSub.length > 12 ? ', ...' : ''})` : ' (that folder is empty or missing)'}: check the variant's subfolder and include patterns against ${page}`, 404);
  }
  const rev = listing.commit ?? source.revision;
  const files = chosen.map((s): RemoteFile => ({
    path: safeRelativePath(s.rfilename.slice(prefix.length)),
    remotePath: s.rfilename,
    url: hubFileUrl(o.endpoint, source.repo, rev, s.rfilename),
    size: s.lfs?.size ?? s.size ?? null,
    sha256: s.lfs?.sha256 ?? null,
    // git blob id = content sha1 only for files stored in git itself (not LFS pointers).
    gitSha1: s.lfs ? null : s.blobId ?? null,
  }));
  return { files, total: totalOf(files), commit: listing.commit };
}

/**
 * The source's files plus, when it names a tokenizerSource, that repo's tokenizer files,
 * which replace the model repo's files of the same name (their listing is a second request).
 */
export async function planHuggingFaceWithTokenizer(source: HuggingFaceSource, o: HubRequestOptions): Promise<DownloadPlan> {
  const main = await planHuggingFace(source, o);
  const t = source.tokenizerSource;
  if (!t) return main;
  const tok = await planHuggingFace({ kind: 'huggingface', repo: t.repo, revision: t.revision, subfolder: t.subfolder, include: t.include }, o);
  const replaced = new Set(tok.files.map((f) => f.path));
  const files = [...main.files.filter((f) => !replaced.has(f.path)), ...tok.files];
  return { files, total: totalOf(files), commit: main.commit };
}

export function planUrl(source: UrlSource): DownloadPlan {
  if (source.files.length === 0) throw new DownloadError('the variant lists no files to download: fix its source in the catalog', 400);
  const files = source.files.map((f): RemoteFile => ({
    path: safeRelativePath(f.path),
    remotePath: f.path,
    url: f.url,
    size: f.size ?? null,
    sha256: f.sha256 ?? null,
    gitSha1: null,
  }));
  return { files, total: totalOf(files), commit: null };
}
