/**
 * The loader against what real repositories hold: an empty config.json beside genai files,
 * a transformers.js repo that also ships a root genai_config.json, a chat template that
 * refuses a system turn, tokenizer files that do not load, graphs with an op or a KV dtype
 * the engine cannot run, and twins in the builder-0.15 layout.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModelFolder } from '../lib/engine/model-folder';
import { TextTokenizer } from '../lib/engine/tokenizer';
import { loadChatTemplate, foldSystemIntoFirstUser, renderFoundry, type ChatMessage } from '../lib/engine/chat-template';
import { loadModel } from '../lib/engine/engine';
import { missingOpOf, checkKvType } from '../lib/engine/load-checks';
import { ModelInvalidError, ModelNotFoundError } from '../lib/errors';
import { buildModel } from '../lib/cache/build-model';
import { SHAPES } from '../lib/synth/shapes';
import { GraphBuilder } from '../lib/synth/graph-builder';
import { encodeModel, DataType } from '../lib/onnx';
import { buildTiny, copyDir, makeTempDir, removeTempDir } from './helpers/models';
import { MISTRAL_STYLE_TEMPLATE } from './helpers/repo-layouts';

const WORKSHOP: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Explain retrieval augmented generation briefly.' },
];

let root: string;
let tiny: string;

before(async () => {
  root = makeTempDir();
  tiny = (await buildTiny(root, 'tiny', { precision: 'int4' })).dir;
});
after(() => removeTempDir(root));

function variantOf(name: string, edit: (dir: string) => void): string {
  const dir = path.join(root, name);
  copyDir(tiny, dir);
  edit(dir);
  return dir;
}

test('a genai folder ignores an empty or broken config.json, with a note, and still loads', async () => {
  for (const [name, text] of [['empty-config', ''], ['broken-config', '{"model_type": ']] as const) {
    const dir = variantOf(name, (d) => fs.writeFileSync(path.join(d, 'config.json'), text));
    const folder = inspectModelFolder(dir);
    assert.equal(folder.layout, 'genai');
    assert.ok(folder.notes.some((n) => n.startsWith('config.json ') && n.includes('ignored')), folder.notes.join('; '));
    const model = await loadModel(dir, { threads: 1 });
    assert.ok((await model.complete({ prompt: 'hi', maxTokens: 2, temperature: 0 })).completionTokens >= 1);
    await model.dispose();
  }
});

test('an Optimum folder with a broken config.json names the file and the fix', () => {
  const dir = path.join(root, 'optimum-broken');
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  fs.copyFileSync(path.join(tiny, 'model.onnx'), path.join(dir, 'onnx', 'model.onnx'));
  fs.writeFileSync(path.join(dir, 'config.json'), '');
  assert.throws(() => inspectModelFolder(dir), (e: Error) => e instanceof ModelInvalidError && /config\.json' is empty/.test(e.message) && /restore config\.json/.test(e.message));
});

test('a transformers.js folder that also ships a root genai_config.json runs the onnx/ file', () => {
  const dir = variantOf('mixed', (d) => {
    fs.mkdirSync(path.join(d, 'onnx'));
    fs.renameSync(path.join(d, 'model.onnx'), path.join(d, 'onnx', 'model.onnx'));
    fs.renameSync(path.join(d, 'model.onnx_data'), path.join(d, 'onnx', 'model.onnx_data'));
  });
  const folder = inspectModelFolder(dir);
  assert.equal(folder.onnxPath, path.join(dir, 'onnx', 'model.onnx'));
  assert.ok(folder.notes.some((n) => n.includes('under onnx/')));

  // genai_config.json names a file that exists nowhere: the Optimum layout wins when its file is there.
  const other = variantOf('mixed-q4', (d) => {
    fs.mkdirSync(path.join(d, 'onnx'));
    fs.renameSync(path.join(d, 'model.onnx'), path.join(d, 'onnx', 'model_q4.onnx'));
    fs.renameSync(path.join(d, 'model.onnx_data'), path.join(d, 'onnx', 'model.onnx_data'));
  });
  const f2 = inspectModelFolder(other);
  assert.equal(f2.layout, 'optimum');
  assert.equal(path.basename(f2.onnxPath), 'model_q4.onnx');
});

test('when no layout fits, the error lists every path that was looked for', () => {
  const dir = variantOf('no-weights', (d) => {
    fs.rmSync(path.join(d, 'model.onnx'));
    fs.mkdirSync(path.join(d, 'onnx'));
  });
  assert.throws(() => inspectModelFolder(dir), (e: Error) => e instanceof ModelNotFoundError &&
    e.message.includes('model.onnx (named by genai_config.json)') && e.message.includes(path.join('onnx', 'model.onnx') + ' (named by') &&
    e.message.includes(path.join('onnx', 'model_q4.onnx') + ' (with config.json)'));
});

test('a chat template that raises on a system turn (Mistral v0.2) gets the system text in the first user turn', () => {
  const template = loadChatTemplate('/x', { bos_token: '<s>', eos_token: '</s>' }, null, MISTRAL_STYLE_TEMPLATE);
  assert.equal(template.render(WORKSHOP, true), '<s>[INST] You are a helpful assistant.\n\nExplain retrieval augmented generation briefly. [/INST]');
  // A conversation the template accepts renders unchanged; one it rejects for another reason still fails.
  assert.equal(template.render(WORKSHOP.slice(1), true), '<s>[INST] Explain retrieval augmented generation briefly. [/INST]');
  assert.throws(() => template.render([{ role: 'assistant', content: 'x' }], true), /rejected these messages: .*alternate/);
  assert.deepEqual(foldSystemIntoFirstUser([{ role: 'system', content: 'S' }]), [{ role: 'user', content: 'S' }]);
});

test("Foundry's Mistral template (system \"<s>\", no {Content}) keeps the system text in the first user turn", () => {
  const t = { system: '<s>', user: '[INST]\n{Content}\n[/INST]', assistant: '{Content}</s>' };
  assert.equal(renderFoundry(t, WORKSHOP, true), '<s>[INST]\nYou are a helpful assistant.\n\nExplain retrieval augmented generation briefly.\n[/INST]');
});

test('tokenizer files that do not load name the file and the fix (including the catalog\'s tokenizerSource)', async () => {
  const broken = variantOf('bad-tokenizer', (d) => fs.writeFileSync(path.join(d, 'tokenizer.json'), '{"version": "1.0", "model": null}'));
  await assert.rejects(TextTokenizer.fromFolder(broken), (e: Error) => e instanceof ModelInvalidError &&
    e.message.includes(path.join(broken, 'tokenizer.json')) && e.message.includes('tokenizerSource'));
  const notJson = variantOf('bad-tokenizer-config', (d) => fs.writeFileSync(path.join(d, 'tokenizer_config.json'), '{'));
  await assert.rejects(TextTokenizer.fromFolder(notJson), (e: Error) => e.message.includes(path.join(notJson, 'tokenizer_config.json')) && e.message.includes('tokenizerSource'));
  // tokenizer_config.json is optional: without it there is no chat template, and the folder still loads.
  const noConfig = variantOf('no-tokenizer-config', (d) => fs.rmSync(path.join(d, 'tokenizer_config.json')));
  assert.equal((await TextTokenizer.fromFolder(noConfig)).templateSource, 'plain');
});

/** A one-node graph file using `op` (2 float inputs), for load-time checks. */
function oneOpModel(file: string, op: string, domain: string): void {
  const g = new GraphBuilder('g');
  g.input('input_ids', DataType.INT64, [1, 'sequence_length']);
  g.input('a', DataType.FLOAT, [1, 4]);
  g.node(op, `/m/${op}`, ['a', 'a'], { outputs: ['logits'], domain });
  g.output('logits', DataType.FLOAT, [1, 4]);
  fs.writeFileSync(file, encodeModel({ irVersion: 10, opsets: [{ domain: '', version: 21 }, { domain, version: 1 }], producerName: 't', producerVersion: '1', graph: g.graph(), metadata: {} }));
}

