/**
 * Which int8 kernel `slmlab model quantize --precision int8` should emit, measured on this
 * CPU: one linear layer y = x W (a Qwen2.5-0.5B MLP projection by default, K=896, N=4864) in
 * five forms, timed interleaved (every form once per round, order rotating), medians of the
 * rounds, ratios against fp32 MatMul:
 *
 *   fp32        MatMul(x, W)
 *   nbits8      com.microsoft.MatMulNBits bits=8, block 32, symmetric, accuracy_level 0 and 4
 *   nbits4      MatMulNBits bits=4 (what int4 emits), accuracy_level 4, for reference
 *   qdq         DequantizeLinear(W_int8, per-column scale) -> MatMul  (weights stored int8)
 *   dynamic     DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_int8) -> Cast -> Mul
 *               (onnxruntime.quantization.quantize_dynamic's form; ORT fuses it on CPU)
 *
 *   npm run build && node dist/scripts/bench/int8.js [--rounds 40] [--K 896] [--N 4864] [--threads 0]
 *
 * The machine may be shared: read the ratios, not the absolute times.
 */
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel, nbitsLayout, quantizeBlocks, type AttrValue, type NodeRecord, type TensorRecord } from '../../lib/onnx';
import { median } from '../../lib/bench/stats';
import { mulberry32 } from '../../lib/util/rng';
import { textTable } from '../../lib/util/text-table';
import { scriptArgs } from '../../lib/util/argv';

const { values } = scriptArgs({
  name: 'bench-int8',
  usage: 'node dist/scripts/bench/int8.js [options]',
  about: 'Which int8 kernel `slmlab model quantize --precision int8` should emit: one linear layer in five forms, interleaved (see the header of scripts/bench/int8.ts).',
  options: {
    rounds: { type: 'int', min: 1, default: 40, help: 'measured rounds' },
    K: { type: 'int', min: 1, default: 896, help: 'input features of the layer' },
    N: { type: 'int', min: 1, default: 4864, help: 'output features of the layer' },
    threads: { type: 'int', min: 0, default: 0, help: 'ONNX Runtime intra-op threads (0: its choice)' },
  },
});
const ROUNDS = values.rounds;
const K = values.K;
const N = values.N;
const THREADS = values.threads;

const rand = mulberry32(1);
const W = Float32Array.from({ length: K * N }, () => (rand() - 0.5) * 0.1); // [K, N]

const int = (value: number): AttrValue => ({ kind: 'int', value });
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function model(nodes: NodeRecord[], initializers: TensorRecord[]): Uint8Array {
  return encodeModel({
    irVersion: 10, opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }], producerName: 'bench-int8', producerVersion: '1', metadata: {},
    graph: { name: 'linear', nodes, initializers, inputs: [{ name: 'x', dataType: DataType.FLOAT, shape: ['M', K] }], outputs: [{ name: 'y', dataType: DataType.FLOAT, shape: ['M', N] }] },
  });
}

function node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttrValue> = {}, domain = ''): NodeRecord {
  return { opType, domain, name: outputs[0], inputs, outputs, attributes };
}

function nbits(bits: 4 | 8, accuracyLevel: number): Uint8Array {
  const layout = nbitsLayout(N, K, 32, bits);
  const rowBytes = layout.kBlocks * layout.blobSize;
  const packed = new Uint8Array(N * rowBytes);
  const scales = new Float32Array(N * layout.kBlocks);
  const column = new Float32Array(K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) column[k] = W[k * N + n];
    quantizeBlocks(column, layout, packed.subarray(n * rowBytes), scales.subarray(n * layout.kBlocks), null);
  }
  return model([node('MatMulNBits', ['x', 'B', 'scales'], ['y'], { K: int(K), N: int(N), bits: int(bits), block_size: int(32), accuracy_level: int(accuracyLevel) }, 'com.microsoft')], [
    { name: 'B', dataType: DataType.UINT8, dims: [N, layout.kBlocks, layout.blobSize], raw: packed },
    { name: 'scales', dataType: DataType.FLOAT, dims: [N, layout.kBlocks], raw: bytesOf(scales) },
  ]);
}

