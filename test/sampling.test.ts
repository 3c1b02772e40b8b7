import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, createSampler, softmaxInPlace, validateSampling, type SamplingParams } from '../lib/engine/sampling';
import { InvalidRequestError } from '../lib/errors';
import { mulberry32 } from '../lib/util/rng';

const params = (p: Partial<SamplingParams>): SamplingParams => validateSampling(p);

/** A reproducible logits row with N(0, scale²)-ish values (sum of uniforms). */
function randomRow(n: number, seed: number, scale = 3): Float32Array {
  const r = mulberry32(seed);
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) row[i] = (r() + r() + r() - 1.5) * 2 * scale;
  return row;
}

function softmaxOf(logits: number[], temperature = 1): number[] {
  const x = Float32Array.from(logits.map((v) => v / temperature));
  softmaxInPlace(x);
  return Array.from(x);
}

function frequencies(sample: (l: Float32Array) => number, row: Float32Array, draws: number): number[] {
  const counts = new Array<number>(row.length).fill(0);
  for (let i = 0; i < draws; i++) counts[sample(row)]++;
  return counts.map((c) => c / draws);
}

test('argmax returns the first index of the maximum and ignores NaN', () => {
  assert.equal(argmax(Float32Array.from([1, 3, 3, 2])), 1);
  assert.equal(argmax(Float32Array.from([NaN, -1, 7, 7, NaN])), 2);
  assert.equal(argmax(Float32Array.from([-Infinity, -5])), 1);
  assert.equal(argmax(Float32Array.from([4])), 0);
  // A subarray view: indices are relative to the view.
  const buf = Float32Array.from([100, 0, 1, 9, 2, 100]);
  assert.equal(argmax(buf.subarray(1, 5)), 2);
});

test('softmaxInPlace matches the closed form and sums to 1', () => {
  const x = Float32Array.from([0, Math.log(2), Math.log(3), 1000]);
  softmaxInPlace(x);
  assert.ok(Math.abs(x.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.equal(x[3], 1); // max subtraction: no overflow to NaN
  const y = Float32Array.from([0, Math.log(2), Math.log(3)]);
  softmaxInPlace(y);
  assert.ok(Math.abs(y[0] - 1 / 6) < 1e-6 && Math.abs(y[1] - 2 / 6) < 1e-6 && Math.abs(y[2] - 3 / 6) < 1e-6);
});

test('temperature 0 is greedy: the sampler is argmax itself', () => {
  const greedy = createSampler(params({ temperature: 0, seed: 5 }));
  assert.equal(greedy, argmax);
  for (let s = 1; s <= 20; s++) {
    const row = randomRow(1000, s);
    assert.equal(greedy(row), argmax(row));
  }
});

test('the same seed reproduces the same 200 draws; different seeds differ', () => {
  const row = randomRow(500, 42, 1); // flat enough that draws vary
  const run = (seed: number, p: Partial<SamplingParams>) => {
    const s = createSampler(params({ temperature: 1, seed, ...p }));
    return Array.from({ length: 200 }, () => s(row));
  };
  for (const extra of [{}, { topK: 40 }, { topP: 0.9 }, { topK: 100, topP: 0.8 }]) {
    const a = run(7, extra);
    assert.deepEqual(run(7, extra), a, `seed 7 not reproducible with ${JSON.stringify(extra)}`);
    assert.notDeepEqual(run(8, extra), a, `seeds 7 and 8 gave the same draws with ${JSON.stringify(extra)}`);
    assert.ok(new Set(a).size > 10, 'draws should not collapse onto a few tokens');
  }
  // Seeds that differ only above 32 bits still give different streams.
  assert.notDeepEqual(run(2 ** 32 + 7, {}), run(7, {}));
});

test('topK = 1 always returns argmax, even at temperature 2 and with tied maxima', () => {
  const s = createSampler(params({ temperature: 2, topK: 1, seed: 3 }));
  for (let i = 1; i <= 50; i++) {
    const row = randomRow(2000, i);
    assert.equal(s(row), argmax(row));
  }
  const tied = Float32Array.from([1, 5, 0, 5, 5]);
  for (let i = 0; i < 100; i++) assert.equal(s(tied), 1);
});

test('a tiny topP always returns argmax', () => {
  const s = createSampler(params({ temperature: 1.5, topP: 1e-6, seed: 11 }));
  for (let i = 1; i <= 50; i++) {
    const row = randomRow(3000, 100 + i, 0.5); // nearly flat: the nucleus search must still pick the max
    assert.equal(s(row), argmax(row));
  }
});

test('empirical frequencies over 20000 draws match softmax within 0.02 (temperature 1)', () => {
  const logits = [0.5, 1.5, -0.3, 1.0];
  const expected = softmaxOf(logits);
  const freq = frequencies(createSampler(params({ temperature: 1, seed: 2024 })), Float32Array.from(logits), 20000);
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(freq[i] - expected[i]) < 0.02, `token ${i}: ${freq[i]} vs softmax ${expected[i]}`);
  }
});