test('a graph with an op this ONNX Runtime build cannot run fails at load, naming the op', async () => {
  for (const [op, domain] of [['GemmFloat8', 'com.microsoft'], ['MoEGate', 'com.example']] as const) {
    const dir = variantOf(`op-${op}`, (d) => oneOpModel(path.join(d, 'model.onnx'), op, domain));
    await assert.rejects(loadModel(dir, { threads: 1 }), (e: Error) => e instanceof ModelInvalidError &&
      e.message.includes(`uses the op ${op === 'MoEGate' ? 'com.example.' : ''}${op}`) && /cannot run on cpu/.test(e.message));
  }
  assert.deepEqual(missingOpOf("Could not find an implementation for QMoE(1) node with name '/model/layers.0/moe/QMoE'"), { op: 'QMoE', domain: null, node: '/model/layers.0/moe/QMoE' });
});

/** A decoder-shaped graph whose KV cache has ONNX element type `type`. */
function kvModel(file: string, type: number): void {
  const g = new GraphBuilder('g');
  g.input('input_ids', DataType.INT64, [1, 'sequence_length']);
  g.input('attention_mask', DataType.INT64, [1, 'total_sequence_length']);
  g.input('past_key_values.0.key', type as typeof DataType.FLOAT, [1, 2, 'past_sequence_length', 16]);
  g.node('Identity', '/m/Identity', ['past_key_values.0.key'], { outputs: ['present.0.key'] });
  g.node('Cast', '/m/Cast', ['input_ids'], { outputs: ['logits'], attrs: { to: DataType.FLOAT } });
  g.output('present.0.key', type as typeof DataType.FLOAT, [1, 2, 'total_sequence_length', 16]);
  g.output('logits', DataType.FLOAT, [1, 'sequence_length']);
  fs.writeFileSync(file, encodeModel({ irVersion: 10, opsets: [{ domain: '', version: 21 }], producerName: 't', producerVersion: '1', graph: g.graph(), metadata: {} }));
}

