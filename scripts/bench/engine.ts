/**
 * bench-engine: the slmlab engine against the floor (a bare InferenceSession.run loop) and
 * against @huggingface/transformers, on one model folder, in one process.
 *
 *   npm run bench:engine -- --shape qwen2.5-0.5b --rounds 5
 *   node dist/scripts/bench/engine.js --help
 *
 * All three see the same prompt token ids (raw, no chat template), decode greedily and must
 * produce exactly --tokens new tokens; a run that ends early (EOS) is reported and left out
 * of the statistics. Rounds are interleaved (engine, floor, transformers.js, engine, ...)
 * after one warmup round each, so slow drifts of a shared machine hit all three alike.
 *
 * Definitions (the same for all three):
 *   TTFT        request start -> first new token chosen (prefill of the whole prompt + argmax)
 *   decode ms   time between consecutive new tokens; N tokens give N-1 intervals
 *   decode tok/s = (N - 1) / sum(decode ms) * 1000
 * The engine's TTFT and intervals are its own timings (measured in its worker thread; its TTFT
 * includes tokenizing the prompt text); its complete() wall time is measured from the main
 * thread as well. Before each measurement the main thread's heap is collected and the process
 * idles --pause-ms, so one system's garbage is not collected during the next one's run.
 *
 * Targets, computed per round and then their median:
 *   engine overhead over the floor = (engine ms/token - floor ms/token) / floor ms/token <= 5 %
 *   engine / transformers.js decode speed >= 1.0
 * On a shared machine a burst of load from elsewhere can hit one run and not the next, so the
 * same ratios are also printed on each run's median decode interval (a check, not the target).
 */
import { collectGarbage } from '../../lib/util/gc';
import * as stats from '../../lib/bench/stats';
import { scriptArgs } from '../../lib/util/argv';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Floor, type RunSample } from './floor';
import { type Precision, PRECISIONS } from '../../lib/synth/write-model';
import { buildModel } from '../../lib/cache/build-model';
import { shapeNames } from '../../lib/synth/shapes';
import { loadModel, type LoadedModel } from '../../lib/engine/engine';
import { inspectModelFolder, type ModelFolder } from '../../lib/engine/model-folder';
import { TextTokenizer } from '../../lib/engine/tokenizer';

// ---- options ----------------------------------------------------------------------------

interface Options {
  model: string | null;
  shape: string;
  precision: Precision;
  promptTokens: number;
  tokens: number;
  rounds: number;
  threads: number;
  json: boolean;
  pauseMs: number;
  rotate: boolean;
}

const ARGS = {
  name: 'bench-engine',
  usage: 'node dist/scripts/bench/engine.js [options]',
  about: `Measures, in one process and interleaved round by round, greedy decoding of exactly
--tokens new tokens from the same prompt token ids with:
  engine        slmlab's engine (loadModel + complete({raw: true}), worker thread)
  floor         a bare InferenceSession.run loop in the main thread (argmax, presents fed back)
  transformers  @huggingface/transformers AutoModelForCausalLM.generate() on the same folder

Synthetic models are built under SLMLAB_CACHE_DIR (default ~/.cache/slmlab)/synthetic/.
Targets: engine decode overhead over the floor <= 5 % per token; engine/transformers.js decode speed >= 1.0.`,
  options: {
    model: { type: 'string', value: 'DIR', help: 'a model folder (genai layout: genai_config.json + model.onnx)' },
    shape: { type: 'string', value: 'NAME', default: 'tiny', choices: shapeNames(), help: 'build (or reuse) a synthetic model of this shape' },
    precision: { type: 'string', value: 'P', default: 'int4', choices: PRECISIONS, help: 'synthetic model precision' },
    'prompt-tokens': { type: 'int', min: 1, default: 32, help: 'prompt length in tokens' },
    tokens: { type: 'int', min: 2, default: 64, help: 'new tokens per run' },
    rounds: { type: 'int', min: 1, default: 5, help: 'measured rounds, after one warmup round' },
    threads: { type: 'int', min: 0, default: 2, help: 'ONNX Runtime intra-op threads for all three' },
    'pause-ms': { type: 'int', min: 0, default: 100, help: "idle time between two measurements, after a full GC of the main thread's heap" },
    rotate: { type: 'flag', help: 'rotate the order each round (A B C, B C A, C A B, ...) so no system always runs right after another' },
    json: { type: 'flag', help: 'print one JSON object with every per-round sample instead of tables' },
  },
} as const;

