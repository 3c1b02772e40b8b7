/**
 * What a cell's figures measure (docs/measuring.md): the memory of the model's own engine
 * process (not the caller's), the machine's load on every cell line, requests alternating
 * between compared models, and the energy meter's CPU time of the whole process tree.
 * Real parts: models built by lib/synth into a temp folder, the embedded service, engine
 * processes, /proc, and `ps` as the independent witness of memory.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { runGrid } from '../lib/bench/runner';
import { readRecords, type CellSummaryRecord } from '../lib/bench/store';
import { FolderRegistry } from '../lib/service/folder-registry';
import { buildModel } from '../lib/cache/build-model';
import { SHAPES } from '../lib/synth/shapes';
import { energyMeter } from '../lib/eval/energy';
import { compare } from '../lib/analysis/compare';
import { summarizeResults } from '../lib/analysis/summary';
import { startScriptedServer } from './helpers/scripted-server';
import { startService } from '../lib/service/server';
import { makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let small: string;
let large: string;
let file: string;

before(async () => {
  root = makeTempDir();
  small = path.join(root, 'small');
  large = path.join(root, 'large');
  file = path.join(root, 'mem', 'results.jsonl');
  await buildModel({ shape: 'tiny', precision: 'fp32', out: small });
  // ~90 MB of fp32 weights: its engine process must hold far more than tiny's (a few hundred KB).
  await buildModel({ shape: { ...SHAPES.tiny, name: 'tiny-wide', layers: 6, hidden: 512, heads: 8, kvHeads: 2, headSize: 64, ffn: 2048 }, precision: 'fp32', out: large });
});
after(() => removeTempDir(root));

/** RSS in bytes of this process's children, as `ps` reports them (the test's own witness, not /proc readers of lib/). */
function childrenRss(): Map<number, number> {
  const out = new Map<number, number>();
  let text = '';
  try { text = execFileSync('ps', ['-o', 'pid=,rss=', '--ppid', String(process.pid)], { encoding: 'utf8' }); } catch { return out; }
  for (const line of text.trim().split('\n')) {
    const [pid, rss] = line.trim().split(/\s+/).map(Number);
    if (Number.isFinite(pid) && Number.isFinite(rss)) out.set(pid, rss * 1024);
  }
  return out;
}

test('each cell records its own engine process memory: the larger model peaks higher, within 10 % of ps; the caller apart; load on every line', async () => {
  const registry = new FolderRegistry({ 'small:1': { dir: small, alias: 'small' }, 'large:1': { dir: large, alias: 'large' } });
  const seen = new Map<number, number>();
  const watch = () => { for (const [pid, rss] of childrenRss()) seen.set(pid, Math.max(seen.get(pid) ?? 0, rss)); };
  const timer = setInterval(watch, 50);
  try {
    await runGrid({ name: 'mem', compare: { slm: 'small', llm: 'large' }, rounds: 3, warmup: 0, maxTokens: 4, prompts: ['workshop#haiku-ocean'], threads: 1 },
      { resultsFile: file, env: {}, registry, onProgress: watch });
  } finally { clearInterval(timer); }
  const cells = readRecords(file).others.filter((o) => o.type === 'cell') as unknown as CellSummaryRecord[];
  assert.equal(cells.length, 2);
  const of = (m: string) => cells.find((c) => c.model === m)!;
  const [s, l] = [of('small'), of('large')];
  for (const c of [s, l]) {
    const m = c.memory!;
    assert.ok(m.modelProcess, `${c.model}: ${m.notMeasured}`);
    assert.notEqual(m.modelProcess.pid, process.pid, 'the model runs in its own process');
    assert.equal(m.serviceProcess?.pid, process.pid, 'the embedded service is this process');
    assert.ok(m.callerPeakRssBytes > 0 && c.peakRssBytes === m.callerPeakRssBytes);
    assert.ok(m.modelFileBytes! > 0);
    const witnessed = seen.get(m.modelProcess.pid);
    assert.ok(witnessed, `ps saw the engine process ${m.modelProcess.pid}`);
    const err = Math.abs(m.modelProcess.sampledPeakRssBytes - witnessed) / witnessed;
    assert.ok(err < 0.1, `${c.model}: sampled peak ${m.modelProcess.sampledPeakRssBytes} vs ps ${witnessed} (${(100 * err).toFixed(1)} %)`);
    assert.ok(m.modelProcess.peakRssBytes >= m.modelProcess.sampledPeakRssBytes);
    if (m.modelProcess.pssBytes !== null) assert.ok(m.modelProcess.ussBytes! <= m.modelProcess.pssBytes && m.modelProcess.pssBytes <= m.modelProcess.peakRssBytes);
    // Load beside every number.
    const load = c.load!;
    assert.ok(load.logicalCores >= 1);
    assert.equal(typeof load.underLoad, 'boolean');
    assert.equal(typeof load.before.load1, 'number');
    assert.equal(typeof load.after.load1, 'number');
    assert.ok(Date.parse(load.after.at) >= Date.parse(load.before.at));
  }
  const grew = l.memory!.modelProcess!.peakRssBytes - s.memory!.modelProcess!.peakRssBytes;
  const files = l.memory!.modelFileBytes! - s.memory!.modelFileBytes!;
  assert.ok(files > 50 * 2 ** 20);
  assert.ok(grew > 0.5 * files, `the larger model's process peaks ${grew} bytes higher; its files are ${files} bytes larger`);
});

