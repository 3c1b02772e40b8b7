/**
 * Validation of a parsed catalog (the shape of data/catalog.json, described for editors by
 * data/catalog.schema.json). Every problem is collected with its JSON path, e.g.
 *   models[3].variants[1].source.repo: expected a non-empty string
 * and reported together in one CatalogError that names the file, so a broken catalog is
 * fixed in one pass. Beyond types and enums it checks what a JSON Schema cannot: unique
 * aliases and ids, ids that are safe folder names, versions that match the id, devices
 * that match providers, twins that point at a real model, and synthetic shapes that exist.
 */
import * as path from 'node:path';
import { CatalogError } from '../errors';
import { PROVIDERS } from '../engine/providers';
import { SHAPES, shapeNames } from '../synth/shapes';
import { BLOCK_SIZES } from '../synth/write-model';
import type { CatalogFile } from './types';
import { splitVariantId, unsafeIdReason } from './ids';

export const DEVICES = ['CPU', 'GPU'] as const;
/** Precisions a variant may declare; synthetic sources build fp32, fp16 or int4. */
export const VARIANT_PRECISIONS = ['fp32', 'fp16', 'bf16', 'int8', 'int4'] as const;
export const SYNTHETIC_PRECISIONS = ['fp32', 'fp16', 'int8', 'int4'] as const;
export const SOURCE_KINDS = ['huggingface', 'url', 'synthetic'] as const;
export const TASKS = ['chat-completion'] as const;
/** Which device each provider runs on. */
export const PROVIDER_DEVICE = { cpu: 'CPU', webgpu: 'GPU', cuda: 'GPU' } as const;

const MODEL_KEYS = ['alias', 'aliases', 'displayName', 'family', 'publisher', 'parameters', 'contextLength', 'license', 'licenseUrl',
  'task', 'promptTemplate', 'supportsToolCalling', 'synthetic', 'twinOf', 'description', 'unavailable', 'variants'];
const VARIANT_KEYS = ['id', 'device', 'provider', 'precision', 'version', 'sizeBytes', 'source', 'unverified', 'evidence', 'unavailable'];
const TOKENIZER_SOURCE_KEYS = ['repo', 'revision', 'subfolder', 'include', 'reason'];
const SOURCE_KEYS: Record<string, string[]> = {
  huggingface: ['kind', 'repo', 'revision', 'subfolder', 'include', 'onnxFile', 'tokenizerSource'],
  url: ['kind', 'files'],
  synthetic: ['kind', 'shape', 'precision', 'blockSize', 'seed'],
};
const TEMPLATE_KEYS = ['system', 'user', 'assistant', 'prompt'];
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

type Obj = Record<string, unknown>;

/** Collects problems as "path: what is wrong". */
class Problems {
  readonly list: string[] = [];
  add(at: string, what: string): void { this.list.push(`${at}: ${what}`); }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function unknownKeys(p: Problems, at: string, o: Obj, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) p.add(`${at}.${k}`, `unknown field (allowed: ${allowed.join(', ')})`);
  }
}

function str(p: Problems, at: string, v: unknown, opts: { optional?: boolean; empty?: boolean } = {}): v is string {
  if (v === undefined && opts.optional) return false;
  if (typeof v !== 'string' || (!opts.empty && v.length === 0)) {
    p.add(at, `expected a ${opts.empty ? '' : 'non-empty '}string${v === undefined ? '' : `, got ${show(v)}`}`);
    return false;
  }
  return true;
}

function int(p: Problems, at: string, v: unknown, min: number, opts: { optional?: boolean; nullable?: boolean } = {}): void {
  if ((v === undefined && opts.optional) || (v === null && opts.nullable)) return;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    p.add(at, `expected an integer >= ${min}${opts.nullable ? ' or null' : ''}${v === undefined ? '' : `, got ${show(v)}`}`);
  }
}

function oneOf(p: Problems, at: string, v: unknown, allowed: readonly string[]): boolean {
  if (typeof v !== 'string' || !allowed.includes(v)) {
    p.add(at, `expected one of ${allowed.join(', ')}${v === undefined ? '' : `, got ${show(v)}`}`);
    return false;
  }
  return true;
}

/** Why a relative path (sub-folder, file or glob) could escape its folder, or null. */
export function unsafePathReason(rel: string, opts: { glob?: boolean } = {}): string | null {
  if (CONTROL.test(rel)) return 'it holds a control character';
  if (rel.includes('\\')) return "it holds '\\' (use '/')";
  if (rel.startsWith('/') || path.win32.isAbsolute(rel)) return 'it is an absolute path';
  const parts = rel.split('/');
  if (parts.some((s) => s === '..')) return "it holds '..'";
  if (parts.some((s) => s === '' || s === '.')) return "it has an empty or '.' segment";
  if (!opts.glob && /[*?[\]]/.test(rel)) return 'it holds glob characters';
  return null;
}

