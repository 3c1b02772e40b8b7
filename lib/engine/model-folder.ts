/**
 * Reads a model folder in either of the two layouts slmlab runs:
 *   - ONNX Runtime GenAI / Foundry Local: genai_config.json + the .onnx it names (+ inference_model.json)
 *   - Hugging Face Optimum / transformers.js: config.json + onnx/model*.onnx
 * and returns a plain record of what the engine needs. Tensor names are not taken from
 * here: the session reports them (decoder-session.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelDamagedError, ModelInvalidError, ModelNotFoundError } from '../errors';
import { checkExternalData } from '../onnx/external-data-check';
import { checkInside } from '../util/inside-folder';

export type FolderLayout = 'genai' | 'optimum';

export interface ModelFolder {
  dir: string;
  layout: FolderLayout;
  /** Absolute path of the decoder .onnx file. */
  onnxPath: string;
  /** Display name: Foundry's inference_model.json Name, else the folder name. */
  name: string;
  modelType: string;
  contextLength: number;
  vocabSize: number | null;
  bosTokenId: number | null;
  eosTokenIds: number[];
  /** config.json's "slmlab" block when the model was built by slmlab's synth/, else null. */
  synthetic: Record<string, unknown> | null;
  /** What was tolerated while reading the folder (an empty config.json, a model file found under onnx/). */
  notes: string[];
}

/** transformers.js file suffixes in order of preference when no file is named (src/utils/dtypes.js). */
const OPTIMUM_FILES = ['model.onnx', 'model_q4.onnx', 'model_q4f16.onnx', 'model_fp16.onnx', 'model_quantized.onnx', 'model_int8.onnx', 'model_uint8.onnx', 'model_bnb4.onnx', 'decoder_model_merged.onnx'];

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelNotFoundError(`cannot read '${file}': ${(e as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (e) {
    throw new ModelInvalidError(`'${file}' is not valid JSON (${(e as Error).message}): restore it from the model's source or rebuild the model`);
  }
}

function ids(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A JSON file that may be empty or broken: the object, or why it is unusable. */
function readJsonLenient(file: string): { value: Record<string, unknown> } | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { problem: `cannot be read (${(e as Error).message})` };
  }
  if (text.trim() === '') return { problem: 'is empty' };
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'is not a JSON object' };
    return { value: value as Record<string, unknown> };
  } catch (e) {
    return { problem: `is not valid JSON (${(e as Error).message})` };
  }
}

/**
 * Inspects `dir`. `onnxFile` picks one of several .onnx files in an Optimum folder
 * (e.g. 'model_q4.onnx'); by default the first of OPTIMUM_FILES that exists.
 *
 * Real repositories mix layouts, so each layout is tried in turn and the first whose model
 * file exists wins:
 *   1. genai: genai_config.json names decoder.filename, looked for beside it, then under onnx/
 *      (a transformers.js repo may ship a root genai_config.json for its onnx/ files);
 *   2. optimum: config.json + onnx/<one of OPTIMUM_FILES>.
 * A genai folder does not need config.json: an empty or broken one (DeepSeek's repo root has a
 * 0-byte config.json) is ignored, with a note. When nothing fits, the error lists every path
 * that was looked for.
 */
export function inspectModelFolder(dir: string, onnxFile?: string): ModelFolder {
  const folder = readModelFolder(dir, onnxFile);
  assertFilesInside(folder);
  assertExternalDataInBounds(folder);
  return folder;
}

/** Files a load reads besides the .onnx and its data (configs, tokenizer, template). */
const READ_FILES = ['genai_config.json', 'config.json', 'generation_config.json', 'special_tokens_map.json',
  'tokenizer.json', 'tokenizer_config.json', 'inference_model.json', 'chat_template.jinja'];

/**
 * Throws OutsideFolderError when the .onnx, or a config or tokenizer file the engine reads,
 * is a link out of the model folder (util/inside-folder.ts): refused, with the reason.
 */
export function assertFilesInside(folder: ModelFolder): void {
  for (const rel of [path.relative(folder.dir, folder.onnxPath), ...READ_FILES, ...READ_FILES.map((f) => path.join('onnx', f))]) {
    const r = checkInside(folder.dir, rel);
    if (!r.ok && !r.missing) throw r.error;
  }
}

/**
 * Throws ModelDamagedError when an external-data reference of the model lies outside its
 * file: ONNX Runtime would map it and the process would die with SIGBUS on first use.
 */
export function assertExternalDataInBounds(folder: ModelFolder): void {
  const problems = checkExternalData(folder.onnxPath, folder.dir);
  if (!problems.length) return;
  const outside = problems.find((p) => p.kind === 'outside');
  if (outside) throw new ModelInvalidError(`model '${folder.name}' in ${folder.dir} is refused: ${outside.message}`);
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new ModelDamagedError(`model '${folder.name}' in ${folder.dir} is damaged: ${problems[0].message}${more}; ` +
    `repair it with \`slmlab model download <model> --force\` (or \`slmlab model build <shape> --force\` for a synthetic model)`);
}

