/**
 * A model served by llama.cpp (node-llama-cpp), with the face of the ONNX Runtime engine's
 * LoadedModel (info, provider, generate, complete, dispose), so that the engine process
 * (lib/engines/process-host.ts) hosts either. It runs in that process, one per model, like ORT.
 *
 * Same behaviour through both engines: slmlab's own tokenizer and chat template make the prompt
 * ids (the GGUF carries the same vocabulary), and slmlab's Sequence (lib/engine/sequence.ts)
 * handles end of sequence, stop strings, max tokens, streamed text, usage and timings. llama.cpp
 * runs the model and samples (greedy at temperature 0; its own sampler otherwise, with the
 * request's temperature, top-k, top-p and seed); each token it picks is handed to Sequence as a
 * one-hot distribution, which Sequence's sampler returns unchanged.
 *
 * Batching: one llama.cpp context with `maxBatch` sequences; node-llama-cpp evaluates the
 * sequences that have work in one batch (continuous batching). Further requests wait for a
 * free sequence (queueMs). Sequences are cleared when their request ends and each request lets
 * the event loop turn before its next token, so that a new prompt joins the next batch instead
 * of waiting for the running requests to end (sequence-pool.ts says why). Cancellation stops the
 * token loop and frees the sequence.
 */
import { AbortedError, SlmlabError } from '../../errors';
import { inspectModelFolder, type ModelFolder } from '../../engine/model-folder';
import { TextTokenizer } from '../../engine/tokenizer';
import { Sequence } from '../../engine/sequence';
import { DeltaStream } from '../../engine/delta-stream';
import type { GenerateOptions, GenerationStream } from '../../engine/engine';
import type { GenerateRequest, GenerationResult } from '../../engine/types';
import type { LoadedInfo } from '../../engine/host/protocol';
import { loadLlamaCpp, type LlamaContext, type LlamaContextSequence, type LlamaModel, type LoadedLlamaCpp } from './binding';
import { NODE_LLAMA_CPP_VERSION } from './pins';
import { SequencePool, yieldToDispatcher } from './sequence-pool';

/** Tokens each sequence may hold (prompt + completion); llama.cpp's KV cache is sized for this times maxBatch. */
export const LLAMA_CONTEXT_TOKENS = 4096;

/**
 * Threads for llama.cpp: the number asked for, else one fewer than the cores llama.cpp counts
 * (at least 1). ggml's threads spin at each barrier, so on a small machine a thread per core
 * competes with Node's own thread and every other process: on a 2-core machine under load,
 * 2 threads made a tiny model's decode steps take seconds, 1 thread milliseconds.
 */
export function llamaThreads(asked: number, cores: number): number {
  return asked > 0 ? asked : Math.max(1, cores - 1);
}

export interface LlamaLoadOptions {
  gguf: string;
  engineDir: string;
  threads: number;
  maxBatch: number;
}

export interface LlamaEngineInfo { name: 'llama.cpp'; version: string; cpuBuild: string | null; gguf: string; contextTokens: number }

export class LlamaCppModel {
  readonly provider = 'cpu' as const;
  readonly fellBackFrom = null;
  private readonly pool: SequencePool<LlamaContextSequence>;
  private active = 0;
  private disposed = false;

  private constructor(
    readonly dir: string,
    readonly info: LoadedInfo & { engine: LlamaEngineInfo },
    private readonly folder: ModelFolder,
    private readonly tokenizer: TextTokenizer,
    private readonly runtime: LoadedLlamaCpp,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    sequences: LlamaContextSequence[],
  ) { this.pool = new SequencePool(sequences); }

