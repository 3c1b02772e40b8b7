/**
 * The floor the engine is measured against: a bare InferenceSession.run loop, greedy, with the
 * KV cache fed back as ONNX Runtime returns it and nothing else (no tokenizer, no sampling
 * pipeline, no worker). Shared by bench-engine and bench-batching, so both compare the engine
 * with the same loop.
 */
import * as ort from 'onnxruntime-node';

export interface RunSample {
  /** Tokens generated; a run that stopped early has fewer than requested. */
  completionTokens: number;
  ttftMs: number;
  decodeMs: number[];
  wallMs: number;
  tokenIds: number[];
  extra?: Record<string, number>;
}

export class Floor {
  private readonly pastNames: string[] = [];
  private readonly presentNames: string[] = [];
  private readonly kvType: 'float32' | 'float16';
  private readonly kvDims: [number, number];
  private readonly ones: BigInt64Array;
  private readonly positions: BigInt64Array;
  private readonly hasPositionIds: boolean;

  private constructor(readonly session: ort.InferenceSession, maxTotal: number) {
    const pastRe = /^past_key_values[._](\d+)[._](key|value)$/;
    for (const name of session.inputNames) {
      const m = pastRe.exec(name);
      if (!m) continue;
      this.pastNames.push(name);
      const present = session.outputNames.find((o) => o === `present.${m[1]}.${m[2]}` || o === `present_${m[1]}_${m[2]}`);
      if (!present) throw new Error(`no present output for ${name}`);
      this.presentNames.push(present);
    }
    this.hasPositionIds = session.inputNames.includes('position_ids');
    const unknown = session.inputNames.filter((n) => n !== 'input_ids' && n !== 'attention_mask' && n !== 'position_ids' && !pastRe.test(n));
    if (unknown.length) throw new Error(`the floor loop does not feed these inputs: ${unknown.join(', ')}`);
    const meta = session.inputMetadata.find((m) => m.name === this.pastNames[0]);
    if (!meta || !meta.isTensor) throw new Error('cannot read the KV cache metadata');
    this.kvDims = [Number(meta.shape[1]), Number(meta.shape[3])];
    this.kvType = meta.type === 'float16' ? 'float16' : 'float32';
    this.ones = new BigInt64Array(maxTotal).fill(1n);
    this.positions = BigInt64Array.from({ length: maxTotal }, (_, i) => BigInt(i));
  }

  static async create(onnxPath: string, threads: number, maxTotal: number): Promise<Floor> {
    const session = await ort.InferenceSession.create(onnxPath, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3,
    });
    return new Floor(session, maxTotal);
  }

  /** A floor loop over a session the caller opened (e.g. from rewritten bytes). */
  static wrap(session: ort.InferenceSession, maxTotal: number): Floor {
    return new Floor(session, maxTotal);
  }

  /** Greedy decoding of exactly `n` tokens (EOS is not special here). */
  async run(prompt: number[], n: number): Promise<RunSample> {
    const start = performance.now();
    const [kvh, hs] = this.kvDims;
    const empty = this.kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    let feeds: Record<string, ort.Tensor> = {};
    for (const name of this.pastNames) feeds[name] = new ort.Tensor(this.kvType, empty, [1, kvh, 0, hs]);
    const P = prompt.length;
    const ids = new BigInt64Array(P);
    for (let i = 0; i < P; i++) ids[i] = BigInt(prompt[i]);
    feeds.input_ids = new ort.Tensor('int64', ids, [1, P]);
    feeds.attention_mask = new ort.Tensor('int64', this.ones.subarray(0, P), [1, P]);
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', this.positions.subarray(0, P), [1, P]);
    let out = await this.session.run(feeds);
    let next = argmaxLast(out.logits);
    let last = performance.now();
    const ttftMs = last - start;
    const tokenIds = [next];
    const decodeMs: number[] = [];
    const one = new BigInt64Array(1);
    for (let T = P + 1; tokenIds.length < n; T++) {
      feeds = {};
      for (let i = 0; i < this.pastNames.length; i++) feeds[this.pastNames[i]] = out[this.presentNames[i]];
      one[0] = BigInt(next);
      feeds.input_ids = new ort.Tensor('int64', one, [1, 1]);
      feeds.attention_mask = new ort.Tensor('int64', this.ones.subarray(0, T), [1, T]);
      if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', this.positions.subarray(T - 1, T), [1, 1]);
      out = await this.session.run(feeds);
      next = argmaxLast(out.logits);
      const now = performance.now();
      decodeMs.push(now - last);
      last = now;
      tokenIds.push(next);
    }
    return { completionTokens: tokenIds.length, ttftMs, decodeMs, wallMs: performance.now() - start, tokenIds };
  }
}

function argmaxLast(t: ort.Tensor): number {
  const V = t.dims[t.dims.length - 1];
  const data = t.data as Float32Array;
  if (t.type !== 'float32') throw new Error(`the floor loop reads float32 logits, got ${t.type}`);
  const off = data.length - V;
  let best = -Infinity;
  let idx = 0;
  for (let i = 0; i < V; i++) {
    const x = data[off + i];
    if (x > best) { best = x; idx = i; }
  }
  return idx;
}
