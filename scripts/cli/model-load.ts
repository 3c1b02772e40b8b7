/** `slmlab model load|unload <model>`: ask the running service to load or unload a model (Foundry's verbs). */
import type { Command } from 'commander';
import { daemonStatus } from '../../lib/client/running-service';
import { LONG_SERVICE_CALL_MS, ServiceCallError, ServiceClient } from '../../lib/client/service-client';
import { ServiceNotRunningError, SlmlabError, type ErrorCode } from '../../lib/errors';
import { PROVIDERS, type ProviderName } from '../../lib/engine/providers';
import { integer, oneOf } from './parse';
import { EXIT, fail } from './exit-codes';
import { envValue } from '../../lib/environment';

/** The running service's client (lib/client/service-client.ts); not running is exit 8. */
async function runningService(): Promise<ServiceClient> {
  const s = await daemonStatus({ probe: false });
  if (!s.running || !s.url) throw new ServiceNotRunningError();
  return new ServiceClient(s.url, { apiKey: envValue('SLMLAB_API_KEY') || undefined, timeoutMs: LONG_SERVICE_CALL_MS /* a load may build or download first */ });
}

/** The service's own error code maps to the exit code (model_damaged 4, provider_unavailable 5, ...); an unknown one by status. */
function exitCoded(e: unknown): unknown {
  if (!(e instanceof ServiceCallError) || e.code in EXIT) return e;
  const code: ErrorCode = e.status === 404 ? 'model_not_found' : e.status === 503 ? 'provider_unavailable' : 'invalid_request';
  return new SlmlabError(code, e.message, e.status);
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
        await (await runningService()).load(name, { ep: o.ep, ttl: o.ttl }).catch((e: unknown) => { throw exitCoded(e); });
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
        await (await runningService()).unload(name).catch((e: unknown) => { throw exitCoded(e); });
        process.stdout.write(`unloaded ${name}\n`);
      } catch (e) {
        fail(e);
      }
    });
}
