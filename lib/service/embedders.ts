/**
 * The embedding models the service has loaded, one Embedder per folder, kept until the service
 * stops (embedding models are small: all-MiniLM-L6-v2 is 90 MB in fp32). Loaded on first use.
 */
import { Embedder } from '../engine/embedder';

export class EmbedderPool {
  private readonly loaded = new Map<string, Promise<Embedder>>();

  constructor(private readonly threads = 0) {}

  get(dir: string): Promise<Embedder> {
    let e = this.loaded.get(dir);
    if (!e) {
      e = Embedder.load(dir, { threads: this.threads });
      e.catch(() => this.loaded.delete(dir)); // a failed load is tried again by the next request
      this.loaded.set(dir, e);
    }
    return e;
  }

  async close(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(all.map(async (p) => { try { await (await p).dispose(); } catch { /* failed loads hold nothing */ } }));
  }
}
