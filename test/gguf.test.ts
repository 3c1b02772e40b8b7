/**
 * GGUF export (lib/gguf): the tiny twin built with fp16 scales becomes Q4_0 blocks holding the
 * very same scales and 4-bit values as its MatMulNBits weights; fp32 scales are rounded with a
 * report (or refused with --exact); llama.cpp loads the file and generates (skipped with the
 * fix when the engine is not installed: tests never download it). llama- and phi3-shaped tiny
 * models export too (phi3: fused attn_qkv / ffn_up, block for block), and the phi-4-mini twin's
 * tokenizer gives llama.cpp the same ids as slmlab.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeModel } from '../lib/onnx/decode-model';
import { TensorBytesReader } from '../lib/onnx/tensor-bytes';
import { readGguf, readGgufTensor } from '../lib/onnx/gguf-reader';
import { GgmlType } from '../lib/onnx/gguf-writer';
import { exportGguf, readQ4_0Block } from '../lib/gguf';
import { findDecoderWeights, type Linear } from '../lib/gguf/onnx-weights';
import { readFloats } from '../lib/gguf/linear-tensor';
import { verifyInstall } from '../lib/engines/llama-cpp/install';
import { compareEngines } from '../lib/engines/compare-engines';
import { writeGguf, type GgufValue } from '../lib/onnx/gguf-writer';
import { tokenizerMetadata } from '../lib/gguf/tokenizer-metadata';
import { tokenizerFilesFor, writeTokenizerFiles } from '../lib/synth/tokenizer-files';
import { SHAPES } from '../lib/synth/shapes';
import { TextTokenizer } from '../lib/engine/tokenizer';
import { loadLlamaCpp } from '../lib/engines/llama-cpp/binding';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';
import { llamaCppForTests } from './helpers/llama-cpp';

let root: string;
before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

/** Every Q4_0 block of GGUF tensor `name` against rows [r0, r1) of the ONNX linear. */
function assertSameBlocks(reader: TensorBytesReader, lin: Linear, gguf: ReturnType<typeof readGguf>, name: string, r0: number, r1: number, ggufRow0?: number): number {
  assert.equal(lin.kind, 'nbits');
  if (lin.kind !== 'nbits') return 0;
  const t = gguf.tensors.find((x) => x.name === name);
  assert.ok(t, `${name} is in the GGUF`);
  assert.equal(t.type, GgmlType.Q4_0, `${name} is Q4_0`);
  // ggufRow0: the rows sit at this offset in a fused tensor (phi3's attn_qkv, ffn_up)
  if (ggufRow0 === undefined) assert.deepEqual(t.ne, [lin.K, r1 - r0]);
  else assert.ok(t.ne[0] === lin.K && t.ne[1] >= ggufRow0 + r1 - r0, `${name} holds rows ${ggufRow0}..${ggufRow0 + r1 - r0}`);
  const bytes = readGgufTensor(gguf, t);
  const kBlocks = lin.K / lin.blockSize;
  const rowBytes = kBlocks * lin.blockSize / 2;
  let blocks = 0;
  for (let r = r0; r < r1; r++) {
    const packed = reader.read(lin.weight, r * rowBytes, rowBytes);
    const scales = readFloats(reader, lin.scales, r * kBlocks, kBlocks);
    for (let g = 0; g < lin.K / 32; g++) {
      const { d, q } = readQ4_0Block(bytes, ((ggufRow0 ?? 0) + r - r0) * (lin.K / 32) + g);
      assert.equal(d, scales[Math.floor(g * 32 / lin.blockSize)], `${name} row ${r} block ${g}: scale`);
      for (let i = 0; i < 32; i++) {
        const k = g * 32 + i;
        const byte = packed[k >> 1];
        assert.equal(q[i], k & 1 ? byte >> 4 : byte & 15, `${name} row ${r} element ${k}`);
      }
      blocks++;
    }
  }
  return blocks;
}

