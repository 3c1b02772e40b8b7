/**
 * Browser bundles of the pages' TypeScript (lib/web/browser/), built by esbuild on first
 * request and kept in memory for the life of the service. The inference worker bundles the
 * engine's own TextTokenizer, chat template, DecoderSession and generate(), with
 * 'onnxruntime-node' resolved to 'onnxruntime-web' (the same API): one implementation for
 * Node and the browser. Node built-ins those files import for folder reading are replaced by
 * stubs that throw if called (the browser code paths never call them); `path` gets a small
 * POSIX join for error messages.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Plugin } from 'esbuild';
import { SlmlabError } from '../errors';

/** The bundles the pages load, by the name they are served under (/web/assets/<name>). */
export const BUNDLES: Readonly<Record<string, string>> = Object.freeze({
  'chat.js': 'chat-page.ts',
  'inference.js': 'inference-page.ts',
  'inference-worker.js': 'inference-worker.ts',
});

/** Where the browser sources are: beside this file when run from source, else ../../../lib/web/browser from dist/. */
export function browserSourceDir(): string {
  const candidates = [path.join(__dirname, 'browser'), path.resolve(__dirname, '../../../lib/web/browser')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'inference-worker.ts')));
  if (!found) throw new SlmlabError('model_invalid', `the browser sources of slmlab's pages are missing (looked in ${candidates.join(', ')}): reinstall slmlab`, 500);
  return found;
}

const PATH_SHIM = `
const norm = (p) => p.replace(/\\/+/g, '/');
module.exports = {
  sep: '/',
  join: (...parts) => norm(parts.filter(Boolean).join('/')),
  resolve: (...parts) => norm(parts.filter(Boolean).join('/')),
  basename: (p) => p.slice(p.lastIndexOf('/') + 1),
  dirname: (p) => p.slice(0, Math.max(0, p.lastIndexOf('/'))) || '.',
  relative: (from, to) => to,
};`;

const THROWING_SHIM = (name: string) => `
module.exports = new Proxy({}, { get(_, key) {
  if (key === '__esModule') return false;
  return () => { throw new Error(${JSON.stringify(name)} + '.' + String(key) + ' is not available in the browser'); };
} });`;

const nodeBuiltins: Plugin = {
  name: 'slmlab-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^(node:)?(fs|fs\/promises|path|child_process|os|crypto|worker_threads|url|util)$/ }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'node-stub' }));
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => ({ contents: args.path === 'path' ? PATH_SHIM : THROWING_SHIM(args.path), loader: 'js' }));
  },
};

const built = new Map<string, Promise<string>>();

/** The bundled JavaScript of one page (built once per process). */
export function bundle(name: string): Promise<string> {
  const entry = BUNDLES[name];
  if (!entry) return Promise.reject(new SlmlabError('model_not_found', `no bundle named '${name}'`, 404));
  let p = built.get(name);
  if (!p) {
    p = buildOne(path.join(browserSourceDir(), entry));
    built.set(name, p);
    p.catch(() => built.delete(name)); // a failed build is retried on the next request
  }
  return p;
}

async function buildOne(entry: string): Promise<string> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    // The ORT build whose .wasm/.mjs runtime files are fetched from env.wasm.wasmPaths (/web/ort/), not inlined.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    alias: { 'onnxruntime-node': 'onnxruntime-web' },
    plugins: [nodeBuiltins],
    legalComments: 'none',
    logLevel: 'silent',
    sourcemap: false,
  });
  return r.outputFiles[0].text;
}
