import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildModel, type BuildOptions } from '../lib/cache/build-model';
import { DataType, encodeModel, type TensorRecord } from '../lib/onnx';
import { GraphBuilder } from '../lib/synth/graph-builder';
import { dequantizeRow, int4Layout, quantizeRow } from '../lib/onnx/matmul-nbits';
import { halfBits, halfBitsToFloat, toHalfArray, toHalfBits } from '../lib/onnx/fp16';
import { inverseFrequencies, rotaryDim } from '../lib/synth/rope';
import { SHAPES, shapeNames } from '../lib/synth/shapes';
import { BuildError } from '../lib/errors';
import { mulberry32 } from '../lib/util/rng';
import { buildTiny, makeTempDir, removeTempDir, sha256 } from './helpers/models';

const TINY = SHAPES.tiny;
let root: string;

before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

// ---- helpers ----------------------------------------------------------------------------

/** Runs a built model once with ONNX Runtime directly (no engine code) over `ids` from an empty cache. */
async function runOnce(onnxPath: string, ids: number[]): Promise<{ dims: readonly number[]; logits: Float32Array; inputNames: readonly string[] }> {
  const session = await ort.InferenceSession.create(onnxPath, { logSeverityLevel: 3, intraOpNumThreads: 1 });
  try {
    const S = ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    };
    if (session.inputNames.includes('position_ids')) {
      feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, S]);
    }
    for (const name of session.inputNames) {
      if (!name.startsWith('past_key_values.')) continue;
      const meta = session.inputMetadata.find((m) => m.name === name);
      const half = !!meta && meta.isTensor && meta.type === 'float16';
      feeds[name] = half
        ? new ort.Tensor('float16', new Uint16Array(0), [1, TINY.kvHeads, 0, TINY.headSize])
        : new ort.Tensor('float32', new Float32Array(0), [1, TINY.kvHeads, 0, TINY.headSize]);
    }
    const out = await session.run(feeds);
    const t = out.logits;
    let logits: Float32Array;
    if (t.type === 'float16') {
      const src = halfBits(t.data);
      logits = Float32Array.from(src, (h) => halfBitsToFloat(h));
    } else {
      assert.equal(t.type, 'float32');
      logits = Float32Array.from(t.data as Float32Array);
    }
    return { dims: t.dims, logits, inputNames: session.inputNames };
  } finally {
    await session.release();
  }
}

function readJson(file: string): Record<string, any> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
}

