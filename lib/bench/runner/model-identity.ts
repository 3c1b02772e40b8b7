/**
 * Which model an embedded cell really ran: the registry's variant id and the sha256 of its
 * .onnx graph, looked up once per (threads, model, provider) after its first ok request.
 * Unknown (nulls) for URL endpoints and when the lookup fails.
 */
import type { Cell } from '../grid/expand';
import type { ModelRegistry } from '../../service';
import { modelFileHash } from '../metadata';

export interface ModelIdentity { id: string | null; hash: string | null }

export function modelIdentity(registry: ModelRegistry): (cell: Cell) => Promise<ModelIdentity> {
  const known = new Map<string, Promise<ModelIdentity>>();
  return (c) => {
    const key = `${c.threads}|${c.model}|${c.provider}`;
    let p = known.get(key);
    if (!p) {
      p = (async () => {
        try {
          const m = await registry.resolve(c.model, c.provider);
          return { id: m.id, hash: await modelFileHash(m.dir).catch(() => null) };
        } catch { return { id: null, hash: null }; }
      })();
      known.set(key, p);
    }
    return p;
  };
}
