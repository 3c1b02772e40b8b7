import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CatalogVariant, VariantSource } from '../lib/catalog/types';
import { ensureVariant, type EnsureOptions } from '../lib/cache/download/ensure';
import type { DownloadProgress } from '../lib/cache/download/progress';
import { globToRegExp, matchesAny } from '../lib/cache/download/glob';
import { backoffMs, retryPolicy } from '../lib/cache/download/retry';
import { ensureFreeSpace } from '../lib/cache/download/disk-space';
import { gitBlobSha1 } from '../lib/cache/download/checksum';
import { parseContentRange } from '../lib/cache/download/fetch-file';
import { COMPLETE_FILE, readCompletion } from '../lib/cache/completion';
import { lockFile } from '../lib/cache/lock';
import { listCache } from '../lib/cache/list';
import { inspectModelFolder } from '../lib/engine/model-folder';
import { AbortedError, ChecksumError, DiskFullError, DownloadError, InvalidRequestError } from '../lib/errors';
import { HubServer, filesFromFolder, seededBytes, sha256Hex } from './helpers/hub-server';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

const BIG = seededBytes(300_000, 7);
const SMALL = Buffer.from(JSON.stringify({ hello: 'world', pad: 'x'.repeat(200) }));
const TOKEN = 'hf_test_secret';

let root: string;
let hub: HubServer;
let caches = 0;

function freshCache(): string {
  return path.join(root, `cache-${++caches}`);
}

function variant(id: string, source: VariantSource): CatalogVariant {
  return { id, device: 'CPU', provider: 'cpu', precision: 'fp32', version: 1, sizeBytes: null, source };
}

function hf(id: string, repo: string, subfolder = '', include: string[] = ['**'], revision = 'main'): CatalogVariant {
  return variant(id, { kind: 'huggingface', repo, revision, subfolder, include });
}

/** Short backoffs and timeouts so the fault tests stay fast. */
function fast(cache: string, extra: EnsureOptions = {}): EnsureOptions {
  return { cacheDir: cache, endpoint: hub.endpoint, env: {}, retries: { tries: 4, baseMs: 10, capMs: 40 }, timeoutMs: 3000, stallMs: 3000, lock: { pollMs: 20 }, ...extra };
}

const blobs = () => hf('blobs-cpu-fp32:1', 'test-org/blobs', '', ['big.bin', 'small.json']);

before(async () => {
  root = makeTempDir();
  await buildTiny(root, 'tiny-src');
  const model = filesFromFolder(path.join(root, 'tiny-src'), 'cpu/tiny/').map((f) => ({ ...f, lfs: !f.path.endsWith('.json') }));
  hub = await HubServer.start([
    { id: 'test-org/tiny-onnx', files: [...model, { path: 'cpu/tiny/notes/readme.txt', data: Buffer.from('not wanted') }, { path: 'README.md', data: Buffer.from('# tiny') }] },
    { id: 'test-org/blobs', files: [{ path: 'big.bin', data: BIG }, { path: 'small.json', data: SMALL, lfs: false }] },
    { id: 'test-org/gated', token: TOKEN, files: [{ path: 'big.bin', data: BIG }] },
    { id: 'test-org/hostile', files: [{ path: 'sub/../../evil.json', data: Buffer.from('{}'), lfs: false }] },
  ]);
});

after(async () => {
  await hub?.close();
  removeTempDir(root);
});

afterEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

