/**
 * Every environment variable slmlab reads, in one table: its meaning, its default, and the
 * file that reads it. Readers go through envValue(), so a name that is not in this table does
 * not compile. docs/environment.md is this table in words (test/environment.test.ts checks that
 * every name here is there, and that lib/ and scripts/ read no SLMLAB_/BENCH_/HF_/FOUNDRY_
 * variable that is missing here).
 *
 * envValue() returns the raw value (undefined when unset): each reader keeps its own rule for
 * empty values and parsing, as before, so moving a reader here changes nothing it does.
 */

export interface EnvVariableSpec {
  readonly name: string;
  /** What the variable does, in one line. */
  readonly meaning: string;
  /** What applies when it is unset, in words. */
  readonly default: string;
  /** The file that reads it (repository path). */
  readonly readBy: string;
}

const spec = <const T extends readonly EnvVariableSpec[]>(t: T): T => t;

export const ENVIRONMENT = spec([
  // where things live
  { name: 'SLMLAB_CACHE_DIR', meaning: 'the model cache (downloads, synthetic twins, service.json, engines)', default: '$XDG_CACHE_HOME/slmlab, else ~/.cache/slmlab (Windows %LOCALAPPDATA%\\slmlab, macOS ~/Library/Caches/slmlab)', readBy: 'lib/cache/location.ts' },
  { name: 'SLMLAB_MODEL_DIRS', meaning: 'extra folders of your own models, separated like PATH', default: 'none', readBy: 'lib/cache/location.ts' },
  { name: 'FOUNDRY_CACHE_DIR', meaning: "Foundry Local's model cache, read only (slmlab's variable, not Foundry's)", default: '~/.foundry/cache/models', readBy: 'lib/cache/location.ts' },
  { name: 'SLMLAB_ENGINES_DIR', meaning: 'where llama.cpp (node-llama-cpp) is installed on demand', default: "engines/ in the cache folder", readBy: 'lib/engines/llama-cpp/location.ts' },
  { name: 'SLMLAB_RESULTS_DIR', meaning: "root of the notebooks' results folders", default: 'results/notebooks in the repository', readBy: 'lib/lab/results-dir.ts, scripts/notebooks/run-notebooks.ts' },
  // downloads
  { name: 'HF_ENDPOINT', meaning: 'the Hugging Face Hub to download from', default: 'https://huggingface.co', readBy: 'lib/cache/download/hub-api.ts' },
  { name: 'HF_TOKEN', meaning: 'Hugging Face token for gated models', default: 'none (anonymous)', readBy: 'lib/cache/download/hub-api.ts' },
  { name: 'HUGGING_FACE_HUB_TOKEN', meaning: 'the older name of HF_TOKEN (HF_TOKEN wins)', default: 'none', readBy: 'lib/cache/download/hub-api.ts' },
  { name: 'SLMLAB_MAX_UNLISTED_BYTES', meaning: 'largest download of a file whose size the catalog does not list, in bytes', default: "the variant's listed size + 10 %, else 16 GiB", readBy: 'lib/cache/download/ensure.ts' },
  // the service
  { name: 'SLMLAB_HOST', meaning: "the service's address (other than 127.0.0.1 needs SLMLAB_API_KEY)", default: '127.0.0.1', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_PORT', meaning: "the service's port (0: any free port, written to service.json)", default: '0', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_API_KEY', meaning: "the service's bearer key; clients and pages send it", default: 'none (no key on 127.0.0.1)', readBy: 'lib/app/main.ts, lib/service/server.ts, lib/client/running-service.ts, lib/client/find-endpoint.ts, scripts/cli/model-load.ts' },
  { name: 'SLMLAB_TTL', meaning: 'seconds an idle model stays loaded (0: keep loaded)', default: '600', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_MAX_QUEUE', meaning: 'requests waiting per model before 429', default: '16', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_THREADS', meaning: 'ONNX Runtime intra-op threads per model (0: ONNX Runtime chooses)', default: '0', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_MAX_BATCH', meaning: 'requests decoded together per model (1: one at a time)', default: '8', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_STORED_RESPONSES', meaning: 'Responses API responses kept in memory (0: none)', default: '20', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_PREFILL_CHUNK', meaning: 'longest prefill run for one prompt, in tokens (0: whole prompts)', default: '128', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_LOGITS', meaning: "last: logits for the last position only; all: the model's own graph", default: 'last', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_PREPARE_WAIT_MS', meaning: 'how long a request waits for a first-use preparation before 503 with Retry-After', default: '5000', readBy: 'lib/app/main.ts' },
  { name: 'SLMLAB_ENGINE_FROZEN_MS', meaning: 'an engine process that answers no ping for this long (ms) is frozen', default: '10000', readBy: 'lib/engine/process-engine.ts' },
  // the engine and GPUs
  { name: 'SLMLAB_ALLOW_SOFTWARE_GPU', meaning: 'allow webgpu on a software adapter (1, true or yes); set by --allow-software-gpu', default: 'off', readBy: 'lib/engine/providers.ts, lib/bench/runner/run-plan.ts, scripts/cli.ts, scripts/cli/bench.ts' },
  { name: 'SLMLAB_SWIFTSHADER_ICD', meaning: "SwiftShader's Vulkan ICD file", default: 'the usual install places', readBy: 'lib/engine/swiftshader.ts' },
  { name: 'VK_DRIVER_FILES', meaning: "Vulkan loader's forced ICD list (read to name the adapter; cleared when SwiftShader is activated)", default: 'unset', readBy: 'lib/engine/adapter.ts, lib/engine/swiftshader.ts' },
  { name: 'VK_ICD_FILENAMES', meaning: "Vulkan loader's older forced ICD list (set when SwiftShader is activated)", default: 'unset', readBy: 'lib/engine/adapter.ts, lib/engine/swiftshader.ts' },
  { name: 'LD_LIBRARY_PATH', meaning: "extended with SwiftShader's loader folder when it is activated", default: 'unset', readBy: 'lib/engine/swiftshader.ts' },
  // endpoints and benchmarks (the workshop variables override a grid: lib/bench/grid/env.ts)
  { name: 'FOUNDRY_LOCAL_ENDPOINT', meaning: "a Foundry Local (or any OpenAI-compatible) URL: findEndpoint's first choice and a grid's endpoint", default: 'none', readBy: 'lib/client/find-endpoint.ts, lib/bench/grid/env.ts' },
  { name: 'OPENAI_API_KEY', meaning: 'API key sent to URL endpoints by the runner and the judge', default: "a placeholder ('slmlab', 'not-needed')", readBy: 'lib/bench/runner/endpoint-pool.ts, lib/eval/judge.ts' },
  { name: 'BENCH_MODELS', meaning: "workshop: a grid's models (comma list)", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'BENCH_ROUNDS', meaning: "workshop: a grid's rounds (integer >= 1)", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'BENCH_PROMPT', meaning: 'workshop: one prompt text for every cell', default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'BENCH_MAX_TOKENS', meaning: "workshop: a grid's maxTokens (integer >= 1)", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'BENCH_TEMPERATURE', meaning: "workshop: a grid's temperature (0..2)", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'BENCH_STREAM', meaning: "workshop: a grid's stream ('0' or '1')", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'SLM_ALIAS', meaning: "workshop, session 4: a compare grid's small model", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'LLM_ALIAS', meaning: "workshop, session 4: a compare grid's large model", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  { name: 'COMPARE_PROMPT', meaning: "workshop, session 4: a compare grid's prompt (wins over BENCH_PROMPT)", default: "the grid's", readBy: 'lib/bench/grid/env.ts' },
  // the CLI and scripts
  { name: 'SLMLAB_VERBOSE', meaning: "'1': errors print their causes and stack, and verbs that load models say what they loaded; set by --verbose", default: 'off', readBy: 'scripts/cli/verbose.ts, scripts/cli.ts' },
  { name: 'SLMLAB_CHROMIUM', meaning: 'the Chromium that the browser benchmark drives', default: '/usr/bin/chromium', readBy: 'scripts/bench/browser.ts' },
  { name: 'JUPYTER_DATA_DIR', meaning: 'where the tslab kernelspec is written', default: '$XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter (Windows %APPDATA%\\jupyter)', readBy: 'scripts/notebooks/kernelspec.ts' },
  { name: 'JUPYTER_PATH', meaning: "Jupyter's extra data folders; the kernelspec's folder is put first for nbconvert", default: 'unset', readBy: 'scripts/notebooks/kernelspec.ts' },
  // the platform's own (read for default folders)
  { name: 'XDG_CACHE_HOME', meaning: 'the cache root on Linux', default: '~/.cache', readBy: 'lib/cache/location.ts' },
  { name: 'XDG_DATA_HOME', meaning: 'the data root on Linux (Vulkan ICDs, Jupyter)', default: '~/.local/share', readBy: 'lib/engine/adapter.ts, scripts/notebooks/kernelspec.ts' },
  { name: 'LOCALAPPDATA', meaning: 'the cache root on Windows', default: 'unset', readBy: 'lib/cache/location.ts' },
  { name: 'APPDATA', meaning: "Jupyter's data root on Windows", default: 'unset', readBy: 'scripts/notebooks/kernelspec.ts' },
  { name: 'HOME', meaning: 'the home folder (~ in model paths, Vulkan ICDs)', default: "the OS's", readBy: 'lib/registry/locate-model.ts, lib/engine/adapter.ts' },
  { name: 'PATH', meaning: 'where the foundry executable is looked for', default: "the OS's", readBy: 'lib/client/foundry-status.ts' },
  { name: 'PATHEXT', meaning: 'executable suffixes on Windows', default: '.EXE;.CMD;.BAT', readBy: 'lib/client/foundry-status.ts' },
] as const);

export type EnvName = (typeof ENVIRONMENT)[number]['name'];

/** The raw value of `name` in `env` (default process.env): undefined when unset. */
export function envValue(name: EnvName, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  return env[name];
}
