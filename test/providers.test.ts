import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  PROVIDERS, bestProvider, ortBinaryDir, parseProvider, probeModelBytes, probeProviders, resetProbeCache,
  resolveProvider, sessionProviderOptions, type ProviderStatus,
} from '../lib/engine/providers';
import { ProviderUnavailableError, UnknownProviderError } from '../lib/errors';

const cudaLibPresent = fs.existsSync(path.join(ortBinaryDir(), 'libonnxruntime_providers_cuda.so'));

test('PROVIDERS lists cpu, webgpu and cuda', () => {
  assert.deepEqual([...PROVIDERS], ['cpu', 'webgpu', 'cuda']);
  assert.ok(Object.isFrozen(PROVIDERS));
});

test('parseProvider accepts short and Foundry-style names in any case', () => {
  assert.equal(parseProvider('cpu'), 'cpu');
  assert.equal(parseProvider(' CUDA '), 'cuda');
  assert.equal(parseProvider('WebGPU'), 'webgpu');
  assert.equal(parseProvider('CPUExecutionProvider'), 'cpu');
  assert.equal(parseProvider('WebGpuExecutionProvider'), 'webgpu');
  assert.equal(parseProvider('CUDAExecutionProvider'), 'cuda');
});

test('parseProvider rejects unknown names with an error that lists the valid ones', () => {
  for (const bad of ['tensorrt', 'gpu', '', 'toString', 'DmlExecutionProvider']) {
    assert.throws(() => parseProvider(bad), (e: unknown) => {
      assert.ok(e instanceof UnknownProviderError, `no UnknownProviderError for ${JSON.stringify(bad)}`);
      assert.equal(e.code, 'unknown_provider');
      assert.match(e.message, /cpu, webgpu, cuda/);
      assert.ok(e.message.includes(JSON.stringify(bad)));
      return true;
    });
  }
});

test('sessionProviderOptions gives the executionProviders entries onnxruntime-node expects', () => {
  assert.deepEqual(sessionProviderOptions('cpu'), ['cpu']);
  assert.deepEqual(sessionProviderOptions('webgpu'), [{ name: 'webgpu' }]);
  assert.deepEqual(sessionProviderOptions('cuda'), [{ name: 'cuda', deviceId: 0 }]);
  assert.deepEqual(sessionProviderOptions('cuda', { deviceId: 1 }), [{ name: 'cuda', deviceId: 1 }]);
});

test('the probe model is valid ONNX: y = x + x on cpu', async () => {
  const session = await ort.InferenceSession.create(probeModelBytes(), { executionProviders: sessionProviderOptions('cpu') });
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([0.5, -1, 3, 10]), [4]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [1, -2, 6, 20]);
  await session.release();
});

test('probe: cpu is usable; every unusable provider says why and how to fix it', async () => {
  resetProbeCache();
  const statuses = await probeProviders();
  assert.deepEqual(statuses.map((s) => s.name), ['cpu', 'webgpu', 'cuda']);
  const cpu = statuses[0];
  assert.equal(cpu.usable, true, `cpu unusable: ${cpu.reason} (${cpu.detail})`);
  assert.equal(cpu.reason, null);
  assert.equal(cpu.fix, null);
  for (const s of statuses) {
    assert.equal(typeof s.probeMs, 'number');
    if (!s.usable) {
      assert.ok(typeof s.reason === 'string' && s.reason.length > 0, `${s.name}: empty reason`);
      assert.ok(typeof s.fix === 'string' && s.fix.length > 0, `${s.name}: empty fix`);
    }
  }
});

test('probe: cuda without its EP library is unusable with the install fix', { skip: cudaLibPresent && 'CUDA EP is installed here' }, async () => {
  const [cuda] = await probeProviders({ only: ['cuda'] });
  assert.equal(cuda.usable, false);
  assert.equal(cuda.reason, 'onnxruntime-node was installed without its CUDA execution provider');
  assert.match(cuda.fix ?? '', /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
  assert.match(cuda.detail ?? '', /libonnxruntime_providers_cuda\.so/);
});

test('probe results are cached per process until resetProbeCache', async () => {
  const a = await probeProviders({ only: ['cpu', 'cuda'] });
  const b = await probeProviders({ only: ['cuda', 'cpu'] });
  assert.equal(a[0], b[1]);
  assert.equal(a[1], b[0]);
  resetProbeCache();
  const c = await probeProviders({ only: ['cpu'] });
  assert.notEqual(c[0], a[0]);
  assert.deepEqual({ ...c[0], probeMs: 0 }, { ...a[0], probeMs: 0 });
  await assert.rejects(probeProviders({ only: ['metal' as never] }), UnknownProviderError);
});

test('resolveProvider: no silent fallback; with fallback it returns cpu and says why', async () => {
  assert.deepEqual(await resolveProvider('cpu'), { provider: 'cpu' });
  const [cuda] = await probeProviders({ only: ['cuda'] });
  if (cuda.usable) {
    assert.deepEqual(await resolveProvider('cuda'), { provider: 'cuda' });
    return;
  }
  await assert.rejects(resolveProvider('cuda'), (e: unknown) => {
    assert.ok(e instanceof ProviderUnavailableError);
    assert.equal(e.provider, 'cuda');
    assert.equal(e.status, 503);
    assert.ok(e.message.includes(cuda.reason!), e.message);
    assert.ok(e.message.includes(cuda.fix!), e.message);
    return true;
  });
  const r = await resolveProvider('cuda', { fallback: true });
  assert.equal(r.provider, 'cpu');
  assert.equal(r.fellBackFrom, 'cuda');
  assert.ok(r.reason?.includes(cuda.reason!));
});

test('resolveProvider(webgpu) follows the probe as well', async () => {
  const [webgpu] = await probeProviders({ only: ['webgpu'] });
  if (webgpu.usable) {
    assert.deepEqual(await resolveProvider('webgpu'), { provider: 'webgpu' });
    return;
  }
  await assert.rejects(resolveProvider('webgpu'), ProviderUnavailableError);
  assert.deepEqual(await resolveProvider('webgpu', { fallback: true }),
    { provider: 'cpu', fellBackFrom: 'webgpu', reason: `execution provider "webgpu" is not usable on this machine: ${webgpu.reason}` });
});

test('bestProvider prefers cuda, then webgpu, then cpu among usable ones', () => {
  const st = (name: ProviderStatus['name'], usable: boolean): ProviderStatus =>
    ({ name, usable, reason: usable ? null : 'x', fix: usable ? null : 'y' });
  assert.equal(bestProvider([st('cpu', true), st('webgpu', true), st('cuda', true)]), 'cuda');
  assert.equal(bestProvider([st('cpu', true), st('webgpu', true), st('cuda', false)]), 'webgpu');
  assert.equal(bestProvider([st('cpu', true), st('webgpu', false), st('cuda', false)]), 'cpu');
  assert.equal(bestProvider([st('cuda', true), st('cpu', true)]), 'cuda');
  assert.equal(bestProvider([]), 'cpu');
});
