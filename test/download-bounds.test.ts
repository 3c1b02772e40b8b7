/**
 * Issue 21, class 6: a download whose source lists no size is capped, a source that stalls,
 * trickles or ignores Range while stalling gives up after its tries, and a file that cannot be
 * verified (no size, no checksum) is never kept as resumable. A real HTTP server on loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fetchFile, type RemoteFile } from '../lib/cache/download/fetch-file';
import { unlistedCap } from '../lib/cache/download/ensure';
import { AbortedError, DownloadError } from '../lib/errors';

let server: http.Server;
let base = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-dlbounds-'));
const hits: Record<string, number> = {};

before(async () => {
  server = http.createServer((req, res) => {
    const mode = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    hits[mode] = (hits[mode] ?? 0) + 1;
    const t: NodeJS.Timeout[] = [];
    res.on('close', () => t.forEach(clearInterval));
    if (mode === 'endless') { // no Content-Length, bytes for ever
      res.writeHead(200);
      const block = Buffer.alloc(64 * 1024, 7);
      const pump = () => { while (!res.destroyed && res.write(block)) { /* fill */ } if (!res.destroyed) res.once('drain', pump); };
      pump();
      return;
    }
    if (mode === 'huge-announced') { res.writeHead(200, { 'Content-Length': String(50 * 1024 ** 3) }); res.write('x'); return; }
    if (mode === 'range-ignored-stall') { // 200 from byte 0 every time, 100 KB, then silence
      res.writeHead(200, { 'Content-Length': String(1024 * 1024) });
      res.write(Buffer.alloc(100 * 1024, 1));
      return;
    }
    if (mode === 'trickle') { // a byte every 20 ms
      res.writeHead(200, { 'Content-Length': String(1024 * 1024) });
      t.push(setInterval(() => res.write('z'), 20));
      return;
    }
    res.writeHead(404); res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const remote = (mode: string, size: number | null): RemoteFile => ({ path: mode, url: `${base}/${mode}`, remotePath: mode, size, sha256: null, gitSha1: null });
const opts = { timeoutMs: 2000, stallMs: 300, retry: { tries: 3, baseMs: 10, capMs: 20 } };

test('an endless body with no listed size stops at the cap, is refused (not retried) and leaves nothing behind', async () => {
  const dest = path.join(tmp, 'endless.bin');
  hits.endless = 0;
  await assert.rejects(fetchFile(remote('endless', null), dest, { ...opts, maxUnlistedBytes: 2 * 1024 * 1024 }), (e: Error) => {
    assert.ok(e instanceof DownloadError, String(e));
    assert.match(e.message, /no listed size/);
    assert.match(e.message, /SLMLAB_MAX_UNLISTED_BYTES/);
    return true;
  });
  assert.equal(fs.existsSync(dest), false, 'the garbage was kept');
  assert.equal(hits.endless, 1);
});

test('an announced length over the cap is refused before a byte is written', async () => {
  const dest = path.join(tmp, 'huge.bin');
  await assert.rejects(fetchFile(remote('huge-announced', null), dest, { ...opts, maxUnlistedBytes: 1024 ** 3 }), /announced 50\.0 GB|announced .* more than/);
  assert.equal(fs.existsSync(dest), false);
});

test('an unverifiable partial is removed on abort, and a stale one on disk is never resumed', async () => {
  const dest = path.join(tmp, 'abort.bin');
  fs.writeFileSync(dest, 'stale bytes from before'); // would be "resumed" with Range otherwise
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 150);
  await assert.rejects(fetchFile(remote('endless', null), dest, { ...opts, stallMs: 5000, signal: ac.signal, maxUnlistedBytes: 1024 ** 3 }), (e: Error) => e instanceof AbortedError && /removed/.test(e.message));
  assert.equal(fs.existsSync(dest), false);
});

test('a mirror that ignores Range and stalls uses up its tries instead of retrying for ever', async () => {
  const dest = path.join(tmp, 'ranged.bin');
  hits['range-ignored-stall'] = 0;
  const t0 = performance.now();
  await assert.rejects(fetchFile(remote('range-ignored-stall', 1024 * 1024), dest, opts), (e: Error) => e instanceof DownloadError);
  assert.ok(hits['range-ignored-stall'] <= 4, `${hits['range-ignored-stall']} attempts`);
  assert.ok(performance.now() - t0 < 15_000);
});

test('a trickle (a byte every 20 ms) is a stall: it gives up after its tries', async () => {
  const dest = path.join(tmp, 'trickle.bin');
  hits.trickle = 0;
  await assert.rejects(fetchFile(remote('trickle', 1024 * 1024), dest, { ...opts, minBytesPerStall: 4096 }), (e: Error) => {
    assert.ok(e instanceof DownloadError, String(e));
    assert.match(e.message, /too slow|no data/);
    return true;
  });
  assert.ok(hits.trickle <= 3, `${hits.trickle} attempts`);
});

test('the cap comes from the catalog size when there is one, else SLMLAB_MAX_UNLISTED_BYTES, else 16 GiB', () => {
  assert.equal(unlistedCap(1000, {}), Math.ceil(1100) + 1024 * 1024);
  assert.equal(unlistedCap(null, { SLMLAB_MAX_UNLISTED_BYTES: '5000' }), 5000);
  assert.equal(unlistedCap(null, {}), 16 * 1024 ** 3);
});
