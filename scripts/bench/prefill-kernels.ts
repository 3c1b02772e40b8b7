/**
 * bench-prefill-kernels: which int4 MatMulNBits path prefills fastest on this CPU, and what it
 * does to the logits. One run, interleaved round by round, bare session.run (scripts/bench/floor.ts):
 *
 *   node dist/scripts/bench/prefill-kernels.js <int4 model folder> [--rounds 5] [--prompt-tokens 32]
 *     [--threads 1,2] [--levels 0,1,2,4] [--lut] [--profile] [--json]
 *
 * Variants are made at load from the same weights: the graph's MatMulNBits nodes get another
 * accuracy_level attribute (a load-time rewrite of model.onnx; model.onnx_data is not touched),
 * and `--lut` adds the session option mlas.use_lut_gemm=1 to the level-4 graph. In ONNX Runtime's
 * CPU kernel (onnxruntime/contrib_ops/cpu/quantization/matmul_nbits.cc, GetComputeType) level 4
 * selects the int8-activation path (SQNBIT_CompInt8) when MLAS has it for this CPU, and every
 * other level the float path (SQNBIT_CompFp32) for float32 inputs on x86; so 0, 1 and 2 are
 * expected to run the same code here, which the figures check.
 *
 * For each variant: prefill TTFT of the prompt (median over rounds), decode ms/token, and the
 * fidelity of its last-position logits against level 0 (exact float activations) over
 * several prompts: mean KL(level 0 || variant) and top-1 agreement. `--profile` writes ONNX
 * Runtime's per-op profile of one prefill per variant and prints the time per op type.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Floor } from './floor';
import { decodeModel, encodeModel } from '../../lib/onnx';
import { inspectModelFolder } from '../../lib/engine/model-folder';
import { scriptArgs } from '../../lib/util/argv';
import * as stats from '../../lib/bench/stats';
import { collectGarbage } from '../../lib/util/gc';

interface Options { dir: string; rounds: number; promptTokens: number; threads: number[]; levels: number[]; lut: boolean; profile: boolean; json: boolean; decodeTokens: number }

function fail(msg: string): never {
  process.stderr.write(`bench-prefill-kernels: ${msg}\n`);
  process.exit(2);
}

const ARGS = {
  name: 'bench-prefill-kernels',
  usage: 'node dist/scripts/bench/prefill-kernels.js <int4 model folder> [options]',
  about: 'Which int4 MatMulNBits path prefills fastest on this CPU, and what it does to the logits (see the header of scripts/bench/prefill-kernels.ts).',
  positionals: [{ name: 'FOLDER', help: 'an int4 model folder' }],
  options: {
    rounds: { type: 'int', min: 1, default: 5, help: 'measured rounds' },
    'prompt-tokens': { type: 'int', min: 1, default: 32, help: 'prompt length in tokens' },
    'decode-tokens': { type: 'int', min: 2, default: 4, help: 'decode steps timed after the prefill' },
    threads: { type: 'ints', min: 0, default: [2], help: 'ONNX Runtime intra-op thread counts to try' },
    levels: { type: 'ints', min: 0, default: [0, 4], help: 'MatMulNBits accuracy levels to try' },
    lut: { type: 'flag', help: 'also the level-4 graph with mlas.use_lut_gemm=1' },
    profile: { type: 'flag', help: "write ONNX Runtime's per-op profile of one prefill per variant and print the time per op type" },
    json: { type: 'flag', help: 'one JSON object instead of tables' },
  },
} as const;

function parseArgs(argv: string[]): Options {
  const { values: v, positionals } = scriptArgs(ARGS, argv);
  return {
    dir: path.resolve(positionals[0]), rounds: v.rounds, promptTokens: v['prompt-tokens'], decodeTokens: v['decode-tokens'],
    threads: v.threads, levels: v.levels, lut: v.lut, profile: v.profile, json: v.json,
  };
}

/** model.onnx with every MatMulNBits node's accuracy_level set to `level`. */
function withAccuracyLevel(onnxPath: string, level: number): Uint8Array {
  const m = decodeModel(fs.readFileSync(onnxPath));
  let n = 0;
  for (const node of m.graph.nodes) {
    if (node.opType !== 'MatMulNBits') continue;
    node.attributes = { ...node.attributes, accuracy_level: { kind: 'int', value: level } };
    n++;
  }
  if (!n) fail(`${onnxPath} has no MatMulNBits node: give an int4 model`);
  return encodeModel(m);
}

