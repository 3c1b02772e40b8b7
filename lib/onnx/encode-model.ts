/**
 * A minimal protocol-buffers encoder for the records of records.ts (ONNX IR v10). Weights
 * usually never pass through here: they live in the external data file (synth's
 * tensor-data-writer.ts, used by synth/ and quantize/), so the encoded graph stays small even
 * for multi-GB models. Fields a record keeps as `extra` (read by decode-model.ts) are
 * appended as they were encoded.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/ (varint = 0, length-delimited = 2,
 * 32-bit = 5). Field numbers: onnx/onnx.proto (ModelProto, GraphProto, NodeProto, ...).
 * Repeated scalars are written unpacked, which every protobuf parser accepts for proto2 schemas.
 */

import type { AttrValue, GraphRecord, ModelRecord, NodeRecord, TensorRecord, ValueInfoRecord } from './records';

// TextEncoder, not Node's Buffer: the in-browser inference worker encodes graphs too (lib/web/browser/inference-worker.ts).
const UTF8 = new TextEncoder();

/** Appends protobuf fields to a growing byte buffer. */
class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Unsigned or signed varint; negatives use 10-byte two's complement (int64 semantics). */
  varint(value: number): this {
    if (!Number.isInteger(value)) throw new RangeError(`varint needs an integer, got ${value}`);
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number): this {
    this.tag(field, 0);
    return this.varint(value);
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, UTF8.encode(s));
  }

  /** Appends already-encoded fields (tag included), e.g. a record's `extra`. */
  raw(fields: readonly Uint8Array[] | undefined): this {
    for (const f of fields ?? []) {
      this.ensure(f.length);
      this.buf.set(f, this.len);
      this.len += f.length;
    }
    return this;
  }

  message(field: number, encode: (w: Writer) => void): this {
    const sub = new Writer();
    encode(sub);
    return this.bytes(field, sub.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function writeTensor(w: Writer, t: TensorRecord): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  if (t.external) {
    const entries: [string, string][] = [
      ['location', t.external.location],
      ['offset', String(t.external.offset)],
      ['length', String(t.external.length)],
    ];
    for (const [key, value] of entries) w.message(13, (e) => e.string(1, key).string(2, value));
    w.int(14, 1); // data_location = EXTERNAL
  } else if (t.strings) {
    for (const b of t.strings) w.bytes(6, b);
  } else {
    w.bytes(9, t.raw ?? new Uint8Array(0));
  }
  w.raw(t.extra);
}

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

function writeAttribute(w: Writer, name: string, a: AttrValue): void {
  w.string(1, name);
  if (a.kind === 'raw') { w.raw(a.fields); return; }
  switch (a.kind) {
    case 'float': w.float(2, a.value); break;
    case 'int': w.int(3, a.value); break;
    case 'string': w.string(4, a.value); break;
    case 'tensor': w.message(5, (t) => writeTensor(t, a.value)); break;
    case 'floats': for (const f of a.value) w.float(7, f); break;
    case 'ints': for (const i of a.value) w.int(8, i); break;
    case 'strings': for (const x of a.value) w.string(9, x); break;
  }
  w.int(20, ATTR_TYPE[a.kind]);
}

function writeNode(w: Writer, n: NodeRecord): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(5, (x) => writeAttribute(x, name, a));
  if (n.domain) w.string(7, n.domain);
  w.raw(n.extra);
}

function writeValueInfo(w: Writer, v: ValueInfoRecord): void {
  w.string(1, v.name);
  if (v.rawType) {
    w.bytes(2, v.rawType);
  } else {
    const shape = v.shape;
    w.message(2, (type) =>
      type.message(1, (tensor) => {
        tensor.int(1, v.dataType);
        if (shape) {
          tensor.message(2, (s) => {
            for (const d of shape) s.message(1, (dim) => { if (typeof d === 'number') dim.int(1, d); else if (d !== '') dim.string(2, d); });
          });
        }
      }),
    );
  }
  w.raw(v.extra);
}

function writeGraph(w: Writer, g: GraphRecord): void {
  for (const n of g.nodes) w.message(1, (x) => writeNode(x, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (x) => writeTensor(x, t));
  for (const v of g.inputs) w.message(11, (x) => writeValueInfo(x, v));
  for (const v of g.outputs) w.message(12, (x) => writeValueInfo(x, v));
  for (const v of g.valueInfo ?? []) w.message(13, (x) => writeValueInfo(x, v));
  w.raw(g.extra);
}

/** Encodes a ModelProto. */
export function encodeModel(m: ModelRecord): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  if (m.domain) w.string(4, m.domain);
  if (m.modelVersion !== undefined) w.int(5, m.modelVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, (g) => writeGraph(g, m.graph));
  for (const o of m.opsets) w.message(8, (x) => { if (o.domain) x.string(1, o.domain); x.int(2, o.version); });
  for (const [key, value] of Object.entries(m.metadata)) w.message(14, (e) => e.string(1, key).string(2, value));
  w.raw(m.extra);
  return w.finish();
}