test('a KV cache in a dtype the engine does not feed fails at load, naming the dtype', async () => {
  const int8 = variantOf('kv-int8', (d) => kvModel(path.join(d, 'model.onnx'), DataType.INT8));
  await assert.rejects(loadModel(int8, { threads: 1 }), (e: Error) => e instanceof ModelInvalidError && /KV cache \(past_key_values\.0\.key\) as int8/.test(e.message));
  const bf16 = variantOf('kv-bf16', (d) => kvModel(path.join(d, 'model.onnx'), 16));
  await assert.rejects(loadModel(bf16, { threads: 1 }), (e: Error) => e instanceof ModelInvalidError && /of type bfloat16/.test(e.message));
  assert.doesNotThrow(() => checkKvType('float16', 'past_key_values.0.key'));
});

test('a builder-0.15 twin writes model.onnx.data and shares one int4 matrix between embedding and lm_head', async () => {
  const shape = { ...SHAPES.tiny, name: 'tiny-tied', tiedEmbeddings: true };
  const classic = await buildModel({ shape, precision: 'int4', out: path.join(root, 'tied-classic'), threads: 1 });
  const current = await buildModel({ shape, precision: 'int4', builder: 'v0.15', out: path.join(root, 'tied-v015'), threads: 1 });
  const names = current.files.map((f) => f.name);
  assert.ok(names.includes('model.onnx.data') && !names.includes('model.onnx_data'));
  assert.ok(classic.files.some((f) => f.name === 'model.onnx_data'));
  const graph = fs.readFileSync(path.join(current.dir, 'model.onnx')).toString('latin1');
  assert.ok(graph.includes('GatherBlockQuantized') && !graph.includes('model.embed_tokens.weight'));
  // The float [V, H] embedding table (259 x 64 x 4 bytes) is gone; the int4 matrix is stored once.
  const data = (r: typeof current) => r.files.find((f) => f.name.startsWith('model.onnx') && f.name !== 'model.onnx')!.bytes;
  assert.ok(data(classic) - data(current) >= 259 * 64 * 4 * 0.9, `${data(classic)} -> ${data(current)}`);
  const model = await loadModel(current.dir, { threads: 1 });
  assert.ok((await model.complete({ messages: WORKSHOP, maxTokens: 3, temperature: 0 })).completionTokens >= 1);
  await model.dispose();
});
