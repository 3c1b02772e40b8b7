/**
 * bench-batching: continuous batching and time to first token, in one run.
 *
 *   npm run bench:batching
 *   node dist/scripts/bench/batching.js --rounds 3 --streams 1,2,4,8 --json
 *   node dist/scripts/bench/batching.js --help
 *
 * Three parts, on the qwen2.5-0.5b twin by default (built or reused under SLMLAB_CACHE_DIR):
 *
 * 1. Batch invariance: 8 requests with different prompts and lengths, first one at a time, then
 *    all at once on the same loaded model; how many give exactly their solo tokens.
 *
 * 2. Solo time to first token and decode, interleaved round by round (order rotated), for
 *      floor       a bare InferenceSession.run in this thread: prefill of the prompt ids + argmax
 *      engine      loadModel(...).complete({raw: true}): its own worker-thread TTFT (tokenize + prefill + sample)
 *    on the builder-faithful graph (logits for every position) and on the last-position-logits
 *    variant (synth --logits last). Both see the same prompt ids; decode is --solo-tokens steps.
 *    Per round:  engine TTFT / floor TTFT  (target <= 1.05),  last / all TTFT and decode ms/token.
 *
 * 3. The service under load: `slmlab service` in its own process serving the twin, with
 *    continuous batching (--max-batch N) and without (--max-batch 1, the engine before batching).
 *    A cell is S streams (S in --streams), each its own openai client, each sending --requests
 *    streaming requests one after another (closed loop), --tokens new tokens, greedy, every
 *    stream its own prompt. Per cell:
 *      aggregate tok/s = completion tokens of every request / cell wall time
 *      TTFT            = request start -> first content chunk, as the client sees it; mean and p95
 *                        (nearest-rank on the sorted TTFTs of the cell's requests)
 *    Cells run in rotated order every round, batched and unbatched alternating, so drifts of a
 *    shared machine hit both; the table shows medians over rounds.
 *    Targets (issue 10): aggregate at 4 streams >= 2.5x one stream; mean TTFT at 4 streams <= 400 ms.
 *
 * llama.cpp (issue 17): when node-llama-cpp is installed (--llama-cpp DIR, default
 * <cache>/engines/llama.cpp from `slmlab engines add llama.cpp`) and a GGUF of the same weights is
 * there (--gguf FILE, default <model folder>/model.gguf, from `slmlab model export <twin> --gguf`;
 * build the twin with --scales fp16 so the export is exact), part 2 gains a llama.cpp row and
 * part 3 a 'llama.cpp (direct)' mode: the same token ids (our chat template), greedy, streams as
 * sequences of one context, direct calls without HTTP, interleaved with the service's cells.
 *
 * The CPU's matrix features (AVX2, AVX-512 VNNI, AVX-VNNI, AMX from /proc/cpuinfo) and the load
 * average are printed before and after: on a shared machine every figure moves with the load.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Floor } from './floor';
import * as fs from 'node:fs';
import { defaultLlamaCppDir, llamaCppEntry, LlamaCppBench } from './llama-cpp';
import OpenAI from 'openai';
import { collectGarbage } from '../../lib/util/gc';
import { scriptArgs } from '../../lib/util/argv';
import * as stats from '../../lib/bench/stats';
import { buildModel } from '../../lib/cache/build-model';
import { shapeNames } from '../../lib/synth/shapes';
import { loadModel, type LoadedModel } from '../../lib/engine/engine';
import { inspectModelFolder } from '../../lib/engine/model-folder';
import { firstTokenFidelity, type FirstTokenFidelity } from '../../lib/quantize/int8-prefill-fidelity';
import { TextTokenizer } from '../../lib/engine/tokenizer';
import type { GenerationResult } from '../../lib/engine/types';

interface Options {
  shape: string;
  model: string | null;
  streams: number[];
  rounds: number;
  requests: number;
  tokens: number;
  promptTokens: number;
  soloTokens: number;
  ttftRounds: number;
  threads: number;
  maxBatch: number;
  unbatched: boolean;
  parts: Set<'invariance' | 'ttft' | 'service'>;
  json: boolean;
  /** node-llama-cpp install folder; null: the default one, if installed. */
  llamaCpp: string | null;
  gguf: string | null;
  noLlamaCpp: boolean;
  /** The service's --logits (default all: the model's own graph) and --prefill-chunk. */
  logits: 'all' | 'last';
  prefillChunk: number;
}

