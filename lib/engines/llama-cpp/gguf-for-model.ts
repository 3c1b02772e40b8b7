/**
 * The GGUF llama.cpp runs for an ONNX model folder: <folder>/model.gguf when the folder has
 * one (`slmlab model export <folder> --gguf` writes it there), else an export kept in
 * <cache>/gguf/<folder name>-<stamp>.gguf, made on first use (the stamp follows the .onnx
 * file's size and time, so a rebuilt model gets a fresh export). Writing goes through a
 * temporary file and a rename (export-gguf.ts), so a half-written GGUF is never picked up.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { cacheDir } from '../../cache/location';
import { inspectModelFolder } from '../../engine/model-folder';
import { exportGguf, type GgufExportReport } from '../../gguf/export-gguf';

export interface ModelGguf { file: string; exported: GgufExportReport | null }

export function ggufForModel(dir: string, root: string = cacheDir()): ModelGguf {
  const own = path.join(dir, 'model.gguf');
  if (fs.existsSync(own)) return { file: own, exported: null };
  const folder = inspectModelFolder(dir);
  const st = fs.statSync(folder.onnxPath);
  const stamp = createHash('sha256').update(`${folder.onnxPath}\0${st.size}\0${st.mtimeMs}`).digest('hex').slice(0, 10);
  const file = path.join(root, 'gguf', `${path.basename(folder.dir)}-${stamp}.gguf`);
  if (fs.existsSync(file)) return { file, exported: null };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return { file, exported: exportGguf(dir, { out: file }) };
}
