import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CatalogVariant } from '../lib/catalog/types';
import { safeModelFolder, resolveInside } from '../lib/cache/safe-name';
import { extraModelDirs, foundryCacheDir } from '../lib/cache/location';
import { COMPLETE_FILE, writeCompletion } from '../lib/cache/completion';
import { cachedFolderFor, findCachedModel, listCache, type CacheEntry } from '../lib/cache/list';
import { removeFromCache } from '../lib/cache/remove';
import { cleanCache } from '../lib/cache/clean';
import { acquireLock, breakStaleLock, lockFile, staleReason, tryLock } from '../lib/cache/lock';
import { walkFiles } from '../lib/cache/files';
import { CacheReadOnlyError, InvalidRequestError, ModelNotFoundError } from '../lib/errors';
import { buildTiny, copyDir, makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let tiny: string;
let n = 0;

before(async () => {
  root = makeTempDir();
  tiny = (await buildTiny(root, 'tiny-src')).dir;
});
after(() => removeTempDir(root));

function fresh(): string {
  return path.join(root, `case-${++n}`);
}

/** A finished download as ensureVariant leaves it: the tiny model + a completion record. */
function fakeDownload(cache: string, id: string): string {
  const dir = path.join(cache, 'models', safeModelFolder(id));
  copyDir(tiny, dir);
  const files = walkFiles(dir).map((f) => ({ ...f, sha256: 'x' }));
  writeCompletion(dir, { variantId: id, source: { kind: 'url', files: [] }, files, completedAt: new Date().toISOString(), modelDir: '' });
  return dir;
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

function writeLock(file: string, pid: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString(), variantId: 'x', token: `t${pid}` }));
}

const summary = (entries: CacheEntry[]) => entries.map((e) => `${e.kind}:${e.id}:${e.complete ? 'complete' : 'incomplete'}${e.partial ? ':partial' : ''}`);

describe('names and paths', () => {
  test('variant ids map to flat, lowercase folder names', () => {
    assert.equal(safeModelFolder('Phi-4-mini-instruct-generic-cpu:4'), 'phi-4-mini-instruct-generic-cpu-v4');
    assert.equal(safeModelFolder('qwen2.5-0.5b-instruct-cpu-int4:1'), 'qwen2.5-0.5b-instruct-cpu-int4-v1');
    assert.equal(safeModelFolder('tiny_model'), 'tiny_model');
  });

  test('ids that could leave the cache, or are not names, are refused', () => {
    for (const bad of ['../x', '/etc', 'a/../../b', '%2e%2e', 'con\u0000', '', '..', 'a\\b', 'C:\\x', 'x\ny', 'con', 'nul.txt', '.hidden', 'sp ace', 'é']) {
      assert.throws(() => safeModelFolder(bad), (e: unknown) => e instanceof InvalidRequestError && e.param === 'model', JSON.stringify(bad));
    }
  });

  test('resolveInside refuses anything outside its root', () => {
    const base = path.join(root, 'base');
    assert.equal(resolveInside(base, 'a/b'), path.join(base, 'a', 'b'));
    for (const bad of ['../x', '/etc', 'a/../../b', '.', '']) assert.throws(() => resolveInside(base, bad), InvalidRequestError, bad);
  });

  test('SLMLAB_MODEL_DIRS and FOUNDRY_CACHE_DIR', () => {
    assert.deepEqual(extraModelDirs({ SLMLAB_MODEL_DIRS: `/a${path.delimiter}${path.delimiter} /b ` }), ['/a', '/b']);
    assert.deepEqual(extraModelDirs({}), []);
    assert.equal(foundryCacheDir({ FOUNDRY_CACHE_DIR: '/f' }), '/f');
    assert.equal(foundryCacheDir({}), path.join(os.homedir(), '.foundry', 'cache', 'models'));
  });
});

