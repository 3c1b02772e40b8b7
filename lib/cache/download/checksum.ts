/**
 * Checksums computed while bytes stream to disk (no second read of the file):
 *   - SHA-256 of the content: what the Hub publishes for LFS files (siblings[].lfs.sha256,
 *     the LFS object id) and what plain URL sources may give;
 *   - git blob SHA-1, the object id git gives a file: sha1("blob <size>\0" + content)
 *     (Pro Git, "Git Objects"). The Hub publishes it as siblings[].blobId for every file;
 *     for files not in LFS (configs, tokenizers) it is the only checksum there is, so those
 *     are verified with it (for LFS files blobId is the pointer's id, so it is not used).
 * Without either, a file is verified by its size only.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';

export interface Expected {
  size: number | null;
  sha256: string | null;
  gitSha1: string | null;
}

export class StreamHasher {
  private readonly sha256 = crypto.createHash('sha256');
  private readonly sha1: crypto.Hash | null;
  bytes = 0;

  constructor(expected: Expected) {
    this.sha1 = expected.gitSha1 && expected.size !== null ? crypto.createHash('sha1').update(`blob ${expected.size}\0`) : null;
  }

  update(chunk: Buffer): void {
    this.sha256.update(chunk);
    this.sha1?.update(chunk);
    this.bytes += chunk.length;
  }

  /** Feeds the first `length` bytes of `file` (a partial download being resumed). */
  async updateFromFile(file: string, length: number): Promise<void> {
    if (length <= 0) return;
    for await (const chunk of fs.createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) this.update(chunk as Buffer);
  }

  /** Digests, then the first mismatch against `expected` (null when all match). */
  finish(expected: Expected): { sha256: string; mismatch: string | null } {
    const sha256 = this.sha256.digest('hex');
    const sha1 = this.sha1?.digest('hex') ?? null;
    let mismatch: string | null = null;
    if (expected.size !== null && this.bytes !== expected.size) mismatch = `size ${this.bytes} bytes, expected ${expected.size}`;
    else if (expected.sha256 && sha256 !== expected.sha256.toLowerCase()) mismatch = `sha256 ${sha256}, expected ${expected.sha256}`;
    else if (!expected.sha256 && sha1 && expected.gitSha1 && sha1 !== expected.gitSha1.toLowerCase()) mismatch = `git blob sha1 ${sha1}, expected ${expected.gitSha1}`;
    return { sha256, mismatch };
  }
}

/** git's blob id for `content` (sha1 of "blob <size>\0" + content). */
export function gitBlobSha1(content: Buffer): string {
  return crypto.createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}
