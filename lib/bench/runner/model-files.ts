/**
 * Size of a model on disk: the files of its folder (graph, external weights, tokenizer and
 * configs), not following links out of it. Shown beside the memory of the process that runs it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function modelFilesBytes(dir: string): number | null {
  try {
    let total = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isFile()) total += fs.statSync(path.join(dir, e.name)).size;
    return total;
  } catch { return null; }
}
