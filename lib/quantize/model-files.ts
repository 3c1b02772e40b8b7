/**
 * The files around the quantised .onnx, so the output folder is a model folder of its own
 * that slmlab, ONNX Runtime GenAI and Foundry Local read: the source's configs and tokenizer
 * files copied (the .onnx and its data left behind), genai_config.json pointed at the new
 * file (or written, for an Optimum output), config.json's slmlab block updated, and Foundry's
 * inference_model.json with Name and PromptTemplate (derived from the chat template, see
 * prompt-template.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelFolder } from '../engine/model-folder';
import { derivePromptTemplate } from './prompt-template';
import { settingsLabel, type QuantizeSettings } from './options';
import { ensureOptimumGenaiConfig } from '../cache/optimum-genai-config';
import type { InferenceModel } from '../cache/inference-model';
import type { FoundryPromptTemplate } from '../engine/chat-template';

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

/**
 * genai_config.json names the new .onnx (`onnxRel`, posix, relative to `out`: 'model.onnx', or
 * 'onnx/model.onnx' in the Optimum layout); an Optimum output without one gets one written
 * (optimum-genai-config.ts; the reason is returned when it cannot). The accuracy_level is not
 * in genai_config.json: it is an attribute of each MatMulNBits node. config.json's slmlab block
 * records the precision.
 */
export function updateConfigs(out: string, onnxRel: string, settings: QuantizeSettings, sourceName: string): string | null {
  const genai = readObject(path.join(out, 'genai_config.json'));
  const decoder = (genai?.model as Record<string, unknown> | undefined)?.decoder as Record<string, unknown> | undefined;
  let genaiProblem: string | null = null;
  if (!(genai && decoder) && onnxRel.startsWith('onnx/')) genaiProblem = ensureOptimumGenaiConfig(out, onnxRel);
  const written = genai && decoder ? genai : readObject(path.join(out, 'genai_config.json'));
  const writtenDecoder = (written?.model as Record<string, unknown> | undefined)?.decoder as Record<string, unknown> | undefined;
  if (written && writtenDecoder) {
    writtenDecoder.filename = onnxRel;
    // the provider GenAI opens it with, as the builder writes it for its execution provider
    const options = (writtenDecoder.session_options ?? {}) as Record<string, unknown>;
    options.provider_options = settings.target === 'cpu' ? [] : [{ [settings.target]: {} }];
    writtenDecoder.session_options = options;
    writeJson(path.join(out, 'genai_config.json'), written);
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
  return genaiProblem;
}

/**
 * Foundry Local's inference_model.json: the two keys Foundry reads and writes
 * (Foundry-Local sdk_v2/cpp/src/download/inference_model_writer.cc), Name and PromptTemplate
 * (null when there is none). A PromptTemplate the source already had is kept; otherwise it is
 * derived from the chat template. Foundry's Core renders prompts with the chat template itself
 * and keeps PromptTemplate as metadata; slmlab does the same (engine/chat-template.ts).
 */
export function inferenceModelJson(source: ModelFolder, out: string, name: string): InferenceModel {
  const existing = readObject(path.join(source.dir, 'inference_model.json'));
  const kept = existing?.PromptTemplate && typeof existing.PromptTemplate === 'object' ? existing.PromptTemplate as FoundryPromptTemplate : null;
  const derived = kept ? null : derivePromptTemplate(out);
  const template = kept ?? derived?.template ?? null;
  return { Name: name, PromptTemplate: template && Object.keys(template).length > 0 ? template : null };
}

export function writeInferenceModelJson(out: string, value: InferenceModel): void {
  writeJson(path.join(out, 'inference_model.json'), value);
}
