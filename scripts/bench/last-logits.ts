/**
 * The load-time last-position-logits rewrite (lib/engine/last-position-logits.ts) against the
 * graph as it is, on one model: the same prompt, greedy, both loaded side by side and run in
 * alternation (A B A B ...), medians of time to first token and of decode ms/token, and the
 * ratio rewrite / as-is per round. Also checks the two give the same tokens.
 *
 *   node dist/scripts/bench/last-logits.js [--shape qwen2.5-0.5b] [--rounds 10] [--tokens 16] [--threads 2]
 */
import { loadModel } from '../../lib/engine/engine';
import { buildModel } from '../../lib/cache/build-model';
import { median } from '../../lib/bench/stats';
import { scriptArgs } from '../../lib/util/argv';

const ARGS = {
  name: 'bench-last-logits',
  usage: 'node dist/scripts/bench/last-logits.js [options]',
  about: 'The last-position-logits rewrite against the graph as it is, on one model, interleaved (see the header of scripts/bench/last-logits.ts).',
  options: {
    shape: { type: 'string', value: 'NAME', default: 'qwen2.5-0.5b', help: 'synthetic twin to build or reuse' },
    rounds: { type: 'int', min: 1, default: 10, help: 'measured rounds' },
    tokens: { type: 'int', min: 1, default: 16, help: 'new tokens per run' },
    threads: { type: 'int', min: 1, default: 2, help: 'ONNX Runtime intra-op threads' },
  },
} as const;

async function main(): Promise<void> {
  const { shape, rounds, tokens, threads } = scriptArgs(ARGS).values;
  const built = await buildModel({ shape, precision: 'int4' });
  const asIs = await loadModel(built.dir, { threads, maxBatch: 1 });
  const rewritten = await loadModel(built.dir, { threads, maxBatch: 1, lastPositionLogits: true });
  // 32 prompt tokens, as the engine benchmarks use.
  const request = { prompt: 'Explain in one paragraph why a key-value cache makes decoding faster for language models.', raw: true, maxTokens: tokens };
  try {
    for (const m of [asIs, rewritten]) await m.complete(request); // warm-up
    const ttft: [number[], number[]] = [[], []], tpot: [number[], number[]] = [[], []], ratio: number[] = [];
    let same = true;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const res = [null, null] as [Awaited<ReturnType<typeof asIs.complete>> | null, Awaited<ReturnType<typeof asIs.complete>> | null];
      for (const i of order) res[i] = await [asIs, rewritten][i].complete(request);
      for (const i of [0, 1]) {
        ttft[i].push(res[i]!.timings.ttftMs);
        const d = res[i]!.timings.decodeMs;
        if (d.length) tpot[i].push(d.reduce((a, b) => a + b, 0) / d.length);
      }
      ratio.push(res[1]!.timings.ttftMs / res[0]!.timings.ttftMs);
      same &&= JSON.stringify(res[0]!.tokenIds) === JSON.stringify(res[1]!.tokenIds);
    }
    const f = (x: number | null) => x === null ? 'n/a' : x.toFixed(1);
    process.stdout.write(`last-position-logits rewrite on ${built.id} (${threads} threads), ${rounds} alternating rounds, ${tokens} new tokens\n`);
    process.stdout.write('| graph | TTFT ms (median) | decode ms/token (median) |\n|---|---|---|\n');
    process.stdout.write(`| as built (every position) | ${f(median(ttft[0]))} | ${f(median(tpot[0]))} |\n`);
    process.stdout.write(`| rewritten at load (last position) | ${f(median(ttft[1]))} | ${f(median(tpot[1]))} |\n`);
    process.stdout.write(`TTFT rewritten / as built, median of per-round ratios: ${f(median(ratio) === null ? null : median(ratio)! * 100)} %; same tokens: ${same}\n`);
  } finally {
    await asIs.dispose();
    await rewritten.dispose();
  }
}

main().catch((e: unknown) => { process.stderr.write(`bench-last-logits: ${(e as Error).message}\n`); process.exit(1); });