function relPath(p: Problems, at: string, v: unknown, opts: { glob?: boolean; empty?: boolean } = {}): void {
  if (!str(p, at, v, { empty: opts.empty })) return;
  if (v === '') return;
  const why = unsafePathReason(v, opts);
  if (why) p.add(at, `unsafe path ${show(v)}: ${why}`);
}

function httpsUrl(p: Problems, at: string, v: unknown, optional = false): void {
  if (!str(p, at, v, { optional })) return;
  let ok = false;
  try { ok = ['https:', 'http:'].includes(new URL(v).protocol); } catch { ok = false; }
  if (!ok) p.add(at, `expected an http(s) URL, got ${show(v)}`);
}

/** repo, revision, subfolder and include of a Hugging Face source (or tokenizer source). */
function hubFiles(p: Problems, at: string, s: Obj): void {
  if (str(p, `${at}.repo`, s.repo) && (!/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s.repo) || s.repo.includes('..'))) {
    p.add(`${at}.repo`, `expected "owner/name", got ${show(s.repo)}`);
  }
  if (str(p, `${at}.revision`, s.revision) && (!/^[A-Za-z0-9._/-]+$/.test(s.revision) || s.revision.includes('..') || s.revision.startsWith('/'))) {
    p.add(`${at}.revision`, `expected a branch, tag or commit, got ${show(s.revision)}`);
  }
  relPath(p, `${at}.subfolder`, s.subfolder, { empty: true });
  if (!Array.isArray(s.include) || s.include.length === 0) {
    p.add(`${at}.include`, 'expected a non-empty array of glob patterns');
  } else {
    s.include.forEach((g, i) => relPath(p, `${at}.include[${i}]`, g, { glob: true }));
  }
}

function checkSource(p: Problems, at: string, s: unknown, variantPrecision: unknown): string | null {
  if (!isObj(s)) { p.add(at, 'expected an object with a "kind"'); return null; }
  if (!oneOf(p, `${at}.kind`, s.kind, SOURCE_KINDS)) return null;
  const kind = s.kind as string;
  unknownKeys(p, at, s, SOURCE_KEYS[kind]);
  if (kind === 'huggingface') {
    hubFiles(p, at, s);
    if (s.tokenizerSource !== undefined) {
      const t = s.tokenizerSource;
      if (!isObj(t)) p.add(`${at}.tokenizerSource`, 'expected an object {repo, revision, subfolder, include, reason}');
      else {
        unknownKeys(p, `${at}.tokenizerSource`, t, TOKENIZER_SOURCE_KEYS);
        hubFiles(p, `${at}.tokenizerSource`, t);
        str(p, `${at}.tokenizerSource.reason`, t.reason);
      }
    }
    if (s.onnxFile !== undefined && str(p, `${at}.onnxFile`, s.onnxFile) && (!/^[A-Za-z0-9._-]+\.onnx$/.test(s.onnxFile))) {
      p.add(`${at}.onnxFile`, `expected a file name ending in .onnx (no folders), got ${show(s.onnxFile)}`);
    }
  } else if (kind === 'url') {
    if (!Array.isArray(s.files) || s.files.length === 0) {
      p.add(`${at}.files`, 'expected a non-empty array of {url, path}');
    } else {
      s.files.forEach((f, i) => {
        const fat = `${at}.files[${i}]`;
        if (!isObj(f)) { p.add(fat, 'expected an object {url, path, sha256?, size?}'); return; }
        unknownKeys(p, fat, f, ['url', 'path', 'sha256', 'size']);
        httpsUrl(p, `${fat}.url`, f.url);
        relPath(p, `${fat}.path`, f.path);
        if (f.sha256 !== undefined && (typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256))) {
          p.add(`${fat}.sha256`, `expected 64 lowercase hex digits, got ${show(f.sha256)}`);
        }
        int(p, `${fat}.size`, f.size, 0, { optional: true });
      });
    }
  } else {
    if (str(p, `${at}.shape`, s.shape) && !Object.prototype.hasOwnProperty.call(SHAPES, s.shape)) {
      p.add(`${at}.shape`, `unknown synthetic shape ${show(s.shape)}; known shapes: ${shapeNames().join(', ')}`);
    }
    if (oneOf(p, `${at}.precision`, s.precision, SYNTHETIC_PRECISIONS) && typeof variantPrecision === 'string' && variantPrecision !== s.precision) {
      p.add(`${at}.precision`, `is ${show(s.precision)} but the variant says ${show(variantPrecision)}`);
    }
    if (s.blockSize !== undefined && !(BLOCK_SIZES as readonly unknown[]).includes(s.blockSize)) {
      p.add(`${at}.blockSize`, `expected one of ${BLOCK_SIZES.join(', ')}, got ${show(s.blockSize)}`);
    }
    if (s.seed !== undefined && (typeof s.seed !== 'number' || !Number.isSafeInteger(s.seed) || s.seed < 0 || s.seed > 0xffffffff)) {
      p.add(`${at}.seed`, `expected an integer from 0 to 4294967295, got ${show(s.seed)}`);
    }
  }
  return kind;
}

