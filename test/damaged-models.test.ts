/**
 * Nothing damaged counts as good: a hub that lies about sizes gets no more bytes written than
 * its listing says; a truncated external-data file is found before ONNX Runtime maps it (no
 * SIGBUS); cache listings call damaged models damaged; download and build repair them; two
 * builds of one model share the work; what a killed build leaves is removed.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatalogVariant } from '../lib/catalog/types';
import { ensureVariant, type EnsureOptions } from '../lib/cache/download/ensure';
import { buildUnderLock } from '../lib/cache/build-locked';
import { cleanCache } from '../lib/cache/clean';
import { BUILD_FILE, readCompletion } from '../lib/cache/completion';
import { listCache } from '../lib/cache/list';
import { loadModel } from '../lib/engine/engine';
import { DownloadError, ModelDamagedError } from '../lib/errors';
import { checkExternalData, externalDataRefs } from '../lib/onnx/external-data-check';
import { buildModel } from '../lib/cache/build-model';
import { HubServer, filesFromFolder, seededBytes } from './helpers/hub-server';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

const BIG = seededBytes(200_000, 3);
let root: string;
let hub: HubServer;
let caches = 0;
const freshCache = () => path.join(root, `cache-${++caches}`);

function hf(id: string, repo: string, subfolder = '', include: string[] = ['**']): CatalogVariant {
  return { id, device: 'CPU', provider: 'cpu', precision: 'fp32', version: 1, sizeBytes: null, source: { kind: 'huggingface', repo, revision: 'main', subfolder, include } };
}
const fast = (cache: string, extra: EnsureOptions = {}): EnsureOptions =>
  ({ cacheDir: cache, endpoint: hub.endpoint, env: {}, retries: { tries: 3, baseMs: 10, capMs: 40 }, timeoutMs: 3000, stallMs: 3000, lock: { pollMs: 20 }, ...extra });
const blob = () => hf('blob-cpu-fp32:1', 'test-org/blob', '', ['big.bin']);
const tinyVariant = () => hf('tiny-cpu-fp32:1', 'test-org/tiny-onnx', 'cpu/tiny', ['*.json', 'model.onnx*']);

/** Largest size any file under `dir` reached (files are only appended to, so the final size is the most written). */
function bytesUnder(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += fs.statSync(path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).size;
  }
  return total;
}

before(async () => {
  root = makeTempDir();
  await buildTiny(root, 'tiny-src');
  hub = await HubServer.start([
    { id: 'test-org/blob', files: [{ path: 'big.bin', data: BIG }] },
    { id: 'test-org/tiny-onnx', files: filesFromFolder(path.join(root, 'tiny-src'), 'cpu/tiny/').map((f) => ({ ...f, lfs: !f.path.endsWith('.json') })) },
  ]);
});
after(async () => { await hub?.close(); removeTempDir(root); });
afterEach(() => { hub.clearFaults(); hub.resetLog(); });

describe('a hub that lies about sizes', () => {
  test('a body that runs on past the listed size is cut there: never more written, not fetched twice', async () => {
    const cache = freshCache();
    hub.fault('big.bin', { sendBytes: 30 * BIG.length, chunked: true });
    await assert.rejects(ensureVariant(blob(), fast(cache)), (e: unknown) => e instanceof DownloadError && /sent more than .* the listing says/.test(e.message));
    assert.ok(bytesUnder(cache) <= BIG.length + 4096, `wrote ${bytesUnder(cache)} bytes for a ${BIG.length}-byte file`);
    assert.equal(hub.requests('big.bin', 'cdn').length, 1, 'a lying source is not asked again');
    assert.equal(listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] }).filter((e) => e.complete).length, 0);
  });

  test('a Content-Length that disagrees with the listing is refused before anything is written', async () => {
    for (const contentLength of [10 * 1024 ** 3, BIG.length - 1, BIG.length + 1]) {
      const cache = freshCache();
      hub.fault('big.bin', { contentLength });
      await assert.rejects(ensureVariant(blob(), fast(cache)), (e: unknown) => e instanceof DownloadError && /announced \d+ bytes/.test(e.message), String(contentLength));
      assert.equal(bytesUnder(path.join(cache, 'downloads')), 0);
      hub.clearFaults();
    }
  });

  test('an honest answer after a lie downloads normally', async () => {
    const cache = freshCache();
    hub.fault('big.bin', { contentLength: 5, times: 1 });
    await assert.rejects(ensureVariant(blob(), fast(cache)), DownloadError);
    const r = await ensureVariant(blob(), fast(cache));
    assert.equal(fs.readFileSync(path.join(r.dir, 'big.bin')).equals(BIG), true);
  });
});

