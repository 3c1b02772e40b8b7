/**
 * bench-service: what the HTTP service adds on top of the engine. In one run, the same greedy
 * requests go in-process (LoadedModel.generate, deltas iterated) and through the service (the
 * real openai client, streaming), interleaved round by round, with a third path that measures
 * the openai client's own cost: the same client against a null SSE server that answers at once.
 * Then N clients stream at once.
 *
 *   npm run bench:service
 *   npm run bench:service -- --model DIR --tokens 128 --rounds 60
 *   node dist/scripts/bench/service.js --help
 *
 * By default the service runs as `slmlab service` does, in its own process (dist/lib/app/
 * main.js), and the null server in another; --same-process runs both in this process instead.
 *
 * Each request records, from the caller's side, the time to the first text and to the end of the
 * answer, and from the engine's side (its worker-thread timings: the result for in-process, the
 * `slmlab` field of the final chunk for the service) the engine's own TTFT and total time. What
 * lies outside the engine is then, per request:
 *   outside_first = caller TTFT  - engine ttftMs        (request -> engine start, first text -> caller)
 *   outside_total = caller total - engine totalMs       (all of the above, plus the end of the answer)
 * and, per round (medians over rounds are reported):
 *   overhead per request, all-in = outside_first(service) - outside_first(in-process)          [ms]
 *   openai client floor          = caller TTFT against the null server                         [ms]
 *   service's own per request    = all-in - floor                                               [ms]
 *   overhead per token, as seen  = ((caller total - caller TTFT)(service)
 *                                   - (caller total - caller TTFT)(in-process)) / (N - 1)       [ms/token]
 *   of which outside the engine  = ((outside_total - outside_first)(service)
 *                                   - (outside_total - outside_first)(in-process)) / (N - 1)  [ms/token]
 * (the difference between the two is the engine itself running slower behind the service, e.g.
 * when the service's threads and the client compete with it for too few cores).
 * The service also reports, in the final chunk, its own time from the request's arrival to the
 * engine call (service_ms); its median is printed as a direct check of the subtraction above.
 * Subtracting the engine's own timings removes the engine's run-to-run noise; subtracting
 * in-process removes what every caller pays (the worker-thread hop); subtracting the floor
 * removes what any HTTP server would cost this client (fetch, request building, SSE parsing).
 * Targets: streaming overhead <= 1 ms per request (the service's own) and <= 0.1 ms per token.
 *
 * Then --concurrency clients (default 64), each its own openai client, stream the same request
 * at once; every answer must arrive complete and equal the greedy reference, with zero errors.
 */
import { collectGarbage } from '../../lib/util/gc';
import * as stats from '../../lib/bench/stats';
import { scriptArgs } from '../../lib/util/argv';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { loadModel, type LoadedModel } from '../../lib/engine/engine';
import { buildModel } from '../../lib/cache/build-model';
import { FolderRegistry } from '../../lib/service/folder-registry';
import { startService } from '../../lib/service/server';

interface Options {
  model: string | null;
  tokens: number;
  rounds: number;
  warmup: number;
  concurrency: number;
  threads: number;
  pauseMs: number;
  sameProcess: boolean;
  json: boolean;
}

const ARGS = {
  name: 'bench-service',
  usage: 'node dist/scripts/bench/service.js [options]',
  about: `Measures the service's overhead over in-process generation (streaming, the real openai client),
interleaved round by round, then a burst of concurrent streaming clients.

Targets: streaming overhead <= 1 ms per request (the service's own, net of the openai
client's floor; the all-in figure is printed beside it) and <= 0.1 ms per token (medians);
the burst completes with zero errors.`,
  options: {
    model: { type: 'string', value: 'DIR', help: 'a model folder (default: a tiny int4 synthetic model built in a temp folder)' },
    tokens: { type: 'int', min: 2, default: 64, help: 'new tokens per request' },
    rounds: { type: 'int', min: 1, default: 100, help: 'measured rounds, each: in-process, service, null server' },
    warmup: { type: 'int', min: 0, default: 5, help: 'unmeasured rounds first' },
    concurrency: { type: 'int', min: 1, default: 64, help: 'streaming clients at once in the burst' },
    threads: { type: 'int', min: 0, default: 1, help: 'ONNX Runtime intra-op threads per model' },
    'pause-ms': { type: 'int', min: 0, default: 10, help: 'idle time after a GC between two measurements' },
    'same-process': { type: 'flag', help: 'run the service (and the null server) in this process, not in their own' },
    json: { type: 'flag', help: 'one JSON object instead of tables' },
  },
} as const;