function readModelFolder(dir: string, onnxFile?: string): ModelFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs)) {
    throw new ModelNotFoundError(`model folder '${abs}' does not exist: build one with \`slmlab model build tiny\`, or pass a folder that holds genai_config.json and model.onnx`);
  }
  if (!fs.statSync(abs).isDirectory()) {
    throw new ModelNotFoundError(`'${abs}' is a file, not a model folder: pass the folder that holds it`);
  }
  const notes: string[] = [];
  const hasGenai = fs.existsSync(path.join(abs, 'genai_config.json'));
  const configFile = path.join(abs, 'config.json');
  let config: Record<string, unknown> = {};
  let configProblem: string | null = null;
  if (fs.existsSync(configFile)) {
    const read = readJsonLenient(configFile);
    if ('value' in read) config = read.value;
    else configProblem = read.problem;
  }
  const synthetic = (config.slmlab && typeof config.slmlab === 'object') ? config.slmlab as Record<string, unknown> : null;
  const inference = fs.existsSync(path.join(abs, 'inference_model.json')) ? readJson(path.join(abs, 'inference_model.json')) : null;
  const name = typeof inference?.Name === 'string' ? inference.Name : path.basename(abs);
  const lookedFor: string[] = [];

  let optimumPick: string | undefined;
  if (hasGenai) {
    const genai = readJson(path.join(abs, 'genai_config.json'));
    const model = (genai.model ?? {}) as Record<string, unknown>;
    const decoder = (model.decoder ?? {}) as Record<string, unknown>;
    const filename = typeof decoder.filename === 'string' ? decoder.filename : 'model.onnx';
    const wanted = onnxFile ?? filename;
    const candidates = [path.resolve(abs, wanted), path.resolve(abs, 'onnx', wanted)];
    for (const c of candidates) {
      if (!c.startsWith(abs + path.sep)) throw new ModelInvalidError(`genai_config.json names '${filename}', outside the model folder: fix decoder.filename`);
    }
    lookedFor.push(...candidates.map((c) => `${path.relative(abs, c)} (named by genai_config.json)`));
    const onnxPath = candidates.find((c) => fs.existsSync(c));
    // genai_config.json naming onnx/<file> beside a config.json: an Optimum folder to which slmlab
    // (optimum-genai-config.ts) or its publisher added the GenAI file; slmlab reads it as Optimum.
    if (onnxPath && filename.replace(/\\/g, '/').startsWith('onnx/') && path.dirname(onnxPath) === path.join(abs, 'onnx') && Object.keys(config).length > 0) {
      optimumPick = path.basename(onnxPath);
    } else if (onnxPath) {
      if (configProblem) notes.push(`config.json ${configProblem}; ignored (a genai folder takes its settings from genai_config.json)`);
      if (onnxPath !== candidates[0]) notes.push(`${path.relative(abs, onnxPath)} found under onnx/, not beside genai_config.json`);
      const context = num(model.context_length) ?? num((genai.search as Record<string, unknown> | undefined)?.max_length) ?? num(config.max_position_embeddings);
      if (context === null) throw new ModelInvalidError(`'${abs}/genai_config.json' has no model.context_length: add it (the model's maximum sequence length)`);
      return {
        dir: abs, layout: 'genai', onnxPath, name,
        modelType: typeof model.type === 'string' ? model.type : String(config.model_type ?? 'unknown'),
        contextLength: context,
        vocabSize: num(model.vocab_size) ?? num(config.vocab_size),
        bosTokenId: num(model.bos_token_id),
        eosTokenIds: ids(model.eos_token_id),
        synthetic, notes,
      };
    }
  }

  const pick = onnxFile ?? optimumPick;
  const optimumCandidates = (pick ? [pick] : OPTIMUM_FILES).map((f) => path.join(abs, 'onnx', f));
  if (!pick || !hasGenai) lookedFor.push(...optimumCandidates.map((c) => `${path.relative(abs, c)} (with config.json)`));
  const found = optimumCandidates.find((f) => fs.existsSync(f));
  if (found && configProblem) {
    throw new ModelInvalidError(`'${configFile}' ${configProblem}, and this Hugging Face Optimum / transformers.js folder needs it: restore config.json from the model's repository`);
  }
  if (found && Object.keys(config).length > 0) {
    if (hasGenai && !optimumPick) notes.push(`genai_config.json names a model file that is not here; using the Optimum layout (${path.relative(abs, found)})`);
    const generation = fs.existsSync(path.join(abs, 'generation_config.json')) ? readJson(path.join(abs, 'generation_config.json')) : {};
    const context = num(config.max_position_embeddings) ?? num(config.n_positions);
    if (context === null) throw new ModelInvalidError(`'${abs}/config.json' has no max_position_embeddings: add the model's context length`);
    const eos = ids(generation.eos_token_id);
    return {
      dir: abs, layout: 'optimum', onnxPath: found, name,
      modelType: String(config.model_type ?? 'unknown'),
      contextLength: context,
      vocabSize: num(config.vocab_size),
      bosTokenId: num(config.bos_token_id) ?? num(generation.bos_token_id),
      eosTokenIds: eos.length ? eos : ids(config.eos_token_id),
      synthetic, notes,
    };
  }

  const optimumish = Object.keys(config).length > 0 && fs.existsSync(path.join(abs, 'onnx'));
  if (hasGenai || found || optimumish) {
    throw new ModelNotFoundError(`no model file in '${abs}': looked for ${lookedFor.join(', ')}` +
      (found ? ' (config.json is missing)' : '') + ': download the ONNX weights again, or fix decoder.filename in genai_config.json');
  }
  throw new ModelInvalidError(`'${abs}' is not a model folder slmlab can run: it needs genai_config.json + model.onnx (ONNX Runtime GenAI / Foundry Local layout) or config.json + onnx/model.onnx (Hugging Face Optimum / transformers.js layout)`);
}