test('the tiny twin with fp16 scales exports to Q4_0 with the very same scales and 4-bit values', async () => {
  const built = await buildTiny(root, 'tiny-s16', { precision: 'int4', scales: 'fp16' });
  const file = path.join(root, 'tiny.gguf');
  const report = exportGguf(built.dir, { out: file, exact: true });
  assert.equal(report.exact, true, report.changes.join('; '));
  const g = readGguf(file);
  assert.equal(g.version, 3);
  assert.equal(g.metadata.get('general.architecture'), 'qwen2');
  assert.equal(g.metadata.get('tokenizer.ggml.pre'), 'qwen2');
  assert.equal((g.metadata.get('tokenizer.ggml.tokens') as string[]).length, 259);
  assert.equal(g.metadata.get('tokenizer.ggml.eos_token_id'), 258);
  assert.match(String(g.metadata.get('tokenizer.chat_template')), /<\|im_start\|>/);
  assert.equal(g.metadata.get('qwen2.attention.head_count_kv'), 2);

  const graph = decodeModel(fs.readFileSync(path.join(built.dir, 'model.onnx'))).graph;
  const w = findDecoderWeights(graph);
  const reader = new TensorBytesReader(built.dir);
  try {
    let blocks = 0;
    const qRows = 4 * 16;
    const kvRows = 2 * 16;
    w.layers.forEach((l, i) => {
      blocks += assertSameBlocks(reader, l.qkv!, g, `blk.${i}.attn_q.weight`, 0, qRows);
      blocks += assertSameBlocks(reader, l.qkv!, g, `blk.${i}.attn_k.weight`, qRows, qRows + kvRows);
      blocks += assertSameBlocks(reader, l.qkv!, g, `blk.${i}.attn_v.weight`, qRows + kvRows, qRows + 2 * kvRows);
      blocks += assertSameBlocks(reader, l.o, g, `blk.${i}.attn_output.weight`, 0, l.o.N);
      blocks += assertSameBlocks(reader, l.gate, g, `blk.${i}.ffn_gate.weight`, 0, l.gate.N);
      blocks += assertSameBlocks(reader, l.up, g, `blk.${i}.ffn_up.weight`, 0, l.up.N);
      blocks += assertSameBlocks(reader, l.down, g, `blk.${i}.ffn_down.weight`, 0, l.down.N);
    });
    blocks += assertSameBlocks(reader, w.lmHead, g, 'output.weight', 0, w.lmHead.N);
    const quantBlocks = report.conversions.filter((c) => c.to === 'Q4_0').reduce((a, c) => a + c.stats.blocks, 0);
    assert.equal(blocks, quantBlocks, 'every Q4_0 block was compared');
    // the float embedding and the qkv bias are carried as they are
    const embed = g.tensors.find((t) => t.name === 'token_embd.weight')!;
    assert.equal(embed.type, GgmlType.F32);
    assert.deepEqual(readGgufTensor(g, embed), Buffer.from(reader.read(w.embedding!)));
    const bias = readGgufTensor(g, g.tensors.find((t) => t.name === 'blk.1.attn_k.bias')!);
    assert.deepEqual(bias, Buffer.from(reader.read(w.layers[1].qkvBias!, qRows * 4, kvRows * 4)));
  } finally {
    reader.close();
  }
});

test('fp32 scales are rounded to fp16 with a report, or refused with exact', async () => {
  const built = await buildTiny(root, 'tiny-s32', { precision: 'int4' });
  assert.throws(() => exportGguf(built.dir, { out: path.join(root, 'refused.gguf'), exact: true }), /not fp16 numbers.*--scales fp16/);
  assert.equal(fs.existsSync(path.join(root, 'refused.gguf')), false, 'a refused export leaves no file');
  const report = exportGguf(built.dir, { out: path.join(root, 'rounded.gguf') });
  assert.equal(report.exact, false);
  const line = report.changes.find((c) => /rounded to fp16/.test(c));
  assert.ok(line, report.changes.join('; '));
  const maxRel = Math.max(...report.conversions.map((c) => c.stats.maxRelativeChange));
  assert.ok(maxRel > 0 && maxRel <= 2 ** -11, `fp16 rounding changes a scale by at most 2^-11 relative, got ${maxRel}`);
});

