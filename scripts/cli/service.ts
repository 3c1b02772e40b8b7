/**
 * `slmlab service start|stop|restart|status|ps`: the local OpenAI- and Foundry-compatible
 * endpoint, run in the background with a state file (or in the foreground for containers and tests).
 */
import type { Command } from 'commander';
import { daemonPs, daemonStatus, formatPs, formatStatus, serviceFlags, stopDaemon, type StartDaemonOptions } from '../../lib/app/daemon';
import { runServiceMain } from '../../lib/app/main';
import { integer, oneOf } from './parse';
import { choosePort, startOnWorkshopPort, WORKSHOP_PORT } from '../../lib/app/workshop-port';
import { EXIT, fail } from './exit-codes';
import { registerServiceLogs } from './service-logs';

interface StartOptions { host?: string; port?: number; ttl?: number; maxQueue?: number; threads?: number; maxBatch?: number; prefillChunk?: number; logits?: 'last' | 'all'; prefillWeights?: 'model' | 'int8'; foreground?: boolean; json?: boolean; autoDownload?: boolean }

function daemonOptions(o: StartOptions): StartDaemonOptions {
  return { host: o.host, port: o.port, ttlSeconds: o.ttl, maxQueue: o.maxQueue, threads: o.threads, maxBatch: o.maxBatch, prefillChunk: o.prefillChunk, logits: o.logits, prefillWeights: o.prefillWeights, autoDownload: o.autoDownload };
}

function serviceOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'address to bind (default 127.0.0.1; any other needs SLMLAB_API_KEY)')
    .option('--port <n>', `port (default ${WORKSHOP_PORT}, the workshop's, when free, else a free one; 0 = a free port)`, integer('--port', 0, 65535))
    .option('--ttl <seconds>', 'unload a model after this long unused (0 = never; default 600)', integer('--ttl', 0))
    .option('--max-queue <n>', 'requests waiting per loaded model before 429 (default 16)', integer('--max-queue', 0))
    .option('--threads <n>', 'ONNX Runtime intra-op threads per model (0 = one per core)', integer('--threads', 0, 1024))
    .option('--allow-software-gpu', 'software adapter (SwiftShader) for webgpu when no GPU: correctness only, not GPU speed (SLMLAB_ALLOW_SOFTWARE_GPU=1)')
    .option('--max-batch <n>', 'requests decoded together per model (continuous batching; default 8, 1 = one at a time)', integer('--max-batch', 1, 64))
    .option('--prefill-chunk <n>', 'longest prefill run for one prompt, in tokens: a longer prompt goes in chunks between decode steps (default 128; 0 = whole prompts)', integer('--prefill-chunk', 0))
    .option('--logits <mode>', "'last' (default): logits for the last position only, same tokens, faster prefill; 'all': the model's own graph", oneOf('--logits', ['last', 'all'] as const))
    .option('--prefill-weights <w>', "'model' (default): prefill on the model's weights; 'int8': on an int8 copy of its int4 weights (faster on AMX CPUs; changes the logits, see docs/prefill-and-batching.md)", oneOf('--prefill-weights', ['model', 'int8'] as const))
    // commander: --no-auto-download sets autoDownload to false (default true).
    .option('--no-auto-download', "a request never starts a real model's download on first use (`slmlab model download` still does; synthetic twins are still built)")
    .option('--json', 'print the result as JSON');
}

export function registerService(program: Command): void {
  const service = program.command('service').alias('server').description('run the local OpenAI-compatible service (Foundry Local\'s routes too)');

  serviceOptions(service.command('start').description('start the service in the background (or in the foreground with --foreground)'))
    .option('--foreground', 'serve in this process until Ctrl-C (containers, tests)')
    .action(async (o: StartOptions) => {
      try {
        if (o.foreground) {
          const chosen = await choosePort(o.host ?? '127.0.0.1', o.port);
          o = { ...o, port: chosen.port };
          if (chosen.note) process.stderr.write(`slmlab: ${chosen.note}\n`);
          const args = ['--foreground', ...serviceFlags({ ...daemonOptions(o), host: o.host || undefined })];
          const { service: handle, stopped } = await runServiceMain(args, process.env, { exitOnStop: true });
          process.stderr.write(`slmlab service listening on ${handle.url} (Ctrl-C to stop)\n`);
          await stopped;
          return;
        }
        const r = await startOnWorkshopPort(daemonOptions(o));
        if (r.note) process.stderr.write(`slmlab: ${r.note}\n`);
        process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : `${r.alreadyRunning ? 'already running' : 'started'}: ${r.url} (OpenAI base URL ${r.url}/v1)\n`);
      } catch (e) {
        fail(e);
      }
    });

  serviceOptions(service.command('restart').description('stop the service if it runs, then start it')).action(async (o: StartOptions) => {
    try {
      const r = await startOnWorkshopPort({ ...daemonOptions(o), restart: true });
      if (r.note) process.stderr.write(`slmlab: ${r.note}\n`);
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : `restarted: ${r.url}\n`);
    } catch (e) {
      fail(e);
    }
  });

  service.command('stop').description('stop the background service').option('--json', 'print the result as JSON').action(async (o: { json?: boolean }) => {
    try {
      const r = await stopDaemon();
      process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : r.wasRunning ? `stopped (pid ${r.pid}${r.forced ? ', killed after the grace period' : ''})\n` : 'the service was not running\n');
    } catch (e) {
      fail(e);
    }
  });

  service.command('status').description('say whether the service runs, and its endpoint URL').option('--json', 'print the status as JSON').action(async (o: { json?: boolean }) => {
    try {
      const s = await daemonStatus({ probe: true });
      process.stdout.write(o.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s) + '\n');
      // A process that holds the state file but does not answer (frozen, SIGSTOP'd) is no service: exit 8 too (issue 21).
      if (!s.running || s.responding === false) process.exitCode = EXIT.service_not_running;
    } catch (e) {
      fail(e);
    }
  });

  registerServiceLogs(service);

  service.command('ps').description('list the models the service has loaded').option('--json', 'print them as JSON').action(async (o: { json?: boolean }) => {
    try {
      const p = await daemonPs();
      process.stdout.write(o.json ? JSON.stringify(p, null, 2) + '\n' : formatPs(p) + '\n');
      if (!p.running) process.exitCode = EXIT.service_not_running;
    } catch (e) {
      fail(e);
    }
  });
}
