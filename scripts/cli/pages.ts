/**
 * `slmlab chat [--model m] [--docs folder|file] [--open]` and `slmlab browser [--model m] [--open]`:
 * session 4's pages on the local service (started in the background if it is not running).
 * They print the page's URL; --open also hands it to the desktop's browser.
 */
import type { Command } from 'commander';
import { openInBrowser, pageUrl } from '../../lib/web/open-page';
import { fail } from './exit-codes';

interface PageOptions { model?: string; docs?: string; open?: boolean; json?: boolean }

async function show(page: 'chat' | 'browser', o: PageOptions): Promise<void> {
  const r = await pageUrl({ page, model: o.model, docs: o.docs });
  if (o.json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  } else {
    if (r.note) process.stderr.write(`slmlab: ${r.note}\n`);
    if (r.started) process.stderr.write(`started the slmlab service at ${r.service} (stop it with \`slmlab service stop\`)\n`);
    else process.stderr.write(`using the slmlab service already running at ${r.service}\n`);
    process.stdout.write(r.url + '\n');
  }
  if (o.open && !(await openInBrowser(r.url))) process.stderr.write('no desktop browser opener found: open the URL above by hand\n');
}

export function registerPages(program: Command): void {
  program
    .command('chat')
    .description('the RAG chat page: answers from your documents, streamed by a local model, with citations and a latency chart')
    .option('--model <model>', 'preselect this model (id or alias) in the page')
    .option('--docs <path>', 'a text file, or a folder of .txt/.md files, as the documents (default: the workshop\'s three DOCS)')
    .option('--open', 'open the page in the desktop browser')
    .option('--json', 'print the URLs as JSON')
    .action(async (o: PageOptions) => { try { await show('chat', o); } catch (e) { fail(e); } });
  program
    .command('browser')
    .description('the in-browser inference page: a cached model runs inside the browser (WebGPU, else WASM), side by side with the service')
    .option('--model <model>', 'preselect this model (id or alias) in the page')
    .option('--open', 'open the page in the desktop browser')
    .option('--json', 'print the URLs as JSON')
    .action(async (o: PageOptions) => { try { await show('browser', o); } catch (e) { fail(e); } });
}
