/** slmlab's version from its package.json (null when unreadable), recorded in a pack's manifest. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function readJsonVersion(): string | null {
  try {
    const v = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch { return null; }
}