describe('glob and retry helpers', () => {
  test('* stays in one folder, ** crosses folders, ? is one character', () => {
    assert.ok(matchesAny('config.json', ['*.json']));
    assert.ok(!matchesAny('onnx/config.json', ['*.json']));
    assert.ok(matchesAny('onnx/model_q4.onnx_data', ['onnx/model_q4.onnx*']));
    assert.ok(matchesAny('a/b/c.onnx', ['**/*.onnx']) && matchesAny('c.onnx', ['**/*.onnx']));
    assert.ok(matchesAny('a/b/c', ['a/**']));
    assert.ok(matchesAny('model.onnx', ['model.onn?']) && !matchesAny('model.onnx', ['model.on?']));
    assert.ok(!globToRegExp('a.b').test('axb'), 'dots are literal');
    assert.ok(matchesAny('anything', []), 'no patterns = everything');
  });

  test('backoff grows exponentially with equal jitter and respects the cap and Retry-After', () => {
    const p = retryPolicy({ baseMs: 100, capMs: 1000 });
    assert.equal(p.tries, 5);
    assert.equal(backoffMs(1, p, null, () => 0), 50);
    assert.equal(backoffMs(1, p, null, () => 1), 100);
    assert.equal(backoffMs(3, p, null, () => 1), 400);
    assert.equal(backoffMs(10, p, null, () => 1), 1000);
    assert.equal(backoffMs(1, p, 800, () => 0), 800);
    assert.equal(retryPolicy(2).tries, 2);
  });

  test('git blob sha1 and Content-Range parsing', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    assert.equal(gitBlobSha1(Buffer.from('hello\n')), 'ce013625030ba8dba906f756967f9e9ca394464a');
    assert.deepEqual(parseContentRange('bytes 10-99/100'), { start: 10, total: 100 });
    assert.equal(parseContentRange('bytes */100'), null);
  });
});

