/**
 * Tokenizer files (lib/synth/tokenizer-files.ts) and the engine tokenizer
 * (lib/engine/tokenizer.ts) together: every family is written to a folder and loaded
 * back the way the engine loads a model, then checked against known ids and strings.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { tokenizerFilesFor, writeTokenizerFiles, type TokenizerFileSet } from '../lib/synth/tokenizer-files';
import { TextTokenizer, type ChatMessage } from '../lib/engine/tokenizer';
import { templateNote } from '../lib/engine/chat-template';
import { InvalidRequestError, ModelInvalidError, ModelNotFoundError } from '../lib/errors';
import type { TokenizerFamily } from '../lib/synth/shapes';

const FAMILIES: TokenizerFamily[] = ['byte', 'qwen2', 'llama3', 'phi4'];
const TEXTS = [
  'Hello, world! The quick brown fox jumps over the lazy dog. a .b  x\n\ttab',
  '¿Qué tal? Olá, ção',
  '日本語',
  'emoji 🎉👩‍💻',
];
const CHAT: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi' },
];

interface Loaded { set: TokenizerFileSet; dir: string; tok: TextTokenizer; writeMs: number; loadMs: number }
const loaded = new Map<TokenizerFamily, Loaded>();
let root = '';

function get(family: TokenizerFamily): Loaded {
  const l = loaded.get(family);
  assert.ok(l, `${family} tokenizer was not loaded`);
  return l;
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'slmlab-tokenizer-'));
  for (const family of FAMILIES) {
    const dir = path.join(root, family);
    const t0 = performance.now();
    const set = tokenizerFilesFor(family);
    await writeTokenizerFiles(dir, set);
    const t1 = performance.now();
    const tok = await TextTokenizer.fromFolder(dir);
    loaded.set(family, { set, dir, tok, writeMs: t1 - t0, loadMs: performance.now() - t1 });
  }
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('timings of building, writing and loading each tokenizer', (t) => {
  for (const family of FAMILIES) {
    const { writeMs, loadMs } = get(family);
    t.diagnostic(`${family}: files built+written ${writeMs.toFixed(0)} ms, TextTokenizer.fromFolder ${loadMs.toFixed(0)} ms`);
  }
});

test('"Hello" has the real models\' ids', () => {
  assert.deepEqual(get('qwen2').tok.encode('Hello'), [9707]);
  assert.deepEqual(get('llama3').tok.encode('Hello'), [9906]);
  assert.deepEqual(get('byte').tok.encode('Hello'), [...Buffer.from('Hello')]);
});

test('file sets state the expected special ids, and the tokenizer agrees', () => {
  const expect: Record<TokenizerFamily, { size: number; eos: number[]; pad: number; bos: number | null; names: Record<string, number> }> = {
    byte: { size: 259, eos: [258, 256], pad: 256, bos: null, names: { '<|endoftext|>': 256, '<|im_start|>': 257, '<|im_end|>': 258 } },
    qwen2: { size: 151669, eos: [151645, 151643], pad: 151643, bos: null, names: { '<|im_end|>': 151645, '<|endoftext|>': 151643, '<|im_start|>': 151644 } },
    llama3: { size: 128256, eos: [128001, 128008, 128009], pad: 128001, bos: 128000,
      names: { '<|begin_of_text|>': 128000, '<|end_of_text|>': 128001, '<|eot_id|>': 128009 } },
    phi4: { size: 200029, eos: [200020, 199999], pad: 199999, bos: 199999,
      names: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018, '<|assistant|>': 200019, '<|end|>': 200020, '<|user|>': 200021,
        '<|system|>': 200022, '<|tool|>': 200023, '<|/tool|>': 200024, '<|tool_call|>': 200025, '<|/tool_call|>': 200026,
        '<|tool_response|>': 200027, '<|tag|>': 200028 } },
  };
  for (const family of FAMILIES) {
    const { set, tok } = get(family);
    const e = expect[family];
    assert.equal(tok.size, e.size, `${family} size`);
    assert.equal(set.size, e.size, `${family} set.size`);
    assert.deepEqual(set.eosTokenIds, e.eos, `${family} eos`);
    assert.equal(set.padTokenId, e.pad, `${family} pad`);
    assert.equal(set.bosTokenId, e.bos, `${family} bos`);
    for (const [name, id] of Object.entries(e.names)) assert.equal(tok.tokenToId(name), id, `${family} ${name}`);
    const specials = tok.specialTokenIds();
    for (const id of set.eosTokenIds) assert.ok(specials.has(id), `${family}: eos ${id} is special`);
    assert.match(set.source, /\(.+\)/, `${family} source names a licence`);
  }
});

test('written tokenizer_config.json has the template and special tokens', async () => {
  for (const family of FAMILIES) {
    const config = JSON.parse(await readFile(path.join(get(family).dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    for (const key of ['chat_template', 'bos_token', 'eos_token', 'pad_token']) assert.ok(key in config, `${family} config has ${key}`);
    assert.equal(config.chat_template, get(family).set.chatTemplate);
  }
});

test('packaged tokenizer.json is copied byte for byte, fast', async () => {
  const set = tokenizerFilesFor('qwen2');
  assert.ok(set.tokenizerJsonFile);
  const dir = path.join(root, 'qwen-copy');
  const t0 = performance.now();
  await writeTokenizerFiles(dir, set);
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `writing the Qwen tokenizer took ${ms.toFixed(0)} ms`);
  assert.equal((await stat(path.join(dir, 'tokenizer.json'))).size, (await stat(set.tokenizerJsonFile)).size);
});

test('encode -> decode round-trips mixed UTF-8 text', () => {
  for (const family of FAMILIES) {
    const { tok } = get(family);
    for (const text of TEXTS) {
      const ids = tok.encode(text);
      assert.ok(ids.length > 0);
      assert.equal(tok.decode(ids), text, `${family}: ${text}`);
    }
  }
});

test('stream decoder, one id at a time, spells decode(all ids)', () => {
  for (const family of FAMILIES) {
    const { tok } = get(family);
    for (const text of [...TEXTS, TEXTS.join(' ')]) {
      const ids = tok.encode(text);
      const stream = tok.createStreamDecoder();
      let out = '';
      for (const id of ids) {
        const delta = stream.push(id);
        assert.ok(!delta.includes('\uFFFD'), `${family}: delta ${JSON.stringify(delta)} splits a character`);
        out += delta;
      }
      out += stream.flush();
      assert.equal(out, tok.decode(ids), `${family}: ${text}`);
    }
  }
});

test('stream decoder holds back a partial character and skips special tokens', () => {
  const { tok } = get('byte');
  const stream = tok.createStreamDecoder();
  const bytes = [...Buffer.from('日')];
  assert.equal(bytes.length, 3);
  assert.equal(stream.push(bytes[0]), '');
  assert.equal(stream.push(bytes[1]), '');
  assert.equal(stream.push(bytes[2]), '日');
  assert.equal(stream.push(258), '', '<|im_end|> is skipped');
  assert.equal(stream.push(0x41), 'A');
  assert.equal(stream.flush(), '');
});

test('out-of-vocabulary ids decode to nothing without throwing', () => {
  for (const family of FAMILIES) {
    const { tok } = get(family);
    const stream = tok.createStreamDecoder();
    for (const id of [tok.size, tok.size + 100, -1, 1.5]) assert.equal(stream.push(id), '', `${family} id ${id}`);
    const after = tok.encode('ok').map((id) => stream.push(id)).join('') + stream.flush();
    assert.equal(after, 'ok', `${family}: decoding continues after unknown ids`);
    assert.equal(tok.decode([tok.size + 5]), '');
  }
  // phi4's id space has holes (199998, 200000-200017) below its highest id.
  assert.equal(get('phi4').tok.decode([199998, 200005]), '');
  assert.equal(get('phi4').tok.createStreamDecoder().push(200005), '');
});

test('chat templates render the expected prompt', () => {
  const chatml = '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';
  assert.equal(get('qwen2').tok.renderChat(CHAT), chatml);
  assert.equal(get('byte').tok.renderChat(CHAT), chatml);
  const llama = get('llama3').tok.renderChat(CHAT);
  assert.ok(llama.includes('<|start_header_id|>assistant<|end_header_id|>'));
  assert.equal(llama,
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
    '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
  assert.equal(get('phi4').tok.renderChat(CHAT), '<|system|>You are terse.<|end|><|user|>Hi<|end|><|assistant|>');
  assert.equal(get('phi4').tok.renderChat(CHAT, { addGenerationPrompt: false }), '<|system|>You are terse.<|end|><|user|>Hi<|end|>');
  for (const family of FAMILIES) assert.equal(get(family).tok.templateSource, 'chat_template');
});

test('encodeChat writes special tokens as single ids', () => {
  const ids = get('qwen2').tok.encodeChat(CHAT);
  assert.deepEqual(ids.slice(0, 1), [151644]);
  assert.deepEqual(ids.slice(-3), [151644, 77091, 198], '<|im_start|>assistant\\n');
  const phi = get('phi4').tok.encodeChat(CHAT);
  assert.equal(phi[0], 200022);
  assert.equal(phi.at(-1), 200019);
  assert.deepEqual(get('byte').tok.encodeChat([{ role: 'user', content: 'A' }]), [257, ...Buffer.from('user\nA'), 258, 10, 257, ...Buffer.from('assistant\n')]);
});

test('the model\'s own chat template comes first, as Foundry Local renders prompts; PromptTemplate is the fallback', async () => {
  const own = path.join(root, 'foundry-own');
  await writeTokenizerFiles(own, tokenizerFilesFor('byte'));
  await writeFile(path.join(own, 'inference_model.json'), JSON.stringify({ Name: 'x', PromptTemplate: { user: '<|user|>{Content}', assistant: '<|assistant|>{Content}' } }));
  const withBoth = await TextTokenizer.fromFolder(own);
  assert.equal(withBoth.templateSource, 'chat_template');
  assert.equal(templateNote(withBoth.templateSource), null);
  assert.ok(!withBoth.renderChat(CHAT).includes('<|user|>'), 'the PromptTemplate is not used when the model has a chat template');

  const dir = path.join(root, 'foundry');
  const set = tokenizerFilesFor('byte');
  await writeTokenizerFiles(dir, set);
  const config = { ...set.tokenizerConfig };
  delete config.chat_template;
  await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  await writeFile(path.join(dir, 'inference_model.json'), JSON.stringify({
    Name: 'test-foundry-model',
    PromptTemplate: {
      system: '<|system|>\n{Content}<|end|>',
      user: '<|user|>\n{Content}<|end|>',
      assistant: '<|assistant|>\n{Content}<|end|>',
      prompt: '<|user|>\n{Content}<|end|>\n<|assistant|>',
    },
  }));
  const tok = await TextTokenizer.fromFolder(dir);
  assert.equal(tok.templateSource, 'inference_model.json');
  assert.match(templateNote(tok.templateSource)!, /PromptTemplate/);
  const messages: ChatMessage[] = [...CHAT, { role: 'assistant', content: 'Hello.' }, { role: 'user', content: 'Cost: $& $1' }];
  assert.equal(tok.renderChat(messages),
    '<|system|>\nYou are terse.<|end|><|user|>\nHi<|end|><|assistant|>\nHello.<|end|><|user|>\nCost: $& $1<|end|><|assistant|>\n');
  assert.equal(tok.renderChat(CHAT, { addGenerationPrompt: false }), '<|system|>\nYou are terse.<|end|><|user|>\nHi<|end|>');
});

test('no template anywhere falls back to plain role lines', async () => {
  const dir = path.join(root, 'plain');
  const set = tokenizerFilesFor('byte');
  await writeTokenizerFiles(dir, set);
  const config = { ...set.tokenizerConfig };
  delete config.chat_template;
  await writeFile(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  const tok = await TextTokenizer.fromFolder(dir);
  assert.equal(tok.templateSource, 'plain');
  assert.match(templateNote(tok.templateSource)!, /plain/);
  assert.equal(tok.renderChat(CHAT), 'system: You are terse.\nuser: Hi\nassistant: ');
});

test('bad roles are an InvalidRequestError naming the allowed roles', () => {
  const bad = [{ role: 'robot', content: 'x' }] as unknown as ChatMessage[];
  assert.throws(() => get('byte').tok.renderChat(bad),
    (e: unknown) => e instanceof InvalidRequestError && /system, user, assistant, tool/.test(e.message));
});

test('missing or broken files are typed errors that name the file', async () => {
  const empty = path.join(root, 'empty');
  await assert.rejects(TextTokenizer.fromFolder(empty),
    (e: unknown) => e instanceof ModelNotFoundError && e.message.includes('tokenizer.json') && /model build/.test(e.message));
  const broken = path.join(root, 'broken');
  await writeTokenizerFiles(broken, tokenizerFilesFor('byte'));
  await writeFile(path.join(broken, 'tokenizer_config.json'), '{ not json');
  await assert.rejects(TextTokenizer.fromFolder(broken),
    (e: unknown) => e instanceof ModelInvalidError && e.message.includes('tokenizer_config.json'));
});
