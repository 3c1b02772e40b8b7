/**
 * A host name that does not resolve (ENOTFOUND, EAI_AGAIN): the machine is offline or has no
 * DNS. Retrying will not help within a download's patience, so it is final at once (no backoff
 * loop), and the message says so.
 */
import { DownloadError } from '../../errors';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);

export function isDnsFailure(e: unknown): boolean {
  return typeof e === 'object' && e !== null && DNS_CODES.has(String((e as { code?: unknown }).code));
}

export class OfflineError extends DownloadError {
  readonly host: string;
  /** `subject`: what failed ('phi-4-mini'); `hint`: appended ('; offline, use its synthetic twin ...'). */
  constructor(host: string, url: string, subject = 'the download', hint = '') {
    super(`${subject} cannot be downloaded: ${host} does not resolve (DNS lookup failed), so this machine looks offline; connect to the network (or set HTTPS_PROXY / HF_ENDPOINT) and run again${hint}`, 502, { url });
    this.host = host;
  }
}
