/** SHA-256 of a file, streamed (a model's weights do not fit in memory twice). */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file).on('error', reject).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex')));
  });
}
