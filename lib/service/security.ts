/**
 * Who may talk to the service. By default it binds 127.0.0.1, so only this machine can reach
 * it. Binding anything else (Foundry Local users asked for 0.0.0.0, issues #16 and #39) is
 * allowed only with an API key, checked as `Authorization: Bearer <key>`. Browsers: only pages
 * from localhost, 127.0.0.1 or [::1] may call it (CORS), and on a loopback bind the Host header
 * must be a loopback name, which stops DNS-rebinding pages from reaching it through a foreign name.
 */
import * as crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ServiceStartError } from '../errors';
import { forbiddenHost, forbiddenOrigin, unauthorized } from './errors';

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
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
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