const PARTS = ['invariance', 'ttft', 'service'] as const;

const ARGS = {
  name: 'bench-batching',
  usage: 'node dist/scripts/bench/batching.js [options]',
  about: 'Measures continuous batching and time to first token (see the header of scripts/bench/batching.ts).',
  options: {
    shape: { type: 'string', value: 'NAME', default: 'qwen2.5-0.5b', help: `synthetic twin to build or reuse (${shapeNames().join(', ')})` },
    model: { type: 'string', value: 'DIR', help: "a genai-layout model folder instead (part 2's last-logits rows need --shape)" },
    streams: { type: 'ints', min: 1, default: [1, 2, 4, 8], help: 'concurrent streams per service cell' },
    rounds: { type: 'int', min: 1, default: 3, help: 'service rounds' },
    requests: { type: 'int', min: 1, default: 2, help: 'requests per stream per cell' },
    tokens: { type: 'int', min: 2, default: 32, help: 'new tokens per service request' },
    'prompt-tokens': { type: 'int', min: 1, default: 32, help: 'prompt length for part 2' },
    'solo-tokens': { type: 'int', min: 2, default: 8, help: 'new tokens per part-2 run' },
    'ttft-rounds': { type: 'int', min: 1, default: 15, help: 'part-2 rounds' },
    threads: { type: 'int', min: 1, default: 2, help: 'ONNX Runtime intra-op threads' },
    'max-batch': { type: 'int', min: 2, default: 8, help: "the batched service's --max-batch" },
    'no-unbatched': { type: 'flag', help: 'skip the --max-batch 1 service (the baseline)' },
    parts: { type: 'list', choices: PARTS, default: PARTS, help: 'which parts to run' },
    'llama-cpp': { type: 'string', value: 'DIR', help: 'folder with node_modules/node-llama-cpp (default <cache>/engines/llama.cpp)' },
    gguf: { type: 'string', value: 'FILE', help: 'GGUF of the same weights for llama.cpp (default <model folder>/model.gguf)' },
    'no-llama-cpp': { type: 'flag', help: 'skip llama.cpp even when it is installed' },
    logits: { type: 'string', value: 'all|last', choices: ['all', 'last'], default: 'all', help: "the service's graph: all (the model's own) or last (the serving default)" },
    'prefill-chunk': { type: 'int', min: 0, default: 128, help: "the service's --prefill-chunk" },
    json: { type: 'flag', help: 'print one JSON object with every sample' },
  },
} as const;

function parseArgs(argv: string[]): Options {
  const { values: v } = scriptArgs(ARGS, argv);
  return {
    shape: v.shape, model: v.model === undefined ? null : path.resolve(v.model), streams: v.streams, rounds: v.rounds, requests: v.requests,
    tokens: v.tokens, promptTokens: v['prompt-tokens'], soloTokens: v['solo-tokens'], ttftRounds: v['ttft-rounds'], threads: v.threads,
    maxBatch: v['max-batch'], unbatched: !v['no-unbatched'], parts: new Set(v.parts as (typeof PARTS[number])[]), json: v.json,
    llamaCpp: v['llama-cpp'] === undefined ? null : path.resolve(v['llama-cpp']), gguf: v.gguf === undefined ? null : path.resolve(v.gguf),
    noLlamaCpp: v['no-llama-cpp'], logits: v.logits as 'all' | 'last', prefillChunk: v['prefill-chunk'],
  };
}