test('llama.cpp loads the exported tiny GGUF and generates', { skip: llamaCppForTests().skip }, async () => {
  const file = path.join(root, 'tiny.gguf');
  if (!fs.existsSync(file)) exportGguf((await buildTiny(root, 'tiny-s16b', { precision: 'int4', scales: 'fp16' })).dir, { out: file });
  const v = verifyInstall(llamaCppForTests().dir, file);
  assert.equal(v.tokens.length, 4);
  for (const t of v.tokens) assert.ok(Number.isInteger(t) && t >= 0 && t < 259, `token ${t} is in the tiny vocabulary`);
});

/**
 * Bound: on the tiny twin with fp16 scales, ONNX Runtime vs llama.cpp on the exported GGUF
 * measured KL mean 6.0e-7, max 1.9e-6, top-1 agreement 99.4 % (179 positions, zen4 build);
 * the same ONNX model against a GGUF of other weights (seed 1) gave KL mean 0.024 and top-1 0 %.
 * 1e-4 sits two orders of magnitude above the engines' arithmetic (int8 activations, summation
 * order, fp16 KV cache) and two below a change of weights; random weights make the distributions
 * nearly flat (perplexity ≈ 265 of 259 ids), so top-1 may flip on near ties: 90 % leaves room.
 */
test('the two engines agree on the same weights: KL below 1e-4, top-1 at least 90 %', { skip: llamaCppForTests().skip }, async () => {
  const built = await buildTiny(root, 'tiny-s16c', { precision: 'int4', scales: 'fp16' });
  const file = path.join(root, 'compare.gguf');
  exportGguf(built.dir, { out: file, exact: true });
  const r = await compareEngines(built.dir, file, { windowTokens: 48, maxWindows: 2 });
  assert.ok(r.summary.positions >= 40, `${r.summary.positions} positions`);
  assert.ok(r.summary.klMean < 1e-4, `KL mean ${r.summary.klMean}`);
  assert.ok(r.summary.klMax < 1e-3, `KL max ${r.summary.klMax}`);
  assert.ok(r.summary.top1Agreement >= 0.9, `top-1 ${r.summary.top1Agreement}`);
});

test('a llama-shaped model exports too: Q/K rows reordered for llama.cpp\'s RoPE, Llama 3 factors as rope_freqs', { skip: llamaCppForTests().skip }, async () => {
  // tiny's dimensions in Llama's architecture (no biases, Llama 3 rope scaling); slmlab's byte tokenizer
  const shape = {
    name: 'tiny-llama', twinOf: null, modelType: 'llama' as const, layers: 2, hidden: 64, heads: 4, kvHeads: 2, headSize: 16, ffn: 128, vocab: 259, context: 512,
    rmsEps: 1e-5, rope: { theta: 500000, partialFactor: 1, llama3: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 } },
    qkvBias: false, tiedEmbeddings: false, tokenizer: 'byte' as const, differences: [],
  };
  const built = await buildTiny(root, 'tiny-llama', { shape, precision: 'int4', scales: 'fp16' });
  const file = path.join(root, 'llama.gguf');
  const report = exportGguf(built.dir, { out: file, exact: true });
  const g = readGguf(file);
  assert.equal(g.metadata.get('general.architecture'), 'llama');
  assert.ok(g.tensors.some((t) => t.name === 'rope_freqs.weight'), 'Llama 3 scaling is carried');
  assert.equal(report.exact, true);
  const r = await compareEngines(built.dir, file, { windowTokens: 48, maxWindows: 2 });
  // Measured: KL mean 6.4e-7 with the reordering, 1.6e-6 without it. Random tiny weights keep
  // attention nearly uniform, so this bound checks the export as a whole, not the row order itself.
  assert.ok(r.summary.klMean < 1e-4, `KL mean ${r.summary.klMean}`);
  assert.ok(r.summary.top1Agreement >= 0.9, `top-1 ${r.summary.top1Agreement}`);
});

/**
 * Phi-3's layout in llama.cpp (src/models/phi3.cpp): one attn_qkv (q, k, v rows stacked), one
 * ffn_up (gate rows, then up rows), rotate-half RoPE over partial rotary dimensions. The shape is
 * phi-4-mini's proportions at tiny size (head 64 with a 0.75 partial rotary factor, as
 * GroupQueryAttention needs rotary_dim / 2 to be a multiple of 8; heads x head = hidden, as
 * llama.cpp's phi3 needs) with slmlab's byte tokenizer.
 */
