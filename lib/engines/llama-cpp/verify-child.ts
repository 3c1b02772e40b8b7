/**
 * Child process that proves an install works: loads node-llama-cpp from the folder in argv[2],
 * loads the GGUF in argv[3], generates 4 tokens greedily and prints one JSON line:
 *   {"ok":true,"cpuBuild":"zen4","tokens":[...],"systemInfo":"...","seconds":1.2}
 * Run as a child so that a native crash cannot take the installing process down.
 */
import { loadLlamaCpp } from './binding';

async function main(): Promise<void> {
  const [dir, gguf] = process.argv.slice(2);
  const t0 = Date.now();
  const loaded = await loadLlamaCpp(dir);
  const model = await loaded.llama.loadModel({ modelPath: gguf });
  const context = await model.createContext({ contextSize: 64, batchSize: 16, threads: 1 });
  const seq = context.getSequence();
  const tokens: number[] = [];
  for await (const t of seq.evaluate(model.tokenize('hello'), { temperature: 0 })) {
    tokens.push(t);
    if (tokens.length >= 4) break;
  }
  await context.dispose();
  await model.dispose();
  const out = { ok: true, cpuBuild: loaded.cpuBuild, tokens, systemInfo: loaded.llama.systemInfo.trim(), seconds: (Date.now() - t0) / 1000 };
  await loaded.llama.dispose();
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stdout.write(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) }) + '\n');
  process.exitCode = 1;
});
