/**
 * A GGUF (version 3) writer: the file format llama.cpp loads, as specified in ggml's
 * docs/gguf.md (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md):
 *
 *   magic "GGUF" (u32 0x46554747) | version u32 = 3 | tensor_count u64 | kv_count u64
 *   kv_count x { key: string, value_type: u32, value }
 *   tensor_count x { name: string, n_dims: u32, ne[n_dims]: u64 (innermost first), ggml_type: u32, offset: u64 }
 *   padding to general.alignment (32 unless the key says otherwise)
 *   tensor data, each tensor starting at a multiple of the alignment from the data start
 *
 * Strings are a u64 byte length and UTF-8 bytes (no terminator); arrays are an element type
 * (u32), a u64 count and the elements. All numbers are little-endian.
 *
 * Tensors are described first (name, ggml type, ne, byte length) and their bytes are streamed
 * afterwards by each tensor's `write` callback, so a multi-GB model never sits in memory.
 */
import * as fs from 'node:fs';
import { ModelInvalidError } from '../errors';

export const GGUF_MAGIC = 0x46554747;
export const GGUF_VERSION = 3;
export const GGUF_ALIGNMENT = 32;

/** gguf_type: the metadata value types (gguf.md, "GGUFValueType"). */
export const GgufValueType = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9,
  UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

/** ggml_type: the tensor types this writer emits (ggml.h). */
export const GgmlType = { F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 8 } as const;
export type GgmlTypeCode = (typeof GgmlType)[keyof typeof GgmlType];

/** Elements per block and bytes per block of each type (ggml-common.h: block_q4_0, block_q4_1, block_q8_0). */
export const GGML_BLOCK: Readonly<Record<GgmlTypeCode, { elements: number; bytes: number }>> = {
  0: { elements: 1, bytes: 4 },
  1: { elements: 1, bytes: 2 },
  2: { elements: 32, bytes: 18 }, // fp16 d, 16 bytes of nibbles
  3: { elements: 32, bytes: 20 }, // fp16 d, fp16 m, 16 bytes of nibbles
  8: { elements: 32, bytes: 34 }, // fp16 d, 32 int8
};

export function ggmlTypeName(t: GgmlTypeCode): string {
  return (Object.entries(GgmlType).find(([, v]) => v === t)?.[0]) ?? `type ${t}`;
}

/** A metadata value with its GGUF type. Arrays hold one element type. */
export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'u64'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'i32s'; value: ArrayLike<number> }
  | { type: 'f32s'; value: ArrayLike<number> };

export interface GgufTensorSpec {
  name: string;
  type: GgmlTypeCode;
  /** ne: dimensions innermost first (a [rows, cols] matrix is [cols, rows]). */
  ne: number[];
  /** Streams exactly the tensor's bytes, in order, through `emit`. */
  write: (emit: (bytes: Uint8Array) => void) => void;
}

/** Bytes a tensor of this type and shape occupies. */
export function ggmlByteLength(type: GgmlTypeCode, ne: readonly number[]): number {
  const { elements, bytes } = GGML_BLOCK[type];
  if (ne[0] % elements !== 0) throw new ModelInvalidError(`a ${ggmlTypeName(type)} tensor needs rows that are a multiple of ${elements} elements, got ${ne[0]}: keep it in F32/F16`);
  return (ne.reduce((a, d) => a * d, 1) / elements) * bytes;
}

class ByteSink {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void { this.chunks.push(b); this.length += b.length; }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); this.push(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v | 0); this.push(b); }
  u64(v: number): void { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v: number): void { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  str(s: string): void { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
  bytes(): Buffer { return Buffer.concat(this.chunks, this.length); }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  const T = GgufValueType;
  switch (v.type) {
    case 'u32': sink.u32(T.UINT32); sink.u32(v.value); return;
    case 'i32': sink.u32(T.INT32); sink.i32(v.value); return;
    case 'u64': sink.u32(T.UINT64); sink.u64(v.value); return;
    case 'f32': sink.u32(T.FLOAT32); sink.f32(v.value); return;
    case 'bool': sink.u32(T.BOOL); sink.push(Buffer.from([v.value ? 1 : 0])); return;
    case 'string': sink.u32(T.STRING); sink.str(v.value); return;
    case 'strings':
      sink.u32(T.ARRAY); sink.u32(T.STRING); sink.u64(v.value.length);
      for (const s of v.value) sink.str(s);
      return;
    case 'i32s': {
      sink.u32(T.ARRAY); sink.u32(T.INT32); sink.u64(v.value.length);
      const b = Buffer.alloc(4 * v.value.length);
      for (let i = 0; i < v.value.length; i++) b.writeInt32LE(v.value[i] | 0, 4 * i);
      sink.push(b);
      return;
    }
    case 'f32s': {
      sink.u32(T.ARRAY); sink.u32(T.FLOAT32); sink.u64(v.value.length);
      const b = Buffer.alloc(4 * v.value.length);
      for (let i = 0; i < v.value.length; i++) b.writeFloatLE(v.value[i], 4 * i);
      sink.push(b);
      return;
    }
  }
}

const pad = (n: number, a: number): number => (a - (n % a)) % a;

export interface GgufWriteReport { bytes: number; tensors: number; metadataKeys: number }

/**
 * Writes a GGUF file at `file`: `metadata` in insertion order, then the tensors. Each tensor's
 * `write` must emit exactly ggmlByteLength(type, ne) bytes; a mismatch is refused.
 */
export function writeGguf(file: string, metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorSpec[], onTensor?: (name: string, index: number) => void): GgufWriteReport {
  const head = new ByteSink();
  head.u32(GGUF_MAGIC);
  head.u32(GGUF_VERSION);
  head.u64(tensors.length);
  head.u64(metadata.size);
  for (const [key, value] of metadata) { head.str(key); writeValue(head, value); }
  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    const size = ggmlByteLength(t.type, t.ne);
    sizes.push(size);
    head.str(t.name);
    head.u32(t.ne.length);
    for (const d of t.ne) head.u64(d);
    head.u32(t.type);
    head.u64(offset);
    offset += size + pad(size, GGUF_ALIGNMENT);
  }
  const fd = fs.openSync(file, 'w');
  let written = 0;
  const put = (b: Uint8Array): void => {
    let done = 0;
    while (done < b.length) done += fs.writeSync(fd, b, done, b.length - done);
    written += b.length;
  };
  try {
    const h = head.bytes();
    put(h);
    put(new Uint8Array(pad(h.length, GGUF_ALIGNMENT)));
    tensors.forEach((t, i) => {
      onTensor?.(t.name, i);
      let n = 0;
      t.write((b) => { n += b.length; put(b); });
      if (n !== sizes[i]) throw new ModelInvalidError(`GGUF tensor '${t.name}' wrote ${n} bytes, its shape needs ${sizes[i]}: this is a bug in the exporter; report it`);
      put(new Uint8Array(pad(n, GGUF_ALIGNMENT)));
    });
  } finally {
    fs.closeSync(fd);
  }
  return { bytes: written, tensors: tensors.length, metadataKeys: metadata.size };
}
