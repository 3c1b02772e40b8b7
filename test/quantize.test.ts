/**
 * `slmlab model quantize` / `model compare` on real models built by synth/: the quantised
 * graphs load and decode, their MatMulNBits nodes compute A x dequantised(W) (checked in
 * float64 against ONNX Runtime), exclusions and zero points survive, fidelity orders the
 * precisions, registration reaches `model list` / `model run`, and bad input leaves nothing.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  DataType, decodeModel, dequantizeBlocks, encodeModel, nbitsLayout, TensorBytesReader, type ModelRecord, type NBits, type NodeRecord,
} from '../lib/onnx';
import { compareModels, derivePromptTemplate, measureFidelity, quantizeModel, QuantizeError, type QuantizeModelOptions } from '../lib/quantize';
import { DecoderSession } from '../lib/engine/decoder-session';
import { buildModel } from '../lib/cache/build-model';
import { SHAPES } from '../lib/synth/shapes';
import { tokenizerFilesFor, writeTokenizerFiles } from '../lib/synth/tokenizer-files';
import { AbortedError, ModelDamagedError, ModelInvalidError } from '../lib/errors';
import { mulberry32 } from '../lib/util/rng';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let root: string;
let fp32: string;
let qwenLayer: string;

/** The qwen2.5-0.5b twin's layer dimensions (hidden 896, 14 heads, 2 KV heads, FFN 4864), one layer, a byte vocabulary. */
const QWEN_LAYER = { ...SHAPES['qwen2.5-0.5b'], name: 'qwen2.5-0.5b-layer', twinOf: null, layers: 1, vocab: 259, context: 512, tokenizer: 'byte' as const };

before(async () => {
  root = makeTempDir();
  fp32 = (await buildTiny(root, 'tiny-fp32')).dir;
  qwenLayer = (await buildModel({ shape: QWEN_LAYER, precision: 'fp32', out: path.join(root, 'qwen-layer-fp32'), threads: 1 })).dir;
});
after(() => removeTempDir(root));

function quantize(name: string, opts: Partial<QuantizeModelOptions>, source = fp32) {
  return quantizeModel({ source, out: path.join(root, name), ...opts });
}

function readGraph(dir: string): ModelRecord {
  return decodeModel(fs.readFileSync(path.join(dir, 'model.onnx')));
}

/** Greedy decoding for a few steps with the engine's session: every step yields finite logits. */
async function greedy(dir: string, steps = 4): Promise<number[]> {
  const session = await DecoderSession.create(path.join(dir, 'model.onnx'), { provider: 'cpu', threads: 1 });
  try {
    const out: number[] = [];
    let logits = await session.step([72, 101, 108, 108, 111]);
    for (let i = 0; i < steps; i++) {
      assert.ok(logits.every(Number.isFinite), 'logits are finite');
      let best = 0;
      for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
      out.push(best);
      logits = await session.step([best]);
    }
    return out;
  } finally {
    await session.release();
  }
}

/**
 * Runs one MatMulNBits node of a quantised model alone (accuracy level 0, its own initializers
 * read back from the data file) and compares it with A x dequantised(W)^T computed in float64.
 */
