import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CACHED_MARK, DEFAULT_CATALOG_FILE, LIST_HEADER, SYNTHETIC_MARK, catalogProblems, clearCatalogCache, filterModels,
  findModel, findVariant, formatModelInfo, formatModelList, listRows, loadCatalog, modelInfo, parseCatalog, parseFilter,
  resolveVariant, selectVariant, variantFolderName, UNAVAILABLE_MARK, type CatalogFile, type CatalogModel, type HuggingFaceSource,
} from '../lib/catalog';
import { CatalogError, InvalidRequestError, ModelNotFoundError, ProviderUnavailableError, UnknownProviderError } from '../lib/errors';
import type { ProviderName, ProviderStatus } from '../lib/engine/providers';
import { SHAPES } from '../lib/synth/shapes';
import { planDecoder } from '../lib/synth/decoder-graph';
import { TensorDataWriter } from '../lib/onnx/tensor-data-writer';
import { matchesAny } from '../lib/cache/download/glob';

const shipped = (): CatalogFile => loadCatalog();
/** A deep copy of the shipped catalog to break on purpose. */
const copy = (): CatalogFile => JSON.parse(JSON.stringify(shipped())) as CatalogFile;

function statuses(usable: ProviderName[]): ProviderStatus[] {
  return (['cpu', 'webgpu', 'cuda'] as ProviderName[]).map((name) => usable.includes(name)
    ? { name, usable: true, reason: null, fix: null }
    : { name, usable: false, reason: `${name} is not here`, fix: `install ${name}` });
}

/** Asserts that validating `value` fails with a CatalogError whose problems include `at: ...pattern`. */
function rejects(value: unknown, at: string, pattern: RegExp): void {
  assert.throws(() => parseCatalog(JSON.stringify(value), 'test-catalog.json'), (e: unknown) => {
    assert.ok(e instanceof CatalogError, `expected CatalogError, got ${String(e)}`);
    assert.equal(e.code, 'catalog_invalid');
    assert.match(e.message, /test-catalog\.json/);
    assert.match(e.message, /Fix these entries/);
    const hit = e.problems.find((p) => p.startsWith(`${at}:`));
    assert.ok(hit, `no problem at ${at}; got:\n${e.problems.join('\n')}`);
    assert.match(hit, pattern);
    assert.ok(e.message.includes(hit), 'the message lists the problem');
    return true;
  });
}

// ---- the shipped catalog -----------------------------------------------------------------

test('the shipped data/catalog.json validates and is found relative to the compiled file', () => {
  assert.equal(DEFAULT_CATALOG_FILE, path.resolve(__dirname, '..', '..', 'data', 'catalog.json'));
  const raw = JSON.parse(fs.readFileSync(DEFAULT_CATALOG_FILE, 'utf8')) as unknown;
  assert.deepEqual(catalogProblems(raw), []);
  const c = shipped();
  assert.equal(c.version, 1);
  assert.equal(c.$schema, './catalog.schema.json');
  assert.ok(fs.existsSync(path.join(path.dirname(DEFAULT_CATALOG_FILE), 'catalog.schema.json')));
});

test('loadCatalog caches per process, and reload reads the file again', () => {
  const first = loadCatalog();
  assert.equal(loadCatalog(), first);
  const again = loadCatalog(DEFAULT_CATALOG_FILE, { reload: true });
  assert.notEqual(again, first);
  assert.deepEqual(again, first);
  assert.equal(loadCatalog(), again);
  clearCatalogCache();
  assert.deepEqual(loadCatalog(), JSON.parse(fs.readFileSync(DEFAULT_CATALOG_FILE, 'utf8')));
});

