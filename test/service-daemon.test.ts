/**
 * `slmlab service start|status|ps|restart|stop` as functions: a real detached service process,
 * its state file in a temp SLMLAB_CACHE_DIR, found and stopped again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import OpenAI from 'openai';
import { buildModel } from '../lib/cache/build-model';
import { daemonPs, daemonStatus, formatPs, formatStatus, restartDaemon, startDaemon, stopDaemon } from '../lib/app/daemon';
import { parseServiceArgs, runServiceMain } from '../lib/app/main';
import { pidAlive, readState, stateFilePath } from '../lib/client/service-state';
import { makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let cache: string;

before(async () => {
  root = makeTempDir();
  cache = path.join(root, 'cache');
  // The standalone service serves the catalog and the cache by default: this synthetic model is in the cache.
  await buildModel({ shape: 'tiny', precision: 'int4', out: path.join(cache, 'synthetic', 'tiny-int4') });
});
after(async () => {
  await stopDaemon({ cacheDir: cache });
  removeTempDir(root);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test('status says clearly that no service runs, and ps too', async () => {
  const s = await daemonStatus({ cacheDir: cache });
  assert.equal(s.running, false);
  assert.equal(s.url, null);
  assert.match(formatStatus(s), /not running: start it with `slmlab service start`/);
  assert.equal((await daemonPs({ cacheDir: cache })).running, false);
});

test('start runs the service in the background, status gives its URL, ps its models, stop ends it', async () => {
  const started = await startDaemon({ cacheDir: cache, port: 0, ttlSeconds: 60 });
  assert.equal(started.running, true);
  assert.equal(started.alreadyRunning, false);
  assert.equal(started.responding, true);
  assert.match(started.url!, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(started.port, 0, 'port 0 became a real free port');
  assert.notEqual(started.pid, process.pid);

  const state = readState(stateFilePath(cache))!;
  assert.deepEqual(Object.keys(state).sort(), ['host', 'instance', 'logFile', 'pid', 'pidStartTime', 'port', 'startedAt', 'url']);
  assert.equal(state.pid, started.pid);
  assert.equal(state.url, started.url);
  assert.equal(state.logFile, path.join(cache, 'logs', 'service.log'));

  const status = await daemonStatus({ cacheDir: cache });
  assert.equal(status.running, true);
  assert.equal(status.responding, true);
  assert.ok(formatStatus(status).includes(started.url!), formatStatus(status));

  const client = new OpenAI({ baseURL: started.url + '/v1', apiKey: 'x', maxRetries: 0 });
  assert.deepEqual((await client.models.list()).data.map((m) => m.id), ['tiny-int4']);
  const r = await client.chat.completions.create({ model: 'tiny-int4', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
  assert.equal(r.usage!.completion_tokens, 3);

  const ps = await daemonPs({ cacheDir: cache });
  assert.equal(ps.running, true);
  assert.deepEqual(ps.models.map((m) => [m.id, m.provider, m.device, m.ttlSeconds]), [['tiny-int4', 'cpu', 'CPU', 60]]);
  assert.match(formatPs(ps), /tiny-int4\s+cpu\s+CPU/);

  const again = await startDaemon({ cacheDir: cache });
  assert.equal(again.alreadyRunning, true);
  assert.equal(again.pid, started.pid);

  // A second foreground service on the same state file refuses to start.
  await assert.rejects(runServiceMain(['--foreground'], { ...process.env, SLMLAB_CACHE_DIR: cache }), /already running at http/);

  const stopped = await stopDaemon({ cacheDir: cache });
  assert.deepEqual([stopped.wasRunning, stopped.stopped, stopped.pid, stopped.forced], [true, true, started.pid, false]);
  assert.equal(pidAlive(started.pid!), false);
  assert.equal(fs.existsSync(stateFilePath(cache)), false, 'the service removed its state file');
  assert.equal((await daemonStatus({ cacheDir: cache })).running, false);
  assert.match(fs.readFileSync(state.logFile!, 'utf8'), /"message":"listening"/);
  assert.equal((await stopDaemon({ cacheDir: cache })).wasRunning, false, 'stopping twice is fine');
});

test('restart with a fixed port serves on that port from a new process', async () => {
  const port = await freePort();
  const first = await startDaemon({ cacheDir: cache, port });
  assert.equal(first.port, port);
  const second = await restartDaemon({ cacheDir: cache, port });
  assert.equal(second.stoppedPid, first.pid);
  assert.notEqual(second.pid, first.pid);
  assert.equal(second.port, port);
  assert.equal(second.responding, true);
  await stopDaemon({ cacheDir: cache });
});

test('a state file left by a process that died is cleaned by status', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(dead.stdout);
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(stateFilePath(cache), JSON.stringify({ pid, url: 'http://127.0.0.1:1', port: 1, host: '127.0.0.1', startedAt: new Date().toISOString(), logFile: null }));
  const s = await daemonStatus({ cacheDir: cache });
  assert.equal(s.running, false);
  assert.equal(s.staleCleaned, true);
  assert.match(formatStatus(s), /not running \(removed a stale state file/);
  assert.equal(fs.existsSync(stateFilePath(cache)), false);
});

test('a service that cannot start reports why (the port is taken)', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    // One line, the service's own reason, and the code that makes the CLI exit 2.
    await assert.rejects(startDaemon({ cacheDir: cache, port }), (e: any) => e.code === 'service_start_failed' && new RegExp(`^port ${port} on 127.0.0.1 is in use: .*$`).test(e.message));
    assert.equal((await daemonStatus({ cacheDir: cache })).running, false);
  } finally {
    blocker.close();
  }
});

test('the service process reads its options from argv, then the environment', () => {
  const env = { SLMLAB_CACHE_DIR: cache, SLMLAB_PORT: '5273', SLMLAB_TTL: '30' };
  const o = parseServiceArgs(['--foreground', '--host', '127.0.0.1', '--ttl=60', '--model', 'a=/models/a', '--max-queue', '4'], env);
  assert.deepEqual([o.host, o.port, o.ttlSeconds, o.maxQueue, o.models], ['127.0.0.1', 5273, 60, 4, { a: path.resolve('/models/a') }]);
  assert.equal(o.stateFile, stateFilePath(cache));
  assert.throws(() => parseServiceArgs(['--bogus'], env), /unknown option '--bogus'/);
  assert.throws(() => parseServiceArgs(['--port', 'x'], env), /--port needs a whole number/);
  assert.throws(() => parseServiceArgs(['--model', 'nodir'], env), /NAME=DIR/);
});