function parseArgs(argv: string[]): Options {
  const { values: v } = scriptArgs(ARGS, argv);
  return {
    model: v.model ?? null, shape: v.shape, precision: v.precision as Precision, promptTokens: v['prompt-tokens'], tokens: v.tokens,
    rounds: v.rounds, threads: v.threads, json: v.json, pauseMs: v['pause-ms'], rotate: v.rotate,
  };
}

function fail(msg: string): never {
  process.stderr.write(`bench-engine: ${msg}\n`);
  process.exit(2);
}

// ---- small statistics -------------------------------------------------------------------

/** Median (lib/bench/stats) as a number: NaN when there is no sample, for table printing. */
const median = (xs: number[]): number => stats.median(xs) ?? NaN;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Summary { median: number; min: number; max: number; n: number }
function summarize(xs: number[]): Summary {
  return { median: median(xs), min: xs.length ? Math.min(...xs) : NaN, max: xs.length ? Math.max(...xs) : NaN, n: xs.length };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Collects garbage (transformers.js makes the most), then idles, between two measurements. */
async function settle(pauseMs: number): Promise<void> {
  collectGarbage();
  await sleep(pauseMs);
}

// ---- machine ----------------------------------------------------------------------------

function packageVersion(name: string): string | null {
  try {
    let dir = path.dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? null;
      }
      dir = path.dirname(dir);
    }
  } catch { /* not installed */ }
  return null;
}

function machineInfo() {
  const cpus = os.cpus();
  let flags: string[] = [];
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags')) ?? '';
    const have = new Set(line.split(':')[1]?.trim().split(/\s+/) ?? []);
    flags = ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_tile'].filter((f) => have.has(f));
  } catch { /* not Linux */ }
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuFlags: flags,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntimeNode: ort.env.versions?.node ?? packageVersion('onnxruntime-node'),
    transformersJs: packageVersion('@huggingface/transformers'),
  };
}

// ---- prompt -----------------------------------------------------------------------------

const CORPUS = ('The quick brown fox jumps over the lazy dog while a small robot counts the stars above the quiet harbour. ' +
  'Every morning the baker opens the shop, lights the oven and writes the day\'s bread on a wooden board by the door. ' +
  'Rivers carry sand from the mountains to the sea, and the sea slowly returns it to the shore as new beaches.').split(' ');

/**
 * The shortest prefix of a (rotated) corpus whose raw encoding (special tokens added, as the
 * engine does with raw: true) has exactly `n` tokens. Variant v rotates the corpus by v words.
 */
function promptWithTokens(tok: TextTokenizer, n: number, variant: number): { text: string; ids: number[] } {
  const words: string[] = [];
  const k = variant % CORPUS.length;
  while (words.join(' ').length < n * 12 + 200) words.push(...CORPUS.slice(k), ...CORPUS.slice(0, k));
  const full = words.join(' ');
  for (let len = 1; len <= full.length; len++) {
    const text = full.slice(0, len);
    const ids = tok.encode(text, { addSpecialTokens: true });
    if (ids.length === n && !text.endsWith(' ')) return { text, ids };
    if (ids.length > n + 1) break;
  }
  throw new Error(`could not build a prompt of exactly ${n} tokens (variant ${variant})`);
}

// ---- the engine --------------------------------------------------------------------------

async function runEngine(model: LoadedModel, text: string, n: number): Promise<RunSample & { promptTokens: number; finishReason: string }> {
  const t0 = performance.now();
  const r = await model.complete({ prompt: text, raw: true, maxTokens: n, temperature: 0 });
  const wallMs = performance.now() - t0;
  return {
    completionTokens: r.completionTokens, ttftMs: r.timings.ttftMs, decodeMs: r.timings.decodeMs, wallMs, tokenIds: r.tokenIds,
    promptTokens: r.promptTokens, finishReason: r.finishReason,
    extra: { tokenizeMs: r.timings.tokenizeMs, prefillMs: r.timings.prefillMs, engineTotalMs: r.timings.totalMs, queueMs: r.timings.queueMs },
  };
}