async function checkAgainstFloat64(dir: string, node: NodeRecord): Promise<number> {
  const model = readGraph(dir);
  const reader = new TensorBytesReader(dir);
  const init = (name: string) => model.graph.initializers.find((t) => t.name === name)!;
  const attr = (k: string) => (node.attributes[k] as { value: number }).value;
  const K = attr('K'); const N = attr('N'); const bits = attr('bits') as NBits; const blockSize = attr('block_size');
  const layout = nbitsLayout(N, K, blockSize, bits);
  const packed = reader.read(init(node.inputs[1]));
  const scales = new Float32Array(reader.read(init(node.inputs[2])).slice().buffer);
  const zp = node.inputs[3] ? reader.read(init(node.inputs[3])) : null;
  reader.close();
  const one = encodeModel({
    irVersion: 10, opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }], producerName: 't', producerVersion: '0', metadata: {},
    graph: {
      name: 'one', nodes: [{ ...node, inputs: ['A', 'B', 'S', ...(zp ? ['Z'] : [])], outputs: ['Y'], attributes: { ...node.attributes, accuracy_level: { kind: 'int', value: 0 } } }],
      initializers: [
        { name: 'B', dataType: DataType.UINT8, dims: [N, layout.kBlocks, layout.blobSize], raw: packed },
        { name: 'S', dataType: DataType.FLOAT, dims: [N, layout.kBlocks], raw: new Uint8Array(scales.buffer) },
        ...(zp ? [{ name: 'Z', dataType: DataType.UINT8, dims: [N, layout.zpBytes], raw: zp }] : []),
      ],
      inputs: [{ name: 'A', dataType: DataType.FLOAT, shape: [2, K] }], outputs: [{ name: 'Y', dataType: DataType.FLOAT, shape: [2, N] }],
    },
  });
  const rand = mulberry32(K + N);
  const A = Float32Array.from({ length: 2 * K }, () => rand() * 2 - 1);
  const session = await ort.InferenceSession.create(one, { logSeverityLevel: 3, intraOpNumThreads: 1 });
  const Y = (await session.run({ A: new ort.Tensor('float32', A, [2, K]) })).Y.data as Float32Array;
  await session.release();
  const w = new Float32Array(K);
  let maxDiff = 0;
  for (let n = 0; n < N; n++) {
    const rowBytes = layout.kBlocks * layout.blobSize;
    dequantizeBlocks(packed.subarray(n * rowBytes), scales.subarray(n * layout.kBlocks), zp ? zp.subarray(n * layout.zpBytes) : null, layout, w);
    for (let m = 0; m < 2; m++) {
      let ref = 0;
      for (let k = 0; k < K; k++) ref += A[m * K + k] * w[k];
      maxDiff = Math.max(maxDiff, Math.abs(ref - Y[m * N + n]) / Math.max(1, Math.abs(ref)));
    }
  }
  return maxDiff;
}