function raw(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

// ---- determinism --------------------------------------------------------------------------

describe('determinism', () => {
  for (const precision of ['fp32', 'int4'] as const) {
    test(`the same shape, precision (${precision}) and seed give byte-identical files`, async () => {
      const a = await buildTiny(root, `det-${precision}-a`, { precision, seed: 3 });
      const b = await buildTiny(root, `det-${precision}-b`, { precision, seed: 3 });
      assert.equal(a.reused, false);
      assert.equal(b.reused, false);
      for (const f of ['model.onnx', 'model.onnx_data']) {
        const fa = path.join(a.dir, f);
        const fb = path.join(b.dir, f);
        assert.ok(fs.statSync(fa).size > 0, `${f} is empty`);
        assert.equal(sha256(fa), sha256(fb), `${f} differs between two builds of the same model`);
      }
    });
  }

  test('filling the weights with several worker threads writes the same bytes as one thread', async () => {
    for (const precision of ['fp32', 'int4'] as const) {
      const one = await buildTiny(root, `threads-1-${precision}`, { precision, seed: 5, threads: 1 });
      const three = await buildTiny(root, `threads-3-${precision}`, { precision, seed: 5, threads: 3 });
      for (const f of ['model.onnx', 'model.onnx_data']) {
        assert.equal(sha256(path.join(three.dir, f)), sha256(path.join(one.dir, f)), `${precision} ${f} differs between 1 and 3 build threads`);
      }
    }
  });

  test('a different seed gives a different model.onnx_data', async () => {
    const a = await buildTiny(root, 'seed-a', { precision: 'fp32', seed: 1 });
    const b = await buildTiny(root, 'seed-b', { precision: 'fp32', seed: 2 });
    const da = path.join(a.dir, 'model.onnx_data');
    const db = path.join(b.dir, 'model.onnx_data');
    assert.equal(fs.statSync(da).size, fs.statSync(db).size, 'the same shape should give the same data size');
    assert.notEqual(sha256(da), sha256(db));
  });
});

// ---- every variant runs ---------------------------------------------------------------------

describe('tiny variants', () => {
  const variants: [string, Partial<BuildOptions>, string][] = [
    ['fp32', { precision: 'fp32' }, 'model.onnx'],
    ['fp16', { precision: 'fp16' }, 'model.onnx'],
    ['int4 block 32', { precision: 'int4', blockSize: 32 }, 'model.onnx'],
    ['int4 block 128', { precision: 'int4', blockSize: 128 }, 'model.onnx'],
    ['optimum layout', { precision: 'fp32', layout: 'optimum' }, path.join('onnx', 'model.onnx')],
  ];
  for (const [label, opts, onnxFile] of variants) {
    test(`the ${label} variant loads in ONNX Runtime and gives finite logits of shape [1, S, 259]`, async () => {
      const r = await buildTiny(root, `variant-${label.replace(/\W+/g, '-')}`, opts);
      const ids = [104, 101, 108, 108, 111, 33, 10];
      const { dims, logits, inputNames } = await runOnce(path.join(r.dir, onnxFile), ids);
      assert.deepEqual([...dims], [1, ids.length, 259]);
      assert.equal(logits.length, ids.length * 259);
      assert.ok(logits.every(Number.isFinite), 'logits hold NaN or Infinity');
      // Not a constant output: the weights really reached the logits.
      const min = logits.reduce((a, b) => Math.min(a, b), Infinity);
      const max = logits.reduce((a, b) => Math.max(a, b), -Infinity);
      assert.ok(max - min > 1e-3, `logits are (nearly) constant: range ${max - min}`);
      assert.equal(inputNames.includes('position_ids'), opts.layout === 'optimum');
    });
  }
});

// ---- config files -----------------------------------------------------------------------------

test('config.json says the model is synthetic and genai_config.json has the shape\'s dimensions', async () => {
  const r = await buildTiny(root, 'configs', { precision: 'int4', blockSize: 32, seed: 5 });
  const config = readJson(path.join(r.dir, 'config.json'));
  assert.equal(config.slmlab?.synthetic, true);
  assert.match(String(config.slmlab?.note), /synthetic/i);
  assert.equal(config.slmlab?.precision, 'int4');
  assert.equal(config.slmlab?.block_size, 32);
  assert.equal(config.slmlab?.seed, 5);
  assert.equal(config.num_hidden_layers, TINY.layers);
  assert.equal(config.vocab_size, 259);
  assert.equal(config.max_position_embeddings, 512);

  const genai = readJson(path.join(r.dir, 'genai_config.json'));
  const d = genai.model.decoder;
  assert.equal(d.num_hidden_layers, 2);
  assert.equal(d.num_attention_heads, 4);
  assert.equal(d.num_key_value_heads, 2);
  assert.equal(d.head_size, 16);
  assert.equal(d.hidden_size, 64);
  assert.equal(d.filename, 'model.onnx');
  assert.equal(genai.model.context_length, 512);
  assert.equal(genai.model.vocab_size, 259);
  assert.equal(genai.search.max_length, 512);
  // The metadata inside the graph says so too.
  const onnx = fs.readFileSync(path.join(r.dir, 'model.onnx'));
  assert.ok(onnx.includes(Buffer.from('slmlab.synthetic')), 'model.onnx lacks the slmlab.synthetic metadata');
});

// ---- int4 ---------------------------------------------------------------------------------------

/** A one-node model: Y[M, N] = MatMulNBits(A[M, K], B_q4, scales), weights inline. */
function matMulNBitsModel(K: number, N: number, blockSize: number, packed: Uint8Array, scales: Float32Array): Uint8Array {
  const layout = int4Layout(N, K, blockSize);
  const b = new GraphBuilder('matmulnbits');
  const a = b.input('A', DataType.FLOAT, ['M', K]);
  const bq: TensorRecord = { name: 'B', dataType: DataType.UINT8, dims: [N, layout.kBlocks, layout.blobSize], raw: raw(packed) };
  const sc: TensorRecord = { name: 'scales', dataType: DataType.FLOAT, dims: [N, layout.kBlocks], raw: raw(scales) };
  b.initializer(bq);
  b.initializer(sc);
  b.node('MatMulNBits', 'mm', [a, 'B', 'scales'], {
    outputs: ['Y'], domain: 'com.microsoft', attrs: { K, N, bits: 4, block_size: blockSize, accuracy_level: 0 },
  });
  b.output('Y', DataType.FLOAT, ['M', N]);
  return encodeModel({
    irVersion: 10,
    opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
    producerName: 'slmlab-test', producerVersion: '0', graph: b.graph(), metadata: {},
  });
}

describe('int4 quantisation', () => {
  const cases: [number, number, number][] = [
    // [K, N, blockSize]
    [64, 24, 32],
    [256, 16, 128],
    [80, 12, 32], // K not a multiple of the block: a padded trailing block
  ];
  for (const [K, N, blockSize] of cases) {
    test(`MatMulNBits (accuracy level 0) matches A x dequantised(W)^T in float64 for K=${K}, N=${N}, block ${blockSize}`, async () => {
      const rand = mulberry32(K * 1000 + N + blockSize);
      const layout = int4Layout(N, K, blockSize);
      const rowBytes = layout.kBlocks * layout.blobSize;
      const packed = new Uint8Array(N * rowBytes);
      const scales = new Float32Array(N * layout.kBlocks);
      const deq = new Float32Array(N * K);
      const row = new Float32Array(K);
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) row[k] = rand() * 2 - 1;
        quantizeRow(row, layout, packed.subarray(n * rowBytes, (n + 1) * rowBytes), scales.subarray(n * layout.kBlocks, (n + 1) * layout.kBlocks));
        dequantizeRow(packed.subarray(n * rowBytes, (n + 1) * rowBytes), scales.subarray(n * layout.kBlocks, (n + 1) * layout.kBlocks), layout, deq.subarray(n * K, (n + 1) * K));
        // Quantisation error is at most half a step, except that q = 16 clamps to 15: values
        // beyond 7 steps on the side opposite the max-abs element lose up to one whole step.
        for (let k = 0; k < K; k++) {
          const scale = scales[n * layout.kBlocks + Math.floor(k / blockSize)];
          const step = Math.abs(scale);
          const clamped = row[k] / scale + 8 > 15.5;
          const bound = (clamped ? step : step / 2) + 1e-6;
          assert.ok(Math.abs(deq[n * K + k] - row[k]) <= bound, `W[${n}, ${k}] = ${row[k]} dequantises to ${deq[n * K + k]} (step ${step})`);
        }
      }
      const M = 3;
      const A = Float32Array.from({ length: M * K }, () => rand() * 2 - 1);
      const session = await ort.InferenceSession.create(matMulNBitsModel(K, N, blockSize, packed, scales), { logSeverityLevel: 3 });
      try {
        const out = await session.run({ A: new ort.Tensor('float32', A, [M, K]) });
        const Y = out.Y;
        assert.deepEqual([...Y.dims], [M, N]);
        const y = Y.data as Float32Array;
        let worst = 0;
        let scale = 0;
        for (let m = 0; m < M; m++) {
          for (let n = 0; n < N; n++) {
            let ref = 0;
            for (let k = 0; k < K; k++) ref += A[m * K + k] * deq[n * K + k];
            worst = Math.max(worst, Math.abs(ref - y[m * N + n]));
            scale = Math.max(scale, Math.abs(ref));
          }
        }
        assert.ok(scale > 0.1, 'reference values are too small for a meaningful comparison');
        assert.ok(worst <= 1e-4, `max |Y - ref| = ${worst} (values up to ${scale})`);
      } finally {
        await session.release();
      }
    });
  }

  test('quantizeRow packs a hand-made block as computed by hand', () => {
    const layout = int4Layout(1, 16, 16);
    // Max |v| is -4 (sign kept): scale = -4 / -8 = 0.5; q = round(v / 0.5 + 8), clamped to [0, 15].
    const row = Float32Array.from([-4, 0, 2, 1, 4, -1, 0.26, 0.24, 0, 0, 0, 0, 0, 0, 0, -0.5]);
    const packed = new Uint8Array(8);
    const scales = new Float32Array(1);
    quantizeRow(row, layout, packed, scales);
    assert.equal(scales[0], 0.5);
    // q: -4->0, 0->8 | 2->12, 1->10 | 4->16 clamped to 15, -1->6 | 0.26->9, 0.24->8 | zeros -> 8 | 0->8, -0.5->7
    // low nibble = even k, high nibble = odd k
    assert.deepEqual([...packed], [0x80, 0xac, 0x6f, 0x89, 0x88, 0x88, 0x88, 0x78]);

    const back = new Float32Array(16);
    dequantizeRow(packed, scales, layout, back);
    assert.deepEqual([...back], [-4, 0, 2, 1, 3.5, -1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, -0.5]);
  });

  test('a positive max-abs element maps to q = 0 with a negative scale', () => {
    const layout = int4Layout(1, 16, 16);
    const row = new Float32Array(16);
    row[0] = 3; row[1] = -3; row[2] = 0.375;
    const packed = new Uint8Array(8);
    const scales = new Float32Array(1);
    quantizeRow(row, layout, packed, scales);
    assert.equal(scales[0], -0.375);
    // 3 -> 0, -3 -> 16 clamped to 15, 0.375 -> 7, 0 -> 8
    assert.equal(packed[0], 0x00 | (15 << 4));
    assert.equal(packed[1], 7 | (8 << 4));
  });

  test('a trailing partial block is padded with q = 8 and an all-zero block has scale 0', () => {
    const layout = int4Layout(1, 20, 16);
    assert.equal(layout.kBlocks, 2);
    assert.equal(layout.blobSize, 8);
    const row = new Float32Array(20); // block 0 all zeros
    row[16] = 1; row[17] = -1; row[18] = 0.5; row[19] = 0;
    const packed = new Uint8Array(16).fill(0xff);
    const scales = new Float32Array(2).fill(7);
    quantizeRow(row, layout, packed, scales);
    assert.ok(scales[0] === 0, `scale of an all-zero block is ${scales[0]}`);
    assert.deepEqual([...packed.subarray(0, 8)], new Array(8).fill(0x88));
    assert.equal(scales[1], -0.125);
    // 1 -> 0, -1 -> 16 clamped to 15 | 0.5 -> 4, 0 -> 8 | padding 8, 8
    assert.deepEqual([...packed.subarray(8)], [0xf0, 0x84, 0x88, 0x88, 0x88, 0x88, 0x88, 0x88]);
  });

  test('int4Layout rejects block sizes that are not powers of two of at least 16', () => {
    assert.throws(() => int4Layout(4, 64, 48), RangeError);
    assert.throws(() => int4Layout(4, 64, 8), RangeError);
    assert.equal(int4Layout(4, 64, 32).kBlocks, 2);
  });
});

