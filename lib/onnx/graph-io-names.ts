/**
 * The names of a model's graph inputs and outputs, read from the .onnx file without reading
 * it whole (the weights of an Optimum export can sit inline, hundreds of MB): ModelProto.graph
 * (field 7) -> GraphProto.input (11) / output (12) -> ValueInfoProto.name (1). Field numbers
 * are those of onnx/onnx.proto3; the walk skips every other field by its length.
 */
import * as fs from 'node:fs';
import { FileReader, fields } from './external-data-check';

export interface GraphIoNames { inputs: string[]; outputs: string[] }

/** Throws RangeError on a file that is not a ModelProto. */
export function graphIoNames(onnxPath: string): GraphIoNames {
  const fd = fs.openSync(onnxPath, 'r');
  try {
    const r = new FileReader(fd, fs.fstatSync(fd).size);
    const out: GraphIoNames = { inputs: [], outputs: [] };
    for (const f of fields(r, 0, r.size)) {
      if (f.no !== 7 || f.wire !== 2) continue;
      for (const g of fields(r, f.start, f.end)) {
        if (g.wire !== 2 || (g.no !== 11 && g.no !== 12)) continue;
        for (const v of fields(r, g.start, g.end)) {
          if (v.no === 1 && v.wire === 2) (g.no === 11 ? out.inputs : out.outputs).push(r.bytes(v.start, v.end - v.start).toString('utf8'));
        }
      }
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}
