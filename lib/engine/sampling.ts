/**
 * Token sampling over one row of logits (a `Float32Array` of length V, often a
 * `subarray` view into the model's `[batch, seq, V]` output).
 *
 * Everything here is pure and synchronous; the only state a sampler keeps is its
 * seeded random stream and scratch buffers it reuses from token to token, so that
 * sampling allocates nothing per token once warmed up.
 *
 * Pipeline for temperature T > 0 (each step documented where it happens):
 *   1. m = max_i x_i and the candidate cut, fused in one pass over V:
 *      keep i with exp((x_i - m) / T) > ε, ε = 1e-9  ⇔  x_i > m + T·ln ε
 *      (drops the negligible tail before any exp or sort; m is the softmax stabiliser)
 *   2. top-k: keep the k best candidates by partial selection (a size-k min-heap,
 *      O(n + k·log k·log(n/k)) expected), never a full sort
 *   3. w_i = exp((x_i - m) / T), Z = Σ w_i            (softmax with max subtraction)
 *   4. top-p (Holtzman et al. 2020, "The Curious Case of Neural Text Degeneration",
 *      §3.1): the smallest set of best-ranked tokens whose mass Σ w ≥ p·Z, found by a
 *      mass-weighted quickselect in expected O(n): no sort at all
 *   5. draw u ~ U[0,1) once from mulberry32 and return the first kept token whose
 *      running weight sum exceeds u·Σ(kept w)           (inverse-CDF sampling)
 *
 * Ordering is total and deterministic: a token ranks above another when its logit
 * is larger, or equal with a smaller index. Top-k ties and the nucleus boundary thus
 * depend only on the logits, and so does the order the kept tokens are walked in
 * (index order, or the arrangement the deterministic selections leave), so a seed
 * reproduces a token sequence exactly.
 *
 * Cost for V = 200k on one core: one pass over V, then work proportional to the
 * candidates n that survive the cut (n exps). Math.exp is the dominant cost, so each
 * weight is computed once and kept in a scratch array.
 */
import { InvalidRequestError } from '../errors';
import { streamFor, type Rng } from '../util/rng';

export interface SamplingParams {
  /** Softmax temperature in [0, 2]; 0 means greedy (argmax). */
  temperature: number;
  /** Keep only the k most likely tokens; 0 turns the filter off. */
  topK: number;
  /** Nucleus mass in (0, 1]; 1 turns the filter off. */
  topP: number;
  /** Seed of the sampler's random stream; any safe integer. */
  seed: number;
}

export const DEFAULT_SAMPLING: Readonly<SamplingParams> = Object.freeze({ temperature: 0, topK: 0, topP: 1, seed: 0 });

/**
 * Fills in defaults and rejects out-of-range values with an InvalidRequestError
 * naming the field (`param`) and its valid range, so an HTTP client can fix the request.
 * `null` counts as "not given" (JSON bodies often carry explicit nulls).
 */
export function validateSampling(p: Partial<SamplingParams>): SamplingParams {
  const temperature = pick(p.temperature, DEFAULT_SAMPLING.temperature);
  const topK = pick(p.topK, DEFAULT_SAMPLING.topK);
  const topP = pick(p.topP, DEFAULT_SAMPLING.topP);
  const seed = pick(p.seed, DEFAULT_SAMPLING.seed);

  if (typeof temperature !== 'number' || Number.isNaN(temperature) || temperature < 0 || temperature > 2) {
    throw new InvalidRequestError(
      `temperature must be a number in [0, 2] (0 = greedy); got ${show(temperature)}`, 'temperature');
  }
  if (typeof topP !== 'number' || Number.isNaN(topP) || !(topP > 0 && topP <= 1)) {
    throw new InvalidRequestError(
      `top_p must be a number in (0, 1] (1 = off); got ${show(topP)}`, 'top_p');
  }
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 0) {
    throw new InvalidRequestError(
      `top_k must be an integer >= 0 (0 = off); got ${show(topK)}`, 'top_k');
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new InvalidRequestError(
      `seed must be an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}; got ${show(seed)}`, 'seed');
  }
  return { temperature, topK, topP, seed };
}

function pick(v: unknown, dflt: number): unknown {
  return v === undefined || v === null ? dflt : v;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/**
 * Index of the largest logit; the first one on ties. NaN never wins (comparisons
 * with NaN are false); a row of only NaN / -Infinity returns 0.
 * A plain loop: no allocation, one pass, ~0.1 ms for V = 200k.
 */
export function argmax(logits: Float32Array): number {
  const n = logits.length;
  let best = -Infinity;
  let bestIdx = 0;
  for (let i = 0; i < n; i++) {
    const x = logits[i];
    if (x > best) { best = x; bestIdx = i; }
  }
  return bestIdx;
}

/**
 * softmax(x)_i = exp(x_i - m) / Σ_j exp(x_j - m), m = max x, in place.
 * Subtracting m keeps every exponent ≤ 0, so nothing overflows (Goodfellow et al.,
 * Deep Learning, §4.1). Accumulates in float64.
 */
export function softmaxInPlace(x: Float32Array): void {
  const n = x.length;
  if (n === 0) return;
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (x[i] > m) m = x[i];
  let z = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(x[i] - m);
    x[i] = e;
    z += e;
  }
  const inv = 1 / z;
  for (let i = 0; i < n; i++) x[i] *= inv;
}

