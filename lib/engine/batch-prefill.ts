/**
 * Feeds for prefilling several prompts in one run, and for prefilling a long prompt in chunks.
 *
 * Batched prefill (B prompts of lengths L_b, S = max L_b, empty cache):
 *   input_ids      [B, S]   row b: its L_b tokens, then padding (token 0)
 *   attention_mask [B, S]   row b: L_b ones, then zeros
 *   position_ids   [B, S]   0 .. S-1 in every row (a padded position's id is never read)
 *   past           [B, kvh, 0, hs]
 *   -> present     [B, kvh, S, hs]  row b valid in [0, L_b): the packed layout of kv-batch.ts,
 *                                   so the prompts join the decode batch with no further copy
 *   -> logits      [B, S, V]: row b's next-token logits are at position L_b - 1
 *                  ([B, 1, V] with the last-position rewrite, which picks that position from the mask)
 *
 * Right padding is what GroupQueryAttention reads on CPU: each row's length comes from the mask
 * (seqlens_k = sum(mask) - 1), its causal attention stops there, and rotary positions start at 0
 * in every row. Optimum-style graphs (plain attention with an additive padding mask and
 * position_ids) compute the same values for the real positions; whether a graph's kernels give
 * them bit for bit is decided at load by DecoderSession.checkPrefillBatching.
 *
 * Chunked prefill (one sequence, P tokens cached, a chunk of C more):
 *   input_ids [1, C], attention_mask [1, P + C] all ones, position_ids P .. P+C-1, past [1, kvh, P, hs].
 * GroupQueryAttention takes a multi-token step after a cache for batch size 1 only, so chunks run
 * one sequence at a time.
 */
import * as ort from 'onnxruntime-node';

export interface StepFeeds {
  inputIds: ort.Tensor;
  mask: ort.Tensor;
  positions: ort.Tensor;
}

/** Right-padded feeds for prompts prefilled together from an empty cache. */
export function prefillFeeds(prompts: readonly ArrayLike<number>[]): StepFeeds {
  const B = prompts.length;
  const S = Math.max(...prompts.map((p) => p.length));
  const ids = new BigInt64Array(B * S);
  const mask = new BigInt64Array(B * S);
  const pos = new BigInt64Array(B * S);
  for (let b = 0; b < B; b++) {
    const p = prompts[b];
    for (let i = 0; i < p.length; i++) ids[b * S + i] = BigInt(p[i]);
    mask.fill(1n, b * S, b * S + p.length);
    for (let i = 0; i < S; i++) pos[b * S + i] = BigInt(i);
  }
  return {
    inputIds: new ort.Tensor('int64', ids, [B, S]),
    mask: new ort.Tensor('int64', mask, [B, S]),
    positions: new ort.Tensor('int64', pos, [B, S]),
  };
}

/** Feeds for a chunk of one sequence's prompt after `cached` tokens. */
export function chunkFeeds(cached: number, chunk: ArrayLike<number>): StepFeeds {
  const C = chunk.length;
  const ids = new BigInt64Array(C);
  const pos = new BigInt64Array(C);
  for (let i = 0; i < C; i++) {
    ids[i] = BigInt(chunk[i]);
    pos[i] = BigInt(cached + i);
  }
  return {
    inputIds: new ort.Tensor('int64', ids, [1, C]),
    mask: new ort.Tensor('int64', new BigInt64Array(cached + C).fill(1n), [1, cached + C]),
    positions: new ort.Tensor('int64', pos, [1, C]),
  };
}

/** Splits a prompt into chunks of at most `size` tokens (0: one chunk). */
export function chunksOf(ids: readonly number[], size: number): number[][] {
  if (size <= 0 || ids.length <= size) return [ids.slice()];
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}
