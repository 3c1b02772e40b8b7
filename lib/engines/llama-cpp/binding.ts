/**
 * Loads node-llama-cpp from an engine folder (location.ts) at run time, with the prebuilt
 * binaries only: getLlama({ gpu: false, build: 'never', skipDownload: true }) never compiles
 * and never downloads (node-llama-cpp's docs, "getLlama"). The types below are the small part
 * of node-llama-cpp 3.x's API slmlab uses, so slmlab compiles without the package installed.
 *
 * The CPU build is read from llama.cpp's own log line
 *   "load_backend: loaded CPU backend from .../libggml-cpu-<build>.so"
 * (ggml picks the best of its per-CPU-family builds, e.g. zen4 or sapphirerapids, at load).
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ProviderUnavailableError } from '../../errors';
import { nodeLlamaCppEntry } from './location';

export type Token = number;

export interface LlamaContextSequence {
  evaluate(tokens: Token[], options?: { temperature?: number; topK?: number; topP?: number; seed?: number }): AsyncGenerator<Token, void, void | Token | Token[]>;
  controlledEvaluate(input: (Token | [Token, { generateNext?: { token?: boolean; logits?: boolean } }])[]): Promise<(undefined | { next: { token?: Token | null; logits?: Map<Token, number> } })[]>;
  clearHistory(): Promise<void>;
  dispose(): void;
  readonly nextTokenIndex: number;
}
export interface LlamaContext {
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
  readonly sequencesLeft: number;
}
export interface LlamaModel {
  createContext(options: { contextSize?: number; batchSize?: number; sequences?: number; threads?: number; flashAttention?: boolean }): Promise<LlamaContext>;
  tokenize(text: string, specialTokens?: boolean): Token[];
  detokenize(tokens: readonly Token[], specialTokens?: boolean): string;
  dispose(): Promise<void>;
  readonly tokens: { readonly eos: Token | null };
  readonly trainContextSize: number;
  readonly size: number;
}
export interface Llama {
  loadModel(options: { modelPath: string; gpuLayers?: number; useMmap?: boolean }): Promise<LlamaModel>;
  dispose(): Promise<void>;
  readonly systemInfo: string;
  readonly cpuMathCores: number;
  readonly buildType: string;
}
interface NodeLlamaCpp {
  getLlama(options: Record<string, unknown>): Promise<Llama>;
}

export interface LoadedLlamaCpp {
  llama: Llama;
  /** The ggml CPU build llama.cpp loaded, e.g. 'zen4', 'sapphirerapids', 'haswell'; null when the log did not say. */
  cpuBuild: string | null;
  /** llama.cpp's log lines (info and above), for error messages. */
  logs: string[];
}

export function cpuBuildFromLog(line: string): string | null {
  const m = /loaded CPU backend from .*libggml-cpu-([A-Za-z0-9_]+)\.(?:so|dll|dylib)/.exec(line);
  return m ? m[1] : null;
}

/** Imports node-llama-cpp from `dir` and starts llama.cpp (CPU unless `gpu` names a backend installed there). */
export async function loadLlamaCpp(dir: string, options: { gpu?: false | 'vulkan' | 'cuda'; maxThreads?: number } = {}): Promise<LoadedLlamaCpp> {
  const entry = nodeLlamaCppEntry(dir);
  if (!fs.existsSync(entry)) {
    throw new ProviderUnavailableError('llama.cpp', `the llama.cpp engine is not installed (no ${entry}): run \`slmlab engines add llama.cpp\``);
  }
  const mod = (await import(pathToFileURL(entry).href)) as NodeLlamaCpp;
  const logs: string[] = [];
  let cpuBuild: string | null = null;
  const llama = await mod.getLlama({
    gpu: options.gpu ?? false, build: 'never', skipDownload: true, progressLogs: false,
    ...(options.maxThreads !== undefined ? { maxThreads: options.maxThreads } : {}),
    logLevel: 'debug',
    logger: (level: string, message: string) => {
      cpuBuild ??= cpuBuildFromLog(message);
      if (level !== 'debug' && level !== 'log' && logs.length < 200) logs.push(message.trimEnd());
    },
  });
  return { llama, get cpuBuild() { return cpuBuild; }, logs };
}
