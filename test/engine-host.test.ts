/**
 * The one engine host (docs/engine.md, Hosts): the load options reach the engine unchanged
 * through the engine process (nothing in between names them), errors cross the protocol with
 * their class and fields, and the lower room (lib/engine/) imports nothing from lib/engines/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessModel } from '../lib/engine/process-engine';
import { serializeError } from '../lib/engine/host/protocol';
import { InvalidRequestError, ModelInvalidError, reviveError } from '../lib/errors';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let dir: string;
before(async () => { root = makeTempDir(); await buildTiny(root, 'tiny', { precision: 'int4' }); dir = path.join(root, 'tiny'); });
after(() => removeTempDir(root));

test('load options reach the engine in the engine process unchanged', async () => {
  const m = await ProcessModel.load(dir, { threads: 1, maxBatch: 3, prefillChunk: 7, lastPositionLogits: true });
  try {
    assert.equal(m.info.batching.requestedMaxBatch, 3);
    assert.equal(m.info.batching.prefill.chunk, 7);
    assert.equal(m.info.lastPositionLogits, true);
    assert.equal((await m.complete({ prompt: 'hi', raw: true, maxTokens: 2 })).completionTokens, 2);
  } finally {
    await m.dispose();
  }
  // Checked by the engine that reads them, typed on this side.
  await assert.rejects(ProcessModel.load(dir, { maxBatch: 0 }), (e: unknown) => e instanceof InvalidRequestError && e.param === 'max_batch');
});

test('errors cross the protocol with their class, code and fields', () => {
  const back = reviveError(JSON.parse(JSON.stringify(serializeError(new InvalidRequestError('bad role', 'messages[0].role')))));
  assert.ok(back instanceof InvalidRequestError);
  assert.equal(back.param, 'messages[0].role');
  assert.ok(reviveError(serializeError(new ModelInvalidError('no model'))) instanceof ModelInvalidError);
  const plain = serializeError(new RangeError('native trouble'));
  assert.deepEqual([plain.code, plain.status, plain.message], ['engine_crashed', 500, 'native trouble']);
});

test('nothing under lib/engine/ imports lib/engines/', () => {
  const lib = path.join(__dirname, '..', '..', 'lib', 'engine');
  const offenders: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && /['"](\.\.\/)+engines\//.test(fs.readFileSync(p, 'utf8'))) offenders.push(path.relative(lib, p));
    }
  };
  walk(lib);
  assert.deepEqual(offenders, []);
});
