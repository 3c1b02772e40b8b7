/**
 * OpenAI clients want the API root, which ends in /v1. Users and tools give it with or without
 * /v1, with trailing slashes, or as Foundry Local's status URL: all become `<origin>[/path]/v1`.
 */
import { EndpointError } from './errors';

export function normalizeBaseURL(input: string, from = 'the endpoint'): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new EndpointError(`${from} '${input}' is not a URL: give it as http://host:port (optionally ending in /v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointError(`${from} '${input}' must be an http:// or https:// URL`);
  }
  let p = url.pathname.replace(/\/+$/, '');
  // Foundry Local prints its status route; its OpenAI root is the origin's /v1.
  if (/\/openai\/status$/.test(p)) p = p.replace(/\/openai\/status$/, '');
  if (!/\/v1$/.test(p)) p += '/v1';
  return `${url.origin}${p}`;
}
