/**
 * Collects the nodes, initializers and I/O of one ONNX graph. Node helpers return the
 * names of their outputs, so a model reads top to bottom like its forward pass.
 */
import { type AttrValue, type DataTypeCode, type Dim, type GraphRecord, type NodeRecord, type TensorRecord, type ValueInfoRecord } from '../onnx/records';

export type Attrs = Record<string, number | string | number[] | { floats: number[] } | { float: number }>;

function toAttr(v: Attrs[string]): AttrValue {
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (Array.isArray(v)) return { kind: 'ints', value: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
  if ('floats' in v) return { kind: 'floats', value: v.floats };
  return { kind: 'float', value: v.float };
}

export class GraphBuilder {
  readonly nodes: NodeRecord[] = [];
  readonly initializers: TensorRecord[] = [];
  readonly inputs: ValueInfoRecord[] = [];
  readonly outputs: ValueInfoRecord[] = [];

  constructor(readonly name: string) {}

  input(name: string, dataType: DataTypeCode, shape: Dim[]): string {
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  output(name: string, dataType: DataTypeCode, shape: Dim[]): void {
    this.outputs.push({ name, dataType, shape });
  }

  initializer(t: TensorRecord): string {
    this.initializers.push(t);
    return t.name;
  }

  /**
   * Adds a node named `name` (a path such as /model/layers.0/attn/GroupQueryAttention).
   * Outputs default to `${name}/output_${i}`; pass names to bind graph outputs.
   */
  node(opType: string, name: string, inputs: string[], opts: { outputs?: string[]; count?: number; attrs?: Attrs; domain?: string } = {}): string[] {
    const outputs = opts.outputs ?? Array.from({ length: opts.count ?? 1 }, (_, i) => `${name}/output_${i}`);
    const attributes: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(opts.attrs ?? {})) attributes[k] = toAttr(v);
    this.nodes.push({ opType, domain: opts.domain ?? '', name, inputs, outputs, attributes });
    return outputs;
  }

  /** Shorthand for single-output nodes. */
  op(opType: string, name: string, inputs: string[], attrs?: Attrs, domain?: string): string {
    return this.node(opType, name, inputs, { attrs, domain })[0];
  }

  graph(): GraphRecord {
    return { name: this.name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs };
  }
}