/**
 * Relative probability below which a token is dropped before any sorting:
 * keep i iff exp((x_i - m)/T) > ε. The dropped mass is at most (V-1)·ε of the top
 * token's weight (≤ 2e-4 of it for V = 200k in the impossible worst case where every
 * other token sits just under the cut; real logit rows put the bulk far below it).
 */
export const CANDIDATE_EPSILON = 1e-9;
const LN_EPSILON = Math.log(CANDIDATE_EPSILON); // ≈ -20.72

/**
 * Returns a sampler: call it once per generated token with that step's logits row.
 * Temperature 0 returns `argmax` itself (bit-identical to greedy). Otherwise the
 * sampler owns one mulberry32 stream seeded from `p.seed` and draws exactly one
 * uniform per call, so the same seed and the same logits give the same tokens.
 * Not re-entrant (it reuses scratch buffers), which is fine: it is synchronous.
 */
export function createSampler(p: SamplingParams): (logits: Float32Array) => number {
  const params = validateSampling(p);
  if (params.temperature === 0) return argmax;

  const { temperature, topK, topP } = params;
  const invT = 1 / temperature;
  // Margin in logit units for the candidate cut: x_i - m > T·ln ε.
  const margin = temperature * LN_EPSILON;
  const rng = seededStream(params.seed);

  // Scratch, grown on demand: candidate ids, raw logits and weights, permuted together.
  let ids = new Int32Array(0);
  let xs = new Float32Array(0);
  let ws = new Float64Array(0);
  let heapX = new Float32Array(0);
  let heapId = new Int32Array(0);

  return (logits: Float32Array): number => {
    const V = logits.length;
    if (V === 0) throw new InvalidRequestError('cannot sample from an empty logits row; check the model output shape', 'logits');
    if (ids.length < V) { ids = new Int32Array(V); xs = new Float32Array(V); ws = new Float64Array(V); }

    // 1. One pass: running max m and a trailing cut m + T·ln ε. A token is collected when
    //    it passes the cut as it stands at that point; tokens collected before the max
    //    rose are filtered against the final cut below. NaN never passes (comparisons are false).
    let m = -Infinity;
    let cut = -Infinity;
    let n = 0;
    for (let i = 0; i < V; i++) {
      const x = logits[i];
      if (x > cut) {
        ids[n] = i; xs[n] = x; n++;
        if (x > m) { m = x; cut = m + margin; }
      }
    }
    // +Inf max: a point mass on the first infinite logit. No finite max (all -Inf/NaN):
    // nothing to sample. Both go to argmax; still consume one uniform to keep the stream aligned.
    if (!Number.isFinite(m)) { rng(); return argmax(logits); }
    let kept = 0;
    for (let j = 0; j < n; j++) {
      if (xs[j] > cut) { ids[kept] = ids[j]; xs[kept] = xs[j]; kept++; }
    }
    n = kept; // still in index order; always contains the max

    // 2. Top-k with a size-k min-heap (root = worst kept): afterwards [0, k) holds the
    //    k best in heap order. Most candidates lose one comparison against the root.
    if (topK > 0 && n > topK) {
      if (heapX.length < topK) { heapX = new Float32Array(topK); heapId = new Int32Array(topK); }
      keepTopK(xs, ids, n, topK, heapX, heapId);
      n = topK;
    }

    // 3. Weights w_i = exp((x_i - m)/T) ∈ (ε, 1], computed once; Z over the kept set.
    let z = 0;
    for (let j = 0; j < n; j++) {
      const w = Math.exp((xs[j] - m) * invT);
      ws[j] = w;
      z += w;
    }

    // 4. Nucleus: move the smallest best-ranked set with mass ≥ p·Z to [0, n').
    let total = z;
    if (topP < 1 && n > 1) {
      const keep = selectNucleus(xs, ids, ws, n, topP * z);
      if (keep < n) {
        n = keep;
        total = 0;
        for (let j = 0; j < n; j++) total += ws[j];
      }
    }

    // 5. One uniform, inverse CDF over the kept tokens in their current order.
    const u = rng() * total;
    let acc = 0;
    for (let j = 0; j < n; j++) {
      acc += ws[j];
      if (acc > u) return ids[j];
    }
    return ids[n - 1]; // rounding left u a hair above the running sum
  };
}

/**
 * The sampler's stream: mulberry32 keyed by all 53 bits of the seed (low 32 bits as
 * the hash seed, the high part folded into the stream name), so distinct safe-integer
 * seeds give distinct streams.
 */
function seededStream(seed: number): Rng {
  const hi = Math.floor(seed / 4294967296);
  return streamFor(seed >>> 0, `sampler/${hi}`);
}