test("a compare grid's requests alternate between the models, the order rotating each round; its ratio is paired and says how far apart its pairs were", () => {
  const { records, others } = readRecords(file);
  const run = others.find((o) => o.type === 'run') as Record<string, unknown>;
  assert.equal(run.interleave, 'alternate', String(run.interleaveReason));
  const measured = records.filter((r) => !r.warmup).sort((a, b) => a.seq! - b.seq!);
  assert.deepEqual(measured.map((r) => r.model), ['small', 'large', 'large', 'small', 'small', 'large']);
  assert.ok(measured.every((r) => r.interleave === 'alternate' && Number.isInteger(r.seq)));
  for (let i = 1; i < measured.length; i++) assert.ok(measured[i].sentAtMs! >= measured[i - 1].sentAtMs!, 'sent in seq order');
  const [row] = compare(records, { kind: 'model' });
  assert.equal(row.method, 'paired');
  assert.equal(row.n, 3);
  assert.ok(typeof row.pairGapMs === 'number' && row.pairGapMs >= 0);
  // The same rounds run one model after the other are not called paired.
  const [seq] = compare(records.map((r) => ({ ...r, interleave: 'load-group' })), { kind: 'model' });
  assert.equal(seq.method, 'sequential');
  // slmlab's own service reports its per-token timings: the records use them, labelled.
  for (const r of measured) {
    assert.equal(r.rateSource, 'server');
    assert.ok(r.itlMs.length === r.completionTokens! - 1 && r.tpotMs! > 0 && r.decodeTokensPerSecond! > 0);
  }
});

test("an endpoint that coalesces 10 tokens into 2 chunks gets 'not measurable (coalesced)' rates, not impossible ones", async () => {
  const srv = await startScriptedServer();
  try {
    const words = Array.from({ length: 10 }, (_, i) => `w${i} `);
    srv.script('coalescer', { usage: 'final', chunks: [
      { delayMs: 1, role: true },
      { delayMs: 20, content: words.slice(0, 5).join(''), tokens: 5 },
      { delayMs: 1, content: words.slice(5).join(''), tokens: 5 },
      { delayMs: 0, finishReason: 'length' },
    ] });
    srv.script('steady', { usage: 'final', chunks: [{ delayMs: 1, role: true }, ...words.map((content) => ({ delayMs: 3, content })), { delayMs: 0, finishReason: 'length' }] });
    const out = path.join(root, 'coalesced', 'results.jsonl');
    await runGrid({ name: 'coalesced', models: ['coalescer', 'steady'], endpoints: [srv.baseURL], rounds: 2, warmup: 0, maxTokens: 10, prompts: ['workshop#haiku-ocean'] },
      { resultsFile: out, env: {} });
    const { records, others } = readRecords(out);
    const co = records.filter((r) => r.model === 'coalescer');
    assert.equal(co.length, 2);
    for (const r of co) {
      assert.equal(r.status, 'ok', r.reason ?? '');
      assert.equal(r.completionTokens, 10);
      assert.equal(r.rateSource, 'not measurable (coalesced)');
      assert.equal(r.tpotMs, null);
      assert.equal(r.decodeTokensPerSecond, null);
      assert.deepEqual(r.itlMs, []);
    }
    for (const r of records.filter((x) => x.model === 'steady')) assert.equal(r.rateSource, 'client');
    const rows = summarizeResults(records, others.filter((o) => o.type === 'cell') as never, { synthetic: () => false });
    assert.equal(rows.find((r) => r.model === 'coalescer')!.rateSource, 'not measurable (coalesced)');
    const cell = (others as unknown as CellSummaryRecord[]).find((o) => o.type === 'cell' && o.model === 'coalescer')!;
    assert.equal(cell.memory!.modelProcess, null);
    assert.match(cell.memory!.notMeasured!, /^not measured here/);
  } finally { await srv.close(); }
});

