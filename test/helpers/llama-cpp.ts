/**
 * The llama.cpp engine for tests: the one installed before the suite (CI runs
 * `slmlab engines add llama.cpp` into its cache), found from this process's environment
 * (SLMLAB_ENGINES_DIR, else SLMLAB_CACHE_DIR's engines folder). Tests never install it; without
 * it they skip with the reason and the fix.
 */
import { llamaCppDir } from '../../lib/engines/llama-cpp/location';
import { llamaCppStatus } from '../../lib/engines/status';

export interface TestEngine { dir: string; skip: false | string }

export function llamaCppForTests(): TestEngine {
  const s = llamaCppStatus();
  return { dir: llamaCppDir(), skip: s.usable ? false : `${s.reason}: ${s.fix}` };
}
