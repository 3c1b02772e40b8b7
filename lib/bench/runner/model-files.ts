/**
 * Size of a model on disk as its engine loads it, shown beside the memory of the process that
 * runs it: on ONNX Runtime the files of its folder (graph, external weights, tokenizer and
 * configs; not a GGUF kept beside them, nor links out of the folder); on llama.cpp the GGUF it
 * runs (lib/engines/llama-cpp/gguf-for-model.ts, exported on first use, as loading would).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineName } from '../../engines/status';
import { ggufForModel } from '../../engines/llama-cpp/gguf-for-model';

export function modelFilesBytes(dir: string): number | null {
  try {
    let total = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isFile() && !e.name.endsWith('.gguf')) total += fs.statSync(path.join(dir, e.name)).size;
    return total;
  } catch { return null; }
}

/** The bytes the cell's engine loads for the model in `dir`; null when they cannot be known (e.g. a model llama.cpp cannot run). */
export function servedFilesBytes(dir: string, engine: EngineName): number | null {
  if (engine !== 'llama.cpp') return modelFilesBytes(dir);
  try { return fs.statSync(ggufForModel(dir).file).size; } catch { return null; }
}
