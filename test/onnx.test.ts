import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  DataType, decodeModel, dequantizeBlocks, encodeModel, nbitsLayout, OnnxDecodeError, quantizeBlocks, TensorBytesReader,
  type ModelRecord,
} from '../lib/onnx';
import { ModelInvalidError } from '../lib/errors';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

let root: string;
before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

/** One protobuf field, hand-encoded: tag varint + payload (for fields the records do not model). */
function field(num: number, wire: number, payload: number[]): Uint8Array {
  const tag: number[] = [];
  for (let v = (num << 3) | wire; ; v >>>= 7) { if (v < 0x80) { tag.push(v); break; } tag.push((v & 0x7f) | 0x80); }
  return Uint8Array.from([...tag, ...payload]);
}

/** A small model that uses what the records model and some of what they keep as `extra`. */
function handMade(): ModelRecord {
  const weights = new Float32Array([1, 2, 3, 4, 5, 6]);
  return {
    irVersion: 10,
    opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
    producerName: 'test', producerVersion: '1', domain: 'ai.test', modelVersion: 7, docString: 'hand made',
    metadata: { a: '1', b: 'two' },
    graph: {
      name: 'g',
      nodes: [
        { opType: 'MatMul', domain: '', name: 'mm', inputs: ['x', 'W'], outputs: ['y'], attributes: {}, extra: [field(6, 2, [2, 0x68, 0x69])] },
        {
          opType: 'Slice', domain: '', name: 'noop', inputs: ['y', 'starts', 'ends'], outputs: ['z'],
          attributes: {
            // an int beyond 2^53 survives as a raw attribute (INT64_MAX, as exporters write for "to the end")
            big: { kind: 'raw', fields: [field(3, 0, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), field(20, 0, [2])] },
            names: { kind: 'strings', value: ['p', 'q'] },
            f: { kind: 'floats', value: [0.5, 1.5] },
          },
        },
      ],
      initializers: [
        { name: 'W', dataType: DataType.FLOAT, dims: [3, 2], raw: new Uint8Array(weights.buffer) },
        { name: 'starts', dataType: DataType.INT64, dims: [1], raw: new Uint8Array(new BigInt64Array([0n]).buffer) },
        { name: 'ends', dataType: DataType.INT64, dims: [1], raw: new Uint8Array(new BigInt64Array([2n ** 62n]).buffer) },
      ],
      inputs: [{ name: 'x', dataType: DataType.FLOAT, shape: ['batch', 3] }],
      outputs: [{ name: 'z', dataType: DataType.FLOAT, shape: ['batch', ''] }],
      valueInfo: [{ name: 'y', dataType: DataType.FLOAT, shape: null }],
    },
    extra: [field(25, 2, [0])],
  };
}

