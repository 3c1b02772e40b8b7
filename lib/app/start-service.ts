/**
 * The service as slmlab ships it: lib/service's OpenAI and Foundry routes plus the pages of
 * lib/web (RAG chat, in-browser inference, their assets), handed down as extra routes under the
 * same route-table rules. `slmlab service start` and `slmlab chat|browser` (through the daemon
 * and main.ts) and the tests of the pages start it this way; startService alone
 * (lib/service/server.ts) serves no pages: the benchmark runner's in-process services use that.
 */
import { startService, type ServiceHandle, type ServiceOptions } from '../service/server';
import { WEB_ROUTES } from '../web/routes';

/** startService with the pages' routes first among the caller's extra ones. */
export function startServiceWithPages(options: ServiceOptions): Promise<ServiceHandle> {
  return startService({ ...options, routes: [...WEB_ROUTES, ...(options.routes ?? [])] });
}
