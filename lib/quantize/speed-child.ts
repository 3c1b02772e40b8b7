/**
 * Child process of speed.ts: loads one model, times one prefill and a greedy decode, and
 * prints a SpeedSample as JSON on stdout. A process per sample keeps each model's peak
 * memory (maxRSS) its own and every load cold from ONNX Runtime's point of view.
 *   node speed-child.js <onnxPath> <prefillTokens> <decodeTokens> <threads>
 */
import { DecoderSession } from '../engine/decoder-session';
import type { SpeedSample } from './speed';

async function main(): Promise<void> {
  const [onnxPath, prefillArg, decodeArg, threadsArg] = process.argv.slice(2);
  const prefill = Number(prefillArg);
  const decode = Number(decodeArg);
  const t0 = performance.now();
  const session = await DecoderSession.create(onnxPath, { provider: 'cpu', threads: Number(threadsArg) });
  const loadMs = performance.now() - t0;
  // a fixed, harmless prompt of ordinary token ids (below 256: byte-level tokens in every vocabulary here)
  const ids = Array.from({ length: prefill }, (_, i) => 32 + (i * 7) % 200);
  const t1 = performance.now();
  let logits = await session.step(ids);
  const prefillMs = performance.now() - t1;
  const t2 = performance.now();
  for (let i = 0; i < decode; i++) {
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    logits = await session.step([best]);
  }
  const decodeMs = performance.now() - t2;
  await session.release();
  const sample: SpeedSample = { loadMs, prefillMs, decodeMs, prefillTokens: prefill, decodeTokens: decode, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(JSON.stringify(sample));
}

main().catch((e: unknown) => { process.stderr.write(String((e as Error)?.message ?? e)); process.exit(1); });
