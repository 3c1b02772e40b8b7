/**
 * Reading a decoder's logits tensor [B, S, V] (float32 or float16) as float32 rows, and comparing
 * two sets of rows bit for bit: what DecoderSession (decoder-session.ts) returns per step and what
 * its load-time batching checks compare.
 */
import type * as ort from 'onnxruntime-node';
import { ModelInvalidError } from '../errors';
import { halfBits, halfBitsToFloat } from '../onnx/fp16';

/** Whether every logit of xs[i] equals ys[i] bit for bit (NaN equals NaN), and the largest difference. */
export function compareLogits(xs: Float32Array[], ys: Float32Array[]): { exact: boolean; maxAbsDiff: number } {
  let maxAbsDiff = 0;
  let exact = true;
  for (let b = 0; b < ys.length; b++) {
    const x = xs[b];
    const y = ys[b];
    for (let v = 0; v < y.length; v++) {
      if (x[v] !== y[v] && !(Number.isNaN(x[v]) && Number.isNaN(y[v]))) exact = false;
      const d = Math.abs(x[v] - y[v]);
      if (d > maxAbsDiff || Number.isNaN(d)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
    }
  }
  return { exact, maxAbsDiff };
}

export function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = halfBits(t.data);
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfBitsToFloat(src[i]);
    return out;
  }
  throw new ModelInvalidError(`logits have type ${t.type}: slmlab reads float32 or float16 logits`);
}

/** The last sequence position of logits [1, S, V] (S = 1 when the graph keeps only the last) as float32. */
export function lastRow(t: ort.Tensor): Float32Array {
  return rowOf(t, 0, t.dims[1] - 1);
}

/** Logits [B, S, V] at batch row b, position s, as float32 [V]. */
export function rowOf(t: ort.Tensor, b: number, s: number): Float32Array {
  const S = t.dims[1];
  const V = t.dims[2];
  const at = (b * S + s) * V;
  if (t.type === 'float32') return (t.data as Float32Array).subarray(at, at + V);
  const src = halfBits(t.data).subarray(at, at + V);
  const out = new Float32Array(V);
  for (let i = 0; i < V; i++) out[i] = halfBitsToFloat(src[i]);
  return out;
}
