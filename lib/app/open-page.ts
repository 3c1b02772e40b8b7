/**
 * `slmlab chat` and `slmlab browser`: find the running service (or start it in the
 * background), make sure it serves the pages, post the chat documents when asked, and return
 * the page's URL; `openInBrowser` hands a URL to the desktop's opener.
 */
import { spawn } from 'node:child_process';
import { SlmlabError } from '../errors';
import { daemonStatus, probeKey, type DaemonOptions } from '../client/running-service';
import { ServiceClient } from '../client/service-client';
import { startOnWorkshopPort } from './workshop-port';
import { readDocs } from '../web/docsets';

export interface PageRequest extends DaemonOptions {
  page: 'chat' | 'browser';
  /** Preselects this model (id or alias) in the page's picker. */
  model?: string;
  /** chat only: a text file or a folder of .txt/.md files to use as the documents. */
  docs?: string;
  /** The port to take when the service must be started (default 5273, the workshop's, when free). */
  preferredPort?: number;
}

export interface PageUrl {
  url: string;
  /** The service's base URL. */
  service: string;
  /** True when this call started the service. */
  started: boolean;
  /** Set when this call started the service off the workshop's port: which port it took, in one line. */
  note: string | null;
}

export async function pageUrl(req: PageRequest): Promise<PageUrl> {
  const docs = req.docs !== undefined ? readDocs(req.docs) : null; // bad --docs fails before anything starts
  const status = await daemonStatus({ ...req, probe: true });
  let service: string;
  let started = false;
  let note: string | null = null;
  if (status.running && status.url && status.responding) {
    service = status.url;
  } else {
    // The same start as `slmlab service start`: 5273 when free, so the workshop's curl reaches this page's service.
    const r = await startOnWorkshopPort({ cacheDir: req.cacheDir, apiKey: req.apiKey, preferredPort: req.preferredPort });
    if (!r.url) throw new SlmlabError('engine_crashed', 'the slmlab service did not start: see `slmlab service status` and its log', 500);
    service = r.url;
    started = !r.alreadyRunning;
    note = r.note;
  }
  const svc = new ServiceClient(service, { apiKey: probeKey(req) });
  if (await svc.pageStatus(req.page) === 404) {
    throw new SlmlabError('invalid_request', `the running service at ${service} predates the web pages: restart it with \`slmlab service restart\``, 404);
  }
  const q = new URLSearchParams();
  if (req.model) q.set('model', req.model);
  if (docs) {
    try {
      q.set('docs', await svc.postDocset(docs));
    } catch (e) {
      throw e instanceof SlmlabError ? new SlmlabError('invalid_request', `the service refused the documents: ${e.message}`, e.status) : e;
    }
  }
  return { url: `${service}/${req.page}${q.size ? `?${q}` : ''}`, service, started, note };
}

/** Opens `url` with the desktop's opener (xdg-open, open, start); false when there is none. */
export function openInBrowser(url: string): Promise<boolean> {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]]
    : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]]
      : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => { child.unref(); resolve(true); });
  });
}