describe('onnx reader and writer', () => {
  test('a synth model decodes, and encodes back to the same bytes', async () => {
    const report = await buildTiny(root, 'fp32');
    const bytes = fs.readFileSync(path.join(report.dir, 'model.onnx'));
    const model = decodeModel(bytes);
    assert.equal(model.irVersion, 10);
    assert.deepEqual(model.opsets, [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }]);
    assert.equal(model.metadata['slmlab.shape'], 'tiny');
    assert.ok(model.graph.nodes.some((n) => n.opType === 'GroupQueryAttention' && n.domain === 'com.microsoft'));
    const w = model.graph.initializers.find((t) => t.external);
    assert.ok(w && w.external!.location === 'model.onnx_data' && w.external!.length > 0);
    assert.deepEqual(Buffer.from(encodeModel(model)), bytes);
  });

  test('fields the records do not model survive a read and a write', () => {
    const original = handMade();
    const bytes = encodeModel(original);
    const back = decodeModel(bytes);
    assert.deepEqual(Buffer.from(encodeModel(back)), Buffer.from(bytes));
    assert.equal(back.docString, 'hand made');
    assert.equal(back.modelVersion, 7);
    assert.deepEqual(back.metadata, { a: '1', b: 'two' });
    assert.equal(back.graph.nodes[1].attributes.big.kind, 'raw');
    assert.deepEqual(back.graph.nodes[1].attributes.names, { kind: 'strings', value: ['p', 'q'] });
    assert.deepEqual(back.graph.outputs[0].shape, ['batch', '']);
    assert.equal(back.graph.valueInfo![0].shape, null);
    assert.equal(back.extra!.length, 1);
  });

  test('a decoded and re-encoded model runs in ONNX Runtime with the same result', async () => {
    const m = handMade();
    m.graph.nodes[1].attributes = {};
    m.extra = [];
    const bytes = encodeModel(decodeModel(encodeModel(m)));
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array([1, 0, 1]), [1, 3]) });
    assert.deepEqual(Array.from(out.z.data as Float32Array), [1 + 5, 2 + 6]);
    await session.release();
  });

  test('typed fields (float_data, packed dims) are read as raw bytes', () => {
    // TensorProto: dims [2] packed (field 1), data_type FLOAT (2), float_data packed (4), name 't' (8)
    const tensor = Uint8Array.from([0x0a, 1, 2, 0x10, 1, 0x22, 8, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0x42, 1, 0x74]);
    const graph = Uint8Array.from([0x2a, tensor.length, ...tensor]);
    const model = Uint8Array.from([0x08, 10, 0x3a, graph.length, ...graph]);
    const t = decodeModel(model).graph.initializers[0];
    assert.deepEqual(t.dims, [2]);
    assert.deepEqual(Array.from(new Float32Array(t.raw!.slice().buffer)), [1, 2]);
  });

  test('truncated or foreign bytes give a clear model_invalid error', () => {
    const bytes = encodeModel(handMade());
    assert.throws(() => decodeModel(bytes.subarray(0, bytes.length - 7)), (e: unknown) => e instanceof OnnxDecodeError && e.code === 'model_invalid' && /truncated/.test(e.message));
    assert.throws(() => decodeModel(Buffer.from('{"not": "onnx"}')), OnnxDecodeError);
  });

  test('external tensors are read in bands; a truncated data file or an escaping location is refused', async () => {
    const report = await buildTiny(root, 'fp32-trunc');
    const model = decodeModel(fs.readFileSync(path.join(report.dir, 'model.onnx')));
    const reader = new TensorBytesReader(report.dir);
    const t = model.graph.initializers.find((x) => x.external && x.external.length >= 64)!;
    const whole = reader.read(t);
    assert.deepEqual(reader.read(t, 16, 32), whole.subarray(16, 48));
    reader.close();
    const last = model.graph.initializers.filter((x) => x.external).sort((a, b) => b.external!.offset - a.external!.offset)[0];
    fs.truncateSync(path.join(report.dir, 'model.onnx_data'), last.external!.offset + 1);
    const r2 = new TensorBytesReader(report.dir);
    assert.throws(() => r2.checkBounds(model.graph.initializers), (e: unknown) => e instanceof ModelInvalidError && /truncated/.test(e.message) && e.message.includes(last.name));
    const escaping = { ...t, external: { ...t.external!, location: '../outside.bin' } };
    assert.throws(() => r2.read(escaping), /outside the model folder/);
    r2.close();
  });
});

describe('MatMulNBits block quantisation', () => {
  for (const bits of [4, 8] as const) {
    for (const asym of [false, true]) {
      test(`${bits}-bit ${asym ? 'asymmetric' : 'symmetric'} round-trips within a rounding step per element`, () => {
        const K = 40; // a partial last block
        const layout = nbitsLayout(1, K, 16, bits);
        const row = Float32Array.from({ length: K }, (_, i) => Math.sin(i * 1.3) * (i % 7) + (asym ? 0.8 : 0));
        const packed = new Uint8Array(layout.kBlocks * layout.blobSize);
        const scales = new Float32Array(layout.kBlocks);
        const zp = asym ? new Uint8Array(layout.zpBytes) : null;
        quantizeBlocks(row, layout, packed, scales, zp);
        const back = new Float32Array(K);
        dequantizeBlocks(packed, scales, zp, layout, back);
        for (let k = 0; k < K; k++) {
          // symmetric: -m/scale + mid = 2*mid clamps to 2*mid - 1, one step off; otherwise half a step
          const step = Math.abs(scales[Math.floor(k / 16)]) * (asym ? 0.5 : 1);
          assert.ok(Math.abs(back[k] - row[k]) <= step + 1e-6, `k=${k}: ${back[k]} vs ${row[k]} (step ${step})`);
        }
        if (zp && bits === 4) {
          // block 0 in the low nibble, block 1 in the high nibble, block 2 in the next byte
          assert.equal(layout.zpBytes, 2);
          assert.ok((zp[0] & 0x0f) > 0 && (zp[0] >> 4) > 0, 'asymmetric zero points of shifted blocks are not zero');
        }
      });
    }
  }
});