// ---- fp16 -------------------------------------------------------------------------------------

test('toHalfBits and halfBitsToFloat round-trip known values', () => {
  const cases: [number, number, number][] = [
    // [input, half bits, value read back]
    [1, 0x3c00, 1],
    [-2, 0xc000, -2],
    [65504, 0x7bff, 65504],
    [2 ** -14, 0x0400, 2 ** -14], // smallest normal (6.103515625e-5)
    [6.1e-5, 0x03ff, 1023 * 2 ** -24], // just below it: the largest subnormal
    [2 ** -24, 0x0001, 2 ** -24], // smallest subnormal
    [0.1, 0x2e66, 0.0999755859375],
    [0, 0x0000, 0],
    [Infinity, 0x7c00, Infinity],
    [-Infinity, 0xfc00, -Infinity],
    [65520, 0x7c00, Infinity], // halfway to 65536: ties to even overflows
    [1e6, 0x7c00, Infinity],
    [2 ** -25, 0x0000, 0], // halfway to the smallest subnormal: ties to even (0)
    [1 + 2 ** -11, 0x3c00, 1], // halfway between 1 and the next half: ties to even (1)
    [1 + 3 * 2 ** -11, 0x3c02, 1 + 2 ** -9], // halfway, odd below: rounds up
  ];
  for (const [input, bits, back] of cases) {
    assert.equal(toHalfBits(input), bits, `toHalfBits(${input})`);
    assert.equal(halfBitsToFloat(bits), back, `halfBitsToFloat(0x${bits.toString(16)})`);
  }
  assert.equal(toHalfBits(-0), 0x8000);
  assert.ok(Object.is(halfBitsToFloat(0x8000), -0));
  const nan = toHalfBits(NaN);
  assert.equal(nan & 0x7c00, 0x7c00);
  assert.notEqual(nan & 0x03ff, 0, 'NaN must keep a non-zero mantissa');
  assert.ok(Number.isNaN(halfBitsToFloat(nan)));
  assert.deepEqual([...toHalfArray(Float32Array.from([1, -2, 0.1]))], [0x3c00, 0xc000, 0x2e66]);
});