  static async load(dir: string, o: LlamaLoadOptions): Promise<LlamaCppModel> {
    const t0 = performance.now();
    const onnxFolder = inspectModelFolder(dir);
    const contextTokens = Math.min(onnxFolder.contextLength, LLAMA_CONTEXT_TOKENS);
    // Sequence checks prompt + max_tokens against the folder's context: here, what llama.cpp holds.
    const folder: ModelFolder = { ...onnxFolder, contextLength: contextTokens };
    const tokenizer = await TextTokenizer.fromFolder(folder.dir);
    const runtime = await loadLlamaCpp(o.engineDir);
    let model: LlamaModel | null = null;
    try {
      model = await runtime.llama.loadModel({ modelPath: o.gguf });
      const maxBatch = Math.max(1, o.maxBatch);
      // contextSize is per sequence: node-llama-cpp sizes llama.cpp's KV cache contextSize x sequences.
      const context = await model.createContext({
        contextSize: contextTokens, sequences: maxBatch, batchSize: 512,
        threads: llamaThreads(o.threads, runtime.llama.cpuMathCores),
      });
      const sequences = Array.from({ length: maxBatch }, () => context.getSequence());
      const info = {
        folder, provider: 'cpu' as const, inputNames: [], outputNames: [], layers: 0, loadMs: performance.now() - t0,
        templateSource: tokenizer.templateSource,
        batching: {
          requestedMaxBatch: o.maxBatch, maxBatch, check: null,
          // node-llama-cpp evaluates the prompts of sequences that have work in one batch; no chunking of ours.
          prefill: { batched: maxBatch > 1, chunk: 0, check: null },
        },
        // No ONNX graph to rewrite: llama.cpp computes the logits of the last prompt token only by itself.
        lastPositionLogits: false,
        prefillWeights: 'model' as const,
        engine: { name: 'llama.cpp' as const, version: NODE_LLAMA_CPP_VERSION, cpuBuild: runtime.cpuBuild, gguf: o.gguf, contextTokens },
      };
      return new LlamaCppModel(folder.dir, info, folder, tokenizer, runtime, model, context, sequences);
    } catch (e) {
      await model?.dispose().catch(() => undefined);
      await runtime.llama.dispose().catch(() => undefined);
      if (e instanceof SlmlabError) throw e;
      throw new SlmlabError('model_invalid', `llama.cpp could not load ${o.gguf} (${(e as Error).message}; ${runtime.logs.slice(-2).join(' | ')}): export it again with \`slmlab model export ${dir} --gguf\``, 422);
    }
  }

  get maxBatch(): number { return this.info.batching.maxBatch; }

  generate(request: GenerateRequest, opts: GenerateOptions = {}): GenerationStream {
    const stream = new DeltaStream();
    const result = this.run(request, opts, stream);
    result.then(() => stream.end(), (e: Error) => stream.fail(e));
    result.catch(() => undefined);
    return { result, [Symbol.asyncIterator]: () => stream[Symbol.asyncIterator]() };
  }

  complete(request: GenerateRequest, opts: GenerateOptions = {}): Promise<GenerationResult> {
    return this.generate(request, opts).result;
  }

  private async run(request: GenerateRequest, opts: GenerateOptions, stream: DeltaStream): Promise<GenerationResult> {
    if (this.disposed) throw new SlmlabError('invalid_request', 'this model was disposed: load it again');
    const signal = opts.signal;
    if (signal?.aborted) throw new AbortedError();
    const enqueued = performance.now();
    const lseq = await this.pool.acquire();
    this.active++;
    try {
      if (signal?.aborted) throw new AbortedError();
      const ctx = { tokenizer: this.tokenizer, folder: this.folder, provider: this.provider };
      const seq = new Sequence(ctx, request, { onDelta: (d) => stream.push(d), shouldAbort: () => signal?.aborted === true, queueMs: performance.now() - enqueued });
      const vocab = this.info.folder.vocabSize ?? 0;
      const oneHot = new Float32Array(Math.max(vocab, 1)).fill(-Infinity);
      const hot = (t: number): Float32Array => { oneHot.fill(-Infinity); oneHot[t] = 0; return oneHot; };
      const temperature = request.temperature ?? 0;
      const gen = lseq.evaluate(seq.ids, temperature > 0
        ? { temperature, ...(request.topK ? { topK: request.topK } : {}), ...(request.topP !== undefined ? { topP: request.topP } : {}), ...(request.seed !== undefined ? { seed: request.seed } : {}) }
        : { temperature: 0 });
      try {
        let r = await gen.next();
        if (r.done) throw new SlmlabError('engine_crashed', 'llama.cpp produced no token for the prompt', 500);
        seq.prefilled(hot(r.value));
        while (!seq.done) {
          await yieldToDispatcher();
          r = await gen.next();
          if (r.done) { seq.abort(); break; }
          seq.decoded(hot(r.value), this.active);
        }
      } finally {
        await gen.return(undefined);
      }
      return seq.finish();
    } finally {
      this.active--;
      this.pool.release(lseq);
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.close();
    await this.context.dispose().catch(() => undefined);
    await this.model.dispose().catch(() => undefined);
    await this.runtime.llama.dispose().catch(() => undefined);
  }
}
