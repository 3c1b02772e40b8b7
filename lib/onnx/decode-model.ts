/**
 * Reads an ONNX ModelProto into the plain records of records.ts: the inverse of
 * encode-model.ts. Opsets, metadata, every node and every field the records do not model
 * (kept as `extra`, byte for byte) survive a read and a write.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/ (varint = 0, 64-bit = 1,
 * length-delimited = 2, 32-bit = 5). Field numbers: onnx/onnx.proto. Repeated numeric fields
 * are accepted packed or unpacked, as every proto parser must.
 *
 * Weights stored inline (raw_data) are views into the input buffer, not copies; typed
 * fields (float_data, int32_data, int64_data, ...) are converted to little-endian raw bytes.
 * Weights stored externally stay where they are: the record holds their ExternalRef
 * (location, offset, length), to be read with tensor-bytes.ts.
 */
import { ModelInvalidError } from '../errors';
import type {
  AttrValue, DataTypeCode, Dim, ExternalRef, GraphRecord, ModelRecord, NodeRecord, OpsetRecord, TensorRecord, ValueInfoRecord,
} from './records';
import { DATA_TYPE_BITS, DataType, tensorByteLength } from './records';

/** The bytes are not a ModelProto that this reader understands (code model_invalid). */
export class OnnxDecodeError extends ModelInvalidError {}

const UTF8 = new TextDecoder('utf-8');

/** One field as read from the wire. */
interface Field {
  field: number;
  wire: number;
  /** varint value (exact when safe, else see `big`), or fixed32/fixed64 raw value. */
  num: number;
  big?: bigint;
  /** Length-delimited payload, or the 4/8 bytes of a fixed field. */
  bytes?: Uint8Array;
  /** Start and end of the whole field (tag included) in the message being read. */
  start: number;
  end: number;
}

/** Walks the fields of one message. */
function* fields(buf: Uint8Array, what: string): Generator<Field> {
  let pos = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const varint = (): { num: number; big?: bigint } => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (pos >= buf.length) throw new OnnxDecodeError(`truncated ${what}: a varint runs past the end`);
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return { num: result };
      mul *= 128;
    }
    // Beyond 49 bits: finish in BigInt (int64 values, negatives as 10-byte two's complement).
    let big = BigInt(result);
    let shift = 49n;
    for (;;) {
      if (pos >= buf.length) throw new OnnxDecodeError(`truncated ${what}: a varint runs past the end`);
      const b = buf[pos++];
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
      if (shift > 70n) throw new OnnxDecodeError(`malformed ${what}: a varint is longer than 10 bytes`);
    }
    const signed = BigInt.asIntN(64, big);
    return { num: Number(signed), big: signed };
  };
  while (pos < buf.length) {
    const start = pos;
    const tag = varint().num;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new OnnxDecodeError(`malformed ${what}: field number 0 at byte ${start}`);
    if (wire === 0) {
      const v = varint();
      yield { field, wire, num: v.num, big: v.big, start, end: pos };
    } else if (wire === 2) {
      const len = varint().num;
      if (pos + len > buf.length) throw new OnnxDecodeError(`truncated ${what}: field ${field} needs ${len} bytes, ${buf.length - pos} remain`);
      const bytes = buf.subarray(pos, pos + len);
      pos += len;
      yield { field, wire, num: len, bytes, start, end: pos };
    } else if (wire === 5 || wire === 1) {
      const n = wire === 5 ? 4 : 8;
      if (pos + n > buf.length) throw new OnnxDecodeError(`truncated ${what}: a fixed field runs past the end`);
      const num = wire === 5 ? view.getFloat32(pos, true) : view.getFloat64(pos, true);
      const bytes = buf.subarray(pos, pos + n);
      pos += n;
      yield { field, wire, num, bytes, start, end: pos };
    } else {
      throw new OnnxDecodeError(`malformed ${what}: wire type ${wire} at byte ${start} (not a protobuf message?)`);
    }
  }
}

function str(f: Field): string {
  return UTF8.decode(f.bytes ?? new Uint8Array(0));
}

function whole(buf: Uint8Array, f: Field): Uint8Array {
  return buf.subarray(f.start, f.end);
}