describe('model quantize', () => {
  for (const [label, opts] of [
    ['int4 symmetric b32', { precision: 'int4', blockSize: 32 }],
    ['int4 asymmetric b16', { precision: 'int4', blockSize: 16, symmetric: false }],
    ['int8 MatMulNBits symmetric b32', { precision: 'int8', int8Kernel: 'matmulnbits', blockSize: 32 }],
    ['int8 MatMulNBits asymmetric b64', { precision: 'int8', int8Kernel: 'matmulnbits', blockSize: 64, symmetric: false }],
  ] as const) {
    test(`${label}: the graph loads, greedy decoding runs, and every MatMulNBits matches float64 on the dequantised weights`, async () => {
      const r = await quantize(label.replace(/ /g, '-'), opts);
      assert.ok(r.verified && r.dir);
      const nodes = readGraph(r.dir).graph.nodes;
      const nbits = nodes.filter((n) => n.opType === 'MatMulNBits');
      assert.equal(nbits.length, r.plan.quantizedCount);
      assert.equal(nodes.filter((n) => n.opType === 'MatMul').length, 0, 'no float MatMul with a weight is left');
      assert.ok(nbits.every((n) => n.inputs.length === (opts.symmetric === false ? 4 : 3)), 'zero points only when asymmetric');
      assert.equal((await greedy(r.dir)).length, 4);
      for (const n of nbits) assert.ok(await checkAgainstFloat64(r.dir, n) < 1e-5, `${n.name} differs from the float64 reference`);
    });
  }

  test('int8 with MatMulInteger (the default kernel): int8 weights within half a step of the source, per-column scales, and it decodes', async () => {
    const r = await quantize('int8-dynamic', { precision: 'int8' });
    assert.equal(r.label, 'int8-dynamic');
    const g = readGraph(r.dir!).graph;
    assert.equal(g.nodes.filter((n) => n.opType === 'MatMulInteger').length, r.plan.quantizedCount);
    assert.equal(g.nodes.filter((n) => n.opType === 'DynamicQuantizeLinear').length, r.plan.quantizedCount);
    const source = readGraph(fp32).graph.initializers.find((t) => t.name === 'lm_head.weight')!;
    const q = g.initializers.find((t) => t.name === 'lm_head.weight_int8')!;
    const s = g.initializers.find((t) => t.name === 'lm_head.weight_scale')!;
    const [K, N] = source.dims;
    const W = new Float32Array(new TensorBytesReader(fp32).read(source).slice().buffer);
    const Q = new Int8Array(new TensorBytesReader(r.dir!).read(q).slice().buffer);
    const S = new Float32Array(new TensorBytesReader(r.dir!).read(s).slice().buffer);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) assert.ok(Math.abs(Q[k * N + n] * S[n] - W[k * N + n]) <= S[n] / 2 + 1e-7, `W[${k}, ${n}]`);
    assert.equal((await greedy(r.dir!)).length, 4);
  });

  test('--embeddings quantises the token embedding to GatherBlockQuantized: rows dequantise as ONNX Runtime gathers them', async () => {
    const r = await quantize('embeddings', { precision: 'int4', blockSize: 32, symmetric: false, embeddings: true });
    const g = readGraph(r.dir!).graph;
    const gbq = g.nodes.find((n) => n.opType === 'GatherBlockQuantized')!;
    assert.ok(gbq && !g.nodes.some((n) => n.opType === 'Gather' && n.inputs[0] === 'model.embed_tokens.weight'));
    const table = readGraph(fp32).graph.initializers.find((t) => t.name === gbq.inputs[0].replace(/_Q4$/, ''))!;
    const [V, H] = table.dims;
    const reader = new TensorBytesReader(r.dir!);
    const init = (name: string) => g.initializers.find((t) => t.name === name)!;
    const packed = reader.read(init(gbq.inputs[0]));
    const scales = new Float32Array(reader.read(init(gbq.inputs[2])).slice().buffer);
    const zp = reader.read(init(gbq.inputs[3]));
    reader.close();
    const one = encodeModel({
      irVersion: 10, opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }], producerName: 't', producerVersion: '0', metadata: {},
      graph: {
        name: 'gather', nodes: [{ ...gbq, inputs: ['D', 'ids', 'S', 'Z'], outputs: ['y'] }],
        initializers: [
          { name: 'D', dataType: DataType.UINT8, dims: init(gbq.inputs[0]).dims, raw: packed },
          { name: 'S', dataType: DataType.FLOAT, dims: init(gbq.inputs[2]).dims, raw: new Uint8Array(scales.buffer) },
          { name: 'Z', dataType: DataType.UINT8, dims: init(gbq.inputs[3]).dims, raw: zp },
        ],
        inputs: [{ name: 'ids', dataType: DataType.INT64, shape: [1, 3] }], outputs: [{ name: 'y', dataType: DataType.FLOAT, shape: [1, 3, H] }],
      },
    });
    const session = await ort.InferenceSession.create(one, { logSeverityLevel: 3 });
    const ids = [0, 72, V - 1];
    const y = (await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, 3]) })).y.data as Float32Array;
    await session.release();
    const layout = nbitsLayout(V, H, 32, 4);
    const source = new Float32Array(new TensorBytesReader(fp32).read(table).slice().buffer);
    const row = new Float32Array(H);
    ids.forEach((v, j) => {
      dequantizeBlocks(packed.subarray(v * layout.kBlocks * layout.blobSize), scales.subarray(v * layout.kBlocks), zp.subarray(v * layout.zpBytes), layout, row);
      for (let h = 0; h < H; h++) {
        assert.equal(y[j * H + h], row[h], `row ${v}, column ${h}: ONNX Runtime and the dequantised table differ`);
        assert.ok(Math.abs(row[h] - source[v * H + h]) <= Math.abs(scales[v * layout.kBlocks + Math.floor(h / 32)]) / 2 + 1e-6);
      }
    });
    assert.equal((await greedy(r.dir!)).length, 4);
  });

  test('the qwen2.5-0.5b twin\'s layers (K = 896 and 4864) quantise and match the float64 reference', async () => {
    const r = await quantize('qwen-layer-int4', { precision: 'int4', blockSize: 128, symmetric: false }, qwenLayer);
    const nodes = readGraph(r.dir!).graph.nodes.filter((n) => n.opType === 'MatMulNBits');
    assert.deepEqual([...new Set(nodes.map((n) => (n.attributes.K as { value: number }).value))].sort((a, b) => a - b), [896, 4864]);
    const down = nodes.find((n) => (n.attributes.K as { value: number }).value === 4864)!;
    assert.ok(await checkAgainstFloat64(r.dir!, down) < 1e-5);
    assert.equal((await greedy(r.dir!, 2)).length, 2);
    assert.ok(r.totalBytes < fs.statSync(path.join(qwenLayer, 'model.onnx_data')).size / 4, 'int4 is under a quarter of fp32');
  });

  test('--exclude lm_head leaves the head in float, byte for byte', async () => {
    const r = await quantize('exclude', { precision: 'int4', exclude: ['lm_head'] });
    const g = readGraph(r.dir!).graph;
    const head = g.nodes.find((n) => n.outputs.includes('logits'))!;
    assert.equal(head.opType, 'MatMul');
    const before = readGraph(fp32).graph.initializers.find((t) => t.name === head.inputs[1])!;
    const after = g.initializers.find((t) => t.name === head.inputs[1])!;
    assert.equal(after.dataType, DataType.FLOAT);
    assert.deepEqual(new TensorBytesReader(r.dir!).read(after), new TensorBytesReader(fp32).read(before));
    assert.deepEqual(r.plan.decisions.filter((d) => d.action === 'keep').map((d) => d.reason), ["excluded by 'lm_head'"]);
  });

  test('fp16 converts every float tensor and I/O, and still decodes', async () => {
    const r = await quantize('fp16', { precision: 'fp16' });
    const g = readGraph(r.dir!).graph;
    assert.ok(!g.initializers.some((t) => t.dataType === DataType.FLOAT));
    assert.equal(g.outputs.find((o) => o.name === 'logits')!.dataType, DataType.FLOAT16);
    assert.equal((await greedy(r.dir!)).length, 4);
  });

  test('the output folder is a registered-ready model: genai_config, tokenizer, inference_model.json with a PromptTemplate that renders like the chat template', async () => {
    const r = await quantize('files', { precision: 'int4', name: 'tiny-q4' });
    for (const f of ['genai_config.json', 'tokenizer.json', 'tokenizer_config.json', 'config.json', 'inference_model.json', 'model.onnx', 'model.onnx_data']) {
      assert.ok(fs.existsSync(path.join(r.dir!, f)), `${f} is missing`);
    }
    const im = JSON.parse(fs.readFileSync(path.join(r.dir!, 'inference_model.json'), 'utf8'));
    assert.equal(im.Name, 'tiny-q4');
    assert.match(im.PromptTemplate.user, /\{Content\}/);
    assert.deepEqual(Object.keys(im).sort(), ['Name', 'PromptTemplate'], 'only the keys Foundry reads (inference_model_writer.cc)');
    assert.equal(derivePromptTemplate(r.dir!)!.exact, true);
  });

  test('the PromptTemplate derived from Qwen\'s chat template is exact and matches the workshop\'s hand-written Qwen template', async () => {
    const dir = path.join(root, 'qwen-tokenizer');
    await writeTokenizerFiles(dir, tokenizerFilesFor('qwen2'));
    const d = derivePromptTemplate(dir)!;
    assert.equal(d.exact, true);
    assert.deepEqual(d.template, {
      system: '<|im_start|>system\n{Content}<|im_end|>\n', user: '<|im_start|>user\n{Content}<|im_end|>\n',
      assistant: '<|im_start|>assistant\n{Content}<|im_end|>\n', prompt: '<|im_start|>user\n{Content}<|im_end|>\n<|im_start|>assistant\n',
    });
  });

  test('--dry-run reports sizes before and after and writes nothing', async () => {
    const out = path.join(root, 'dry');
    const r = await quantizeModel({ source: fp32, out, precision: 'int4', dryRun: true });
    assert.equal(r.dir, null);
    assert.ok(r.plan.bytesAfter < r.plan.bytesBefore / 2);
    assert.ok(!fs.existsSync(out));
  });

  test('a registered model appears in `model list` and `cache list` and runs by name', async () => {
    const cache = path.join(root, 'cache');
    const r = await quantizeModel({ source: fp32, precision: 'int4', register: true, name: 'my-tiny-q4', cacheDir: cache });
    assert.equal(r.registered, path.join(cache, 'models', 'my-tiny-q4'));
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, SLMLAB_CACHE_DIR: cache }, input: '', timeout: 60_000 });
    assert.match(cli('model', 'list').stdout, /my-tiny-q4\s+runnable/);
    assert.match(cli('cache', 'list').stdout, /my-tiny-q4/);
    const run = cli('model', 'run', 'my-tiny-q4', '--prompt', 'Hello', '--max-tokens', '3', '--json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).completionTokens, 3);
  });
});

