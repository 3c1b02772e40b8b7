/** `slmlab model run <folder>`: loads a model and streams an answer (or chats interactively). */
import type { Command } from 'commander';
import * as readline from 'node:readline/promises';
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

async function interactive(model: LoadedModel, o: RunOptions): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const history: ChatMessage[] = o.system ? [{ role: 'system', content: o.system }] : [];
  process.stderr.write(`Chatting with ${model.info.folder.name} on ${model.provider}. Empty line or Ctrl-D to quit; /reset forgets the conversation.\n`);
  if (model.info.folder.synthetic) process.stderr.write(`(${syntheticBanner(twinOfRecord(model.info.folder.synthetic))})\n`);
  for (;;) {
    let line: string;
    try { line = (await rl.question('> ')).trim(); } catch { break; }
    if (!line) break;
    if (line === '/reset') { history.splice(o.system ? 1 : 0); continue; }
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
  }
  rl.close();
}

export function registerModelRun(model: Command): void {
  model
    .command('run')
    .description('load a model folder and stream an answer; without --prompt, chat interactively (or read the prompt from piped stdin)')
    .argument('<model>', 'catalog alias or variant id (downloaded or built on first use), a cached model, or a model folder')
    .option('--prompt <text>', 'the user message')
    .option('--system <text>', 'a system message before the prompt')
    .option('--raw', 'feed the prompt as it is, without the chat template')
    .option('--max-tokens <n>', 'most tokens to generate', integer('--max-tokens', 1), 256)
    .option('--temperature <t>', '0 = greedy (deterministic)', decimal('--temperature', 0, 2), 0)
    .option('--top-p <p>', 'nucleus sampling mass (1 = off)', decimal('--top-p', Number.MIN_VALUE, 1), 1)
    .option('--top-k <k>', 'sample among the k most likely tokens (0 = off)', integer('--top-k', 0), 0)
    .option('--seed <n>', 'sampling seed', integer('--seed', 0, 0xffffffff), 0)
    .option('--stop <text>', 'stop before this text (repeatable)', collect)
    .option('--ep <provider>', `execution provider: ${PROVIDERS.join(', ')} (default: the catalog variant's, else cpu)`, oneOf('--ep', PROVIDERS))
    .option('--fallback', 'use cpu if the provider asked for is unusable (default: fail)')
    .option('--threads <n>', 'intra-op threads (0 = one per core)', integer('--threads', 0, 1024), 0)
    .option('--graph-opt <level>', 'ONNX Runtime graph optimisation: disabled, basic, extended, all', oneOf('--graph-opt', ['disabled', 'basic', 'extended', 'all'] as const), 'all' as GraphOptimizationLevel)
    .option('--json', 'print text, token counts and timings as one JSON object')
    .action(async (folder: string, o: RunOptions) => {
      let model: LoadedModel | null = null;
      try {
        const bar = progressBar('downloading', o.json);
        const onProgress = (p: { bytes: number; total: number | null; phase: string; file: string }) => { if (p.total) bar.update(p.bytes, p.total, `${p.phase} ${p.file}`); };
        let ep = o.ep;
        let found;
        try {
          found = await locateModel(folder, { ep, download: true, onProgress });
        } catch (e) {
          // --fallback: a model without a variant for the provider asked for runs its cpu variant.
          if (!(o.fallback && e instanceof NoVariantError && e.available.includes('cpu'))) throw e;
          process.stderr.write(`slmlab: ${folder} has no ${e.provider} variant; using cpu\n`);
          ep = 'cpu';
          found = await locateModel(folder, { ep, download: true, onProgress });
        }
        bar.stop();
        if (found.fetched && !o.json) process.stderr.write(`slmlab: ${found.id} is ready in ${found.dir}\n`);
        // What the loader tolerated in a real folder (an empty config.json, weights under onnx/).
        if (!o.json) for (const note of inspectModelFolder(found.dir).notes) process.stderr.write(`slmlab: note: ${note}\n`);
        model = await loadModel(found.dir, { provider: ep ?? found.provider ?? 'cpu', fallback: o.fallback, threads: o.threads, graphOptimizationLevel: o.graphOpt });
        if (model.fellBackFrom) process.stderr.write(`slmlab: ${model.fellBackFrom.reason}; using cpu\n`);
        let prompt = o.prompt;
        if (prompt === undefined && !process.stdin.isTTY) prompt = await readStdin();
        if (prompt === undefined) {
          await interactive(model, o);
          return;
        }
        const messages: ChatMessage[] | null = o.system ? [{ role: 'system', content: o.system }, { role: 'user', content: prompt }] : null;
        const result = await streamAnswer(model, request(o, messages, prompt), !!o.json);
        if (o.json) process.stdout.write(JSON.stringify({ ...result, loadMs: model.info.loadMs, fellBackFrom: model.fellBackFrom }, null, 2) + '\n');
        else process.stderr.write(resultSummary(result, twinOfRecord(model!.info.folder.synthetic)) + '\n');
      } catch (e) {
        await model?.dispose();
        fail(e);
      }
      await model?.dispose();
    });
}