function logSoftmax(x: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(x, (v) => v - lse);
}

function kl(p: Float32Array, q: Float32Array): number {
  const lp = logSoftmax(p);
  const lq = logSoftmax(q);
  let s = 0;
  for (let i = 0; i < lp.length; i++) s += Math.exp(lp[i]) * (lp[i] - lq[i]);
  return s;
}

const argmax = (x: Float32Array) => x.reduce((b, v, i) => (v > x[b] ? i : b), 0);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const folder = inspectModelFolder(o.dir);
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  process.stderr.write(`bench-prefill-kernels: ${folder.name}, load ${load()}, ${os.cpus()[0]?.model?.trim()}\n`);
  const variants: { name: string; level: number; lut: boolean; threads: number }[] = [];
  for (const threads of o.threads) {
    for (const level of o.levels) variants.push({ name: `level ${level}, ${threads} threads`, level, lut: false, threads });
    if (o.lut) variants.push({ name: `level 4 + mlas.use_lut_gemm, ${threads} threads`, level: 4, lut: true, threads });
  }
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-prefill-profile-'));
  const sessions = new Map<string, { floor: Floor; session: ort.InferenceSession }>();
  for (const v of variants) {
    const session = await ort.InferenceSession.create(withAccuracyLevel(folder.onnxPath, v.level), {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: v.threads, interOpNumThreads: 1, logSeverityLevel: 3,
      extra: { session: { model_external_initializers_file_folder_path: path.dirname(folder.onnxPath), ...(v.lut ? { 'mlas.use_lut_gemm': '1' } : {}) } },
    });
    sessions.set(v.name, { floor: Floor.wrap(session, o.promptTokens + o.decodeTokens + 64), session });
  }
  // Prompts: deterministic ids of the vocabulary's middle range.
  const vocab = folder.vocabSize ?? 32000;
  const prompts = Array.from({ length: 6 }, (_, p) => Array.from({ length: o.promptTokens }, (_, i) => (i * 7919 + p * 104729) % Math.min(vocab, 20000)));
  // Fidelity on the last position of each prompt, against level 0 (or the lowest level asked for).
  const ref = variants.find((v) => v.level === Math.min(...o.levels) && !v.lut)!;
  const lastLogits = async (s: ort.InferenceSession, ids: number[]): Promise<Float32Array> => {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
    };
    for (const name of s.inputNames) {
      if (!name.startsWith('past_key_values')) continue;
      const meta = s.inputMetadata.find((m) => m.name === name)!;
      const shape = (meta as unknown as { shape: readonly (number | string)[] }).shape;
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, Number(shape[1]), 0, Number(shape[3])]);
    }
    if (s.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, ids.length]);
    const out = await s.run(feeds);
    const t = out.logits;
    const V = t.dims[2];
    return Float32Array.from((t.data as Float32Array).subarray((t.dims[1] - 1) * V));
  };
  const base: Float32Array[] = [];
  for (const p of prompts) base.push(await lastLogits(sessions.get(ref.name)!.session, p));
  const fidelity: Record<string, { meanKl: number; top1: number }> = {};
  for (const v of variants) {
    const kls: number[] = [];
    let agree = 0;
    for (let i = 0; i < prompts.length; i++) {
      const x = await lastLogits(sessions.get(v.name)!.session, prompts[i]);
      kls.push(kl(base[i], x));
      if (argmax(x) === argmax(base[i])) agree++;
    }
    fidelity[v.name] = { meanKl: stats.mean(kls) ?? NaN, top1: agree / prompts.length };
  }
  // Timing, interleaved.
  const samples: Record<string, { ttftMs: number[]; decodeMs: number[] }> = Object.fromEntries(variants.map((v) => [v.name, { ttftMs: [], decodeMs: [] }]));
  for (const v of variants) await sessions.get(v.name)!.floor.run(prompts[0], 2); // warm up
  const loads: string[] = [load()];
  for (let r = 0; r < o.rounds; r++) {
    const order = variants.slice(r % variants.length).concat(variants.slice(0, r % variants.length));
    for (const v of order) {
      collectGarbage();
      const s = await sessions.get(v.name)!.floor.run(prompts[r % prompts.length], o.decodeTokens);
      samples[v.name].ttftMs.push(s.ttftMs);
      samples[v.name].decodeMs.push(stats.median(s.decodeMs) ?? NaN);
    }
    loads.push(load());
  }
  // Per-op profile of one prefill per variant.
  const profiles: Record<string, Record<string, number>> = {};
  if (o.profile) {
    for (const v of variants) {
      const session = await ort.InferenceSession.create(withAccuracyLevel(folder.onnxPath, v.level), {
        executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: v.threads, interOpNumThreads: 1, logSeverityLevel: 3,
        enableProfiling: true, profileFilePrefix: path.join(profileDir, `level${v.level}${v.lut ? '-lut' : ''}-t${v.threads}`),
        extra: { session: { model_external_initializers_file_folder_path: path.dirname(folder.onnxPath), ...(v.lut ? { 'mlas.use_lut_gemm': '1' } : {}) } },
      });
      const floor = Floor.wrap(session, o.promptTokens + 8);
      await floor.run(prompts[0], 1); // warm up (profiled too; the last run is what we read)
      await floor.run(prompts[1], 1);
      const prefix = `level${v.level}${v.lut ? '-lut' : ''}-t${v.threads}`;
      const named = session.endProfiling() as unknown;
      await session.release();
      const file = typeof named === 'string' && named ? path.resolve(named)
        : path.join(profileDir, fs.readdirSync(profileDir).filter((f) => f.startsWith(prefix)).sort().at(-1) ?? '');
      const events = JSON.parse(fs.readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
      // The last run's node events: those after the last "model_run" boundary but one.
      const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
      const lastRunStart = (runs.at(-1) as unknown as { ts: number } | undefined)?.ts ?? 0;
      const byOp: Record<string, number> = {};
      for (const e of events as unknown as { cat: string; name: string; dur: number; ts: number; args?: { op_name?: string } }[]) {
        if (e.cat !== 'Node' || e.ts < lastRunStart || !e.name.endsWith('_kernel_time')) continue;
        const op = e.args?.op_name ?? 'unknown';
        byOp[op] = (byOp[op] ?? 0) + e.dur / 1000;
      }
      profiles[v.name] = Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1] - a[1]).map(([k, ms]) => [k, Math.round(ms * 10) / 10]));
    }
  }
  for (const { session } of sessions.values()) await session.release();
  const rows = variants.map((v) => ({
    variant: v.name, ttftMs: stats.median(samples[v.name].ttftMs), ttftMin: Math.min(...samples[v.name].ttftMs), ttftMax: Math.max(...samples[v.name].ttftMs),
    decodeMsPerToken: stats.median(samples[v.name].decodeMs), ...fidelity[v.name],
  }));
  const result = { model: folder.name, promptTokens: o.promptTokens, rounds: o.rounds, loads, cpu: os.cpus()[0]?.model?.trim(), rows, profiles, profileDir };
  if (o.json) { process.stdout.write(JSON.stringify(result, null, 2) + '\n'); return; }
  const out = [`\n${folder.name}, prefill of ${o.promptTokens} tokens (bare session.run, the graph's own logits), medians over ${o.rounds} interleaved rounds; load ${loads[0]} -> ${loads.at(-1)}`,
    '| variant | prefill ms (min-max) | decode ms/token | KL vs level 0 | top-1 agreement |', '|---|---|---|---|---|'];
  for (const r of rows) out.push(`| ${r.variant} | ${r.ttftMs?.toFixed(1)} (${r.ttftMin.toFixed(0)}-${r.ttftMax.toFixed(0)}) | ${r.decodeMsPerToken?.toFixed(1)} | ${r.meanKl.toExponential(2)} | ${(r.top1 * 100).toFixed(0)} % |`);
  for (const [name, byOp] of Object.entries(profiles)) out.push(`profile, ${name}: ${Object.entries(byOp).slice(0, 8).map(([k, ms]) => `${k} ${ms} ms`).join(', ')}`);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => { process.stderr.write(`bench-prefill-kernels: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); });
