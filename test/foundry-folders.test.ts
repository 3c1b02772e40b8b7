/**
 * Folders slmlab writes run in Foundry Local and ONNX Runtime GenAI: a quantised Optimum-layout
 * model gets a genai_config.json pointing at onnx/model.onnx with the graph's own inputs, its
 * inference_model.json carries only Foundry's keys, and `slmlab model check --foundry` reports
 * what Foundry's scanner (Foundry-Local sdk_v2/cpp/src/catalog/local_model_scanner.cc) would
 * accept. Neither Foundry Local nor ONNX Runtime GenAI can be installed here: the checks follow
 * their source, and slmlab's engine runs the same folders.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFoundryFolder } from '../lib/cache/foundry-check';
import { optimumGenaiConfig } from '../lib/cache/optimum-genai-config';
import { inspectModelFolder } from '../lib/engine/model-folder';
import { loadModel } from '../lib/engine/engine';
import { decodeModel, encodeModel, DataType } from '../lib/onnx';
import { quantizeModel } from '../lib/quantize';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

const CLI = path.resolve(__dirname, '..', 'scripts', 'cli.js');
let root: string;
let optimum: string;
let quantised: string;

before(async () => {
  root = makeTempDir();
  optimum = (await buildTiny(root, 'optimum-fp32', { precision: 'fp32', layout: 'optimum' })).dir;
  quantised = (await quantizeModel({ source: optimum, out: path.join(root, 'optimum-int4'), precision: 'int4', name: 'tiny-optimum-int4' })).dir!;
});
after(() => removeTempDir(root));

const check = (dir: string) => spawnSync(process.execPath, [CLI, 'model', 'check', dir, '--foundry', '--json'], { encoding: 'utf8', timeout: 60_000 });

test('a quantised Optimum folder gets genai_config.json for its onnx/ graph and Foundry-only inference_model.json; Foundry would list it', async () => {
  const genai = JSON.parse(fs.readFileSync(path.join(quantised, 'genai_config.json'), 'utf8'));
  assert.equal(genai.model.decoder.filename, 'onnx/model.onnx');
  assert.deepEqual(Object.keys(genai.model.decoder.inputs).sort(), ['attention_mask', 'input_ids', 'past_key_names', 'past_value_names', 'position_ids']);
  assert.equal(genai.search.past_present_share_buffer, false);
  assert.equal(genai.model.type, 'qwen2');
  const im = JSON.parse(fs.readFileSync(path.join(quantised, 'inference_model.json'), 'utf8'));
  assert.deepEqual(Object.keys(im).sort(), ['Name', 'PromptTemplate']);

  // slmlab still reads it as the Optimum folder it is, and runs it
  assert.equal(inspectModelFolder(quantised).layout, 'optimum');
  const model = await loadModel(quantised, { threads: 1 });
  assert.ok((await model.complete({ prompt: 'Hello', maxTokens: 2, temperature: 0 })).completionTokens >= 1);
  await model.dispose();

  const report = checkFoundryFolder(quantised);
  assert.ok(report.listed && report.runnable, JSON.stringify(report.checks));
  assert.equal(report.foundryId, 'tiny-optimum-int4:0');
  const cli = check(quantised);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).foundry.foundryId, 'tiny-optimum-int4:0');
});

test('model check --foundry names what Foundry would refuse: no inference_model.json or genai_config.json, download.tmp, no Name', () => {
  const plain = check(optimum);
  assert.equal(plain.status, 4);
  const failed = (JSON.parse(plain.stdout).foundry.checks as { check: string; ok: boolean }[]).filter((c) => !c.ok).map((c) => c.check);
  assert.deepEqual(failed, ['inference_model.json', 'genai_config.json']);
  assert.match(plain.stderr, /inference_model\.json/);

  const copy = path.join(root, 'copy');
  fs.cpSync(quantised, copy, { recursive: true });
  fs.writeFileSync(path.join(copy, 'download.tmp'), '');
  assert.equal(checkFoundryFolder(copy).listed, false);
  fs.rmSync(path.join(copy, 'download.tmp'));
  fs.writeFileSync(path.join(copy, 'inference_model.json'), JSON.stringify({ Name: 'x:2', Description: 'not read', PromptTemplate: null }));
  const extra = checkFoundryFolder(copy);
  assert.ok(extra.listed && extra.foundryId === 'x:2');
  assert.match(extra.checks.find((c) => !c.ok)!.detail, /ignores Description/);
  fs.writeFileSync(path.join(copy, 'inference_model.json'), JSON.stringify({ PromptTemplate: null }));
  assert.equal(checkFoundryFolder(copy).listed, false);
});

test('a graph with an input GenAI does not feed gets no genai_config.json, and the reason names it', () => {
  const dir = path.join(root, 'extra-input');
  fs.cpSync(optimum, dir, { recursive: true });
  const file = path.join(dir, 'onnx', 'model.onnx');
  const m = decodeModel(fs.readFileSync(file));
  m.graph.inputs.push({ name: 'num_logits_to_keep', dataType: DataType.INT64, shape: [] });
  fs.writeFileSync(file, encodeModel(m));
  const r = optimumGenaiConfig(dir, 'onnx/model.onnx');
  assert.equal(r.config, null);
  assert.match(r.reason!, /num_logits_to_keep/);
  assert.ok(optimumGenaiConfig(optimum, 'onnx/model.onnx').config, 'the unchanged graph gets one');
});
