/**
 * The route table's rules, in one place (issue 21). Every route declares its effect, and the
 * effect decides the guard, so a new route cannot forget it:
 *
 *   read     answers from what is already there. Allowed from any page (an <img> may GET it),
 *            and so it is run with a read-only view of the service (readOnlyContext): a read
 *            route that tried to download, build, load, unload or write would fail, not act.
 *   prepare  may download or build a model, or load one into memory (chat, Foundry's load,
 *            POST /web/models/<id>/prepare).
 *   write    changes other state (unload, downloads, document sets, shutdown).
 *
 * Every effect but `read` is state-changing: refused when a browser marks the request as
 * cross-site (security.ts, checkCrossSite), whatever its method. test/route-effects.test.ts
 * walks the table and sends a cross-site request to each state-changing route.
 */
import type { Handler, ServiceContext, ServiceRegistry } from './context';
import type { ModelManager } from './model-manager';
import { ServiceError } from './errors';

export type RouteEffect = 'read' | 'prepare' | 'write';

export const changesState = (effect: RouteEffect): boolean => effect !== 'read';

/** A route as declared: its method, path (with :params), handler and effect. */
export interface RouteSpec { method: string; path: string; handler: Handler; effect: RouteEffect }

function readOnlyRefusal(what: string): ServiceError {
  return new ServiceError(500, 'internal_error', `a read-only route tried to ${what}: declare the route's effect as 'prepare' or 'write' in the route table (lib/service/route-table.ts)`);
}

/** The manager's methods a read route may call. */
const MANAGER_READS = new Set<string | symbol>(['loaded', 'loadedModel', 'processes']);

const views = new WeakMap<ServiceContext, ServiceContext>();

/** The context a `read` route runs with: its registry never prepares, its manager only reports. */
export function readOnlyContext(ctx: ServiceContext): ServiceContext {
  let view = views.get(ctx);
  if (view) return view;
  const inner = ctx.registry;
  const registry: ServiceRegistry = {
    get modelDirPath() { return inner.modelDirPath; },
    list: () => inner.list(),
    resolve: (name, ep) => inner.resolveReady(name, ep),
    resolveReady: (name, ep) => inner.resolveReady(name, ep),
    prepare: () => Promise.reject(readOnlyRefusal('start a download or build')),
    download: () => Promise.reject(readOnlyRefusal('download a model')),
  };
  const manager = new Proxy(ctx.manager, {
    get(target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      if (!MANAGER_READS.has(prop)) return () => { throw readOnlyRefusal(`call manager.${String(prop)}`); };
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as ModelManager;
  view = { ...ctx, registry, manager };
  views.set(ctx, view);
  return view;
}
