/**
 * Offline stand-ins for the Hugging Face repositories the catalog's real variants come from:
 * each repo's folders, file names and config files laid out as the repo has them (Hugging Face
 * listings and the ONNX Runtime GenAI builder's output), filled with twin weights of a small
 * shape, so a test can serve them from HubServer and run the same download -> load -> answer
 * path a connected machine runs.
 *
 * What is real: folder and file names, which config files exist (genai_config.json or
 * Optimum's config.json + generation_config.json), the junk a repo holds (Mistral's 0-byte
 * .azDownload files, DeepSeek's 0-byte root config.json and its unusable tokenizer files),
 * each family's chat template (Qwen, Llama 3 and Phi-4's from the npm tokenizer packages),
 * the revision a variant pins.
 * What is not: the weights (a 1-layer, hidden-32 decoder with seeded random values); the
 * tokenizer.json, which is slmlab's byte-level test tokenizer for every family (the real
 * ones are 9-15 MB each and would make this test several times slower; test/tokenizer.test.ts
 * covers them); and the chat templates of Mistral, DeepSeek and gpt-oss, which are written
 * here in the style of the originals (Mistral's raises on a system turn, as v0.2's does).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CatalogFile, CatalogVariant, HuggingFaceSource } from '../../lib/catalog/types';
import type { Precision } from '../../lib/synth/write-model';
import { buildModel } from '../../lib/cache/build-model';
import type { Layout } from '../../lib/synth/decoder-graph';
import type { ModelShape, TokenizerFamily } from '../../lib/synth/shapes';
import { tokenizerFilesFor } from '../../lib/synth/tokenizer-files';
import type { HubFileSpec, HubRepoSpec } from './hub-server';

/** The small shape every rehearsal twin has: byte tokenizer, tiny body, the family's model type. */
export function rehearsalShape(family: TokenizerFamily): ModelShape {
  const tokenizer: TokenizerFamily = 'byte';
  const tok = tokenizerFilesFor(tokenizer);
  const modelType = family === 'llama3' ? 'llama' : family === 'phi4' ? 'phi3' : 'qwen2';
  return {
    name: `rehearsal-${family}`, twinOf: null, modelType,
    layers: 1, hidden: 32, heads: 2, kvHeads: 1, headSize: 16, ffn: 64, vocab: Math.ceil(tok.size / 64) * 64, context: 512,
    rmsEps: 1e-6, rope: { theta: 10_000, partialFactor: 1 }, qkvBias: modelType === 'qwen2', tiedEmbeddings: true, tokenizer,
    differences: ['offline rehearsal fixture: real file layout and tokenizer, tiny random weights'],
  };
}

/** Mistral v0.2's rule, in its own words: roles must alternate, starting with the user; no system role. */
export const MISTRAL_STYLE_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
  "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
  "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}" +
  "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}" +
  "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

/** DeepSeek-R1-Distill's shape: the system text first, then <｜User｜>/<｜Assistant｜> turns, thinking opened. */
export const DEEPSEEK_STYLE_TEMPLATE =
  "{% set ns = namespace(system_prompt='') %}{% for message in messages %}{% if message['role'] == 'system' %}" +
  "{% set ns.system_prompt = message['content'] %}{% endif %}{% endfor %}{{ bos_token }}{{ ns.system_prompt }}" +
  "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}" +
  "{% elif message['role'] == 'assistant' %}{{ '<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>' }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}";

/** gpt-oss's harmony format, reduced: system text goes to the developer channel. */
export const HARMONY_STYLE_TEMPLATE =
  "{%- for message in messages -%}{{ '<|start|>' + (message.role if message.role != 'system' else 'developer') + '<|message|>' + message.content + '<|end|>' }}" +
  '{%- endfor -%}{%- if add_generation_prompt -%}<|start|>assistant{%- endif -%}';

interface Build { tokenizer: TokenizerFamily; layout: Layout; precision: Precision; onnxName: string; dataName: string }

/** Builds (once per distinct build) and returns the files of a twin, relative to its folder. */
class TwinBuilds {
  private readonly done = new Map<string, Map<string, Buffer>>();
  constructor(private readonly root: string) {}

  async files(b: Build): Promise<Map<string, Buffer>> {
    const key = JSON.stringify(b);
    const hit = this.done.get(key);
    if (hit) return hit;
    const out = path.join(this.root, `build-${this.done.size}`);
    await buildModel({
      shape: rehearsalShape(b.tokenizer), precision: b.precision, layout: b.layout, builder: 'v0.15',
      onnxName: b.onnxName, dataName: b.dataName, out, threads: 1,
    });
    const files = new Map<string, Buffer>();
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
        else files.set(`${rel}${e.name}`, fs.readFileSync(path.join(d, e.name)));
      }
    };
    walk(out, '');
    fs.rmSync(out, { recursive: true, force: true });
    if (b.tokenizer !== 'byte') withTemplate(files, tokenizerFilesFor(b.tokenizer).chatTemplate);
    this.done.set(key, files);
    return files;
  }
}

/** The tokenizer family a catalog family's twin uses here. */
function familyTokenizer(family: string): TokenizerFamily {
  if (family === 'phi-4') return 'phi4';
  if (family === 'llama-3.2') return 'llama3';
  if (family === 'mistral') return 'byte';
  return 'qwen2'; // qwen2.5, deepseek-r1-distill (a Qwen2.5 model), gpt-oss (stand-in for o200k harmony)
}

