/**
 * Would Foundry Local list this folder, and could ONNX Runtime GenAI load what it names?
 * Foundry's scanner (Foundry-Local sdk_v2/cpp/src/catalog/local_model_scanner.cc) walks every
 * subfolder of its cache and takes a folder as a model when it holds genai_config.json, no
 * download.tmp (a download in progress) and an inference_model.json whose "Name" is a string;
 * a Name without ':' is listed as Name:0, and it does not look inside a model folder. Foundry
 * writes and reads only Name and PromptTemplate in inference_model.json
 * (sdk_v2/cpp/src/download/inference_model_writer.cc). GenAI then opens the graph that
 * genai_config.json's decoder.filename names, relative to the folder, and feeds the inputs the
 * config names (https://onnxruntime.ai/docs/genai/reference/config.html).
 *
 * Plain records: one per check, with what to do when it fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { graphIoNames } from '../onnx/graph-io-names';
import { GENAI_CONFIG_FILE, GENAI_LLM_TYPES, optimumGenaiConfig } from './optimum-genai-config';
import { INFERENCE_MODEL_FILE } from './inference-model';

export interface FoundryCheck {
  /** What is checked, in a few words. */
  check: string;
  ok: boolean;
  /** Information when it passed; what is wrong and the fix when it did not. */
  detail: string;
  /** A failed check that Foundry itself would not mind (it only stops GenAI or is ignored). */
  severity: 'required' | 'runtime' | 'advice';
}

export interface FoundryReport {
  dir: string;
  /** Foundry's scanner would list the folder (every 'required' check passed). */
  listed: boolean;
  /** Listed, and GenAI can open the graph with the inputs the config names (every 'runtime' check passed too). */
  runnable: boolean;
  /** The id Foundry would list it under (Name, ':0' added when it has no version), or null. */
  foundryId: string | null;
  checks: FoundryCheck[];
}

function readJson(file: string): { value: Record<string, unknown> } | { problem: string } {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { return { problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }; }
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? { value: v as Record<string, unknown> } : { problem: 'is not a JSON object' };
  } catch (e) {
    return { problem: `is not valid JSON (${(e as Error).message})` };
  }
}