// ---- transformers.js -----------------------------------------------------------------------

/* The package's type declarations are ES modules, which a CommonJS file cannot import, so it
 * is loaded with require() and typed by the slice used here. */
interface TfTensor { dims: number[]; data: ArrayLike<bigint | number> }
interface TfModel {
  generate(options: Record<string, unknown>): Promise<TfTensor>;
  dispose(): Promise<unknown>;
}
interface TfStreamer { put(value: bigint[][]): void; end(): void }
interface TfModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => TfTensor;
  BaseStreamer: new () => TfStreamer;
  AutoModelForCausalLM: { from_pretrained(id: string, options: Record<string, unknown>): Promise<TfModel> };
}

class TransformersJs {
  private constructor(private readonly tf: TfModule, private readonly model: TfModel) {}

  static async load(dir: string, onnxPath: string, threads: number): Promise<{ tfjs: TransformersJs; loadMs: number }> {
    const t0 = performance.now();
    const tf = require('@huggingface/transformers') as TfModule;
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.localModelPath = path.dirname(dir) + path.sep;
    // The very .onnx file the engine runs: for the genai layout model.onnx at the root, so
    // subfolder '' and file name 'model' (dtype fp32 adds no suffix; utils/model-loader.js).
    // config.json's "transformers.js_config": {"use_external_data_format": true} makes it
    // pass model.onnx_data along.
    const rel = path.relative(dir, onnxPath);
    const model = await tf.AutoModelForCausalLM.from_pretrained(path.basename(dir), {
      subfolder: path.dirname(rel) === '.' ? '' : path.dirname(rel).split(path.sep).join('/'),
      model_file_name: path.basename(rel).replace(/\.onnx$/, ''),
      dtype: 'fp32', device: 'cpu', local_files_only: true,
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
    });
    return { tfjs: new TransformersJs(tf, model), loadMs: performance.now() - t0 };
  }

  async run(prompt: number[], n: number): Promise<RunSample> {
    const tf = this.tf;
    const P = prompt.length;
    const times: number[] = [];
    const tokenIds: number[] = [];
    let puts = 0;
    class TimingStreamer extends tf.BaseStreamer {
      override put(value: bigint[][]): void {
        const now = performance.now();
        if (puts++ === 0) return; // the first put is the prompt
        times.push(now);
        tokenIds.push(Number(value[0][0]));
      }
      override end(): void { /* nothing buffered */ }
    }
    const start = performance.now();
    const input_ids = new tf.Tensor('int64', BigInt64Array.from(prompt, (x) => BigInt(x)), [1, P]);
    const attention_mask = new tf.Tensor('int64', new BigInt64Array(P).fill(1n), [1, P]);
    await this.model.generate({ input_ids, attention_mask, max_new_tokens: n, do_sample: false, streamer: new TimingStreamer() });
    const wallMs = performance.now() - start;
    const decodeMs: number[] = [];
    for (let i = 1; i < times.length; i++) decodeMs.push(times[i] - times[i - 1]);
    return { completionTokens: tokenIds.length, ttftMs: times.length ? times[0] - start : NaN, decodeMs, wallMs, tokenIds };
  }

  async dispose(): Promise<void> { await this.model.dispose(); }
}

// ---- main ---------------------------------------------------------------------------------

type SystemName = 'engine' | 'floor' | 'transformers';
const SYSTEMS: SystemName[] = ['engine', 'floor', 'transformers'];
const LABEL: Record<SystemName, string> = { engine: 'slmlab engine', floor: 'floor (bare ORT loop)', transformers: 'transformers.js' };

interface Measured {
  system: SystemName;
  round: number;
  ok: boolean;
  note?: string;
  completionTokens: number;
  ttftMs: number;
  decodeTokS: number;
  msPerToken: number;
  /** Median of the decode intervals: robust to a burst of load from elsewhere on the machine. */
  stepMedianMs: number;
  wallMs: number;
  decodeMs: number[];
  extra?: Record<string, number>;
}

