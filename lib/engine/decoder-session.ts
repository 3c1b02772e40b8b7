/**
 * One ONNX Runtime session over a decoder graph, plus its KV cache.
 *
 * Names and shapes come from the session itself (inputNames, inputMetadata), so any graph
 * that follows the past_key_values.N.key / present.N.key convention runs: ONNX Runtime
 * GenAI's builder output, Optimum exports, transformers.js repos.
 *
 * Shapes (see synth/shapes.ts for the legend):
 *   input_ids      [B=1, S]          int64
 *   attention_mask [B=1, T = P + S]  int64, all ones (one unpadded sequence)
 *   position_ids   [B=1, S]          int64, P .. P+S-1 (only when the graph has the input)
 *   past_key_values.i.key|value [1, kvh, P, hs]   ->   present.i.key|value [1, kvh, T, hs]
 *   logits         [1, S, V]   or [1, 1, V] when the graph computes the last position only
 *
 * A decode step over a batch of sequences (decodeBatch) uses the packed layout of kv-batch.ts:
 *   input_ids [B, 1], attention_mask [B, P + 1], position_ids [B, 1], past [B, kvh, P, hs],
 *   logits [B, 1, V].
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { gatherLastPosition } from './last-position-logits';
import { decodeModel, encodeModel, type ModelRecord } from '../onnx';
import { Int8PrefillRefusedError, int8PrefillGraph, kvLayoutMismatch, type PrefillWeights } from './int8-prefill';
import { ModelInvalidError, ProviderUnavailableError } from '../errors';
import { sessionProviderOptions, type ProviderName } from './providers';
import { compareLogits, lastRow, rowOf, toFloat32 } from './logits-rows';
import { feedable, float16Tensor } from './float16-tensor';
import { checkKvType, missingOpOf, unsupportedIoTypeError, unsupportedOpError } from './load-checks';
import { KvBatch, type KvRows } from './kv-batch';
import { chunkFeeds, prefillFeeds } from './batch-prefill';
import { CopyCounter, graphOutputNames, hostData, kvOutputLocations, releaseDeviceTensors, type DeviceCopies } from './device-kv';

/** Whether decode steps of several sequences may share one run, and why (decided at load by a probe). */
export interface BatchingCheck {
  /** True when batched logits equal solo logits bit for bit on the probe. */
  exact: boolean;
  /** Largest |batched - solo| logit difference seen (0 when exact; null when the probe failed to run). */
  maxAbsDiff: number | null;
  /** Why batching is off, when it is. */
  reason: string | null;
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  provider: ProviderName;
  /** Intra-op threads; 0 lets ONNX Runtime choose (one per physical core). */
  threads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Rewrite the graph at load so that it computes logits for the last position only
   * (last-position-logits.ts): a faster prefill for graphs that project every position.
   * Off by default: a twin must cost what the real model costs.
   */
  lastPositionLogits?: boolean;
  /**
   * webgpu only: keep the KV cache in GPU buffers between steps and read back only the logits
   * (device-kv.ts). Such a session decodes one sequence at a time (no batch packing).
   */
  kvOnDevice?: boolean;
  /**
   * 'int8': prefill (every run of more than one token) in a second session on an int8 copy of
   * the int4 weights (int8-prefill.ts); decode stays on the model's own weights. Changes the
   * logits: opt-in, cpu only. Default 'model'.
   */
  prefillWeights?: PrefillWeights;
}

interface KvPair { layer: number; past: string; present: string; }

const PAST = /^past_key_values[._](\d+)[._](key|value)$/;
const PRESENT = /^present[._](\d+)[._](key|value)$/;

export class DecoderSession {
  private kv: KvPair[] = [];
  /** past[i] feeds kv[i].past; replaced by the present outputs after every step. */
  private past: ort.Tensor[] = [];
  private pastLength = 0;
  private readonly kvType: 'float32' | 'float16';
  private readonly kvDims: [number, number];
  private readonly hasPositionIds: boolean;
  readonly logitsName: string;
  /** True when create() rewrote the graph for last-position logits (SessionOptions.lastPositionLogits). */
  lastPositionLogits = false;
  /** The session multi-token runs (prefill, chunks) go to: the int8 copy with prefillWeights 'int8', else this.session. */
  private prefillSession: ort.InferenceSession;
  /** Which weights prefill runs with (SessionOptions.prefillWeights). */
  prefillWeights: PrefillWeights = 'model';
  /** Host<->device copies of this generation's runs; null on cpu (no device). */
  private readonly copies: CopyCounter | null;

