/**
 * Synthetic embedding models: a BERT-style encoder (the architecture of sentence-transformers'
 * all-MiniLM-L6-v2) with seeded random weights, in the Hugging Face Optimum layout
 * (config.json + onnx/model.onnx + tokenizer files), as `optimum-cli export onnx` writes it:
 *
 *   input_ids, attention_mask, token_type_ids [B, S] (int64)
 *   h = LayerNorm(Gather(word, ids) + Gather(pos, 0..S-1) + Gather(type, token_type_ids))   [B, S, H]
 *   per layer:
 *     q, k, v = h Wq + bq, h Wk + bk, h Wv + bv -> [B, nh, S, hs]
 *     a = softmax(q k^T / sqrt(hs) + (1 - mask) * -10000) v -> [B, S, H]
 *     h = LayerNorm(h + a Wo + bo)
 *     h = LayerNorm(h + Gelu(h W1 + b1) W2 + b2)
 *   last_hidden_state = h                                                                     [B, S, H]
 *
 * Sentence embeddings are the mask-weighted mean of last_hidden_state, L2-normalised
 * (lib/engine/embedder.ts), as sentence-transformers' Pooling + Normalize modules compute them.
 * The twins use slmlab's byte tokenizer (the real model's WordPiece vocabulary is not
 * shipped), so token counts differ from the real model's; the compute per token is the same.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuildError } from '../errors';
import { encodeModel } from '../onnx/encode-model';
import { DataType, type TensorRecord } from '../onnx/records';
import { GraphBuilder } from './graph-builder';
import { byteFiles } from './byte-tokenizer';
import { writeTokenizerFiles } from './tokenizer-files';
import { fillRow, tensorKey } from './weights';

export interface EncoderShape {
  name: string;
  twinOf: string | null;
  vocab: number;
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
  maxPositions: number;
  typeVocab: number;
  eps: number;
}

export const ENCODER_SHAPES: Readonly<Record<string, EncoderShape>> = Object.freeze({
  // sentence-transformers/all-MiniLM-L6-v2 (config.json: BertModel, 6 layers, 384 hidden, 12 heads, 1536 intermediate).
  'all-minilm-l6-v2': { name: 'all-minilm-l6-v2', twinOf: 'sentence-transformers/all-MiniLM-L6-v2', vocab: 30522, hidden: 384, layers: 6, heads: 12, ffn: 1536, maxPositions: 512, typeVocab: 2, eps: 1e-12 },
  // For tests: the byte tokenizer's 259 ids, two small layers.
  'tiny-embed': { name: 'tiny-embed', twinOf: null, vocab: 259, hidden: 32, layers: 2, heads: 2, ffn: 64, maxPositions: 128, typeVocab: 2, eps: 1e-12 },
});

export interface BuildEncoderOptions { shape: string; out: string; seed?: number }
export interface BuiltEncoder { dir: string; shape: EncoderShape; bytes: number }

function floatTensor(name: string, dims: number[], values: Float32Array): TensorRecord {
  return { name, dataType: DataType.FLOAT, dims, raw: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function int64Tensor(name: string, values: number[]): TensorRecord {
  return { name, dataType: DataType.INT64, dims: [values.length], raw: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer) };
}

/** A seeded [rows, cols] matrix: row r is fillRow of the logical weight, so values depend on (seed, name) only. */
function matrix(seed: number, name: string, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const key = tensorKey(seed, name);
  for (let r = 0; r < rows; r++) fillRow(out.subarray(r * cols, (r + 1) * cols), key, r, cols);
  return out;
}

const filled = (n: number, v: number) => new Float32Array(n).fill(v);