function parseArgs(argv: string[]): Options {
  const { values: v } = scriptArgs(ARGS, argv);
  return {
    model: v.model === undefined ? null : path.resolve(v.model), tokens: v.tokens, rounds: v.rounds, warmup: v.warmup, concurrency: v.concurrency,
    threads: v.threads, pauseMs: v['pause-ms'], sameProcess: v['same-process'], json: v.json,
  };
}

// ---- statistics -----------------------------------------------------------------------------

/** Type-7 quantile (lib/bench/stats) as a number: NaN when there is no sample, for table printing. */
const quantile = (xs: number[], q: number): number => stats.quantile(xs, q) ?? NaN;
const median = (xs: number[]) => quantile(xs, 0.5);
const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function settle(ms: number): Promise<void> { collectGarbage(); await sleep(ms); }

// ---- one request each way -------------------------------------------------------------------

interface Sample {
  tokens: number;
  finish: string;
  text: string;
  callerTtftMs: number;
  callerTotalMs: number;
  engineTtftMs: number;
  engineTotalMs: number;
  /** Service only: its own time before the engine got the request (the `slmlab` field's service_ms). */
  serviceMs?: number;
}

const PROMPT = 'Explain retrieval augmented generation briefly.';

async function inProcess(model: LoadedModel, n: number): Promise<Sample> {
  const t0 = performance.now();
  const stream = model.generate({ messages: [{ role: 'user', content: PROMPT }], maxTokens: n, temperature: 0 });
  let first = NaN;
  let text = '';
  for await (const d of stream) {
    if (Number.isNaN(first)) first = performance.now();
    text += d.text;
  }
  const r = await stream.result;
  const end = performance.now();
  return { tokens: r.completionTokens, finish: r.finishReason, text, callerTtftMs: first - t0, callerTotalMs: end - t0, engineTtftMs: r.timings.ttftMs, engineTotalMs: r.timings.totalMs };
}

interface Extension { ttft_ms: number; total_ms: number; service_ms: number }

async function viaService(client: OpenAI, model: string, n: number): Promise<Sample> {
  const t0 = performance.now();
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: PROMPT }], max_tokens: n, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let first = NaN;
  let text = '';
  let finish = '';
  let tokens = 0;
  let ext: Extension | null = null;
  for await (const ch of stream) {
    const c = ch.choices[0];
    if (c?.delta?.content) {
      if (Number.isNaN(first)) first = performance.now();
      text += c.delta.content;
    }
    if (c?.finish_reason) { finish = c.finish_reason; ext = (ch as unknown as { slmlab: Extension }).slmlab; }
    if (ch.usage) tokens = ch.usage.completion_tokens;
  }
  const end = performance.now();
  if (!ext) throw new Error('the final chunk carried no slmlab timings');
  return { tokens, finish, text, callerTtftMs: first - t0, callerTotalMs: end - t0, engineTtftMs: ext.ttft_ms, engineTotalMs: ext.total_ms, serviceMs: ext.service_ms };
}

// ---- the servers ----------------------------------------------------------------------------

/**
 * The null server: answers every POST at once with a role chunk, one content chunk and [DONE],
 * as a service with an infinitely fast model would. The openai client's time to that content is
 * the floor any HTTP service costs this client.
 */