  private constructor(readonly session: ort.InferenceSession, readonly provider: ProviderName, readonly kvOnDevice = false) {
    this.copies = provider === 'cpu' ? null : new CopyCounter(kvOnDevice);
    this.prefillSession = session;
    const inputs = new Set(session.inputNames);
    if (!inputs.has('input_ids')) throw new ModelInvalidError(`the graph has no 'input_ids' input (inputs: ${session.inputNames.join(', ')}): slmlab runs decoder-only language models`);
    this.hasPositionIds = inputs.has('position_ids');
    const presentByKey = new Map<string, string>();
    for (const name of session.outputNames) {
      const m = PRESENT.exec(name);
      if (m) presentByKey.set(`${m[1]}.${m[2]}`, name);
    }
    let meta: ort.InferenceSession.ValueMetadata | undefined;
    for (const name of session.inputNames) {
      const m = PAST.exec(name);
      if (!m) continue;
      const present = presentByKey.get(`${m[1]}.${m[2]}`);
      if (!present) throw new ModelInvalidError(`input '${name}' has no matching present.${m[1]}.${m[2]} output: the graph's KV cache outputs are missing`);
      this.kv.push({ layer: Number(m[1]), past: name, present });
      meta ??= session.inputMetadata.find((x) => x.name === name);
    }
    // An encoder (BERT-style embedding model): no KV cache, a last_hidden_state output.
    if (!this.kv.length && session.outputNames.includes('last_hidden_state')) {
      throw new ModelInvalidError('this is an embedding (encoder) model, not a language model: use it through POST /v1/embeddings, not for chat or completions');
    }
    const known = new Set(['input_ids', 'attention_mask', 'position_ids', ...this.kv.map((k) => k.past)]);
    const unknown = session.inputNames.filter((n) => !known.has(n));
    if (unknown.length) throw new ModelInvalidError(`the graph needs inputs slmlab does not provide: ${unknown.join(', ')}`);
    this.logitsName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    if (!this.kv.length) throw new ModelInvalidError('the graph has no past_key_values inputs: export the model with its KV cache (ONNX Runtime GenAI builder or Optimum with --task text-generation-with-past)');
    const shape = meta && meta.isTensor ? meta.shape : [];
    const kvHeads = typeof shape[1] === 'number' ? shape[1] : NaN;
    const headSize = typeof shape[3] === 'number' ? shape[3] : NaN;
    if (!Number.isFinite(kvHeads) || !Number.isFinite(headSize)) throw new ModelInvalidError(`cannot read the KV cache shape from '${this.kv[0].past}' (${JSON.stringify(shape)}): expected [batch, kv_heads, past_sequence_length, head_size] with fixed heads and head size`);
    this.kvDims = [kvHeads, headSize];
    if (meta && meta.isTensor) checkKvType(meta.type, this.kv[0].past);
    this.kvType = meta && meta.isTensor && meta.type === 'float16' ? 'float16' : 'float32';
    this.reset();
  }

