/**
 * llama.cpp beside the engine in bench-batching: node-llama-cpp loaded from an install folder
 * (`slmlab engines add llama.cpp` puts one in <cache>/engines/llama.cpp; any folder holding
 * node_modules/node-llama-cpp works), a GGUF of the same weights, direct calls without HTTP.
 *
 * The token ids are the ones the slmlab service sees (the chat template applied by our
 * tokenizer), fed to llama.cpp as they are, so both engines prefill the same prompt and decode
 * greedily on the same weights. Streams are sequences of one context, evaluated together
 * (llama.cpp batches concurrent sequences in one decode).
 *
 * node-llama-cpp is ESM-only; it is imported by absolute path at run time, so the project does
 * not depend on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir } from '../../lib/cache/location';
import { envValue } from '../../lib/environment';

/* Only the parts of node-llama-cpp's API used here (its own types live in its package). */
interface LlamaSequence {
  evaluate(tokens: number[], options?: { temperature?: number }): AsyncGenerator<number, void, void>;
  clearHistory(): Promise<void>;
  dispose(): void;
}
interface LlamaContext { getSequence(): LlamaSequence; dispose(): Promise<void> }
interface LlamaModel { createContext(o: { sequences: number; contextSize: number; threads: number; batchSize?: number }): Promise<LlamaContext>; dispose(): Promise<void> }
interface Llama { loadModel(o: { modelPath: string }): Promise<LlamaModel>; dispose(): Promise<void>; cpuMathCores?: number }

export interface LlamaRun { ttftMs: number; decodeMs: number[]; completionTokens: number; wallMs: number }

/** The default install folder, as issue 23's `slmlab engines add llama.cpp` lays it out. */
export function defaultLlamaCppDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = envValue('SLMLAB_ENGINES_DIR', env);
  const engines = own ? path.resolve(own) : path.join(cacheDir(env), 'engines');
  return path.join(engines, 'llama.cpp');
}

export function llamaCppEntry(dir: string): string {
  return path.join(dir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
}

export class LlamaCppBench {
  private constructor(private readonly llama: Llama, private readonly model: LlamaModel, private readonly threads: number, readonly version: string) {}

  /** Loads the GGUF on CPU with prebuilt binaries only (no build, no download). */
  static async open(dir: string, gguf: string, threads: number): Promise<LlamaCppBench> {
    const entry = llamaCppEntry(dir);
    if (!fs.existsSync(entry)) throw new Error(`no node-llama-cpp in ${dir}: install it with \`slmlab engines add llama.cpp\` or pass --llama-cpp <dir>`);
    if (!fs.existsSync(gguf)) throw new Error(`no GGUF at ${gguf}: export one with \`slmlab model export <twin> --gguf\` or pass --gguf <file>`);
    // A real dynamic import (tsc would turn `import()` into require(), which cannot load ESM).
    const load = new Function('u', 'return import(u)') as (u: string) => Promise<{ getLlama: (o: object) => Promise<Llama> }>;
    const mod = await load(pathToFileURL(entry).href);
    const llama = await mod.getLlama({ gpu: false, build: 'never', skipDownload: true, logLevel: 'error' });
    const model = await llama.loadModel({ modelPath: gguf });
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string };
    return new LlamaCppBench(llama, model, threads, pkg.version);
  }

  /** `streams` sequences at once, each running `requests` generations of `tokens` tokens one after another (closed loop). */
  async streams(prompts: number[][], streams: number, requests: number, tokens: number): Promise<{ wallMs: number; runs: LlamaRun[] }> {
    const longest = Math.max(...prompts.map((p) => p.length));
    // contextSize is per sequence (node-llama-cpp sizes the KV cache contextSize x sequences).
    const ctx = await this.model.createContext({ sequences: streams, contextSize: longest + tokens + 8, threads: this.threads, batchSize: Math.max(512, streams * longest) });
    try {
      const seqs = Array.from({ length: streams }, () => ctx.getSequence());
      const t0 = performance.now();
      const per = await Promise.all(seqs.map(async (seq, s) => {
        const out: LlamaRun[] = [];
        for (let k = 0; k < requests; k++) {
          await seq.clearHistory();
          out.push(await generate(seq, prompts[(s * requests + k) % prompts.length], tokens));
        }
        return out;
      }));
      return { wallMs: performance.now() - t0, runs: per.flat() };
    } finally {
      await ctx.dispose();
    }
  }

  async close(): Promise<void> {
    await this.model.dispose();
    await this.llama.dispose();
  }
}

async function generate(seq: LlamaSequence, prompt: number[], tokens: number): Promise<LlamaRun> {
  const t0 = performance.now();
  let last = t0;
  let ttftMs = NaN;
  const decodeMs: number[] = [];
  let n = 0;
  for await (const _ of seq.evaluate(prompt, { temperature: 0 })) {
    const now = performance.now();
    if (n === 0) ttftMs = now - t0; else decodeMs.push(now - last);
    last = now;
    if (++n >= tokens) break;
  }
  return { ttftMs, decodeMs, completionTokens: n, wallMs: performance.now() - t0 };
}
