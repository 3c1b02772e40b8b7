/**
 * Document sets for the RAG chat page: `slmlab chat --docs <folder|file>` reads the files and
 * posts them to the service, which keeps them in memory (a few, bounded) under a random id;
 * the page opened at /chat?docs=<id> loads them. The built-in set 'workshop' is the workshop's
 * three DOCS.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidRequestError } from '../errors';
import { WORKSHOP_DOCS } from '../rag/workshop-docs';
import type { RagDocument } from '../rag/chunk';

export const MAX_DOCSETS = 32;
/** File types `--docs` reads from a folder. */
export const DOC_EXTENSIONS: readonly string[] = Object.freeze(['.txt', '.md', '.markdown', '.text']);

export class DocsetStore {
  private readonly sets = new Map<string, RagDocument[]>([['workshop', [...WORKSHOP_DOCS]]]);

  /** Stores a set and returns its id; the oldest posted set goes when there are MAX_DOCSETS. */
  add(docs: unknown): string {
    const checked = checkDocs(docs);
    const id = crypto.randomBytes(9).toString('base64url');
    this.sets.set(id, checked);
    const posted = [...this.sets.keys()].filter((k) => k !== 'workshop');
    if (posted.length > MAX_DOCSETS) this.sets.delete(posted[0]);
    return id;
  }

  get(id: string): RagDocument[] | undefined {
    return this.sets.get(id);
  }
}

function checkDocs(docs: unknown): RagDocument[] {
  if (!Array.isArray(docs) || docs.length === 0) throw new InvalidRequestError('docs must be a non-empty array of {source, text}', 'docs');
  return docs.map((d: unknown, i) => {
    const { source, text } = (d ?? {}) as { source?: unknown; text?: unknown };
    if (typeof source !== 'string' || !source.trim() || typeof text !== 'string') {
      throw new InvalidRequestError(`docs[${i}] must be {source: non-empty string, text: string}`, `docs[${i}]`);
    }
    return { source: source.trim(), text };
  });
}

/**
 * Reads `--docs`: one file becomes one document named after the file; a folder gives every
 * .txt/.md file directly inside it, in name order.
 */
export function readDocs(target: string): RagDocument[] {
  const abs = path.resolve(target);
  if (!fs.existsSync(abs)) throw new InvalidRequestError(`--docs ${target}: no such file or folder: give a text file or a folder of .txt/.md files`, 'docs');
  const files = fs.statSync(abs).isDirectory()
    ? fs.readdirSync(abs).filter((f) => DOC_EXTENSIONS.includes(path.extname(f).toLowerCase())).sort().map((f) => path.join(abs, f))
    : [abs];
  if (!files.length) throw new InvalidRequestError(`--docs ${target}: the folder has no ${DOC_EXTENSIONS.join('/')} files: add some, or name a file`, 'docs');
  return files.map((f) => ({ source: path.basename(f), text: fs.readFileSync(f, 'utf8') }));
}