export function encoderGraph(s: EncoderShape, seed: number) {
  const b = new GraphBuilder('main_graph');
  const H = s.hidden;
  const hs = H / s.heads;
  const init = (name: string, dims: number[], values: Float32Array) => b.initializer(floatTensor(name, dims, values));
  const weight = (name: string, K: number, N: number) => init(name, [K, N], matrix(seed, name, K, N)); // MatMul's [K, N]
  const zeros = (name: string, n: number) => init(name, [n], filled(n, 0));
  const ones = (name: string, n: number) => init(name, [n], filled(n, 1));
  const ints = (name: string, v: number[]) => b.initializer(int64Tensor(name, v));

  const ids = b.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const mask = b.input('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']);
  const types = b.input('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']);

  // Embeddings [B, S, H]
  const word = b.op('Gather', '/embeddings/word_embeddings/Gather', [weight('embeddings.word_embeddings.weight', s.vocab, H), ids]);
  // positions 0 .. S-1: Range over 0-d int64 tensors (S = Shape(input_ids)[1], gathered with a scalar index)
  const scalar = (name: string, v: number) => b.initializer({ ...int64Tensor(name, [v]), dims: [] });
  const seqLen = b.op('Gather', '/embeddings/seq_len', [b.op('Shape', '/embeddings/Shape', [ids]), scalar('const_1_scalar', 1)], { axis: 0 });
  const positions = b.op('Range', '/embeddings/Range', [scalar('const_0_scalar', 0), seqLen, scalar('const_step_scalar', 1)]);
  const pos = b.op('Gather', '/embeddings/position_embeddings/Gather', [weight('embeddings.position_embeddings.weight', s.maxPositions, H), positions]);
  const type = b.op('Gather', '/embeddings/token_type_embeddings/Gather', [weight('embeddings.token_type_embeddings.weight', s.typeVocab, H), types]);
  const sum = b.op('Add', '/embeddings/Add_1', [b.op('Add', '/embeddings/Add', [word, type]), pos]);
  const layerNorm = (name: string, x: string, prefix: string) =>
    b.op('LayerNormalization', name, [x, ones(`${prefix}.weight`, H), zeros(`${prefix}.bias`, H)], { axis: -1, epsilon: s.eps });
  let h = layerNorm('/embeddings/LayerNorm', sum, 'embeddings.LayerNorm');

  // Additive mask [B, 1, 1, S]: 0 where attended, -10000 where padded.
  const maskF = b.op('Cast', '/mask/Cast', [mask], { to: DataType.FLOAT });
  const inverted = b.op('Sub', '/mask/Sub', [init('const_one_f', [], filled(1, 1)), maskF]);
  const bias = b.op('Unsqueeze', '/mask/Unsqueeze', [b.op('Mul', '/mask/Mul', [inverted, init('const_neg_f', [], filled(1, -10000))]), ints('const_axes12', [1, 2])]);
  const headShape = ints('const_head_shape', [0, 0, s.heads, hs]);
  const flatShape = ints('const_flat_shape', [0, 0, H]);
  const scale = init('const_scale', [], filled(1, 1 / Math.sqrt(hs)));

  for (let l = 0; l < s.layers; l++) {
    const p = `encoder.layer.${l}`;
    const n = `/encoder/layer.${l}`;
    const dense = (name: string, x: string, K: number, N: number, w: string) =>
      b.op('Add', `${n}/${name}/Add`, [b.op('MatMul', `${n}/${name}/MatMul`, [x, weight(`${w}.weight`, K, N)]), zeros(`${w}.bias`, N)]);
    const heads = (name: string, perm: number[]) =>
      b.op('Transpose', `${n}/attention/${name}/Transpose`, [b.op('Reshape', `${n}/attention/${name}/Reshape`, [dense(`attention/${name}`, h, H, H, `${p}.attention.self.${name}`), headShape])], { perm });
    const q = heads('query', [0, 2, 1, 3]); // [B, nh, S, hs]
    const k = heads('key', [0, 2, 3, 1]); // [B, nh, hs, S]
    const v = heads('value', [0, 2, 1, 3]);
    const scores = b.op('Add', `${n}/attention/Add`, [b.op('Mul', `${n}/attention/Mul`, [b.op('MatMul', `${n}/attention/MatMul`, [q, k]), scale]), bias]);
    const probs = b.op('Softmax', `${n}/attention/Softmax`, [scores], { axis: -1 });
    const ctx = b.op('Reshape', `${n}/attention/ctx/Reshape`, [b.op('Transpose', `${n}/attention/ctx/Transpose`, [b.op('MatMul', `${n}/attention/MatMul_1`, [probs, v])], { perm: [0, 2, 1, 3] }), flatShape]);
    const attnOut = dense('attention/output', ctx, H, H, `${p}.attention.output.dense`);
    h = layerNorm(`${n}/attention/output/LayerNorm`, b.op('Add', `${n}/attention/output/Residual`, [attnOut, h]), `${p}.attention.output.LayerNorm`);
    const up = b.op('Gelu', `${n}/intermediate/Gelu`, [dense('intermediate', h, H, s.ffn, `${p}.intermediate.dense`)]);
    const down = dense('output', up, s.ffn, H, `${p}.output.dense`);
    h = layerNorm(`${n}/output/LayerNorm`, b.op('Add', `${n}/output/Residual`, [down, h]), `${p}.output.LayerNorm`);
  }
  b.node('Identity', '/output/Identity', [h], { outputs: ['last_hidden_state'] });
  b.output('last_hidden_state', DataType.FLOAT, ['batch_size', 'sequence_length', H]);
  return b.graph();
}

/** Builds an embedding twin into `out` (replacing nothing: the folder must not hold a model yet). */
export async function buildEncoderModel(o: BuildEncoderOptions): Promise<BuiltEncoder> {
  const shape = ENCODER_SHAPES[o.shape];
  if (!shape) throw new BuildError(`unknown embedding shape '${o.shape}': use one of ${Object.keys(ENCODER_SHAPES).join(', ')}`);
  if (shape.hidden % shape.heads !== 0) throw new BuildError(`shape '${o.shape}': hidden ${shape.hidden} is not a multiple of heads ${shape.heads}`);
  const seed = o.seed ?? 0;
  const dir = path.resolve(o.out);
  if (fs.existsSync(path.join(dir, 'onnx', 'model.onnx'))) throw new BuildError(`${dir} already holds a model: choose another --out, or remove it first`);
  const bytes = encodeModel({
    irVersion: 10, opsets: [{ domain: '', version: 21 }], producerName: 'slmlab', producerVersion: '1', metadata: {},
    graph: encoderGraph(shape, seed),
  });
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), bytes);
  await writeTokenizerFiles(dir, byteFiles());
  const config = {
    architectures: ['BertModel'], model_type: 'bert', vocab_size: shape.vocab, hidden_size: shape.hidden,
    num_hidden_layers: shape.layers, num_attention_heads: shape.heads, intermediate_size: shape.ffn,
    max_position_embeddings: shape.maxPositions, type_vocab_size: shape.typeVocab, layer_norm_eps: shape.eps, hidden_act: 'gelu',
    slmlab: { synthetic: true, shape: shape.name, twinOf: shape.twinOf, seed, task: 'embeddings', pooling: 'mean', normalize: true },
  };
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  // Foundry Local's custom-model marker: the cache lists the folder under this name (lib/cache/model-scan.ts).
  fs.writeFileSync(path.join(dir, 'inference_model.json'), JSON.stringify({ Name: shape.name }, null, 2) + '\n');
  return { dir, shape, bytes: bytes.length };
}
