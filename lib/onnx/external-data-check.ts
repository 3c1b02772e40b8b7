/**
 * Checks, before ONNX Runtime sees a model, that every tensor stored as external data
 * (TensorProto.data_location = EXTERNAL, with `location`, `offset`, `length` entries; ONNX's
 * "External Data" spec, onnx/docs/ExternalData.md) lies inside its file, and that the file
 * stays inside the model's folder. ONNX Runtime maps external data into memory, so a
 * truncated `model.onnx_data` is not an error it can report: the process dies with SIGBUS on
 * first use. A short file found here is a ModelDamagedError instead, naming the repair.
 *
 * The .onnx file is walked as protobuf without being read whole: only the messages that can
 * hold tensors are entered (ModelProto.graph, GraphProto.initializer / sparse_initializer /
 * node, NodeProto.attribute, AttributeProto.t / tensors / g / graphs), and every other field
 * (raw_data included) is skipped by its length. Field numbers are those of onnx/onnx.proto3.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkInside } from '../util/inside-folder';

export interface ExternalDataRef {
  tensor: string;
  location: string;
  offset: number;
  /** Bytes the tensor occupies (its `length` entry, else dims x element size); null when unknown. */
  length: number | null;
}

export interface ExternalDataProblem {
  tensor: string;
  location: string;
  message: string;
  /** What is wrong (issue 21; absent in older records): a link or path out of the folder, a missing file, bytes past the end. */
  kind?: 'outside' | 'missing' | 'truncated';
}

// ---- a positional protobuf reader over a file ---------------------------------------------

const WINDOW = 64 * 1024;

/** Reads a file's bytes at any position through a small window (also used by graph-io-names.ts). */
export class FileReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  private byte(pos: number): number {
    if (pos < this.bufStart || pos >= this.bufStart + this.buf.length) {
      const len = Math.min(WINDOW, this.size - pos);
      if (len <= 0) throw new RangeError('truncated protobuf');
      this.buf = Buffer.alloc(len);
      fs.readSync(this.fd, this.buf, 0, len, pos);
      this.bufStart = pos;
    }
    return this.buf[pos - this.bufStart];
  }

  /** A varint at `pos` (values up to 2^53 exactly, which covers file offsets). */
  varint(pos: number): [value: number, next: number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos++);
      value += (b & 0x7f) * scale;
      if (b < 0x80) return [value, pos];
      scale *= 128;
    }
    throw new RangeError('malformed varint');
  }

  bytes(pos: number, len: number): Buffer {
    const out = Buffer.alloc(len);
    if (len > 0) fs.readSync(this.fd, out, 0, len, pos);
    return out;
  }
}

export interface Field { no: number; wire: number; start: number; end: number; value: number }

/** The fields of the message in [start, end): varints carry `value`; length-delimited ones a range. */
export function* fields(r: FileReader, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [key, p] = r.varint(pos);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) { const [v, n] = r.varint(p); yield { no, wire, start: p, end: n, value: v }; pos = n; }
    else if (wire === 1) { yield { no, wire, start: p, end: p + 8, value: 0 }; pos = p + 8; }
    else if (wire === 5) { yield { no, wire, start: p, end: p + 4, value: 0 }; pos = p + 4; }
    else if (wire === 2) {
      const [len, q] = r.varint(p);
      if (q + len > end) throw new RangeError('a field runs past its message');
      yield { no, wire, start: q, end: q + len, value: len };
      pos = q + len;
    } else throw new RangeError(`unsupported protobuf wire type ${wire}`);
  }
}

// ---- the ONNX messages that can hold tensors ----------------------------------------------

/** Bytes per element of TensorProto.DataType; 0.5 for the 4-bit types. */
const ELEMENT_BYTES: Record<number, number> = {
  1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2,
  17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5,
};

function tensor(r: FileReader, start: number, end: number, out: ExternalDataRef[]): void {
  const dims: number[] = [];
  let type = 0;
  let name = '';
  let external = false;
  const entries: Record<string, string> = {};
  for (const f of fields(r, start, end)) {
    if (f.no === 1 && f.wire === 0) dims.push(f.value);
    else if (f.no === 1 && f.wire === 2) for (let p = f.start; p < f.end;) { const [v, n] = r.varint(p); dims.push(v); p = n; }
    else if (f.no === 2 && f.wire === 0) type = f.value;
    else if (f.no === 8 && f.wire === 2) name = r.bytes(f.start, f.end - f.start).toString('utf8');
    else if (f.no === 14 && f.wire === 0) external = f.value === 1;
    else if (f.no === 13 && f.wire === 2) {
      let key = '';
      let value = '';
      for (const e of fields(r, f.start, f.end)) {
        if (e.wire !== 2) continue;
        const text = r.bytes(e.start, e.end - e.start).toString('utf8');
        if (e.no === 1) key = text; else if (e.no === 2) value = text;
      }
      entries[key] = value;
    }
  }
  if (!external) return;
  const count = dims.reduce((a, d) => a * d, 1);
  const per = ELEMENT_BYTES[type];
  const length = entries.length !== undefined && entries.length !== '' ? Number(entries.length) : per ? Math.ceil(count * per) : null;
  out.push({ tensor: name, location: entries.location ?? '', offset: Number(entries.offset ?? 0), length });
}