function checkTemplate(p: Problems, at: string, t: unknown): void {
  if (t === undefined || t === null) return;
  if (!isObj(t)) { p.add(at, 'expected an object of role templates {system?, user?, assistant?, prompt?} or null'); return; }
  unknownKeys(p, at, t, TEMPLATE_KEYS);
  for (const k of TEMPLATE_KEYS) {
    if (t[k] !== undefined && typeof t[k] !== 'string') p.add(`${at}.${k}`, `expected a string, got ${show(t[k])}`);
  }
}

/** Every problem in `value` as "json.path: what is wrong"; empty when it is a valid catalog. */
export function catalogProblems(value: unknown): string[] {
  const p = new Problems();
  if (!isObj(value)) { p.add('(root)', 'expected an object {version: 1, models: [...]}'); return p.list; }
  unknownKeys(p, '(root)', value, ['$schema', 'version', 'models']);
  if (value.$schema !== undefined) str(p, '$schema', value.$schema);
  if (value.version !== 1) p.add('version', `expected 1, got ${show(value.version)}`);
  if (!Array.isArray(value.models)) { p.add('models', 'expected an array of models'); return p.list; }

  const aliases = new Map<string, string>();      // lowercased alias -> path
  const ids = new Map<string, string>();          // id -> path
  const bases = new Map<string, number>();        // id without version -> model index
  const twins: { at: string; twinOf: string }[] = [];
  const realAliases = new Set<string>();

  value.models.forEach((m, mi) => {
    const at = `models[${mi}]`;
    if (!isObj(m)) { p.add(at, 'expected a model object'); return; }
    unknownKeys(p, at, m, MODEL_KEYS);
    if (str(p, `${at}.alias`, m.alias)) {
      const why = /[:]/.test(m.alias) ? "it holds ':'" : unsafeIdReason(m.alias);
      if (why) p.add(`${at}.alias`, `unsafe alias ${show(m.alias)}: ${why}`);
      const key = m.alias.toLowerCase();
      const prev = aliases.get(key);
      if (prev) p.add(`${at}.alias`, `duplicate alias ${show(m.alias)} (also at ${prev})`);
      else aliases.set(key, `${at}.alias`);
    }
    if (m.aliases !== undefined) {
      if (!Array.isArray(m.aliases)) p.add(`${at}.aliases`, `expected an array of names, got ${show(m.aliases)}`);
      else m.aliases.forEach((a, ai) => {
        const aat = `${at}.aliases[${ai}]`;
        if (!str(p, aat, a)) return;
        const why = /[:]/.test(a) ? "it holds ':'" : unsafeIdReason(a);
        if (why) p.add(aat, `unsafe alias ${show(a)}: ${why}`);
        const prev = aliases.get(a.toLowerCase());
        if (prev) p.add(aat, `duplicate alias ${show(a)} (also at ${prev})`);
        else aliases.set(a.toLowerCase(), aat);
      });
    }
    for (const k of ['displayName', 'family', 'publisher', 'license'] as const) str(p, `${at}.${k}`, m[k]);
    int(p, `${at}.parameters`, m.parameters, 1);
    int(p, `${at}.contextLength`, m.contextLength, 1);
    httpsUrl(p, `${at}.licenseUrl`, m.licenseUrl, true);
    oneOf(p, `${at}.task`, m.task, TASKS);
    checkTemplate(p, `${at}.promptTemplate`, m.promptTemplate);
    if (m.supportsToolCalling !== undefined && typeof m.supportsToolCalling !== 'boolean') p.add(`${at}.supportsToolCalling`, `expected true or false, got ${show(m.supportsToolCalling)}`);
    if (m.description !== undefined) str(p, `${at}.description`, m.description);
    if (m.unavailable !== undefined) str(p, `${at}.unavailable`, m.unavailable);
    const synthetic = m.synthetic;
    if (typeof synthetic !== 'boolean') p.add(`${at}.synthetic`, `expected true or false${synthetic === undefined ? '' : `, got ${show(synthetic)}`}`);
    if (m.twinOf !== undefined) {
      if (str(p, `${at}.twinOf`, m.twinOf)) {
        if (synthetic === false) p.add(`${at}.twinOf`, 'only synthetic models (synthetic: true) can be twins');
        twins.push({ at: `${at}.twinOf`, twinOf: m.twinOf });
      }
    }
    if (synthetic === false && typeof m.alias === 'string') realAliases.add(m.alias.toLowerCase());

    if (!Array.isArray(m.variants) || m.variants.length === 0) { p.add(`${at}.variants`, 'expected a non-empty array of variants'); return; }
    m.variants.forEach((v, vi) => {
      const vat = `${at}.variants[${vi}]`;
      if (!isObj(v)) { p.add(vat, 'expected a variant object'); return; }
      unknownKeys(p, vat, v, VARIANT_KEYS);
      if (str(p, `${vat}.id`, v.id)) {
        const why = unsafeIdReason(v.id);
        if (why) p.add(`${vat}.id`, `unsafe id ${show(v.id)}: ${why}`);
        else if (!v.id.includes(':')) p.add(`${vat}.id`, `expected '<name>:<version>', got ${show(v.id)}`);
        const prev = ids.get(v.id.toLowerCase());
        if (prev) p.add(`${vat}.id`, `duplicate variant id ${show(v.id)} (also at ${prev})`);
        else ids.set(v.id.toLowerCase(), `${vat}.id`);
        const { base, version } = splitVariantId(v.id.toLowerCase());
        if (version !== null && typeof v.version === 'number' && version !== v.version) {
          p.add(`${vat}.version`, `is ${v.version} but the id ends in ':${version}'`);
        }
        const owner = bases.get(base);
        if (owner !== undefined && owner !== mi) p.add(`${vat}.id`, `id name '${base}' is also used by models[${owner}]: each id name belongs to one model`);
        else bases.set(base, mi);
      }
      const deviceOk = oneOf(p, `${vat}.device`, v.device, DEVICES);
      const providerOk = oneOf(p, `${vat}.provider`, v.provider, PROVIDERS);
      if (deviceOk && providerOk && PROVIDER_DEVICE[v.provider as keyof typeof PROVIDER_DEVICE] !== v.device) {
        p.add(`${vat}.device`, `provider ${show(v.provider)} runs on ${PROVIDER_DEVICE[v.provider as keyof typeof PROVIDER_DEVICE]}, not ${show(v.device)}`);
      }
      oneOf(p, `${vat}.precision`, v.precision, VARIANT_PRECISIONS);
      int(p, `${vat}.version`, v.version, 1);
      int(p, `${vat}.sizeBytes`, v.sizeBytes, 0, { nullable: true });
      if (v.unverified !== undefined) {
        if (!Array.isArray(v.unverified)) p.add(`${vat}.unverified`, 'expected an array of strings');
        else v.unverified.forEach((u, ui) => str(p, `${vat}.unverified[${ui}]`, u));
      }
      if (v.evidence !== undefined) {
        if (!Array.isArray(v.evidence)) p.add(`${vat}.evidence`, 'expected an array of http(s) URLs');
        else v.evidence.forEach((u, ui) => httpsUrl(p, `${vat}.evidence[${ui}]`, u));
      }
      if (v.unavailable !== undefined) str(p, `${vat}.unavailable`, v.unavailable);
      const kind = checkSource(p, `${vat}.source`, v.source, v.precision);
      if (kind && typeof synthetic === 'boolean' && (kind === 'synthetic') !== synthetic) {
        p.add(`${vat}.source.kind`, synthetic
          ? `is ${show(kind)} but the model is synthetic: synthetic models are built, use kind "synthetic"`
          : 'is "synthetic" but the model is not: set the model\'s "synthetic" to true');
      }
    });
  });

  for (const t of twins) {
    if (!realAliases.has(t.twinOf.toLowerCase())) p.add(t.at, `names ${show(t.twinOf)}, which is not the alias of a real (non-synthetic) model in this catalog`);
  }
  for (const [alias, at] of aliases) {
    if (bases.has(alias)) p.add(at, `alias ${show(alias)} is also a variant id name: rename one so a name means one thing`);
  }
  return p.list;
}

/** Returns `value` typed as a catalog, or throws one CatalogError listing every problem. */
export function validateCatalog(value: unknown, file = '(catalog)'): CatalogFile {
  const problems = catalogProblems(value);
  if (problems.length > 0) {
    const shown = problems.slice(0, 50).map((s) => `  ${s}`).join('\n');
    const more = problems.length > 50 ? `\n  ... and ${problems.length - 50} more` : '';
    throw new CatalogError(
      `catalog ${file} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${shown}${more}\n` +
      `Fix these entries in ${file}; its format is described by data/catalog.schema.json.`, problems, file);
  }
  return value as CatalogFile;
}