const log = (s: string) => process.stderr.write(s + '\n');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const median = (xs: number[]) => stats.median(xs) ?? NaN;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const f1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : 'n/a';
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Nearest-rank percentile: the smallest value with at least p% of the sample at or below it. */
function nearestRank(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}

// ---- prompts ------------------------------------------------------------------------------

const CORPUS = ('The quick brown fox jumps over the lazy dog while a small robot counts the stars above the quiet harbour. ' +
  'Every morning the baker opens the shop, lights the oven and writes the day\'s bread on a wooden board by the door. ' +
  'Rivers carry sand from the mountains to the sea, and the sea slowly returns it to the shore as new beaches.').split(' ');

/** A prompt text starting at word `variant` of the corpus whose raw encoding has exactly n tokens (or the nearest above). */
function promptWithTokens(tok: TextTokenizer, n: number, variant: number): { text: string; ids: number[] } {
  const k = variant % CORPUS.length;
  const words = [...CORPUS.slice(k), ...CORPUS.slice(0, k), ...CORPUS, ...CORPUS];
  let text = '';
  for (const w of words) {
    text = text ? `${text} ${w}` : w;
    const ids = tok.encode(text, { addSpecialTokens: true });
    if (ids.length >= n) return { text, ids };
  }
  return { text, ids: tok.encode(text, { addSpecialTokens: true }) };
}

// ---- part 1: batch invariance ---------------------------------------------------------------

async function invariance(dir: string, o: Options, tok: TextTokenizer) {
  const model = await loadModel(dir, { threads: o.threads, maxBatch: 8 });
  try {
    const requests = Array.from({ length: 8 }, (_, i) => ({ prompt: promptWithTokens(tok, 4 + 9 * i, i * 5).text, raw: true, maxTokens: 8 + 4 * i }));
    const solo: GenerationResult[] = [];
    for (const r of requests) solo.push(await model.complete(r));
    const together = await Promise.all(requests.map((r) => model.complete(r)));
    const equal = together.filter((r, i) => JSON.stringify(r.tokenIds) === JSON.stringify(solo[i].tokenIds)).length;
    const widest = Math.max(...together.flatMap((r) => r.timings.decodeBatchSizes ?? [1]));
    return { requests: 8, equal, widestBatch: widest, loadCheck: model.info.batching.check };
  } finally {
    await model.dispose();
  }
}

// ---- part 2: solo TTFT, engine vs the bare loop, all-position vs last-position logits -------


interface SoloSample { ttftMs: number; msPerToken: number; tokenIds: number[] }