function toMeasured(system: SystemName, round: number, s: RunSample, want: number): Measured {
  const total = sum(s.decodeMs);
  const ok = s.completionTokens === want && s.decodeMs.length === want - 1;
  return {
    system, round, ok,
    note: ok ? undefined : `ended early: ${s.completionTokens} of ${want} tokens`,
    completionTokens: s.completionTokens,
    ttftMs: round3(s.ttftMs),
    decodeTokS: s.decodeMs.length ? round3((s.completionTokens - 1) / total * 1000) : NaN,
    msPerToken: s.decodeMs.length ? round3(total / s.decodeMs.length) : NaN,
    stepMedianMs: s.decodeMs.length ? round3(median(s.decodeMs)) : NaN,
    wallMs: round3(s.wallMs),
    decodeMs: s.decodeMs.map(round3),
    extra: s.extra && Object.fromEntries(Object.entries(s.extra).map(([k, v]) => [k, round3(v)])),
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s = '') => { if (!o.json) process.stdout.write(s + '\n'); };
  const machine = machineInfo();
  log(`machine: ${machine.cpu}, ${machine.logicalCores} logical cores (available ${machine.availableParallelism}), ${machine.memoryGiB} GiB, flags ${machine.cpuFlags.join(' ') || '?'}`);
  log(`         ${machine.platform}, load average ${machine.loadAverage.join(' ')}`);
  log(`software: node ${machine.node}, onnxruntime-node ${machine.onnxruntimeNode}, @huggingface/transformers ${machine.transformersJs ?? 'not installed'}`);

  // Model folder.
  let build: { id: string; seconds: number; reused: boolean; totalBytes: number } | null = null;
  let dir: string;
  if (o.model) {
    dir = path.resolve(o.model);
  } else {
    log(`model: synthetic '${o.shape}' ${o.precision} (building if absent)...`);
    const r = await buildModel({ shape: o.shape, precision: o.precision });
    build = { id: r.id, seconds: r.seconds, reused: r.reused, totalBytes: r.totalBytes };
    dir = r.dir;
    log(r.reused ? `       reused ${r.dir}` : `       built ${r.dir} in ${r.seconds.toFixed(1)} s`);
  }
  const folder: ModelFolder = inspectModelFolder(dir);
  const bytes = folderBytes(dir);
  const synthetic = folder.synthetic?.synthetic === true;
  log(`model: ${folder.name} (${folder.layout} layout, ${(bytes / 1e6).toFixed(1)} MB)${synthetic ? ` — ${syntheticLabel(folder)}` : ''}`);
  if (o.promptTokens + o.tokens > folder.contextLength) fail(`--prompt-tokens + --tokens (${o.promptTokens + o.tokens}) exceeds the model's context of ${folder.contextLength}`);

  // Sessions: the floor first (it picks the prompt), then the engine, then transformers.js.
  const tokenizer = await TextTokenizer.fromFolder(dir);
  let t0 = performance.now();
  const floor = await Floor.create(folder.onnxPath, o.threads, o.promptTokens + o.tokens + 1);
  const floorLoadMs = performance.now() - t0;

  // A prompt whose greedy continuation has no EOS within the first --tokens tokens, so that
  // the engine and transformers.js (which stop at EOS) run the full count.
  const eos = new Set(folder.eosTokenIds);
  let prompt: { text: string; ids: number[] } | null = null;
  let variant = 0;
  let expected: number[] = [];
  for (; variant < 40; variant++) {
    const p = promptWithTokens(tokenizer, o.promptTokens, variant);
    const r = await floor.run(p.ids, o.tokens);
    if (!r.tokenIds.some((id) => eos.has(id))) { prompt = p; expected = r.tokenIds; break; }
  }
  if (!prompt) {
    // Keep going with variant 0: early endings are reported and left out of the statistics.
    prompt = promptWithTokens(tokenizer, o.promptTokens, 0);
    expected = (await floor.run(prompt.ids, o.tokens)).tokenIds;
    variant = 0;
    log(`warning: every prompt variant hits EOS within ${o.tokens} greedy tokens; runs that end early are left out`);
  }
  log(`prompt: ${prompt.ids.length} tokens (corpus variant ${variant}), raw (no chat template); ${o.tokens} new tokens, greedy; threads ${o.threads}`);
  log(`        ids [${prompt.ids.slice(0, 12).join(', ')}${prompt.ids.length > 12 ? ', …' : ''}]`);

  t0 = performance.now();
  await settle(o.pauseMs);
  const engine = await loadModel(dir, { provider: 'cpu', threads: o.threads });
  const engineLoadMs = performance.now() - t0;

  let tfjs: TransformersJs | null = null;
  let tfjsError: string | null = null;
  let tfjsLoadMs: number | null = null;
  try {
    const r = await TransformersJs.load(dir, folder.onnxPath, o.threads);
    tfjs = r.tfjs;
    tfjsLoadMs = r.loadMs;
  } catch (e) {
    tfjsError = (e as Error)?.stack ?? String(e);
    log(`transformers.js: FAILED to load the folder: ${(e as Error)?.message ?? String(e)}`);
  }
  log(`load: engine ${engineLoadMs.toFixed(0)} ms, floor ${floorLoadMs.toFixed(0)} ms, transformers.js ${tfjsLoadMs === null ? 'failed' : tfjsLoadMs.toFixed(0) + ' ms'}`);

  const chosen = prompt;
  const tf = tfjs;
  const runners: Record<SystemName, (() => Promise<RunSample>) | null> = {
    engine: async () => {
      const r = await runEngine(engine, chosen.text, o.tokens);
      if (r.promptTokens !== chosen.ids.length) throw new Error(`the engine encoded the prompt to ${r.promptTokens} tokens, expected ${chosen.ids.length}`);
      return r;
    },
    floor: () => floor.run(chosen.ids, o.tokens),
    transformers: tf ? () => tf.run(chosen.ids, o.tokens) : null,
  };

  // Warmup round (also checks that all three produce the same tokens).
  const agreement: Record<string, boolean | null> = {};
  const errors: Record<string, string> = {};
  for (const s of SYSTEMS) {
    const run = runners[s];
    if (!run) { agreement[s] = null; continue; }
    try {
      const r = await run();
      const n = Math.min(r.tokenIds.length, expected.length);
      agreement[s] = r.tokenIds.slice(0, n).every((id, i) => id === expected[i]) && r.tokenIds.length === expected.length;
    } catch (e) {
      errors[s] = (e as Error)?.message ?? String(e);
      runners[s] = null;
      agreement[s] = null;
      log(`${LABEL[s]}: warmup FAILED: ${errors[s]}`);
    }
    await settle(o.pauseMs);
  }
  log(`warmup done; same ${o.tokens} token ids as the floor: engine ${fmtAgree(agreement.engine)}, transformers.js ${fmtAgree(agreement.transformers)}`);

  // Measured rounds, interleaved.
  const samples: Measured[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const shift = o.rotate ? (round - 1) % SYSTEMS.length : 0;
    const order = [...SYSTEMS.slice(shift), ...SYSTEMS.slice(0, shift)];
    for (const s of order) {
      const run = runners[s];
      if (!run) continue;
      try {
        samples.push(toMeasured(s, round, await run(), o.tokens));
      } catch (e) {
        errors[s] = (e as Error)?.message ?? String(e);
        log(`${LABEL[s]}: round ${round} FAILED: ${errors[s]}`);
      }
      await settle(o.pauseMs);
    }
    if (!o.json && process.stderr.isTTY) process.stderr.write(`round ${round}/${o.rounds} done\r`);
  }
  if (!o.json && process.stderr.isTTY) process.stderr.write('\n');

  // Statistics.
  const good = (s: SystemName) => samples.filter((m) => m.system === s && m.ok);
  const stats = Object.fromEntries(SYSTEMS.map((s) => {
    const g = good(s);
    return [s, {
      decodeTokS: summarize(g.map((m) => m.decodeTokS)),
      ttftMs: summarize(g.map((m) => m.ttftMs)),
      msPerToken: summarize(g.map((m) => m.msPerToken)),
      stepMedianMs: summarize(g.map((m) => m.stepMedianMs)),
      wallMs: summarize(g.map((m) => m.wallMs)),
      skipped: samples.filter((m) => m.system === s && !m.ok).map((m) => ({ round: m.round, note: m.note })),
    }];
  })) as Record<SystemName, { decodeTokS: Summary; ttftMs: Summary; msPerToken: Summary; stepMedianMs: Summary; wallMs: Summary; skipped: { round: number; note?: string }[] }>;

  const perRound = (f: (e: Measured, other: Measured) => number, other: SystemName) => {
    const out: { round: number; value: number }[] = [];
    for (let r = 1; r <= o.rounds; r++) {
      const e = samples.find((m) => m.system === 'engine' && m.round === r && m.ok);
      const x = samples.find((m) => m.system === other && m.round === r && m.ok);
      if (e && x) out.push({ round: r, value: round3(f(e, x)) });
    }
    return out;
  };
  const overhead = perRound((e, f) => (e.msPerToken - f.msPerToken) / f.msPerToken * 100, 'floor');
  const vsTfjs = perRound((e, t) => e.decodeTokS / t.decodeTokS, 'transformers');
  const overheadMedian = median(overhead.map((x) => x.value));
  const vsTfjsMedian = median(vsTfjs.map((x) => x.value));
  // The same two ratios on each run's median decode interval instead of its mean: a check
  // against bursts of load from other processes on a shared machine (not the target itself).
  const overheadRobust = perRound((e, f) => (e.stepMedianMs - f.stepMedianMs) / f.stepMedianMs * 100, 'floor');
  const vsTfjsRobust = perRound((e, t) => t.stepMedianMs / e.stepMedianMs, 'transformers');
  const ttftOverhead = perRound((e, f) => e.ttftMs - f.ttftMs, 'floor');
  const wallOverEngine = samples.filter((m) => m.system === 'engine' && m.ok).map((m) => m.wallMs - (m.extra?.engineTotalMs ?? NaN));
  const targets = {
    engineOverFloorPct: { perRound: overhead, median: overheadMedian, target: '<= 5 %', pass: overhead.length ? overheadMedian <= 5 : null },
    engineVsTransformers: { perRound: vsTfjs, median: vsTfjsMedian, target: '>= 1.0', pass: vsTfjs.length ? vsTfjsMedian >= 1.0 : null },
    robustCheck: {
      note: 'the same ratios computed on each run\'s median decode interval instead of its mean',
      engineOverFloorPct: { perRound: overheadRobust, median: median(overheadRobust.map((x) => x.value)) },
      engineVsTransformers: { perRound: vsTfjsRobust, median: median(vsTfjsRobust.map((x) => x.value)) },
    },
  };

  if (o.json) {
    process.stdout.write(JSON.stringify({
      machine,
      model: { dir, name: folder.name, layout: folder.layout, bytes, synthetic, slmlab: folder.synthetic, build },
      settings: { promptTokens: prompt.ids.length, tokens: o.tokens, rounds: o.rounds, threads: o.threads, pauseMs: o.pauseMs, order: o.rotate ? 'rotated' : 'fixed', promptVariant: variant, promptText: prompt.text, promptIds: prompt.ids },
      load: { engineMs: round3(engineLoadMs), floorMs: round3(floorLoadMs), transformersMs: tfjsLoadMs === null ? null : round3(tfjsLoadMs) },
      transformersError: tfjsError,
      errors,
      sameTokensAsFloor: agreement,
      expectedTokenIds: expected,
      stats,
      targets,
      ttftEngineMinusFloorMs: ttftOverhead,
      engineMainThreadMinusWorkerTotalMs: wallOverEngine.map(round3),
      samples,
    }, null, 2) + '\n');
  } else {
    const f1 = (x: number) => Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1)) : '—';
    const f2 = (x: number) => Number.isFinite(x) ? (Math.abs(x) >= 10 ? x.toFixed(2) : x.toFixed(3)) : '—';
    const cell = (s: Summary, f: (x: number) => number | string = f1) => s.n ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : '—';
    const rows = SYSTEMS.map((s) => {
      const st = stats[s];
      const failed = s === 'transformers' && !tfjs ? 'failed to load' : errors[s] ? 'failed' : '';
      return [LABEL[s], failed || cell(st.decodeTokS), failed ? '' : cell(st.ttftMs), failed ? '' : cell(st.msPerToken, f2), failed ? '' : f2(st.stepMedianMs.median), failed ? '' : cell(st.wallMs, f1), String(st.decodeTokS.n) + (st.skipped.length ? ` (+${st.skipped.length} skipped)` : '')];
    });
    const header = ['', 'decode tok/s median (min–max)', 'TTFT ms median (min–max)', 'ms/token median (min–max)', 'median step ms', 'wall ms median (min–max)', 'n'];
    log();
    log(`${synthetic ? 'SYNTHETIC model ' : ''}${folder.name}: ${prompt.ids.length} prompt tokens, ${o.tokens} new tokens, ${o.threads} threads, ${o.rounds} rounds (${o.rotate ? 'rotated order' : 'order engine, floor, transformers.js'}, warmup excluded)`);
    log(table([header, ...rows]));
    for (const s of SYSTEMS) for (const k of stats[s].skipped) log(`  ${LABEL[s]} round ${k.round} skipped: ${k.note}`);
    log();
    const verdict = (p: boolean | null) => p === null ? 'n/a' : p ? 'PASS' : 'MISS';
    log(`engine decode overhead over the floor, per token: median ${f1(overheadMedian)} % (target <= 5 %)  ${verdict(targets.engineOverFloorPct.pass)}`);
    log(`    per round: ${overhead.map((x) => `${x.value.toFixed(1)} %`).join(', ') || '—'}`);
    log(`engine / transformers.js decode speed: median ${f2(vsTfjsMedian)}${Number.isFinite(vsTfjsMedian) ? '×' : ''} (target >= 1.0)  ${verdict(targets.engineVsTransformers.pass)}`);
    log(`    per round: ${vsTfjs.map((x) => `${x.value.toFixed(2)}×`).join(', ') || (tfjs ? '—' : 'transformers.js did not load')}`);
    log(`check on each run's median decode interval (robust to load bursts): engine over floor ${f1(targets.robustCheck.engineOverFloorPct.median)} % ` +
      `[${overheadRobust.map((x) => x.value.toFixed(1)).join(', ')}], engine / transformers.js ${f2(targets.robustCheck.engineVsTransformers.median)}${vsTfjsRobust.length ? '×' : ''} ` +
      `[${vsTfjsRobust.map((x) => x.value.toFixed(2)).join(', ')}]`);
    log(`engine TTFT minus floor TTFT: median ${f1(median(ttftOverhead.map((x) => x.value)))} ms; engine complete() wall (main thread) minus its worker totalMs: median ${f1(median(wallOverEngine))} ms`);
    const eng = good('engine');
    if (eng.length) {
      log(`engine TTFT parts (median): tokenize ${f2(median(eng.map((m) => m.extra?.tokenizeMs ?? NaN)))} ms, prefill+first token ${f1(median(eng.map((m) => m.extra?.prefillMs ?? NaN)))} ms`);
    }
    if (tfjsError) log(`transformers.js error:\n${tfjsError}`);
    if (synthetic) log(`note: ${syntheticLabel(folder)} (config.json "slmlab".synthetic = true).`);
  }

  await engine.dispose();
  await tfjs?.dispose();
  await floor.session.release();
}

function syntheticLabel(folder: ModelFolder): string {
  const twin = folder.synthetic?.twin_of;
  return typeof twin === 'string'
    ? `SYNTHETIC model: seeded random weights in the exact shape of ${twin}; its speed is that of the real model, its text is meaningless`
    : `SYNTHETIC test model ('${String(folder.synthetic?.shape)}'): random weights, toy dimensions, not the shape of any real model`;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}

function fmtAgree(x: boolean | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : x ? 'yes' : 'NO';
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((x, c) => c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c])).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

main().catch((e) => {
  process.stderr.write(`bench-engine: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