test('temperature sharpens (T < 1) and flattens (T > 1) the distribution as softmax(x/T) predicts', () => {
  const logits = [0.5, 1.5, -0.3, 1.0];
  const row = Float32Array.from(logits);
  const freqAt = (t: number) => frequencies(createSampler(params({ temperature: t, seed: 99 })), row, 20000);
  const cold = freqAt(0.5);
  const base = freqAt(1);
  const hot = freqAt(2);
  // The best token (index 1) gains mass when cold and loses it when hot; the worst (2) the reverse.
  assert.ok(cold[1] > base[1] + 0.1 && base[1] > hot[1] + 0.05, `p(best): ${cold[1]} ${base[1]} ${hot[1]}`);
  assert.ok(cold[2] < base[2] && base[2] < hot[2], `p(worst): ${cold[2]} ${base[2]} ${hot[2]}`);
  for (const [t, f] of [[0.5, cold], [2, hot]] as const) {
    const e = softmaxOf(logits, t);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(f[i] - e[i]) < 0.02, `T=${t} token ${i}: ${f[i]} vs ${e[i]}`);
  }
});

test('topK = 2 never returns a token outside the 2 best and renormalises between them', () => {
  const logits = [1.0, 2.0, 0.2, 1.9, 1.8, -1];
  const row = Float32Array.from(logits);
  const freq = frequencies(createSampler(params({ temperature: 1, topK: 2, seed: 5 })), row, 20000);
  for (const i of [0, 2, 4, 5]) assert.equal(freq[i], 0, `token ${i} is outside the top 2`);
  const p1 = Math.exp(2.0) / (Math.exp(2.0) + Math.exp(1.9));
  assert.ok(Math.abs(freq[1] - p1) < 0.02, `p(1 | top-2) = ${freq[1]}, expected ${p1}`);

  // Larger rows: the quickselect path.
  const s = createSampler(params({ temperature: 2, topK: 2, seed: 6 }));
  for (let r = 0; r < 10; r++) {
    const row5k = randomRow(5000, 300 + r);
    const best2 = Array.from(row5k.keys()).sort((a, b) => row5k[b] - row5k[a] || a - b).slice(0, 2);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const t = s(row5k);
      assert.ok(best2.includes(t), `token ${t} is not one of the 2 best ${best2}`);
      seen.add(t);
    }
    assert.equal(seen.size, 2);
  }
});

test('topK = 40 keeps exactly the 40 best tokens (random, ascending and descending rows)', () => {
  const n = 3000;
  const rows = [randomRow(n, 900, 0.05), Float32Array.from({ length: n }, (_, i) => i * 1e-4),
    Float32Array.from({ length: n }, (_, i) => -i * 1e-4)];
  for (const row of rows) {
    const best = new Set(Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b).slice(0, 40));
    const s = createSampler(params({ temperature: 2, topK: 40, seed: 12 }));
    const seen = new Set<number>();
    for (let i = 0; i < 4000; i++) {
      const t = s(row);
      assert.ok(best.has(t), `token ${t} is not among the 40 best`);
      seen.add(t);
    }
    assert.equal(seen.size, 40, 'every one of the 40 near-equal tokens should be drawn');
  }
});

test('topP keeps the smallest prefix whose mass reaches p (Holtzman et al. 2020)', () => {
  const probs = [0.15, 0.5, 0.05, 0.3];
  const row = Float32Array.from(probs.map(Math.log));
  // Sorted: 0.5, 0.3 (cum 0.8 ≥ 0.75) -> nucleus {1, 3}, renormalised to 0.625 / 0.375.
  const freq = frequencies(createSampler(params({ temperature: 1, topP: 0.75, seed: 17 })), row, 20000);
  assert.equal(freq[0], 0);
  assert.equal(freq[2], 0);
  assert.ok(Math.abs(freq[1] - 0.625) < 0.02, `p(1) = ${freq[1]}`);
  // p = 0.85 also admits token 0 (cum 0.95), never token 2.
  const wider = frequencies(createSampler(params({ temperature: 1, topP: 0.85, seed: 17 })), row, 20000);
  assert.equal(wider[2], 0);
  assert.ok(Math.abs(wider[0] - 0.15 / 0.95) < 0.02, `p(0) = ${wider[0]}`);
});

