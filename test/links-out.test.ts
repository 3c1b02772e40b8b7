/**
 * Issue 21, class 2: no file slmlab reads from a model folder, or serves from one, may lead out
 * of it through a link. Each reader is tried with links it was not written for: the weights
 * file, the .onnx itself, the tokenizer, a whole onnx/ subfolder, a dangling link, and links
 * that stay inside (which must keep working).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspectModelFolder } from '../lib/engine/model-folder';
import { loadModel } from '../lib/engine/engine';
import { decodeModel } from '../lib/onnx/decode-model';
import { TensorBytesReader } from '../lib/onnx/tensor-bytes';
import { quantizeModel } from '../lib/quantize/quantize-model';
import { FolderRegistry } from '../lib/service/folder-registry';
import type { ServiceHandle } from '../lib/service/server';
import { startServiceWithPages } from '../lib/app/start-service';
import { checkInside } from '../lib/util/inside-folder';
import { buildTiny, copyDir, makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let good: string;
/** Files outside every model folder, standing for a user's secrets. */
let outside: string;

before(async () => {
  root = makeTempDir();
  await buildTiny(root, 'good');
  good = path.join(root, 'good');
  outside = path.join(root, 'outside');
  fs.mkdirSync(outside);
  for (const f of fs.readdirSync(good)) fs.copyFileSync(path.join(good, f), path.join(outside, f));
});
after(() => removeTempDir(root));

/** A copy of the good model with `file` replaced by a symbolic link to `target`. */
function linked(name: string, file: string, target: string): string {
  const dir = path.join(root, name);
  copyDir(good, dir);
  fs.rmSync(path.join(dir, file), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(dir, file));
  return dir;
}

describe('links out of the model folder', () => {
  test('the load checks refuse a link out for the weights, the .onnx, the tokenizer and a dangling link, naming it', () => {
    const cases: Array<[string, string, string]> = [
      ['data-out', 'model.onnx_data', path.join(outside, 'model.onnx_data')],
      ['onnx-out', 'model.onnx', path.join(outside, 'model.onnx')],
      ['tokenizer-out', 'tokenizer.json', path.join(outside, 'tokenizer.json')],
      ['relative-out', 'model.onnx_data', '../outside/model.onnx_data'],
      ['dangling-out', 'tokenizer_config.json', '/nonexistent-slmlab/secret.json'],
    ];
    for (const [name, file, target] of cases) {
      const dir = linked(name, file, target);
      assert.throws(() => inspectModelFolder(dir), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'model_invalid', `${name}: ${e.message}`);
        assert.match(e.message, new RegExp(`${file.replace('.', '\\.')}.*leads outside`), name);
        return true;
      }, name);
    }
  });

  test('the engine refuses to load a model whose weights link out; quantise refuses to copy them', async () => {
    const dir = linked('data-out-2', 'model.onnx_data', path.join(outside, 'model.onnx_data'));
    await assert.rejects(loadModel(dir, { threads: 1 }), /leads outside/);
    const out = path.join(root, 'q-out');
    await assert.rejects(quantizeModel({ source: dir, out, precision: 'int8' }), /leads outside/);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(fs.readdirSync(root).filter((f) => f.includes('.partial-')), [], 'a refused quantise left a partial folder');
  });

  test("quantise's weight reader refuses a link out even when called without the load checks", () => {
    const dir = linked('reader-out', 'model.onnx_data', path.join(outside, 'model.onnx_data'));
    const model = decodeModel(fs.readFileSync(path.join(dir, 'model.onnx')));
    const reader = new TensorBytesReader(dir);
    const t = model.graph.initializers.find((x) => x.external)!;
    assert.throws(() => reader.read(t, 0, 4), /link out of the model folder/);
    reader.close();
  });

  test('links that stay inside the folder, and a linked model folder, still work', async () => {
    const dir = path.join(root, 'inside-link');
    copyDir(good, dir);
    fs.mkdirSync(path.join(dir, 'blobs'));
    fs.renameSync(path.join(dir, 'model.onnx_data'), path.join(dir, 'blobs', 'data'));
    fs.symlinkSync('blobs/data', path.join(dir, 'model.onnx_data'));
    assert.equal(inspectModelFolder(dir).name.length > 0, true);
    const viaLink = path.join(root, 'folder-link');
    fs.symlinkSync(dir, viaLink);
    const m = await loadModel(viaLink, { threads: 1 });
    const r = await m.complete({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 2, temperature: 0 });
    assert.ok(r.completionTokens >= 1);
    await m.dispose();
    assert.equal(checkInside(dir, 'model.onnx_data').ok, true);
    assert.equal(checkInside(dir, '../good/model.onnx').ok, false);
  });

  test('the service neither lists nor serves a link out under /web/models/<id>/files/', async () => {
    // The folder passes the load checks (no file the engine reads links out), but a file the
    // manifest would list (an extra external-data file) links to a secret.
    const dir = path.join(root, 'served');
    copyDir(good, dir);
    fs.writeFileSync(path.join(outside, 'secret'), 'do not serve');
    fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'model.onnx.data'));
    const svc: ServiceHandle = await startServiceWithPages({ registry: new FolderRegistry({ 'served:1': { dir } }), apiKey: '', threads: 1 });
    try {
      const manifest = await fetch(`${svc.url}/web/models/served%3A1/manifest`);
      const body = await manifest.text();
      assert.ok(manifest.status >= 400, `manifest ${manifest.status} ${body}`);
      assert.match(body, /leads outside/);
      assert.doesNotMatch(body, /do not serve/);
      const file = await fetch(`${svc.url}/web/models/served%3A1/files/model.onnx.data`);
      const text = await file.text();
      assert.ok(file.status >= 400, `file ${file.status}`);
      assert.doesNotMatch(text, /do not serve/);
      // Without the link, the same folder is served.
      fs.rmSync(path.join(dir, 'model.onnx.data'));
      assert.equal((await fetch(`${svc.url}/web/models/served%3A1/manifest`)).status, 200);
      const tok = await fetch(`${svc.url}/web/models/served%3A1/files/tokenizer.json`);
      assert.equal(tok.status, 200);
      await tok.arrayBuffer();
      // A link swapped in after the manifest was computed: refused when the file is served.
      fs.rmSync(path.join(dir, 'tokenizer.json'));
      fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'tokenizer.json'));
      const swapped = await fetch(`${svc.url}/web/models/served%3A1/files/tokenizer.json`);
      assert.doesNotMatch(await swapped.text(), /do not serve/);
      assert.ok(swapped.status >= 400);
    } finally {
      await svc.close();
    }
  });
});