async function soloTtft(dirs: { all: string; last: string | null }, o: Options, tok: TextTokenizer, llama: LlamaCppBench | null) {
  const prompt = promptWithTokens(tok, o.promptTokens, 0);
  const systems: Record<string, () => Promise<SoloSample>> = {};
  const toDispose: (() => Promise<void>)[] = [];
  if (llama) {
    systems['llama.cpp/gguf'] = async () => {
      const { runs: [r] } = await llama.streams([prompt.ids], 1, 1, o.soloTokens);
      return { ttftMs: r.ttftMs, msPerToken: median(r.decodeMs), tokenIds: [] };
    };
  }
  for (const [variant, dir] of Object.entries(dirs)) {
    if (!dir) continue;
    const folder = inspectModelFolder(dir);
    const floor = await Floor.create(folder.onnxPath, o.threads, prompt.ids.length + o.soloTokens + 1);
    const engine: LoadedModel = await loadModel(dir, { threads: o.threads });
    toDispose.push(() => floor.session.release(), () => engine.dispose());
    systems[`floor/${variant}`] = async () => {
      const r = await floor.run(prompt.ids, o.soloTokens);
      return { ttftMs: r.ttftMs, msPerToken: median(r.decodeMs), tokenIds: r.tokenIds };
    };
    systems[`engine/${variant}`] = async () => {
      const r = await engine.complete({ prompt: prompt.text, raw: true, maxTokens: o.soloTokens });
      if (r.promptTokens !== prompt.ids.length) throw new Error(`the engine saw ${r.promptTokens} prompt tokens, the floor ${prompt.ids.length}`);
      return { ttftMs: r.timings.ttftMs, msPerToken: median(r.timings.decodeMs), tokenIds: r.tokenIds };
    };
  }
  if (!dirs.last) {
    // A folder given with --model: the engine's load-time rewrite stands in for the built variant.
    const engine = await loadModel(dirs.all, { threads: o.threads, lastPositionLogits: true });
    toDispose.push(() => engine.dispose());
    systems['engine/last'] = async () => {
      const r = await engine.complete({ prompt: prompt.text, raw: true, maxTokens: o.soloTokens });
      return { ttftMs: r.timings.ttftMs, msPerToken: median(r.timings.decodeMs), tokenIds: r.tokenIds };
    };
  }
  // Opt-in int8 prefill (lib/engine/int8-prefill.ts) with last-position logits, the serving configuration
  // it would join: prefill on an int8 copy of the int4 weights, decode on the int4 session. It changes the
  // logits, so its fidelity against the int4 prefill is measured first and printed beside its timings.
  const int8Fidelity = await firstTokenFidelity(inspectModelFolder(dirs.all).onnxPath, { threads: o.threads, lastPositionLogits: true });
  {
    const engine = await loadModel(dirs.all, { threads: o.threads, lastPositionLogits: true, prefillWeights: 'int8' });
    toDispose.push(() => engine.dispose());
    systems['engine/int8prefill'] = async () => {
      const r = await engine.complete({ prompt: prompt.text, raw: true, maxTokens: o.soloTokens });
      return { ttftMs: r.timings.ttftMs, msPerToken: median(r.timings.decodeMs), tokenIds: r.tokenIds };
    };
  }
  const names = Object.keys(systems);
  for (const n of names) await systems[n](); // warmup
  const samples: Record<string, SoloSample[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < o.ttftRounds; r++) {
    const order = names.slice(r % names.length).concat(names.slice(0, r % names.length));
    for (const n of order) {
      collectGarbage();
      await sleep(100);
      samples[n].push(await systems[n]());
    }
  }
  for (const d of toDispose) await d();
  const perRound = (a: string, b: string, f: (x: SoloSample) => number) =>
    samples[a] && samples[b] ? samples[a].map((s, i) => f(s) / f(samples[b][i])) : [];
  return {
    promptTokens: prompt.ids.length,
    sameTokens: names.filter((n) => !n.startsWith('llama') && !n.endsWith('int8prefill')).every((n) => JSON.stringify(samples[n][0].tokenIds.slice(0, 1)) === JSON.stringify(samples[names[0]][0].tokenIds.slice(0, 1))),
    medians: Object.fromEntries(names.map((n) => [n, { ttftMs: round3(median(samples[n].map((s) => s.ttftMs))), msPerToken: round3(median(samples[n].map((s) => s.msPerToken))) }])),
    ratios: {
      engineOverFloorTtftAll: round3(median(perRound('engine/all', 'floor/all', (s) => s.ttftMs))),
      engineOverFloorTtftLast: round3(median(perRound('engine/last', 'floor/last', (s) => s.ttftMs))),
      lastOverAllTtftEngine: round3(median(perRound('engine/last', 'engine/all', (s) => s.ttftMs))),
      lastOverAllDecodeEngine: round3(median(perRound('engine/last', 'engine/all', (s) => s.msPerToken))),
      int8PrefillOverLastTtft: round3(median(perRound('engine/int8prefill', 'engine/last', (s) => s.ttftMs))),
      int8PrefillOverLastDecode: round3(median(perRound('engine/int8prefill', 'engine/last', (s) => s.msPerToken))),
    },
    int8Fidelity,
    samples,
  };
}

// ---- part 3: the service under concurrent streams ------------------------------------------

