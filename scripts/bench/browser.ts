/**
 * Browser (onnxruntime-web, WASM) vs the local service (onnxruntime-node) on the same model,
 * through the in-browser inference page itself: headless Chromium loads the model on WASM,
 * then each round generates in the browser and then the same prompt on the service
 * (the page's side-by-side run), interleaved, greedy. Prints the medians and their ratio.
 *
 *   node dist/scripts/bench/browser.js <model-folder> [--rounds 5] [--tokens 16] [--threads 1]
 *
 * The machine's load skews both sides; the ratio of medians from interleaved rounds is the figure to quote.
 */
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { FolderRegistry } from '../../lib/service/folder-registry';
import { startServiceWithPages } from '../../lib/app/start-service';
import { median } from '../../lib/bench/stats';
import { envValue } from '../../lib/environment';
import { scriptArgs } from '../../lib/util/argv';

const ARGS = {
  name: 'bench-browser',
  usage: 'node dist/scripts/bench/browser.js <model-folder> [options]',
  about: 'Browser (onnxruntime-web, WASM) against the local service (onnxruntime-node) on the same model, through the in-browser page, interleaved.',
  positionals: [{ name: 'FOLDER', help: 'the model folder to serve and load in the page' }],
  options: {
    rounds: { type: 'int', min: 1, default: 5, help: 'measured rounds' },
    tokens: { type: 'int', min: 2, default: 16, help: 'new tokens per run' },
    threads: { type: 'int', min: 1, default: 1, help: 'threads on both sides (WASM threads, ONNX Runtime intra-op threads)' },
  },
} as const;

async function main(): Promise<void> {
  const { values: { rounds, tokens, threads }, positionals: [dir] } = scriptArgs(ARGS);
  const id = path.basename(path.resolve(dir));
  const svc = await startServiceWithPages({ registry: new FolderRegistry({ [id]: path.resolve(dir) }), threads });
  const browser = await chromium.launch({
    executablePath: envValue('SLMLAB_CHROMIUM') ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${svc.url}/browser?model=${encodeURIComponent(id)}&backend=wasm&threads=${threads}`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#load');
    page.on('console', (m) => { if (m.type() === 'error') process.stderr.write(`page: ${m.text()}\n`); });
    const loaded = page.waitForSelector(`body[data-loaded="${id}"]`, { timeout: 900_000 }).then(() => null);
    const failed = page.waitForSelector('#error:not([hidden])', { timeout: 900_000 }).then((e) => e?.innerText());
    const error = await Promise.race([loaded, failed]);
    if (error) throw new Error(`the page could not load ${id}: ${error}`);
    process.stderr.write(`loaded: ${await page.locator('#progress-text').innerText()} · ${await page.locator('#backend').innerText()}\n`);
    await page.fill('#max-tokens', String(tokens));
    const rows: Array<{ browserTps: number; serviceTps: number; browserTtft: number; serviceTtft: number }> = [];
    for (let r = 0; r <= rounds; r++) {
      await page.locator('#result').evaluate((e) => { delete (e as unknown as { dataset: Record<string, string | undefined> }).dataset.state; });
      await page.click('#run');
      await page.waitForSelector('#result[data-state="done"], #result[data-state="error"]', { state: 'attached', timeout: 900_000 });
      if (await page.locator('#result').getAttribute('data-state') === 'error') throw new Error(await page.locator('#error').innerText());
      const d = await page.locator('#result').evaluate((e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }));
      const row = { browserTps: Number(d.tokensPerSecond), serviceTps: Number(d.serviceTokensPerSecond), browserTtft: Number(d.ttftMs), serviceTtft: Number(d.serviceTtftMs) };
      process.stderr.write(`${r === 0 ? 'warm-up' : `round ${r}`}: ${JSON.stringify(row)}\n`);
      if (r > 0) rows.push(row);
    }
    const m = (k: keyof (typeof rows)[number]) => median(rows.map((x) => x[k]));
    const out = {
      model: id, rounds, tokens, threads,
      browserWasmTokensPerSecond: m('browserTps'), serviceTokensPerSecond: m('serviceTps'),
      browserTtftMs: m('browserTtft'), serviceClientTtftMs: m('serviceTtft'),
      // the median of the per-round ratios: each round runs both sides back to back
      serviceOverBrowser: median(rows.map((x) => x.serviceTps / x.browserTps)),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } finally {
    await browser.close();
    await svc.close();
  }
}

main().catch((e: unknown) => { process.stderr.write(`bench-browser: ${e instanceof Error ? e.message : String(e)}\n`); process.exit(1); });