test('GET /slmlab/processes names the service and each loaded model\'s engine process (read-only)', async () => {
  const svc = await startService({ registry: new FolderRegistry({ 'small:1': { dir: small, alias: 'small' } }), threads: 1, apiKey: '', host: '127.0.0.1', port: 0 });
  try {
    const before = await (await fetch(`${svc.url}/slmlab/processes`)).json() as { service: { pid: number }; models: unknown[] };
    assert.deepEqual(before, { service: { pid: process.pid }, models: [] });
    const r = await fetch(`${svc.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'small', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }) });
    assert.equal(r.status, 200);
    const after = await (await fetch(`${svc.url}/slmlab/processes`)).json() as { models: { id: string; pid: number }[] };
    assert.equal(after.models.length, 1);
    assert.equal(after.models[0].id, 'small:1');
    assert.equal(after.models[0].pid, svc.manager.loadedModel('small:1')!.pid);
    assert.notEqual(after.models[0].pid, process.pid);
    assert.ok(childrenRss().has(after.models[0].pid), 'ps sees it as a child of this process');
    const loaded = await (await fetch(`${svc.url}/slmlab/loaded`)).json() as { pid: number }[];
    assert.equal(loaded[0].pid, after.models[0].pid);
  } finally { await svc.close(); }
});

/** A child node process that burns `ms` of CPU, then reports its own CPU time (s) on stdout and, when `stay`, waits to be killed. */
function burner(ms: number, stay: boolean): { child: ReturnType<typeof spawn>; reported: Promise<number> } {
  const code = `const t=Date.now();let x=0;while(Date.now()-t<${ms})x+=Math.sqrt(x+1);const u=process.cpuUsage();`
    + `process.stdout.write(String((u.user+u.system)/1e6)+'\\n');${stay ? 'setInterval(()=>{},1000);' : ''}`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const reported = new Promise<number>((resolve) => { let s = ''; child.stdout!.on('data', (d) => { s += d; if (s.includes('\n')) resolve(Number(s.trim())); }); });
  return { child, reported };
}

test("the energy meter counts the whole process tree's CPU time: this process, a child that exited, a child still running (within 10 %)", async () => {
  const self0 = process.cpuUsage();
  const meter = energyMeter();
  const gone = burner(500, false);
  const exited = new Promise<void>((r) => gone.child.once('exit', () => r()));
  const goneCpu = await gone.reported;
  await exited;
  const live = burner(500, true);
  const liveCpu = await live.reported;
  const t = Date.now(); let x = 0; while (Date.now() - t < 300) x += Math.sqrt(x + 1);
  try {
    const e = meter.stop();
    const u = process.cpuUsage(self0);
    const expected = (u.user + u.system) / 1e6 + goneCpu + liveCpu;
    assert.equal(e.cpuScope, 'process tree');
    assert.ok(e.pids.includes(live.child.pid!), 'the live child is counted');
    assert.ok(Math.abs(e.cpuSeconds - expected) / expected < 0.1, `meter ${e.cpuSeconds.toFixed(3)} CPU-s vs measured ${expected.toFixed(3)} (self + children's own reports)`);
    assert.ok(e.cpuSeconds - e.selfCpuSeconds > 0.9 * (goneCpu + liveCpu), 'the children are in the total');
    if (e.method === 'estimate') assert.match(e.note, /assumed TDP/);
  } finally { live.child.kill(); }
});
