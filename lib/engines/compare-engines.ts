/**
 * `slmlab model compare <onnx> <gguf>`: the same token windows teacher-forced through ONNX
 * Runtime (DecoderSession.allLogits) and llama.cpp (teacher-forced.ts), and the two engines'
 * next-token distributions compared at every position with the quantisation fidelity measures
 * (lib/quantize/fidelity.ts: KL(ORT || llama.cpp), top-1 agreement, top-5 overlap). On a GGUF
 * exported from the same weights what differs is the engines' arithmetic: activation
 * quantisation (ORT's accuracy level 4 and llama.cpp's Q8_0 activations for Q4_0 dot products),
 * summation order, and llama.cpp's fp16 KV cache.
 */
import * as path from 'node:path';
import { DecoderSession } from '../engine/decoder-session';
import { inspectModelFolder } from '../engine/model-folder';
import { TextTokenizer } from '../engine/tokenizer';
import { compareWindow, summarizeFidelity, type FidelitySummary, type PositionStats } from '../quantize/fidelity';
import { defaultTexts } from '../quantize/texts';
import { InvalidRequestError } from '../errors';
import { llamaCppStatus } from './status';
import { llamaCppDir } from './llama-cpp/location';
import { llamaTeacherForcedLogits } from './llama-cpp/teacher-forced';
import { ProviderUnavailableError } from '../errors';

export interface EngineCompareOptions {
  texts?: string[];
  /** Tokens per teacher-forced window (default 64). */
  windowTokens?: number;
  /** Windows at most (default 4). */
  maxWindows?: number;
  threads?: number;
}

export interface EngineComparison {
  onnx: string;
  gguf: string;
  windows: number;
  summary: FidelitySummary;
  cpuBuild: string | null;
  positions: PositionStats[];
}

export async function compareEngines(onnxDir: string, gguf: string, o: EngineCompareOptions = {}): Promise<EngineComparison> {
  const status = llamaCppStatus();
  if (!status.usable) throw new ProviderUnavailableError('llama.cpp', `${status.reason}: ${status.fix}`);
  const folder = inspectModelFolder(onnxDir);
  const tok = await TextTokenizer.fromFolder(folder.dir);
  const window = o.windowTokens ?? 64;
  const texts = o.texts ?? defaultTexts();
  const windows: number[][] = [];
  for (const t of texts) {
    const ids = tok.encode(t, { addSpecialTokens: false });
    for (let i = 0; i + 2 <= ids.length && windows.length < (o.maxWindows ?? 4); i += window) windows.push(ids.slice(i, i + window));
    if (windows.length >= (o.maxWindows ?? 4)) break;
  }
  if (!windows.length) throw new InvalidRequestError('the texts encode to no window of two tokens or more: give longer texts', 'texts');
  const session = await DecoderSession.create(folder.onnxPath, { provider: 'cpu', threads: o.threads ?? 1 });
  const V = folder.vocabSize ?? 0;
  const ort: Float32Array[] = [];
  try {
    for (const w of windows) ort.push((await session.allLogits(w)).data.slice());
  } finally {
    await session.release?.();
  }
  const llama = await llamaTeacherForcedLogits(llamaCppDir(), path.resolve(gguf), windows, V, o.threads ?? 1);
  const positions = windows.flatMap((w, i) => compareWindow(ort[i], llama[i].logits, V, w));
  return { onnx: folder.onnxPath, gguf: path.resolve(gguf), windows: windows.length, summary: summarizeFidelity(positions), cpuBuild: llama[0]?.cpuBuild ?? null, positions };
}
