/**
 * Who may talk to the service. By default it binds 127.0.0.1, so only this machine can reach
 * it. Binding anything else (Foundry Local users asked for 0.0.0.0, issues #16 and #39) is
 * allowed only with an API key, checked as `Authorization: Bearer <key>`. Browsers: only pages
 * from localhost, 127.0.0.1 or [::1] may call it (CORS), and on a loopback bind the Host header
 * must be a loopback name, which stops DNS-rebinding pages from reaching it through a foreign name.
 *
 * Routes that change state (load, unload, download, chat — every POST, and the Foundry GET
 * routes that load or unload) also refuse what a browser marks as coming from another site,
 * because a page can make a browser send a GET with no Origin header (an <img>, a <script>, a
 * navigation): checkCrossSite below. Tools that are not browsers (curl, the openai client,
 * Foundry's SDKs) send none of these headers and are not affected.
 */
import * as crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ServiceStartError } from '../errors';
import { crossSiteRefused, forbiddenHost, forbiddenOrigin, unauthorized } from './errors';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** True for loopback hosts: localhost, 127.0.0.0/8, ::1 (with or without brackets). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h.endsWith('.localhost');
}

/** Refuses to start a service reachable from the network without a key. */
export function checkBinding(host: string, apiKey: string | undefined): void {
  if (!isLoopback(host) && !apiKey) {
    throw new ServiceStartError(`binding to ${host} makes the service reachable from other machines: set an API key ` +
      `(SLMLAB_API_KEY=<key>, or the apiKey option) so that clients must send \`Authorization: Bearer <key>\`, or bind 127.0.0.1`);
  }
}

/** True when a browser page from `origin` may call the service. */
export function isAllowedOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopback(u.hostname);
  } catch {
    return false;
  }
}

/** CORS response headers for an allowed origin (echoed, never '*'). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Expose-Headers': 'x-slmlab-timings, x-request-id',
  };
}

export function preflightHeaders(origin: string, req: IncomingMessage): Record<string, string> {
  const asked = req.headers['access-control-request-headers'];
  return {
    ...corsHeaders(origin),
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': typeof asked === 'string' && /^[\w\s,-]*$/.test(asked) ? asked : 'authorization, content-type',
    'Access-Control-Max-Age': '600',
  };
}

/** Throws 403 for a foreign Origin, or a foreign Host on a loopback bind. */
export function checkOrigin(req: IncomingMessage, loopbackBind: boolean): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !isAllowedOrigin(origin)) throw forbiddenOrigin(origin);
  if (loopbackBind && req.headers.host) {
    const hostname = hostnameOf(req.headers.host);
    if (!isLoopback(hostname)) throw forbiddenHost(req.headers.host);
  }
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return colon === -1 ? hostHeader : hostHeader.slice(0, colon);
}

/** A constant-time check of `Authorization: Bearer <key>`; throws 401. */
export function checkApiKey(req: IncomingMessage, apiKey: string | undefined): void {
  if (!apiKey) return;
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  if (!m || !crypto.timingSafeEqual(digest(m[1].trim()), digest(apiKey))) throw unauthorized();
}

/** The loopback-ness of a Referer's origin; null when there is no (parsable) Referer. */
function refererIsLoopback(referer: string | undefined): boolean | null {
  if (!referer) return null;
  try {
    const u = new URL(referer);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopback(u.hostname);
  } catch {
    return false; // a Referer that is not a URL is not a page of this machine
  }
}

/**
 * Throws 403 when a browser marks a request to a state-changing route as made by a page of
 * another site. The rule, in order:
 *   1. an Origin that is not loopback: refused (checkOrigin already refuses it on every route);
 *   2. a Referer whose origin is not loopback: refused;
 *   3. Sec-Fetch-Site `cross-site` or `same-site` (sent by every current browser, on every
 *      request, even image loads): refused unless the Origin or Referer is a loopback page
 *      (a notebook on http://localhost:8888 calling the service is same-site, and allowed);
 *   4. anything else (no such headers: curl, SDKs; `same-origin`; `none` = typed in the
 *      address bar): allowed.
 */
export function checkCrossSite(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !isAllowedOrigin(origin)) throw crossSiteRefused(`Origin ${origin}`);
  const referer = refererIsLoopback(req.headers.referer);
  if (referer === false) throw crossSiteRefused(`Referer ${req.headers.referer}`);
  const site = String(req.headers['sec-fetch-site'] ?? '').toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    const fromLoopbackPage = (origin !== undefined && isAllowedOrigin(origin)) || referer === true;
    if (!fromLoopbackPage) throw crossSiteRefused(`Sec-Fetch-Site: ${site}`);
  }
}
