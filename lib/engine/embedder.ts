/**
 * Sentence embeddings from an encoder model folder (Hugging Face Optimum layout: config.json +
 * onnx/model.onnx + tokenizer.json), as sentence-transformers computes them for
 * all-MiniLM-L6-v2: last_hidden_state, mean over the attended positions, L2-normalised.
 *
 *   const e = await Embedder.load(dir);
 *   const { vectors, tokens } = await e.embed(['a sentence', 'another']);
 *
 * One text per run (batch 1, no padding), so every vector is exactly the text's own. Runs
 * in the caller's thread: embedding requests are short (one encoder pass, no generation loop).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ContextLengthError, ModelInvalidError } from '../errors';
import { TextTokenizer } from './tokenizer';

export interface EmbedResult {
  /** One unit-length vector per input text. */
  vectors: number[][];
  /** Tokens read, summed over the texts (OpenAI's usage.prompt_tokens). */
  tokens: number;
}

/** True when `dir` holds an embedding model (config.json says so: slmlab.task, or a BERT-family model_type). */
export function isEmbeddingFolder(dir: string): boolean {
  try {
    const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { model_type?: string; slmlab?: { task?: string } };
    return c.slmlab?.task === 'embeddings' || ['bert', 'mpnet', 'xlm-roberta', 'nomic_bert'].includes(c.model_type ?? '');
  } catch {
    return false;
  }
}

export class Embedder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: TextTokenizer,
    readonly maxTokens: number,
    readonly dir: string,
  ) {}

  static async load(dir: string, opts: { threads?: number } = {}): Promise<Embedder> {
    const onnx = path.join(dir, 'onnx', 'model.onnx');
    const file = fs.existsSync(onnx) ? onnx : path.join(dir, 'model.onnx');
    let config: { max_position_embeddings?: number };
    try {
      config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as typeof config;
    } catch (e) {
      throw new ModelInvalidError(`'${dir}/config.json' cannot be read (${(e as Error).message}): an embedding model folder needs config.json, onnx/model.onnx and tokenizer.json`);
    }
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: opts.threads ?? 0 });
    for (const name of ['input_ids', 'attention_mask']) {
      if (!session.inputNames.includes(name)) throw new ModelInvalidError(`${file} has no ${name} input: it is not a BERT-style encoder (inputs: ${session.inputNames.join(', ')})`);
    }
    return new Embedder(session, await TextTokenizer.fromFolder(dir), config.max_position_embeddings ?? 512, dir);
  }

  async embed(texts: string[]): Promise<EmbedResult> {
    const vectors: number[][] = [];
    let tokens = 0;
    for (const text of texts) {
      const ids = this.tokenizer.encode(text);
      if (ids.length > this.maxTokens) throw new ContextLengthError(`the text is ${ids.length} tokens, more than this model's ${this.maxTokens}: shorten it or split it`);
      const S = Math.max(ids.length, 1);
      const idTensor = new ort.Tensor('int64', BigInt64Array.from(ids.length ? ids : [0], BigInt), [1, S]);
      const feeds: Record<string, ort.Tensor> = {
        input_ids: idTensor,
        attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(ids.length ? 1n : 0n), [1, S]),
      };
      if (this.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(S), [1, S]);
      const out = await this.session.run(feeds);
      const hidden = out[this.session.outputNames[0]];
      const [, , H] = hidden.dims; // [1, S, H]
      const data = hidden.data as Float32Array;
      const v = new Float64Array(H);
      for (let t = 0; t < ids.length; t++) for (let j = 0; j < H; j++) v[j] += data[t * H + j];
      let norm = 0;
      for (let j = 0; j < H; j++) { v[j] /= Math.max(ids.length, 1); norm += v[j] * v[j]; }
      norm = Math.sqrt(norm) || 1;
      vectors.push(Array.from(v, (x) => x / norm));
      tokens += ids.length;
    }
    return { vectors, tokens };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