/** Reads a repeated varint field that may be packed (wire 2) or not. */
function varints(f: Field, out: (number | bigint)[]): void {
  if (f.wire === 0) { out.push(f.big ?? f.num); return; }
  for (const x of fields(packedAsVarints(f.bytes!), 'packed varints')) out.push(x.big ?? x.num);
}

/** Re-tags packed varints as field-1 varints so `fields` can walk them. */
function packedAsVarints(bytes: Uint8Array): Uint8Array {
  // A packed run is just varints back to back; interleave a tag byte (field 1, wire 0 = 0x08).
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    out.push(0x08);
    do { out.push(bytes[i]); } while (bytes[i++] >= 0x80 && i < bytes.length);
  }
  return Uint8Array.from(out);
}

/** Reads a repeated fixed32 (float) or fixed64 (double) field, packed or not. */
function fixeds(f: Field, width: 4 | 8, out: number[]): void {
  if (f.wire !== 2) { out.push(f.num); return; }
  const b = f.bytes!;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i + width <= b.length; i += width) out.push(width === 4 ? view.getFloat32(i, true) : view.getFloat64(i, true));
}

function safeInts(values: (number | bigint)[]): number[] | null {
  const out: number[] = [];
  for (const v of values) {
    if (typeof v === 'bigint' || !Number.isSafeInteger(v)) {
      if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) { out.push(Number(v)); continue; }
      return null;
    }
    out.push(v);
  }
  return out;
}

// ---- TensorProto ------------------------------------------------------------------------

