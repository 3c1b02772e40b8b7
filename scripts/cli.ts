#!/usr/bin/env node
/**
 * slmlab's command line. Each verb lives in scripts/cli/<verb>.ts as a thin layer over lib/.
 */
import { Command } from 'commander';
import { registerModelBuild } from './cli/model-build';
import { registerModelQuantize } from './cli/model-quantize';
import { registerModelCompare } from './cli/model-compare';
import { registerModelExport } from './cli/model-export';
import { registerModelRun } from './cli/model-run';
import { registerModelList } from './cli/model-list';
import { registerModelDownload } from './cli/model-download';
import { registerCache } from './cli/cache';
import { registerService } from './cli/service';
import { registerModelLoad } from './cli/model-load';
import { registerModelCheck } from './cli/model-check';
import { registerProviders } from './cli/providers';
import { registerStart } from './cli/start';
import { registerBench } from './cli/bench';
import { registerReport } from './cli/report';
import { registerPages } from './cli/pages';
import { registerComplete } from './cli/complete';
import { registerConfig } from './cli/config';
import { registerEngines } from './cli/engines';
import { EXIT_HELP, fail } from './cli/exit-codes';
import { cacheDir } from '../lib/cache/location';
import { FOUNDRY_ALIASES_HELP, rewriteFoundryArgv } from './cli/foundry-aliases';

const program = new Command();
program
  .name('slmlab')
  .description('Discover, build, run and benchmark open language models locally (embedded ONNX Runtime).')
  .version(require('../../package.json').version as string)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `\nModels are kept in ${cacheDir()} (set SLMLAB_CACHE_DIR to move it).\n\n${FOUNDRY_ALIASES_HELP}\n\n${EXIT_HELP}`)
  // Usage errors exit 2 (like most CLIs); --help and --version exit 0. Inherited by every verb.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  // Foundry's global --verbose (`foundry --verbose model run …`): error causes and stacks, load details (cli/verbose.ts).
  .option('--verbose', 'print more: what was loaded from where, and errors with their causes and stack')
  .hook('preAction', (cmd) => { if (cmd.opts().verbose) process.env.SLMLAB_VERBOSE = '1'; });

// --allow-software-gpu (bench, model run, service start, providers): the whole process and the
// processes it starts (a background service, engine processes) read SLMLAB_ALLOW_SOFTWARE_GPU.
program.hook('preAction', (_program, action) => {
  if ((action.opts() as { allowSoftwareGpu?: boolean }).allowSoftwareGpu) process.env.SLMLAB_ALLOW_SOFTWARE_GPU = '1';
});

const model = program.command('model').description('list, download, build, run and remove models');
registerModelList(model);
registerModelDownload(model);
registerModelBuild(model);
registerModelQuantize(model);
registerModelCompare(model);
registerModelExport(model); // issue 23: GGUF for llama.cpp
registerModelRun(model);
registerModelLoad(model);
registerModelCheck(model); // issue 20: `model check <folder> --foundry`
registerCache(program);
registerService(program);
registerProviders(program);
registerStart(program);
registerBench(program);
registerReport(program);
registerPages(program); // session 4's pages: slmlab rag, slmlab browser; and slmlab chat <model>
registerComplete(program);
registerConfig(program);
registerEngines(program); // llama.cpp beside ONNX Runtime

program.parseAsync([...process.argv.slice(0, 2), ...rewriteFoundryArgv(process.argv.slice(2))]).catch(fail);