test('the shipped catalog has the workshop models, a twin for each shape, and tiny', () => {
  const c = shipped();
  const aliases = c.models.map((m) => m.alias);
  for (const a of ['phi-4-mini', 'qwen2.5-0.5b', 'qwen2.5-1.5b', 'qwen2.5-7b', 'deepseek-r1-1.5b', 'deepseek-r1-7b',
    'llama-3.2-1b', 'mistral-7b-v0.2', 'gemma-2-2b', 'gpt-oss-20b', 'tiny']) {
    assert.ok(aliases.includes(a), `missing ${a}`);
  }
  for (const shape of Object.values(SHAPES)) {
    if (shape.name === 'tiny') continue;
    const twin = findModel(c, `${shape.name}-twin`);
    assert.equal(twin.synthetic, true);
    assert.equal(twin.twinOf, shape.name);
    const kinds = twin.variants.map((v) => `${v.provider}/${v.precision}`);
    assert.deepEqual(kinds.sort(), ['cpu/fp32', 'cpu/int4', 'cuda/int4', 'webgpu/int4']);
    for (const v of twin.variants) {
      assert.equal(v.source.kind, 'synthetic');
      if (v.source.kind === 'synthetic') {
        assert.equal(v.source.shape, shape.name);
        assert.equal(v.source.seed, 0);
        if (v.precision === 'int4') assert.equal(v.source.blockSize, 32);
      }
    }
  }
  const tiny = findModel(c, 'tiny');
  assert.deepEqual(tiny.variants.map((v) => v.id), ['tiny-generic-cpu:1', 'tiny-generic-cpu-fp32:1', 'tiny-generic-gpu:1']);
  // every real Hugging Face variant says what could not be confirmed, or has a known size and revision
  for (const m of c.models.filter((x) => !x.synthetic)) {
    for (const v of m.variants) {
      assert.equal(v.source.kind, 'huggingface', v.id);
      assert.ok(v.sizeBytes !== null || (v.unverified ?? []).some((u) => /size/.test(u)), `${v.id}: unknown size not marked unverified`);
    }
  }
});

test('twin and tiny sizes are the weight files synth/ builds for them', () => {
  for (const m of shipped().models.filter((x) => x.synthetic)) {
    for (const v of m.variants) {
      if (v.source.kind !== 'synthetic') continue;
      const data = new TensorDataWriter('unused', 'model.onnx_data', 'plan');
      planDecoder({ shape: SHAPES[v.source.shape], format: v.source.precision, blockSize: v.source.blockSize ?? 32, accuracyLevel: 4, seed: 0, layout: 'genai' }, data);
      assert.equal(v.sizeBytes, data.size, `${v.id}: catalog size is stale; regenerate it from the synth planner`);
    }
  }
});

test('every variant id of the shipped catalog is a safe folder name', () => {
  for (const m of shipped().models) {
    for (const v of m.variants) assert.equal(variantFolderName(v.id), v.id.replace(':', '-v'));
  }
});

// ---- validation ----------------------------------------------------------------------------

test('duplicate aliases (any case) and duplicate variant ids are rejected with their JSON paths', () => {
  const c = copy();
  c.models[1].alias = c.models[0].alias.toUpperCase();
  rejects(c, 'models[1].alias', /unsafe alias|duplicate alias/);
  const d = copy();
  d.models[2].variants[0].id = d.models[0].variants[0].id;
  rejects(d, 'models[2].variants[0].id', /duplicate variant id .* \(also at models\[0\]\.variants\[0\]\.id\)/);
  const e = copy();
  const tinyAt = e.models.findIndex((m) => m.alias === 'tiny');
  e.models[0].alias = 'tiny';
  rejects(e, `models[${tinyAt}].alias`, /duplicate alias "tiny" \(also at models\[0\]\.alias\)/);
});