  /** Opens the session. Load failures become typed errors that say what to do. */
  static async create(onnxPath: string, opts: SessionOptions): Promise<DecoderSession> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: sessionProviderOptions(opts.provider) as ort.InferenceSession.ExecutionProviderConfig[],
      graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
      intraOpNumThreads: opts.threads ?? 0,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    };
    const kvOnDevice = opts.kvOnDevice === true && opts.provider === 'webgpu';
    if (kvOnDevice) options.preferredOutputLocation = kvOutputLocations(graphOutputNames(onnxPath));
    let session: ort.InferenceSession;
    let rewritten: Uint8Array | null = null;
    const int8 = opts.prefillWeights === 'int8';
    if (int8 && opts.provider !== 'cpu') throw new Int8PrefillRefusedError(`int8 prefill runs on the cpu provider only (asked for ${opts.provider}): load with prefillWeights 'model', or --ep cpu`);
    let prefill: ort.InferenceSession | null = null;
    try {
      // int8 prefill: the graph is decoded once for both sessions (the last-position rewrite first, when asked).
      const graph = opts.lastPositionLogits || int8 ? lastPositionModel(onnxPath, opts.lastPositionLogits === true) : null;
      rewritten = graph?.rewritten ? encodeModel(graph.model) : null;
      if (int8) {
        const bytes = int8PrefillGraph(graph!.model, onnxPath).bytes;
        // Two thread pools share the cores: the prefill pool's threads sleep between its runs
        // instead of spinning against the decode pool (session.intra_op.allow_spinning; measured
        // in docs/prefill-and-batching.md).
        prefill = await ort.InferenceSession.create(bytes, { ...options, extra: { session: { model_external_initializers_file_folder_path: path.dirname(onnxPath), intra_op: { allow_spinning: '0' } } } });
      }
      session = rewritten
        // From bytes, ONNX Runtime finds the external data through this folder (the weights stay where they are).
        ? await ort.InferenceSession.create(rewritten, { ...options, extra: { session: { model_external_initializers_file_folder_path: path.dirname(onnxPath) } } })
        : await ort.InferenceSession.create(onnxPath, options);
    } catch (e) {
      await prefill?.release().catch(() => undefined);
      if (e instanceof Int8PrefillRefusedError) throw e;
      const msg = (e as Error).message ?? String(e);
      const missing = missingOpOf(msg);
      if (missing) throw unsupportedOpError(missing, opts.provider, onnxPath, e);
      const ioType = unsupportedIoTypeError(msg, onnxPath, e);
      if (ioType) throw ioType;
      if (opts.provider !== 'cpu' && /provider|cuda|webgpu|adapter|shared library/i.test(msg)) {
        throw new ProviderUnavailableError(opts.provider, `the ${opts.provider} execution provider failed to start (${msg.split('\n')[0]}): run \`slmlab providers\` to see why, or use --ep cpu`);
      }
      throw new ModelInvalidError(`ONNX Runtime could not load '${onnxPath}': ${msg.split('\n')[0]}. The file may be damaged or incomplete: re-download or rebuild the model`, { cause: e });
    }
    const s = new DecoderSession(session, opts.provider, kvOnDevice);
    s.lastPositionLogits = rewritten !== null;
    if (prefill) {
      try {
        s.usePrefillSession(prefill);
      } catch (e) {
        await s.release();
        throw e;
      }
    }
    return s;
  }

  /**
   * Runs every multi-token step (prefill, chunks) on `prefill` from now on: an int8 copy of this
   * model (int8-prefill.ts) whose KV cache this session then decodes from. Refused, with the
   * reason, when the two graphs' inputs, outputs or KV cache layouts differ; `prefill` is then
   * released.
   */
  usePrefillSession(prefill: ort.InferenceSession): void {
    const why = kvLayoutMismatch(this.session, prefill);
    if (why) {
      void prefill.release().catch(() => undefined);
      throw new Int8PrefillRefusedError(`int8 prefill refused: its KV cache cannot feed the decode session, ${why}: load with prefillWeights 'model'`);
    }
    this.prefillSession = prefill;
    this.prefillWeights = 'int8';
  }

  /**
   * Wraps a session the caller opened itself: the in-browser inference worker opens one with
   * onnxruntime-web (same API) from fetched bytes, and decodes with this same class.
   */
  static fromSession(session: ort.InferenceSession, provider: ProviderName, kvOnDevice = false): DecoderSession {
    return new DecoderSession(session, provider, kvOnDevice);
  }

  /** Tensors copied between host and device since the last reset(); null on cpu. */
  get copyCounts(): DeviceCopies | null { return this.copies ? this.copies.snapshot() : null; }

  get layers(): number { return this.kv.length / 2; }
  get cachedTokens(): number { return this.pastLength; }

  /** Empties the KV cache: the next step starts a new sequence. */
  reset(): void {
    releaseDeviceTensors(this.past);
    this.copies?.reset();
    const [kvh, hs] = this.kvDims;
    this.past = this.kv.map(() => this.kvType === 'float16' ? float16Tensor(new Uint16Array(0), [1, kvh, 0, hs]) : new ort.Tensor('float32', new Float32Array(0), [1, kvh, 0, hs]));
    this.pastLength = 0;
  }

  /**
   * Feeds `ids` after the cached tokens and returns the logits of the last position
   * as float32 [V]. The cache grows by ids.length.
   */
  async step(ids: ArrayLike<number>): Promise<Float32Array> {
    const S = ids.length;
    const T = this.pastLength + S;
    const inputIds = new BigInt64Array(S);
    for (let i = 0; i < S; i++) inputIds[i] = BigInt(ids[i]);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', inputIds, [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    };
    if (this.hasPositionIds) {
      const pos = new BigInt64Array(S);
      for (let i = 0; i < S; i++) pos[i] = BigInt(this.pastLength + i);
      feeds.position_ids = new ort.Tensor('int64', pos, [1, S]);
    }
    for (let i = 0; i < this.kv.length; i++) feeds[this.kv[i].past] = this.past[i];
    const out = await (S > 1 ? this.prefillSession : this.session).run(feeds);
    const replaced = this.past;
    this.past = this.kv.map((k) => feedable(out[k.present]));
    releaseDeviceTensors(replaced); // kvOnDevice: the old cache's GPU buffers
    this.pastLength = T;
    const t = out[this.logitsName];
    // Counted before the download: reading a device tensor back moves it to the host.
    this.copies?.count(feeds, out, t.location === 'gpu-buffer' ? 1 : 0);
    const { data, downloaded } = await hostData(t);
    return lastRow(downloaded ? hostTensor(t, data) : t);
  }

  /**
   * Runs a prompt from an empty cache without touching this session's own cache: the
   * last position's logits [V] and the prompt's KV cache, ready to be packed into a batch.
   */
  async prefill(ids: ArrayLike<number>): Promise<{ logits: Float32Array; kv: KvRows }> {
    const [one] = await this.prefillBatch([ids]);
    return one;
  }

  // --- Batched and chunked prefill (batch-prefill.ts builds the feeds) ---

  /**
   * Prefills several prompts from an empty cache in one run, right-padded to the longest
   * (batch-prefill.ts): per prompt, its last real position's logits [V] and its cache rows.
   */
  async prefillBatch(prompts: readonly ArrayLike<number>[]): Promise<{ logits: Float32Array; kv: KvRows }[]> {
    const [kvh, hs] = this.kvDims;
    const f = prefillFeeds(prompts);
    const feeds: Record<string, ort.Tensor> = { input_ids: f.inputIds, attention_mask: f.mask };
    if (this.hasPositionIds) feeds.position_ids = f.positions;
    const empty = this.kvType === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    for (const k of this.kv) feeds[k.past] = new ort.Tensor(this.kvType, empty, [prompts.length, kvh, 0, hs]);
    const out = await (f.inputIds.dims[1] > 1 ? this.prefillSession : this.session).run(feeds);
    const t = out[this.logitsName];
    const tensors = this.kv.map((k) => feedable(out[k.present]));
    return prompts.map((p, b) => ({
      // logits [B, S, V], or [B, 1, V] when the graph keeps each row's last position only
      logits: Float32Array.from(rowOf(t, b, t.dims[1] === 1 ? 0 : p.length - 1)),
      kv: { tensors, row: b, length: p.length },
    }));
  }

  /** Feeds `ids` after one sequence's cache (a chunk of a long prompt): its last position's logits [V] and the grown cache. */
  async prefillChunk(cache: KvRows, ids: ArrayLike<number>): Promise<{ logits: Float32Array; kv: KvRows }> {
    const own = cache.row === 0 && cache.tensors[0]?.dims[0] === 1 && cache.tensors[0].dims[2] === cache.length;
    const past = own ? cache.tensors : this.pack([cache]).tensors;
    const f = chunkFeeds(cache.length, ids);
    const feeds: Record<string, ort.Tensor> = { input_ids: f.inputIds, attention_mask: f.mask };
    if (this.hasPositionIds) feeds.position_ids = f.positions;
    for (let i = 0; i < this.kv.length; i++) feeds[this.kv[i].past] = past[i];
    const out = await (ids.length > 1 ? this.prefillSession : this.session).run(feeds);
    return { logits: Float32Array.from(lastRow(out[this.logitsName])), kv: { tensors: this.kv.map((k) => feedable(out[k.present])), row: 0, length: cache.length + ids.length } };
  }

  /**
   * Checks that prompts prefilled together in one padded run give, bit for bit, the logits and
   * the next decode step each gives alone (three prompts of different lengths). A graph that
   * fails it prefills one prompt at a time.
   */
  async checkPrefillBatching(): Promise<BatchingCheck> {
    const prompts = [[2, 1, 0], [0], [1, 2]];
    const next = [1, 2, 0];
    try {
      const solo: Float32Array[][] = [];
      for (let i = 0; i < prompts.length; i++) {
        const p = await this.prefill(prompts[i]);
        const one = await this.decodeBatch(this.pack([p.kv]), [next[i]]);
        solo.push([Float32Array.from(p.logits), Float32Array.from(one.logits[0])]);
      }
      const together = await this.prefillBatch(prompts);
      const stepped = await this.decodeBatch(this.pack(together.map((p) => p.kv)), next);
      const d = compareLogits(prompts.map((_, b) => [together[b].logits, stepped.logits[b]]).flat(), solo.flat());
      return { ...d, reason: d.exact ? null : `prompts prefilled together differ from solo ones (largest logit difference ${d.maxAbsDiff.toPrecision(3)}): the graph's prefill is not batch-invariant` };
    } catch (e) {
      return { exact: false, maxAbsDiff: null, reason: `a batched prefill failed (${((e as Error).message ?? String(e)).split('\n')[0]}): the graph does not take padded prompts` };
    }
  }

  // --- end of batched and chunked prefill ---

  /** Packs sequences' caches (prefills, rows of an older batch) into one batch. */
  pack(rows: KvRows[]): KvBatch {
    return KvBatch.pack(rows, this.kvType, this.kvDims[0], this.kvDims[1], this.kv.length);
  }

  /** One decode step for every row of `batch`: tokens[b] is row b's next token. Logits [V] per row, and the grown batch. */
  async decodeBatch(batch: KvBatch, tokens: readonly number[]): Promise<{ logits: Float32Array[]; batch: KvBatch }> {
    const { inputIds, mask, positions } = batch.stepFeeds(tokens);
    const feeds: Record<string, ort.Tensor> = { input_ids: inputIds, attention_mask: mask };
    if (this.hasPositionIds) feeds.position_ids = positions;
    for (let i = 0; i < this.kv.length; i++) feeds[this.kv[i].past] = batch.tensors[i];
    const out = await this.session.run(feeds);
    const t = out[this.logitsName];
    // logits [B, 1, V]
    const logits = Array.from({ length: batch.size }, (_, b) => rowOf(t, b, 0));
    return { logits, batch: batch.advanced(this.kv.map((k) => feedable(out[k.present]))) };
  }

  /**
   * Checks that this graph decodes a padded batch exactly as it decodes each sequence alone:
   * three prompts of different lengths, one decode step solo and one batched, logits compared
   * bit for bit. Graphs whose attention reads the mask as a padding mask instead of as lengths
   * (plain Attention/MatMul exports) fail it, and so would a kernel whose results depend on the
   * batch size; the engine then decodes one request at a time. Costs six small runs.
   */
  async checkBatching(): Promise<BatchingCheck> {
    const prompts = [[0], [1, 0], [2, 1, 0]];
    const next = [1, 2, 0];
    try {
      const solo: Float32Array[] = [];
      const caches: KvRows[] = [];
      for (let i = 0; i < prompts.length; i++) {
        const p = await this.prefill(prompts[i]);
        caches.push(p.kv);
        const one = await this.decodeBatch(this.pack([p.kv]), [next[i]]);
        solo.push(Float32Array.from(one.logits[0]));
      }
      const batched = await this.decodeBatch(this.pack(caches), next);
      const { exact, maxAbsDiff } = compareLogits(batched.logits, solo);
      return { exact, maxAbsDiff, reason: exact ? null : `batched decode steps differ from solo ones (largest logit difference ${maxAbsDiff.toPrecision(3)}): the graph's attention or kernels are not batch-invariant` };
    } catch (e) {
      return { exact: false, maxAbsDiff: null, reason: `a batched decode step failed (${((e as Error).message ?? String(e)).split('\n')[0]}): the graph does not take a padded batch` };
    }
  }

  /** Logits of every position for `ids` from an empty cache (full recomputation; tests use it). */
  async allLogits(ids: ArrayLike<number>): Promise<{ data: Float32Array; dims: readonly number[] }> {
    this.reset();
    const S = ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(Array.from(ids, BigInt)), [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(Array.from({ length: S }, (_, i) => BigInt(i))), [1, S]);
    for (let i = 0; i < this.kv.length; i++) feeds[this.kv[i].past] = this.past[i];
    const out = await this.session.run(feeds);
    this.reset();
    const t = out[this.logitsName];
    return { data: toFloat32(t), dims: t.dims };
  }

  async release(): Promise<void> {
    releaseDeviceTensors(this.past);
    this.past = [];
    if (this.prefillSession !== this.session) await this.prefillSession.release();
    await this.session.release();
  }
}

/** A host copy of a device tensor's shape around downloaded data. */
function hostTensor(t: ort.Tensor, data: Float32Array | Uint16Array): ort.Tensor {
  return t.type === 'float16' ? float16Tensor(data as Uint16Array, t.dims) : new ort.Tensor('float32', data as Float32Array, t.dims);
}

/** The graph of `onnxPath`, rewritten for last-position logits when asked and possible (`rewritten` says). */
function lastPositionModel(onnxPath: string, rewrite: boolean): { model: ModelRecord; rewritten: boolean } {
  const model = decodeModel(fs.readFileSync(onnxPath));
  return rewrite ? gatherLastPosition(model) : { model, rewritten: false };
}