function withTemplate(files: Map<string, Buffer>, template: string): void {
  const config = JSON.parse(files.get('tokenizer_config.json')!.toString('utf8')) as Record<string, unknown>;
  config.chat_template = template;
  files.set('tokenizer_config.json', Buffer.from(JSON.stringify(config, null, 2) + '\n'));
}

/**
 * Every repo the catalog's available real variants need, laid out as the real repo is.
 * Variants that share a repo share one HubRepoSpec (one folder per variant's subfolder).
 */
export async function catalogRepos(catalog: CatalogFile, workDir: string): Promise<HubRepoSpec[]> {
  const builds = new TwinBuilds(workDir);
  const repos = new Map<string, { revision: string; files: Map<string, Buffer> }>();
  const repo = (id: string, revision: string) => {
    let r = repos.get(id);
    if (!r) { r = { revision, files: new Map() }; repos.set(id, r); }
    return r;
  };

  for (const model of catalog.models) {
    if (model.synthetic || model.unavailable) continue;
    const tokenizer = familyTokenizer(model.family);
    for (const v of model.variants as CatalogVariant[]) {
      if (v.unavailable || v.source.kind !== 'huggingface') continue;
      const src = v.source as HuggingFaceSource;
      const r = repo(src.repo, src.revision);
      const prefix = src.subfolder ? `${src.subfolder}/` : '';
      if (src.onnxFile) {
        // transformers.js / Optimum: root configs + onnx/ holding every dtype the repo publishes.
        for (const [onnxName, precision] of [['model.onnx', 'fp32'], ['model_q4.onnx', 'int4'], ['model_q4f16.onnx', 'fp16']] as const) {
          const files = await builds.files({ tokenizer, layout: 'optimum', precision, onnxName, dataName: `${onnxName}_data` });
          for (const [rel, data] of files) {
            if (rel.startsWith('onnx/') || !r.files.has(prefix + rel)) r.files.set(prefix + rel, data);
          }
        }
        r.files.set(`${prefix}special_tokens_map.json`, Buffer.from('{}\n'));
      } else {
        // ONNX Runtime GenAI builder output: one folder per variant, genai_config.json names the graph.
        const folderName = src.subfolder.split('/').pop() ?? '';
        const onnxName = model.family === 'mistral' ? `${folderName}.onnx` : 'model.onnx';
        const files = new Map(await builds.files({ tokenizer, layout: 'genai', precision: 'int4', onnxName, dataName: `${onnxName}.data` }));
        files.delete('config.json'); // the builder writes none into the folder
        files.delete('generation_config.json');
        files.set('special_tokens_map.json', Buffer.from('{}\n'));
        if (model.family === 'mistral') withTemplate(files, MISTRAL_STYLE_TEMPLATE);
        if (model.family === 'deepseek-r1-distill') withTemplate(files, DEEPSEEK_STYLE_TEMPLATE);
        if (model.family === 'gpt-oss') {
          // The template lives in its own file; tokenizer_config.json has none.
          const config = JSON.parse(files.get('tokenizer_config.json')!.toString('utf8')) as Record<string, unknown>;
          delete config.chat_template;
          files.set('tokenizer_config.json', Buffer.from(JSON.stringify(config, null, 2) + '\n'));
          files.set('chat_template.jinja', Buffer.from(HARMONY_STYLE_TEMPLATE));
        }
        if (src.tokenizerSource) {
          // The repo's own tokenizer files are the broken ones: the catalog fetches another copy.
          files.set('tokenizer.json', Buffer.from('{"version": "1.0", "model": null}\n'));
          const t = src.tokenizerSource;
          const tr = repo(t.repo, t.revision);
          const good = await builds.files({ tokenizer, layout: 'genai', precision: 'int4', onnxName: 'model.onnx', dataName: 'model.onnx.data' });
          const tprefix = t.subfolder ? `${t.subfolder}/` : '';
          tr.files.set(`${tprefix}tokenizer.json`, good.get('tokenizer.json')!);
          tr.files.set(`${tprefix}tokenizer_config.json`, files.get('tokenizer_config.json')!);
          tr.files.set(`${tprefix}config.json`, Buffer.from('{"model_type": "qwen2"}\n'));
        }
        if (model.family === 'mistral' && v.provider === 'cuda') {
          // Upload leftovers in the real CUDA folder: two 0-byte files a '*' pattern would fetch.
          files.set('.azDownload-2c3f60a1-8f1a-4b44-a0a2-1f7e0e7c3b9d.onnx.data', Buffer.alloc(0));
          files.set('.azDownload-9d0e2b7c-5a61-4f3e-b8d4-6c2a1e0f4a7b.onnx.data', Buffer.alloc(0));
        }
        for (const [rel, data] of files) r.files.set(prefix + rel, data);
        if (model.family === 'deepseek-r1-distill') r.files.set('config.json', Buffer.alloc(0)); // 0 bytes at the repo root
        r.files.set('README.md', Buffer.from(`# ${src.repo}\n`));
      }
    }
  }
  return [...repos.entries()].map(([id, r]) => ({
    id, revision: r.revision,
    files: [...r.files.entries()].map(([p, data]): HubFileSpec => ({ path: p, data })),
  }));
}
