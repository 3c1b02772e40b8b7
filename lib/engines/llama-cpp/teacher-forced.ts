/**
 * Teacher-forced logits from llama.cpp: every position of `ids` evaluated in one go with
 * node-llama-cpp's controlledEvaluate, asking for the raw logits of the next token at each
 * position (generateNext.logits; node-llama-cpp 3.x, LlamaContextSequence.controlledEvaluate).
 * Returns [S, V] row-major, the layout DecoderSession.allLogits gives for ONNX Runtime.
 */
import { ModelInvalidError } from '../../errors';
import { loadLlamaCpp } from './binding';

export interface LlamaLogits { logits: Float32Array; vocab: number; cpuBuild: string | null }

export async function llamaTeacherForcedLogits(engineDir: string, gguf: string, windows: readonly number[][], vocab: number, threads = 1): Promise<LlamaLogits[]> {
  const rt = await loadLlamaCpp(engineDir);
  const model = await rt.llama.loadModel({ modelPath: gguf });
  try {
    const longest = Math.max(...windows.map((w) => w.length));
    const context = await model.createContext({ contextSize: Math.max(64, longest + 8), batchSize: Math.max(32, longest), sequences: 1, threads });
    const seq = context.getSequence();
    const out: LlamaLogits[] = [];
    try {
      for (const ids of windows) {
        await seq.clearHistory();
        const res = await seq.controlledEvaluate(ids.map((t) => [t, { generateNext: { logits: true } }] as [number, { generateNext: { logits: boolean } }]));
        const logits = new Float32Array(ids.length * vocab).fill(-Infinity);
        ids.forEach((_, t) => {
          const m = res[t]?.next.logits;
          if (!m) throw new ModelInvalidError(`llama.cpp returned no logits for position ${t}: node-llama-cpp 3.7 or later is needed for controlledEvaluate logits; reinstall with \`slmlab engines add llama.cpp\``);
          for (const [tok, v] of m) if (tok < vocab) logits[t * vocab + tok] = v;
        });
        out.push({ logits, vocab, cpuBuild: rt.cpuBuild });
      }
    } finally {
      await context.dispose();
    }
    return out;
  } finally {
    await model.dispose();
    await rt.llama.dispose();
  }
}