describe('builder v0.15 tied form', () => {
  /** tiny with tied embeddings (hidden 64, vocab 259), as Qwen2.5 / Llama-3.2 / Phi-4-mini tie theirs. */
  const TIED = { ...SHAPES.tiny, name: 'tiny-tied', tiedEmbeddings: true };
  let classic: string;
  let v015: string;
  before(async () => {
    classic = (await buildModel({ shape: TIED, precision: 'fp32', out: path.join(root, 'tied-classic-fp32'), threads: 1 })).dir;
    v015 = (await buildModel({ shape: TIED, precision: 'fp32', builder: 'v0.15', out: path.join(root, 'tied-v015-fp32'), threads: 1 })).dir;
  });

  async function logits(dir: string): Promise<Float32Array> {
    const session = await DecoderSession.create(path.join(dir, 'model.onnx'), { provider: 'cpu', threads: 1 });
    try { return await session.step([72, 101, 108, 108, 111]); } finally { await session.release(); }
  }

  test('the v0.15 fp32 twin embeds through Transpose(lm_head weight) -> Gather and computes what the classic twin computes', async () => {
    const g = readGraph(v015).graph;
    const gather = g.nodes.find((n) => n.name === '/model/embed_tokens/Gather')!;
    const transpose = g.nodes.find((n) => n.outputs[0] === gather.inputs[0])!;
    assert.equal(transpose.opType, 'Transpose');
    assert.equal(transpose.inputs[0], 'lm_head.weight');
    assert.ok(!g.initializers.some((t) => t.name === 'model.embed_tokens.weight'), 'no embedding table of its own');
    assert.deepEqual(await logits(v015), await logits(classic));
  });

  test('int4 quantises the shared weight once: MatMulNBits + GatherBlockQuantized over it, explicit zero points, no float matrix left', async () => {
    const r = await quantize('tied-v015-int4', { precision: 'int4' }, v015);
    const g = readGraph(r.dir!).graph;
    assert.ok(!g.nodes.some((n) => n.opType === 'Transpose' || n.opType === 'MatMul'));
    const gbq = g.nodes.find((n) => n.opType === 'GatherBlockQuantized')!;
    const reshape = g.nodes.find((n) => n.outputs[0] === gbq.inputs[0])!;
    assert.deepEqual([reshape.opType, reshape.inputs[0], gbq.inputs[2], gbq.inputs[3]], ['Reshape', 'lm_head.weight_Q4', 'lm_head.weight_scales', 'lm_head.weight_zero_points']);
    assert.equal(g.nodes.find((n) => n.outputs.includes('logits'))!.inputs[1], 'lm_head.weight_Q4');
    // every float matrix left is a rotary cache or a scale: the model is fully int4
    const floats = g.initializers.filter((t) => (t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16) && t.dims.length === 2);
    assert.deepEqual(floats.filter((t) => !/_scales$|^(cos|sin)_cache$/.test(t.name)).map((t) => t.name), []);
    const reader = new TensorBytesReader(r.dir!);
    const zp = reader.read(g.initializers.find((t) => t.name === 'lm_head.weight_zero_points')!);
    reader.close();
    assert.ok(zp.length === 259 && zp.every((b) => b === 0x88), 'symmetric zero points written out as 8');
    const tied = r.plan.decisions.find((d) => d.kind === 'embedding')!;
    assert.equal(tied.sharedWith?.matmul, '/lm_head/MatMul');
    // the same numbers as quantising the classic twin's separate embedding table (--embeddings): same values, same blocks
    const separate = await quantize('tied-classic-int4-emb', { precision: 'int4', embeddings: true }, classic);
    assert.deepEqual(await logits(r.dir!), await logits(separate.dir!));
    assert.ok(r.totalBytes < separate.totalBytes, `the [V, H] weight is stored once: ${r.totalBytes} < ${separate.totalBytes}`);
    assert.ok(r.plan.bytesAfter < r.plan.bytesBefore / 4, `${r.plan.bytesBefore} -> ${r.plan.bytesAfter}`);
  });

  test('symmetric --embeddings outputs carry explicit zero points; --ep cuda writes accuracy_level 0 and a cuda genai_config, cpu 4', async () => {
    const emb = await quantize('tied-classic-int4-emb-sym', { precision: 'int4', embeddings: true, target: 'cuda' }, classic);
    const g = readGraph(emb.dir!).graph;
    const gbq = g.nodes.find((n) => n.opType === 'GatherBlockQuantized')!;
    assert.equal(gbq.inputs[3], 'model.embed_tokens.weight_zero_points');
    const levels = g.nodes.filter((n) => n.opType === 'MatMulNBits').map((n) => n.attributes.accuracy_level);
    assert.ok(levels.length > 0 && levels.every((a) => a?.kind === 'int' && a.value === 0));
    const genai = JSON.parse(fs.readFileSync(path.join(emb.dir!, 'genai_config.json'), 'utf8'));
    assert.deepEqual(genai.model.decoder.session_options.provider_options, [{ cuda: {} }]);
    const cpu = readGraph((await quantize('tied-classic-int4-cpu', { precision: 'int4' }, classic)).dir!).graph;
    assert.ok(cpu.nodes.filter((n) => n.opType === 'MatMulNBits').every((n) => n.attributes.accuracy_level?.kind === 'int' && n.attributes.accuracy_level.value === 4));
  });
});