function decodeTensor(buf: Uint8Array): TensorRecord {
  const dims: (number | bigint)[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  let external: Partial<ExternalRef> | undefined;
  let location = 0;
  const strings: Uint8Array[] = [];
  const floats: number[] = [];
  const doubles: number[] = [];
  const int32s: (number | bigint)[] = [];
  const int64s: (number | bigint)[] = [];
  const extra: Uint8Array[] = [];
  for (const f of fields(buf, 'TensorProto')) {
    switch (f.field) {
      case 1: varints(f, dims); break;
      case 2: dataType = f.num; break;
      case 4: fixeds(f, 4, floats); break;
      case 5: varints(f, int32s); break;
      case 6: strings.push(f.bytes!); break;
      case 7: case 11: varints(f, int64s); break;
      case 8: name = str(f); break;
      case 9: raw = f.bytes; break;
      case 10: fixeds(f, 8, doubles); break;
      case 13: {
        external ??= {};
        let key = '';
        let value = '';
        for (const e of fields(f.bytes!, 'external_data entry')) {
          if (e.field === 1) key = str(e);
          else if (e.field === 2) value = str(e);
        }
        if (key === 'location') external.location = value;
        else if (key === 'offset') external.offset = Number(value);
        else if (key === 'length') external.length = Number(value);
        break;
      }
      case 14: location = f.num; break;
      default: extra.push(whole(buf, f));
    }
  }
  const d = safeInts(dims);
  if (!d || d.some((x) => x < 0)) throw new OnnxDecodeError(`tensor '${name}' has invalid dims ${dims.join(',')}`);
  const t: TensorRecord = { name, dataType: dataType as DataTypeCode, dims: d };
  if (extra.length) t.extra = extra;
  if (location === 1 || external) {
    if (!external?.location) throw new OnnxDecodeError(`tensor '${name}' is stored externally but names no location`);
    const length = external.length ?? tensorByteLength(dataType, d);
    if (length === null || !Number.isFinite(length)) throw new OnnxDecodeError(`tensor '${name}' is stored externally with no length and type ${dataType}`);
    const offset = external.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new OnnxDecodeError(`tensor '${name}' has an invalid external offset`);
    t.external = { location: external.location, offset, length };
    return t;
  }
  if (dataType === DataType.STRING) { t.strings = strings; return t; }
  t.raw = raw ?? typedToRaw(dataType, floats, doubles, int32s, int64s);
  return t;
}

/** Converts the typed repeated fields (onnx.proto's float_data, int32_data, ...) to raw little-endian bytes. */
function typedToRaw(dataType: number, floats: number[], doubles: number[], int32s: (number | bigint)[], int64s: (number | bigint)[]): Uint8Array {
  if (floats.length) return new Uint8Array(Float32Array.from(floats).buffer);
  if (doubles.length) return new Uint8Array(Float64Array.from(doubles).buffer);
  if (int64s.length) {
    const out = new BigInt64Array(int64s.length);
    int64s.forEach((v, i) => { out[i] = typeof v === 'bigint' ? v : BigInt(v); });
    if (dataType === DataType.UINT32) return new Uint8Array(Uint32Array.from(out, (v) => Number(BigInt.asUintN(32, v))).buffer);
    return new Uint8Array(out.buffer);
  }
  if (int32s.length) {
    // int32_data carries INT32, INT16, INT8, UINT16, UINT8, BOOL and FLOAT16 (as bits) elements.
    const bits = DATA_TYPE_BITS[dataType] ?? 32;
    const nums = int32s.map((v) => Number(v));
    if (bits === 8) return Uint8Array.from(nums, (v) => v & 0xff);
    if (bits === 16) return new Uint8Array(Uint16Array.from(nums, (v) => v & 0xffff).buffer);
    if (bits === 4) {
      const out = new Uint8Array(Math.ceil(nums.length / 2));
      nums.forEach((v, i) => { out[i >> 1] |= (v & 0xf) << ((i & 1) * 4); });
      return out;
    }
    return new Uint8Array(Int32Array.from(nums).buffer);
  }
  return new Uint8Array(0);
}

// ---- AttributeProto ---------------------------------------------------------------------

function decodeAttribute(buf: Uint8Array): [string, AttrValue] {
  let name = '';
  let type = 0;
  let f32: number | undefined;
  let i64: number | bigint | undefined;
  let s: Uint8Array | undefined;
  let t: Uint8Array | undefined;
  const floats: number[] = [];
  const ints: (number | bigint)[] = [];
  const strings: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  let other = false;
  for (const f of fields(buf, 'AttributeProto')) {
    if (f.field !== 1) rest.push(whole(buf, f));
    switch (f.field) {
      case 1: name = str(f); break;
      case 2: f32 = f.num; break;
      case 3: i64 = f.big ?? f.num; break;
      case 4: s = f.bytes; break;
      case 5: t = f.bytes; break;
      case 7: fixeds(f, 4, floats); break;
      case 8: varints(f, ints); break;
      case 9: strings.push(f.bytes!); break;
      case 20: type = f.num; break;
      default: other = true;
    }
  }
  const raw: AttrValue = { kind: 'raw', fields: rest };
  if (other) return [name, raw];
  // AttributeProto.AttributeType; older files may omit `type`: infer it from the field present.
  if (!type) type = f32 !== undefined ? 1 : i64 !== undefined ? 2 : s ? 3 : t ? 4 : floats.length ? 6 : ints.length ? 7 : strings.length ? 8 : 0;
  switch (type) {
    case 1: return [name, { kind: 'float', value: f32 ?? 0 }];
    case 2: {
      const v = safeInts([i64 ?? 0]);
      return [name, v ? { kind: 'int', value: v[0] } : raw];
    }
    case 3: return [name, { kind: 'string', value: UTF8.decode(s ?? new Uint8Array(0)) }];
    case 4: return [name, { kind: 'tensor', value: decodeTensor(t ?? new Uint8Array(0)) }];
    case 6: return [name, { kind: 'floats', value: floats }];
    case 7: {
      const v = safeInts(ints);
      return [name, v ? { kind: 'ints', value: v } : raw];
    }
    case 8: return [name, { kind: 'strings', value: strings.map((x) => UTF8.decode(x)) }];
    default: return [name, raw];
  }
}

// ---- NodeProto, ValueInfoProto, GraphProto, ModelProto ----------------------------------

function decodeNode(buf: Uint8Array): NodeRecord {
  const n: NodeRecord = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: {} };
  const extra: Uint8Array[] = [];
  for (const f of fields(buf, 'NodeProto')) {
    switch (f.field) {
      case 1: n.inputs.push(str(f)); break;
      case 2: n.outputs.push(str(f)); break;
      case 3: n.name = str(f); break;
      case 4: n.opType = str(f); break;
      case 5: { const [k, v] = decodeAttribute(f.bytes!); n.attributes[k] = v; break; }
      case 7: n.domain = str(f); break;
      default: extra.push(whole(buf, f));
    }
  }
  if (extra.length) n.extra = extra;
  return n;
}