describe('external data outside its file', () => {
  test('every reference of a built model is found and lies inside model.onnx_data', () => {
    const onnx = path.join(root, 'tiny-src', 'model.onnx');
    const refs = externalDataRefs(onnx);
    assert.ok(refs.length > 10);
    const size = fs.statSync(path.join(root, 'tiny-src', 'model.onnx_data')).size;
    assert.equal(Math.max(...refs.map((r) => r.offset + (r.length ?? 0))), size);
    assert.deepEqual(checkExternalData(onnx), []);
  });

  test('a truncated model.onnx_data is a ModelDamagedError naming --force, not a crash', async () => {
    const dir = path.join(root, 'truncated');
    fs.cpSync(path.join(root, 'tiny-src'), dir, { recursive: true });
    const data = path.join(dir, 'model.onnx_data');
    fs.truncateSync(data, fs.statSync(data).size - 1);
    assert.match(checkExternalData(path.join(dir, 'model.onnx'))[0].message, /needs bytes up to/);
    await assert.rejects(loadModel(dir), (e: unknown) => e instanceof ModelDamagedError && /--force/.test(e.message) && /truncated/.test(e.message));
    fs.rmSync(data);
    await assert.rejects(loadModel(dir), (e: unknown) => e instanceof ModelDamagedError && /missing/.test(e.message));
  });

  test('a reference that leaves the model folder is refused', () => {
    const dir = path.join(root, 'escaping');
    fs.cpSync(path.join(root, 'tiny-src'), dir, { recursive: true });
    const onnx = path.join(dir, 'model.onnx');
    const bytes = fs.readFileSync(onnx);
    // Same-length rewrite of the location string: 'model.onnx_data' -> '../../etc/passw'.
    const from = Buffer.from('model.onnx_data');
    const to = Buffer.from('../../etc/passw');
    let i = bytes.indexOf(from);
    assert.ok(i > 0);
    while (i !== -1) { to.copy(bytes, i); i = bytes.indexOf(from, i + 1); }
    fs.writeFileSync(onnx, bytes);
    assert.match(checkExternalData(onnx)[0].message, /outside the model's folder/);
  });
});

describe('damaged cached models are reported and repaired', () => {
  test('a truncated download is listed as damaged, and downloading again resumes only what is missing', async () => {
    const cache = freshCache();
    const r = await ensureVariant(tinyVariant(), fast(cache));
    const data = path.join(r.dir, 'model.onnx_data');
    const size = fs.statSync(data).size;
    fs.truncateSync(data, size - 1000);
    const entry = listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] })[0];
    assert.equal(entry.complete, false);
    assert.match(entry.damaged ?? '', /model\.onnx_data is \d+ bytes/);
    hub.resetLog();
    const repaired = await ensureVariant(tinyVariant(), fast(cache));
    assert.equal(repaired.downloaded, true);
    assert.match(repaired.repaired ?? '', /model\.onnx_data/);
    assert.equal(fs.statSync(data).size, size);
    const fetched = hub.requests('cpu/tiny/model.onnx_data', 'cdn');
    assert.equal(fetched.length, 1);
    assert.equal(fetched[0].range, `bytes=${size - 1000}-`, 'only the missing tail is fetched');
    assert.equal(listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] })[0].damaged, null);
  });

  test('a changed byte (same size) is found by --force, which re-fetches that file only', async () => {
    const cache = freshCache();
    const r = await ensureVariant(tinyVariant(), fast(cache));
    const data = path.join(r.dir, 'model.onnx_data');
    const b = fs.readFileSync(data);
    b[100] ^= 0xff;
    fs.writeFileSync(data, b);
    assert.deepEqual(await ensureVariant(tinyVariant(), fast(cache)), { dir: r.dir, downloaded: false }, 'sizes alone cannot see it');
    hub.resetLog();
    const forced = await ensureVariant(tinyVariant(), fast(cache, { force: true }));
    assert.match(forced.repaired ?? '', /SHA-256/);
    assert.equal(sha(fs.readFileSync(data)), readCompletion(r.dir === path.join(cache, 'models', 'tiny-cpu-fp32-v1') ? r.dir : path.dirname(r.dir))!.files.find((f) => f.path === 'model.onnx_data')!.sha256);
    assert.deepEqual(hub.requests(undefined, 'cdn').map((q) => q.file), ['cpu/tiny/model.onnx_data'], 'only the damaged file is fetched again');
    hub.resetLog();
    const verified = await ensureVariant(tinyVariant(), fast(cache, { force: true }));
    assert.equal(verified.downloaded, false);
    assert.equal(verified.repaired, undefined);
  });

  test('a damaged build is rebuilt, not reused; a folder slmlab did not build is not replaced', async () => {
    const out = path.join(root, 'build-damaged');
    const first = await buildModel({ shape: 'tiny', out });
    assert.ok(readCompletion(out, BUILD_FILE));
    fs.truncateSync(path.join(out, 'model.onnx_data'), 10);
    const again = await buildModel({ shape: 'tiny', out });
    assert.equal(again.reused, false);
    assert.match(again.repaired ?? '', /model\.onnx_data is 10 bytes/);
    assert.equal(fs.statSync(path.join(out, 'model.onnx_data')).size, first.files.find((f) => f.name === 'model.onnx_data')!.bytes);
    assert.equal((await buildModel({ shape: 'tiny', out })).reused, true);
  });
});

