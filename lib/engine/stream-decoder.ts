/**
 * Streaming detokenisation: turns generated ids into text as they are sampled, never
 * emitting half a character. TextTokenizer.createStreamDecoder() hands one out per
 * generation, built on the tokenizer's own decode function.
 */

export interface StreamDecoder {
  /** Takes the next generated id; returns the text it completes (often '', never half a character). */
  push(id: number): string;
  /** Returns whatever is still held back (an unfinished character decodes as U+FFFD). */
  flush(): string;
}

/**
 * Incremental detokenisation in O(1) per token. Decoding a token on its own is wrong in
 * general (byte-level tokens can hold part of a character; sentencepiece-style decoders
 * drop a leading space at the start of a text), so each step decodes a short window
 * "context + pending" and emits what it adds to the decoded context. Context is a few
 * ids already emitted; pending are ids whose text is not out yet. A delta ending in
 * U+FFFD means a character is still incomplete, so it is held back until a later id
 * completes it, or until so many ids are pending that the bytes are plainly invalid.
 */
export class WindowStreamDecoder implements StreamDecoder {
  /** Emitted ids kept as left context for the next decode. */
  private static readonly CONTEXT = 4;
  /** A UTF-8 character has at most 4 bytes; beyond this, pending bytes will never complete one. */
  private static readonly MAX_PENDING = 8;
  private context: number[] = [];
  private pending: number[] = [];

  constructor(private readonly decodeIds: (ids: number[]) => string,
    private readonly isKnown: (id: number) => boolean) {}

  push(id: number): string {
    if (!this.isKnown(id)) return '';
    this.pending.push(id);
    const delta = this.delta();
    if (delta.endsWith('\uFFFD') && this.pending.length < WindowStreamDecoder.MAX_PENDING) return '';
    this.release();
    return delta;
  }

  flush(): string {
    if (this.pending.length === 0) return '';
    const delta = this.delta();
    this.release();
    return delta;
  }

  /** Text the pending ids add after the context. */
  private delta(): string {
    const before = this.decodeIds(this.context);
    const after = this.decodeIds(this.context.concat(this.pending));
    return after.slice(commonPrefixLength(before, after));
  }

  private release(): void {
    this.context = this.context.concat(this.pending).slice(-WindowStreamDecoder.CONTEXT);
    this.pending = [];
  }
}

/** Usually before.length; shorter only if the new ids changed how the context decodes. */
function commonPrefixLength(before: string, after: string): number {
  if (after.startsWith(before)) return before.length;
  let i = 0;
  while (i < before.length && i < after.length && before[i] === after[i]) i++;
  return i;
}
