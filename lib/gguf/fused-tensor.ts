/**
 * Several GGUF tensors of one ggml type and one row length (ne[0]) as a single tensor whose rows
 * are theirs, one part after another: llama.cpp's phi3 wants q, k and v in one attn_qkv and the
 * MLP's gate and up in one ffn_up (llama.cpp src/models/phi3.cpp; gguf-py's constants.py,
 * MODEL_ARCH.PHI3). ggml stores a tensor row after row and quantises each row along ne[0]
 * (Q4_0: blocks of 32 along the input dimension), so stacking output rows copies every block
 * as it is: the fused tensor holds exactly the parts' bytes.
 */
import { ModelInvalidError } from '../errors';
import type { GgufTensorSpec } from '../onnx/gguf-writer';

export function fusedRows(name: string, parts: readonly GgufTensorSpec[]): GgufTensorSpec {
  if (parts.length === 0) throw new ModelInvalidError(`${name}: nothing to fuse`);
  const { type, ne } = parts[0];
  for (const p of parts) {
    if (p.type !== type || p.ne[0] !== ne[0] || p.ne.length !== 2) {
      throw new ModelInvalidError(`${name}: ${parts.map((x) => `${x.name} (type ${x.type}, ne ${x.ne.join('x')})`).join(', ')} cannot be stacked into one tensor (they differ in type or row length): quantise the model's projections alike`);
    }
  }
  return {
    name, type, ne: [ne[0], parts.reduce((a, p) => a + p.ne[1], 0)],
    write: (emit) => { for (const p of parts) p.write(emit); },
  };
}