function nullBody(): string {
  const head = '{"id":"chatcmpl-null","object":"chat.completion.chunk","created":1,"model":"null","system_fingerprint":null,"choices":';
  const event = (choices: string) => `data: ${head}${choices}}\n\n`;
  return event('[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]')
    + event('[{"index":0,"delta":{"content":"x"},"logprobs":null,"finish_reason":null}]')
    + event('[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]') + 'data: [DONE]\n\n';
}

/** The same server as a script for its own process. */
const NULL_SERVER = `
const http = require('node:http');
const body = ${JSON.stringify(nullBody())};
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }); res.end(body); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write('listening on http://127.0.0.1:' + server.address().port + '\\n'));
`;

interface Running { url: string; stop(): Promise<void> }

function waitForUrl(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it listened: ${out}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function startNullServer(sameProcess: boolean): Promise<Running> {
  if (sameProcess) {
    const body = nullBody();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' }); res.end(body); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
  }
  const child = spawn(process.execPath, ['-e', NULL_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await waitForUrl(child, 'the null server');
  return { url, stop: () => stopChild(child) };
}

async function startBenchService(o: Options, name: string, dir: string): Promise<Running> {
  const maxQueue = Math.max(16, o.concurrency); // the burst queues every client on one model
  if (o.sameProcess) {
    const svc = await startService({ registry: new FolderRegistry({ [name]: dir }), threads: o.threads, apiKey: '', maxQueue, ttlSeconds: 0, lastPositionLogits: false });
    return { url: svc.url, stop: () => svc.close() };
  }
  const main = path.join(__dirname, '..', '..', 'lib', 'app', 'main.js');
  const child = spawn(process.execPath, [main, '--foreground', '--no-state-file', '--model', `${name}=${dir}`, '--threads', String(o.threads), '--max-queue', String(maxQueue), '--ttl', '0', '--logits', 'all'],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SLMLAB_API_KEY: '' } });
  const url = await waitForUrl(child, 'the service');
  return { url, stop: () => stopChild(child) };
}

async function nullTtft(client: OpenAI): Promise<number> {
  const t0 = performance.now();
  const stream = await client.chat.completions.create({ model: 'null', messages: [{ role: 'user', content: PROMPT }], max_tokens: 1, stream: true });
  let first = NaN;
  for await (const ch of stream) if (ch.choices[0]?.delta?.content && Number.isNaN(first)) first = performance.now();
  return first - t0;
}

// ---- main -----------------------------------------------------------------------------------

interface Row { round: number; inp: Sample; svc: Sample; floorMs: number; allInMs: number; ownMs: number; perTokenMs: number; perTokenOutsideMs: number; totalMs: number }

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  let tmp: string | null = null;
  let dir = o.model;
  if (!dir) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-bench-service-'));
    dir = (await buildModel({ shape: 'tiny', precision: 'int4', out: path.join(tmp, 'tiny-int4') })).dir;
  }
  const name = path.basename(dir);
  const model = await loadModel(dir, { provider: 'cpu', threads: o.threads });
  const service = await startBenchService(o, name, dir);
  const nullServer = await startNullServer(o.sameProcess);
  const client = new OpenAI({ baseURL: service.url + '/v1', apiKey: 'unused', maxRetries: 0 });
  const nullClient = new OpenAI({ baseURL: nullServer.url + '/v1', apiKey: 'unused', maxRetries: 0 });

  try {
    // Interleaved rounds; the order rotates so that no path always runs right after another.
    const rows: Row[] = [];
    let earlyStops = 0;
    for (let round = -o.warmup; round < o.rounds; round++) {
      const run: Record<string, () => Promise<void>> = {};
      let a: Sample | null = null;
      let b: Sample | null = null;
      let floorMs = NaN;
      run.a = async () => { a = await inProcess(model, o.tokens); };
      run.b = async () => { b = await viaService(client, name, o.tokens); };
      run.c = async () => { floorMs = await nullTtft(nullClient); };
      const order = [['a', 'b', 'c'], ['b', 'c', 'a'], ['c', 'a', 'b']][((round % 3) + 3) % 3];
      for (const k of order) { await settle(o.pauseMs); await run[k](); }
      const A = a as unknown as Sample;
      const B = b as unknown as Sample;
      if (A.text !== B.text) throw new Error(`round ${round}: the service's answer differs from in-process's`);
      if (round < 0) continue;
      if (A.tokens !== o.tokens || B.tokens !== o.tokens) { earlyStops++; continue; }
      const first = (s: Sample) => s.callerTtftMs - s.engineTtftMs;
      const total = (s: Sample) => s.callerTotalMs - s.engineTotalMs;
      const allInMs = first(B) - first(A);
      rows.push({
        round, inp: A, svc: B, floorMs, allInMs, ownMs: allInMs - floorMs,
        perTokenMs: ((B.callerTotalMs - B.callerTtftMs) - (A.callerTotalMs - A.callerTtftMs)) / (o.tokens - 1),
        perTokenOutsideMs: ((total(B) - first(B)) - (total(A) - first(A))) / (o.tokens - 1),
        totalMs: total(B) - total(A),
      });
    }

    // The burst: every client at once, each its own openai client.
    const reference = (await inProcess(model, o.tokens)).text;
    await settle(o.pauseMs);
    const clients = Array.from({ length: o.concurrency }, () => new OpenAI({ baseURL: service.url + '/v1', apiKey: 'unused', maxRetries: 0, timeout: 600_000 }));
    const t0 = performance.now();
    const outcomes = await Promise.allSettled(clients.map((c) => viaService(c, name, o.tokens)));
    const burstMs = performance.now() - t0;
    const done = outcomes.filter((x): x is PromiseFulfilledResult<Sample> => x.status === 'fulfilled').map((x) => x.value);
    const errors = outcomes.filter((x): x is PromiseRejectedResult => x.status === 'rejected').map((x) => String(x.reason?.message ?? x.reason));
    const complete = done.filter((s) => s.text === reference && s.tokens === o.tokens).length;
    const burstTokens = done.reduce((t, s) => t + s.tokens, 0);

    const col = (f: (r: Row) => number) => rows.map(f);
    const stat = (xs: number[]) => ({ median: median(xs), p10: quantile(xs, 0.1), p90: quantile(xs, 0.9) });
    const own = stat(col((r) => r.ownMs));
    const allIn = stat(col((r) => r.allInMs));
    const floor = stat(col((r) => r.floorMs));
    const perToken = stat(col((r) => r.perTokenMs));
    const perTokenOutside = stat(col((r) => r.perTokenOutsideMs));
    const inside = stat(col((r) => r.svc.serviceMs ?? NaN));
    const result = {
      model: dir, synthetic: !o.model, tokens: o.tokens, rounds: rows.length, earlyStops, threads: o.threads,
      serviceProcess: o.sameProcess ? 'same' : 'own',
      machine: { cpu: os.cpus()[0]?.model?.trim(), cores: os.cpus().length, node: process.version, platform: `${os.type()} ${os.release()} ${os.arch()}`, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      inProcess: { callerTtftMs: median(col((r) => r.inp.callerTtftMs)), callerTotalMs: median(col((r) => r.inp.callerTotalMs)), engineTotalMs: median(col((r) => r.inp.engineTotalMs)) },
      service: { callerTtftMs: median(col((r) => r.svc.callerTtftMs)), callerTotalMs: median(col((r) => r.svc.callerTotalMs)), engineTotalMs: median(col((r) => r.svc.engineTotalMs)) },
      overhead: { perRequestAllInMs: allIn, openaiClientFloorMs: floor, perRequestServiceMs: own, serviceBeforeEngineMs: inside, perTokenMs: perToken, perTokenOutsideEngineMs: perTokenOutside, wholeRequestAllInMs: median(col((r) => r.totalMs)) },
      burst: {
        clients: o.concurrency, completed: complete, errors: errors.length, firstErrors: errors.slice(0, 3), wallMs: burstMs,
        tokensPerSecond: burstTokens / (burstMs / 1000),
        clientTtftMs: { p50: quantile(done.map((s) => s.callerTtftMs), 0.5), p95: quantile(done.map((s) => s.callerTtftMs), 0.95) },
      },
      pass: {
        perRequest: own.median <= 1,
        perRequestAllIn: allIn.median <= 1,
        perToken: perToken.median <= 0.1,
        burst: errors.length === 0 && complete === o.concurrency,
      },
    };

    if (o.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else {
      const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
      const line = (label: string, s: { median: number; p10: number; p90: number }, d: number, target: string, v: string) =>
        `  ${label.padEnd(38)}${fmt(s.median, d).padStart(8)} ${fmt(s.p10, d).padStart(8)} ${fmt(s.p90, d).padStart(8)}   ${target.padEnd(9)}${v}`;
      const out = [
        `bench-service: ${result.machine.cpu} (${result.machine.cores} logical cores), node ${result.machine.node}, ${result.machine.platform}, load average ${result.machine.loadAverage.join(' ')}`,
        `model ${dir}${result.synthetic ? ' (tiny int4 synthetic)' : ''}; ${o.tokens} tokens per request, greedy; ${rows.length} rounds after ${o.warmup} warmup` +
          `${earlyStops ? `; ${earlyStops} rounds left out (the model stopped early)` : ''}; ORT threads ${o.threads}; service in ${o.sameProcess ? 'this process' : 'its own process'}`,
        '',
        'medians per request (ms)              caller TTFT   caller total   engine total',
        `  in-process (LoadedModel.generate)   ${fmt(result.inProcess.callerTtftMs).padStart(11)}   ${fmt(result.inProcess.callerTotalMs).padStart(12)}   ${fmt(result.inProcess.engineTotalMs).padStart(12)}`,
        `  service (openai client, streaming)  ${fmt(result.service.callerTtftMs).padStart(11)}   ${fmt(result.service.callerTotalMs).padStart(12)}   ${fmt(result.service.engineTotalMs).padStart(12)}`,
        `  null SSE server (openai client)     ${fmt(floor.median).padStart(11)}`,
        '',
        'streaming overhead over in-process       median      p10      p90   target',
        line('per request, all-in (ms)', allIn, 3, '<= 1', verdict(result.pass.perRequestAllIn) + ' (includes the openai client)'),
        line('  of which the openai client floor (ms)', floor, 3, '', ''),
        line('per request, the service\'s own (ms)', own, 3, '<= 1', verdict(result.pass.perRequest)),
        line('  of which measured in the service', inside, 3, '', '(arrival -> engine call)'),
        line('per token, as the client sees it (ms)', perToken, 4, '<= 0.1', verdict(result.pass.perToken)),
        line('  of which outside the engine (ms)', perTokenOutside, 4, '', ''),
        `  (whole request, all-in: median ${fmt(result.overhead.wholeRequestAllInMs)} ms)`,
        '',
        `${o.concurrency} concurrent streaming clients: ${complete}/${o.concurrency} complete and equal to the greedy answer, ${errors.length} errors  ${verdict(result.pass.burst)}`,
        `  wall ${fmt(burstMs, 1)} ms, ${fmt(result.burst.tokensPerSecond, 0)} tokens/s in all, client TTFT p50 ${fmt(result.burst.clientTtftMs.p50, 1)} ms / p95 ${fmt(result.burst.clientTtftMs.p95, 1)} ms (one model runs one request at a time: the rest queue)`,
        ...errors.slice(0, 3).map((e) => `  error: ${e}`),
      ];
      process.stdout.write(out.join('\n') + '\n');
    }
    process.exitCode = result.pass.perRequest && result.pass.perToken && result.pass.burst ? 0 : 1;
  } finally {
    await service.stop();
    await nullServer.stop();
    await model.dispose();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-service: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
