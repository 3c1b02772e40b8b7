/**
 * The last-position-logits variant (synth --logits last): its graph gathers the last hidden
 * state before lm_head, so a prefill computes one row of logits instead of S. It must choose the
 * same next token as the builder-faithful graph, from the same logits, and generate the same text.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DecoderSession } from '../lib/engine/decoder-session';
import { loadModel, type LoadedModel } from '../lib/engine/engine';
import { argmax } from '../lib/engine/sampling';
import { syntheticId } from '../lib/synth/write-model';
import { buildModel } from '../lib/cache/build-model';
import { buildTiny, makeTempDir, maxAbsDiff, removeTempDir } from './helpers/models';
import { decodeModel } from '../lib/onnx';
import { gatherLastPosition } from '../lib/engine/last-position-logits';

let root: string;
const dirs: Record<string, string> = {};

before(async () => {
  root = makeTempDir();
  for (const precision of ['fp32', 'int4'] as const) {
    dirs[`${precision}/all`] = (await buildTiny(root, `${precision}-all`, { precision, seed: 5 })).dir;
    dirs[`${precision}/last`] = (await buildTiny(root, `${precision}-last`, { precision, seed: 5, logits: 'last' })).dir;
  }
});

after(() => removeTempDir(root));

test('the variant is its own folder id and says so in config.json', async () => {
  const r = await buildModel({ shape: 'tiny', precision: 'int4', logits: 'last', out: path.join(root, 'id-check') });
  assert.equal(r.logits, 'last');
  assert.equal(syntheticId('tiny', 'int4', 32, 0, 'genai', 4, 'classic', 'last'), 'tiny-int4-b32-lastlogits');
  const config = JSON.parse(fs.readFileSync(path.join(r.dir, 'config.json'), 'utf8'));
  assert.equal(config.slmlab.logits, 'last');
  assert.match(config.slmlab.differences.join(' '), /last position only/);
});

for (const precision of ['fp32', 'int4'] as const) {
  test(`last-position logits equal the full graph's last row and give the same next token (${precision})`, async () => {
    const full = await DecoderSession.create(path.join(dirs[`${precision}/all`], 'model.onnx'), { provider: 'cpu', threads: 1 });
    const last = await DecoderSession.create(path.join(dirs[`${precision}/last`], 'model.onnx'), { provider: 'cpu', threads: 1 });
    try {
      for (const ids of [[7], [1, 2, 3, 4, 5, 6, 7, 8, 9], [200, 100, 50, 25, 12, 6, 3]]) {
        const a = await full.allLogits(ids);
        const b = await last.allLogits(ids);
        assert.deepEqual(b.dims, [1, 1, a.dims[2]], 'the variant returns logits [1, 1, V]');
        const V = a.dims[2];
        const row = a.data.subarray((ids.length - 1) * V, ids.length * V);
        assert.ok(maxAbsDiff(row, b.data) <= 1e-5, `max |diff| ${maxAbsDiff(row, b.data)}`);
        assert.equal(argmax(b.data), argmax(row));
        // and through the cached path the engine uses
        full.reset(); last.reset();
        assert.equal(argmax(await last.step(ids)), argmax(await full.step(ids)));
        assert.equal(argmax(await last.step([3])), argmax(await full.step([3])));
      }
    } finally {
      await full.release();
      await last.release();
    }
  });
}

/** Three requests at once (batched) to each model: the same greedy tokens from both. */
async function assertSameGreedyText(a: LoadedModel, b: LoadedModel): Promise<void> {
  try {
    const reqs = ['abc', 'The model', 'zz top'].map((prompt) => ({ prompt, raw: true, maxTokens: 12 }));
    const ra = await Promise.all(reqs.map((r) => a.complete(r)));
    const rb = await Promise.all(reqs.map((r) => b.complete(r)));
    for (let i = 0; i < reqs.length; i++) assert.deepEqual(rb[i].tokenIds, ra[i].tokenIds);
  } finally {
    await a.dispose();
    await b.dispose();
  }
}