test('top-p applies after top-k: the nucleus is taken over the renormalised top-k set', () => {
  const row = Float32Array.from([0.4, 0.25, 0.2, 0.15].map(Math.log));
  // Top-3 renormalised: 0.47, 0.29, 0.24 -> mass 0.7 reached by {0, 1}. (Top-p 0.7 alone would keep {0, 1, 2}.)
  const both = frequencies(createSampler(params({ temperature: 1, topK: 3, topP: 0.7, seed: 4 })), row, 20000);
  assert.equal(both[2], 0);
  assert.equal(both[3], 0);
  assert.ok(Math.abs(both[0] - 0.4 / 0.65) < 0.02, `p(0) = ${both[0]}`);
  const alone = frequencies(createSampler(params({ temperature: 1, topP: 0.7, seed: 4 })), row, 20000);
  assert.equal(alone[3], 0);
  assert.ok(Math.abs(alone[2] - 0.2 / 0.85) < 0.02, `p(2) = ${alone[2]}`);
});

test('sampling a subarray view returns view-relative ids; infinite logits are handled', () => {
  const buf = new Float32Array(30).fill(-50);
  buf[17] = 10; // row 1 = buf[10..20), its best token is 7
  const s = createSampler(params({ temperature: 1, topP: 0.9, seed: 8 }));
  for (let i = 0; i < 20; i++) assert.equal(s(buf.subarray(10, 20)), 7);
  assert.equal(s(Float32Array.from([0, Infinity, 3, Infinity])), 1);
  assert.equal(s(Float32Array.from([-Infinity, -Infinity])), 0);
  assert.equal(s(Float32Array.from([NaN, 2, NaN])), 1);
  assert.throws(() => s(new Float32Array(0)), InvalidRequestError);
});

test('on a 200k vocabulary the sampled token lies in the brute-force nucleus / top-k set', () => {
  const V = 200_000;
  const row = randomRow(V, 77, 2);
  for (let i = 0; i < 30; i++) row[(i * 7919) % V] = 9 + i * 0.05; // a plausible peak
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
  const probs = softmaxOf(Array.from(row));
  const nucleus = (p: number) => {
    const set = new Set<number>();
    let cum = 0;
    for (const i of order) { set.add(i); cum += probs[i]; if (cum >= p) break; }
    return set;
  };
  const top50 = new Set(order.slice(0, 50));
  const n09 = nucleus(0.9);
  const sTopK = createSampler(params({ temperature: 1, topK: 50, seed: 1 }));
  const sTopP = createSampler(params({ temperature: 1, topP: 0.9, seed: 1 }));
  const sBoth = createSampler(params({ temperature: 1, topK: 50, topP: 0.9, seed: 1 }));
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) {
    assert.ok(top50.has(sTopK(row)));
    // The candidate cut (relative probability 1e-9) can only shrink the set slightly, never add to it.
    assert.ok(n09.has(sTopP(row)));
    const b = sBoth(row);
    assert.ok(top50.has(b) && n09.has(b));
  }
  const ms = (performance.now() - t0) / 150;
  assert.ok(ms < 20, `sampling a 200k row took ${ms.toFixed(2)} ms`);
});

test('validation applies defaults and names the parameter and its range', () => {
  assert.deepEqual(validateSampling({}), { temperature: 0, topK: 0, topP: 1, seed: 0 });
  assert.deepEqual(validateSampling({ temperature: 0.7, topK: 40, topP: 0.95, seed: -3 }),
    { temperature: 0.7, topK: 40, topP: 0.95, seed: -3 });
  const bad: [Partial<SamplingParams>, string, RegExp][] = [
    [{ temperature: -0.1 }, 'temperature', /\[0, 2\]/],
    [{ temperature: 2.5 }, 'temperature', /\[0, 2\]/],
    [{ temperature: NaN }, 'temperature', /\[0, 2\]/],
    [{ topP: 0 }, 'top_p', /\(0, 1\]/],
    [{ topP: 1.01 }, 'top_p', /\(0, 1\]/],
    [{ topK: -1 }, 'top_k', />= 0/],
    [{ topK: 2.5 }, 'top_k', /integer/],
    [{ seed: 1.5 }, 'seed', /integer/],
    [{ temperature: '1' as unknown as number }, 'temperature', /\[0, 2\]/],
  ];
  for (const [p, param, range] of bad) {
    assert.throws(() => validateSampling(p), (e: unknown) => {
      assert.ok(e instanceof InvalidRequestError, `not an InvalidRequestError for ${JSON.stringify(p)}`);
      assert.equal(e.param, param);
      assert.match(e.message, range);
      return true;
    });
    assert.throws(() => createSampler(p as SamplingParams), InvalidRequestError);
  }
});