const tinyPhi3 = {
  name: 'tiny-phi3', twinOf: null, modelType: 'phi3' as const, layers: 2, hidden: 128, heads: 2, kvHeads: 1, headSize: 64, ffn: 256, vocab: 259, context: 512,
  rmsEps: 1e-5, rope: { theta: 10000, partialFactor: 0.75 }, qkvBias: false, tiedEmbeddings: false, tokenizer: 'byte' as const, differences: [],
};

test('a phi3-shaped model exports with fused attn_qkv and ffn_up holding the very same blocks', async () => {
  const built = await buildTiny(root, 'tiny-phi3', { shape: tinyPhi3, precision: 'int4', scales: 'fp16' });
  const file = path.join(root, 'phi3.gguf');
  const report = exportGguf(built.dir, { out: file, exact: true });
  assert.equal(report.exact, true);
  const g = readGguf(file);
  assert.equal(g.metadata.get('general.architecture'), 'phi3');
  assert.equal(g.metadata.get('phi3.rope.dimension_count'), 48, 'partial rotary: 0.75 of 64');
  assert.equal(g.tensors.some((t) => /ffn_gate|attn_q\.|attn_k\.|attn_v\./.test(t.name)), false, 'no separate q/k/v or gate tensors');
  const graph = decodeModel(fs.readFileSync(path.join(built.dir, 'model.onnx'))).graph;
  const w = findDecoderWeights(graph);
  const reader = new TensorBytesReader(built.dir);
  try {
    let blocks = 0;
    w.layers.forEach((l, i) => {
      const qkvRows = (tinyPhi3.heads + 2 * tinyPhi3.kvHeads) * tinyPhi3.headSize;
      if (l.qkv) blocks += assertSameBlocks(reader, l.qkv, g, `blk.${i}.attn_qkv.weight`, 0, qkvRows);
      else {
        blocks += assertSameBlocks(reader, l.q!, g, `blk.${i}.attn_qkv.weight`, 0, l.q!.N, 0);
        blocks += assertSameBlocks(reader, l.k!, g, `blk.${i}.attn_qkv.weight`, 0, l.k!.N, l.q!.N);
        blocks += assertSameBlocks(reader, l.v!, g, `blk.${i}.attn_qkv.weight`, 0, l.v!.N, l.q!.N + l.k!.N);
      }
      assert.deepEqual(g.tensors.find((t) => t.name === `blk.${i}.attn_qkv.weight`)?.ne, [tinyPhi3.hidden, qkvRows]);
      assert.deepEqual(g.tensors.find((t) => t.name === `blk.${i}.ffn_up.weight`)?.ne, [tinyPhi3.hidden, 2 * tinyPhi3.ffn]);
      blocks += assertSameBlocks(reader, l.gate, g, `blk.${i}.ffn_up.weight`, 0, tinyPhi3.ffn, 0);
      blocks += assertSameBlocks(reader, l.up, g, `blk.${i}.ffn_up.weight`, 0, tinyPhi3.ffn, tinyPhi3.ffn);
      blocks += assertSameBlocks(reader, l.o, g, `blk.${i}.attn_output.weight`, 0, l.o.N);
      blocks += assertSameBlocks(reader, l.down, g, `blk.${i}.ffn_down.weight`, 0, l.down.N);
    });
    assert.ok(blocks > 0);
  } finally {
    reader.close();
  }

  // LongRoPE cannot be carried exactly: refused with the reason, and no file is left.
  const cfgFile = path.join(built.dir, 'config.json');
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, rope_scaling: { type: 'longrope', long_factor: [1], short_factor: [1], original_max_position_embeddings: 64 } }));
  try {
    assert.throws(() => exportGguf(built.dir, { out: path.join(root, 'phi3-long.gguf') }), /rope_scaling 'longrope' is refused/);
    assert.equal(fs.existsSync(path.join(root, 'phi3-long.gguf')), false);
  } finally {
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  }
});

