/**
 * Reads a GGUF file's header: metadata and tensor descriptions (ggml's docs/gguf.md, the
 * layout written by gguf-writer.ts), and a tensor's bytes on request. Used to check an export
 * against its ONNX source and to describe a .gguf model; it loads no weights up front.
 */
import * as fs from 'node:fs';
import { ModelInvalidError } from '../errors';
import { GGUF_ALIGNMENT, GGUF_MAGIC, GgufValueType, ggmlByteLength, type GgmlTypeCode } from './gguf-writer';

export type GgufReadValue = number | bigint | boolean | string | GgufReadValue[];

export interface GgufTensorInfo { name: string; ne: number[]; type: GgmlTypeCode; offset: number; bytes: number }

export interface GgufFile {
  file: string;
  version: number;
  metadata: Map<string, GgufReadValue>;
  tensors: GgufTensorInfo[];
  /** Absolute file offset where tensor data starts. */
  dataOffset: number;
}

class Cursor {
  pos = 0;
  constructor(private buf: Buffer, private file: string) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ModelInvalidError(`${this.file} ends inside its GGUF header: the file is truncated or not GGUF; export it again`);
  }
  u8(): number { this.need(1); return this.buf.readUInt8(this.pos++); }
  u32(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32(): number { this.need(4); const v = this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  u64(): number { this.need(8); const v = this.buf.readBigUInt64LE(this.pos); this.pos += 8; return Number(v); }
  str(): string { const n = this.u64(); this.need(n); const s = this.buf.toString('utf8', this.pos, this.pos + n); this.pos += n; return s; }
  value(type: number): GgufReadValue {
    const T = GgufValueType;
    switch (type) {
      case T.UINT8: return this.u8();
      case T.INT8: { this.need(1); return this.buf.readInt8(this.pos++); }
      case T.UINT16: { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
      case T.INT16: { this.need(2); const v = this.buf.readInt16LE(this.pos); this.pos += 2; return v; }
      case T.UINT32: return this.u32();
      case T.INT32: return this.i32();
      case T.FLOAT32: { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }
      case T.BOOL: return this.u8() !== 0;
      case T.STRING: return this.str();
      case T.UINT64: return this.u64();
      case T.INT64: { this.need(8); const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return v; }
      case T.FLOAT64: { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
      case T.ARRAY: {
        const et = this.u32();
        const n = this.u64();
        const out: GgufReadValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value(et);
        return out;
      }
      default: throw new ModelInvalidError(`${this.file}: unknown GGUF value type ${type}: the file is damaged or newer than this reader`);
    }
  }
}

/** Reads the header of `file` (the whole header is read at once; tensor data is not). */
export function readGguf(file: string): GgufFile {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    // Headers with a 150k-token vocabulary run to a few MB; read up to 64 MB.
    const buf = Buffer.alloc(Math.min(size, 64 * 1024 * 1024));
    fs.readSync(fd, buf, 0, buf.length, 0);
    const c = new Cursor(buf, file);
    if (c.u32() !== GGUF_MAGIC) throw new ModelInvalidError(`${file} is not a GGUF file (no "GGUF" magic): export it with \`slmlab model export <model> --gguf\``);
    const version = c.u32();
    const nTensors = c.u64();
    const nKv = c.u64();
    const metadata = new Map<string, GgufReadValue>();
    for (let i = 0; i < nKv; i++) { const key = c.str(); metadata.set(key, c.value(c.u32())); }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < nTensors; i++) {
      const name = c.str();
      const nd = c.u32();
      const ne: number[] = [];
      for (let d = 0; d < nd; d++) ne.push(c.u64());
      const type = c.u32() as GgmlTypeCode;
      const offset = c.u64();
      tensors.push({ name, ne, type, offset, bytes: ggmlByteLength(type, ne) });
    }
    const align = Number(metadata.get('general.alignment') ?? GGUF_ALIGNMENT);
    const dataOffset = c.pos + ((align - (c.pos % align)) % align);
    return { file, version, metadata, tensors, dataOffset };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads `length` bytes of tensor `t`'s data starting `offset` bytes into it. */
export function readGgufTensor(g: GgufFile, t: GgufTensorInfo, offset = 0, length = t.bytes - offset): Buffer {
  const fd = fs.openSync(g.file, 'r');
  try {
    const out = Buffer.alloc(length);
    const n = fs.readSync(fd, out, 0, length, g.dataOffset + t.offset + offset);
    if (n !== length) throw new ModelInvalidError(`${g.file} is truncated: tensor '${t.name}' lies past its end; export it again`);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
