/**
 * Writes an external data file (every weight of a model built by synth/ or rewritten by quantize/).
 * Space is reserved first and filled with positional writes, chunk by chunk, so
 * memory stays flat however large the model, and two tensors (int4 blocks and their
 * scales) can be produced in one pass. Large tensors start on 64 KiB boundaries so
 * that ONNX Runtime can memory-map them.
 */
import * as fs from 'node:fs';
import type { DataTypeCode, TensorRecord } from './records';

const MAP_ALIGN = 64 * 1024;
const SMALL_ALIGN = 64;

/**
 * 'create' starts a new file; 'update' writes into an existing one (a build worker filling its
 * share of the tensors); 'plan' only lays tensors out, to learn offsets and the total size.
 */
export type WriterMode = 'create' | 'update' | 'plan';

export class TensorDataWriter {
  private fd: number | null;
  private end = 0;
  readonly location: string;

  /** `location` is the file name recorded in the model, relative to the .onnx file. */
  constructor(readonly path: string, location: string, readonly mode: WriterMode = 'create') {
    this.location = location;
    this.fd = mode === 'plan' ? null : fs.openSync(path, mode === 'create' ? 'w' : 'r+');
  }

  /** Reserves `bytes` and returns the tensor record that points at them. */
  reserve(name: string, dataType: DataTypeCode, dims: number[], bytes: number): TensorRecord & { external: { offset: number } } {
    const align = bytes >= MAP_ALIGN ? MAP_ALIGN : SMALL_ALIGN;
    const offset = Math.ceil(this.end / align) * align;
    this.end = offset + bytes;
    return { name, dataType, dims, external: { location: this.location, offset, length: bytes } };
  }

  /** Writes `data` at absolute file position `position`. */
  writeAt(position: number, data: ArrayBufferView): void {
    if (this.fd === null) throw new Error('this TensorDataWriter only plans a layout: it cannot write');
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, position + done);
  }

  /** Reserves and writes a tensor held in memory. */
  put(name: string, dataType: DataTypeCode, dims: number[], data: ArrayBufferView): TensorRecord {
    const t = this.reserve(name, dataType, dims, data.byteLength);
    this.writeAt(t.external.offset, data);
    return t;
  }

  /** Total bytes of the file once closed. */
  get size(): number {
    return this.end;
  }

  /** Sizes the file to the reserved end (before workers fill it, or after the last write). */
  presize(): void {
    if (this.fd !== null) fs.ftruncateSync(this.fd, this.end);
  }

  close(): void {
    if (this.fd === null) return;
    if (this.mode === 'create') fs.ftruncateSync(this.fd, this.end);
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }

  abort(): void {
    if (this.fd === null) return;
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
    this.fd = null;
  }
}
