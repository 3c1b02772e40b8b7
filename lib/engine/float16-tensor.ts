/**
 * float16 tensors that onnxruntime-node can read on every Node version.
 *
 * Where JavaScript has Float16Array (Node >= 24), onnxruntime-common turns the Uint16Array of a
 * float16 tensor into a Float16Array view (js/common/lib/tensor-impl.ts), and onnxruntime-node's
 * binding then reads its byte length as 0 and refuses the input ("not enough space: expected N,
 * got 0"): https://github.com/microsoft/onnxruntime/pull/32323 (open). Outputs come back as
 * Float16Array too. So a float16 input is built as usual and then given back the Uint16Array of
 * its bits, which the binding reads on every version (it did so before Float16Array existed).
 */
import * as ort from 'onnxruntime-node';
import { halfBits } from '../onnx/fp16';

/** A float16 tensor holding `bits` (binary16 bit patterns), readable as an input. */
export function float16Tensor(bits: Uint16Array, dims: readonly number[]): ort.Tensor {
  const t = new ort.Tensor('float16', bits, dims);
  if (!(t.data instanceof Uint16Array)) (t as unknown as { cpuData: Uint16Array }).cpuData = bits;
  return t;
}

/** An output to feed back as an input: float16 ones rebuilt by float16Tensor, others as they are. */
export function feedable(t: ort.Tensor): ort.Tensor {
  // A tensor kept on the device (webgpu, device-kv.ts) is fed back as it is: its data never reaches the host.
  if (t.type !== 'float16' || t.location !== 'cpu' || t.data instanceof Uint16Array) return t;
  return float16Tensor(halfBits(t.data), t.dims);
}