/** Symmetric per-column int8: scale_n = max|W[:, n]| / 127. */
function int8PerColumn(): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) scales[n] = Math.max(scales[n], Math.abs(W[k * N + n]) / 127);
  const q = new Int8Array(K * N);
  for (let i = 0; i < q.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(W[i] / (scales[i % N] || 1))));
  return { q, scales };
}

function qdq(): Uint8Array {
  const { q, scales } = int8PerColumn();
  return model([node('DequantizeLinear', ['Wq', 'Ws', 'Wzp'], ['W'], { axis: int(1) }), node('MatMul', ['x', 'W'], ['y'])], [
    { name: 'Wq', dataType: DataType.INT8, dims: [K, N], raw: bytesOf(q) },
    { name: 'Ws', dataType: DataType.FLOAT, dims: [N], raw: bytesOf(scales) },
    { name: 'Wzp', dataType: DataType.INT8, dims: [N], raw: new Uint8Array(N) },
  ]);
}

function dynamic(): Uint8Array {
  const { q, scales } = int8PerColumn();
  return model([
    node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xzp']),
    node('MatMulInteger', ['xq', 'Wq', 'xzp', 'Wzp'], ['acc']),
    node('Cast', ['acc'], ['accf'], { to: int(DataType.FLOAT) }),
    node('Mul', ['xs', 'Ws'], ['scale']),
    node('Mul', ['accf', 'scale'], ['y']),
  ], [
    { name: 'Wq', dataType: DataType.INT8, dims: [K, N], raw: bytesOf(q) },
    { name: 'Ws', dataType: DataType.FLOAT, dims: [N], raw: bytesOf(scales) },
    { name: 'Wzp', dataType: DataType.INT8, dims: [N], raw: new Uint8Array(N) },
  ]);
}

async function main(): Promise<void> {
  const forms: [string, Uint8Array][] = [
    ['fp32 MatMul', model([node('MatMul', ['x', 'W'], ['y'])], [{ name: 'W', dataType: DataType.FLOAT, dims: [K, N], raw: bytesOf(W) }])],
    ['MatMulNBits 8-bit acc0', nbits(8, 0)],
    ['MatMulNBits 8-bit acc4', nbits(8, 4)],
    ['MatMulNBits 4-bit acc4', nbits(4, 4)],
    ['QDQ int8 + MatMul', qdq()],
    ['dynamic int8 MatMulInteger', dynamic()],
  ];
  const sessions = await Promise.all(forms.map(([, bytes]) => ort.InferenceSession.create(bytes, { intraOpNumThreads: THREADS, logSeverityLevel: 3, graphOptimizationLevel: 'all' })));
  const rows: string[][] = [];
  for (const M of [1, 128]) {
    const x = new ort.Tensor('float32', Float32Array.from({ length: M * K }, () => rand() - 0.5), [M, K]);
    const times = forms.map(() => [] as number[]);
    for (const s of sessions) await s.run({ x }); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (let j = 0; j < sessions.length; j++) {
        const i = (j + r) % sessions.length; // rotate the order every round
        const t = performance.now();
        await sessions[i].run({ x });
        times[i].push(performance.now() - t);
      }
    }
    const base = median(times[0])!;
    forms.forEach(([name], i) => {
      const m = median(times[i])!;
      rows.push([M === 1 ? 'decode (M=1)' : `prefill (M=${M})`, name, m.toFixed(3), (base / m).toFixed(2)]);
    });
  }
  process.stdout.write(`one linear layer K=${K} N=${N}, ${ROUNDS} interleaved rounds, medians (a shared machine: read the ratios)\n`);
  process.stdout.write(textTable(['phase', 'form', 'median ms', 'speed vs fp32'], rows) + '\n');
  for (const s of sessions) await s.release();
}

main().catch((e: unknown) => { process.stderr.write(String((e as Error)?.stack ?? e) + '\n'); process.exit(1); });