describe('builds share the cache lock and clean up after killed ones', () => {
  test('two builds of one model at once: one builds, the other waits and reuses it', async () => {
    const cache = freshCache();
    const out = path.join(cache, 'synthetic', 'tiny-int4-b32');
    const [a, b] = await Promise.all([0, 1].map(() => buildUnderLock({ shape: 'tiny', precision: 'int4', out }, { cacheDir: cache })));
    assert.deepEqual([a.reused, b.reused].sort(), [false, true]);
  });

  test('a killed build\'s folder is listed as abandoned, and the next build or cache clean removes it', async () => {
    const cache = freshCache();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    const synth = path.join(cache, 'synthetic');
    const leftover = () => path.join(synth, `tiny-int4-b32.partial-${pid}-1700000000000`);
    fs.mkdirSync(leftover(), { recursive: true });
    fs.writeFileSync(path.join(leftover(), 'model.onnx_data'), Buffer.alloc(50_000));
    const entry = listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] }).find((e) => e.dir === leftover())!;
    assert.equal(entry.partial, true);
    assert.equal(entry.abandoned, true);
    await buildUnderLock({ shape: 'tiny', precision: 'int4', out: path.join(synth, 'tiny-int4-b32') }, { cacheDir: cache });
    assert.equal(fs.existsSync(leftover()), false, 'the next build removes it');
    fs.mkdirSync(leftover(), { recursive: true });
    const r = cleanCache({ cacheDir: cache });
    assert.ok(r.removed.some((x) => x.path === leftover()));
    assert.equal(fs.existsSync(path.join(synth, 'tiny-int4-b32')), true, 'the finished build stays');
  });
});

function sha(b: Buffer): string {
  return require('node:crypto').createHash('sha256').update(b).digest('hex') as string;
}