function decodeValueInfo(buf: Uint8Array): ValueInfoRecord {
  const v: ValueInfoRecord = { name: '', dataType: 0, shape: null };
  const extra: Uint8Array[] = [];
  for (const f of fields(buf, 'ValueInfoProto')) {
    if (f.field === 1) v.name = str(f);
    else if (f.field === 2) readType(f.bytes!, v);
    else extra.push(whole(buf, f));
  }
  if (extra.length) v.extra = extra;
  return v;
}

/** Fills dataType and shape from a TypeProto.Tensor; anything else is kept as rawType. */
function readType(buf: Uint8Array, v: ValueInfoRecord): void {
  let plain = true;
  let tensor: Uint8Array | undefined;
  for (const f of fields(buf, 'TypeProto')) {
    if (f.field === 1) tensor = f.bytes;
    else plain = false; // sequence, map, optional, sparse, or a denotation
  }
  if (!tensor || !plain) { v.rawType = buf; return; }
  for (const f of fields(tensor, 'TypeProto.Tensor')) {
    if (f.field === 1) v.dataType = f.num as DataTypeCode;
    else if (f.field === 2) {
      const shape: Dim[] = [];
      for (const d of fields(f.bytes!, 'TensorShapeProto')) {
        if (d.field !== 1) continue;
        let dim: Dim = '';
        for (const x of fields(d.bytes!, 'Dimension')) {
          if (x.field === 1) dim = x.num;
          else if (x.field === 2) dim = str(x);
          else { v.rawType = buf; } // a dimension denotation: keep the whole type as it was
        }
        shape.push(dim);
      }
      v.shape = shape;
    } else v.rawType = buf;
  }
}

function decodeGraph(buf: Uint8Array): GraphRecord {
  const g: GraphRecord = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  const valueInfo: ValueInfoRecord[] = [];
  const extra: Uint8Array[] = [];
  for (const f of fields(buf, 'GraphProto')) {
    switch (f.field) {
      case 1: g.nodes.push(decodeNode(f.bytes!)); break;
      case 2: g.name = str(f); break;
      case 5: g.initializers.push(decodeTensor(f.bytes!)); break;
      case 11: g.inputs.push(decodeValueInfo(f.bytes!)); break;
      case 12: g.outputs.push(decodeValueInfo(f.bytes!)); break;
      case 13: valueInfo.push(decodeValueInfo(f.bytes!)); break;
      default: extra.push(whole(buf, f));
    }
  }
  if (valueInfo.length) g.valueInfo = valueInfo;
  if (extra.length) g.extra = extra;
  return g;
}

/**
 * Decodes a serialised ModelProto (the bytes of a .onnx file). Throws OnnxDecodeError when
 * the bytes are not one (truncated, another format, or a ModelProto without a graph).
 */
export function decodeModel(bytes: Uint8Array): ModelRecord {
  const m: ModelRecord = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', graph: undefined as unknown as GraphRecord, metadata: {} };
  const extra: Uint8Array[] = [];
  let graph: GraphRecord | undefined;
  for (const f of fields(bytes, 'ModelProto')) {
    switch (f.field) {
      case 1: m.irVersion = f.num; break;
      case 2: m.producerName = str(f); break;
      case 3: m.producerVersion = str(f); break;
      case 4: m.domain = str(f); break;
      case 5: m.modelVersion = f.num; break;
      case 6: m.docString = str(f); break;
      case 7: graph = decodeGraph(f.bytes!); break;
      case 8: {
        const o: OpsetRecord = { domain: '', version: 0 };
        for (const x of fields(f.bytes!, 'OperatorSetIdProto')) {
          if (x.field === 1) o.domain = str(x);
          else if (x.field === 2) o.version = x.num;
        }
        m.opsets.push(o);
        break;
      }
      case 14: {
        let key = '';
        let value = '';
        for (const x of fields(f.bytes!, 'metadata entry')) {
          if (x.field === 1) key = str(x);
          else if (x.field === 2) value = str(x);
        }
        m.metadata[key] = value;
        break;
      }
      default: extra.push(whole(bytes, f));
    }
  }
  if (!graph) throw new OnnxDecodeError('the bytes hold no ONNX graph (ModelProto field 7 is missing): not an ONNX model, or a truncated one');
  if (!m.irVersion) throw new OnnxDecodeError('the ModelProto has no ir_version: not an ONNX model');
  m.graph = graph;
  if (extra.length) m.extra = extra;
  return m;
}
