/**
 * Builds a synthetic model folder offline: model.onnx (graph only) + model.onnx_data (every
 * weight, streamed) + genai_config.json, config.json, generation_config.json and the tokenizer
 * files. The folder appears atomically: it is written under a temporary name beside the
 * destination and renamed only when complete, so a crash or Ctrl-C never leaves a half model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildError } from '../errors';
import { encodeModel } from './onnx-proto';
import { TensorDataWriter } from './tensor-data-writer';
import { planDecoder, type DecoderPlan, type Layout, type LogitsMode } from './decoder-graph';
import { fillInWorkers, fillThreads } from './fill-parallel';
import { SHAPES, parameterCount, shapeNames, type ModelShape } from './shapes';
import type { WeightFormat } from './linear';
import { tokenizerFilesFor, writeTokenizerFiles } from './tokenizer-files';
import { generationConfig, genaiConfig, hfConfig, SYNTHETIC_NOTE, type SyntheticInfo } from './model-config';
import { syntheticDir } from '../cache/location';

export type Precision = WeightFormat;
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int4'];
export const BLOCK_SIZES = [16, 32, 64, 128, 256] as const;

export interface BuildOptions {
  shape: string | ModelShape;
  precision?: Precision;
  /** int4 only: elements per quantisation block (the builder's default is 32). */
  blockSize?: number;
  /** int4 only: MatMulNBits accuracy_level; 4 (int8 activations) is the builder's CPU default, 0 is exact float. */
  accuracyLevel?: number;
  seed?: number;
  layout?: Layout;
  /**
   * 'all' (default): logits for every position, as the real model's graph computes them.
   * 'last': logits for the last position only, a faster variant for generation (its own folder, id suffix -lastlogits).
   */
  logits?: LogitsMode;
  /** Destination folder; default: <cache>/synthetic/<id>. */
  out?: string;
  /** Replace an existing folder at `out`. */
  force?: boolean;
  /** Worker threads that fill the weights (default: one per core, up to 4, for models over 64 MB; 1 = this thread). */
  threads?: number;
  onProgress?: (p: BuildProgress) => void;
}

export interface BuildProgress { doneBytes: number; totalBytes: number; tensor: string }

export interface BuildReport {
  dir: string;
  id: string;
  shape: string;
  twinOf: string | null;
  precision: Precision;
  seed: number;
  layout: Layout;
  logits: LogitsMode;
  parameters: number;
  files: { name: string; bytes: number }[];
  totalBytes: number;
  seconds: number;
  /** True when the folder already existed and nothing was built. */
  reused: boolean;
}

/** A stable folder name for a synthetic variant, e.g. qwen2.5-0.5b-int4-b32. */
export function syntheticId(shape: string, precision: Precision, blockSize: number, seed: number, layout: Layout, accuracyLevel = 4, logits: LogitsMode = 'all'): string {
  let id = `${shape}-${precision}`;
  if (precision === 'int4') id += `-b${blockSize}` + (accuracyLevel === 4 ? '' : `-acc${accuracyLevel}`);
  if (seed !== 0) id += `-seed${seed}`;
  if (layout !== 'genai') id += `-${layout}`;
  if (logits === 'last') id += '-lastlogits';
  return id;
}

export function resolveShape(shape: string | ModelShape): ModelShape {
  if (typeof shape !== 'string') return shape;
  const s = SHAPES[shape];
  if (!s) throw new BuildError(`unknown model shape '${shape}': choose one of ${shapeNames().join(', ')}`);
  return s;
}

function validate(o: BuildOptions): Required<Omit<BuildOptions, 'out' | 'onProgress' | 'force' | 'threads'>> & { shape: ModelShape } {
  const shape = resolveShape(o.shape);
  const precision = o.precision ?? 'int4';
  if (!PRECISIONS.includes(precision)) throw new BuildError(`unknown precision '${precision}': choose one of ${PRECISIONS.join(', ')}`);
  const blockSize = o.blockSize ?? 32;
  if (!(BLOCK_SIZES as readonly number[]).includes(blockSize)) throw new BuildError(`block size ${blockSize} is not supported: choose one of ${BLOCK_SIZES.join(', ')} (32 or 128 are the usual)`);
  const accuracyLevel = o.accuracyLevel ?? 4;
  if (![0, 1, 2, 3, 4].includes(accuracyLevel)) throw new BuildError(`accuracy level ${accuracyLevel} is not valid: choose 0 (float), 1, 2, 3 or 4 (int8 activations)`);
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new BuildError(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 64)) throw new BuildError(`threads must be an integer from 1 to 64, got ${o.threads}`);
  const layout = o.layout ?? 'genai';
  if (layout !== 'genai' && layout !== 'optimum') throw new BuildError(`unknown layout '${String(layout)}': choose genai or optimum`);
  const logits = o.logits ?? 'all';
  if (logits !== 'all' && logits !== 'last') throw new BuildError(`unknown logits mode '${String(logits)}': choose all (every position, as the real model) or last (last position only)`);
  if (shape.headSize % 16 !== 0) throw new BuildError(`head size ${shape.headSize} is not a multiple of 16: ONNX Runtime's GroupQueryAttention with rotary embedding needs one on CPU`);
  const rDim = Math.floor(shape.headSize * shape.rope.partialFactor);
  if (rDim < shape.headSize && (rDim / 2) % 8 !== 0) throw new BuildError(`partial rotary of ${rDim} dimensions is not supported: GroupQueryAttention needs rotary_dim / 2 to be a multiple of 8`);
  return { shape, precision, blockSize, accuracyLevel, seed, layout, logits };
}

