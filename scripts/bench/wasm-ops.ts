/**
 * Why the 0.5B twin is slow on onnxruntime-web's WASM backend: one-node models computing
 * y = x W^T for W [N, K] at M = 1 in each weight format the synth builder writes, timed on one
 * runtime per process (onnxruntime-web and onnxruntime-node share onnxruntime-common's backend
 * registry, so they must not load in the same process). Median of 15 runs after one warm-up.
 *
 *   node dist/scripts/bench/wasm-ops.js web  [K=896] [N=4864] [threads=1]
 *   node dist/scripts/bench/wasm-ops.js node [K=896] [N=4864] [threads=1]
 *
 * Run both, side by side, several times: the machine's load moves every figure.
 */
import { GraphBuilder } from '../../lib/synth/graph-builder';
import { DataType, encodeModel } from '../../lib/onnx';
import { int4Layout, quantizeRow } from '../../lib/onnx/matmul-nbits';
import { mulberry32 } from '../../lib/util/rng';
import { median } from '../../lib/bench/stats';
import { scriptArgs } from '../../lib/util/argv';

type Kind = 'fp32 MatMul' | 'int8 DynamicQuantizeMatMul' | 'int4 MatMulNBits acc4 b32' | 'int4 MatMulNBits acc0 b32' | 'int4 MatMulNBits acc4 b128';
const KINDS: Kind[] = ['fp32 MatMul', 'int8 DynamicQuantizeMatMul', 'int4 MatMulNBits acc4 b32', 'int4 MatMulNBits acc0 b32', 'int4 MatMulNBits acc4 b128'];

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function oneNodeModel(kind: Kind, W: Float32Array, K: number, N: number): Uint8Array {
  const b = new GraphBuilder('one_linear');
  b.input('x', DataType.FLOAT, [1, 1, K]);
  b.output('y', DataType.FLOAT, [1, 1, N]);
  if (kind === 'fp32 MatMul') {
    const B = new Float32Array(K * N);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) B[k * N + n] = W[n * K + k];
    b.initializer({ name: 'B', dataType: DataType.FLOAT, dims: [K, N], raw: bytes(B) });
    b.node('MatMul', 'linear', ['x', 'B'], { outputs: ['y'] });
  } else if (kind === 'int8 DynamicQuantizeMatMul') {
    const scale = new Float32Array(N);
    const B = new Int8Array(K * N);
    for (let n = 0; n < N; n++) {
      let m = 0;
      for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(W[n * K + k]));
      scale[n] = m / 127 || 1;
      for (let k = 0; k < K; k++) B[k * N + n] = Math.round(W[n * K + k] / scale[n]);
    }
    b.initializer({ name: 'B', dataType: DataType.INT8, dims: [K, N], raw: bytes(B) });
    b.initializer({ name: 'S', dataType: DataType.FLOAT, dims: [N], raw: bytes(scale) });
    b.node('DynamicQuantizeMatMul', 'linear', ['x', 'B', 'S'], { outputs: ['y'], domain: 'com.microsoft' });
  } else {
    const block = kind.endsWith('b128') ? 128 : 32;
    const L = int4Layout(N, K, block);
    const rowBytes = L.kBlocks * L.blobSize;
    const q = new Uint8Array(N * rowBytes);
    const s = new Float32Array(N * L.kBlocks);
    for (let n = 0; n < N; n++) quantizeRow(W.subarray(n * K, (n + 1) * K), L, q.subarray(n * rowBytes), s.subarray(n * L.kBlocks));
    b.initializer({ name: 'Q', dataType: DataType.UINT8, dims: [N, L.kBlocks, L.blobSize], raw: q });
    b.initializer({ name: 'S', dataType: DataType.FLOAT, dims: [N, L.kBlocks], raw: bytes(s) });
    b.node('MatMulNBits', 'linear', ['x', 'Q', 'S'], {
      outputs: ['y'], domain: 'com.microsoft', attrs: { K, N, bits: 4, block_size: block, accuracy_level: kind.includes('acc0') ? 0 : 4 },
    });
  }
  return encodeModel({ irVersion: 10, opsets: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }], producerName: 'slmlab', producerVersion: '0.1.0', graph: b.graph(), metadata: {} });
}

const ARGS = {
  name: 'bench-wasm-ops',
  usage: 'node dist/scripts/bench/wasm-ops.js web|node [K] [N] [THREADS]',
  about: 'One-node models y = x W^T in each weight format the synth builder writes, on one runtime per process (see the header of scripts/bench/wasm-ops.ts).',
  positionals: [
    { name: 'RUNTIME', help: 'web (onnxruntime-web, WASM) or node (onnxruntime-node)', choices: ['web', 'node'] },
    { name: 'K', help: 'input features (default 896)', optional: true, min: 1 },
    { name: 'N', help: 'output features (default 4864)', optional: true, min: 1 },
    { name: 'THREADS', help: 'threads (default 1)', optional: true, min: 1 },
  ],
  options: {},
} as const;

async function main(): Promise<void> {
  const [runtime, Ka = '896', Na = '4864', threadsArg = '1'] = scriptArgs(ARGS).positionals;
  const K = Number(Ka), N = Number(Na), threads = Number(threadsArg);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = (runtime === 'web' ? require('onnxruntime-web') : require('onnxruntime-node')) as typeof import('onnxruntime-node');
  if (runtime === 'web') (ort.env.wasm as { numThreads?: number }).numThreads = threads;
  const rng = mulberry32(1);
  const W = Float32Array.from({ length: N * K }, () => (rng() - 0.5) * 0.1);
  const x = new ort.Tensor('float32', Float32Array.from({ length: K }, () => rng() - 0.5), [1, 1, K]);
  let reference: Float32Array | null = null;
  for (const kind of KINDS) {
    const session = await ort.InferenceSession.create(oneNodeModel(kind, W, K, N), {
      executionProviders: [runtime === 'web' ? 'wasm' : 'cpu'], intraOpNumThreads: threads, graphOptimizationLevel: 'all',
    });
    const times: number[] = [];
    let y: Float32Array = new Float32Array(0);
    for (let i = 0; i <= 15; i++) {
      const t = performance.now();
      y = (await session.run({ x })).y.data as Float32Array;
      if (i > 0) times.push(performance.now() - t);
    }
    reference ??= y;
    let err = 0;
    for (let i = 0; i < N; i++) err = Math.max(err, Math.abs(y[i] - reference[i]));
    process.stdout.write(JSON.stringify({ runtime: runtime === 'web' ? 'onnxruntime-web wasm' : 'onnxruntime-node cpu', kind, K, N, threads, medianMs: Number(median(times)!.toFixed(3)), maxAbsDiffVsFp32: Number(err.toExponential(2)) }) + '\n');
    await session.release();
  }
}

main().catch((e: unknown) => { process.stderr.write(`bench-wasm-ops: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
