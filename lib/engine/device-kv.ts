/**
 * A KV cache that stays on the device between decode steps (webgpu), and the count of tensors
 * that cross between host and device on every step.
 *
 * Without it, every webgpu step downloads each present.N.key|value output into host memory and
 * uploads it again as the next step's past input: 2 x layers tensors each way per token, growing
 * with the sequence. With ONNX Runtime's `preferredOutputLocation: 'gpu-buffer'` (onnxruntime-node
 * and onnxruntime-web alike; https://onnxruntime.ai/docs/tutorials/web/ep-webgpu.html#keep-tensor-data-on-gpu-io-binding)
 * the outputs stay in GPU buffers; fed back as inputs they are not copied. Only the logits come
 * back (one download per step), and only the token ids, mask and positions go up.
 *
 * GPU buffers are not garbage collected: a replaced past tensor is disposed here, explicitly.
 * Packing caches of several sequences into one batch (kv-batch.ts) works on host memory, so a
 * model whose cache lives on the device decodes one sequence at a time (worker.ts says so in
 * its batching info).
 */
import * as fs from 'node:fs';
import type { Tensor } from 'onnxruntime-node';
import { decodeModel } from '../onnx/decode-model';

/** Tensors copied between host and device: on the last step, and over a whole generation. */
export interface DeviceCopies {
  /** True when the KV cache stayed on the device between steps. */
  kvOnDevice: boolean;
  /** Session runs counted (prefill + decode steps). */
  steps: number;
  hostToDevice: number;
  deviceToHost: number;
  /** The last decode step's copies (the steady state; the prefill uploads the same inputs). */
  perStep: { hostToDevice: number; deviceToHost: number };
}

/** Counts host<->device tensor copies of session runs on a device provider. */
export class CopyCounter {
  private steps = 0;
  private h2d = 0;
  private d2h = 0;
  private last = { hostToDevice: 0, deviceToHost: 0 };

  constructor(readonly kvOnDevice: boolean) {}

  /**
   * One run: every host (location 'cpu') input is uploaded; every host output was downloaded;
   * `downloads` counts device outputs read back afterwards (the logits).
   */
  count(feeds: Record<string, Tensor>, outputs: Record<string, Tensor>, downloads: number): void {
    const up = Object.values(feeds).filter((t) => t.location === 'cpu' && t.size > 0).length;
    const down = Object.values(outputs).filter((t) => t.location === 'cpu').length + downloads;
    // (Call it before reading a device output back: the read moves that tensor to the host.)
    this.steps++;
    this.h2d += up;
    this.d2h += down;
    this.last = { hostToDevice: up, deviceToHost: down };
  }

  reset(): void { this.steps = 0; this.h2d = 0; this.d2h = 0; this.last = { hostToDevice: 0, deviceToHost: 0 }; }

  snapshot(): DeviceCopies {
    return { kvOnDevice: this.kvOnDevice, steps: this.steps, hostToDevice: this.h2d, deviceToHost: this.d2h, perStep: { ...this.last } };
  }
}

/**
 * Session option for a device-resident cache: the present.N.key|value outputs stay in GPU
 * buffers, every other output (the logits) comes back to the host. Names are read from the
 * graph: ONNX Runtime rejects a name the session does not have, and onnxruntime-node 1.30 cannot
 * download a 'gpu-buffer' output (Tensor.getData aborts the process), so 'gpu-buffer' for every
 * output is no option in Node.
 */
export function kvOutputLocations(outputNames: readonly string[]): Record<string, 'gpu-buffer' | 'cpu'> {
  return Object.fromEntries(outputNames.map((n) => [n, PRESENT.test(n) ? 'gpu-buffer' : 'cpu']));
}

/** The graph's output names, without loading its weights (external data) into memory. */
export function graphOutputNames(onnxPath: string): string[] {
  return decodeModel(fs.readFileSync(onnxPath)).graph.outputs.map((o) => o.name);
}

/**
 * onnxruntime-web (the browser page's worker): every output in a GPU buffer. There Tensor.getData
 * downloads one (the logits, hostData below), so no output names are needed.
 */
export const DEVICE_OUTPUTS = 'gpu-buffer' as const;

const PRESENT = /^present[._](\d+)[._](key|value)$/;

/** The data of `t` on the host: downloaded (and its GPU buffer released) when it lives on the device. */
export async function hostData(t: Tensor): Promise<{ data: Float32Array | Uint16Array; downloaded: number }> {
  if (t.location !== 'gpu-buffer') return { data: t.data as Float32Array | Uint16Array, downloaded: 0 };
  return { data: (await t.getData(true)) as Float32Array | Uint16Array, downloaded: 1 };
}

/** Releases the GPU buffers of `old` that `keep` does not hold (a replaced cache). */
export function releaseDeviceTensors(old: readonly Tensor[], keep: readonly Tensor[] = []): void {
  const kept = new Set(keep);
  for (const t of old) if (t.location === 'gpu-buffer' && !kept.has(t)) t.dispose();
}

/** Disposes every GPU-buffer output of a run except those listed (unused presents, say). */
export function releaseUnused(outputs: Record<string, Tensor>, used: readonly Tensor[]): void {
  releaseDeviceTensors(Object.values(outputs), used);
}