test('unsafe ids, aliases and paths are rejected', () => {
  const cases: [(c: CatalogFile) => void, string, RegExp][] = [
    [(c) => { c.models[0].variants[0].id = 'evil..x:1'; }, 'models[0].variants[0].id', /unsafe id.*'\.\.'/],
    [(c) => { c.models[0].variants[0].id = '../evil:1'; }, 'models[0].variants[0].id', /unsafe id/],
    [(c) => { c.models[0].variants[0].id = 'a/b:1'; }, 'models[0].variants[0].id', /path separator/],
    [(c) => { c.models[0].variants[0].id = 'a\\b:1'; }, 'models[0].variants[0].id', /path separator/],
    [(c) => { c.models[0].variants[0].id = '/abs:1'; }, 'models[0].variants[0].id', /path separator|absolute/],
    [(c) => { c.models[0].variants[0].id = 'ctl\u0001:1'; }, 'models[0].variants[0].id', /control character/],
    [(c) => { c.models[0].variants[0].id = 'Upper-Case:1'; }, 'models[0].variants[0].id', /upper-case/],
    [(c) => { c.models[0].variants[0].id = 'no-version'; }, 'models[0].variants[0].id', /<name>:<version>/],
    [(c) => { c.models[0].alias = 'a/b'; }, 'models[0].alias', /path separator/],
    [(c) => { (c.models[0].variants[0].source as { subfolder: string }).subfolder = '../outside'; }, 'models[0].variants[0].source.subfolder', /'\.\.'/],
    [(c) => { (c.models[0].variants[0].source as { include: string[] }).include = ['/etc/passwd']; }, 'models[0].variants[0].source.include[0]', /absolute/],
    [(c) => { (c.models[0].variants[0].source as { repo: string }).repo = 'no-owner'; }, 'models[0].variants[0].source.repo', /owner\/name/],
    [(c) => { (c.models[1].variants[0].source as { onnxFile: string }).onnxFile = '../model.onnx'; }, 'models[1].variants[0].source.onnxFile', /\.onnx/],
  ];
  for (const [breakIt, at, pattern] of cases) {
    const c = copy();
    breakIt(c);
    rejects(c, at, pattern);
  }
});

test('unknown synthetic shapes, wrong enums and device/provider mismatches are rejected', () => {
  const twinAt = shipped().models.findIndex((m) => m.alias === 'qwen2.5-0.5b-twin');
  const c = copy();
  (c.models[twinAt].variants[0].source as { shape: string }).shape = 'qwen9-900b';
  rejects(c, `models[${twinAt}].variants[0].source.shape`, /unknown synthetic shape "qwen9-900b"; known shapes: tiny, qwen2\.5-0\.5b/);
  const d = copy();
  (d.models[0].variants[0] as { device: string }).device = 'NPU';
  rejects(d, 'models[0].variants[0].device', /expected one of CPU, GPU, got "NPU"/);
  const e = copy();
  (e.models[0].variants[0] as { provider: string }).provider = 'dml';
  rejects(e, 'models[0].variants[0].provider', /expected one of cpu, webgpu, cuda/);
  const f = copy();
  const cpuVariant = f.models[0].variants.findIndex((v) => v.provider === 'cpu');
  f.models[0].variants[cpuVariant].device = 'GPU';
  rejects(f, `models[0].variants[${cpuVariant}].device`, /provider "cpu" runs on CPU, not "GPU"/);
  const g = copy();
  (g.models[0].variants[0].source as { kind: string }).kind = 'ftp';
  rejects(g, 'models[0].variants[0].source.kind', /expected one of huggingface, url, synthetic/);
  const h = copy();
  h.models[0].variants[0].precision = 'q3';
  rejects(h, 'models[0].variants[0].precision', /expected one of fp32, fp16, bf16, int8, int4/);
  const i = copy();
  i.models[0].variants[0].id = i.models[0].variants[0].id.replace(/:1$/, ':2');
  rejects(i, 'models[0].variants[0].version', /is 1 but the id ends in ':2'/);
  const j = copy();
  j.models[twinAt].twinOf = 'no-such-model';
  rejects(j, `models[${twinAt}].twinOf`, /not the alias of a real/);
});

test('missing fields are each reported with their JSON path, all in one error', () => {
  const c = copy() as unknown as { models: Record<string, unknown>[] };
  delete c.models[3].license;
  delete (c.models[3].variants as Record<string, unknown>[])[1].id;
  delete ((c.models[3].variants as Record<string, unknown>[])[1].source as Record<string, unknown>).repo;
  c.models[4].parameters = -5;
  assert.throws(() => parseCatalog(JSON.stringify(c), 'broken.json'), (e: unknown) => {
    assert.ok(e instanceof CatalogError);
    assert.deepEqual(e.problems.filter((p) => /^models\[[34]\]/.test(p)).sort(), [
      'models[3].license: expected a non-empty string',
      'models[3].variants[1].id: expected a non-empty string',
      'models[3].variants[1].source.repo: expected a non-empty string',
      'models[4].parameters: expected an integer >= 1, got -5',
    ]);
    assert.match(e.message, /broken\.json is invalid \(4 problems\)/);
    assert.equal(e.file, 'broken.json');
    return true;
  });
  rejects({ version: 1, models: [{ alias: 'x' }] }, 'models[0].variants', /non-empty array/);
  rejects({ version: 2, models: [] }, 'version', /expected 1, got 2/);
  rejects({ ...copy(), extra: true }, '(root).extra', /unknown field/);
  const typo = copy() as unknown as { models: Record<string, unknown>[] };
  typo.models[0].licence = 'MIT';
  rejects(typo, 'models[0].licence', /unknown field/);
});