/** Builds (or reuses) a synthetic model folder. */
export async function buildModel(options: BuildOptions): Promise<BuildReport> {
  const o = validate(options);
  const { shape, precision, blockSize, accuracyLevel, seed, layout, logits } = o;
  const id = syntheticId(shape.name, precision, blockSize, seed, layout, accuracyLevel, logits);
  const dir = path.resolve(options.out ?? path.join(syntheticDir(), id));
  const started = performance.now();

  if (fs.existsSync(dir)) {
    if (!options.force) {
      if (isCompleteModel(dir, layout)) return { ...describe(dir, id, o), seconds: 0, reused: true };
      throw new BuildError(`'${dir}' exists and is not a complete slmlab model: remove it or pass --force to replace it`);
    }
  }

  const tok = tokenizerFilesFor(shape.tokenizer);
  if (tok.size > shape.vocab) throw new BuildError(`tokenizer '${shape.tokenizer}' has ${tok.size} tokens but shape '${shape.name}' has a vocabulary of ${shape.vocab}`);

  const tmp = `${dir}.partial-${process.pid}-${Date.now()}`;
  let data: TensorDataWriter | null = null;
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const onnxDir = layout === 'optimum' ? path.join(tmp, 'onnx') : tmp;
    fs.mkdirSync(onnxDir, { recursive: true });
    data = new TensorDataWriter(path.join(onnxDir, 'model.onnx_data'), 'model.onnx_data');
    const plan: DecoderPlan = { shape, format: precision, blockSize, accuracyLevel, seed, layout, logits };
    const planned = planDecoder(plan, data);
    const totalBytes = data.size;
    let doneBytes = 0;
    const progress = (i: number) => {
      doneBytes += planned.jobs[i].bytes;
      options.onProgress?.({ doneBytes, totalBytes, tensor: planned.jobs[i].tensor });
    };
    const threads = options.threads ?? fillThreads(totalBytes);
    if (threads > 1) {
      data.presize();
      data.close();
      await fillInWorkers(plan, data.path, planned.jobs, threads, progress);
    } else {
      for (let i = 0; i < planned.jobs.length; i++) {
        planned.jobs[i].run();
        progress(i);
        // Yield between tensors so a caller's timers (progress bars, Ctrl-C) stay responsive.
        await new Promise((r) => setImmediate(r));
      }
      data.close();
    }

    const info: SyntheticInfo = {
      synthetic: true, note: SYNTHETIC_NOTE, shape: shape.name, twin_of: shape.twinOf, precision,
      block_size: precision === 'int4' ? blockSize : null, accuracy_level: precision === 'int4' ? accuracyLevel : null,
      seed, layout, logits,
      differences: logits === 'last' ? [...shape.differences, 'logits for the last position only (the real graph computes every position): prefill is faster than the real model\'s'] : shape.differences,
      tokenizer: tok.source, builder: 'slmlab synth (ONNX Runtime GenAI builder layout)',
    };
    const model = encodeModel({
      irVersion: 10,
      opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
      producerName: 'slmlab',
      producerVersion: '0.1.0',
      graph: planned.graph,
      metadata: { 'slmlab.synthetic': 'true', 'slmlab.shape': shape.name, 'slmlab.precision': precision, 'slmlab.seed': String(seed), 'slmlab.logits': logits },
    });
    fs.writeFileSync(path.join(onnxDir, 'model.onnx'), model);
    const json = (name: string, value: unknown) => fs.writeFileSync(path.join(tmp, name), JSON.stringify(value, null, 2) + '\n');
    if (layout === 'genai') json('genai_config.json', genaiConfig(shape, tok, 'model.onnx'));
    json('config.json', hfConfig(shape, tok, info));
    json('generation_config.json', generationConfig(tok));
    await writeTokenizerFiles(tmp, tok);

    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (e) {
    data?.abort();
    try { fs.rmSync(tmp, { recursive: true, force: true }); } catch { /* nothing was created */ }
    if (e instanceof BuildError) throw e;
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'ENOSPC' ? ': the disk is full; free space or pass --out on another disk'
      : err.code === 'EEXIST' || err.code === 'ENOTDIR' ? `: a file stands where a folder is needed; pass an --out whose parent folders are folders`
      : err.code === 'EACCES' || err.code === 'EPERM' ? ': no permission to write there; pass --out in a folder you can write' : '';
    throw new BuildError(`building '${id}' failed: ${err.message}${hint}`, { cause: e });
  }
  const seconds = (performance.now() - started) / 1000;
  return { ...describe(dir, id, o), seconds, reused: false };
}

function isCompleteModel(dir: string, layout: Layout): boolean {
  const onnx = layout === 'optimum' ? path.join(dir, 'onnx') : dir;
  return ['model.onnx', 'model.onnx_data'].every((f) => fs.existsSync(path.join(onnx, f))) &&
    ['config.json', 'tokenizer.json'].every((f) => fs.existsSync(path.join(dir, f)));
}

function describe(dir: string, id: string, o: ReturnType<typeof validate>): Omit<BuildReport, 'seconds' | 'reused'> {
  const files: { name: string; bytes: number }[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(path.join(d, e.name), `${prefix}${e.name}/`);
      else files.push({ name: prefix + e.name, bytes: fs.statSync(path.join(d, e.name)).size });
    }
  };
  walk(dir, '');
  return {
    dir, id, shape: o.shape.name, twinOf: o.shape.twinOf, precision: o.precision, seed: o.seed, layout: o.layout, logits: o.logits,
    parameters: parameterCount(o.shape), files, totalBytes: files.reduce((a, f) => a + f.bytes, 0),
  };
}
