/**
 * npm run bench:harness — the benchmark harness's own cost, measured in one run (not part of npm test):
 *   1. per request, the work the runner does after a timed call returns: turning the call into a
 *      RequestRecord and appending it to the JSONL store (target < 1 ms);
 *   2. client-measured TTFT through the service (openai client, streaming) minus the engine's own
 *      TTFT for the same request, as the service reports it (target: p95 within 2 ms).
 *
 *   node dist/scripts/bench/harness.js [--model qwen2.5-0.5b-twin] [--requests 30] [--max-tokens 8] [--json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { startService } from '../../lib/service';
import { CatalogRegistry } from '../../lib/registry/catalog-registry';
import { timedChat } from '../../lib/client';
import { expandGrid, schedule, loadPromptLibrary, type GridSpec } from '../../lib/bench/grid';
import { appendRecords } from '../../lib/bench/store';
import { fromCall } from '../../lib/bench/runner';
import { summarize } from '../../lib/bench/stats';
import { scriptArgs } from '../../lib/util/argv';

interface Options { model: string; requests: number; maxTokens: number; json: boolean }

const ARGS = {
  name: 'bench-harness',
  usage: 'node dist/scripts/bench/harness.js [options]',
  about: "The benchmark harness's own cost: the runner's work per request, and client TTFT minus the engine's through the service.",
  options: {
    model: { type: 'string', value: 'ALIAS', default: 'qwen2.5-0.5b-twin', help: 'catalog alias of the model to serve' },
    requests: { type: 'int', min: 2, default: 30, help: 'measured requests' },
    'max-tokens': { type: 'int', min: 1, default: 8, help: 'new tokens per request' },
    json: { type: 'flag', help: 'one JSON object instead of text' },
  },
} as const;

function parseArgs(argv: string[]): Options {
  const { values: v } = scriptArgs(ARGS, argv);
  return { model: v.model, requests: v.requests, maxTokens: v['max-tokens'], json: v.json };
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const spec: GridSpec = { name: 'harness', models: [o.model], providers: ['cpu'], prompts: ['workshop#rag-brief'], maxTokens: o.maxTokens, rounds: o.requests, warmup: 3 };
  const cells = expandGrid(spec, loadPromptLibrary());
  const plan = schedule(cells);
  const service = await startService({ registry: new CatalogRegistry(), ttlSeconds: 0, lastPositionLogits: false }); // the model's own graph
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-harness-'));
  const file = path.join(tmp, 'results.jsonl');
  const client = new OpenAI({ baseURL: `${service.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const overheadMs: number[] = [];
  const ttftGapMs: number[] = [];
  const visibleGapMs: number[] = [];
  try {
    process.stderr.write(`bench-harness: ${o.model} (building on first use), ${o.requests} requests after 3 warmups, max_tokens ${o.maxTokens}\n`);
    for (const req of plan) {
      const call = await timedChat(client, { model: o.model, messages: req.cell.messages, max_tokens: o.maxTokens, temperature: 0, ep: 'cpu' } as Parameters<typeof timedChat>[1], { continuousUsage: true });
      if (call.status !== 'ok') throw new Error(`request failed: ${call.error}`);
      const t1 = performance.now();
      const record = fromCall(req, 'harness', call, null);
      await appendRecords(file, [record], { sync: false }); // as the runner appends requests
      const t2 = performance.now();
      if (req.kind === 'warmup') continue;
      overheadMs.push(t2 - t1);
      const e = call.slmlab;
      if (call.ttftMs === null || !e || e.ttftMs === null) continue;
      ttftGapMs.push(call.ttftMs - e.ttftMs);
      // Like for like: the engine's first *visible* text, plus the service's work and queue before the engine started.
      if (e.firstTextMs !== null) visibleGapMs.push(call.ttftMs - ((e.serviceMs ?? 0) + (e.queueMs ?? 0) + e.firstTextMs));
    }
  } finally {
    await service.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const over = summarize(overheadMs);
  const gap = summarize(ttftGapMs);
  const visible = summarize(visibleGapMs);
  const overPass = over.median !== null && over.median < 1;
  const gapPass = visible.p95 !== null && visible.p95 <= 2;
  if (o.json) {
    process.stdout.write(JSON.stringify({ model: o.model, overheadMs: over, clientMinusEngineTtftMs: gap, clientMinusEngineFirstTextMs: visible, samples: { overheadMs, ttftGapMs, visibleGapMs } }, null, 2) + '\n');
    return;
  }
  process.stdout.write([
    `harness overhead per request (record + JSONL append, fsync per cell): median ${fmt(over.median)} ms, p95 ${fmt(over.p95)} ms (target < 1 ms) ${overPass ? 'PASS' : 'MISS'}`,
    `client TTFT − engine TTFT (first token sampled): median ${fmt(gap.median)} ms, p95 ${fmt(gap.p95)} ms, max ${fmt(gap.max)} ms`,
    `  includes decode steps whose bytes did not yet make visible text, the service's work before the engine, HTTP/SSE and the client`,
    `client TTFT − (service + queue + engine time to first visible text): median ${fmt(visible.median)} ms, p95 ${fmt(visible.p95)} ms (target p95 ≤ 2 ms) ${gapPass ? 'PASS' : 'MISS'}`,
    `  like for like: what remains is HTTP and SSE through loopback and the openai client's parsing; n = ${visible.n}`,
  ].join('\n') + '\n');
}

main().catch((e: unknown) => { process.stderr.write(`bench-harness: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