test('a catalog file that is missing or not JSON gives a CatalogError naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slmlab-catalog-'));
  try {
    const missing = path.join(dir, 'nope.json');
    assert.throws(() => loadCatalog(missing), (e: unknown) => e instanceof CatalogError && e.message.includes(missing));
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{"version": 1, "models": [');
    assert.throws(() => loadCatalog(broken), (e: unknown) => e instanceof CatalogError && /not valid JSON/.test(e.message) && e.message.includes(broken));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- finding models and variants ----------------------------------------------------------

test('findModel finds an alias in any case', () => {
  const c = shipped();
  assert.equal(findModel(c, 'qwen2.5-0.5b').alias, 'qwen2.5-0.5b');
  assert.equal(findModel(c, 'Qwen2.5-0.5B').alias, 'qwen2.5-0.5b');
  assert.equal(findModel(c, '  PHI-4-MINI ').alias, 'phi-4-mini');
});

test('findModel finds a model by variant id, with or without its version, in any case', () => {
  const c = shipped();
  assert.equal(findModel(c, 'qwen2.5-0.5b-instruct-generic-cpu:1').alias, 'qwen2.5-0.5b');
  assert.equal(findModel(c, 'qwen2.5-0.5b-instruct-generic-cpu').alias, 'qwen2.5-0.5b');
  assert.equal(findModel(c, 'Phi-4-mini-instruct-generic-cpu').alias, 'phi-4-mini');
  assert.throws(() => findModel(c, 'qwen2.5-0.5b-instruct-generic-cpu:7'), ModelNotFoundError);
});

test('findVariant without a version takes the highest version', () => {
  const c = copy();
  const m = c.models.find((x) => x.alias === 'tiny') as CatalogModel;
  m.variants.push({ ...m.variants[0], id: 'tiny-generic-cpu:3', version: 3 }, { ...m.variants[0], id: 'tiny-generic-cpu:2', version: 2 });
  const valid = parseCatalog(JSON.stringify(c));
  assert.equal(findVariant(valid, 'tiny-generic-cpu')?.variant.id, 'tiny-generic-cpu:3');
  assert.equal(findVariant(valid, 'tiny-generic-cpu:2')?.variant.id, 'tiny-generic-cpu:2');
  assert.equal(findVariant(valid, 'TINY-GENERIC-CPU:1')?.variant.id, 'tiny-generic-cpu:1');
  assert.equal(findVariant(valid, 'tiny-generic-cpu:9'), null);
});

test('an unknown model is a ModelNotFoundError that suggests close aliases and the fix', () => {
  assert.throws(() => findModel(shipped(), 'qwen2.5-0.6b'), (e: unknown) => {
    assert.ok(e instanceof ModelNotFoundError);
    assert.match(e.message, /model 'qwen2\.5-0\.6b' is not in the catalog/);
    assert.match(e.message, /did you mean 'qwen2\.5-0\.5b'/);
    assert.match(e.message, /slmlab model list/);
    return true;
  });
  assert.throws(() => findModel(shipped(), ''), ModelNotFoundError);
});

// ---- choosing a variant ------------------------------------------------------------------

test('selectVariant prefers cuda, then webgpu, then cpu among usable providers', () => {
  const m = findModel(shipped(), 'qwen2.5-0.5b');
  assert.equal(selectVariant(m, { usable: statuses(['cpu', 'webgpu', 'cuda']) }).id, 'qwen2.5-0.5b-instruct-cuda-gpu:1');
  assert.equal(selectVariant(m, { usable: statuses(['cpu', 'webgpu']) }).id, 'qwen2.5-0.5b-instruct-generic-gpu:1');
  assert.equal(selectVariant(m, { usable: statuses(['cpu', 'cuda']) }).id, 'qwen2.5-0.5b-instruct-cuda-gpu:1');
});

test('selectVariant falls back to cpu when no GPU provider is usable, and takes the first cpu variant', () => {
  const m = findModel(shipped(), 'qwen2.5-0.5b');
  const v = selectVariant(m, { usable: statuses(['cpu']) });
  assert.equal(v.id, 'qwen2.5-0.5b-instruct-generic-cpu:1');
  assert.equal(v.precision, 'int4');
  // a model without GPU variants runs on cpu even where cuda works
  assert.equal(selectVariant(findModel(shipped(), 'tiny'), { usable: statuses(['cpu', 'cuda']) }).id, 'tiny-generic-cpu:1');
});

test('selectVariant breaks ties by the highest version', () => {
  const m: CatalogModel = JSON.parse(JSON.stringify(findModel(shipped(), 'tiny')));
  m.variants.push({ ...m.variants[0], id: 'tiny-generic-cpu:4', version: 4 });
  assert.equal(selectVariant(m, { usable: statuses(['cpu']) }).id, 'tiny-generic-cpu:4');
});

test('selectVariant honours ep (short or Foundry name) and a full id, usable here or not', () => {
  const m = findModel(shipped(), 'qwen2.5-0.5b');
  const cpuOnly = statuses(['cpu']);
  assert.equal(selectVariant(m, { usable: cpuOnly, ep: 'cuda' }).id, 'qwen2.5-0.5b-instruct-cuda-gpu:1');
  assert.equal(selectVariant(m, { usable: cpuOnly, ep: 'WebGpuExecutionProvider' }).id, 'qwen2.5-0.5b-instruct-generic-gpu:1');
  assert.equal(selectVariant(m, { usable: statuses(['cpu', 'cuda']), ep: 'cpu' }).id, 'qwen2.5-0.5b-instruct-generic-cpu:1');
  assert.equal(selectVariant(m, { usable: statuses(['cuda']), id: 'qwen2.5-0.5b-instruct-generic-cpu-fp32' }).id, 'qwen2.5-0.5b-instruct-generic-cpu-fp32:1');
  assert.equal(selectVariant(m, { usable: [], id: 'QWEN2.5-0.5B-INSTRUCT-GENERIC-CPU-FP32:1' }).precision, 'fp32');
  assert.throws(() => selectVariant(m, { usable: cpuOnly, id: 'tiny-generic-cpu:1' }), (e: unknown) =>
    e instanceof ModelNotFoundError && /has no variant 'tiny-generic-cpu:1'/.test(e.message));
  assert.throws(() => selectVariant(m, { usable: cpuOnly, ep: 'tensorrt' }), UnknownProviderError);
});

test('selectVariant errors name the providers a model has', () => {
  const tiny = findModel(shipped(), 'tiny');
  assert.throws(() => selectVariant(tiny, { usable: statuses(['cpu', 'cuda']), ep: 'cuda' }), (e: unknown) => {
    assert.ok(e instanceof ModelNotFoundError);
    assert.match(e.message, /model 'tiny' has no variant for the cuda execution provider: it has webgpu, cpu/);
    assert.match(e.message, /--ep cpu/);
    return true;
  });
  const gptoss = findModel(shipped(), 'gpt-oss-20b');
  assert.throws(() => selectVariant(gptoss, { usable: statuses(['cpu', 'webgpu']) }), (e: unknown) => {
    assert.ok(e instanceof ProviderUnavailableError);
    assert.match(e.message, /has variants for cuda only/);
    assert.match(e.message, /cuda: cuda is not here \(fix: install cuda\)/);
    assert.match(e.message, /device=CPU/);
    return true;
  });
  assert.throws(() => selectVariant(findModel(shipped(), 'phi-4-mini'), { usable: [] }), (e: unknown) =>
    e instanceof ProviderUnavailableError && /cuda, webgpu, cpu only/.test(e.message) && /not probed/.test(e.message));
});

test('resolveVariant takes a full id as is, and picks for this machine by alias', async () => {
  const c = shipped();
  const byId = await resolveVariant(c, 'QWEN2.5-0.5B-INSTRUCT-GENERIC-CPU-FP32');
  assert.equal(byId.model.alias, 'qwen2.5-0.5b');
  assert.equal(byId.variant.id, 'qwen2.5-0.5b-instruct-generic-cpu-fp32:1');
  assert.equal((await resolveVariant(c, 'qwen2.5-0.5b', { ep: 'cuda' })).variant.id, 'qwen2.5-0.5b-instruct-cuda-gpu:1');
  // tiny has cpu variants only, and cpu always works: probing picks the int4 one
  assert.equal((await resolveVariant(c, 'tiny')).variant.id, 'tiny-generic-cpu:1');
});

// ---- filters ---------------------------------------------------------------------------------

const ids = (models: CatalogModel[]) => models.flatMap((m) => m.variants.map((v) => v.id));

test('filter device=GPU keeps only GPU variants; device=!GPU only CPU ones', () => {
  const c = shipped();
  const gpu = ids(filterModels(c, 'device=GPU'));
  assert.ok(gpu.length > 0 && gpu.every((id) => /-(cuda|generic)-gpu:/.test(id)));
  // tiny's only GPU variant is its webgpu one (a software adapter runs it in tests, issue 18)
  assert.deepEqual(filterModels(c, 'device=gpu').find((m) => m.alias === 'tiny')?.variants.map((v) => v.id), ['tiny-generic-gpu:1']);
  const notGpu = ids(filterModels(c, 'device=!GPU'));
  assert.ok(notGpu.length > 0 && notGpu.every((id) => /-generic-cpu(-fp32)?:/.test(id)));
  assert.equal(gpu.length + notGpu.length, ids(c.models).length);
  assert.deepEqual(ids(filterModels(c, '!device=GPU')), notGpu);
  assert.deepEqual(ids(filterModels(c, 'device!=GPU')), notGpu);
  assert.deepEqual(filterModels(c, 'device=NPU'), []);
});

test('filter provider accepts short and Foundry EP names', () => {
  const c = shipped();
  const cuda = ids(filterModels(c, 'provider=cuda'));
  assert.ok(cuda.length > 0 && cuda.every((id) => id.includes('-cuda-gpu')));
  assert.deepEqual(ids(filterModels(c, 'provider=CUDAExecutionProvider')), cuda);
  assert.deepEqual(ids(filterModels(c, 'PROVIDER=webgpuexecutionprovider')), ids(filterModels(c, 'provider=webgpu')));
  assert.deepEqual(filterModels(c, 'provider=QNNExecutionProvider'), []);
  assert.ok(ids(filterModels(c, 'provider=!cpu')).every((id) => id.includes('-gpu')));
});

test('filter task accepts chat-completion and chat; alias matches exactly or by prefix', () => {
  const c = shipped();
  assert.equal(filterModels(c, 'task=chat-completion').length, c.models.length);
  assert.equal(filterModels(c, 'task=chat').length, c.models.length);
  assert.equal(filterModels(c, 'task=text-generation').length, 0);
  assert.deepEqual(filterModels(c, 'alias=qwen*').map((m) => m.alias),
    ['qwen2.5-0.5b', 'qwen2.5-1.5b', 'qwen2.5-7b', 'qwen2.5-0.5b-twin', 'qwen2.5-1.5b-twin']);
  assert.deepEqual(filterModels(c, 'alias=QWEN2.5-0.5B').map((m) => m.alias), ['qwen2.5-0.5b']);
  assert.ok(!filterModels(c, 'alias=!qwen*').some((m) => m.alias.startsWith('qwen')));
  assert.equal(filterModels(c, 'alias=!qwen*').length + 5, c.models.length);
  assert.equal(filterModels(c).length, c.models.length);
});

test('a bad filter is an InvalidRequestError listing the valid keys', () => {
  for (const bad of ['size=1GB', 'device', '=GPU', 'device=TPU', 'provider=gpu', 'alias=q*w*', 'device=', '']) {
    assert.throws(() => parseFilter(bad), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError, `no InvalidRequestError for ${JSON.stringify(bad)}`);
      assert.equal(e.param, 'filter');
      assert.match(e.message, /device, provider, task, alias/);
      return true;
    });
  }
  assert.throws(() => filterModels(shipped(), 'publisher=Meta'), /unknown key 'publisher'/);
});

// ---- list and info -----------------------------------------------------------------------------

test('listRows returns plain rows in catalog order, alias first per group, cached ids marked', () => {
  const c = shipped();
  const rows = listRows(c, { cachedIds: new Set(['TINY-GENERIC-CPU:1']) });
  assert.equal(rows.length, ids(c.models).length);
  assert.deepEqual(rows.map((r) => r.variantId), ids(c.models));
  const tiny = rows.filter((r) => r.alias === 'tiny');
  assert.deepEqual(tiny.map((r) => [r.first, r.cached, r.synthetic, r.device]), [[true, true, true, 'CPU'], [false, false, true, 'CPU'], [false, false, true, 'GPU']]);
  assert.deepEqual(Object.keys(rows[0]).sort(), ['alias', 'cached', 'device', 'first', 'license', 'precision', 'provider', 'size', 'synthetic', 'task', 'twinOf', 'unavailable', 'variantId'].sort());
  const filtered = listRows(c, { filter: 'alias=tiny' });
  assert.deepEqual(filtered.map((r) => r.variantId), ['tiny-generic-cpu:1', 'tiny-generic-cpu-fp32:1', 'tiny-generic-gpu:1']);
  assert.equal(JSON.parse(JSON.stringify(rows)).length, rows.length);
});

test('formatModelList prints the Foundry header, the alias once per group, synthetic and cached marks and a legend', () => {
  const text = formatModelList(listRows(shipped(), { filter: 'alias=qwen2.5-0.5b*', cachedIds: new Set(['qwen2.5-0.5b-twin-generic-cpu:1']) }));
  const lines = text.split('\n');
  assert.match(lines[0], /^Alias\s+Device\s+Task\s+File Size\s+License\s+Model ID$/);
  assert.deepEqual(LIST_HEADER, ['Alias', 'Device', 'Task', 'File Size', 'License', 'Model ID']);
  assert.equal(lines.filter((l) => l.startsWith('qwen2.5-0.5b ')).length, 1, 'real alias printed once');
  assert.equal(lines.filter((l) => l.startsWith(`qwen2.5-0.5b-twin ${SYNTHETIC_MARK}`)).length, 1, 'twin marked synthetic once');
  assert.ok(lines.some((l) => /^-+$/.test(l)), 'groups separated by a rule');
  assert.ok(lines.some((l) => l.endsWith(`qwen2.5-0.5b-twin-generic-cpu:1 ${CACHED_MARK}`)));
  assert.ok(lines.some((l) => /^\s+CPU\s+chat-completion\s+786 MB\s+apache-2\.0\s+qwen2\.5-0\.5b-instruct-generic-cpu:1$/.test(l)));
  assert.ok(text.includes(`${SYNTHETIC_MARK} = built offline by slmlab`), 'legend');
  assert.match(formatModelList([]), /No models match/);
});

test('modelInfo is a plain record and formatModelInfo shows variants, sources and what is unverified', () => {
  const info = modelInfo(findModel(shipped(), 'phi-4-mini'));
  assert.equal(info.license, 'MIT');
  assert.ok(info.licenseUrl?.startsWith('https://'));
  assert.equal(info.synthetic, false);
  assert.equal(info.promptTemplate?.user, '<|user|>{Content}<|end|>');
  assert.deepEqual(JSON.parse(JSON.stringify(info)), info);
  const text = formatModelInfo(info);
  assert.match(text, /^phi-4-mini: Phi-4-mini-instruct$/m);
  assert.match(text, /Context:\s+131,072 tokens/);
  assert.match(text, /huggingface microsoft\/Phi-4-mini-instruct-onnx@main gpu\/gpu-int4-rtn-block-32\//);
  assert.match(text, /unverified: /);
  const licence = formatModelInfo(info, { license: true });
  assert.match(licence, /License:\s+MIT/);
  assert.ok(!licence.includes('Variants'));
  const twin = formatModelInfo(modelInfo(findModel(shipped(), 'llama-3.2-1b-twin')));
  assert.match(twin, /llama-3\.2-1b-twin \(synthetic\)/);
  assert.match(twin, /Twin of:\s+llama-3\.2-1b/);
  assert.match(twin, /synthetic llama-3\.2-1b int4 block 32 seed 0/);
});

// ---- folder names ------------------------------------------------------------------------

test('variantFolderName maps ":" to "-v" and rejects unsafe ids', () => {
  assert.equal(variantFolderName('qwen2.5-0.5b-instruct-generic-cpu:1'), 'qwen2.5-0.5b-instruct-generic-cpu-v1');
  assert.equal(variantFolderName('tiny'), 'tiny');
  for (const bad of ['', '..', '../x:1', 'a/b:1', 'a\\b:1', '/etc/passwd', 'C:\\models', 'x\u0000y', 'line\nbreak',
    'Upper:1', 'a:b:1', 'a:v1', 'sp ace:1', 'per%2e%2e:1', '.hidden:1', '-dash:1', 'con', 'nul.txt', 'x'.repeat(201)]) {
    assert.throws(() => variantFolderName(bad), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError, `accepted ${JSON.stringify(bad)}`);
      assert.match(e.message, /cannot name a folder/);
      return true;
    });
  }
});

