/**
 * The int8 build (DynamicQuantizeMatMul, symmetric per-channel weights): the graph uses the op,
 * the file is about a quarter of fp32's linear weights, and its logits track the fp32 build of
 * the same seed closely (quantisation error only).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DecoderSession } from '../lib/engine/decoder-session';
import { buildModel } from '../lib/cache/build-model';
import { makeTempDir, removeTempDir } from './helpers/models';

let root: string;
before(() => { root = makeTempDir(); });
after(() => removeTempDir(root));

test('an int8 build runs DynamicQuantizeMatMul and its logits track the fp32 build of the same seed', async () => {
  const fp32 = await buildModel({ shape: 'tiny', precision: 'fp32', seed: 7, out: path.join(root, 'fp32') });
  const int8 = await buildModel({ shape: 'tiny', precision: 'int8', seed: 7, out: path.join(root, 'int8') });
  assert.equal(int8.id, 'tiny-int8-seed7');
  assert.ok(fs.readFileSync(path.join(int8.dir, 'model.onnx')).includes('DynamicQuantizeMatMul'));
  const dataBytes = (dir: string) => fs.statSync(path.join(dir, 'model.onnx_data')).size;
  assert.ok(dataBytes(int8.dir) < dataBytes(fp32.dir), 'int8 weights are smaller than fp32');

  const ids = [256, 72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100];
  const a = await DecoderSession.create(path.join(fp32.dir, 'model.onnx'), { provider: 'cpu', threads: 1 });
  const b = await DecoderSession.create(path.join(int8.dir, 'model.onnx'), { provider: 'cpu', threads: 1 });
  try {
    const x = (await a.allLogits(ids)).data;
    const y = (await b.allLogits(ids)).data;
    assert.equal(x.length, y.length);
    // Pearson correlation of the two logit tensors, and top-1 agreement per position.
    const mean = (v: Float32Array) => v.reduce((s, t) => s + t, 0) / v.length;
    const mx = mean(x), my = mean(y);
    let sxy = 0, sxx = 0, syy = 0;
    for (let i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ** 2; syy += (y[i] - my) ** 2; }
    const r = sxy / Math.sqrt(sxx * syy);
    assert.ok(r > 0.99, `correlation ${r}`);
    const V = x.length / ids.length;
    const argmax = (v: Float32Array, p: number) => { let best = p * V; for (let i = p * V; i < (p + 1) * V; i++) if (v[i] > v[best]) best = i; return best - p * V; };
    const agree = ids.filter((_, p) => argmax(x, p) === argmax(y, p)).length;
    assert.ok(agree >= ids.length - 2, `top-1 agrees at ${agree} of ${ids.length} positions`);
  } finally {
    await a.release();
    await b.release();
  }
});
