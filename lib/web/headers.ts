/**
 * Response headers of the pages and their assets: nothing but this origin may be loaded
 * (Content-Security-Policy 'self'; 'wasm-unsafe-eval' lets onnxruntime-web compile its
 * WebAssembly, and only on the inference page), the page cannot be framed or sniffed, and it is
 * cross-origin isolated (COOP same-origin + COEP require-corp), which gives it
 * SharedArrayBuffer and so multi-threaded WASM inference.
 */
export type PageKind = 'chat' | 'inference';

export function contentSecurityPolicy(kind: PageKind): string {
  const script = kind === 'inference' ? "'self' 'wasm-unsafe-eval'" : "'self'";
  return [
    "default-src 'self'",
    `script-src ${script}`,
    `worker-src 'self'`,
    "connect-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers for an HTML page or a script that runs as a page's worker. */
export function pageHeaders(kind: PageKind): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(kind),
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    ...assetHeaders(),
  };
}

/** Headers for every file the pages load: same-origin only, never sniffed, never cached stale. */
export function assetHeaders(): Record<string, string> {
  return {
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-cache',
  };
}
