/**
 * POST /web/models/build-int8 {shape}: builds the int8 twin of a shape into the slmlab cache, for
 * the in-browser page's WASM backend (onnxruntime-web's int8 DynamicQuantizeMatMul runs within
 * a few times of native, its int4 MatMulNBits hundreds of times slower; see docs/gpu.md). A POST:
 * it changes state (writes the cache, spends minutes of CPU), so the service refuses it from
 * another site like every POST (lib/service/security.ts, checkCrossSite); only known shapes build.
 */
import type { Handler } from '../service/context';
import { readJson, sendJson } from '../service/http';
import { InvalidRequestError } from '../errors';
import { buildUnderLock } from '../cache/build-locked';
import { SHAPES } from '../synth/shapes';

/** The shapes the page may ask for: the twins, and tiny (tests). */
export function int8Shapes(): string[] {
  return Object.values(SHAPES).filter((s) => s.twinOf !== null || s.name === 'tiny').map((s) => s.name);
}

export const buildInt8: Handler = async (ctx, req, res) => {
  const body = await readJson(req, ctx.maxBodyBytes) as { shape?: unknown } | null;
  const shape = body && typeof body === 'object' ? body.shape : undefined;
  const known = int8Shapes();
  if (typeof shape !== 'string' || !known.includes(shape)) {
    throw new InvalidRequestError(`shape must be one of ${known.join(', ')}, got ${JSON.stringify(shape ?? null)}: the page builds int8 twins of known shapes only`, 'shape');
  }
  const t0 = performance.now();
  const report = await buildUnderLock({ shape, precision: 'int8' });
  sendJson(res, 200, { id: report.id, build_ms: Math.round(performance.now() - t0) });
};