/** The checks for `dir`; never throws for a folder's content (a missing folder is one failed check). */
export function checkFoundryFolder(dir: string): FoundryReport {
  const abs = path.resolve(dir);
  const checks: FoundryCheck[] = [];
  const add = (check: string, ok: boolean, detail: string, severity: FoundryCheck['severity'] = 'required') => checks.push({ check, ok, detail, severity });
  const done = (foundryId: string | null): FoundryReport => ({
    dir: abs, foundryId,
    listed: checks.every((c) => c.ok || c.severity !== 'required'),
    runnable: checks.every((c) => c.ok || c.severity === 'advice'),
    checks,
  });
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    add('a folder', false, `${abs} is not a folder: pass the model's folder`);
    return done(null);
  }

  // ---- inference_model.json with a Name
  let foundryId: string | null = null;
  const imFile = path.join(abs, INFERENCE_MODEL_FILE);
  if (!fs.existsSync(imFile)) {
    add(INFERENCE_MODEL_FILE, false, `missing: add {"Name": "<model name>", "PromptTemplate": null} (Foundry lists no folder without one)`);
  } else {
    const im = readJson(imFile);
    if ('problem' in im) add(INFERENCE_MODEL_FILE, false, `${INFERENCE_MODEL_FILE} ${im.problem}: fix or rewrite it as {"Name": "<model name>"}`);
    else {
      const name = im.value.Name;
      if (typeof name !== 'string' || name.length === 0) add(`${INFERENCE_MODEL_FILE} Name`, false, 'has no string "Name": add one (Foundry lists the folder under it)');
      else {
        foundryId = name.includes(':') ? name : `${name}:0`;
        add(`${INFERENCE_MODEL_FILE} Name`, true, name.includes(':') ? `listed as ${foundryId}` : `listed as ${foundryId} (Foundry adds ':0' to a Name without a version)`);
      }
      const extra = Object.keys(im.value).filter((k) => k !== 'Name' && k !== 'PromptTemplate');
      add(`${INFERENCE_MODEL_FILE} keys`, extra.length === 0, extra.length ? `Foundry reads only Name and PromptTemplate; it ignores ${extra.join(', ')}` : 'only Name and PromptTemplate', 'advice');
      const pt = im.value.PromptTemplate;
      const ptOk = pt === undefined || pt === null || (typeof pt === 'object' && !Array.isArray(pt) && Object.values(pt as object).every((v) => typeof v === 'string'));
      add('PromptTemplate', ptOk, ptOk ? (pt ? 'an object of role templates (metadata: Foundry renders prompts with the chat template)' : 'none (Foundry renders prompts with the chat template)') : 'PromptTemplate must be null or an object of strings: fix it', 'advice');
    }
  }

  // ---- no download in progress
  const tmp = fs.existsSync(path.join(abs, 'download.tmp'));
  add('no download.tmp', !tmp, tmp ? 'download.tmp marks a download in progress: finish the download or delete the file' : 'no download in progress');

  // ---- genai_config.json and the graph it names
  const gcFile = path.join(abs, GENAI_CONFIG_FILE);
  if (!fs.existsSync(gcFile)) {
    const hasOptimum = fs.existsSync(path.join(abs, 'config.json')) && fs.existsSync(path.join(abs, 'onnx'));
    let fix = 'add the ONNX Runtime GenAI config of the model (the model builder writes it)';
    if (hasOptimum) {
      const onnx = fs.readdirSync(path.join(abs, 'onnx')).filter((f) => f.endsWith('.onnx')).sort();
      const trial = onnx.length ? optimumGenaiConfig(abs, `onnx/${onnx[0]}`) : null;
      fix = trial === null ? 'the onnx/ folder has no .onnx file'
        : trial.config ? 'an Optimum folder: `slmlab model download <id> --force` (for a download) or `slmlab model quantize` writes one for it'
        : `an Optimum folder that ONNX Runtime GenAI cannot run: ${trial.reason}`;
    }
    add(GENAI_CONFIG_FILE, false, `missing (Foundry lists no folder without one): ${fix}`);
    return done(foundryId);
  }
  const gc = readJson(gcFile);
  if ('problem' in gc) {
    add(GENAI_CONFIG_FILE, false, `${GENAI_CONFIG_FILE} ${gc.problem}: restore it from the model's source`);
    return done(foundryId);
  }
  add(GENAI_CONFIG_FILE, true, 'present');
  const model = (gc.value.model ?? {}) as Record<string, unknown>;
  const type = typeof model.type === 'string' ? model.type : '';
  add('model.type', GENAI_LLM_TYPES.includes(type), GENAI_LLM_TYPES.includes(type) ? `'${type}'` : `'${type || '(none)'}' is not a language-model type ONNX Runtime GenAI knows: use one of ${GENAI_LLM_TYPES.join(', ')}`, 'runtime');
  const decoder = (model.decoder ?? {}) as Record<string, unknown>;
  const filename = typeof decoder.filename === 'string' ? decoder.filename : null;
  const graph = filename ? path.resolve(abs, filename) : null;
  if (!filename || !graph || !graph.startsWith(abs + path.sep) || !fs.existsSync(graph)) {
    add('decoder.filename', false, filename ? `'${filename}' is not a file inside the folder: fix decoder.filename` : 'missing: name the decoder .onnx in model.decoder.filename', 'runtime');
    return done(foundryId);
  }
  add('decoder.filename', true, filename);
  let io: { inputs: string[]; outputs: string[] };
  try { io = graphIoNames(graph); } catch (e) {
    add('graph inputs', false, `${filename} cannot be read as ONNX (${(e as Error).message}): download or rebuild it`, 'runtime');
    return done(foundryId);
  }
  const named = (decoder.inputs ?? {}) as Record<string, unknown>;
  const pattern = (key: string, fallback: string) => new RegExp('^' + String(named[key] ?? fallback).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('%d', '\\d+') + '$');
  const pastKey = pattern('past_key_names', 'past_key_values.%d.key');
  const pastValue = pattern('past_value_names', 'past_key_values.%d.value');
  const fed = new Set([named.input_ids ?? 'input_ids', named.attention_mask ?? 'attention_mask', named.position_ids ?? 'position_ids'].filter((v): v is string => typeof v === 'string'));
  const unfed = io.inputs.filter((n) => !fed.has(n) && !pastKey.test(n) && !pastValue.test(n));
  add('graph inputs', unfed.length === 0, unfed.length ? `${filename} has inputs genai_config.json does not name, so GenAI cannot feed them: ${unfed.join(', ')}` : `every input is named (${io.inputs.length})`, 'runtime');
  return done(foundryId);
}