test('unavailable models are listed with their reason but never selected, by alias, ep or id', () => {
  const c = shipped();
  for (const alias of ['qwen2.5-7b', 'gemma-2-2b']) {
    const m = findModel(c, alias);
    assert.ok(m.unavailable && m.unavailable.length > 20, `${alias} says why`);
    const all = [{ name: 'cpu', usable: true }, { name: 'cuda', usable: true }, { name: 'webgpu', usable: true }] as ProviderStatus[];
    assert.throws(() => selectVariant(m, { usable: all }), (e: Error) => e instanceof ModelNotFoundError && e.message.includes('unavailable') && e.message.includes(m.unavailable!));
    assert.throws(() => selectVariant(m, { usable: [], ep: 'cpu' }), /unavailable/);
    assert.throws(() => selectVariant(m, { usable: [], id: m.variants[0].id }), /unavailable/);
    const rows = listRows(c, { filter: `alias=${alias}` });
    assert.ok(rows.length > 0 && rows.every((r) => r.unavailable === m.unavailable));
    const text = formatModelList(rows);
    assert.ok(text.includes(`${UNAVAILABLE_MARK} ${alias}: ${m.unavailable}`), 'the list prints the reason');
    assert.match(formatModelInfo(modelInfo(m)), /Unavailable: /);
  }
});

