/** `slmlab model run <folder>`: loads a model and streams an answer (or chats interactively). */
import type { Command } from 'commander';
import * as readline from 'node:readline';
import { loadModel, type LoadedModel } from '../../lib/engine/engine';
import { inspectModelFolder } from '../../lib/engine/model-folder';
import { locateModel } from '../../lib/registry/locate-model';
import { progressBar } from './progress-bar';
import { PROVIDERS, type ProviderName } from '../../lib/engine/providers';
import type { GraphOptimizationLevel } from '../../lib/engine/decoder-session';
import type { ChatMessage, GenerateRequest, GenerationResult } from '../../lib/engine/types';
import { collect, decimal, integer, oneOf } from './parse';
import { escapeControl, resultSummary, syntheticBanner } from './format';
import { twinOfRecord } from '../../lib/synth/model-config';
import { fail } from './exit-codes';
import { NoVariantError } from '../../lib/errors';
import { configuredProvider } from '../../lib/config/config-file';
import { verbose } from './verbose';

export interface RunOptions {
  prompt?: string;
  system?: string;
  raw?: boolean;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
  stop?: string[];
  ep?: ProviderName;
  fallback?: boolean;
  threads: number;
  graphOpt: GraphOptimizationLevel;
  json?: boolean;
}

function request(o: RunOptions, messages: ChatMessage[] | null, prompt: string): GenerateRequest {
  const base = { maxTokens: o.maxTokens, temperature: o.temperature, topP: o.topP, topK: o.topK, seed: o.seed, stop: o.stop };
  if (messages) return { ...base, messages };
  return { ...base, prompt, raw: o.raw };
}

/** Streams one answer to stdout (or collects it for --json) and returns the result. */
export async function streamAnswer(model: LoadedModel, req: GenerateRequest, json: boolean, signal?: AbortSignal): Promise<GenerationResult> {
  const stream = model.generate(req, { signal });
  // The text as it streams, control bytes escaped (--json gives it exactly).
  for await (const d of stream) if (!json) process.stdout.write(escapeControl(d.text));
  const result = await stream.result;
  if (!json) process.stdout.write('\n');
  return result;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/**
 * The chat loop. Lines are read through readline's async iterator, which buffers them, so
 * piped input (several lines arriving at once) gives one turn per line, as typed input does.
 */
async function interactive(model: LoadedModel, o: RunOptions): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  // Piped input ends while the last answer streams: the interface is closed by then, and Node >= 24
  // throws ERR_USE_AFTER_CLOSE on a prompt() after close.
  let closed = false;
  rl.once('close', () => { closed = true; });
  const prompt = () => { if (!closed) rl.prompt(); };
  const history: ChatMessage[] = o.system ? [{ role: 'system', content: o.system }] : [];
  process.stderr.write(`Chatting with ${model.info.folder.name} on ${model.provider}. Empty line or Ctrl-D to quit; /reset forgets the conversation.\n`);
  if (model.info.folder.synthetic) process.stderr.write(`(${syntheticBanner(twinOfRecord(model.info.folder.synthetic))})\n`);
  rl.setPrompt('> ');
  prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (!line) break;
    if (line === '/reset') { history.splice(o.system ? 1 : 0); prompt(); continue; }
    history.push({ role: 'user', content: line });
    const ac = new AbortController();
    const onSigint = () => ac.abort();
    rl.once('SIGINT', onSigint);
    try {
      const r = await streamAnswer(model, request(o, history, line), false, ac.signal);
      history.push({ role: 'assistant', content: r.text });
      process.stderr.write(resultSummary(r, twinOfRecord(model.info.folder.synthetic)) + '\n');
    } catch (e) {
      history.pop();
      process.stderr.write(`slmlab: error: ${(e as Error).message}\n`);
    } finally {
      rl.off('SIGINT', onSigint);
    }
    prompt();
  }
  rl.close();
}

/** The options every verb that runs a model takes (model run, complete, chat). */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--system <text>', 'a system message before the prompt')
    .option('--raw', 'feed the prompt as it is, without the chat template')
    .option('--max-tokens <n>', 'most tokens to generate', integer('--max-tokens', 1), 256)
    .option('--temperature <t>', '0 = greedy (deterministic)', decimal('--temperature', 0, 2), 0)
    .option('--top-p <p>', 'nucleus sampling mass (1 = off)', decimal('--top-p', Number.MIN_VALUE, 1), 1)
    .option('--top-k <k>', 'sample among the k most likely tokens (0 = off)', integer('--top-k', 0), 0)
    .option('--seed <n>', 'sampling seed', integer('--seed', 0, 0xffffffff), 0)
    .option('--stop <text>', 'stop before this text (repeatable)', collect)
    .option('--ep <provider>', `execution provider: ${PROVIDERS.join(', ')} (default: the catalog variant's, else cpu; \`slmlab config set compute.onnx.enable_gpu false\` makes it cpu)`, oneOf('--ep', PROVIDERS))
    .option('--fallback', 'use cpu if the provider asked for is unusable (default: fail)')
    .option('--allow-software-gpu', 'software adapter (SwiftShader) for webgpu when no GPU: correctness only, not GPU speed (SLMLAB_ALLOW_SOFTWARE_GPU=1)')
    .option('--threads <n>', 'intra-op threads (0 = one per core)', integer('--threads', 0, 1024), 0)
    .option('--graph-opt <level>', 'ONNX Runtime graph optimisation: disabled, basic, extended, all', oneOf('--graph-opt', ['disabled', 'basic', 'extended', 'all'] as const), 'all' as GraphOptimizationLevel)
    .option('--json', 'print text, token counts and timings as one JSON object');
}