describe('Hugging Face downloads', () => {
  test('downloads a subfolder with include globs, verifies it, and the folder loads', async () => {
    const cache = freshCache();
    const v = hf('tiny-cpu-fp32:1', 'test-org/tiny-onnx', 'cpu/tiny', ['*.json', 'model.onnx*']);
    const r = await ensureVariant(v, fast(cache, { token: 'hf_public_token' }));
    assert.equal(r.downloaded, true);
    assert.equal(r.dir, path.join(cache, 'models', 'tiny-cpu-fp32-v1'));
    const folder = inspectModelFolder(r.dir);
    assert.equal(folder.layout, 'genai');
    assert.ok(!fs.existsSync(path.join(r.dir, 'notes')), 'files outside the include globs are not fetched');
    const record = readCompletion(r.dir)!;
    assert.equal(record.variantId, 'tiny-cpu-fp32:1');
    assert.equal(record.commit, hub.commitOf('test-org/tiny-onnx'));
    const data = record.files.find((f) => f.path === 'model.onnx_data')!;
    assert.equal(data.sha256, sha256Hex(fs.readFileSync(path.join(root, 'tiny-src', 'model.onnx_data'))));
    // LFS files go through the CDN redirect; the token never reaches the CDN's origin.
    const cdn = hub.requests(undefined, 'cdn');
    assert.ok(cdn.length >= 2);
    assert.ok(cdn.every((q) => q.auth === null));
    assert.ok(hub.requests(undefined, 'api').every((q) => q.auth === 'Bearer hf_public_token'));
    assert.deepEqual(hub.requests(undefined, 'api').map((q) => q.url), ['/api/models/test-org/tiny-onnx/revision/main?blobs=true']);
    // Files come from the commit the listing resolved `main` to.
    assert.ok(hub.requests(undefined, 'resolve').every((q) => q.url.includes(`/resolve/${hub.commitOf('test-org/tiny-onnx')}/cpu/tiny/`)));
    assert.ok(!fs.existsSync(path.join(cache, 'downloads', 'tiny-cpu-fp32-v1.partial')));
    assert.ok(!fs.existsSync(lockFile(cache, 'tiny-cpu-fp32-v1')));

    hub.resetLog();
    const again = await ensureVariant(v, fast(cache));
    assert.deepEqual(again, { dir: r.dir, downloaded: false });
    assert.equal(hub.log.length, 0, 'a cached variant needs no network');
  });

  test('returns the folder that holds genai_config.json when it lies below the variant folder', async () => {
    const cache = freshCache();
    const r = await ensureVariant(hf('tiny-nested:1', 'test-org/tiny-onnx', '', ['cpu/tiny/*']), fast(cache));
    assert.equal(r.dir, path.join(cache, 'models', 'tiny-nested-v1', 'cpu', 'tiny'));
    assert.equal(inspectModelFolder(r.dir).layout, 'genai');
  });

  test('gated repo: HF_TOKEN is sent as a bearer token; 401 without it and 403 with a wrong one name the fix', async () => {
    const v = hf('gated:1', 'test-org/gated', '', ['big.bin']);
    await assert.rejects(ensureVariant(v, fast(freshCache())), (e: unknown) => {
      assert.ok(e instanceof DownloadError);
      assert.equal(e.status, 401);
      assert.match(e.message, /HF_TOKEN/);
      assert.match(e.message, /https:\/\/huggingface\.co\/test-org\/gated/);
      return true;
    });
    await assert.rejects(ensureVariant(v, fast(freshCache(), { token: 'hf_wrong' })), (e: unknown) => {
      assert.ok(e instanceof DownloadError);
      assert.equal(e.status, 403);
      assert.match(e.message, /licence at https:\/\/huggingface\.co\/test-org\/gated/);
      assert.match(e.message, /HF_TOKEN/);
      return true;
    });
    hub.resetLog();
    const ok = await ensureVariant(v, fast(freshCache(), { endpoint: undefined, env: { HF_TOKEN: TOKEN, HF_ENDPOINT: hub.endpoint } }));
    assert.equal(ok.downloaded, true);
    assert.ok(hub.requests(undefined, 'cdn').every((q) => q.auth === null));
    assert.ok(hub.requests(undefined, 'resolve').every((q) => q.auth === `Bearer ${TOKEN}`));
  });

  test('404s name the repo, revision or file and say what to check', async () => {
    await assert.rejects(ensureVariant(hf('x:1', 'test-org/blobs', '', ['**'], 'no-such-branch'), fast(freshCache())), (e: unknown) => {
      assert.ok(e instanceof DownloadError && e.status === 404);
      assert.match(e.message, /test-org\/blobs/);
      assert.match(e.message, /revision 'no-such-branch'/);
      assert.match(e.message, /check the variant's revision/);
      return true;
    });
    await assert.rejects(ensureVariant(hf('x:1', 'test-org/blobs', 'onnx', ['*.onnx']), fast(freshCache())), (e: unknown) => {
      assert.ok(e instanceof DownloadError && e.status === 404);
      assert.match(e.message, /subfolder and include patterns/);
      return true;
    });
    hub.fault('big.bin', { status: 404, errorCode: 'EntryNotFound' });
    await assert.rejects(ensureVariant(blobs(), fast(freshCache())), (e: unknown) => {
      assert.ok(e instanceof DownloadError && e.status === 404);
      assert.match(e.message, /file 'big\.bin' of 'test-org\/blobs'/);
      assert.match(e.message, /check the variant id, revision and include patterns/);
      return true;
    });
    await assert.rejects(ensureVariant(hf('x:1', 'test-org/nope', '', ['**']), fast(freshCache())), (e: unknown) => {
      assert.ok(e instanceof DownloadError && e.status === 401);
      assert.match(e.message, /does not exist, or it is private or gated/);
      assert.match(e.message, /Check the repo id/);
      return true;
    });
  });

  test('5xx answers are retried with backoff; after the last try the error says so and keeps the partial', async () => {
    hub.fault('api', { status: 500, times: 2 });
    hub.fault('big.bin', { status: 503, times: 2 });
    const cache = freshCache();
    const r = await ensureVariant(blobs(), fast(cache));
    assert.equal(r.downloaded, true);
    assert.equal(hub.requests(undefined, 'api').length, 3);
    assert.equal(hub.requests('big.bin', 'resolve').length, 3);

    hub.clearFaults();
    hub.fault('small.json', { status: 500 });
    const cache2 = freshCache();
    await assert.rejects(ensureVariant(blobs(), fast(cache2)), (e: unknown) => {
      assert.ok(e instanceof DownloadError);
      assert.equal(e.status, 502);
      assert.match(e.message, /after 4 tries \(last answer: HTTP 500\)/);
      assert.match(e.message, /run the same command again to resume/);
      return true;
    });
    // big.bin was fetched before small.json failed: it stays, verified, in the partial folder.
    assert.equal(fs.statSync(path.join(cache2, 'downloads', 'blobs-cpu-fp32-v1.partial', 'big.bin')).size, BIG.length);
    assert.ok(!fs.existsSync(path.join(cache2, 'models', 'blobs-cpu-fp32-v1')));
  });

  test('a connection cut mid-file resumes with Range and does not fetch finished bytes again', async () => {
    hub.fault('big.bin', { cutAfter: 100_000, times: 1 });
    const r = await ensureVariant(blobs(), fast(freshCache()));
    assert.deepEqual(fs.readFileSync(path.join(r.dir, 'big.bin')), BIG);
    const gets = hub.requests('big.bin', 'cdn');
    assert.equal(gets.length, 2);
    assert.equal(gets[0].range, null);
    assert.equal(gets[1].range, 'bytes=100000-');
    assert.equal(gets[1].status, 206);
    assert.equal(hub.bytesServed('big.bin'), BIG.length, 'every byte was sent once');
  });

  test('a server that answers 200 to a Range request restarts the file from 0', async () => {
    const cache = freshCache();
    const partial = path.join(cache, 'downloads', 'blobs-cpu-fp32-v1.partial');
    fs.mkdirSync(partial, { recursive: true });
    fs.writeFileSync(path.join(partial, 'big.bin'), BIG.subarray(0, 50_000));
    hub.fault('big.bin', { ignoreRange: true });
    const r = await ensureVariant(blobs(), fast(cache));
    assert.deepEqual(fs.readFileSync(path.join(r.dir, 'big.bin')), BIG);
    const gets = hub.requests('big.bin', 'cdn');
    assert.equal(gets.length, 1);
    assert.equal(gets[0].range, 'bytes=50000-');
    assert.equal(gets[0].status, 200);
  });

  test('a corrupt partial file is caught by the checksum and fetched again from the start', async () => {
    const cache = freshCache();
    const partial = path.join(cache, 'downloads', 'blobs-cpu-fp32-v1.partial');
    fs.mkdirSync(partial, { recursive: true });
    fs.writeFileSync(path.join(partial, 'big.bin'), seededBytes(50_000, 99));
    const r = await ensureVariant(blobs(), fast(cache));
    assert.deepEqual(fs.readFileSync(path.join(r.dir, 'big.bin')), BIG);
    const gets = hub.requests('big.bin', 'cdn');
    assert.deepEqual(gets.map((g) => g.range), ['bytes=50000-', null]);
  });

  test('wrong bytes: checksum mismatch deletes the file and says it will be downloaded again', async () => {
    hub.fault('big.bin', { corrupt: true, times: 1 });
    const ok = await ensureVariant(blobs(), fast(freshCache()));
    assert.deepEqual(fs.readFileSync(path.join(ok.dir, 'big.bin')), BIG, 'one bad copy is replaced automatically');

    hub.fault('big.bin', { corrupt: true });
    const cache = freshCache();
    await assert.rejects(ensureVariant(blobs(), fast(cache)), (e: unknown) => {
      assert.ok(e instanceof ChecksumError);
      assert.match(e.message, /'big\.bin' from 'test-org\/blobs'/);
      assert.match(e.message, /sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
      assert.match(e.message, /deleted and will be downloaded again/);
      return true;
    });
    assert.ok(!fs.existsSync(path.join(cache, 'downloads', 'blobs-cpu-fp32-v1.partial', 'big.bin')));
    assert.ok(!fs.existsSync(path.join(cache, 'models', 'blobs-cpu-fp32-v1')));
  });

  test('files kept in git (no LFS sha256) are verified by their git blob sha1', async () => {
    hub.fault('small.json', { corrupt: true });
    await assert.rejects(ensureVariant(blobs(), fast(freshCache())), (e: unknown) => {
      assert.ok(e instanceof ChecksumError);
      assert.match(e.message, /git blob sha1/);
      return true;
    });
  });

  test('progress: phases, throttled events, speed and ETA on a slow server', async () => {
    hub.fault('big.bin', { bytesPerSecond: 400_000 });
    const events: DownloadProgress[] = [];
    const t0 = Date.now();
    await ensureVariant(blobs(), fast(freshCache(), { onProgress: (p) => events.push(p) }));
    const seconds = (Date.now() - t0) / 1000;
    const phases = [...new Set(events.map((e) => e.phase))];
    assert.deepEqual(phases.filter((p) => p !== 'verifying'), ['listing', 'downloading', 'done']);
    const downloading = events.filter((e) => e.phase === 'downloading');
    // At most ~10 a second, plus the always-sent file starts.
    assert.ok(downloading.length <= seconds * 10 + 6, `${downloading.length} events in ${seconds} s`);
    assert.ok(downloading.length >= 3);
    assert.ok(downloading.some((e) => e.bytesPerSecond > 100_000 && e.bytesPerSecond < 2_000_000 && e.etaSeconds !== null && e.etaSeconds > 0));
    for (let i = 1; i < events.length; i++) assert.ok(events[i].bytes >= events[i - 1].bytes, 'bytes never go back');
    const last = events.at(-1)!;
    assert.equal(last.phase, 'done');
    assert.equal(last.total, BIG.length + SMALL.length);
    assert.equal(last.bytes, last.total);
    assert.equal(last.variantId, 'blobs-cpu-fp32:1');
  });

  test('a stalled transfer is cut after stallMs and resumed', async () => {
    hub.fault('big.bin', { stallAfter: 64_000, times: 1 });
    const r = await ensureVariant(blobs(), fast(freshCache(), { stallMs: 300 }));
    assert.deepEqual(fs.readFileSync(path.join(r.dir, 'big.bin')), BIG);
    assert.deepEqual(hub.requests('big.bin', 'cdn').map((g) => g.range), [null, 'bytes=64000-']);
  });

  test('no response headers within timeoutMs is retried', async () => {
    hub.fault('api', { delayMs: 1000, times: 1 });
    const r = await ensureVariant(blobs(), fast(freshCache(), { timeoutMs: 200 }));
    assert.equal(r.downloaded, true);
    assert.equal(hub.requests(undefined, 'api').length, 2);
  });

  test('abort mid-download leaves only a resumable partial, and the next run resumes it', async () => {
    hub.fault('big.bin', { bytesPerSecond: 300_000 });
    const cache = freshCache();
    const ac = new AbortController();
    await assert.rejects(ensureVariant(blobs(), fast(cache, {
      signal: ac.signal,
      onProgress: (p) => { if (p.file === 'big.bin' && p.fileBytes > 60_000) ac.abort(); },
    })), (e: unknown) => e instanceof AbortedError && /resumes on the next run/.test(e.message));
    const part = path.join(cache, 'downloads', 'blobs-cpu-fp32-v1.partial', 'big.bin');
    const have = fs.statSync(part).size;
    assert.ok(have >= 60_000 && have < BIG.length, `partial holds ${have} bytes`);
    assert.ok(!fs.existsSync(path.join(cache, 'models', 'blobs-cpu-fp32-v1')), 'not cached');
    assert.ok(!fs.existsSync(lockFile(cache, 'blobs-cpu-fp32-v1')), 'lock released');
    const listed = listCache({ cacheDir: cache, foundryDir: null, modelDirs: [] });
    assert.deepEqual(listed.map((e) => [e.id, e.partial, e.complete]), [['blobs-cpu-fp32:1', true, false]]);

    hub.clearFaults();
    hub.resetLog();
    const r = await ensureVariant(blobs(), fast(cache));
    assert.deepEqual(fs.readFileSync(path.join(r.dir, 'big.bin')), BIG);
    assert.deepEqual(hub.requests('big.bin', 'cdn').map((g) => g.range), [`bytes=${have}-`]);
    assert.equal(hub.bytesServed('big.bin'), BIG.length - have);
  });

  test('two concurrent ensureVariant calls share one download', async () => {
    hub.fault('big.bin', { bytesPerSecond: 1_000_000 });
    const cache = freshCache();
    const seen: DownloadProgress[][] = [[], []];
    const [a, b] = await Promise.all([0, 1].map((i) => ensureVariant(blobs(), fast(cache, { onProgress: (p) => seen[i].push(p) }))));
    assert.equal(a.dir, b.dir);
    assert.deepEqual([a.downloaded, b.downloaded].sort(), [false, true]);
    // The one that waited reported the other's progress from the partial folder.
    const waiter = seen[a.downloaded ? 1 : 0];
    assert.ok(waiter.some((p) => p.phase === 'downloading' && p.bytes > 0 && p.total === BIG.length + SMALL.length), 'waiter saw progress');
    assert.equal(hub.bytesServed('big.bin'), BIG.length);
    assert.equal(hub.requests(undefined, 'api').length, 1);
    assert.deepEqual(fs.readFileSync(path.join(a.dir, 'big.bin')), BIG);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'models')), ['blobs-cpu-fp32-v1']);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'downloads')), []);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'locks')), []);
  });

  test('a second process downloading the same variant waits for the first and gets the finished folder', async () => {
    hub.fault('big.bin', { bytesPerSecond: 500_000 });
    const cache = freshCache();
    const v = blobs();
    const child = spawn(process.execPath, ['-e', `
      const { ensureVariant } = require(process.env.ENSURE_JS);
      ensureVariant(JSON.parse(process.env.VARIANT), JSON.parse(process.env.OPTS))
        .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e && e.stack)); process.exit(1); });
    `], {
      env: { ...process.env, ENSURE_JS: path.join(__dirname, '..', 'lib', 'cache', 'download', 'ensure.js'), VARIANT: JSON.stringify(v), OPTS: JSON.stringify(fast(cache)) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    // Start in this process once the child holds the lock (or shortly after it started).
    const lock = lockFile(cache, 'blobs-cpu-fp32-v1');
    for (let i = 0; i < 100 && !fs.existsSync(lock); i++) await new Promise((r) => setTimeout(r, 20));
    const mine = await ensureVariant(v, fast(cache));
    const code = await exited;
    assert.equal(code, 0, err);
    const theirs = JSON.parse(out) as { dir: string; downloaded: boolean };
    assert.equal(theirs.dir, mine.dir);
    assert.deepEqual([mine.downloaded, theirs.downloaded].sort(), [false, true]);
    assert.equal(hub.bytesServed('big.bin'), BIG.length, 'fetched once');
    assert.deepEqual(fs.readFileSync(path.join(mine.dir, 'big.bin')), BIG);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'models')), ['blobs-cpu-fp32-v1']);
    assert.deepEqual(fs.readdirSync(path.join(cache, 'locks')), []);
  });

  test('a lock left by a dead process is broken', async () => {
    const cache = freshCache();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const lock = lockFile(cache, 'blobs-cpu-fp32-v1');
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    fs.writeFileSync(lock, JSON.stringify({ pid: dead, host: os.hostname(), startedAt: new Date().toISOString(), variantId: 'blobs-cpu-fp32:1', token: 'old' }));
    const r = await ensureVariant(blobs(), fast(cache));
    assert.equal(r.downloaded, true);
    assert.ok(!fs.existsSync(lock));
  });

  test('disk full (ENOSPC) is a DiskFullError naming the path and the space needed', async (t) => {
    if (process.platform !== 'linux' || !fs.existsSync('/dev/full')) { t.skip('needs /dev/full'); return; }
    const cache = freshCache();
    const partial = path.join(cache, 'downloads', 'blobs-cpu-fp32-v1.partial');
    fs.mkdirSync(partial, { recursive: true });
    fs.symlinkSync('/dev/full', path.join(partial, 'big.bin')); // every write there fails with ENOSPC
    await assert.rejects(ensureVariant(blobs(), fast(cache)), (e: unknown) => {
      assert.ok(e instanceof DiskFullError);
      assert.equal(e.status, 507);
      assert.equal(e.path, path.join(partial, 'big.bin'));
      assert.equal(e.neededBytes, BIG.length);
      assert.match(e.message, /is full\. 300 KB more are needed there/);
      return true;
    });
    assert.throws(() => ensureFreeSpace('/some/dir', 5_000_000, 1_000_000), (e: unknown) => e instanceof DiskFullError && e.neededBytes === 4_000_000 && /'\/some\/dir'/.test(e.message) && /4\.00 MB more/.test(e.message));
    ensureFreeSpace('/some/dir', 10, null); // unknown free space: go ahead
  });

  test('names from the catalog or the listing never leave the cache', async () => {
    const cache = freshCache();
    await assert.rejects(ensureVariant(hf('../escape:1', 'test-org/blobs'), fast(cache)), InvalidRequestError);
    await assert.rejects(ensureVariant(hf('x:1', 'test-org/hostile', 'sub', ['**']), fast(cache)), (e: unknown) => e instanceof InvalidRequestError && /not a plain relative path/.test(e.message));
    await assert.rejects(ensureVariant(hf('x:1', '../../etc', '', ['**']), fast(cache)), InvalidRequestError);
    assert.ok(!fs.existsSync(path.join(root, 'evil.json')) && !fs.existsSync(path.join(cache, 'evil.json')));
  });
});

