/**
 * The engine process: one per loaded model, forked by ProcessModel (lib/engine/process-engine.ts).
 * It runs the shared host loop (lib/engine/host/serve.ts) over its IPC channel, with the loaders
 * of every engine: ONNX Runtime's (a LoadedModel, with its worker thread, so that this process's
 * main thread stays free to answer the heartbeat) and llama.cpp's (on a GGUF export of the same
 * weights). A native crash (SIGBUS from a model file truncated under it, SIGSEGV) ends this
 * process only; the process that forked it answers the model's requests with an error and
 * starts a new one. It exits when told to dispose, and by itself when its parent goes away.
 * It lives here, above lib/engine/, because it names the engines; lib/engine/ never imports it.
 */
import { loadModel } from '../engine/engine';
import { processChannel, serveEngine } from '../engine/host/serve';
import { loadHostedLlamaCpp } from './llama-cpp/host-load';

if (!process.send) {
  process.stderr.write('engines/process-host.js runs as a child process of slmlab\'s service (ProcessModel), not by itself\n');
  process.exit(2);
}

serveEngine(processChannel(), { onnxruntime: loadModel, 'llama.cpp': loadHostedLlamaCpp });

// The service is gone (crashed or killed): nobody will ever ask for anything again.
process.on('disconnect', () => process.exit(0));
