/**
 * A Hugging Face Hub imitation on 127.0.0.1 for download tests: real HTTP, real sockets.
 *
 *   GET /api/models/{owner}/{name}/revision/{rev}?blobs=true   listing (hub-api.ts's shape)
 *   GET /{owner}/{name}/resolve/{rev}/{path}                   small files directly; LFS files
 *                                                              302 → the "CDN" (a second port,
 *                                                              so a different origin)
 *   GET /cdn/{owner}/{name}/{path}                             LFS bytes (on the CDN port)
 *   GET /plain/{owner}/{name}/{path}                           bytes for plain-URL sources
 *
 * Like the real Hub: unknown repos answer 401 + X-Error-Code: RepoNotFound, unknown revisions
 * 404 RevisionNotFound, unknown files 404 EntryNotFound; a repo with a token answers 401
 * without one and 403 (GatedRepo) with a wrong one. Byte routes honour `Range: bytes=N-`.
 *
 * Faults, per target (a file path, or 'api' for the listing), optionally for the first K
 * requests only: an HTTP status, a connection cut after N bytes, wrong bytes, Range ignored,
 * throttling, a stall after N bytes, slow headers. Every request is logged with its Range,
 * status, Authorization and body bytes, so tests can prove what was (not) fetched twice.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { mulberry32 } from '../../lib/util/rng';

export interface HubFileSpec {
  path: string;
  data: Buffer;
  /** Stored in LFS (listing has lfs.sha256, resolve redirects to the CDN). Default: 1 KB or more. */
  lfs?: boolean;
}

export interface HubRepoSpec {
  id: string;
  /** Default 'main'. */
  revision?: string;
  files: HubFileSpec[];
  /** When set, requests need `Authorization: Bearer <token>`. */
  token?: string;
}

export interface Fault {
  /** Answer this status instead (api/resolve/plain routes). */
  status?: number;
  errorCode?: string;
  /** Apply to the first K matching requests, then stop (default: every request). */
  times?: number;
  /** Send this many body bytes, then destroy the socket. */
  cutAfter?: number;
  /** Serve other bytes (same size) than the listing's checksums describe. */
  corrupt?: boolean;
  /** Answer Range requests with 200 and the whole file. */
  ignoreRange?: boolean;
  bytesPerSecond?: number;
  /** Send this many body bytes, then nothing (the connection stays open). */
  stallAfter?: number;
  /** Wait this long before answering at all. */
  delayMs?: number;
  /** Lie about sizes: send this many bytes in all (the file, then seeded filler), listing unchanged. */
  sendBytes?: number;
  /** Lie about sizes: announce this Content-Length (the body is what it would have been). */
  contentLength?: number;
  /** Send no Content-Length (chunked), so only the bytes themselves tell the size. */
  chunked?: boolean;
}

export interface LoggedRequest {
  route: 'api' | 'resolve' | 'cdn' | 'plain' | 'other';
  url: string;
  file: string | null;
  range: string | null;
  auth: string | null;
  status: number;
  bodyBytes: number;
}

interface RepoState { spec: HubRepoSpec; revision: string; commit: string; files: Map<string, HubFileSpec> }

/** `n` seeded pseudo-random bytes (the same for the same seed). */
export function seededBytes(n: number, seed: number): Buffer {
  const rng = mulberry32(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rng() * 256);
  return b;
}

/** Every file of a folder as HubFileSpecs under `prefix` (e.g. a model built by buildModel). */
export function filesFromFolder(dir: string, prefix = ''): HubFileSpec[] {
  const out: HubFileSpec[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      else out.push({ path: `${prefix}${rel}${e.name}`, data: fs.readFileSync(path.join(d, e.name)) });
    }
  };
  walk(dir, '');
  return out;
}

