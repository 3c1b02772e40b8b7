/**
 * Foundry Local's `model list --filter <key>=<value>` syntax, on slmlab's catalog:
 *   device=GPU               CPU, GPU (NPU is accepted and matches nothing here)
 *   provider=cuda            cpu, webgpu, cuda, or Foundry's EP names (CUDAExecutionProvider, ...)
 *   task=chat-completion     'chat' is accepted for chat-completion
 *   alias=qwen*              a trailing '*' matches a prefix
 * A leading '!' on the value negates (device=!GPU); '!device=GPU' and 'device!=GPU' are
 * read the same way. Keys and values are case-insensitive; one filter at a time, as in
 * Foundry. Device and provider filters keep a model's matching variants only.
 */
import { InvalidRequestError } from '../errors';
import { parseProvider, type ProviderName } from '../engine/providers';
import type { CatalogFile, CatalogModel, CatalogVariant, Device } from './types';

export type FilterKey = 'device' | 'provider' | 'task' | 'alias';
export const FILTER_KEYS: readonly FilterKey[] = Object.freeze(['device', 'provider', 'task', 'alias'] as const);

/** A parsed filter; `value` is normalised (device upper-case, provider short name, alias lower-case). */
export interface ModelFilter {
  key: FilterKey;
  value: string;
  negate: boolean;
  /** alias only: value is a prefix (the user wrote a trailing '*'). */
  prefix: boolean;
}

/** Foundry execution providers slmlab has no variants for: valid in a filter, matching nothing. */
const FOREIGN_PROVIDERS = ['qnnexecutionprovider', 'openvinoexecutionprovider', 'nvtensorrtrtxexecutionprovider',
  'vitisaiexecutionprovider', 'dmlexecutionprovider', 'qnn', 'openvino', 'dml', 'vitisai', 'tensorrt'];
const TASKS: Record<string, string> = { 'chat-completion': 'chat-completion', chat: 'chat-completion', 'text-generation': 'text-generation' };
const DEVICES = ['CPU', 'GPU', 'NPU'];

function bad(text: string, why: string): never {
  throw new InvalidRequestError(`invalid filter '${text}': ${why}. Write key=value with key one of ${FILTER_KEYS.join(', ')}, ` +
    `e.g. --filter device=GPU, provider=cuda, task=chat-completion, alias=qwen* (prefix the value with ! to negate)`, 'filter');
}

/** Parses 'key=value' (see the header); InvalidRequestError lists the valid keys. */
export function parseFilter(text: string): ModelFilter {
  const raw = typeof text === 'string' ? text.trim() : '';
  let negate = false;
  let body = raw;
  if (body.startsWith('!')) { negate = true; body = body.slice(1).trim(); }
  const ne = body.indexOf('!=');
  const eq = body.indexOf('=');
  if (eq <= 0) bad(raw, raw ? 'it has no key=value' : 'it is empty');
  let key: string;
  let value: string;
  if (ne > 0 && ne < eq) {
    key = body.slice(0, ne); value = body.slice(ne + 2); negate = !negate;
  } else {
    key = body.slice(0, eq); value = body.slice(eq + 1);
  }
  key = key.trim().toLowerCase();
  value = value.trim();
  if (value.startsWith('!')) { negate = !negate; value = value.slice(1).trim(); }
  if (!(FILTER_KEYS as readonly string[]).includes(key)) bad(raw, `unknown key '${key}'`);
  if (!value) bad(raw, 'the value is empty');

  switch (key as FilterKey) {
    case 'device': {
      const d = value.toUpperCase();
      if (!DEVICES.includes(d)) bad(raw, `device must be one of ${DEVICES.join(', ')}`);
      return { key: 'device', value: d, negate, prefix: false };
    }
    case 'provider': {
      if (FOREIGN_PROVIDERS.includes(value.toLowerCase())) return { key: 'provider', value: value.toLowerCase(), negate, prefix: false };
      let p: ProviderName;
      try { p = parseProvider(value); } catch { bad(raw, 'provider must be cpu, webgpu or cuda (or CPUExecutionProvider, WebGpuExecutionProvider, CUDAExecutionProvider)'); }
      return { key: 'provider', value: p, negate, prefix: false };
    }
    case 'task': {
      const t = TASKS[value.toLowerCase()];
      if (!t) bad(raw, `task must be one of ${Object.keys(TASKS).join(', ')}`);
      return { key: 'task', value: t, negate, prefix: false };
    }
    case 'alias': {
      const prefix = value.endsWith('*');
      const v = (prefix ? value.slice(0, -1) : value).toLowerCase();
      if (v.includes('*')) bad(raw, "'*' is only allowed at the end of an alias");
      return { key: 'alias', value: v, negate, prefix };
    }
  }
}

/** Whether one variant of `model` passes the filter. */
export function matchesFilter(f: ModelFilter, model: CatalogModel, variant: CatalogVariant): boolean {
  let hit: boolean;
  switch (f.key) {
    case 'device': hit = variant.device === (f.value as Device); break;
    case 'provider': hit = variant.provider === f.value; break;
    case 'task': hit = model.task === f.value; break;
    case 'alias': {
      const a = model.alias.toLowerCase();
      hit = f.prefix ? a.startsWith(f.value) : a === f.value;
      break;
    }
  }
  return f.negate ? !hit : hit;
}

/**
 * The catalog's models that pass `filter` (a 'key=value' string or a parsed filter), in
 * catalog order, each keeping only its matching variants. No filter: every model.
 */
export function filterModels(catalog: CatalogFile, filter?: string | ModelFilter | null): CatalogModel[] {
  if (filter === undefined || filter === null || filter === '') return catalog.models.slice();
  const f = typeof filter === 'string' ? parseFilter(filter) : filter;
  const out: CatalogModel[] = [];
  for (const model of catalog.models) {
    const variants = model.variants.filter((v) => matchesFilter(f, model, v));
    if (variants.length) out.push(variants.length === model.variants.length ? model : { ...model, variants });
  }
  return out;
}
