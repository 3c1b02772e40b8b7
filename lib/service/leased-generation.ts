/**
 * One generation on a leased model, as every generating route runs it (chat completions, the
 * Responses API): one abort signal for both ways a request can end early (the client leaves, or
 * the service stops), the model leased for the call and released after it, and the errors that
 * a stop or a forced unload caused named as such, whatever the engine said.
 */
import type { ServerResponse } from 'node:http';
import { AbortedError } from '../errors';
import type { ServiceContext } from './context';
import { shuttingDown } from './errors';
import type { Lease, UseOptions } from './model-manager';

export async function withLeasedModel(
  ctx: ServiceContext, res: ServerResponse, model: string, opts: UseOptions,
  run: (lease: Lease, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  const onShutdown = () => ac.abort();
  res.on('close', onClose);
  ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
  let lease: Lease | null = null;
  try {
    lease = await ctx.manager.acquire(model, opts);
    if (ac.signal.aborted) throw new AbortedError();
    await run(lease, ac.signal);
  } catch (e) {
    // Stopping aborts running requests and disposes models under queued ones: say so.
    if (ctx.shutdown.aborted) throw shuttingDown();
    // A forced unload did the same to this model's requests: 503, retryable.
    if (lease?.revoked.aborted) throw lease.revoked.reason;
    throw e;
  } finally {
    res.off('close', onClose);
    ctx.shutdown.removeEventListener('abort', onShutdown);
    lease?.release();
  }
}