describe('model quantize refuses bad input and leaves nothing behind', () => {
  const leftovers = (out: string) => fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith(path.basename(out)));

  test('a non-decoder ONNX model gets an error naming its inputs', async () => {
    const dir = path.join(root, 'not-a-decoder');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'genai_config.json'), JSON.stringify({ model: { type: 'x', context_length: 8, decoder: { filename: 'model.onnx' } } }));
    const W = new Float32Array(64 * 32);
    fs.writeFileSync(path.join(dir, 'model.onnx'), encodeModel({
      irVersion: 10, opsets: [{ domain: '', version: 21 }], producerName: 't', producerVersion: '0', metadata: {},
      graph: {
        name: 'mlp', nodes: [{ opType: 'MatMul', domain: '', name: 'mm', inputs: ['x', 'W'], outputs: ['y'], attributes: {} }],
        initializers: [{ name: 'W', dataType: DataType.FLOAT, dims: [64, 32], raw: new Uint8Array(W.buffer) }],
        inputs: [{ name: 'x', dataType: DataType.FLOAT, shape: [1, 64] }], outputs: [{ name: 'y', dataType: DataType.FLOAT, shape: [1, 32] }],
      },
    }));
    const out = path.join(root, 'not-a-decoder-q4');
    await assert.rejects(quantizeModel({ source: dir, out }), (e: unknown) => e instanceof QuantizeError && /not a decoder language model/.test(e.message) && /inputs are x/.test(e.message));
    assert.deepEqual(leftovers(out), []);
  });

  test('a truncated external data file is named, before anything is written', async () => {
    const dir = (await buildTiny(root, 'truncated')).dir;
    const data = path.join(dir, 'model.onnx_data');
    fs.truncateSync(data, Math.floor(fs.statSync(data).size / 2));
    const out = path.join(root, 'truncated-q4');
    await assert.rejects(quantizeModel({ source: dir, out }), (e: unknown) =>
      // The project-wide external-data check (lib/onnx/external-data-check.ts) or quantize's own reader, whichever sees it first.
      (e instanceof ModelInvalidError || e instanceof ModelDamagedError) && /model\.onnx_data/.test(e.message) && /truncated/.test(e.message));
    assert.deepEqual(leftovers(out), []);
  });

  test('an already quantised model is refused with the fix', async () => {
    const dir = (await buildTiny(root, 'already-int4', { precision: 'int4' })).dir;
    await assert.rejects(quantizeModel({ source: dir, out: path.join(root, 'twice') }), /already quantised/);
  });

  test('an interrupted quantisation (Ctrl-C aborts its signal) removes its partial output', async () => {
    const out = path.join(root, 'interrupted');
    const stop = new AbortController();
    stop.abort();
    await assert.rejects(quantizeModel({ source: fp32, out, signal: stop.signal }), (e: unknown) => e instanceof AbortedError && e.code === 'aborted');
    assert.deepEqual(leftovers(out), []);
  });

  test('an existing destination is kept unless --force', async () => {
    const out = path.join(root, 'exists');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
    await assert.rejects(quantizeModel({ source: fp32, out }), /already exists/);
    assert.equal(fs.readFileSync(path.join(out, 'keep.txt'), 'utf8'), 'mine');
  });
});