describe('other sources', () => {
  test('plain URL files with sha256 and size; a wrong sha256 is refused', async () => {
    const files = [
      { url: hub.plainUrl('test-org/blobs', 'big.bin'), path: 'weights/big.bin', sha256: sha256Hex(BIG), size: BIG.length },
      { url: hub.plainUrl('test-org/blobs', 'small.json'), path: 'small.json' },
    ];
    const cache = freshCache();
    const r = await ensureVariant(variant('plain:1', { kind: 'url', files }), fast(cache));
    assert.deepEqual(fs.readFileSync(path.join(r.dir, 'weights', 'big.bin')), BIG);
    const record = JSON.parse(fs.readFileSync(path.join(r.dir, COMPLETE_FILE), 'utf8'));
    assert.deepEqual(record.files.map((f: { path: string; size: number }) => [f.path, f.size]), [['weights/big.bin', BIG.length], ['small.json', SMALL.length]]);

    const bad = [{ ...files[0], sha256: '0'.repeat(64) }];
    await assert.rejects(ensureVariant(variant('plain-bad:1', { kind: 'url', files: bad }), fast(freshCache())), ChecksumError);
    hub.fault('small.json', { status: 404 });
    await assert.rejects(ensureVariant(variant('plain-404:1', { kind: 'url', files: [files[1]] }), fast(freshCache())), (e: unknown) => e instanceof DownloadError && e.status === 404 && /check the URL/.test(e.message));
  });

  test('synthetic variants are built into synthetic/<id> and reused', async () => {
    const cache = freshCache();
    const v = variant('tiny-synth-fp32:1', { kind: 'synthetic', shape: 'tiny', precision: 'fp32' });
    const events: DownloadProgress[] = [];
    const r = await ensureVariant(v, { cacheDir: cache, onProgress: (p) => events.push(p) });
    assert.deepEqual(r, { dir: path.join(cache, 'synthetic', 'tiny-fp32'), downloaded: true });
    assert.equal(inspectModelFolder(r.dir).layout, 'genai');
    assert.ok(events.some((e) => e.phase === 'building' && e.total !== null && e.total > 0));
    assert.equal(events.at(-1)!.phase, 'done');
    const again = await ensureVariant(v, { cacheDir: cache });
    assert.deepEqual(again, { dir: r.dir, downloaded: false });
  });
});
