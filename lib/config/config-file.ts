/**
 * slmlab's settings file, <cacheDir>/config.json (the data folder: SLMLAB_CACHE_DIR moves it
 * with the models), read and written by `slmlab config show|set|reset` as Foundry Local's
 * CLI 0.10 does its own. A flat object of dotted keys; only the keys below are accepted, each
 * with its effect in slmlab:
 *
 *   compute.onnx.enable_gpu  true (default): an alias picks the best variant for this machine,
 *                            GPU ones first; false: models run on the CPU unless --ep names a
 *                            provider (model run, complete, chat).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from '../cache/location';
import type { ProviderName } from '../engine/providers';
import { UsageError } from '../errors';

export type ConfigValue = boolean;

export interface ConfigKey {
  key: string;
  default: ConfigValue;
  description: string;
  parse(text: string): ConfigValue;
}

function parseBool(key: string) {
  return (text: string): boolean => {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    throw new UsageError(`${key} is true or false; got ${JSON.stringify(text)}`);
  };
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    key: 'compute.onnx.enable_gpu', default: true, parse: parseBool('compute.onnx.enable_gpu'),
    description: 'true: aliases pick GPU variants when a GPU provider works here; false: run on the CPU unless --ep says otherwise',
  },
];

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'config.json');
}

function keyOf(key: string): ConfigKey {
  const k = CONFIG_KEYS.find((c) => c.key === key.toLowerCase());
  if (!k) throw new UsageError(`unknown setting '${key}': slmlab knows ${CONFIG_KEYS.map((c) => c.key).join(', ')} (see \`slmlab config show\`)`);
  return k;
}

/** The values set in the file (unknown keys and values of the wrong type are ignored). */
function readSet(file: string): Record<string, ConfigValue> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`${file} is not valid JSON (${(e as Error).message}): fix it, or delete it to go back to the defaults`);
  }
  const out: Record<string, ConfigValue> = {};
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const k of CONFIG_KEYS) {
      const v = (raw as Record<string, unknown>)[k.key];
      if (typeof v === typeof k.default) out[k.key] = v as ConfigValue;
    }
  }
  return out;
}

export interface ConfigEntry { key: string; value: ConfigValue; isDefault: boolean; description: string }

export function readConfig(env: NodeJS.ProcessEnv = process.env): ConfigEntry[] {
  const set = readSet(configFilePath(env));
  return CONFIG_KEYS.map((k) => ({ key: k.key, value: set[k.key] ?? k.default, isDefault: !(k.key in set), description: k.description }));
}

export function configValue(key: string, env: NodeJS.ProcessEnv = process.env): ConfigValue {
  return readConfig(env).find((e) => e.key === keyOf(key).key)!.value;
}

function write(file: string, values: Record<string, ConfigValue>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(values, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Sets `key` from its text form (`slmlab config set <key> <value>`); returns the value stored. */
export function setConfig(key: string, text: string, env: NodeJS.ProcessEnv = process.env): ConfigValue {
  const k = keyOf(key);
  const value = k.parse(text);
  const file = configFilePath(env);
  write(file, { ...readSet(file), [k.key]: value });
  return value;
}

/** Goes back to the default for `key`. */
export function resetConfig(key: string, env: NodeJS.ProcessEnv = process.env): ConfigValue {
  const k = keyOf(key);
  const file = configFilePath(env);
  const values = readSet(file);
  delete values[k.key];
  write(file, values);
  return k.default;
}

/** The provider a model-running verb uses when --ep is not given: 'cpu' when GPUs are switched off, else automatic. */
export function configuredProvider(env: NodeJS.ProcessEnv = process.env): ProviderName | undefined {
  return configValue('compute.onnx.enable_gpu', env) === false ? 'cpu' : undefined;
}