/**
 * Finds (downloading or building on first use), loads and runs a model: one answer for
 * `o.prompt` (or piped stdin), else an interactive chat. `interactive` skips reading piped
 * stdin as one prompt: each line is a turn (slmlab chat).
 */
export async function runModel(spec: string, o: RunOptions, how: { interactive?: boolean } = {}): Promise<void> {
  let model: LoadedModel | null = null;
  try {
    const bar = progressBar('downloading', o.json);
    const onProgress = (p: { bytes: number; total: number | null; phase: string; file: string }) => { if (p.total) bar.update(p.bytes, p.total, `${p.phase} ${p.file}`); };
    // `config set compute.onnx.enable_gpu false`: cpu unless --ep says otherwise.
    let ep = o.ep ?? configuredProvider();
    let found;
    try {
      found = await locateModel(spec, { ep, download: true, onProgress });
    } catch (e) {
      if (e instanceof NoVariantError && o.ep === undefined && ep === 'cpu') {
        throw new NoVariantError(`model '${spec}' has no cpu variant, and compute.onnx.enable_gpu is false (slmlab config): ` +
          `run it with ${e.available.map((p) => `--ep ${p}`).join(' or ')}, or \`slmlab config set compute.onnx.enable_gpu true\``, e.provider, e.available);
      }
      // --fallback: a model without a variant for the provider asked for runs its cpu variant.
      if (!(o.fallback && e instanceof NoVariantError && e.available.includes('cpu'))) throw e;
      process.stderr.write(`slmlab: ${spec} has no ${e.provider} variant; using cpu\n`);
      ep = 'cpu';
      found = await locateModel(spec, { ep, download: true, onProgress });
    }
    bar.stop();
    if (found.fetched && !o.json) process.stderr.write(`slmlab: ${found.id} is ready in ${found.dir}\n`);
    // What the loader tolerated in a real folder (an empty config.json, weights under onnx/).
    if (!o.json) for (const note of inspectModelFolder(found.dir).notes) process.stderr.write(`slmlab: note: ${note}\n`);
    model = await loadModel(found.dir, { provider: ep ?? found.provider ?? 'cpu', fallback: o.fallback, threads: o.threads, graphOptimizationLevel: o.graphOpt });
    if (model.fellBackFrom) process.stderr.write(`slmlab: ${model.fellBackFrom.reason}; using cpu\n`);
    if (model.adapterNote && !o.json) process.stderr.write(`slmlab: webgpu on ${model.adapter?.description ?? 'a software adapter'}: ${model.adapterNote}\n`);
    verbose(`loaded ${found.id} from ${found.dir} on ${model.provider} in ${Math.round(model.info.loadMs)} ms`);
    let prompt = o.prompt;
    if (prompt === undefined && !how.interactive && !process.stdin.isTTY) prompt = await readStdin();
    if (prompt === undefined) {
      await interactive(model, o);
    } else {
      const messages: ChatMessage[] | null = o.system ? [{ role: 'system', content: o.system }, { role: 'user', content: prompt }] : null;
      const result = await streamAnswer(model, request(o, messages, prompt), !!o.json);
      if (o.json) process.stdout.write(JSON.stringify({ ...result, loadMs: model.info.loadMs, fellBackFrom: model.fellBackFrom, ...(model.adapter ? { adapter: model.adapter, adapterNote: model.adapterNote } : {}) }, null, 2) + '\n');
      else process.stderr.write(resultSummary(result, twinOfRecord(model.info.folder.synthetic)) + '\n');
    }
  } catch (e) {
    await model?.dispose();
    fail(e);
  }
  await model?.dispose();
}

export function registerModelRun(model: Command): void {
  addRunOptions(model
    .command('run')
    .description('load a model folder and stream an answer; without --prompt, chat interactively (or read the prompt from piped stdin)')
    .argument('<model>', 'catalog alias or variant id (downloaded or built on first use), a cached model, or a model folder')
    .option('--prompt <text>', 'the user message'))
    .action((spec: string, o: RunOptions) => runModel(spec, o));
}