describe('model compare', () => {
  test('a model compared with itself: KL 0, agreement 1, equal perplexity', async () => {
    const r = await compareModels(fp32, fp32, { speed: false });
    assert.equal(r.fidelity.klMean, 0);
    assert.equal(r.fidelity.klP99, 0);
    assert.equal(r.fidelity.top1Agreement, 1);
    assert.equal(r.fidelity.top5Overlap, 1);
    assert.equal(r.fidelity.perplexityBase, r.fidelity.perplexityCandidate);
    assert.ok(r.fidelity.positions > 100);
  });

  for (const [label, source] of [['tiny', () => fp32], ['qwen2.5-0.5b layer', () => qwenLayer]] as const) {
    test(`KL orders the precisions on the ${label} twin: int4 > int8 > fp16 >= 0`, async () => {
      const texts = ['Quantisation stores small integers and one scale per block of weights.', 'Local inference trades cloud bills for memory and time.'];
      const kl: Record<string, number> = {};
      for (const precision of ['int4', 'int8', 'fp16'] as const) {
        const r = await quantize(`order-${label.replace(/\W/g, '')}-${precision}`, { precision, blockSize: 32 }, source());
        kl[precision] = (await measureFidelity(source(), r.dir!, texts, 64, 1)).summary.klMean;
      }
      assert.ok(kl.int4 > kl.int8 && kl.int8 > kl.fp16 && kl.fp16 >= 0, `KL int4 ${kl.int4}, int8 ${kl.int8}, fp16 ${kl.fp16}`);
    });
  }

  test('speed records come in interleaved medians with sizes, and the CLI prints them as JSON', () => {
    const q = path.join(root, 'int4-symmetric-b32');
    const r = spawnSync(process.execPath, [CLI, 'model', 'compare', fp32, q, '--rounds', '2', '--decode', '4', '--prefill', '16', '--json'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.speed.length, 2);
    assert.ok(record.speed[1].sizeBytes < record.speed[0].sizeBytes);
    for (const s of record.speed) assert.ok(s.rounds === 2 && s.decodeTokensPerSecond > 0 && s.peakRssBytes > 0 && s.loadMs > 0);
    assert.ok(record.fidelity.klMean > 0 && record.fidelity.top1Agreement <= 1);
  });
});