test('the engine generates the same greedy text from either graph, solo and batched', async () => {
  const last = await loadModel(dirs['int4/last'], { threads: 1 });
  // The built variant gathers position -1, which is a padding position for the shorter prompts of
  // a padded prefill: the load-time probe sees it and the model prefills one prompt at a time.
  assert.equal(last.info.batching.prefill.batched, false);
  assert.match(last.info.batching.prefill.check?.reason ?? '', /prefilled together differ from solo ones/);
  await assertSameGreedyText(await loadModel(dirs['int4/all'], { threads: 1 }), last);
});

// ---- the load-time rewrite for any decoder graph (lib/engine/last-position-logits.ts)

test('the load-time rewrite gathers the last position before lm_head, in both layouts, and leaves the weights alone', async () => {
  const optimum = (await buildTiny(root, 'optimum-all', { precision: 'int4', seed: 5, layout: 'optimum' })).dir;
  for (const file of [path.join(dirs['int4/all'], 'model.onnx'), path.join(dirs['fp32/all'], 'model.onnx'), path.join(optimum, 'onnx', 'model.onnx')]) {
    const before = decodeModel(fs.readFileSync(file));
    const r = gatherLastPosition(before);
    assert.equal(r.rewritten, true, r.reason ?? '');
    // each row's last real position, read from the attention mask (a padded batch of prompts gets its own rows)
    const gather = r.model.graph.nodes.find((n) => n.opType === 'GatherND' && n.name.startsWith('/slmlab/'))!;
    const head = r.model.graph.nodes.find((n) => n.outputs.includes('logits'))!;
    assert.equal(head.inputs[0], gather.outputs[0], 'lm_head reads the gathered position');
    assert.ok(r.model.graph.nodes.indexOf(gather) < r.model.graph.nodes.indexOf(head), 'topological order kept');
    assert.equal(r.model.graph.outputs.find((o) => o.name === 'logits')!.shape![1], 1);
    assert.equal(r.model.graph.initializers.filter((t) => t.external).length, before.graph.initializers.filter((t) => t.external).length);
    assert.equal(gatherLastPosition(r.model).rewritten, false, 'a rewritten graph is left alone');
  }
});

test('the rewrite leaves graphs it cannot read with the reason: no logits output, a variant that already has one position', () => {
  const built = decodeModel(fs.readFileSync(path.join(dirs['int4/last'], 'model.onnx')));
  assert.match(gatherLastPosition(built).reason ?? '', /already computes logits for one position/);
  assert.match(gatherLastPosition(built, 'scores').reason ?? '', /no 'scores' output/);
  const odd = decodeModel(fs.readFileSync(path.join(dirs['fp32/all'], 'model.onnx')));
  const head = odd.graph.nodes.find((n) => n.outputs.includes('logits'))!;
  head.outputs = ['/lm_head/raw'];
  odd.graph.nodes.push({ opType: 'Softmax', domain: '', name: '/odd/Softmax', inputs: ['/lm_head/raw'], outputs: ['logits'], attributes: {} });
  assert.match(gatherLastPosition(odd).reason ?? '', /comes from a Softmax node/);
});

test('a model loaded with lastPositionLogits gives the full graph\'s last row and the same greedy text, solo and batched', async () => {
  for (const precision of ['fp32', 'int4'] as const) {
    const onnx = path.join(dirs[`${precision}/all`], 'model.onnx');
    const full = await DecoderSession.create(onnx, { provider: 'cpu', threads: 1 });
    const last = await DecoderSession.create(onnx, { provider: 'cpu', threads: 1, lastPositionLogits: true });
    try {
      const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
      const a = await full.allLogits(ids);
      const b = await last.allLogits(ids);
      assert.deepEqual(b.dims, [1, 1, a.dims[2]]);
      const V = a.dims[2];
      assert.ok(maxAbsDiff(a.data.subarray((ids.length - 1) * V), b.data) <= 1e-5);
      // prompts of different lengths prefilled together in one padded run: each row's own last position
      const check = await last.checkPrefillBatching();
      assert.equal(check.exact, true, check.reason ?? '');
    } finally {
      await full.release();
      await last.release();
    }
  }
  await assertSameGreedyText(await loadModel(dirs['int4/all'], { threads: 1 }), await loadModel(dirs['int4/all'], { threads: 1, lastPositionLogits: true }));
});
