/**
 * Writes a synthetic model into a folder it is given: model.onnx (graph only) + model.onnx_data
 * (every weight, streamed) + genai_config.json, config.json, generation_config.json and the
 * tokenizer files. It knows nothing of slmlab's cache: where the folder goes, whether an
 * existing one is reused, the temporary name it is written under, the completion record and
 * the lock are lib/cache/build-model.ts's (and build-locked.ts's) business.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildError } from '../errors';
import { encodeModel } from '../onnx/encode-model';
import { TensorDataWriter } from '../onnx/tensor-data-writer';
import { planDecoder, type DecoderPlan, type Layout, type LogitsMode } from './decoder-graph';
import { fillInWorkers, fillThreads } from './fill-parallel';
import { SHAPES, shapeNames, type ModelShape } from './shapes';
import type { WeightFormat } from './linear';
import { tokenizerFilesFor, writeTokenizerFiles } from './tokenizer-files';
import { generationConfig, genaiConfig, hfConfig, syntheticNote, type SyntheticInfo } from './model-config';

export type Precision = WeightFormat;

/**
 * Which ONNX Runtime GenAI builder's output a twin imitates:
 *   'classic' - slmlab's first layout: the builder's graph before v0.15 (a float embedding
 *               table and a separate lm_head), weights in Optimum's file name model.onnx_data;
 *   'v0.15'   - the builder since v0.15 (2026-07): weights in model.onnx.data, and for tied
 *               models no embedding table of its own: at int4 one int4 matrix shared by the
 *               embedding (GatherBlockQuantized) and the lm_head (MatMulNBits); at fp32/fp16
 *               the embedding gathers from Transpose(lm_head weight). (int8 keeps a table.)
 */
export type BuilderStyle = 'classic' | 'v0.15';
export const BUILDER_STYLES: readonly BuilderStyle[] = ['classic', 'v0.15'];
export const DEFAULT_BUILDER_STYLE: BuilderStyle = 'classic';

/** The weights file each style writes beside model.onnx. */
export function weightsFileName(style: BuilderStyle): string {
  return style === 'v0.15' ? 'model.onnx.data' : 'model.onnx_data';
}
/** int8 (DynamicQuantizeMatMul) is the fast format on onnxruntime-web's WASM backend, where int4 MatMulNBits is not. */
export const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8', 'int4'];
export const BLOCK_SIZES = [16, 32, 64, 128, 256] as const;

/** What a synthetic model is: its shape and every choice that changes its files (and so its id). */
export interface ModelSpec {
  shape: string | ModelShape;
  precision?: Precision;
  /** int4 only: elements per quantisation block (the builder's default is 32). */
  blockSize?: number;
  /** int4 only: MatMulNBits accuracy_level; 4 (int8 activations) is the builder's CPU default, 0 is exact float. */
  accuracyLevel?: number;
  seed?: number;
  layout?: Layout;
  /** Which builder's layout to imitate (default 'classic'; see BuilderStyle). */
  builder?: BuilderStyle;
  /** The graph's file name (default model.onnx), e.g. a repo's 'mistral-7b-...-int4.onnx' or 'model_q4.onnx'. */
  onnxName?: string;
  /** The weights file's name (default: the builder style's, see weightsFileName). */
  dataName?: string;
  /**
   * 'all' (default): logits for every position, as the real model's graph computes them.
   * 'last': logits for the last position only, a faster variant for generation (its own folder, id suffix -lastlogits).
   */
  logits?: LogitsMode;
  /**
   * int4 only: 'fp16' rounds every block scale to fp16 before quantising, so the model's
   * weights are exactly representable in GGUF's Q4_0 (`slmlab model export --gguf`); its own
   * folder, id suffix -s16. Default 'fp32' (the builder's, float32 scales).
   */
  scales?: 'fp32' | 'fp16';
}

/** How the weights are written (no effect on the files). */
export interface WriteOptions {
  /** Worker threads that fill the weights (default: one per core, up to 4, for models over 64 MB; 1 = this thread). */
  threads?: number;
  onProgress?: (p: BuildProgress) => void;
}