test('llama.cpp runs the phi3 export and agrees with ONNX Runtime under the qwen2/llama bound', { skip: llamaCppForTests().skip }, async () => {
  const file = path.join(root, 'phi3.gguf');
  const dir = path.join(root, 'tiny-phi3');
  if (!fs.existsSync(file)) exportGguf((await buildTiny(root, 'tiny-phi3', { shape: tinyPhi3, precision: 'int4', scales: 'fp16' })).dir, { out: file, exact: true });
  const v = verifyInstall(llamaCppForTests().dir, file);
  assert.equal(v.tokens.length, 4);
  const r = await compareEngines(dir, file, { windowTokens: 48, maxWindows: 2 });
  assert.ok(r.summary.positions >= 40, `${r.summary.positions} positions`);
  assert.ok(r.summary.klMean < 1e-4, `KL mean ${r.summary.klMean}`);
  assert.ok(r.summary.klMax < 1e-3, `KL max ${r.summary.klMax}`);
  assert.ok(r.summary.top1Agreement >= 0.9, `top-1 ${r.summary.top1Agreement}`);
});

/**
 * The catalog's phi3 twin (phi-4-mini) carries slmlab's phi4 tokenizer: o200k byte-level BPE with
 * Phi's chat tokens (lib/synth/tokenizer-files.ts), so the GGUF says gpt2 with the gpt-4o
 * pre-tokenizer. Checked on the vocabulary alone (a GGUF with the tokenizer and phi-4-mini's
 * hyperparameters, loaded vocab-only): building the 3.8B twin is not a unit test.
 */
test('the phi-4-mini twin\'s tokenizer tokenises alike in slmlab and llama.cpp', { skip: llamaCppForTests().skip }, async () => {
  const dir = path.join(root, 'phi4-tokenizer');
  await writeTokenizerFiles(dir, tokenizerFilesFor('phi4'));
  const s = SHAPES['phi-4-mini'];
  const tok = tokenizerMetadata(dir, s.vocab, 'gpt-4o');
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const meta = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'phi3' }],
    ['general.name', { type: 'string', value: 'phi-4-mini tokenizer' }],
    ['phi3.context_length', u32(s.context)], ['phi3.embedding_length', u32(s.hidden)], ['phi3.feed_forward_length', u32(s.ffn)],
    ['phi3.block_count', u32(s.layers)], ['phi3.attention.head_count', u32(s.heads)], ['phi3.attention.head_count_kv', u32(s.kvHeads)],
    ['phi3.rope.dimension_count', u32(Math.floor(s.headSize * s.rope.partialFactor))],
    ['phi3.attention.layer_norm_rms_epsilon', { type: 'f32', value: s.rmsEps }],
    ...tok.entries,
  ]);
  const file = path.join(root, 'phi4-vocab.gguf');
  writeGguf(file, meta, []);
  assert.match(String(readGguf(file).metadata.get('tokenizer.chat_template')), /<\|assistant\|>/, 'the chat template is carried');
  const ours = await TextTokenizer.fromFolder(dir);
  const rt = await loadLlamaCpp(llamaCppForTests().dir);
  try {
    const model = await (rt.llama.loadModel as (o: { modelPath: string; vocabOnly: boolean }) => ReturnType<typeof rt.llama.loadModel>)({ modelPath: file, vocabOnly: true });
    const prompts = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'data', 'prompts', 'workshop.json'), 'utf8')) as { prompts: { messages: { role: 'user' | 'system' | 'assistant'; content: string }[] }[] }).prompts;
    const texts = [
      ...prompts.map((p) => ours.renderChat(p.messages)),
      "Don't   split  these:  it's 1234567 tokens,\n\ttabs\r\n and    spaces   ",
      'Ünïcödé — naïve café, 日本語のテキスト, emoji 🦙🔥, Ελληνικά, русский',
      '<|user|>special tokens inline<|end|><|assistant|> and after',
      'code: for (let i = 0; i < 10; i++) { x += arr[i] ** 2; } // done',
    ];
    let compared = 0;
    for (const text of texts) {
      assert.deepEqual(model.tokenize(text, true), ours.encode(text), `same ids for ${JSON.stringify(text.slice(0, 60))}`);
      compared++;
    }
    assert.equal(compared, texts.length);
    await model.dispose();
  } finally {
    await rt.llama.dispose();
  }
});
