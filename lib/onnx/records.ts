/**
 * Plain records for the parts of onnx.proto (ONNX IR v10) that slmlab reads and writes:
 * ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto.
 * Field numbers and meanings: onnx/onnx.proto in github.com/onnx/onnx.
 *
 * The records are what `encodeModel` writes and `decodeModel` returns. Whatever the records
 * do not model (functions, sparse initializers, doc strings of nodes, subgraph attributes,
 * ...) is kept by the reader as `extra`: the field's original bytes, tag included, which
 * the writer appends unchanged. So a model read and written again keeps every field.
 */

/** TensorProto.DataType (onnx.proto). */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22,
} as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** Bits per element of each fixed-size data type (STRING and UNDEFINED have none). */
export const DATA_TYPE_BITS: Readonly<Record<number, number>> = {
  1: 32, 2: 8, 3: 8, 4: 16, 5: 16, 6: 32, 7: 64, 9: 8, 10: 16, 11: 64, 12: 32, 13: 64, 14: 64, 15: 128, 16: 16,
  17: 8, 18: 8, 19: 8, 20: 8, 21: 4, 22: 4,
};

/** The name of a data type code, e.g. 1 -> 'FLOAT'; 'type 99' for codes onnx.proto does not define. */
export function dataTypeName(code: number): string {
  for (const [name, value] of Object.entries(DataType)) if (value === code) return name;
  return `type ${code}`;
}

export interface ExternalRef { location: string; offset: number; length: number }

export interface TensorRecord {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** Inline bytes (little-endian), or a reference into the external data file. */
  raw?: Uint8Array;
  external?: ExternalRef;
  /** STRING tensors only: the elements' bytes. */
  strings?: Uint8Array[];
  /** Fields the record does not model, as encoded (tag included); written back unchanged. */
  extra?: Uint8Array[];
}

export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorRecord }
  /**
   * Any other attribute (a subgraph, tensors, type protos, an int beyond 2^53): every field
   * but the name, as encoded, written back unchanged.
   */
  | { kind: 'raw'; fields: Uint8Array[] };

export interface NodeRecord {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttrValue>;
  /** Fields the record does not model (doc_string, overload, metadata_props, ...), as encoded. */
  extra?: Uint8Array[];
}

/** A dimension is a fixed size or a symbolic name such as 'batch_size'; '' is a dimension with neither. */
export type Dim = number | string;

export interface ValueInfoRecord {
  name: string;
  dataType: DataTypeCode;
  /** null: the rank is unknown (the TypeProto has no shape). */
  shape: Dim[] | null;
  /**
   * A TypeProto that is not a plain tensor type (sequence, map, optional, sparse), kept as
   * encoded; when set, the writer emits it instead of dataType and shape.
   */
  rawType?: Uint8Array;
  extra?: Uint8Array[];
}

export interface GraphRecord {
  name: string;
  nodes: NodeRecord[];
  initializers: TensorRecord[];
  inputs: ValueInfoRecord[];
  outputs: ValueInfoRecord[];
  /** Shapes of intermediate values, when the producer recorded them. */
  valueInfo?: ValueInfoRecord[];
  extra?: Uint8Array[];
}

export interface OpsetRecord { domain: string; version: number }

export interface ModelRecord {
  irVersion: number;
  opsets: OpsetRecord[];
  producerName: string;
  producerVersion: string;
  graph: GraphRecord;
  metadata: Record<string, string>;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  /** Fields the record does not model (functions, training_info, ...), as encoded. */
  extra?: Uint8Array[];
}

/**
 * Bytes a tensor's data occupies: product of dims x element size (4-bit types packed two
 * per byte, rounded up). Null for STRING and unknown types.
 */
export function tensorByteLength(dataType: number, dims: readonly number[]): number | null {
  const bits = DATA_TYPE_BITS[dataType];
  if (!bits) return null;
  const count = dims.reduce((a, d) => a * d, 1);
  return Math.ceil((count * bits) / 8);
}