describe('listing', () => {
  test('lists downloaded, partial, synthetic, custom and Foundry models with their kinds', () => {
    const cache = fresh();
    fakeDownload(cache, 'tiny-cpu-fp32:1');
    const partial = path.join(cache, 'downloads', 'other-v2.partial');
    fs.mkdirSync(partial, { recursive: true });
    fs.writeFileSync(path.join(partial, 'model.onnx_data'), Buffer.alloc(1000));
    fs.writeFileSync(path.join(partial, '.slmlab-plan.json'), JSON.stringify({ variantId: 'other:2' }));
    copyDir(tiny, path.join(cache, 'synthetic', 'tiny-fp32'));
    fs.mkdirSync(path.join(cache, 'synthetic', 'tiny-int4-b32.partial-1-2'), { recursive: true });
    // Bring-your-own in models/: Foundry's custom layout (inference_model.json) one level down...
    const byo = path.join(cache, 'models', 'my-llama');
    copyDir(tiny, byo);
    fs.writeFileSync(path.join(byo, 'inference_model.json'), JSON.stringify({ Name: 'My-Llama-3.2', PromptTemplate: { assistant: '{Content}', prompt: '{Content}' } }));
    // ...and a genai folder three levels down.
    copyDir(tiny, path.join(cache, 'models', 'org', 'deep-model', 'v1'));
    // An extra root and a Foundry cache.
    const extra = path.join(fresh(), 'mine');
    copyDir(tiny, path.join(extra, 'solo'));
    const foundry = fresh();
    copyDir(tiny, path.join(foundry, 'Microsoft', 'Phi-3.5-mini-instruct-generic-cpu-2', 'v2'));
    fs.mkdirSync(path.join(foundry, 'Microsoft', 'broken-1', 'v1'), { recursive: true });
    fs.writeFileSync(path.join(foundry, 'Microsoft', 'broken-1', 'v1', 'inference_model.json'), '{"Name":"broken-model"}');

    const entries = listCache({ cacheDir: cache, env: { SLMLAB_MODEL_DIRS: extra, FOUNDRY_CACHE_DIR: foundry } });
    assert.deepEqual(summary(entries), [
      'downloaded:tiny-cpu-fp32:1:complete',
      'downloaded:other:2:incomplete:partial',
      'synthetic:tiny-fp32:complete',
      'synthetic:tiny-int4-b32.partial-1-2:incomplete:partial',
      'custom:My-Llama-3.2:complete',
      'custom:org/deep-model/v1:complete',
      'custom:solo:complete',
      'foundry:broken-model:incomplete',
      'foundry:Phi-3.5-mini-instruct-generic-cpu:2:complete',
    ]);
    const dl = entries[0];
    assert.equal(dl.folder, 'tiny-cpu-fp32-v1');
    assert.equal(dl.sizeBytes, walkFiles(dl.dir).reduce((a, f) => a + f.size, 0));
    assert.equal(dl.files, walkFiles(dl.dir).length);
    assert.equal(entries.find((e) => e.id === 'My-Llama-3.2')!.modelName, 'My-Llama-3.2');
    assert.ok(entries.filter((e) => e.kind === 'foundry').every((e) => e.readOnly));
    assert.ok(entries.find((e) => e.id === 'solo')!.readOnly, 'folders outside the cache are read-only');
    assert.ok(!entries.find((e) => e.id === 'My-Llama-3.2')!.readOnly);

    // Explicit options win over the environment; null skips Foundry.
    assert.equal(listCache({ cacheDir: cache, modelDirs: [], foundryDir: null, env: { FOUNDRY_CACHE_DIR: foundry } }).filter((e) => e.kind === 'foundry').length, 0);
  });

  test('a folder counts as cached only with its completion record, and only while its files are intact', () => {
    const cache = fresh();
    const v: CatalogVariant = { id: 'tiny-cpu-fp32:1', device: 'CPU', provider: 'cpu', precision: 'fp32', version: 1, sizeBytes: null, source: { kind: 'url', files: [] } };
    const dir = path.join(cache, 'models', 'tiny-cpu-fp32-v1');
    copyDir(tiny, dir);
    assert.equal(cachedFolderFor(v, { cacheDir: cache }), null, 'no record: not a finished download');
    assert.equal(listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] })[0].kind, 'custom');
    fs.rmSync(dir, { recursive: true });
    fakeDownload(cache, v.id);
    assert.equal(cachedFolderFor(v, { cacheDir: cache }), dir);
    assert.equal(cachedFolderFor('TINY-CPU-FP32:1', { cacheDir: cache }), dir);
    fs.rmSync(path.join(dir, 'model.onnx_data'));
    assert.equal(cachedFolderFor(v, { cacheDir: cache }), null, 'a file went missing');
    assert.equal(listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] })[0].complete, false);
  });

  test('synthetic variants are found by their build id', () => {
    const cache = fresh();
    const v: CatalogVariant = { id: 'tiny-twin:1', device: 'CPU', provider: 'cpu', precision: 'fp32', version: 1, sizeBytes: null, source: { kind: 'synthetic', shape: 'tiny', precision: 'fp32' } };
    assert.equal(cachedFolderFor(v, { cacheDir: cache }), null);
    copyDir(tiny, path.join(cache, 'synthetic', 'tiny-fp32'));
    assert.equal(cachedFolderFor(v, { cacheDir: cache }), path.join(cache, 'synthetic', 'tiny-fp32'));
    assert.equal(cachedFolderFor('tiny-fp32', { cacheDir: cache }), path.join(cache, 'synthetic', 'tiny-fp32'));
  });

  test('findCachedModel finds a bring-your-own model by its inference_model.json name, case-insensitively', () => {
    const cache = fresh();
    const byo = path.join(cache, 'models', 'llama-3.2');
    copyDir(tiny, byo);
    fs.writeFileSync(path.join(byo, 'inference_model.json'), JSON.stringify({ Name: 'Llama-3.2' }));
    const hit = findCachedModel('llama-3.2', { cacheDir: cache, foundryDir: null, modelDirs: [] });
    assert.equal(hit?.dir, byo);
    assert.equal(hit?.kind, 'custom');
    assert.equal(findCachedModel('nope', { cacheDir: cache, foundryDir: null, modelDirs: [] }), null);
    assert.equal(findCachedModel('../x', { cacheDir: cache, foundryDir: null, modelDirs: [] }), null);
  });
});

