/**
 * ProcessModel: the engine in its own process answers exactly as the worker-thread engine
 * does (greedy text, token counts, deltas), honours aborts and dispose like LoadedModel, and
 * a killed engine process fails only its requests and comes back for the next one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../lib/engine/engine';
import { ProcessModel } from '../lib/engine/process-engine';
import { AbortedError, EngineCrashedError, ModelNotFoundError } from '../lib/errors';
import { buildTiny, makeTempDir, removeTempDir } from './helpers/models';

let root: string;
let dir: string;
before(async () => { root = makeTempDir(); await buildTiny(root, 'tiny', { precision: 'int4' }); dir = path.join(root, 'tiny'); });
after(() => removeTempDir(root));

test('same answer, deltas and counts as the worker-thread engine; typed errors cross the process boundary', async () => {
  const thread = await loadModel(dir, { threads: 1 });
  const proc = await ProcessModel.load(dir, { threads: 1 });
  try {
    const req = { prompt: 'Hello there', raw: true, maxTokens: 40, temperature: 0 };
    const a = await thread.complete(req);
    let text = '';
    const stream = proc.generate(req);
    for await (const d of stream) text += d.text;
    const b = await stream.result;
    assert.equal(b.text, a.text);
    assert.equal(text, a.text);
    assert.deepEqual(b.tokenIds, a.tokenIds);
    assert.equal(proc.info.layers, thread.info.layers);
    await assert.rejects(proc.complete({ prompt: 'x', maxTokens: 100_000 }), (e: any) => e.code === 'context_length_exceeded' || e.code === 'invalid_request');
  } finally {
    await thread.dispose();
    await proc.dispose();
  }
  await assert.rejects(ProcessModel.load(path.join(root, 'nowhere')), ModelNotFoundError);
});

test('abort, dispose with a running and a queued request, and a killed process', async () => {
  const proc = await ProcessModel.load(dir, { threads: 1, maxBatch: 1 }); // one at a time: 'queued' below really waits
  try {
    await abortKillDispose(proc);
  } finally {
    await proc.dispose(); // a failed assertion must not leave the engine process holding this one open
  }
});

async function abortKillDispose(proc: ProcessModel): Promise<void> {
  const ac = new AbortController();
  const aborted = proc.complete({ prompt: 'a', raw: true, maxTokens: 480 }, { signal: ac.signal });
  ac.abort();
  const r = await aborted.catch((e: unknown) => e);
  assert.ok(r instanceof AbortedError || (r as { finishReason?: string }).finishReason === 'abort', String(r));

  const child = (proc as any).child;
  const killed = proc.complete({ prompt: 'b', raw: true, maxTokens: 480 });
  process.kill(child.pid, 'SIGKILL');
  await assert.rejects(killed, (e: unknown) => e instanceof EngineCrashedError && /SIGKILL/.test((e as Error).message));
  assert.equal((await proc.complete({ prompt: 'c', raw: true, maxTokens: 3 })).completionTokens, 3);
  assert.equal(proc.restarts, 1);

  const running = proc.complete({ prompt: 'd', raw: true, maxTokens: 480 });
  const queued = proc.complete({ prompt: 'e', raw: true, maxTokens: 4 });
  await proc.dispose();
  const [x, y] = await Promise.allSettled([running, queued]);
  assert.ok(x.status === 'fulfilled' ? x.value.finishReason === 'abort' || x.value.completionTokens > 0 : true);
  assert.equal(y.status, 'rejected');
  assert.equal((proc as any).child, null);
  await assert.rejects(proc.complete({ prompt: 'f' }), /disposed/);
}
