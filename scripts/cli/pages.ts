/**
 * `slmlab rag [--model m] [--docs folder|file] [--open]` and `slmlab browser [--model m] [--open]`:
 * session 4's pages on the local service (started in the background if it is not running).
 * They print the page's URL; --open also hands it to the desktop's browser.
 *
 * `slmlab chat <model>` is Foundry Local's interactive chat (model-run.ts). The RAG page was
 * `slmlab chat` before; that spelling (`chat` with no model, or with --model, --docs, --open or
 * --json) still opens the page, with a one-line note.
 */
import type { Command } from 'commander';
import { openInBrowser, pageUrl } from '../../lib/app/open-page';
import { fail } from './exit-codes';
import { addRunOptions, runModel, type RunOptions } from './model-run';

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

export const RAG_MOVED_NOTE = 'slmlab: note: the RAG chat page is now `slmlab rag`; `slmlab chat <model>` is an interactive chat in the terminal, as in Foundry Local';

export function registerPages(program: Command): void {
  program
    .command('rag')
    .description('the RAG chat page: answers from your documents, streamed by a local model, with citations and a latency chart')
    .option('--model <model>', 'preselect this model (id or alias) in the page')
    .option('--docs <path>', 'a text file, or a folder of .txt/.md files, as the documents (default: the workshop\'s three DOCS)')
    .option('--open', 'open the page in the desktop browser')
    .option('--json', 'print the URLs as JSON')
    .action(async (o: PageOptions) => { try { await show('chat', o); } catch (e) { fail(e); } });
  addRunOptions(program
    .command('chat')
    .description('chat with a model in the terminal, as `foundry chat` (= model run <model> without --prompt); each line of piped input is a turn. ' +
      'The RAG page moved to `slmlab rag`: `chat` with no model, or with --docs/--model/--open, still opens it')
    .argument('[model]', 'catalog alias or variant id (downloaded or built on first use), a cached model, or a model folder')
    .option('--model <model>', '(RAG page, old spelling) preselect this model in the page')
    .option('--docs <path>', '(RAG page, old spelling) the documents')
    .option('--open', '(RAG page, old spelling) open the page in the desktop browser'))
    .action(async (spec: string | undefined, o: RunOptions & PageOptions) => {
      if (spec === undefined || o.docs !== undefined || o.model !== undefined || o.open) {
        process.stderr.write(RAG_MOVED_NOTE + '\n');
        try { await show('chat', o); } catch (e) { fail(e); }
        return;
      }
      await runModel(spec, o, { interactive: true });
    });
  program
    .command('browser')
    .description('the in-browser inference page: a cached model runs inside the browser (WebGPU, else WASM), side by side with the service')
    .option('--model <model>', 'preselect this model (id or alias) in the page')
    .option('--open', 'open the page in the desktop browser')
    .option('--json', 'print the URLs as JSON')
    .action(async (o: PageOptions) => { try { await show('browser', o); } catch (e) { fail(e); } });
}