test('every real, available catalog variant names public evidence for its files', () => {
  for (const m of shipped().models) {
    if (m.synthetic || m.unavailable) continue;
    for (const v of m.variants) {
      assert.ok((v.evidence ?? []).length > 0, `${v.id} has evidence`);
      for (const u of v.evidence ?? []) assert.match(u, /^https:\/\/huggingface\.co\//, v.id);
    }
  }
});

test('a folder with upload leftovers is fetched by file names, not by "*" (mistral cuda)', () => {
  const v = findVariant(shipped(), 'mistral-7b-instruct-v0.2-cuda-gpu:1')!.variant;
  assert.equal(v.source.kind, 'huggingface');
  const include = (v.source as HuggingFaceSource).include;
  assert.ok(!include.includes('*'));
  assert.ok(!matchesAny('.azDownload-3f2c.onnx.data', include), 'the 0-byte .azDownload files are not fetched');
  assert.ok(matchesAny('mistral-7b-instruct-v0.2-cuda-int4-rtn-block-32.onnx.data', include));
});

test('a tokenizerSource and evidence URLs are validated like the rest of a source', () => {
  const c = JSON.parse(JSON.stringify(shipped())) as CatalogFile;
  const v = findVariant(c, 'deepseek-r1-distill-qwen-1.5b-generic-cpu:1')!.variant;
  const src = v.source as HuggingFaceSource;
  assert.equal(src.tokenizerSource?.repo, 'onnx-community/DeepSeek-R1-Distill-Qwen-1.5B-ONNX');
  src.tokenizerSource!.include = ['../x'];
  v.evidence = ['not a url'];
  const problems = catalogProblems(c);
  assert.ok(problems.some((p) => /tokenizerSource\.include\[0\]: unsafe path/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /evidence\[0\]: expected an http\(s\) URL/.test(p)), problems.join('\n'));
});
