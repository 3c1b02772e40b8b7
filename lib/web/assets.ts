/**
 * The files the pages load, each from a fixed list: HTML and CSS from lib/web/static, the
 * bundles (bundle.ts), and onnxruntime-web's runtime files from its own package in
 * node_modules (no CDN). A request names a file; it is looked up in a list, never joined to a
 * folder, so no request can reach any other file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ServerResponse } from 'node:http';
import { SlmlabError } from '../errors';
import { browserSourceDir } from './bundle';
import { assetHeaders } from './headers';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Static files of the pages, by the name they are served under (/web/static/<name>). The HTML
 * pages are not among them: they are served only at /chat and /browser, with their CSP and
 * isolation headers (issue 21: the same pages at /web/static/*.html had neither).
 */
export const STATIC_FILES: readonly string[] = Object.freeze(['style.css']);

/** The HTML pages, served only by their page routes (lib/web/routes.ts, page()). */
export const PAGE_FILES: readonly string[] = Object.freeze(['chat.html', 'inference.html']);

/** onnxruntime-web's runtime files that its WASM and WebGPU backends fetch at run time. */
export const ORT_FILES: readonly string[] = Object.freeze([
  'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm',
  'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm',
]);

export function notFound(what: string): SlmlabError {
  return new SlmlabError('model_not_found', `${what} does not exist on this service`, 404);
}

function ortDistDir(): string {
  // The package's Node entry lives in its dist/ folder, beside the browser runtime files.
  return path.dirname(require.resolve('onnxruntime-web'));
}

function staticDir(): string {
  return path.join(path.dirname(browserSourceDir()), 'static');
}

/** Streams a file that a list named, with its type and the asset headers. */
export function sendFile(res: ServerResponse, file: string, extra: Record<string, string> = {}): Promise<void> {
  const size = fs.statSync(file).size;
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': size, ...assetHeaders(), ...extra });
  return new Promise((resolve, reject) => {
    const stream = fs.createReadStream(file);
    stream.on('error', (e) => { res.destroy(e); reject(e); });
    res.on('close', () => { stream.destroy(); resolve(); });
    stream.pipe(res);
  });
}

export function staticFile(name: string): string {
  if (!STATIC_FILES.includes(name)) throw notFound(`/web/static/${name}`);
  return path.join(staticDir(), name);
}

export function pageFile(name: string): string {
  if (!PAGE_FILES.includes(name)) throw notFound(`page ${name}`);
  return path.join(staticDir(), name);
}

export function ortFile(name: string): string {
  if (!ORT_FILES.includes(name)) throw notFound(`/web/ort/${name}`);
  return path.join(ortDistDir(), name);
}

export function sendText(res: ServerResponse, body: string, type: string, headers: Record<string, string>): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
