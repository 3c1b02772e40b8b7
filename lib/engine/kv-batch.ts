/**
 * The KV cache of the sequences that decode together, packed for one session.run.
 *
 * Shapes (B sequences, kvh key/value heads, hs head size, P the longest cached length):
 *   one sequence after its prefill   [1, kvh, L_b, hs]          per past/present input
 *   the batch                        [B, kvh, P,   hs]          row b valid in [0, L_b), padding after
 *   attention_mask of a decode step  [B, P + 1]                 row b: L_b + 1 ones, then zeros
 *
 * This layout is the one GroupQueryAttention reads on CPU (as ONNX Runtime GenAI batches):
 * it takes each row's length from the mask (seqlens_k = sum(mask) - 1), reads that row's past
 * from the front of its slot, writes the new key/value right after it, and rotates the query
 * at that row's own position. Its `present` output is already a packed batch [B, kvh, P + 1, hs],
 * so it is fed back as the next step's past with no copy. Copies happen only when the batch
 * changes: a sequence joins (its prefill cache is packed in) or leaves (its row is dropped).
 */
import * as ort from 'onnxruntime-node';
import { halfBits } from '../onnx/fp16';
import { float16Tensor } from './float16-tensor';

export type KvType = 'float32' | 'float16';

/** A cache that can be packed: tensors[i] feeds past input i; row `row` of each is valid up to `length`. */
export interface KvRows {
  tensors: ort.Tensor[];
  row: number;
  length: number;
}

export class KvBatch {
  private constructor(
    /** Per past input: [B, kvh, P, hs]. */
    readonly tensors: ort.Tensor[],
    /** Cached tokens of each row (L_b). */
    readonly lengths: number[],
  ) {}

  get size(): number { return this.lengths.length; }
  /** P: the padded length of every row. */
  get width(): number { return this.tensors.length ? this.tensors[0].dims[2] : 0; }

  /** Packs rows taken from other caches (a prefill's [1, ...] tensors, or rows of an older batch). */
  static pack(rows: KvRows[], kvType: KvType, kvh: number, hs: number, count: number): KvBatch {
    const B = rows.length;
    const P = Math.max(0, ...rows.map((r) => r.length));
    const tensors: ort.Tensor[] = [];
    for (let i = 0; i < count; i++) {
      const out = kvType === 'float16' ? new Uint16Array(B * kvh * P * hs) : new Float32Array(B * kvh * P * hs);
      for (let b = 0; b < B; b++) {
        const { tensors: src, row, length } = rows[b];
        const t = src[i];
        const srcP = t.dims[2];
        // float16 as bits: set() from a Float16Array into a Uint16Array would convert values
        const data = kvType === 'float16' ? halfBits(t.data) : t.data as Float32Array;
        for (let h = 0; h < kvh; h++) {
          const from = ((row * kvh + h) * srcP) * hs;
          // [kvh, L_b, hs] of this row -> the front of its slot in [kvh, P, hs]
          out.set(data.subarray(from, from + length * hs), ((b * kvh + h) * P) * hs);
        }
      }
      tensors.push(out instanceof Uint16Array ? float16Tensor(out, [B, kvh, P, hs]) : new ort.Tensor('float32', out, [B, kvh, P, hs]));
    }
    return new KvBatch(tensors, rows.map((r) => r.length));
  }

  /** Row b of this batch, for repacking. */
  row(b: number): KvRows {
    return { tensors: this.tensors, row: b, length: this.lengths[b] };
  }

  /** The batch after one decode step: its present outputs, one more token in every row. */
  advanced(presents: ort.Tensor[]): KvBatch {
    return new KvBatch(presents, this.lengths.map((l) => l + 1));
  }

  /** Feeds for one decode step of `tokens` (one per row): input_ids [B, 1], attention_mask [B, P + 1], position_ids [B, 1]. */
  stepFeeds(tokens: readonly number[]): { inputIds: ort.Tensor; mask: ort.Tensor; positions: ort.Tensor } {
    const B = this.size;
    const T = this.width + 1;
    const ids = new BigInt64Array(B);
    const mask = new BigInt64Array(B * T);
    const pos = new BigInt64Array(B);
    for (let b = 0; b < B; b++) {
      ids[b] = BigInt(tokens[b]);
      mask.fill(1n, b * T, b * T + this.lengths[b] + 1);
      pos[b] = BigInt(this.lengths[b]);
    }
    return {
      inputIds: new ort.Tensor('int64', ids, [B, 1]),
      mask: new ort.Tensor('int64', mask, [B, T]),
      positions: new ort.Tensor('int64', pos, [B, 1]),
    };
  }
}