// ---- partial selection: top-k heap, and quickselect over parallel (xs, ids, ws) ---------

/** Total order: a higher logit first, ties broken by the lower token id. */
function better(xs: Float32Array, ids: Int32Array, i: number, j: number): boolean {
  const a = xs[i];
  const b = xs[j];
  return a > b || (a === b && ids[i] < ids[j]);
}

function swap(xs: Float32Array, ids: Int32Array, ws: Float64Array, i: number, j: number): void {
  const x = xs[i]; xs[i] = xs[j]; xs[j] = x;
  const d = ids[i]; ids[i] = ids[j]; ids[j] = d;
  const w = ws[i]; ws[i] = ws[j]; ws[j] = w;
}

/**
 * Lomuto partition of [lo, hi) around a median-of-three pivot. Returns the pivot's
 * final position p: [lo, p) rank better than the pivot, (p, hi) worse. The tie-break
 * by id makes all keys distinct, so runs of equal logits cannot degrade it.
 */
function partition(xs: Float32Array, ids: Int32Array, ws: Float64Array, lo: number, hi: number): number {
  const last = hi - 1;
  const mid = lo + ((hi - lo) >> 1);
  if (better(xs, ids, mid, lo)) swap(xs, ids, ws, mid, lo);
  if (better(xs, ids, last, lo)) swap(xs, ids, ws, last, lo);
  if (better(xs, ids, mid, last)) swap(xs, ids, ws, mid, last); // last = median of three
  const px = xs[last];
  const pid = ids[last];
  let store = lo;
  for (let i = lo; i < last; i++) {
    const x = xs[i];
    if (x > px || (x === px && ids[i] < pid)) { swap(xs, ids, ws, i, store); store++; }
  }
  swap(xs, ids, ws, store, last);
  return store;
}

/**
 * Top-k by a bounded min-heap (Williams 1964, heapsort's heap), ordered by `better`
 * with the worst kept entry at the root: each candidate is compared with the root and
 * only replaces it when it ranks higher. Writes the k best back to [0, k) of (xs, ids)
 * in heap order. For candidates in random order only about k·ln(n/k) of them enter
 * the heap, so the cost is close to one comparison per candidate.
 */
function keepTopK(xs: Float32Array, ids: Int32Array, n: number, k: number, hx: Float32Array, hid: Int32Array): void {
  for (let j = 0; j < k; j++) { hx[j] = xs[j]; hid[j] = ids[j]; }
  for (let j = (k >> 1) - 1; j >= 0; j--) siftDown(hx, hid, k, j);
  for (let j = k; j < n; j++) {
    const x = xs[j];
    if (x > hx[0] || (x === hx[0] && ids[j] < hid[0])) {
      hx[0] = x; hid[0] = ids[j];
      siftDown(hx, hid, k, 0);
    }
  }
  for (let j = 0; j < k; j++) { xs[j] = hx[j]; ids[j] = hid[j]; }
}

/** Restores the min-heap property (worst at the top) below position i. */
function siftDown(hx: Float32Array, hid: Int32Array, k: number, i: number): void {
  const x = hx[i];
  const id = hid[i];
  for (;;) {
    let c = 2 * i + 1;
    if (c >= k) break;
    // Pick the worse child; "a worse than b" ⇔ a < b, or equal with a larger id.
    if (c + 1 < k && (hx[c + 1] < hx[c] || (hx[c + 1] === hx[c] && hid[c + 1] > hid[c]))) c++;
    if (hx[c] < x || (hx[c] === x && hid[c] > id)) { hx[i] = hx[c]; hid[i] = hid[c]; i = c; }
    else break;
  }
  hx[i] = x;
  hid[i] = id;
}

/**
 * Mass-weighted quickselect for the nucleus: rearranges [0, n) so that [0, keep) is
 * the smallest set of best-ranked tokens with Σ w ≥ target, and returns keep.
 * Invariant: [0, lo) is inside the nucleus (it outranks all of [lo, n)), `need` is
 * the mass still missing (> 0), and the boundary lies in [lo, hi) (all of [hi, n)
 * ranks below it). Each round partitions [lo, hi), sums the better side's mass and
 * keeps the side holding the boundary: expected O(n), like plain quickselect.
 */
function selectNucleus(xs: Float32Array, ids: Int32Array, ws: Float64Array, n: number, target: number): number {
  let lo = 0;
  let hi = n;
  let need = target;
  while (hi - lo > 1) {
    const p = partition(xs, ids, ws, lo, hi);
    let better = 0;
    for (let j = lo; j < p; j++) better += ws[j];
    if (better >= need) { hi = p; continue; } // boundary strictly before the pivot
    const withPivot = better + ws[p];
    if (withPivot >= need) return p + 1; // the pivot completes the mass
    need -= withPivot;
    lo = p + 1;
  }
  // One element left: it completes the mass. None left: rounding; keep everything up to here.
  return hi - lo === 1 ? lo + 1 : Math.max(lo, 1);
}