interface Service { url: string; child: ChildProcess }

function startService(dir: string, o: Options, maxBatch: number): Promise<Service> {
  const main = path.join(__dirname, '..', '..', 'lib', 'app', 'main.js');
  const child = spawn(process.execPath, [main, '--foreground', '--no-state-file', '--model', `twin=${dir}`, '--threads', String(o.threads),
    '--max-batch', String(maxBatch), '--max-queue', '64', '--ttl', '0', '--logits', o.logits, '--prefill-chunk', String(o.prefillChunk)], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, SLMLAB_API_KEY: '' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before it listened: ${out}`)));
  });
}

function stopService(s: Service): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) return resolve();
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

interface RequestSample { ttftMs: number; completionTokens: number; totalMs: number }
interface CellSample { mode: string; streams: number; round: number; wallMs: number; aggregateTokS: number; meanTtftMs: number; p95TtftMs: number; requests: RequestSample[] }

async function streamOnce(client: OpenAI, prompt: string, tokens: number): Promise<RequestSample> {
  const t0 = performance.now();
  const stream = await client.chat.completions.create({ model: 'twin', messages: [{ role: 'user', content: prompt }], max_tokens: tokens, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let first = NaN;
  let completionTokens = 0;
  for await (const ch of stream) {
    if (Number.isNaN(first) && ch.choices[0]?.delta?.content) first = performance.now();
    if (ch.usage) completionTokens = ch.usage.completion_tokens;
  }
  return { ttftMs: first - t0, completionTokens, totalMs: performance.now() - t0 };
}

async function cell(url: string, mode: string, streams: number, round: number, o: Options, prompts: string[]): Promise<CellSample> {
  const clients = Array.from({ length: streams }, () => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'not-needed', maxRetries: 0, timeout: 600_000 }));
  const t0 = performance.now();
  const perStream = await Promise.all(clients.map(async (c, s) => {
    const out: RequestSample[] = [];
    for (let k = 0; k < o.requests; k++) out.push(await streamOnce(c, prompts[(s * o.requests + k + round) % prompts.length], o.tokens));
    return out;
  }));
  const wallMs = performance.now() - t0;
  const requests = perStream.flat();
  const ttfts = requests.map((r) => r.ttftMs).filter(Number.isFinite);
  const tokens = requests.reduce((a, r) => a + r.completionTokens, 0);
  return { mode, streams, round, wallMs, aggregateTokS: tokens / wallMs * 1000, meanTtftMs: stats.mean(ttfts) ?? NaN, p95TtftMs: nearestRank(ttfts, 95), requests };
}

const LLAMA_MODE = 'llama.cpp (direct)';

/** A cell of llama.cpp: the same prompts as token ids (our chat template), streams as sequences of one context. */
async function llamaCell(llama: LlamaCppBench, streams: number, round: number, o: Options, promptIds: number[][]): Promise<CellSample> {
  const rotated = promptIds.slice(round % promptIds.length).concat(promptIds.slice(0, round % promptIds.length));
  const { wallMs, runs } = await llama.streams(rotated, streams, o.requests, o.tokens);
  const ttfts = runs.map((r) => r.ttftMs).filter(Number.isFinite);
  const tokens = runs.reduce((a, r) => a + r.completionTokens, 0);
  return {
    mode: LLAMA_MODE, streams, round, wallMs, aggregateTokS: tokens / wallMs * 1000, meanTtftMs: stats.mean(ttfts) ?? NaN, p95TtftMs: nearestRank(ttfts, 95),
    requests: runs.map((r) => ({ ttftMs: r.ttftMs, completionTokens: r.completionTokens, totalMs: r.wallMs })),
  };
}

async function serviceLoad(dir: string, o: Options, tok: TextTokenizer, llama: LlamaCppBench | null) {
  const label = `${o.logits === 'last' ? ', last-position logits' : ''}${o.prefillChunk ? `, chunk ${o.prefillChunk}` : ''}`;
  const modes: [string, number][] = [[`batched (max-batch ${o.maxBatch}${label})`, o.maxBatch]];
  if (o.unbatched) modes.push([`unbatched (max-batch 1${label})`, 1]);
  const services: Record<string, Service> = {};
  try {
    for (const [name, mb] of modes) services[name] = await startService(dir, o, mb);
    const prompts = Array.from({ length: 16 }, (_, i) => CORPUS.slice(i * 3, i * 3 + 24).join(' ') || CORPUS.slice(0, 24).join(' '));
    const promptIds = prompts.map((p) => tok.encodeChat([{ role: 'user', content: p }]));
    for (const [name] of modes) await cell(services[name].url, name, 1, 0, { ...o, requests: 1, tokens: 4 }, prompts); // load + warm up
    if (llama) { await llamaCell(llama, 1, 0, { ...o, requests: 1, tokens: 4 }, promptIds); modes.push([LLAMA_MODE, 0]); }
    const samples: CellSample[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const order = o.streams.slice(r % o.streams.length).concat(o.streams.slice(0, r % o.streams.length));
      for (const s of order) {
        const modeOrder = r % 2 === 0 ? modes : [...modes].reverse();
        for (const [name] of modeOrder) {
          collectGarbage();
          await sleep(200);
          const c = name === LLAMA_MODE ? await llamaCell(llama!, s, r, o, promptIds) : await cell(services[name].url, name, s, r, o, prompts);
          samples.push(c);
          log(`  round ${r + 1}/${o.rounds}  ${name.padEnd(24)} ${String(s).padStart(2)} streams: ${f1(c.aggregateTokS)} tok/s, TTFT mean ${f1(c.meanTtftMs)} ms, p95 ${f1(c.p95TtftMs)} ms  (load ${load()})`);
        }
      }
    }
    const table = modes.flatMap(([name]) => o.streams.map((s) => {
      const cs = samples.filter((c) => c.mode === name && c.streams === s);
      return { mode: name, streams: s, aggregateTokS: round3(median(cs.map((c) => c.aggregateTokS))), meanTtftMs: round3(median(cs.map((c) => c.meanTtftMs))), p95TtftMs: round3(median(cs.map((c) => c.p95TtftMs))), rounds: cs.length };
    }));
    return { table, samples };
  } finally {
    for (const s of Object.values(services)) await stopService(s);
  }
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const loadBefore = load();
  log(`bench-batching: load average ${loadBefore} on ${os.cpus().length} logical cores (${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'})`);
  let dirAll: string;
  let dirLast: string | null = null;
  if (o.model) {
    dirAll = o.model;
  } else {
    log(`building or reusing the ${o.shape} twin (int4) and its last-position-logits variant ...`);
    dirAll = (await buildModel({ shape: o.shape, precision: 'int4' })).dir;
    dirLast = (await buildModel({ shape: o.shape, precision: 'int4', logits: 'last' })).dir;
  }
  const tok = await TextTokenizer.fromFolder(dirAll);
  const cpu = cpuMatrixFeatures();
  log(`CPU matrix features: ${cpu.summary}`);
  const result: Record<string, unknown> = { options: { ...o, parts: [...o.parts] }, model: dirAll, loadAverageBefore: loadBefore, cpu };
  let llama: LlamaCppBench | null = null;
  if (!o.noLlamaCpp) {
    const dir = o.llamaCpp ?? defaultLlamaCppDir();
    const gguf = o.gguf ?? path.join(dirAll, 'model.gguf');
    if (o.llamaCpp || o.gguf || (fs.existsSync(llamaCppEntry(dir)) && fs.existsSync(gguf))) {
      llama = await LlamaCppBench.open(dir, gguf, o.threads);
      result.llamaCpp = { dir, gguf, version: llama.version };
      log(`llama.cpp: node-llama-cpp ${llama.version} from ${dir}, ${gguf}`);
    } else {
      result.llamaCpp = null;
      log(`llama.cpp: skipped (no node-llama-cpp in ${dir} or no GGUF at ${gguf}; see --llama-cpp and --gguf)`);
    }
  }

  if (o.parts.has('invariance')) {
    log('part 1: batch invariance (8 requests solo, then together) ...');
    const inv = await invariance(dirAll, o, tok);
    result.invariance = inv;
    log(`  ${inv.equal}/${inv.requests} requests gave exactly their solo tokens in a batch of up to ${inv.widestBatch}; load-time check: ${inv.loadCheck?.exact ? 'exact' : inv.loadCheck?.reason}`);
  }
  if (o.parts.has('ttft')) {
    log(`part 2: solo TTFT and decode, ${o.ttftRounds} rounds interleaved ...`);
    const t = await soloTtft({ all: dirAll, last: dirLast }, o, tok, llama);
    result.ttft = { promptTokens: t.promptTokens, sameFirstToken: t.sameTokens, medians: t.medians, ratios: t.ratios, int8PrefillFidelity: t.int8Fidelity };
    if (o.json) (result.ttft as Record<string, unknown>).samples = t.samples;
  }
  if (o.parts.has('service')) {
    log(`part 3: the service, ${o.rounds} rounds of ${o.streams.join('/')} streams x ${o.requests} requests x ${o.tokens} tokens ...`);
    const s = await serviceLoad(dirAll, o, tok, llama);
    result.service = o.json ? s : { table: s.table };
  }
  await llama?.close();
  result.loadAverageAfter = load();

  if (o.json) { process.stdout.write(JSON.stringify(result, null, 2) + '\n'); return; }
  const out: string[] = [];
  out.push(`\nbench-batching on ${path.basename(dirAll)} (${o.threads} threads). Load average before: ${loadBefore}; after: ${result.loadAverageAfter}. Shared machine: figures move ±20 % or more.`);
  out.push(`CPU: ${os.cpus()[0]?.model?.trim() ?? 'unknown'}, ${os.cpus().length} logical cores; matrix features: ${cpu.summary}`);
  if (result.llamaCpp) { const l = result.llamaCpp as { version: string; gguf: string }; out.push(`llama.cpp: node-llama-cpp ${l.version}, ${l.gguf}`); }
  if (result.ttft) {
    const t = result.ttft as { promptTokens: number; medians: Record<string, { ttftMs: number; msPerToken: number }>; ratios: Record<string, number>; int8PrefillFidelity: FirstTokenFidelity };
    out.push(`\nSolo, ${t.promptTokens} prompt tokens, medians over ${o.ttftRounds} interleaved rounds:`);
    out.push('| system | graph logits | TTFT ms | decode ms/token |');
    out.push('|---|---|---|---|');
    for (const [k, v] of Object.entries(t.medians)) { const [sys, variant] = k.split('/'); out.push(`| ${sys} | ${variant === 'all' ? 'every position (builder default)' : variant === 'last' ? 'last position only' : variant === 'int8prefill' ? 'last position only, int8 prefill (opt-in: changes the logits)' : 'GGUF, same weights'} | ${f1(v.ttftMs)} | ${v.msPerToken.toFixed(2)} |`); }
    out.push(`engine TTFT / floor TTFT, per-round median: ${t.ratios.engineOverFloorTtftAll} (all)${dirLast ? `, ${t.ratios.engineOverFloorTtftLast} (last)` : ''}  (target <= 1.05: ${t.ratios.engineOverFloorTtftAll <= 1.05 ? 'PASS' : 'FAIL'})`);
    if (dirLast) out.push(`last-position logits / every position, engine: TTFT ${t.ratios.lastOverAllTtftEngine}, decode ms/token ${t.ratios.lastOverAllDecodeEngine}`);
    const fi = t.int8PrefillFidelity;
    out.push(`int8 prefill / int4 prefill (both last-position logits), engine: TTFT ${t.ratios.int8PrefillOverLastTtft}, decode ms/token ${t.ratios.int8PrefillOverLastDecode}${cpu.amx ? '' : ' (no AMX on this CPU: what AMX adds is not measured here)'}`);
    out.push(`int8 prefill fidelity, first token of ${fi.prompts} workshop prompts vs the int4 prefill: KL mean ${fi.meanKl.toExponential(2)}, max ${fi.maxKl.toExponential(2)} nats; top-1 ${fi.top1Agree}/${fi.prompts}`);
  }
  if (result.service) {
    const table = (result.service as { table: { mode: string; streams: number; aggregateTokS: number; meanTtftMs: number; p95TtftMs: number; rounds: number }[] }).table;
    out.push(`\nService, ${o.requests} streaming requests per stream, ${o.tokens} new tokens each, medians over ${o.rounds} rounds:`);
    out.push('| mode | streams | aggregate tok/s | x one stream | mean TTFT ms | p95 TTFT ms |');
    out.push('|---|---|---|---|---|---|');
    for (const row of table) {
      const one = table.find((r) => r.mode === row.mode && r.streams === 1)?.aggregateTokS ?? NaN;
      out.push(`| ${row.mode} | ${row.streams} | ${f1(row.aggregateTokS)} | ${(row.aggregateTokS / one).toFixed(2)} | ${f1(row.meanTtftMs)} | ${f1(row.p95TtftMs)} |`);
    }
    const ll = table.filter((r) => r.mode === LLAMA_MODE);
    for (const row of table.filter((r) => r.mode.startsWith('batched'))) {
      const l = ll.find((r) => r.streams === row.streams);
      if (l) out.push(`vs llama.cpp at ${row.streams} streams: mean TTFT ${(row.meanTtftMs / l.meanTtftMs).toFixed(2)}x, aggregate tok/s ${(row.aggregateTokS / l.aggregateTokS).toFixed(2)}x`);
    }
    const b = table.filter((r) => r.mode.startsWith('batched'));
    const at = (s: number) => b.find((r) => r.streams === s);
    if (at(1) && at(4)) {
      const x = at(4)!.aggregateTokS / at(1)!.aggregateTokS;
      out.push(`targets: aggregate at 4 streams ${x.toFixed(2)}x one stream (>= 2.5: ${x >= 2.5 ? 'PASS' : 'FAIL'}); mean TTFT at 4 streams ${f1(at(4)!.meanTtftMs)} ms (<= 400: ${at(4)!.meanTtftMs <= 400 ? 'PASS' : 'FAIL'})`);
    }
  }
  if (result.invariance) {
    const inv = result.invariance as { equal: number; requests: number; widestBatch: number };
    out.push(`\nbatch invariance: ${inv.equal}/${inv.requests} requests equal to their solo run (batch of up to ${inv.widestBatch})`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => { process.stderr.write(`bench-batching: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); });

/** AVX2 / AVX-512 VNNI / AVX-VNNI / AMX, read from /proc/cpuinfo (Linux; elsewhere 'unknown'). */
function cpuMatrixFeatures(): { avx2: boolean; avx512vnni: boolean; avxVnni: boolean; amx: boolean; summary: string } {
  let flags = new Set<string>();
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    flags = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch { /* not Linux */ }
  const f = { avx2: flags.has('avx2'), avx512vnni: flags.has('avx512_vnni'), avxVnni: flags.has('avx_vnni'), amx: flags.has('amx_int8') || flags.has('amx_tile') };
  const summary = flags.size === 0 ? 'unknown (no /proc/cpuinfo)'
    : `AVX2 ${f.avx2 ? 'yes' : 'no'} · AVX-512 VNNI ${f.avx512vnni ? 'yes' : 'no'} · AVX-VNNI ${f.avxVnni ? 'yes' : 'no'} · AMX ${f.amx ? 'yes' : 'no'}`;
  return { ...f, summary };
}
