/**
 * Child process of providers.ts: probes one GPU execution provider and prints its status as
 * JSON on stdout, so native warnings and crashes stay out of the parent process.
 *   node probe-child.js webgpu|cuda
 */
import { parseProvider, probeInProcess } from './providers';

probeInProcess(parseProvider(process.argv[2] ?? ''))
  .then((status) => { process.stdout.write(JSON.stringify(status)); })
  .catch((e: unknown) => { process.stderr.write(String((e as Error)?.stack ?? e)); process.exit(1); });
