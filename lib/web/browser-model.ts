/**
 * What the in-browser inference page needs to know about a cached model, as one plain record
 * (the manifest): the ModelFolder facts generate() uses, and the files the browser may fetch,
 * each named relative to the model folder and served by id + name only (model-files.ts).
 *
 * Size limit: onnxruntime-web copies the model into WebAssembly memory, which is 32-bit
 * (4 GiB at most, and a tab rarely gets that), and the page holds a second copy while it
 * caches the bytes. Models over BROWSER_MAX_BYTES are refused before any byte is sent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModelFolder, type ModelFolder } from '../engine/model-folder';
import { TOKENIZER_FILES } from '../engine/tokenizer';
import { resolveInside } from '../util/inside-folder';

export const BROWSER_MAX_BYTES = 2 * 1024 ** 3;

export type ModelFileRole = 'model' | 'external-data' | 'tokenizer';

export interface BrowserModelFile {
  /** Path relative to the model folder, '/'-separated (e.g. 'model.onnx', 'onnx/model.onnx'). */
  name: string;
  role: ModelFileRole;
  bytes: number;
  /** Changes when the file does: the browser's cache key. */
  version: string;
}

/** The ModelFolder fields generate() reads, without the server's absolute paths. */
export type BrowserModelFolder = Omit<ModelFolder, 'dir' | 'onnxPath'> & { dir: string; onnxPath: string };

export interface BrowserManifest {
  id: string;
  folder: BrowserModelFolder;
  files: BrowserModelFile[];
  totalBytes: number;
  /** null when the browser may load it; else why not, naming the fix. */
  refused: string | null;
}

function fileRecord(dir: string, abs: string, role: ModelFileRole): BrowserModelFile {
  // A link out of the folder is refused here too, so its target's size is never shown (util/inside-folder.ts).
  const st = fs.statSync(resolveInside(dir, path.relative(dir, abs)));
  return { name: path.relative(dir, abs).split(path.sep).join('/'), role, bytes: st.size, version: `${st.size}-${Math.round(st.mtimeMs)}` };
}

/**
 * The external-data files next to the .onnx: ONNX writers name them after the model file
 * (model.onnx_data, model.onnx.data, model_q4.onnx_data).
 */
function externalDataFiles(onnxPath: string): string[] {
  const dir = path.dirname(onnxPath);
  const base = path.basename(onnxPath);
  return fs.readdirSync(dir)
    .filter((f) => f !== base && f.startsWith(base) && /data$/.test(f))
    .map((f) => path.join(dir, f));
}

/** The manifest of a model folder; `id` is the name the service knows it by. */
export function browserManifest(id: string, dir: string): BrowserManifest {
  const folder = inspectModelFolder(dir);
  const files: BrowserModelFile[] = [fileRecord(folder.dir, folder.onnxPath, 'model')];
  for (const f of externalDataFiles(folder.onnxPath)) files.push(fileRecord(folder.dir, f, 'external-data'));
  for (const name of TOKENIZER_FILES) {
    const abs = path.join(folder.dir, name);
    if (fs.existsSync(abs)) files.push(fileRecord(folder.dir, abs, 'tokenizer'));
  }
  const totalBytes = files.reduce((a, f) => a + f.bytes, 0);
  const gib = (n: number) => (n / 1024 ** 3).toFixed(2);
  const refused = totalBytes > BROWSER_MAX_BYTES
    ? `${id} is ${gib(totalBytes)} GiB, more than a browser tab can hold (${gib(BROWSER_MAX_BYTES)} GiB of WebAssembly memory): pick a smaller model or an int4 variant`
    : null;
  const name = (f: string) => path.relative(folder.dir, f).split(path.sep).join('/');
  return { id, folder: { ...folder, dir: '', onnxPath: name(folder.onnxPath) }, files, totalBytes, refused };
}
