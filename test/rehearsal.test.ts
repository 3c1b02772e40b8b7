/**
 * The offline rehearsal of every real catalog variant: its repository laid out as on Hugging
 * Face (test/helpers/repo-layouts.ts) and served by the Hub imitation, then the path a
 * connected machine takes — `slmlab model download <variant>` (locateModel with download) ->
 * `slmlab model run` (loadModel + one greedy answer to the workshop's messages) — for every
 * variant whose provider runs here (cpu), and download + load check (folder, tokenizer, chat
 * template, graph loads on cpu) for the GPU ones. Unavailable models must refuse with their reason.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCatalog } from '../lib/catalog';
import type { CatalogModel, CatalogVariant, HuggingFaceSource } from '../lib/catalog/types';
import { loadModel } from '../lib/engine/engine';
import { inspectModelFolder } from '../lib/engine/model-folder';
import { TextTokenizer } from '../lib/engine/tokenizer';
import type { ChatMessage } from '../lib/engine/chat-template';
import { locateModel } from '../lib/registry/locate-model';
import { HubServer } from './helpers/hub-server';
import { makeTempDir, removeTempDir } from './helpers/models';
import { catalogRepos } from './helpers/repo-layouts';
import { checkFoundryFolder } from '../lib/cache/foundry-check';

/** The workshop's bench prompt (BENCH_PROMPT) after a system turn, as a notebook sends it. */
const WORKSHOP: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Explain retrieval augmented generation briefly.' },
];

let hub: HubServer;
let work: string;
const catalog = loadCatalog();
const real = catalog.models.filter((m) => !m.synthetic);
const results: { variant: string; result: string }[] = [];

before(async () => {
  work = makeTempDir();
  hub = await HubServer.start(await catalogRepos(catalog, path.join(work, 'builds')));
});

after(async () => {
  await hub?.close();
  removeTempDir(work);
  // The table the issue asks for: variant, rehearsal result.
  console.log(results.map((r) => `${r.variant} | ${r.result}`).join('\n'));
});

function cacheFor(name: string) {
  return { cacheDir: path.join(work, 'cache', name), env: { HF_ENDPOINT: hub.endpoint } };
}

async function rehearse(model: CatalogModel, v: CatalogVariant): Promise<string> {
  const found = await locateModel(v.id, { download: true, catalog, cache: cacheFor(v.id.replace(/[^a-z0-9.-]/g, '_')) });
  assert.equal(found.variant?.id, v.id);
  const src = v.source as HuggingFaceSource;

  // What landed: exactly the files the include patterns name, plus Foundry's inference_model.json.
  const inference = JSON.parse(fs.readFileSync(path.join(found.dir, 'inference_model.json'), 'utf8')) as { Name: string; PromptTemplate?: unknown };
  assert.equal(inference.Name, v.id);
  assert.deepEqual(inference.PromptTemplate, model.promptTemplate ?? undefined);
  const names = fs.readdirSync(found.dir);
  assert.ok(!names.some((n) => n.startsWith('.azDownload')), `${v.id}: upload leftovers were not fetched`);
  const folder = inspectModelFolder(found.dir);
  if (src.onnxFile) assert.equal(path.basename(folder.onnxPath), src.onnxFile);
  // Foundry Local lists the folder and ONNX Runtime GenAI finds its graph: Optimum downloads get a genai_config.json.
  const foundry = checkFoundryFolder(found.dir);
  assert.ok(foundry.runnable, `${v.id}: ${foundry.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`).join('; ')}`);
  if (src.onnxFile) assert.equal(JSON.parse(fs.readFileSync(path.join(found.dir, 'genai_config.json'), 'utf8')).model.decoder.filename, `onnx/${src.onnxFile}`);

  // The tokenizer loads (DeepSeek's from its tokenizerSource) and the chat template takes the workshop's messages.
  const tokenizer = await TextTokenizer.fromFolder(found.dir);
  const prompt = tokenizer.renderChat(WORKSHOP);
  assert.ok(prompt.includes('Explain retrieval augmented generation briefly.'), `${v.id}: the user text is in the prompt`);
  assert.ok(prompt.includes('You are a helpful assistant.'), `${v.id}: the system text is in the prompt`);
  // The model's own chat template first, as Foundry Local's Core renders prompts; the catalog's PromptTemplate is metadata.
  assert.equal(tokenizer.templateSource, 'chat_template');

  const loaded = await loadModel(found.dir, { provider: 'cpu', threads: 1 });
  try {
    if (v.provider !== 'cpu') return `downloaded, load-checked on cpu (${v.provider} not usable here)`;
    const answer = await loaded.complete({ messages: WORKSHOP, maxTokens: 3, temperature: 0 });
    assert.ok(answer.completionTokens >= 1, `${v.id}: generated`);
    return `downloaded, ran: ${answer.promptTokens} prompt tokens -> ${answer.completionTokens} greedy tokens`;
  } finally {
    await loaded.dispose();
  }
}

for (const model of real) {
  test(`rehearsal: ${model.alias}`, async () => {
    for (const v of model.variants) {
      if (model.unavailable || v.unavailable) {
        await assert.rejects(locateModel(v.id, { download: true, catalog, cache: cacheFor('unavailable') }),
          (e: Error) => e.message.includes('unavailable') && e.message.includes((v.unavailable ?? model.unavailable)!));
        results.push({ variant: v.id, result: `unavailable: ${v.unavailable ?? model.unavailable}` });
        continue;
      }
      results.push({ variant: v.id, result: await rehearse(model, v) });
    }
  });
}

test('rehearsal: DeepSeek takes its tokenizer from onnx-community, not the broken copy beside the weights', async () => {
  const v = catalog.models.find((m) => m.alias === 'deepseek-r1-1.5b')!.variants.find((x) => x.provider === 'cpu')!;
  const found = await locateModel(v.id, { download: true, catalog, cache: cacheFor(v.id.replace(/[^a-z0-9.-]/g, '_')) });
  const json = JSON.parse(fs.readFileSync(path.join(found.dir, 'tokenizer.json'), 'utf8')) as { model: unknown };
  assert.notEqual(json.model, null, 'the onnx-community tokenizer.json replaced the broken one');
  const tokenizerSource = (v.source as HuggingFaceSource).tokenizerSource!;
  assert.ok(hub.requests(undefined, 'api').some((r) => r.url.includes(tokenizerSource.repo)), 'the tokenizer repo was listed');
});

test('rehearsal: an Optimum download made before slmlab wrote genai_config.json gets one from `model download --force`', async () => {
  const v = catalog.models.find((m) => m.alias === 'qwen2.5-0.5b')!.variants.find((x) => x.provider === 'cpu' && (x.source as HuggingFaceSource).onnxFile)!;
  const cache = cacheFor('older-download');
  const found = await locateModel(v.id, { download: true, catalog, cache });
  fs.rmSync(path.join(found.dir, 'genai_config.json'));
  assert.equal(checkFoundryFolder(found.dir).listed, false);
  await locateModel(v.id, { download: true, catalog, cache }); // cached: used as it is
  assert.ok(!fs.existsSync(path.join(found.dir, 'genai_config.json')));
  const again = await locateModel(v.id, { download: true, force: true, catalog, cache });
  assert.equal(again.dir, found.dir);
  assert.ok(checkFoundryFolder(found.dir).runnable);
});
