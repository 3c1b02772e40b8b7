/**
 * Reads the bytes of initializers, wherever they live: inline in the ModelProto (raw) or in
 * an external data file beside the .onnx (ExternalRef: location, offset, length). Reads are
 * positional and partial, so a caller can stream a multi-GB tensor a band at a time.
 *
 * Locations are resolved inside the model's folder only: a location that climbs out of it
 * ('../x', an absolute path) is refused, as is a read past the end of a truncated file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelInvalidError } from '../errors';
import { OutsideFolderError, openInside } from '../util/inside-folder';
import type { TensorRecord } from './records';

export class TensorBytesReader {
  private fds = new Map<string, { fd: number; size: number }>();

  /**
   * `modelDir`: the folder of the .onnx file, against which external locations resolve;
   * `folder`: the model's folder (default modelDir), which every file read must really lie in
   * (links out are refused: util/inside-folder.ts).
   */
  constructor(readonly modelDir: string, readonly folder: string = modelDir) {}

  /** Total bytes of the tensor's data. */
  byteLength(t: TensorRecord): number {
    return t.external ? t.external.length : (t.raw?.length ?? 0);
  }

  /**
   * Reads `length` bytes starting `offset` bytes into tensor `t`'s data into `into` (or a new
   * buffer) and returns the filled view.
   */
  read(t: TensorRecord, offset = 0, length = this.byteLength(t) - offset, into?: Uint8Array): Uint8Array {
    const out = into ? into.subarray(0, length) : new Uint8Array(length);
    if (!t.external) {
      const raw = t.raw ?? new Uint8Array(0);
      if (offset + length > raw.length) throw new ModelInvalidError(`tensor '${t.name}' holds ${raw.length} bytes, fewer than its shape needs: the .onnx file is damaged; re-export or rebuild the model`);
      out.set(raw.subarray(offset, offset + length));
      return out;
    }
    const file = this.open(t);
    const position = t.external.offset + offset;
    let done = 0;
    while (done < length) {
      const n = fs.readSync(file.fd, out, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length) throw this.truncated(t, file.size);
    return out;
  }

  /** Checks that every external tensor lies inside its file (the cheap check before a long job). */
  checkBounds(tensors: readonly TensorRecord[]): void {
    for (const t of tensors) if (t.external) this.open(t);
  }

  private open(t: TensorRecord & { external?: { location: string; offset: number; length: number } }): { fd: number; size: number } {
    const ref = t.external!;
    let file = this.fds.get(ref.location);
    if (!file) {
      const abs = path.resolve(this.modelDir, ref.location);
      const rel = path.relative(this.modelDir, abs);
      if (path.isAbsolute(ref.location) || rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new ModelInvalidError(`tensor '${t.name}' points at external data '${ref.location}' outside the model folder: slmlab reads only files beside the .onnx`);
      }
      let fd: number;
      try {
        fd = openInside(this.folder, ref.location, this.modelDir);
      } catch (e) {
        if (e instanceof OutsideFolderError) throw new ModelInvalidError(`tensor '${t.name}' is stored in '${ref.location}', which is a link out of the model folder: ${e.message}`, { cause: e });
        throw new ModelInvalidError(`tensor '${t.name}' needs external data file '${ref.location}', which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): copy the whole model folder, .onnx and data files together`);
      }
      file = { fd, size: fs.fstatSync(fd).size };
      this.fds.set(ref.location, file);
    }
    if (ref.offset + ref.length > file.size) throw this.truncated(t, file.size);
    return file;
  }

  private truncated(t: TensorRecord, size: number): ModelInvalidError {
    const ref = t.external!;
    return new ModelInvalidError(`external data file '${ref.location}' is truncated: tensor '${t.name}' needs bytes ${ref.offset}..${ref.offset + ref.length} but the file has ${size}: download or copy the model again`);
  }

  close(): void {
    for (const { fd } of this.fds.values()) { try { fs.closeSync(fd); } catch { /* already closed */ } }
    this.fds.clear();
  }
}