// ---- rope ---------------------------------------------------------------------------------------

describe('rope', () => {
  test('inverseFrequencies for plain theta is theta^(-2i/d)', () => {
    const d = 64;
    const inv = inverseFrequencies(d, { theta: 10_000, partialFactor: 1 });
    assert.equal(inv.length, d / 2);
    for (let i = 0; i < d / 2; i++) {
      const want = Math.pow(10_000, (-2 * i) / d);
      assert.ok(Math.abs(inv[i] - want) <= 1e-15 * Math.max(1, want), `inv[${i}] = ${inv[i]}, want ${want}`);
    }
    assert.equal(inv[0], 1);
  });

  test('llama3 scaling leaves high frequencies alone and divides the lowest ones by the factor', () => {
    const spec = SHAPES['llama-3.2-1b'].rope;
    const l = spec.llama3!;
    const d = SHAPES['llama-3.2-1b'].headSize;
    const plain = inverseFrequencies(d, { theta: spec.theta, partialFactor: 1 });
    const scaled = inverseFrequencies(d, spec);
    let high = 0;
    let low = 0;
    let mid = 0;
    for (let i = 0; i < d / 2; i++) {
      const wavelen = (2 * Math.PI) / plain[i];
      if (wavelen < l.originalContext / l.highFreqFactor) {
        assert.equal(scaled[i], plain[i], `high-frequency entry ${i} changed`);
        high++;
      } else if (wavelen > l.originalContext / l.lowFreqFactor) {
        assert.ok(Math.abs(scaled[i] - plain[i] / l.factor) <= 1e-15 * plain[i], `low-frequency entry ${i} not divided by ${l.factor}`);
        low++;
      } else {
        // In between: a blend, strictly between the two extremes.
        assert.ok(scaled[i] < plain[i] && scaled[i] > plain[i] / l.factor, `entry ${i} is not blended`);
        mid++;
      }
    }
    assert.ok(high > 0 && low > 0 && mid > 0, `expected high (${high}), low (${low}) and blended (${mid}) entries`);
    assert.equal(scaled[0], plain[0]);
    assert.equal(scaled[d / 2 - 1], plain[d / 2 - 1] / l.factor);
  });

  test('rotaryDim rotates the partial fraction of the head', () => {
    assert.equal(rotaryDim(128, SHAPES['phi-4-mini'].rope), 96);
    assert.equal(rotaryDim(16, TINY.rope), 16);
  });
});

