/** `slmlab model load|unload <model>`: ask the running service to load or unload a model (Foundry's verbs). */
import type { Command } from 'commander';
import { daemonStatus } from '../../lib/service/daemon';
import { ServiceNotRunningError, SlmlabError, type ErrorCode } from '../../lib/errors';
import { PROVIDERS, type ProviderName } from '../../lib/engine/providers';
import { integer, oneOf } from './parse';
import { EXIT, fail } from './exit-codes';
import { envValue } from '../../lib/environment';

async function callService(route: string): Promise<void> {
  const s = await daemonStatus({ probe: false });
  if (!s.running || !s.url) throw new ServiceNotRunningError();
  const headers: Record<string, string> = envValue('SLMLAB_API_KEY') ? { authorization: `Bearer ${envValue('SLMLAB_API_KEY')}` } : {};
  const res = await fetch(s.url + route, { headers });
  if (!res.ok) {
    const body = await res.text();
    let message = body;
    let sent: string | undefined;
    try {
      const error = (JSON.parse(body) as { error?: { message?: string; code?: string } }).error;
      message = error?.message ?? body;
      sent = error?.code;
    } catch { /* plain text */ }
    // The service's own error code maps to the exit code (model_damaged 4, provider_unavailable 5, ...).
    const code = (sent && sent in EXIT ? sent : res.status === 404 ? 'model_not_found' : res.status === 503 ? 'provider_unavailable' : 'invalid_request') as ErrorCode;
    throw new SlmlabError(code, message || `the service answered HTTP ${res.status}`, res.status);
  }
}

export function registerModelLoad(model: Command): void {
  model
    .command('load')
    .description('load a model in the running service (it stays loaded until its TTL runs out)')
    .argument('<model>', 'catalog alias, variant id or cached model')
    .option('--ep <provider>', `execution provider: ${PROVIDERS.join(', ')}`, oneOf('--ep', PROVIDERS))
    .option('--ttl <seconds>', 'unload after this long unused (0 = never)', integer('--ttl', 0))
    .action(async (name: string, o: { ep?: ProviderName; ttl?: number }) => {
      try {
        const q = new URLSearchParams();
        if (o.ep) q.set('ep', o.ep);
        if (o.ttl !== undefined) q.set('ttl', String(o.ttl));
        await callService(`/openai/load/${encodeURIComponent(name)}${q.size ? `?${q}` : ''}`);
        process.stdout.write(`loaded ${name}${o.ep ? ` on ${o.ep}` : ''}\n`);
      } catch (e) {
        fail(e);
      }
    });

  model
    .command('unload')
    .description('unload a model from the running service')
    .argument('<model>', 'the model\'s name as `slmlab service ps` shows it')
    .action(async (name: string) => {
      try {
        await callService(`/openai/unload/${encodeURIComponent(name)}`);
        process.stdout.write(`unloaded ${name}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
