/**
 * The files around the quantised .onnx, so the output folder is a model folder of its own
 * that slmlab, ONNX Runtime GenAI and Foundry Local read: the source's configs and tokenizer
 * files copied (the .onnx and its data left behind), genai_config.json pointed at the new
 * file, config.json's slmlab block updated, and Foundry's inference_model.json with Name,
 * PromptTemplate (derived from the chat template, see prompt-template.ts) and ModelConfig.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelFolder } from '../engine/model-folder';
import { derivePromptTemplate } from './prompt-template';
import { settingsLabel, type QuantizeSettings } from './options';

/** Files that belong to the source's weights, never copied. */
function isWeightFile(name: string): boolean {
  return /\.onnx$|\.onnx_data(_\d+)?$|\.onnx\.data$|_data(_\d+)?$/.test(name) || name === 'inference_model.json';
}

/** Copies the configs and tokenizer files from the source folder's top level into `out`. */
export function copyCompanionFiles(source: ModelFolder, out: string): void {
  for (const e of fs.readdirSync(source.dir, { withFileTypes: true })) {
    if (!e.isFile() || isWeightFile(e.name) || e.name.startsWith('.')) continue;
    fs.copyFileSync(path.join(source.dir, e.name), path.join(out, e.name));
  }
}

function readObject(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch { return null; }
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** genai_config.json names the new .onnx; config.json's slmlab block records the precision. */
export function updateConfigs(out: string, onnxFile: string, settings: QuantizeSettings, sourceName: string): void {
  const genai = readObject(path.join(out, 'genai_config.json'));
  const decoder = (genai?.model as Record<string, unknown> | undefined)?.decoder as Record<string, unknown> | undefined;
  if (genai && decoder) {
    decoder.filename = onnxFile;
    writeJson(path.join(out, 'genai_config.json'), genai);
  }
  const config = readObject(path.join(out, 'config.json'));
  if (config?.slmlab && typeof config.slmlab === 'object') {
    const block = config.slmlab as Record<string, unknown>;
    block.precision = settings.precision;
    block.block_size = settings.precision === 'fp16' ? null : settings.blockSize;
    block.accuracy_level = settings.precision === 'fp16' ? null : settings.accuracyLevel;
    block.quantized_from = sourceName;
    block.quantization = settingsLabel(settings);
    writeJson(path.join(out, 'config.json'), config);
  }
}

export interface InferenceModelJson {
  Name: string;
  Description: string;
  Version: string;
  PromptTemplate: Record<string, string>;
  ModelConfig: Record<string, number>;
}

/**
 * Foundry Local's inference_model.json. A PromptTemplate the source already had is kept;
 * otherwise it is derived from the chat template. ModelConfig: max_length from the context
 * length, sampling defaults from generation_config.json.
 */
export function inferenceModelJson(source: ModelFolder, out: string, name: string, settings: QuantizeSettings): InferenceModelJson {
  const existing = readObject(path.join(source.dir, 'inference_model.json'));
  const kept = existing?.PromptTemplate && typeof existing.PromptTemplate === 'object' ? existing.PromptTemplate as Record<string, string> : null;
  const derived = kept ? null : derivePromptTemplate(out);
  const gen = readObject(path.join(out, 'generation_config.json')) ?? {};
  const modelConfig: Record<string, number> = { max_length: source.contextLength };
  for (const key of ['temperature', 'top_p', 'top_k', 'repetition_penalty']) if (typeof gen[key] === 'number') modelConfig[key] = gen[key] as number;
  return {
    Name: name,
    Description: `${source.name} quantised by slmlab (${settingsLabel(settings)})`,
    Version: '1',
    PromptTemplate: (kept ?? derived?.template ?? {}) as Record<string, string>,
    ModelConfig: modelConfig,
  };
}

export function writeInferenceModelJson(out: string, value: InferenceModelJson): void {
  writeJson(path.join(out, 'inference_model.json'), value);
}