export function sha256Hex(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function gitBlobId(b: Buffer): string {
  return crypto.createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
}

export class HubServer {
  readonly log: LoggedRequest[] = [];
  private readonly repos = new Map<string, RepoState>();
  private readonly faults = new Map<string, Fault & { used: number }>();
  private main!: http.Server;
  private cdn!: http.Server;
  endpoint = '';
  cdnOrigin = '';

  static async start(repos: HubRepoSpec[] = []): Promise<HubServer> {
    const hub = new HubServer();
    for (const r of repos) hub.addRepo(r);
    hub.main = http.createServer((req, res) => void hub.handle(req, res));
    hub.cdn = http.createServer((req, res) => void hub.handle(req, res));
    await Promise.all([hub.main, hub.cdn].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    hub.endpoint = `http://127.0.0.1:${(hub.main.address() as AddressInfo).port}`;
    hub.cdnOrigin = `http://127.0.0.1:${(hub.cdn.address() as AddressInfo).port}`;
    return hub;
  }

  addRepo(spec: HubRepoSpec): void {
    const commit = crypto.createHash('sha1').update(`commit:${spec.id}`).digest('hex');
    this.repos.set(spec.id, { spec, revision: spec.revision ?? 'main', commit, files: new Map(spec.files.map((f) => [f.path, f])) });
  }

  commitOf(repo: string): string {
    return this.repos.get(repo)!.commit;
  }

  /** Faults for `target`: a file path in any repo, or 'api' for listings. Replaces an earlier one. */
  fault(target: string, f: Fault): void {
    this.faults.set(target, { ...f, used: 0 });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The URL a plain-URL source would use for a repo file. */
  plainUrl(repo: string, file: string): string {
    return `${this.endpoint}/plain/${repo}/${file}`;
  }

  /** Body bytes sent for `file` (all routes), or in total. */
  bytesServed(file?: string): number {
    return this.log.filter((r) => file === undefined || r.file === file).reduce((a, r) => a + r.bodyBytes, 0);
  }

  requests(file?: string, route?: LoggedRequest['route']): LoggedRequest[] {
    return this.log.filter((r) => (file === undefined || r.file === file) && (route === undefined || r.route === route));
  }

  resetLog(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    for (const s of [this.main, this.cdn]) s.closeAllConnections();
    await Promise.all([this.main, this.cdn].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private takeFault(target: string): Fault | null {
    const f = this.faults.get(target);
    if (!f) return null;
    if (f.times !== undefined && f.used >= f.times) return null;
    f.used++;
    return f;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const entry: LoggedRequest = { route: 'other', url: req.url ?? '', file: null, range: req.headers.range ?? null, auth: req.headers.authorization ?? null, status: 0, bodyBytes: 0 };
    this.log.push(entry);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
      res.end(text);
    };

    if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'revision') {
      entry.route = 'api';
      const fault = this.takeFault('api');
      if (fault?.delayMs) await delay(fault.delayMs);
      if (fault?.status) return answer(fault.status, { error: 'injected' }, fault.errorCode ? { 'x-error-code': fault.errorCode } : {});
      const repo = this.repoFor(`${parts[2]}/${parts[3]}`, req, answer);
      if (!repo) return;
      const rev = parts.slice(5).join('/');
      if (rev !== repo.revision && rev !== repo.commit) return answer(404, { error: `Invalid rev id: ${rev}` }, { 'x-error-code': 'RevisionNotFound' });
      const blobs = url.searchParams.get('blobs') === 'true';
      const siblings = [...repo.files.values()].map((f) => {
        if (!blobs) return { rfilename: f.path };
        const lfs = this.isLfs(f);
        return {
          rfilename: f.path, size: f.data.length, blobId: lfs ? gitBlobId(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256Hex(f.data)}\nsize ${f.data.length}\n`)) : gitBlobId(f.data),
          ...(lfs ? { lfs: { size: f.data.length, sha256: sha256Hex(f.data), pointerSize: 134 } } : {}),
        };
      });
      return answer(200, { id: repo.spec.id, sha: repo.commit, private: false, siblings });
    }

    if (parts.length >= 5 && parts[2] === 'resolve') {
      entry.route = 'resolve';
      const repo = this.repoFor(`${parts[0]}/${parts[1]}`, req, answer);
      if (!repo) return;
      const rev = parts[3];
      const file = parts.slice(4).join('/');
      entry.file = file;
      if (rev !== repo.revision && rev !== repo.commit) return answer(404, 'Revision Not Found', { 'x-error-code': 'RevisionNotFound' });
      const f = repo.files.get(file);
      const fault = this.faults.get(file);
      if (fault?.status && (fault.times === undefined || fault.used < fault.times)) {
        fault.used++;
        if (fault.delayMs) await delay(fault.delayMs);
        return answer(fault.status, 'injected', fault.errorCode ? { 'x-error-code': fault.errorCode } : {});
      }
      if (!f) return answer(404, 'Entry not found', { 'x-error-code': 'EntryNotFound' });
      if (this.isLfs(f)) {
        entry.status = 302;
        res.writeHead(302, { location: `${this.cdnOrigin}/cdn/${repo.spec.id}/${file.split('/').map(encodeURIComponent).join('/')}?X-Amz-Signature=fake` });
        res.end();
        return;
      }
      return this.serveBytes(req, res, f, entry);
    }

    if (parts[0] === 'cdn' || parts[0] === 'plain') {
      entry.route = parts[0];
      const repo = this.repos.get(`${parts[1]}/${parts[2]}`);
      const file = parts.slice(3).join('/');
      entry.file = file;
      const f = repo?.files.get(file);
      if (parts[0] === 'plain') {
        const fault = this.faults.get(file);
        if (fault?.status && (fault.times === undefined || fault.used < fault.times)) {
          fault.used++;
          return answer(fault.status, 'injected');
        }
      }
      if (!f) return answer(404, 'Not Found');
      return this.serveBytes(req, res, f, entry);
    }
    answer(404, 'no such route');
  }

  private isLfs(f: HubFileSpec): boolean {
    return f.lfs ?? f.data.length >= 1024;
  }

  private repoFor(id: string, req: http.IncomingMessage, answer: (s: number, b: unknown, h?: Record<string, string>) => void): RepoState | null {
    const repo = this.repos.get(id);
    if (!repo) { answer(401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' }); return null; }
    if (repo.spec.token) {
      const auth = req.headers.authorization;
      if (!auth) { answer(401, { error: 'Access to model is restricted. You must be authenticated.' }, { 'x-error-code': 'GatedRepo' }); return null; }
      if (auth !== `Bearer ${repo.spec.token}`) { answer(403, { error: 'Access to model is restricted and you are not in the authorized list.' }, { 'x-error-code': 'GatedRepo' }); return null; }
    }
    return repo;
  }

  private async serveBytes(req: http.IncomingMessage, res: http.ServerResponse, f: HubFileSpec, entry: LoggedRequest): Promise<void> {
    const fault = this.takeFault(f.path);
    if (fault?.delayMs) await delay(fault.delayMs);
    let data = f.data;
    if (fault?.corrupt) { data = Buffer.from(data); data[data.length >> 1] ^= 0xff; }
    if (fault?.sendBytes !== undefined && fault.sendBytes > data.length) data = Buffer.concat([data, seededBytes(fault.sendBytes - data.length, 7)]);
    const size = data.length;
    let start = 0;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m && !fault?.ignoreRange) {
      start = Number(m[1]);
      if (start >= size) {
        entry.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      data = data.subarray(start, end + 1);
      entry.status = 206;
      res.writeHead(206, { ...lengthHeader(fault, data.length), 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' });
    } else {
      entry.status = 200;
      res.writeHead(200, { ...lengthHeader(fault, size), 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' });
    }

    const limit = fault?.cutAfter ?? fault?.stallAfter;
    const body = limit !== undefined ? data.subarray(0, Math.min(limit, data.length)) : data;
    const chunk = 16 * 1024;
    for (let off = 0; off < body.length; off += chunk) {
      if (res.destroyed) return;
      const piece = body.subarray(off, off + chunk);
      entry.bodyBytes += piece.length;
      if (fault?.cutAfter !== undefined) {
        // Wait until the piece is handed to the kernel, so the cut happens after it.
        await new Promise<void>((r) => res.write(piece, () => r()));
        continue;
      }
      const ok = res.write(piece);
      if (fault?.bytesPerSecond) await delay((piece.length / fault.bytesPerSecond) * 1000);
      else if (!ok) await drained(res);
    }
    if (fault?.cutAfter !== undefined) {
      res.socket?.destroy();
      return;
    }
    if (fault?.stallAfter !== undefined) return; // left open: the client must notice the stall
    res.end();
  }
}

/** Content-Length as the fault wants it: true, false, or absent (chunked). */
function lengthHeader(fault: Fault | null, n: number): Record<string, string> {
  if (fault?.chunked) return {};
  return { 'content-length': String(fault?.contentLength ?? n) };
}

function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
    res.on('drain', done);
    res.on('close', done);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