function graph(r: FileReader, start: number, end: number, out: ExternalDataRef[]): void {
  for (const f of fields(r, start, end)) {
    if (f.wire !== 2) continue;
    if (f.no === 5) tensor(r, f.start, f.end, out); // initializer
    else if (f.no === 15) { // sparse_initializer: values = 1, indices = 2
      for (const s of fields(r, f.start, f.end)) if (s.wire === 2 && (s.no === 1 || s.no === 2)) tensor(r, s.start, s.end, out);
    } else if (f.no === 1) { // node
      for (const a of fields(r, f.start, f.end)) if (a.wire === 2 && a.no === 5) attribute(r, a.start, a.end, out);
    }
  }
}

function attribute(r: FileReader, start: number, end: number, out: ExternalDataRef[]): void {
  for (const f of fields(r, start, end)) {
    if (f.wire !== 2) continue;
    if (f.no === 5 || f.no === 10) tensor(r, f.start, f.end, out); // t, tensors
    else if (f.no === 6 || f.no === 11) graph(r, f.start, f.end, out); // g, graphs
  }
}

/** Every external-data reference of the model at `onnxPath`. Throws RangeError on a malformed file. */
export function externalDataRefs(onnxPath: string): ExternalDataRef[] {
  const fd = fs.openSync(onnxPath, 'r');
  try {
    const r = new FileReader(fd, fs.fstatSync(fd).size);
    const out: ExternalDataRef[] = [];
    for (const f of fields(r, 0, r.size)) if (f.no === 7 && f.wire === 2) graph(r, f.start, f.end, out); // ModelProto.graph
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The problems of a model's external data: a reference outside the model's folder, a file
 * that is missing, or bytes past a file's end. An empty list means every reference is
 * inside its file. A .onnx that is not valid protobuf is left to ONNX Runtime, which reports it.
 */
export function checkExternalData(onnxPath: string, folder?: string): ExternalDataProblem[] {
  let refs: ExternalDataRef[];
  try {
    refs = externalDataRefs(onnxPath);
  } catch {
    // Not parsable as protobuf: ONNX Runtime reports that itself (as an error, not a crash).
    return [];
  }
  const dir = path.dirname(path.resolve(onnxPath));
  const sizes = new Map<string, number | null>();
  const problems: ExternalDataProblem[] = [];
  for (const ref of refs) {
    const file = path.resolve(dir, ref.location);
    if (!ref.location || path.isAbsolute(ref.location) || (file !== dir && !file.startsWith(dir + path.sep))) {
      problems.push({ tensor: ref.tensor, location: ref.location, kind: 'outside', message: `tensor '${ref.tensor}' points outside the model's folder (${JSON.stringify(ref.location)})` });
      continue;
    }
    // A link out of the folder is refused, not followed (util/inside-folder.ts).
    const inside = checkInside(folder ?? dir, ref.location, dir);
    if (!inside.ok && !inside.missing) {
      problems.push({ tensor: ref.tensor, location: ref.location, kind: 'outside', message: `tensor '${ref.tensor}' is stored in ${inside.error.message}` });
      continue;
    }
    if (!sizes.has(file)) {
      try { sizes.set(file, fs.statSync(file).size); } catch { sizes.set(file, null); }
    }
    const size = sizes.get(file) ?? null;
    if (size === null) {
      problems.push({ tensor: ref.tensor, location: ref.location, kind: 'missing', message: `${ref.location} is missing (tensor '${ref.tensor}' is stored there)` });
      continue;
    }
    const last = ref.offset + (ref.length ?? 0);
    if (!Number.isFinite(last) || ref.offset < 0 || last > size) {
      problems.push({ tensor: ref.tensor, location: ref.location, kind: 'truncated', message: `${ref.location} is ${size} bytes, but tensor '${ref.tensor}' needs bytes up to ${last} (the file is truncated or was replaced)` });
    }
  }
  return problems;
}