// ---- bad input --------------------------------------------------------------------------------

describe('bad input', () => {
  test('an unknown shape raises BuildError listing the valid shapes', async () => {
    await assert.rejects(buildModel({ shape: 'gpt-17', out: path.join(root, 'never') }), (e: unknown) => {
      assert.ok(e instanceof BuildError, `got ${String(e)}`);
      assert.equal(e.code, 'build_failed');
      assert.match(e.message, /gpt-17/);
      for (const name of shapeNames()) assert.ok(e.message.includes(name), `message does not list '${name}'`);
      return true;
    });
    assert.equal(fs.existsSync(path.join(root, 'never')), false);
  });

  test('block size 48 raises BuildError naming the valid block sizes', async () => {
    await assert.rejects(buildModel({ shape: 'tiny', precision: 'int4', blockSize: 48, out: path.join(root, 'never48') }), (e: unknown) => {
      assert.ok(e instanceof BuildError, `got ${String(e)}`);
      assert.match(e.message, /48/);
      assert.match(e.message, /32/);
      assert.match(e.message, /128/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(root, 'never48')), false);
  });

  test('an existing folder that is not a model is left untouched without force, and replaced with force', async () => {
    const out = path.join(root, 'not-a-model');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'precious');
    await assert.rejects(buildTiny(root, 'not-a-model'), (e: unknown) => {
      assert.ok(e instanceof BuildError, `got ${String(e)}`);
      assert.match(e.message, /not a complete slmlab model/);
      assert.match(e.message, /--force/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(out), ['keep.txt']);
    assert.equal(fs.readFileSync(path.join(out, 'keep.txt'), 'utf8'), 'precious');

    const r = await buildTiny(root, 'not-a-model', { force: true });
    assert.equal(r.reused, false);
    assert.equal(fs.existsSync(path.join(out, 'keep.txt')), false);
    assert.ok(fs.existsSync(path.join(out, 'model.onnx')));
  });

  test('building into a complete model folder again reuses it without rewriting', async () => {
    const first = await buildTiny(root, 'reuse');
    const mtime = fs.statSync(path.join(first.dir, 'model.onnx_data')).mtimeMs;
    const again = await buildTiny(root, 'reuse');
    assert.equal(again.reused, true);
    assert.equal(again.seconds, 0);
    assert.equal(fs.statSync(path.join(first.dir, 'model.onnx_data')).mtimeMs, mtime);
  });

  test('a successful build leaves no .partial-* folder beside the model', async () => {
    const parent = path.join(root, 'clean-parent');
    fs.mkdirSync(parent);
    await buildTiny(parent, 'm1');
    await buildTiny(parent, 'm2', { layout: 'optimum' });
    assert.deepEqual(fs.readdirSync(parent).sort(), ['m1', 'm2']);
  });

  test('building into a folder whose parent is a file fails with BuildError and leaves nothing behind', async () => {
    const parent = path.join(root, 'file-parent');
    fs.mkdirSync(parent);
    const file = path.join(parent, 'plain-file');
    fs.writeFileSync(file, 'not a folder');
    const before = fs.readdirSync(parent).sort();
    await assert.rejects(buildModel({ shape: 'tiny', precision: 'fp32', out: path.join(file, 'model') }), (e: unknown) => {
      assert.ok(e instanceof BuildError, `expected BuildError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      return true;
    });
    assert.deepEqual(fs.readdirSync(parent).sort(), before, 'the failed build left files behind');
    assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder');
  });
});
