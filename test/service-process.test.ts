/**
 * `service stop`, `restart`, `status` and `start` act only on the slmlab service they started:
 * a state file whose pid now belongs to another program (here a child whose command line
 * even contains "cli.js", as npm's npm-cli.js does) is stale, and that program lives on.
 * Concurrent starts: exactly one starts a service, the others report it as already running.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildModel } from '../lib/cache/build-model';
import { daemonStatus, restartDaemon, startDaemon, stopDaemon } from '../lib/app/daemon';
import { processStartTime } from '../lib/client/service-identity';
import { pidAlive, readState, stateFilePath, writeState } from '../lib/client/service-state';
import { makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let root: string;
let cache: string;
let bystander: ChildProcess | null = null;

before(async () => {
  root = makeTempDir();
  cache = path.join(root, 'cache');
  await buildModel({ shape: 'tiny', precision: 'int4', out: path.join(cache, 'synthetic', 'tiny-int4') });
});
after(async () => {
  bystander?.kill('SIGKILL');
  await stopDaemon({ cacheDir: cache });
  removeTempDir(root);
});

/** An unrelated long-lived process whose command line contains "cli.js". */
function startBystander(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000); process.stdout.write("up")', 'npm-cli.js'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

test('a state file whose pid was reused by another program: nothing is signalled, the file is cleaned', async () => {
  bystander = await startBystander();
  const pid = bystander.pid!;
  const file = stateFilePath(cache);
  // What a crashed service leaves: its pid (now the bystander's), a URL nobody listens on.
  const stale = { pid, url: 'http://127.0.0.1:9', port: 9, host: '127.0.0.1', startedAt: new Date(0).toISOString(), logFile: null };
  for (const extra of [{}, { instance: 'gone', pidStartTime: (processStartTime(pid) ?? 0) - 1 }]) {
    writeState(file, { ...stale, ...extra });
    const s = await daemonStatus({ cacheDir: cache });
    assert.equal(s.running, false, 'status must not report a dead URL as running');
    assert.equal(s.staleCleaned, true);
    writeState(file, { ...stale, ...extra });
    const stopped = await stopDaemon({ cacheDir: cache, timeoutMs: 500 });
    assert.equal(stopped.wasRunning, false);
    assert.equal(pidAlive(pid), true, 'the unrelated process was signalled');
    assert.equal(bystander.exitCode, null);
    assert.equal(bystander.signalCode, null);
  }
  // restart and start do not signal it either, and start a real service.
  writeState(file, stale);
  const r = await restartDaemon({ cacheDir: cache });
  assert.equal(r.stoppedPid, null);
  assert.equal(r.alreadyRunning, false);
  assert.notEqual(r.pid, pid);
  assert.equal(pidAlive(pid), true);
  const state = readState(file)!;
  assert.equal(typeof state.instance, 'string');
  assert.equal(state.pidStartTime, processStartTime(state.pid));
  const stopped = await stopDaemon({ cacheDir: cache });
  assert.equal(stopped.pid, r.pid);
  assert.equal(pidAlive(pid), true);
});

test('three `slmlab service start` at once: one starts it, the others say already running with its URL and exit 0', async () => {
  const env = { ...process.env, SLMLAB_CACHE_DIR: cache };
  fs.rmSync(path.join(cache, 'logs', 'service.log'), { force: true }); // count only this test's services
  const runs = await Promise.all([0, 1, 2].map(() => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(process.execPath, [CLI, 'service', 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => resolve({ code, out, err }));
  })));
  for (const r of runs) assert.equal(r.code, 0, r.err);
  const started = runs.filter((r) => r.out.startsWith('started: '));
  const already = runs.filter((r) => r.out.startsWith('already running: '));
  assert.equal(started.length, 1, JSON.stringify(runs));
  assert.equal(already.length, 2);
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(started[0].out)![0];
  for (const r of already) assert.ok(r.out.includes(url));
  const s = await daemonStatus({ cacheDir: cache });
  assert.equal(s.url, url);
  assert.equal(s.responding, true);
  // Exactly one service process: the state file's.
  const logs = fs.readFileSync(path.join(cache, 'logs', 'service.log'), 'utf8');
  assert.equal((logs.match(/"message":"listening"/g) ?? []).length, 1, logs);
  await stopDaemon({ cacheDir: cache });
});