export interface BuildProgress { doneBytes: number; totalBytes: number; tensor: string }

/** A stable folder name for a synthetic variant, e.g. qwen2.5-0.5b-int4-b32. */
export function syntheticId(shape: string, precision: Precision, blockSize: number, seed: number, layout: Layout, accuracyLevel = 4, builder: BuilderStyle = DEFAULT_BUILDER_STYLE, logits: LogitsMode = 'all', scales: 'fp32' | 'fp16' = 'fp32'): string {
  let id = `${shape}-${precision}`;
  if (precision === 'int4') id += `-b${blockSize}` + (accuracyLevel === 4 ? '' : `-acc${accuracyLevel}`) + (scales === 'fp16' ? '-s16' : '');
  if (seed !== 0) id += `-seed${seed}`;
  if (layout !== 'genai') id += `-${layout}`;
  if (builder !== DEFAULT_BUILDER_STYLE) id += `-builder${builder.replace(/[^0-9a-z]/g, '')}`;
  if (logits === 'last') id += '-lastlogits';
  return id;
}

export function resolveShape(shape: string | ModelShape): ModelShape {
  if (typeof shape !== 'string') return shape;
  const s = SHAPES[shape];
  if (!s) throw new BuildError(`unknown model shape '${shape}': choose one of ${shapeNames().join(', ')}`);
  return s;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A spec with every default filled in and checked: what writeModel and the model's id are made from. */
export type ValidSpec = Required<ModelSpec> & { shape: ModelShape };

/** Fills in the defaults and checks every choice (BuildError naming the fix); `threads` is checked too. */
export function validateSpec(o: ModelSpec & WriteOptions): ValidSpec {
  const scales = o.scales ?? 'fp32';
  if (scales !== 'fp32' && scales !== 'fp16') throw new BuildError(`unknown scales '${String(scales)}': choose fp32 (the builder's) or fp16 (exact in GGUF Q4_0)`);
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
  const builder = o.builder ?? DEFAULT_BUILDER_STYLE;
  if (!BUILDER_STYLES.includes(builder)) throw new BuildError(`unknown builder style '${String(builder)}': choose ${BUILDER_STYLES.join(' or ')}`);
  const onnxName = o.onnxName ?? 'model.onnx';
  const dataName = o.dataName ?? weightsFileName(builder);
  for (const [what, name] of [['onnxName', onnxName], ['dataName', dataName]] as const) {
    if (!FILE_NAME.test(name) || name.includes('..')) throw new BuildError(`${what} '${name}' is not a plain file name: use letters, digits, '.', '_' and '-'`);
  }
  if (!onnxName.endsWith('.onnx')) throw new BuildError(`onnxName '${onnxName}' must end in .onnx`);
  const logits = o.logits ?? 'all';
  if (logits !== 'all' && logits !== 'last') throw new BuildError(`unknown logits mode '${String(logits)}': choose all (every position, as the real model) or last (last position only)`);
  if (shape.headSize % 16 !== 0) throw new BuildError(`head size ${shape.headSize} is not a multiple of 16: ONNX Runtime's GroupQueryAttention with rotary embedding needs one on CPU`);
  const rDim = Math.floor(shape.headSize * shape.rope.partialFactor);
  if (rDim < shape.headSize && (rDim / 2) % 8 !== 0) throw new BuildError(`partial rotary of ${rDim} dimensions is not supported: GroupQueryAttention needs rotary_dim / 2 to be a multiple of 8`);
  if (scales === 'fp16' && precision !== 'int4') throw new BuildError(`scales 'fp16' applies to int4 models only, not ${precision}: drop the option or build with precision int4`);
  return { shape, precision, blockSize, accuracyLevel, seed, layout, builder, onnxName, dataName, logits, scales };
}

/** The id (folder name) of the model a spec describes, e.g. qwen2.5-0.5b-int4-b32. */
export function specId(o: ValidSpec): string {
  return syntheticId(o.shape.name, o.precision, o.blockSize, o.seed, o.layout, o.accuracyLevel, o.builder, o.logits, o.scales);
}

/**
 * Writes the model `o` describes into `folder` (created; it should be new and empty). Not
 * atomic by itself: the caller writes into a temporary folder and renames it when this resolves.
 * Errors other than BuildError are the file system's, thrown as they are.
 */
export async function writeModel(folder: string, o: ValidSpec, w: WriteOptions = {}): Promise<void> {
  const { shape, precision, blockSize, accuracyLevel, seed, layout, builder, onnxName, dataName, logits, scales } = o;
  const tok = tokenizerFilesFor(shape.tokenizer);
  if (tok.size > shape.vocab) throw new BuildError(`tokenizer '${shape.tokenizer}' has ${tok.size} tokens but shape '${shape.name}' has a vocabulary of ${shape.vocab}`);

  const onnxDir = layout === 'optimum' ? path.join(folder, 'onnx') : folder;
  fs.mkdirSync(onnxDir, { recursive: true });
  const data = new TensorDataWriter(path.join(onnxDir, dataName), dataName);
  try {
    const plan: DecoderPlan = { shape, format: precision, blockSize, accuracyLevel, seed, layout, sharedEmbedding: builder === 'v0.15', logits, fp16Scales: scales === 'fp16' };
    const planned = planDecoder(plan, data);
    const totalBytes = data.size;
    let doneBytes = 0;
    const progress = (i: number) => {
      doneBytes += planned.jobs[i].bytes;
      w.onProgress?.({ doneBytes, totalBytes, tensor: planned.jobs[i].tensor });
    };
    const threads = w.threads ?? fillThreads(totalBytes);
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
      synthetic: true, note: syntheticNote(shape.twinOf), shape: shape.name, twin_of: shape.twinOf, precision,
      block_size: precision === 'int4' ? blockSize : null, accuracy_level: precision === 'int4' ? accuracyLevel : null,
      seed, layout, logits, scales,
      differences: logits === 'last' ? [...shape.differences, 'logits for the last position only (the real graph computes every position): prefill is faster than the real model\'s'] : shape.differences,
      tokenizer: tok.source,
      builder: builder === 'v0.15' ? 'slmlab synth (ONNX Runtime GenAI builder >= 0.15 layout: model.onnx.data, embedding shared with the lm_head for tied models)' : 'slmlab synth (ONNX Runtime GenAI builder layout before 0.15, Optimum data file name)',
    };
    const model = encodeModel({
      irVersion: 10,
      opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
      producerName: 'slmlab',
      producerVersion: '0.1.0',
      graph: planned.graph,
      metadata: { 'slmlab.synthetic': 'true', 'slmlab.shape': shape.name, 'slmlab.precision': precision, 'slmlab.seed': String(seed), 'slmlab.logits': logits },
    });
    fs.writeFileSync(path.join(onnxDir, onnxName), model);
    const json = (name: string, value: unknown) => fs.writeFileSync(path.join(folder, name), JSON.stringify(value, null, 2) + '\n');
    if (layout === 'genai') json('genai_config.json', genaiConfig(shape, tok, onnxName));
    json('config.json', hfConfig(shape, tok, info));
    json('generation_config.json', generationConfig(tok));
    await writeTokenizerFiles(folder, tok);
  } catch (e) {
    data.abort();
    throw e;
  }
}

/** Whether `dir` holds the files writeModel writes for `o` (present; their sizes are the cache's to check). */
export function hasModelFiles(dir: string, o: Pick<ValidSpec, 'layout' | 'onnxName' | 'dataName'>): boolean {
  const { layout, onnxName, dataName } = o;
  const onnx = layout === 'optimum' ? path.join(dir, 'onnx') : dir;
  return [onnxName, dataName].every((f) => fs.existsSync(path.join(onnx, f))) &&
    ['config.json', 'tokenizer.json'].every((f) => fs.existsSync(path.join(dir, f)));
}