describe('removing and cleaning', () => {
  test('removeFromCache removes by id or by folder, with the partial download', () => {
    const cache = fresh();
    const opts = { cacheDir: cache, foundryDir: null, modelDirs: [] };
    const dir = fakeDownload(cache, 'a-model:1');
    fs.mkdirSync(path.join(cache, 'downloads', 'a-model-v1.partial'), { recursive: true });
    fs.writeFileSync(path.join(cache, 'downloads', 'a-model-v1.partial', 'x.bin'), Buffer.alloc(10));
    const r = removeFromCache('a-model:1', opts);
    assert.ok(!fs.existsSync(dir));
    assert.ok(!fs.existsSync(path.join(cache, 'downloads', 'a-model-v1.partial')));
    assert.ok(r.freedBytes > 10);
    assert.deepEqual(r.removed.map((x) => x.kind).sort(), ['downloaded', 'partial']);
    fakeDownload(cache, 'b-model:3');
    removeFromCache('b-model-v3', opts);
    assert.deepEqual(listCache(opts), []);
  });

  test('Foundry models and folders outside the cache are read-only; unknown names are not found', () => {
    const cache = fresh();
    const foundry = fresh();
    const fdir = path.join(foundry, 'Microsoft', 'qwen2.5-0.5b-instruct-generic-cpu-4', 'v4');
    copyDir(tiny, fdir);
    const extra = fresh();
    copyDir(tiny, path.join(extra, 'mine'));
    const before = walkFiles(foundry);
    const opts = { cacheDir: cache, foundryDir: foundry, modelDirs: [extra] };
    assert.throws(() => removeFromCache('qwen2.5-0.5b-instruct-generic-cpu:4', opts), (e: unknown) =>
      e instanceof CacheReadOnlyError && e.status === 403 && /Foundry Local's cache/.test(e.message) && /`foundry cache remove qwen2.5-0.5b-instruct-generic-cpu:4`/.test(e.message));
    assert.throws(() => removeFromCache('mine', opts), (e: unknown) => e instanceof CacheReadOnlyError && /outside slmlab's cache/.test(e.message));
    assert.throws(() => removeFromCache('not-there:1', opts), (e: unknown) => e instanceof ModelNotFoundError && /slmlab cache list/.test(e.message));
    cleanCache({ ...opts, unusedExcept: [] });
    assert.deepEqual(walkFiles(foundry), before, 'Foundry cache untouched');
    assert.ok(fs.existsSync(path.join(extra, 'mine', 'model.onnx')));
  });

  test('path traversal through removeFromCache is refused and removes nothing', () => {
    const cache = fresh();
    fakeDownload(cache, 'keep:1');
    const outside = path.join(path.dirname(cache), 'outside-victim');
    fs.mkdirSync(outside, { recursive: true });
    fs.writeFileSync(path.join(outside, 'precious.txt'), 'x');
    for (const bad of ['../outside-victim', '/etc', 'a/../../b', '%2e%2e', 'con\u0000', '../../' + path.basename(root)]) {
      assert.throws(() => removeFromCache(bad, { cacheDir: cache, foundryDir: null, modelDirs: [] }), InvalidRequestError, bad);
    }
    assert.ok(fs.existsSync(path.join(outside, 'precious.txt')));
    assert.ok(fs.existsSync(path.join(cache, 'models', 'keep-v1', COMPLETE_FILE)));
  });

  test('removeFromCache refuses a variant another process is downloading', () => {
    const cache = fresh();
    fakeDownload(cache, 'busy:1');
    writeLock(lockFile(cache, 'busy-v1'), process.pid);
    assert.throws(() => removeFromCache('busy:1', { cacheDir: cache, foundryDir: null, modelDirs: [] }), /being downloaded or built by process/);
  });

  test('cleanCache removes partial downloads, abandoned builds and stale locks, keeps live work, and can drop unused variants', () => {
    const cache = fresh();
    const opts = { cacheDir: cache, foundryDir: null, modelDirs: [] };
    const mk = (rel: string, bytes: number) => { fs.mkdirSync(path.dirname(path.join(cache, rel)), { recursive: true }); fs.writeFileSync(path.join(cache, rel), Buffer.alloc(bytes)); };
    mk('downloads/old-v1.partial/model.onnx_data', 5000);
    mk('downloads/live-v1.partial/model.onnx_data', 3000);
    writeLock(lockFile(cache, 'live-v1'), process.pid);
    writeLock(lockFile(cache, 'dead-v1'), deadPid());
    const dead = deadPid();
    mk(`synthetic/tiny-fp16.partial-${dead}-123/model.onnx_data`, 700);
    fakeDownload(cache, 'keep-me:1');
    fakeDownload(cache, 'drop-me:1');
    copyDir(tiny, path.join(cache, 'synthetic', 'tiny-fp32'));

    const dry = cleanCache({ ...opts, dryRun: true });
    assert.equal(dry.freedBytes, 5700 + fs.statSync(lockFile(cache, 'dead-v1')).size);
    assert.ok(fs.existsSync(path.join(cache, 'downloads', 'old-v1.partial')), 'dry run removes nothing');

    const r = cleanCache(opts);
    assert.deepEqual(r.removed.map((x) => `${x.kind}:${path.relative(cache, x.path)}`).sort(), [
      'lock:locks/dead-v1.lock', 'partial:downloads/old-v1.partial', `partial:synthetic/tiny-fp16.partial-${dead}-123`,
    ]);
    assert.equal(r.freedBytes, dry.freedBytes);
    assert.deepEqual(r.busy, [path.join(cache, 'downloads', 'live-v1.partial')]);
    assert.ok(fs.existsSync(lockFile(cache, 'live-v1')));

    const u = cleanCache({ ...opts, partial: false, unusedExcept: ['keep-me:1'] });
    assert.deepEqual(u.removed.map((x) => `${x.kind}:${path.basename(x.path)}`).sort(), ['downloaded:drop-me-v1', 'synthetic:tiny-fp32']);
    assert.deepEqual(listCache(opts).map((e) => e.id), ['keep-me:1', 'live-v1']);
  });
});

describe('locks', () => {
  test('O_EXCL: one holder at a time; release frees it', () => {
    const file = lockFile(fresh(), 'm-v1');
    const a = tryLock(file, 'm:1');
    assert.ok(a);
    assert.equal(tryLock(file, 'm:1'), null);
    const held = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(held.pid, process.pid);
    assert.equal(held.host, os.hostname());
    assert.equal(held.variantId, 'm:1');
    assert.ok(!Number.isNaN(Date.parse(held.startedAt)));
    a.release();
    assert.ok(!fs.existsSync(file));
  });

  test('stale when the process is dead or nothing happened for staleMs', () => {
    const file = lockFile(fresh(), 'm-v1');
    writeLock(file, deadPid());
    assert.match(staleReason(file)!, /no longer running/);
    assert.ok(breakStaleLock(file));
    assert.ok(!fs.existsSync(file));
    writeLock(file, process.pid);
    assert.equal(staleReason(file), null);
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    assert.match(staleReason(file, 30_000)!, /no progress for 6\d s/);
    assert.equal(breakStaleLock(file, 120_000), false, 'not stale under a longer limit');
  });

  test('acquireLock waits for the holder, then takes the lock; abort stops the wait', async () => {
    const file = lockFile(fresh(), 'm-v1');
    const first = tryLock(file, 'm:1')!;
    let waitedFor: number | undefined;
    const second = acquireLock(file, 'm:1', { pollMs: 10, onWait: (h) => { waitedFor = h?.pid; } });
    await new Promise((r) => setTimeout(r, 60));
    first.release();
    const got = await second;
    assert.equal(got.waited, true);
    assert.equal(waitedFor, process.pid);
    const ac = new AbortController();
    const third = acquireLock(file, 'm:1', { pollMs: 10, signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(third, /aborted/);
    got.lock.release();
  });
});
