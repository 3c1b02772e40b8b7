/**
 * The text set a fidelity comparison reads: by default the workshop's prompts
 * (data/prompts/workshop.json, the user turns) and a shipped paragraph corpus
 * (data/fidelity/paragraphs.txt, written for slmlab); or the paragraphs of a user's file.
 * Paragraphs are separated by blank lines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidRequestError } from '../errors';
import { DEFAULT_PROMPTS_DIR, loadPromptSet } from '../bench/grid/prompts';

/** data/fidelity/, found from the compiled file (dist/lib/quantize -> ../../../data). */
export const FIDELITY_DIR = path.resolve(__dirname, '..', '..', '..', 'data', 'fidelity');

export function splitParagraphs(text: string): string[] {
  return text.split(/\r?\n\s*\r?\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter((p) => p.length > 0);
}

export function defaultTexts(): string[] {
  const prompts = loadPromptSet(path.join(DEFAULT_PROMPTS_DIR, 'workshop.json')).prompts
    .flatMap((p) => p.messages.filter((m) => m.role === 'user').map((m) => m.content));
  return [...prompts, ...splitParagraphs(fs.readFileSync(path.join(FIDELITY_DIR, 'paragraphs.txt'), 'utf8'))];
}

export function textsFromFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidRequestError(`cannot read text file '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): pass a UTF-8 text file, paragraphs separated by blank lines`, 'text');
  }
  const paragraphs = splitParagraphs(text);
  if (!paragraphs.length) throw new InvalidRequestError(`'${file}' holds no text: pass a UTF-8 text file, paragraphs separated by blank lines`, 'text');
  return paragraphs;
}
